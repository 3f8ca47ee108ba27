package sqlbase_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/internal/sqlbase"
)

// TestRetrySQLiteBusy: a BEGIN that another process's write lock keeps busy is tried again
// until the lock goes, or until ctx ends (ctx's error wrapping the busy one); an error that
// is not busy returns at once.
func TestRetrySQLiteBusy(t *testing.T) {
	ctx := context.Background()
	wdb, release := openLockedSQLite(t)
	const deadline = 100 * time.Millisecond
	dctx, cancel := context.WithTimeout(ctx, deadline)
	defer cancel()
	calls := 0
	start := time.Now()
	err := sqlbase.RetrySQLiteBusy(dctx, func() error {
		calls++
		tx, err := wdb.BeginTx(dctx, nil)
		if err == nil {
			_ = tx.Rollback()
		}
		return err
	})
	elapsed := time.Since(start)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.True(t, sqlbase.IsSQLiteBusy(err), "wraps the busy error: %v", err)
	assert.GreaterOrEqual(t, calls, 1)
	assert.Less(t, elapsed, 20*deadline)

	// The lock goes after a second: each BEGIN waits at most SQLiteWriteWaitStep, so it took
	// several, however loaded the machine (a 100 ms deadline fitted only one BEGIN when two
	// cores ran the tests of several packages).
	time.AfterFunc(time.Second, release)
	calls = 0
	require.NoError(t, sqlbase.RetrySQLiteBusy(ctx, func() error {
		calls++
		tx, err := wdb.BeginTx(ctx, nil)
		if err == nil {
			err = tx.Rollback()
		}
		return err
	}), "waits for the lock to go")
	assert.Greater(t, calls, 1, "tried again while busy")

	boom := errors.New("boom")
	calls = 0
	assert.ErrorIs(t, sqlbase.RetrySQLiteBusy(ctx, func() error { calls++; return boom }), boom)
	assert.Equal(t, 1, calls)
}
