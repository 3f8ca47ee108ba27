package sqlstore_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/internal/sqltest"
	"github.com/tongxin/tongxin/ledger/sqlstore"
)

// testPoolOptions keep many stores of one test (rapid opens one per case, closed only when
// the test ends) within the server's connection limit.
var testPoolOptions = []sqlstore.Option{sqlstore.WithMaxConns(8), sqlstore.WithConnMaxIdleTime(500 * time.Millisecond)}

func openPostgres(tb testing.TB) (*sqlstore.Store, string) {
	tb.Helper()
	dsn := sqltest.FreshSchema(tb)
	s, err := sqlstore.OpenPostgres(context.Background(), dsn, testPoolOptions...)
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = s.Close() })
	return s, dsn
}

func openSQLite(tb testing.TB) (*sqlstore.Store, string) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "ledger.db")
	s, err := sqlstore.OpenSQLite(context.Background(), path)
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = s.Close() })
	return s, path
}
