package ledger

import (
	"errors"
	"fmt"
)

// Errors returned by the ledger. Match them with errors.Is: every error the ledger returns wraps
// exactly one of these, with the operation and the offending value as context, except the
// store's own failures (a database error) and a call whose ctx ended, whose error wraps
// ctx.Err() (context.Canceled or context.DeadlineExceeded) so a caller can retry it.
var (
	// ErrInvalid reports malformed input: a bad account id, asset code, metadata over its
	// limits, a posting from an account to itself, an effective time in the future.
	ErrInvalid = errors.New("ledger: invalid input")
	// ErrInvalidAmount reports an amount that is zero, negative, has more decimal places than
	// its asset's scale, or would overflow. It wraps ErrInvalid.
	ErrInvalidAmount = fmt.Errorf("%w: amount", ErrInvalid)
	// ErrUnknownAsset reports an asset code that was never created.
	ErrUnknownAsset = errors.New("ledger: unknown asset")
	// ErrUnknownAccount reports an account that was never opened.
	ErrUnknownAccount = errors.New("ledger: unknown account")
	// ErrAssetMismatch reports a posting whose asset differs from an account's asset.
	ErrAssetMismatch = errors.New("ledger: asset mismatch")
	// ErrInsufficientBalance reports a posting or hold that would take an account below its
	// minimum balance, open holds counted.
	ErrInsufficientBalance = errors.New("ledger: insufficient balance")
	// ErrAboveMaxBalance reports a posting that would take an account above its MaxBalance.
	ErrAboveMaxBalance = errors.New("ledger: above maximum balance")
	// ErrIdempotencyConflict reports an idempotency key that was already used for a request
	// with other content.
	ErrIdempotencyConflict = errors.New("ledger: idempotency key reused with other content")
	// ErrAlreadyReversed reports a second reversal of the same transaction.
	ErrAlreadyReversed = errors.New("ledger: transaction already reversed")
	// ErrConflict reports a different definition of an asset or account that already exists.
	ErrConflict = errors.New("ledger: conflicting definition exists")
	// ErrHoldClosed reports a capture or release of a hold that was already captured,
	// released, or (for a capture) has expired.
	ErrHoldClosed = errors.New("ledger: hold closed")
	// ErrNotFound reports a transaction or hold id that does not exist.
	ErrNotFound = errors.New("ledger: not found")
	// ErrClosed reports a call on a closed store.
	ErrClosed = errors.New("ledger: store closed")
	// ErrCorrupt reports stored state that breaks an invariant: Verify returns it, wrapped
	// with the first discrepancy found. It never results from bad input.
	ErrCorrupt = errors.New("ledger: stored state is corrupt")
)
