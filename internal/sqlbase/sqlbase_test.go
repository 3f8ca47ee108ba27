package sqlbase_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite"

	"github.com/tongxin/tongxin/internal/sqlbase"
	"github.com/tongxin/tongxin/internal/sqltest"
)

var (
	sqliteDialect   = &sqlbase.Dialect{Name: "sqlite", Tokens: map[string]string{"{{key}}": "TEXT"}}
	postgresDialect = &sqlbase.Dialect{Name: "postgres", Tokens: map[string]string{"{{key}}": `TEXT COLLATE "C"`},
		Dollar: true, ForUpdate: " FOR UPDATE"}
)

func TestRebind(t *testing.T) {
	tests := []struct {
		name, in, sqlite, postgres string
	}{
		{"none", "SELECT 1", "SELECT 1", "SELECT 1"},
		{"one", "SELECT a FROM t WHERE id = ?", "SELECT a FROM t WHERE id = ?", "SELECT a FROM t WHERE id = $1"},
		{"many", "INSERT INTO t VALUES (?, ?), (?, ?), (?, ?), (?, ?), (?, ?), (?)",
			"INSERT INTO t VALUES (?, ?), (?, ?), (?, ?), (?, ?), (?, ?), (?)",
			"INSERT INTO t VALUES ($1, $2), ($3, $4), ($5, $6), ($7, $8), ($9, $10), ($11)"},
		{"adjacent", "??", "??", "$1$2"},
		{"empty", "", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.sqlite, sqliteDialect.Rebind(tc.in))
			assert.Equal(t, tc.postgres, postgresDialect.Rebind(tc.in))
		})
	}
}

func TestSplitStatements(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"empty", "", nil},
		{"only comments", "-- one; two\n  -- three;\n", nil},
		{"two", "CREATE TABLE a (x INT);\nCREATE TABLE b (y INT);\n", []string{"CREATE TABLE a (x INT)", "CREATE TABLE b (y INT)"}},
		{"comment with semicolon between lines", "CREATE TABLE a (\n  -- x; y\n  x INT\n);", []string{"CREATE TABLE a (\n  x INT\n)"}},
		{"no final semicolon", "SELECT 1", []string{"SELECT 1"}},
		{"empty statements", ";;\n;SELECT 1;;", []string{"SELECT 1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, sqlbase.SplitStatements(tc.in))
		})
	}
}

func TestMigrationsOrderAndTokens(t *testing.T) {
	fsys := fstest.MapFS{
		"migrations/0002_more.sql":  {Data: []byte("CREATE TABLE b (k {{key}});")},
		"migrations/0001_first.sql": {Data: []byte("-- first\nCREATE TABLE a (k {{key}});\nCREATE INDEX a_k ON a (k);")},
	}
	ms, err := postgresDialect.Migrations(fsys)
	require.NoError(t, err)
	assert.Equal(t, []sqlbase.Migration{
		{Version: 1, Statements: []string{`CREATE TABLE a (k TEXT COLLATE "C")`, "CREATE INDEX a_k ON a (k)"}},
		{Version: 2, Statements: []string{`CREATE TABLE b (k TEXT COLLATE "C")`}},
	}, ms)

	// A token that expands to nothing on one database drops its statement there.
	only := fstest.MapFS{"migrations/0001_a.sql": {Data: []byte("CREATE TABLE a (k TEXT);\n{{pg_only}};")}}
	withEmpty := &sqlbase.Dialect{Name: "sqlite", Tokens: map[string]string{"{{pg_only}}": ""}}
	ms, err = withEmpty.Migrations(only)
	require.NoError(t, err)
	assert.Equal(t, []sqlbase.Migration{{Version: 1, Statements: []string{"CREATE TABLE a (k TEXT)"}}}, ms)

	rejected := map[string]fstest.MapFS{
		"gap":        {"migrations/0001_a.sql": {}, "migrations/0003_c.sql": {}},
		"not number": {"migrations/first.sql": {}},
		"from zero":  {"migrations/0000_a.sql": {}},
	}
	for name, fsys := range rejected {
		t.Run(name, func(t *testing.T) {
			_, err := sqliteDialect.Migrations(fsys)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "want version")
		})
	}
}

