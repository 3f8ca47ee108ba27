package sqltest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"github.com/stretchr/testify/require"
)

// PostgresEnv names the environment variable that holds the PostgreSQL server DSN the tests
// run against; unset, PostgreSQL tests skip.
const PostgresEnv = "TONGXIN_POSTGRES_DSN"

// adminConnsMax bounds the pool that creates and drops the test schemas.
const adminConnsMax = 2

// PostgresConfigured reports whether PostgresEnv holds a DSN.
func PostgresConfigured() bool { return strings.TrimSpace(os.Getenv(PostgresEnv)) != "" }

// PostgresDSN returns the server DSN from the environment, without surrounding white space,
// or skips the test.
func PostgresDSN(tb testing.TB) string {
	tb.Helper()
	if !PostgresConfigured() {
		tb.Skip("set " + PostgresEnv + "=postgres://postgres@127.0.0.1:5432/test?sslmode=disable to run")
	}
	return strings.TrimSpace(os.Getenv(PostgresEnv))
}

// FreshSchema creates a schema of its own for one test, dropped at cleanup, and returns a DSN
// whose search_path points at it (a URL or keyword/value DSN, as PostgresEnv holds). It skips
// the test when PostgresEnv is not set.
func FreshSchema(tb testing.TB) string {
	tb.Helper()
	dsn := PostgresDSN(tb)
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	admin := adminDB(tb, dsn)
	_, err := admin.Exec("CREATE SCHEMA " + schema)
	require.NoError(tb, err)
	tb.Cleanup(func() { _, _ = admin.Exec("DROP SCHEMA " + schema + " CASCADE") })
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		// Keyword/value form, as pgx reads it: a later keyword overrides an earlier one.
		return dsn + " search_path=" + schema
	}
	u, err := url.Parse(dsn)
	require.NoError(tb, err)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

var (
	adminOnce sync.Once
	admin     *sql.DB
	adminErr  error
)

// adminDB is one small pool shared by every test of a binary for creating and dropping
// schemas.
func adminDB(tb testing.TB, dsn string) *sql.DB {
	tb.Helper()
	adminOnce.Do(func() {
		admin, adminErr = sql.Open("pgx", dsn)
		if adminErr == nil {
			admin.SetMaxOpenConns(adminConnsMax)
		}
	})
	require.NoError(tb, adminErr)
	return admin
}

// WaitForCheckpoint waits until the SQLite database file at path has grown by at least
// growth bytes past start, which only a checkpoint does (commits go to the write-ahead log),
// and fails the test after timeout.
func WaitForCheckpoint(tb testing.TB, path string, start, growth int64, timeout time.Duration) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for FileSize(tb, path) < start+growth {
		if time.Now().After(deadline) {
			tb.Fatalf("database file %d bytes (started at %d): the WAL was not checkpointed", FileSize(tb, path), start)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// FileSize is the size of the file at path.
func FileSize(tb testing.TB, path string) int64 {
	tb.Helper()
	fi, err := os.Stat(path)
	require.NoError(tb, err)
	return fi.Size()
}
