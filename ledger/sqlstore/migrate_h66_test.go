package sqlstore_test

import (
	"context"
	"database/sql"
	"io"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	catalogsql "github.com/tongxin/tongxin/catalog/sqlstore"
	"github.com/tongxin/tongxin/internal/sqltest"
	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/sqlstore"
)

// TestLedgerAndCatalogOpenOneDatabaseAtOnce_h66: two ledgers and two catalogs open one new
// database (a SQLite file, a PostgreSQL schema) at the same time, as four processes sharing
// it would: all succeed, and each store's version table holds its own version.
func TestLedgerAndCatalogOpenOneDatabaseAtOnce_h66(t *testing.T) {
	ctx := context.Background()
	type target struct {
		name, driver string
		fresh        func(t *testing.T) string
		ledger       func(string) (io.Closer, error)
		catalog      func(string) (io.Closer, error)
	}
	targets := []target{{
		"sqlite", "sqlite",
		func(t *testing.T) string { return filepath.Join(t.TempDir(), "shared.db") },
		func(p string) (io.Closer, error) { return sqlstore.OpenSQLite(ctx, p) },
		func(p string) (io.Closer, error) { return catalogsql.OpenSQLite(ctx, p) },
	}}
	if sqltest.PostgresConfigured() {
		targets = append(targets, target{
			"postgres", "pgx",
			func(t *testing.T) string { return sqltest.FreshSchema(t) },
			func(dsn string) (io.Closer, error) { return sqlstore.OpenPostgres(ctx, dsn, testPoolOptions...) },
			func(dsn string) (io.Closer, error) {
				return catalogsql.OpenPostgres(ctx, dsn, catalogsql.WithMaxConns(4))
			},
		})
	}
	for _, tg := range targets {
		t.Run(tg.name, func(t *testing.T) {
			for round := range 5 {
				where := tg.fresh(t)
				opens := []func(string) (io.Closer, error){tg.ledger, tg.catalog, tg.ledger, tg.catalog}
				errs := make([]error, len(opens))
				stores := make([]io.Closer, len(opens))
				var wg sync.WaitGroup
				for i, open := range opens {
					wg.Add(1)
					go func() {
						defer wg.Done()
						stores[i], errs[i] = open(where)
					}()
				}
				wg.Wait()
				for i := range opens {
					require.NoError(t, errs[i], "round %d opener %d", round, i)
					require.NoError(t, stores[i].Close())
				}
				assertVersion(t, where, tg.driver, sqlstore.SchemaVersion())
				db := rawOpen(t, where, tg.driver)
				var v int
				require.NoError(t, db.QueryRow(`SELECT version FROM catalog_schema_version`).Scan(&v))
				require.Equal(t, catalogsql.SchemaVersion(), v)
			}
		})
	}
}

// TestOpenRefusesNegativeVersion_h66: a schema_version row below zero is ledger.ErrCorrupt
// and the row is left as it is; opening panicked.
func TestOpenRefusesNegativeVersion_h66(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "l.db")
	s, err := sqlstore.OpenSQLite(ctx, path)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	setVersion(t, path, "sqlite", -1)
	require.NotPanics(t, func() { _, err = sqlstore.OpenSQLite(ctx, path) })
	require.ErrorIs(t, err, ledger.ErrCorrupt)
	assertVersion(t, path, "sqlite", -1)
}

// TestOpenRefusesForeignTables_h66: a database that holds another program's accounts table is
// refused with ErrSchemaConflict and left as it is (no schema_version, no ledger tables).
func TestOpenRefusesForeignTables_h66(t *testing.T) {
	ctx := context.Background()
	check := func(t *testing.T, db *sql.DB, open func() error) {
		_, err := db.Exec(`CREATE TABLE accounts (id TEXT PRIMARY KEY, owner TEXT)`)
		require.NoError(t, err)
		require.ErrorIs(t, open(), sqlstore.ErrSchemaConflict)
		for _, table := range []string{"schema_version", "assets"} {
			_, err = db.Exec(`SELECT count(*) FROM ` + table)
			require.Error(t, err, "%s was created", table)
		}
	}
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "l.db")
		check(t, rawOpen(t, path, "sqlite"), func() error { _, err := sqlstore.OpenSQLite(ctx, path); return err })
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := sqltest.FreshSchema(t)
		check(t, rawOpen(t, dsn, "pgx"), func() error {
			_, err := sqlstore.OpenPostgres(ctx, dsn, testPoolOptions...)
			return err
		})
	})
}