func TestPGClassification(t *testing.T) {
	pg := func(code string) error { return fmt.Errorf("wrapped: %w", &pgconn.PgError{Code: code}) }
	tests := []struct {
		name           string
		err            error
		code           string
		raceLost, dupe bool
	}{
		{"serialization", pg("40001"), "40001", true, false},
		{"deadlock", pg("40P01"), "40P01", true, false},
		{"unique", pg("23505"), "23505", false, false},
		{"foreign key", pg("23503"), "23503", false, false},
		{"duplicate table", pg("42P07"), "42P07", false, true},
		{"duplicate object", pg("42710"), "42710", false, true},
		{"other", pg("22003"), "22003", false, false},
		{"not postgres", errors.New("boom"), "", false, false},
		{"nil", nil, "", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.code, sqlbase.PGCode(tc.err))
			assert.Equal(t, tc.raceLost, sqlbase.PGRaceLost(tc.err))
			assert.Equal(t, tc.dupe, sqlbase.IsDuplicateTable(tc.err))
		})
	}
}

func TestSleepBackoff(t *testing.T) {
	for attempt := 1; attempt <= 12; attempt++ {
		start := time.Now()
		require.NoError(t, sqlbase.SleepBackoff(context.Background(), attempt))
		assert.GreaterOrEqual(t, time.Since(start), time.Millisecond/2, "attempt %d", attempt)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// A done context wins unless the timer (at least half a millisecond) fires first.
	err := sqlbase.SleepBackoff(ctx, 10)
	assert.ErrorIs(t, err, context.Canceled)
}

var errTooNew = errors.New("test: schema too new")

var testFS = fstest.MapFS{
	"migrations/0001_a.sql": {Data: []byte("CREATE TABLE a (k {{key}} PRIMARY KEY);")},
	"migrations/0002_b.sql": {Data: []byte("-- b\nCREATE TABLE b (k {{key}} PRIMARY KEY);\nINSERT INTO b (k) VALUES ('x');")},
}

func schema(table string) sqlbase.Schema {
	return sqlbase.Schema{FS: testFS, VersionTable: table, TooNew: errTooNew, Retryable: func(error) bool { return false }}
}

func version(t *testing.T, db *sql.DB, table string) int {
	t.Helper()
	var v int
	require.NoError(t, db.QueryRow(`SELECT version FROM `+table+` WHERE id = 1`).Scan(&v))
	return v
}

func TestMigrate(t *testing.T) {
	backends := map[string]func(t *testing.T) (*sqlbase.Dialect, *sql.DB){
		"sqlite": func(t *testing.T) (*sqlbase.Dialect, *sql.DB) {
			db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "m.db"))
			require.NoError(t, err)
			t.Cleanup(func() { _ = db.Close() })
			return sqliteDialect, db
		},
		"postgres": func(t *testing.T) (*sqlbase.Dialect, *sql.DB) {
			db, err := sql.Open("pgx", sqltest.FreshSchema(t))
			require.NoError(t, err)
			t.Cleanup(func() { _ = db.Close() })
			return postgresDialect, db
		},
	}
	for name, open := range backends {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			d, db := open(t)
			require.NoError(t, d.Migrate(ctx, db, schema("one_version")))
			assert.Equal(t, 2, version(t, db, "one_version"))
			var k string
			require.NoError(t, db.QueryRow(`SELECT k FROM b`).Scan(&k))
			assert.Equal(t, "x", k)

			// Again: nothing to do, the insert of migration 2 does not run twice.
			require.NoError(t, d.Migrate(ctx, db, schema("one_version")))
			var n int
			require.NoError(t, db.QueryRow(`SELECT count(*) FROM b`).Scan(&n))
			assert.Equal(t, 1, n)

			// Another version table in the same database is independent: it starts at 0 and
			// fails on the existing table, leaving its version at 0 (one transaction).
			err := d.Migrate(ctx, db, schema("other_version"))
			require.Error(t, err)
			assert.Contains(t, err.Error(), "version 1")
			assert.Equal(t, 2, version(t, db, "one_version"))

			// A database newer than the code is refused and left as it is.
			_, err = db.Exec(`UPDATE one_version SET version = 3 WHERE id = 1`)
			require.NoError(t, err)
			err = d.Migrate(ctx, db, schema("one_version"))
			require.ErrorIs(t, err, errTooNew)
			assert.Equal(t, 3, version(t, db, "one_version"))
		})
	}
}

