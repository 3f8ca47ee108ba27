package sqlbase_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/internal/sqlbase"
)

// TestCheckpointer: nothing runs until a Kick; a Kick runs one PASSIVE checkpoint, which
// empties the WAL into the database file (the next write then starts the WAL over); Stop is
// idempotent and a Kick after it neither blocks nor runs anything.
func TestCheckpointer(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "c.db")
	wdb, rdb, err := sqlbase.OpenSQLite(path, sqlbase.Options{}, 1, "wal_autocheckpoint(0)")
	require.NoError(t, err)
	t.Cleanup(func() { _ = wdb.Close(); _ = rdb.Close() })
	_, err = wdb.ExecContext(ctx, "CREATE TABLE t (v BLOB)")
	require.NoError(t, err)
	for range 50 {
		_, err = wdb.ExecContext(ctx, "INSERT INTO t VALUES (zeroblob(8000))")
		require.NoError(t, err)
	}
	size := func() int64 {
		fi, err := os.Stat(path)
		require.NoError(t, err)
		return fi.Size()
	}
	require.Less(t, size(), int64(50*8000), "the inserts are in the WAL only")
	c := sqlbase.StartCheckpointer(rdb, time.Millisecond)
	time.Sleep(20 * time.Millisecond)
	require.Zero(t, c.Runs(), "ran without a Kick")
	c.Kick()
	require.Eventually(t, func() bool { return c.Runs() == 1 }, 10*time.Second, time.Millisecond)
	require.NoError(t, c.Err())
	require.Greater(t, size(), int64(50*8000), "the checkpoint copied the inserts into the file")
	c.Stop()
	c.Stop()
	runs := c.Runs()
	c.Kick()
	c.Kick()
	time.Sleep(20 * time.Millisecond)
	require.Equal(t, runs, c.Runs())
}
