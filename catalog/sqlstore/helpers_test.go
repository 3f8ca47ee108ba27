package sqlstore_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog/sqlstore"
	"github.com/tongxin/tongxin/internal/sqltest"
)

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
	dsn := sqltest.FreshSchema(tb)
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
