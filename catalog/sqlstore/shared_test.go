package sqlstore_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/catalog/sqlstore"
	"github.com/tongxin/tongxin/catalog/storetest"
	"github.com/tongxin/tongxin/internal/sqltest"
)

// The catalog may keep its tables in a database that holds another package's (the ledger's
// sqlstore keeps its version in schema_version): the catalog's own version table is separate.
// The ledger is not imported here (catalog depends on no package of ours, tests included);
// its version table is made by hand, at a version far above the catalog's.
func TestSharesDatabaseWithOtherSchemas(t *testing.T) {
	ctx := context.Background()
	other := []string{
		`CREATE TABLE schema_version (id INTEGER PRIMARY KEY CHECK (id = 1), version BIGINT NOT NULL)`,
		`INSERT INTO schema_version (id, version) VALUES (1, 999)`,
		`CREATE TABLE accounts (id TEXT PRIMARY KEY)`,
	}
	check := func(t *testing.T, db *sql.DB, open func() (catalog.Store, error)) {
		t.Helper()
		for _, stmt := range other {
			_, err := db.Exec(stmt)
			require.NoError(t, err)
		}
		s, err := open()
		require.NoError(t, err)
		defer s.Close()
		f := storetest.NewFixture(t, s)
		d := f.OpenWish(t, storetest.Wish("r1"))
		got, err := s.Demand(ctx, d.ID)
		require.NoError(t, err)
		assert.Equal(t, d.ID, got.ID)
		var version int
		require.NoError(t, db.QueryRow(`SELECT version FROM schema_version WHERE id = 1`).Scan(&version))
		assert.Equal(t, 999, version, "the other package's version is untouched")
	}
	t.Run("sqlite", func(t *testing.T) {
		path := t.TempDir() + "/shared.db"
		check(t, rawSQLite(t, path), func() (catalog.Store, error) { return sqlstore.OpenSQLite(ctx, path) })
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := sqltest.FreshSchema(t)
		db, err := sql.Open("pgx", dsn)
		require.NoError(t, err)
		defer db.Close()
		check(t, db, func() (catalog.Store, error) { return sqlstore.OpenPostgres(ctx, dsn, testPoolOptions...) })
	})
}
