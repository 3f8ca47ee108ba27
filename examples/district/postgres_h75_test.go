package main

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tongxin/tongxin/catalog"
)

// TestPostgresOpenFailureDropsSchemaH75: when opening the stores fails after the run's schema
// was created (here the catalog's open, after the ledger's tables are in the schema), the schema
// is dropped again. An earlier version left district_s<seed>_<time> behind with the ledger's
// tables in it.
func TestPostgresOpenFailureDropsSchemaH75(t *testing.T) {
	dsn := os.Getenv("TONGXIN_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("set TONGXIN_POSTGRES_DSN to run the district on PostgreSQL")
	}
	const seed = 75075 // names this test's schemas: district_s75075_...
	db, err := sql.Open("pgx", dsn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() }) // after the cleanup below, which uses db
	schemas := func() []string {
		rows, err := db.Query(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'district_s75075\_%' ORDER BY 1`)
		require.NoError(t, err)
		defer rows.Close()
		var names []string
		for rows.Next() {
			var n string
			require.NoError(t, rows.Scan(&n))
			names = append(names, n)
		}
		require.NoError(t, rows.Err())
		return names
	}
	t.Cleanup(func() {
		for _, s := range schemas() {
			_, _ = db.Exec("DROP SCHEMA " + s + " CASCADE")
		}
	})
	require.Empty(t, schemas(), "no schema of this test's seed left from an earlier run")

	failure := errors.New("catalog open failed (test)")
	saved := openCatalogPostgres
	t.Cleanup(func() { openCatalogPostgres = saved })
	var created string
	openCatalogPostgres = func(ctx context.Context, dsn string) (catalog.Store, error) {
		created = "" // the ledger's tables are there by now
		if s := schemas(); len(s) == 1 {
			created = s[0]
		}
		return nil, failure
	}

	cfg := smallConfig(t)
	cfg.seed = seed
	cfg.months = 1
	cfg.report = ""
	cfg.db = dsn
	_, err = run(context.Background(), cfg, io.Discard, nil)
	require.ErrorIs(t, err, failure)
	require.NotEmpty(t, created, "the schema existed when the catalog was opened")
	assert.Empty(t, schemas(), "the half-made schema %s is dropped", created)
}
