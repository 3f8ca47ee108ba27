package sqlstore_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog/sqlstore"
)

const postgresEnv = "TONGXIN_POSTGRES_DSN"

// postgresDSN returns the server DSN from the environment or skips the test.
func postgresDSN(tb testing.TB) string {
	tb.Helper()
	dsn := os.Getenv(postgresEnv)
	if dsn == "" {
		tb.Skip("set " + postgresEnv + "=postgres://postgres@127.0.0.1:5432/test?sslmode=disable to run")
	}
	return dsn
}

// freshSchema creates a schema of its own for one test, dropped at cleanup, and returns a DSN
// whose search_path points at it.
func freshSchema(tb testing.TB) string {
	tb.Helper()
	dsn := postgresDSN(tb)
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	admin := adminDB(tb, dsn)
	_, err := admin.Exec("CREATE SCHEMA " + schema)
	require.NoError(tb, err)
	tb.Cleanup(func() { _, _ = admin.Exec("DROP SCHEMA " + schema + " CASCADE") })
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

// adminDB is one small pool shared by every test for creating and dropping schemas.
func adminDB(tb testing.TB, dsn string) *sql.DB {
	tb.Helper()
	adminOnce.Do(func() {
		admin, adminErr = sql.Open("pgx", dsn)
		if adminErr == nil {
			admin.SetMaxOpenConns(2)
		}
	})
	require.NoError(tb, adminErr)
	return admin
}

// testPoolOptions keep many stores of one test (rapid opens one per case, closed only when
// the test ends) within the server's connection limit.
var testPoolOptions = []sqlstore.Option{sqlstore.WithMaxConns(8), sqlstore.WithConnMaxIdleTime(500 * time.Millisecond)}

func openPostgresAt(tb testing.TB, dsn string) *sqlstore.Store {
	tb.Helper()
	s, err := sqlstore.OpenPostgres(context.Background(), dsn, testPoolOptions...)
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

func openPostgres(tb testing.TB) (*sqlstore.Store, string) {
	tb.Helper()
	dsn := freshSchema(tb)
	return openPostgresAt(tb, dsn), dsn
}

func openSQLite(tb testing.TB) (*sqlstore.Store, string) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "catalog.db")
	s, err := sqlstore.OpenSQLite(context.Background(), path)
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = s.Close() })
	return s, path
}

func getenv(k string) string { return os.Getenv(k) }
