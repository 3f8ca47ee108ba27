package catalog

import (
	"errors"
	"fmt"
)

// Errors returned by the catalog and its stores. Match them with errors.Is: every error the
// catalog returns wraps exactly one of these, with the operation and the offending value as
// context. The more specific claim errors are separate sentinels so a caller (a board's web page,
// the matcher) can tell the resident why a claim was refused.
var (
	// ErrInvalid reports malformed input: an empty title, an unknown category, a grid path with
	// an empty segment, a headcount out of range, a rating outside 1..5, a bad CSV file.
	ErrInvalid = errors.New("catalog: invalid input")
	// ErrNotFound reports a demand, provider, board, claim or audit id that does not exist.
	ErrNotFound = errors.New("catalog: not found")
	// ErrAlreadyExists reports an insert of an id that is already stored.
	ErrAlreadyExists = errors.New("catalog: already exists")
	// ErrInvalidTransition reports a lifecycle move that the transition table does not allow
	// from the demand's current status (for example rating a demand that is not completed).
	// Nothing is changed.
	ErrInvalidTransition = errors.New("catalog: invalid lifecycle transition")
	// ErrVersionConflict reports that the record changed since the caller (or the catalog) read
	// it: the expected version no longer matches. Re-read and decide again.
	ErrVersionConflict = errors.New("catalog: version conflict")
	// ErrCapacity reports a claim by a provider that already serves as many demands at once as
	// its capacity allows (一对多 limit).
	ErrCapacity = errors.New("catalog: provider at capacity")
	// ErrCapacityBelowLoad reports an UpdateProvider that would set a provider's capacity
	// below its current load (the demands it holds an active claim on): the provider would
	// then serve more demands at once than its capacity (DESIGN.md §4 invariant 6). Nothing is
	// changed; lower it once enough of its claims are finished or withdrawn.
	ErrCapacityBelowLoad = errors.New("catalog: capacity below the provider's current load")
	// ErrHeadcountFull reports a claim on a demand whose headcount (多对一) is already met.
	ErrHeadcountFull = errors.New("catalog: demand headcount already met")
	// ErrDuplicateClaim reports a second active claim by the same provider on the same demand.
	ErrDuplicateClaim = errors.New("catalog: provider already claimed this demand")
	// ErrSelfClaim reports a provider claiming a demand raised by the same resident (or by a
	// member of the same team), or a dispatch naming such a provider.
	ErrSelfClaim = errors.New("catalog: provider cannot claim own demand")
	// ErrSelfReview reports a rating (评单) or an audit (审核) by a person who did the work: the
	// actor is the person of a provider who served, or a member of a team that did.
	ErrSelfReview = errors.New("catalog: cannot rate or audit own work")
	// ErrBoardClosed reports a claim on a board that is closed, not yet open or past its
	// closing time, or a publication on one that is closed or past its closing time (a board
	// takes demands before it opens, so that it is full on its first day).
	ErrBoardClosed = errors.New("catalog: board closed")
	// ErrDeadlinePassed reports a claim, an acceptance of a dispatch, a dispatch or a
	// publication of a demand whose deadline has come (at or before now). Such a demand is due to
	// expire (DESIGN.md §5: Expired, deadline passed unclaimed), so no one may take it up, whether
	// or not ExpireDue has run yet. Claims it already has stand.
	ErrDeadlinePassed = errors.New("catalog: demand deadline passed")
	// ErrIneligible reports a provider that may not serve the demand: a required skill is
	// missing (and, for an organisation, no function of the demand's category), the demand lies outside the provider's service area, the demand was dispatched to
	// other providers, or the demand kind needs an organisation (a unit, team or social
	// organisation) rather than an individual volunteer.
	ErrIneligible = errors.New("catalog: provider not eligible")
	// ErrClosed reports a call on a closed store.
	ErrClosed = errors.New("catalog: store closed")
	// ErrCorrupt reports stored data the store cannot have written (a row edited behind its
	// back, a provider's load below its active claims). Stores report it, and so does Catalog
	// when what it read contradicts itself. It never results from bad input.
	ErrCorrupt = errors.New("catalog: corrupt store data")
)

// errorf wraps one sentinel with context; the single place that formats catalog errors.
func errorf(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), sentinel)
}
