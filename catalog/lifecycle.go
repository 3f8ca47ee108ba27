package catalog

import "strings"

// Status is where a demand stands in its lifecycle, the closed loop 群众点单 → 社区派单/揭榜 →
// 党员接单 → 群众评单 → 社区审核.
type Status uint8

// Demand statuses. The zero value is not a status.
const (
	StatusDraft      Status = iota + 1 // being written, not yet submitted
	StatusOpen                         // submitted and validated (点单); waiting for a board or dispatch
	StatusPublished                    // on a board (揭榜), claimable by eligible providers
	StatusDispatched                   // dispatched (派单) to named providers, who may accept
	StatusClaimed                      // claimed (认领/接单) by some providers, headcount not yet met: still claimable
	StatusAccepted                     // headcount met: every place taken
	StatusInProgress                   // service under way
	StatusCompleted                    // providers reported the work done, hours recorded
	StatusRated                        // the requester rated it (评单), 1..5 with a comment
	StatusAudited                      // the community audited it (审核): approved with hours or rejected
	StatusAwarded                      // points awarded for every approved provider (赋分); with none approved, right at the audit
	StatusCancelled                    // cancelled by the requester or the community, with a reason
	StatusExpired                      // deadline passed unclaimed
	statusCount
)

var statusNames = [...]string{
	StatusDraft: "draft", StatusOpen: "open", StatusPublished: "published", StatusDispatched: "dispatched",
	StatusClaimed: "claimed", StatusAccepted: "accepted", StatusInProgress: "in_progress",
	StatusCompleted: "completed", StatusRated: "rated", StatusAudited: "audited", StatusAwarded: "awarded",
	StatusCancelled: "cancelled", StatusExpired: "expired",
}

// String returns the status's English code ("draft", "in_progress", ...); "none" for the zero
// value (the From of a creation event).
func (s Status) String() string {
	switch {
	case s == 0:
		return "none"
	case s.Valid():
		return statusNames[s]
	}
	return "unknown"
}

// Valid reports whether s is a defined status.
func (s Status) Valid() bool { return s >= StatusDraft && s < statusCount }

// ParseStatus parses the English code of a status.
//
// Errors: ErrInvalid.
func ParseStatus(s string) (Status, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	for i, n := range statusNames {
		if n != "" && n == s {
			return Status(i), nil
		}
	}
	return 0, errorf(ErrInvalid, "status %q", s)
}

// Claimable reports whether a provider may claim (or, if dispatched, accept) a demand in s.
func (s Status) Claimable() bool {
	return s == StatusPublished || s == StatusDispatched || s == StatusClaimed
}

// Terminal reports whether no transition leaves s.
func (s Status) Terminal() bool {
	return s == StatusAwarded || s == StatusCancelled || s == StatusExpired
}

// StatusSet is a set of statuses, one bit per status, for queries.
type StatusSet uint16

// Statuses builds a set. A value that is not a status adds the zero Status's bit, which
// names no status: Has never reports it and a query refuses the set with ErrInvalid, where
// dropping it could leave the empty set, which a query reads as any status.
func Statuses(ss ...Status) StatusSet {
	var set StatusSet
	for _, s := range ss {
		if s.Valid() {
			set |= 1 << s
		} else {
			set |= 1 // the zero Status
		}
	}
	return set
}

// Has reports whether s is in the set.
func (set StatusSet) Has(s Status) bool { return s.Valid() && set&(1<<s) != 0 }

// Slice lists the statuses of the set in order.
func (set StatusSet) Slice() []Status {
	var out []Status
	for s := StatusDraft; s < statusCount; s++ {
		if set.Has(s) {
			out = append(out, s)
		}
	}
	return out
}

// OpenStatuses are the statuses of a demand still waiting for providers: open, published,
// dispatched, or claimed with places left. "Open demands" in queries means these.
const OpenStatuses = StatusSet(1<<StatusOpen | 1<<StatusPublished | 1<<StatusDispatched | 1<<StatusClaimed)

// ActiveStatuses are the statuses in which a claim holds a provider's capacity.
const ActiveStatuses = StatusSet(1<<StatusClaimed | 1<<StatusAccepted | 1<<StatusInProgress)

// Action names a lifecycle operation; every event records one.
type Action uint8

// Actions, one per Catalog method that moves a demand.
const (
	ActionCreate    Action = iota + 1 // Catalog.CreateDemand: → Draft
	ActionSubmit                      // Catalog.Submit: Draft → Open (点单)
	ActionPublish                     // Catalog.PublishBoard, Catalog.Publish: Open → Published (揭榜)
	ActionDispatch                    // Catalog.Dispatch: Open → Dispatched (派单)
	ActionClaim                       // Catalog.Claim: → Claimed or Accepted (认领/接单)
	ActionWithdraw                    // Catalog.Withdraw: a claim withdrawn before the start
	ActionStart                       // Catalog.Start: → InProgress
	ActionComplete                    // Catalog.Complete: → Completed, hours recorded
	ActionRate                        // Catalog.Rate: → Rated (评单)
	ActionAudit                       // Catalog.Audit: → Audited (审核), or → Awarded when every provider is rejected
	ActionAward                       // Catalog.MarkAwarded: one provider awarded; → Awarded when all are
	ActionCancel                      // Catalog.Cancel: → Cancelled
	ActionExpire                      // Catalog.ExpireDue: → Expired
	ActionUnpublish                   // Catalog.CloseBoard: an unclaimed demand leaves its closed board → Open; a partly claimed one stays Claimed
	actionCount
)