func TestMigrateRetriesOnlyWhatItIsTold(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "m.db"))
	require.NoError(t, err)
	defer db.Close()
	broken := fstest.MapFS{"migrations/0001_a.sql": {Data: []byte("CREATE TABLE a (;")}}
	calls := 0
	s := sqlbase.Schema{FS: broken, VersionTable: "v", TooNew: errTooNew, Retryable: func(error) bool { calls++; return true }}
	require.Error(t, sqliteDialect.Migrate(ctx, db, s))
	assert.Equal(t, sqlbase.MigrateAttemptsMax, calls, "a retryable error is tried MigrateAttemptsMax times")

	calls = 0
	s.Retryable = func(error) bool { calls++; return false }
	require.Error(t, sqliteDialect.Migrate(ctx, db, s))
	assert.Equal(t, 1, calls)
}

func TestMigrateRejectsVersionTable(t *testing.T) {
	db, err := sql.Open("sqlite", ":memory:")
	require.NoError(t, err)
	defer db.Close()
	for _, table := range []string{"", "Version", "1v", "v; DROP TABLE a", `"v"`, "v-1", strings.Repeat("v", 64)} {
		t.Run(fmt.Sprintf("%q", table), func(t *testing.T) {
			err := sqliteDialect.Migrate(context.Background(), db, schema(table))
			assert.ErrorIs(t, err, sqlbase.ErrVersionTable)
		})
	}
}

// holdWriteLock takes the write lock of the SQLite file at path on a pool of its own, as
// another process would, and returns the function that releases it.
// openLockedSQLite opens a SQLite file's write pool while another connection, as another
// process would, holds the file's write lock until release.
func openLockedSQLite(t *testing.T) (wdb *sql.DB, release func()) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "locked.db")
	wdb, rdb, err := sqlbase.OpenSQLite(path, sqlbase.Options{}, 1)
	require.NoError(t, err)
	t.Cleanup(func() { _ = wdb.Close(); _ = rdb.Close() })
	require.NoError(t, sqlbase.Ping(context.Background(), wdb))
	return wdb, holdWriteLock(t, path)
}

func holdWriteLock(t *testing.T, path string) (release func()) {
	t.Helper()
	ctx := context.Background()
	db, err := sql.Open("sqlite", sqlbase.SQLiteDSN(path, sqlbase.SyncFull))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	conn, err := db.Conn(ctx)
	require.NoError(t, err)
	_, err = conn.ExecContext(ctx, "BEGIN IMMEDIATE")
	require.NoError(t, err)
	var once sync.Once
	release = func() {
		once.Do(func() {
			_, _ = conn.ExecContext(ctx, "ROLLBACK")
			_ = conn.Close()
		})
	}
	t.Cleanup(release)
	return release
}

// TestMigrateHonoursContext: a migration waiting for another process's write lock gives up
// when its context ends. It waited in SQLite's busy handler, which no interrupt ends, for
// the full SQLiteBusyTimeout (10 s). Once the lock goes, it runs.
func TestMigrateHonoursContext(t *testing.T) {
	ctx := context.Background()
	wdb, release := openLockedSQLite(t)
	const deadline = 100 * time.Millisecond
	dctx, cancel := context.WithTimeout(ctx, deadline)
	defer cancel()
	start := time.Now()
	err := sqliteDialect.Migrate(dctx, wdb, schema("v"))
	elapsed := time.Since(start)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, elapsed, 20*deadline, "Migrate waited past its deadline")

	time.AfterFunc(300*time.Millisecond, release)
	require.NoError(t, sqliteDialect.Migrate(ctx, wdb, schema("v")))
	assert.Equal(t, 2, version(t, wdb, "v"))
}
