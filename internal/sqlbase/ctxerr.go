package sqlbase

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// CtxErr makes a database failure of a call whose context has ended wrap the context's error,
// so that errors.Is(err, context.Canceled) or context.DeadlineExceeded tells the caller what
// happened. Without it the cause is often lost: SQLite answers an interrupted statement with
// "interrupted (9)", pgx one sent on an ended context with driver.ErrBadConn or a dial
// timeout, and database/sql one on a transaction it rolled back with sql.ErrTxDone. An error
// wrapping one of verdicts (the store's own refusals: not found, conflict, ...) stands as it
// is. A deadline that has passed counts although ctx may not say so yet: a connection dialled
// under ctx times out at the deadline in the socket ("i/o timeout"), and the call can return
// before ctx's timer closes Done.
func CtxErr(ctx context.Context, err error, verdicts []error) error {
	if err == nil {
		return nil
	}
	cause := ctx.Err()
	if deadline, ok := ctx.Deadline(); cause == nil && ok && !time.Now().Before(deadline) {
		cause = context.DeadlineExceeded
	}
	if cause == nil || errors.Is(err, cause) {
		return err
	}
	for _, kind := range verdicts {
		if errors.Is(err, kind) {
			return err
		}
	}
	return fmt.Errorf("%w (%w)", cause, err)
}