var actionNames = [...]string{
	ActionCreate: "create", ActionSubmit: "submit", ActionPublish: "publish", ActionDispatch: "dispatch",
	ActionClaim: "claim", ActionWithdraw: "withdraw", ActionStart: "start", ActionComplete: "complete",
	ActionRate: "rate", ActionAudit: "audit", ActionAward: "award", ActionCancel: "cancel",
	ActionExpire: "expire", ActionUnpublish: "unpublish",
}

// String returns the action's English code.
func (a Action) String() string {
	if a >= ActionCreate && a < actionCount {
		return actionNames[a]
	}
	return "unknown"
}

// Valid reports whether a is a defined action.
func (a Action) Valid() bool { return a >= ActionCreate && a < actionCount }

// Transition is one edge of the lifecycle: action moves a demand from From to To.
type Transition struct {
	From   Status
	Action Action
	To     Status
}

// transitions is the lifecycle (DESIGN.md §5) as data. Every move the catalog makes is looked up
// here first; a move not listed returns ErrInvalidTransition and changes nothing.
var transitions = []Transition{
	{StatusDraft, ActionSubmit, StatusOpen},

	{StatusOpen, ActionPublish, StatusPublished},
	{StatusOpen, ActionDispatch, StatusDispatched},

	// A claim leaves places open (Claimed) or takes the last one (Accepted).
	{StatusPublished, ActionClaim, StatusClaimed},
	{StatusPublished, ActionClaim, StatusAccepted},
	{StatusDispatched, ActionClaim, StatusClaimed},
	{StatusDispatched, ActionClaim, StatusAccepted},
	{StatusClaimed, ActionClaim, StatusClaimed},
	{StatusClaimed, ActionClaim, StatusAccepted},

	// A withdrawal before the start frees a place; the last one out returns the demand to its
	// board (or, if the board has closed since, to Open) or to its dispatch.
	{StatusClaimed, ActionWithdraw, StatusClaimed},
	{StatusClaimed, ActionWithdraw, StatusPublished},
	{StatusClaimed, ActionWithdraw, StatusDispatched},
	{StatusClaimed, ActionWithdraw, StatusOpen},
	{StatusAccepted, ActionWithdraw, StatusClaimed},
	{StatusAccepted, ActionWithdraw, StatusPublished},
	{StatusAccepted, ActionWithdraw, StatusDispatched},
	{StatusAccepted, ActionWithdraw, StatusOpen},

	// A published demand whose board closes unclaimed goes back to Open for the next board.
	{StatusPublished, ActionUnpublish, StatusOpen},
	{StatusClaimed, ActionUnpublish, StatusClaimed}, // its board closed; the claims stand

	// The community may start with fewer providers than the headcount (Claimed).
	{StatusClaimed, ActionStart, StatusInProgress},
	{StatusAccepted, ActionStart, StatusInProgress},
	{StatusInProgress, ActionComplete, StatusCompleted},
	{StatusCompleted, ActionRate, StatusRated},
	{StatusRated, ActionAudit, StatusAudited},
	// Residents do not always rate (an elderly resident may never open the app); the community
	// audits a completed demand without a rating rather than leave the volunteer unpaid.
	{StatusCompleted, ActionAudit, StatusAudited},
	// Each approved provider is awarded in turn; the last award moves the demand on.
	{StatusAudited, ActionAward, StatusAudited},
	{StatusAudited, ActionAward, StatusAwarded},
	// An audit that rejects every provider leaves no award to wait for: the loop closes at
	// once (Awarded: every approved provider, of whom there are none, has its points), rather
	// than the demand waiting in Audited for a MarkAwarded that can never come.
	{StatusRated, ActionAudit, StatusAwarded},
	{StatusCompleted, ActionAudit, StatusAwarded},

	{StatusDraft, ActionCancel, StatusCancelled},
	{StatusOpen, ActionCancel, StatusCancelled},
	{StatusPublished, ActionCancel, StatusCancelled},
	{StatusDispatched, ActionCancel, StatusCancelled},
	{StatusClaimed, ActionCancel, StatusCancelled},
	{StatusAccepted, ActionCancel, StatusCancelled},
	{StatusInProgress, ActionCancel, StatusCancelled},

	{StatusOpen, ActionExpire, StatusExpired},
	{StatusPublished, ActionExpire, StatusExpired},
	{StatusDispatched, ActionExpire, StatusExpired},
}

// Transitions returns the lifecycle's transition table.
func Transitions() []Transition { return append([]Transition(nil), transitions...) }

// CanTransition reports whether the table has the edge from --action--> to.
func CanTransition(from Status, action Action, to Status) bool {
	for _, t := range transitions {
		if t.From == from && t.Action == action && t.To == to {
			return true
		}
	}
	return false
}

// Allows reports whether action may start from status from (to some status).
func Allows(from Status, action Action) bool {
	for _, t := range transitions {
		if t.From == from && t.Action == action {
			return true
		}
	}
	return false
}
