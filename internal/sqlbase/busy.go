package sqlbase

import (
	"context"
	"fmt"
	"time"
)

// sqliteBusyBackoffAttemptMax caps the attempt number given to SleepBackoff between two tries
// that SQLite answered busy at once (its sleep is then at most RetryBackoffMax).
const sqliteBusyBackoffAttemptMax = 6

// RetrySQLiteBusy runs begin, which starts a SQLite write transaction (BEGIN IMMEDIATE on a
// connection whose busy timeout is SQLiteWriteWaitStep, as OpenSQLite's write pool has), and
// runs it again while it fails with SQLITE_BUSY (another process holds the write lock),
// until ctx ends or SQLiteBusyTimeout has passed. A BEGIN that fails busy leaves no
// transaction behind. Any other error, and every PostgreSQL error, returns at once.
//
// SQLite's busy handler waits without looking at interrupts, so a connection with a busy
// timeout of SQLiteBusyTimeout would wait that long whatever ctx says; waiting in steps of
// SQLiteWriteWaitStep lets the caller's deadline end the wait.
//
// Errors: begin's error; ctx's error (wrapping the last busy error) when it ends first.
func RetrySQLiteBusy(ctx context.Context, begin func() error) error {
	waitEnd := time.Now().Add(SQLiteBusyTimeout)
	for attempt := 1; ; attempt++ {
		start := time.Now()
		err := begin()
		if err == nil || !IsSQLiteBusy(err) || !time.Now().Before(waitEnd) {
			return err
		}
		if cerr := ctx.Err(); cerr != nil {
			return fmt.Errorf("%w (%w)", cerr, err)
		}
		// Busy without waiting in the busy handler (SQLite does so where waiting could
		// deadlock): sleep a little rather than spin.
		if time.Since(start) < SQLiteWriteWaitStep/2 {
			if werr := SleepBackoff(ctx, min(attempt, sqliteBusyBackoffAttemptMax)); werr != nil {
				return fmt.Errorf("%w (%w)", werr, err)
			}
		}
	}
}
