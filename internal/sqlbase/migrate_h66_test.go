package sqlbase_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/internal/sqlbase"
	"github.com/tongxin/tongxin/internal/sqltest"
)

type migrateBackend struct {
	name string
	d    *sqlbase.Dialect
	open func(t *testing.T) *sql.DB
	// slow is a statement that runs for seconds.
	slow string
}

func migrateBackends(t *testing.T) []migrateBackend {
	bs := []migrateBackend{{
		name: "sqlite", d: sqliteDialect,
		open: func(t *testing.T) *sql.DB {
			wdb, rdb, err := sqlbase.OpenSQLite(t.TempDir()+"/m.db", sqlbase.Options{}, 1)
			require.NoError(t, err)
			t.Cleanup(func() { _ = wdb.Close(); _ = rdb.Close() })
			return wdb
		},
		slow: "CREATE TABLE slow AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000) SELECT sum(x) AS s FROM c",
	}}
	if sqltest.PostgresConfigured() {
		bs = append(bs, migrateBackend{
			name: "postgres", d: postgresDialect,
			open: func(t *testing.T) *sql.DB {
				db, err := sql.Open("pgx", sqltest.FreshSchema(t))
				require.NoError(t, err)
				t.Cleanup(func() { _ = db.Close() })
				return db
			},
			slow: "CREATE TABLE slow AS SELECT 1 AS s FROM pg_sleep(30)",
		})
	}
	return bs
}

func tableExists(t *testing.T, b migrateBackend, db *sql.DB, name string) bool {
	t.Helper()
	q := `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?`
	if b.name == "postgres" {
		q = `SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = $1`
	}
	var n int
	require.NoError(t, db.QueryRow(q, name).Scan(&n))
	return n > 0
}

// TestMigrateFailingHalfWayChangesNothing_h66: a migration whose second statement fails leaves
// the database at the version it had, without the first statement's table, on both databases
// (DDL is transactional in SQLite as in PostgreSQL).
func TestMigrateFailingHalfWayChangesNothing_h66(t *testing.T) {
	ctx := context.Background()
	for _, b := range migrateBackends(t) {
		t.Run(b.name, func(t *testing.T) {
			db := b.open(t)
			require.NoError(t, b.d.Migrate(ctx, db, schema("v")))
			broken := fstest.MapFS{
				"migrations/0001_a.sql": testFS["migrations/0001_a.sql"],
				"migrations/0002_b.sql": testFS["migrations/0002_b.sql"],
				"migrations/0003_c.sql": {Data: []byte("CREATE TABLE c (k TEXT);\nALTER TABLE c ADD COLUMN k TEXT;")},
			}
			s := schema("v")
			s.FS = broken
			require.Error(t, b.d.Migrate(ctx, db, s))
			assert.Equal(t, 2, version(t, db, "v"))
			assert.False(t, tableExists(t, b, db, "c"))
		})
	}
}

// TestMigrateCancelledMidway_h66: a context that ends while a migration statement runs stops
// it: the error matches the context's, and the database stays at its version, so that the next
// open applies the migration whole.
func TestMigrateCancelledMidway_h66(t *testing.T) {
	for _, b := range migrateBackends(t) {
		t.Run(b.name, func(t *testing.T) {
			db := b.open(t)
			require.NoError(t, b.d.Migrate(context.Background(), db, schema("v")))
			slow := fstest.MapFS{
				"migrations/0001_a.sql": testFS["migrations/0001_a.sql"],
				"migrations/0002_b.sql": testFS["migrations/0002_b.sql"],
				"migrations/0003_c.sql": {Data: []byte("CREATE TABLE c (k TEXT);\n" + b.slow)},
			}
			s := schema("v")
			s.FS = slow
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(200*time.Millisecond, cancel)
			start := time.Now()
			err := b.d.Migrate(ctx, db, s)
			require.ErrorIs(t, err, context.Canceled)
			assert.Less(t, time.Since(start), 5*time.Second)
			assert.Equal(t, 2, version(t, db, "v"))
			assert.False(t, tableExists(t, b, db, "c"))
		})
	}
}

// TestMigrateRefusesNegativeVersion_h66: a version row below zero (a database edited by hand
// or damaged) is refused with the schema's Corrupt error and left as it is; it panicked,
// slicing the migrations from a negative index.
func TestMigrateRefusesNegativeVersion_h66(t *testing.T) {
	ctx := context.Background()
	for _, b := range migrateBackends(t) {
		t.Run(b.name, func(t *testing.T) {
			db := b.open(t)
			require.NoError(t, b.d.Migrate(ctx, db, schema("v")))
			_, err := db.Exec(`UPDATE v SET version = -1 WHERE id = 1`)
			require.NoError(t, err)
			s := schema("v")
			s.Corrupt = errCorrupt
			require.NotPanics(t, func() { err = b.d.Migrate(ctx, db, s) })
			require.ErrorIs(t, err, errCorrupt)
			assert.Equal(t, -1, version(t, db, "v"))
		})
	}
}

var errCorrupt = errors.New("test: corrupt")

// TestMigrateConflictIsTypedAndNotRetried_h66: a database that already holds a table the
// first migration creates (another program's) is refused with the schema's Conflict error at
// once and left as it is. On PostgreSQL the duplicate table was taken for a race and the
// migration run MigrateAttemptsMax times; on both databases the error was untyped.
func TestMigrateConflictIsTypedAndNotRetried_h66(t *testing.T) {
	ctx := context.Background()
	for _, b := range migrateBackends(t) {
		t.Run(b.name, func(t *testing.T) {
			db := b.open(t)
			_, err := db.Exec(`CREATE TABLE b (other INTEGER)`)
			require.NoError(t, err)
			calls := 0
			s := schema("v")
			s.Conflict = errConflict
			s.Retryable = func(error) bool { calls++; return false }
			err = b.d.Migrate(ctx, db, s)
			require.ErrorIs(t, err, errConflict)
			assert.Zero(t, calls, "a conflict is not a race")
			assert.False(t, tableExists(t, b, db, "a"))
			assert.False(t, tableExists(t, b, db, "v"))

			s.Conflict = nil
			require.ErrorIs(t, b.d.Migrate(ctx, db, s), sqlbase.ErrSchemaConflict)
		})
	}
}

var errConflict = errors.New("test: conflict")
