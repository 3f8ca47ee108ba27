package sqlbase

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// RetryBackoffMax caps the jittered sleep between two attempts.
const RetryBackoffMax = 50 * time.Millisecond

// backoffShiftMax is the largest shift of 1 ms that SleepBackoff uses: 1 ms << 16 is already
// far above RetryBackoffMax, and from 44 on the shift overflows.
const backoffShiftMax = 16

// SleepBackoff waits before attempt (1, 2, …): a random time below 1 ms << attempt, capped at
// RetryBackoffMax, plus half a millisecond. An attempt below 1 counts as 1.
//
// Errors: ctx's error if it is done first.
func SleepBackoff(ctx context.Context, attempt int) error {
	limit := min(time.Millisecond<<min(max(attempt, 1), backoffShiftMax), RetryBackoffMax)
	t := time.NewTimer(time.Duration(rand.Int64N(int64(limit))) + time.Millisecond/2)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// PostgreSQL error codes (SQLSTATE) the stores classify.
const (
	PGSerializationFailure = "40001"
	PGDeadlockDetected     = "40P01"
	PGUniqueViolation      = "23505"
	PGForeignKeyViolation  = "23503"
	PGDuplicateTable       = "42P07"
	PGDuplicateObject      = "42710"

	pgInsufficientPrivilege        = "42501"
	pgObjectNotInPrerequisiteState = "55000"
)

// PGCode returns the SQLSTATE of a PostgreSQL error in err's chain, "" if there is none.
func PGCode(err error) string {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return ""
	}
	return pe.Code
}

// PGRaceLost reports a serialization failure or a deadlock: another transaction won a race,
// and running the transaction again may succeed.
func PGRaceLost(err error) bool {
	code := PGCode(err)
	return code == PGSerializationFailure || code == PGDeadlockDetected
}

// IsDuplicateTable reports a PostgreSQL duplicate table or object: another process created
// it first (CREATE … IF NOT EXISTS can still race in PostgreSQL).
func IsDuplicateTable(err error) bool {
	code := PGCode(err)
	return code == PGDuplicateTable || code == PGDuplicateObject
}
