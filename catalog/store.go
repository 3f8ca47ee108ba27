package catalog

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Limits on queries and on what one change may write.
const (
	PageSizeDefault    = 50
	PageSizeMax        = 1000
	ChangeRecordsMax   = 250_000 // records of all types in one Change (an import of ImportRowsMax demands with their events)
	ClaimsPerDemandMax = 4 * HeadcountMax
	QueryCategoriesMax = CategoriesMax
)

// Store persists the catalog. It holds no catalog rules: Catalog validates every request,
// checks every precondition and computes every new record before it asks a Store to write, so
// a Store only keeps what it is given, atomically, and reads it back. The one check a store
// makes is optimistic concurrency: see Change.
//
// Every method must return an error wrapping ErrClosed once Close has been called, one
// wrapping the context's error when called with an ended context (Apply then writes nothing),
// and ErrNotFound (wrapped) for a single record it does not hold. A list method returns an empty
// slice, not ErrNotFound, when nothing matches. Stores are safe for concurrent use. Records
// handed to Apply and returned by reads must not alias memory the caller keeps.
//
// Times are kept in UTC to the microsecond: Catalog writes them so, and a store may drop finer
// precision and the location of a time written to it directly. A store may refuse with
// ErrInvalid, writing nothing, what it cannot keep exactly (text that is not UTF-8 or holds
// NUL, NaN coordinates, numbers beyond int64); Catalog validates all of these first.
//
// Lists are ordered by id ascending (uuid byte order; claims and audits of a demand by provider
// id, events by Seq) and paginated by an exclusive cursor, so a SQL store can answer them with
// WHERE id > ? ORDER BY id LIMIT ?.
type Store interface {
	// Apply writes c atomically: all of it or none of it. It returns ErrVersionConflict when a
	// versioned record's stored version is not the written Version-1 (or when an event's
	// (DemandID, Seq) already exists), ErrAlreadyExists when a record written with Version 1
	// already exists, ErrNotFound when a record written with Version > 1 does not exist.
	Apply(ctx context.Context, c Change) error

	// Demand returns the demand with this id, or ErrNotFound.
	Demand(ctx context.Context, id uuid.UUID) (Demand, error)
	// Demands lists demands matching q, ordered by id, ids > q.After, at most q.Limit.
	Demands(ctx context.Context, q DemandQuery) ([]Demand, error)
	// Provider returns the provider with this id, or ErrNotFound.
	Provider(ctx context.Context, id uuid.UUID) (Provider, error)
	// Providers lists providers matching q, ordered by id, ids > q.After, at most q.Limit.
	Providers(ctx context.Context, q ProviderQuery) ([]Provider, error)
	// Board returns the board with this id, or ErrNotFound.
	Board(ctx context.Context, id uuid.UUID) (Board, error)
	// Boards lists boards matching q, ordered by id, ids > q.After, at most q.Limit.
	Boards(ctx context.Context, q BoardQuery) ([]Board, error)
	// BoardDemandCount counts the demands carrying boardID whose status is in statuses (any
	// status if statuses is zero); uuid.Nil counts none. Publish asks it on every call, so a
	// store counts from an index rather than reading the demands' records.
	BoardDemandCount(ctx context.Context, boardID uuid.UUID, statuses StatusSet) (int, error)
	// Claims lists every claim on a demand (any state), ordered by provider id. A demand has at
	// most ClaimsPerDemandMax claims. An unknown demand has none.
	Claims(ctx context.Context, demandID uuid.UUID) ([]Claim, error)
	// ProviderClaims lists a provider's claims matching q, ordered by demand id.
	ProviderClaims(ctx context.Context, providerID uuid.UUID, q ClaimQuery) ([]Claim, error)
	// Audits lists every audit of a demand, ordered by provider id.
	Audits(ctx context.Context, demandID uuid.UUID) ([]Audit, error)
	// Events lists a demand's events with Seq > afterSeq in Seq order, at most limit.
	Events(ctx context.Context, demandID uuid.UUID, afterSeq uint64, limit int) ([]Event, error)

	// Close releases the store; later calls return ErrClosed. Closing twice is not an error.
	Close() error
}

