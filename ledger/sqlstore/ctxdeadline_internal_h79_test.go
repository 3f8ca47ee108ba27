package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/ledger"
)

// deadlinePassedCtx is a context whose deadline has passed but whose Done is not closed yet:
// what a context.WithDeadline is between its deadline and the moment its timer runs.
type deadlinePassedCtx struct{ context.Context }

func (deadlinePassedCtx) Deadline() (time.Time, bool) { return time.Now().Add(-time.Millisecond), true }

// TestUpdateAtDeadlineWrapsDeadlineExceeded_h79: a database failure of an Update or View
// whose deadline has passed wraps context.DeadlineExceeded even when the context's timer has
// not closed Done yet. A connection that pgx dials under the context times out at the
// deadline in the socket ("dial tcp 127.0.0.1:5432: i/o timeout", os.ErrDeadlineExceeded,
// which is not context.DeadlineExceeded), and ctx.Err() could still be nil when Update
// looked: a probe of 320 concurrent Posts and PostBatches on PostgreSQL with deadlines of
// 0-3 ms returned "post batch: sqlstore: begin: failed to connect to ...: dial error:
// timeout: dial tcp 127.0.0.1:5432: i/o timeout" once, which errors.Is did not match with
// either context error: the caller could not tell its timeout from a database failure.
// View's begin error was not checked against the context at all.
func TestUpdateAtDeadlineWrapsDeadlineExceeded_h79(t *testing.T) {
	ctx := deadlinePassedCtx{context.Background()}
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: os.ErrDeadlineExceeded}
	require.False(t, errors.Is(dial, context.DeadlineExceeded), "the premise")
	s, err := OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "l.db"))
	require.NoError(t, err)
	defer s.Close()

	err = s.Update(ctx, func(ledger.StoreTx) error { return fmt.Errorf("sqlstore: begin: %w", dial) })
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.ErrorIs(t, err, os.ErrDeadlineExceeded)
	err = s.View(ctx, func(ledger.StoreReader) error { return fmt.Errorf("sqlstore: read: %w", dial) })
	require.ErrorIs(t, err, context.DeadlineExceeded)

	// A verdict stands as it is, and a context without a deadline adds nothing.
	err = s.Update(ctx, func(ledger.StoreTx) error { return fmt.Errorf("x: %w", ledger.ErrInsufficientBalance) })
	require.ErrorIs(t, err, ledger.ErrInsufficientBalance)
	require.NotErrorIs(t, err, context.DeadlineExceeded)
	err = s.Update(context.Background(), func(ledger.StoreTx) error { return dial })
	require.NotErrorIs(t, err, context.DeadlineExceeded)
	// A deadline still ahead adds nothing either.
	live, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	err = s.Update(live, func(ledger.StoreTx) error { return dial })
	require.NotErrorIs(t, err, context.DeadlineExceeded)
}

// TestViewBeginAfterContextEndedWrapsIt_h79: View's own begin error goes through the same
// check as fn's: a closed store is ErrClosed, and a begin that fails once the context has
// ended wraps the context's error.
func TestViewBeginAfterContextEndedWrapsIt_h79(t *testing.T) {
	s, err := OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "l.db"))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = s.View(ctx, func(ledger.StoreReader) error { return nil })
	require.ErrorIs(t, err, context.Canceled)
	require.NoError(t, s.Close())
	err = s.View(context.Background(), func(ledger.StoreReader) error { return nil })
	require.ErrorIs(t, err, ledger.ErrClosed)
}
