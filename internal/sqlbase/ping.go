package sqlbase

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// IsSQLiteBusy reports whether err is SQLite's SQLITE_BUSY (any extended code).
func IsSQLiteBusy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}

// Ping connects db, retrying (MigrateAttemptsMax times, with SleepBackoff) while SQLite answers
// busy. A new connection to a SQLite file switches it to WAL mode, which needs the file to
// itself: while another process opens the same new file, SQLite answers busy at once, without
// waiting in the busy handler. Any other error, and every PostgreSQL error, returns at once.
func Ping(ctx context.Context, db *sql.DB) error {
	var err error
	for attempt := range MigrateAttemptsMax {
		if attempt > 0 {
			if werr := SleepBackoff(ctx, attempt); werr != nil {
				return fmt.Errorf("%w (after %w)", werr, err)
			}
		}
		if err = db.PingContext(ctx); err == nil || !IsSQLiteBusy(err) {
			return err
		}
	}
	return err
}