// Change is everything one catalog operation writes; a Store applies it whole or not at all.
//
// Demands, providers and boards are versioned: a record written with Version 1 is inserted
// and must not exist yet; a record written with Version v > 1 replaces the stored one only if
// the stored Version is v-1. That check, made by the store inside its write, is what makes
// concurrent operators safe (optimistic concurrency).
//
// Claims, audits and events belong to a demand and are only ever written together with that
// demand's versioned record, so the demand's version check covers them: claims and audits are
// upserted by (DemandID, ProviderID); events are inserted and never replaced. One whose demand
// neither exists nor is inserted by the same change is refused with ErrNotFound.
type Change struct {
	Demands   []Demand
	Providers []Provider
	Boards    []Board
	Claims    []Claim
	Audits    []Audit
	Events    []Event
}

// Records is the number of records in c; a Change holds at most ChangeRecordsMax.
func (c Change) Records() int {
	return len(c.Demands) + len(c.Providers) + len(c.Boards) + len(c.Claims) + len(c.Audits) + len(c.Events)
}

// DemandQuery selects demands. Zero fields do not filter. Limit must be 1..PageSizeMax.
type DemandQuery struct {
	Statuses   StatusSet  // any of these statuses
	BoardID    uuid.UUID  // carrying this board id (kept after the demand leaves the board: add Statuses for those on it)
	Grid       GridPath   // located in this grid subtree
	Categories []string   // category code is one of these (at most QueryCategoriesMax)
	Kind       DemandKind // of this kind
	Priority   Priority   // has every one of these priority flags
	// DeadlineBefore selects demands that have a deadline at or before it.
	DeadlineBefore time.Time
	After          uuid.UUID // exclusive cursor: ids greater than this
	Limit          int
}

// Matches reports whether d satisfies every filter of q (not the cursor or limit). Stores may
// use it as their reference; the conformance suite checks them against it.
func (q DemandQuery) Matches(d Demand) bool {
	if q.Statuses != 0 && !q.Statuses.Has(d.Status) {
		return false
	}
	if q.BoardID != uuid.Nil && d.BoardID != q.BoardID {
		return false
	}
	if q.Grid != "" && !d.Location.Grid.Within(q.Grid) {
		return false
	}
	if len(q.Categories) > 0 {
		found := false
		for _, c := range q.Categories {
			if c == d.Category {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	if q.Kind != 0 && d.Kind != q.Kind {
		return false
	}
	if q.Priority != 0 && !d.Priority.Has(q.Priority) {
		return false
	}
	if !q.DeadlineBefore.IsZero() && (d.Deadline.IsZero() || d.Deadline.After(q.DeadlineBefore)) {
		return false
	}
	return true
}

// ProviderQuery selects providers. Zero fields do not filter. Limit must be 1..PageSizeMax.
type ProviderQuery struct {
	Kind        ProviderKind
	Skill       Skill      // has this skill
	Function    Function   // has this function
	Grid        GridPath   // home in this grid subtree
	Available   TimeWindow // availability overlaps this window (see WeeklyAvailability.Overlaps)
	HasCapacity bool       // Active < Capacity
	After       uuid.UUID
	Limit       int
}

// Matches reports whether p satisfies every filter of q (not the cursor or limit).
func (q ProviderQuery) Matches(p Provider) bool {
	if q.Kind != 0 && p.Kind != q.Kind {
		return false
	}
	if q.Skill != "" && !p.HasSkills([]Skill{q.Skill}) {
		return false
	}
	if q.Function != "" {
		found := false
		for _, f := range p.Functions {
			if f == q.Function {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	if q.Grid != "" && !p.Home.Within(q.Grid) {
		return false
	}
	if !q.Available.IsZero() && !p.Availability.Overlaps(q.Available) {
		return false
	}
	if q.HasCapacity && p.Active >= p.Capacity {
		return false
	}
	return true
}

// BoardQuery selects boards. Zero fields do not filter. Limit must be 1..PageSizeMax.
type BoardQuery struct {
	Scope  GridPath  // boards whose scope lies in this subtree
	OpenAt time.Time // boards open for claims at this time
	After  uuid.UUID
	Limit  int
}

// Matches reports whether b satisfies every filter of q (not the cursor or limit).
func (q BoardQuery) Matches(b Board) bool {
	if q.Scope != "" && !b.Scope.Within(q.Scope) {
		return false
	}
	if !q.OpenAt.IsZero() && !b.OpenAt(q.OpenAt) {
		return false
	}
	return true
}

// ClaimQuery selects a provider's claims. Limit must be 1..PageSizeMax.
type ClaimQuery struct {
	ActiveOnly bool      // only ClaimActive
	After      uuid.UUID // exclusive cursor on the demand id
	Limit      int
}
