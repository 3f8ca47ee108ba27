package catalog

import (
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// BoardKind says what a board is for; it decides which demands it takes.
type BoardKind uint8

// Board kinds. The zero value is not a kind.
const (
	// BoardWishes is the monthly wish board (微心愿榜): wishes and practical matters, claimed by
	// volunteers, grid party branches and micro-teams.
	BoardWishes BoardKind = iota + 1
	// BoardBigItems is the quarterly big-item board (项目榜): big items and micro-venture
	// projects, claimed by units, teams and social organisations.
	BoardBigItems
)

// Valid reports whether k is a defined kind.
func (k BoardKind) Valid() bool { return k == BoardWishes || k == BoardBigItems }

// Takes reports whether a demand of kind d belongs on a board of kind k.
func (k BoardKind) Takes(d DemandKind) bool {
	if k == BoardBigItems {
		return d == MajorItem || d == Project
	}
	return d == Wish || d == PracticalMatter
}

// Board is a published list of open demands (榜单) for providers to claim (揭榜认领), open
// from OpensAt until ClosesAt or until it is closed, whichever comes first.
type Board struct {
	ID        uuid.UUID
	Name      string // "阳光社区2026年5月微心愿榜"
	Kind      BoardKind
	Scope     GridPath  // the street or community publishing it
	OpensAt   time.Time // claims are accepted from OpensAt ...
	ClosesAt  time.Time // ... until ClosesAt (exclusive)
	Closed    bool      // closed by CloseBoard before or after ClosesAt
	ClosedAt  time.Time
	CreatedBy string
	Version   uint64
	CreatedAt time.Time
}

// OpenAt reports whether the board accepts claims at time t.
func (b Board) OpenAt(t time.Time) bool {
	return !b.Closed && !t.Before(b.OpensAt) && t.Before(b.ClosesAt)
}

// ClaimState is the state of one provider's claim on one demand.
type ClaimState uint8

// Claim states. The zero value is not a state.
const (
	ClaimActive    ClaimState = iota + 1 // holds a place on the demand and a unit of the provider's capacity
	ClaimWithdrawn                       // withdrawn before the start; the place returned
	ClaimDone                            // the demand completed: the provider served, hours recorded; capacity released
	ClaimReleased                        // the demand was cancelled, before or after the start; capacity released
)

// Claim is one provider's claim on (or acceptance of) one demand. There is at most one claim per
// (demand, provider); a withdrawn claim may be made active again by claiming anew.
type Claim struct {
	DemandID   uuid.UUID
	ProviderID uuid.UUID
	State      ClaimState
	ClaimedAt  time.Time
	ClosedAt   time.Time       // when it left ClaimActive
	Hours      decimal.Decimal // reported hours at completion (at most HoursScale decimals)
}

// WorkReport is one provider's reported hours for a completed demand.
type WorkReport struct {
	ProviderID uuid.UUID
	Hours      decimal.Decimal // > 0, at most HoursScale decimal places, <= HoursPerActivityMax
}

// Limits on hours.
const (
	HoursScale          = 2   // hours are kept to 0.01 h
	HoursPerActivityMax = 240 // reported or audited hours on one demand by one provider
)

// Audit is the community's decision (审核) on one provider's part in a completed demand. Points
// are awarded only on an approved audit, once per (demand, provider): Awarded records that the
// points posting exists, so a retry after a crash finds it and does nothing (DESIGN.md §2).
type Audit struct {
	DemandID   uuid.UUID
	ProviderID uuid.UUID
	Approved   bool
	Hours      decimal.Decimal // approved hours to credit (> 0 when approved, zero when rejected)
	Reason     string          // why; required when rejected
	Auditor    string          // who audited
	At         time.Time
	Awarded    bool // points were posted for it (MarkAwarded)
	AwardedAt  time.Time
	AwardedBy  string
}

// AuditDecision is the auditor's decision on one provider's part.
type AuditDecision struct {
	ProviderID uuid.UUID
	Approved   bool
	Hours      decimal.Decimal // when approved: > 0, at most HoursScale decimals, <= HoursPerActivityMax
	Reason     string          // required when rejected
}

// Event is one recorded move of a demand: who did what, when, and why. A demand's events are
// numbered 1, 2, ... in the order they happened; they are never changed.
type Event struct {
	DemandID   uuid.UUID
	Seq        uint64 // 1-based, consecutive per demand
	Action     Action
	From, To   Status    // From is zero for ActionCreate
	Actor      string    // who: an opaque id of the resident, provider, operator or "system"
	ProviderID uuid.UUID // the provider concerned (claim, withdraw, award), if any
	Reason     string
	At         time.Time
}

// ActorSystem is the actor recorded for moves the catalog makes by itself (expiry).
const ActorSystem = "system"
