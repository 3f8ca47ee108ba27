package points

import (
	"errors"
	"fmt"
)

// Errors returned by package points. Match them with errors.Is: every error the package
// returns wraps one of these (or an error of package ledger or catalog, passed through with
// context), so a caller can tell a resident why an award or a redemption was refused.
var (
	// ErrInvalidScheme reports a scheme or time-bank configuration that breaks a rule: a bad
	// asset code, a negative rate, a duplicate base rule, an account template that does not
	// yield a valid account id, or two templates that can name the same account.
	ErrInvalidScheme = errors.New("points: invalid scheme")
	// ErrInvalid reports malformed input to an operation: a bad holder id, a non-positive or
	// over-precise amount, an unknown item, a missing relationship.
	ErrInvalid = errors.New("points: invalid input")
	// ErrNotAudited reports an award for a completion that has no audit (yet).
	ErrNotAudited = errors.New("points: completion not audited")
	// ErrRejected reports an award for a completion whose audit rejected the provider.
	ErrRejected = errors.New("points: audit rejected the provider")
	// ErrSelfDealing reports an award or deposit to the resident who raised the demand
	// (or to a team that has the requester as a member).
	ErrSelfDealing = errors.New("points: requester is the provider")
	// ErrOverCap reports an award or a gift over a cap (per provider per day or per month, or
	// a gift limit). The error is a *Refusal naming the cap.
	ErrOverCap = errors.New("points: over cap")
	// ErrNothingToAward reports an approved completion whose scheme yields zero points.
	ErrNothingToAward = errors.New("points: scheme yields nothing to award")
	// ErrInsufficientPoints reports a redemption, withdrawal or gift larger than what the
	// holder has available.
	ErrInsufficientPoints = errors.New("points: insufficient balance")
	// ErrOutOfStock reports a redemption of more items than the shop has in stock.
	ErrOutOfStock = errors.New("points: out of stock")
	// ErrRedemptionClosed reports a Fulfil of a cancelled redemption or a Cancel of a
	// fulfilled one.
	ErrRedemptionClosed = errors.New("points: redemption already closed the other way")
	// ErrNotAwarded reports a clawback of an award that was never posted, or an award whose
	// key another scheme on the ledger used.
	ErrNotAwarded = errors.New("points: no award posted")
	// ErrWithdrawRefused reports a time-bank withdrawal the WithdrawPolicy refused. The error
	// is a *Refusal carrying the policy's reason, and its error as Cause (errors.Is and
	// errors.As find it).
	ErrWithdrawRefused = errors.New("points: withdrawal refused by policy")
	// ErrKeyReused reports an operation key that was already used for an operation with other
	// content (a redemption key reused for another item, a deposit repeated with other hours
	// or through another bank on the ledger).
	ErrKeyReused = errors.New("points: key already used for other content")
	// ErrLedgerMismatch reports incentives given to one ExpireAll that run on different
	// ledgers. It wraps ErrInvalid.
	ErrLedgerMismatch = fmt.Errorf("%w: incentives on different ledgers", ErrInvalid)
	// ErrDuplicateCommunity reports two incentives of one community given to one ExpireAll.
	// It wraps ErrInvalid.
	ErrDuplicateCommunity = fmt.Errorf("%w: two incentives of one community", ErrInvalid)
)

// Refusal is an error carrying the reason a rule refused an operation, in words a community
// worker can show the resident. It wraps one sentinel (ErrOverCap, ErrWithdrawRefused, ...).
type Refusal struct {
	Kind   error  // the sentinel
	Op     string // the operation and its subject, e.g. "award demand 0190…/provider 0190…"
	Reason string // e.g. "daily cap 200 reached: 180 awarded, 40 more asked"
	// Cause is the error a caller's rule refused with (a WithdrawPolicy's), or nil. It stays
	// matchable, so a platform can tell its own refusals apart with errors.Is and errors.As.
	Cause error
}

// Error formats the refusal.
func (r *Refusal) Error() string { return fmt.Sprintf("%s: %v: %s", r.Op, r.Kind, r.Reason) }

// Unwrap returns the sentinel and, when there is one, the cause.
func (r *Refusal) Unwrap() []error {
	if r.Cause == nil {
		return []error{r.Kind}
	}
	return []error{r.Kind, r.Cause}
}

func refuse(kind error, op, format string, args ...any) error {
	return &Refusal{Kind: kind, Op: op, Reason: fmt.Sprintf(format, args...)}
}

func errorf(kind error, format string, args ...any) error {
	return fmt.Errorf("%w: %s", kind, fmt.Sprintf(format, args...))
}
