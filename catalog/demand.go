package catalog

import (
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// DemandKind is which of the carriers a demand belongs to.
type DemandKind uint8

// Demand kinds. The zero value is not a kind.
const (
	// Wish is a micro-wish (微心愿): a small, concrete need a resident posts, such as a repaired
	// tap, a haircut at home or school supplies for a child; usually one provider.
	Wish DemandKind = iota + 1
	// PracticalMatter is a practical matter (微实事): a small shared problem of a building or
	// grid, such as a broken corridor light or a blocked drain.
	PracticalMatter
	// MajorItem is a big item (大事项): too large for the grid's own volunteers, routed to
	// co-building units by function (大事小事分流).
	MajorItem
	// Project is a micro-venture (微创投) project on the project list (项目清单): a funded
	// item with a budget in yuan, claimed by units, teams or social organisations.
	Project
)

var demandKindNames = [...]string{Wish: "wish", PracticalMatter: "practical_matter", MajorItem: "major_item", Project: "project"}

// String returns the kind's English code ("wish", "practical_matter", "major_item", "project").
func (k DemandKind) String() string {
	if k >= Wish && k <= Project {
		return demandKindNames[k]
	}
	return "unknown"
}

// Valid reports whether k is one of the defined kinds.
func (k DemandKind) Valid() bool { return k >= Wish && k <= Project }

// NeedsOrganisation reports whether only an organisation (unit, team or social organisation)
// may claim demands of this kind: big items and projects are beyond one volunteer.
func (k DemandKind) NeedsOrganisation() bool { return k == MajorItem || k == Project }

// ParseDemandKind accepts the English code or the Chinese name (微心愿, 微实事, 大事项, 微创投).
//
// Errors: ErrInvalid.
func ParseDemandKind(s string) (DemandKind, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "wish", "微心愿":
		return Wish, nil
	case "practical_matter", "微实事":
		return PracticalMatter, nil
	case "major_item", "大事项":
		return MajorItem, nil
	case "project", "微创投":
		return Project, nil
	}
	return 0, errorf(ErrInvalid, "demand kind %q", s)
}

// RequesterRef identifies the resident (or community office) that raised a demand. It is an
// opaque id from the community's own register and a display name; the catalog stores no phone
// numbers, ID-card numbers or addresses beyond the grid path.
type RequesterRef struct {
	ID   string // opaque, 1..RefIDBytesMax bytes, no surrounding whitespace; compared with Provider.PersonID to refuse self-claims
	Name string // display name, e.g. "王阿姨"; kept trimmed
}

// Priority is a set of flags for priority residents (重点人群). Matching ranks such demands first.
type Priority uint8

// Priority flags; combine with |.
const (
	PriorityElderlyAlone Priority = 1 << iota // elderly living alone (独居老人)
	PriorityDisabled                          // disabled resident (残疾人)
	PriorityHardship                          // household in hardship (困难群众)
	PriorityChildren                          // children, including left-behind children (儿童)
	priorityAll          = PriorityElderlyAlone | PriorityDisabled | PriorityHardship | PriorityChildren
)

// Has reports whether every flag of q is set in p.
func (p Priority) Has(q Priority) bool { return p&q == q }

// Any reports whether any flag is set.
func (p Priority) Any() bool { return p != 0 }

// Valid reports whether p has only defined flags.
func (p Priority) Valid() bool { return p&^priorityAll == 0 }

// Urgency is how fast a demand must be answered (急事快速应对).
type Urgency uint8

// Urgency levels. The zero value is Normal.
const (
	UrgencyNormal    Urgency = iota // within the board's period
	UrgencyUrgent                   // within a day or two
	UrgencyEmergency                // now: a burst pipe, an elderly resident alone and unwell
)

// Valid reports whether u is a defined level.
func (u Urgency) Valid() bool { return u <= UrgencyEmergency }

// TimeWindow is when a demand is to be served. A zero Start or End leaves that side open.
// End equal to Start is an instant (an appointment: 上门 at 9:00): it is served in Start's
// hour, and a provider free that hour fits it (see TimeWindow.HourSlots).
//
// Each set end lies in the years 0000 to 9999 of China time (ImportLocation): from
// 0000-01-01 00:00 to 9999-12-31 23:59:59.999999 CST, the times the CSV export writes as
// "2006-01-02 15:04:05" and import reads back. A later or earlier time would be written with a
// fifth digit or a sign ("10000-01-01 08:00:00", "-0005-…") that no import reads.
type TimeWindow struct {
	Start time.Time
	End   time.Time
}

// IsZero reports whether the window is unbounded on both sides (any time).
func (w TimeWindow) IsZero() bool { return w.Start.IsZero() && w.End.IsZero() }

// Validate checks that each set end lies in the years 0000..9999 of China time (see
// TimeWindow) and that End is not before Start when both are set. End equal to Start (an
// instant) is valid.
//
// Errors: ErrInvalid.
func (w TimeWindow) Validate() error {
	if err := checkTime("time window start", w.Start); err != nil {
		return err
	}
	if err := checkTime("time window end", w.End); err != nil {
		return err
	}
	if !w.Start.IsZero() && !w.End.IsZero() && w.End.Before(w.Start) {
		return errorf(ErrInvalid, "time window ends %s before it starts %s", w.End, w.Start)
	}
	return nil
}

// The years a time the catalog keeps (a window's end, a deadline) may have in China time
// (ImportLocation): the four-digit years the CSV export writes and import reads back.
const (
	timeYearMin = 0
	timeYearMax = 9999
)

// checkTime refuses a set time whose year in China time (ImportLocation, as the CSV export
// writes it) is outside timeYearMin..timeYearMax: its export could not be read back. The zero
// time (none) passes.
func checkTime(field string, t time.Time) error {
	if t.IsZero() {
		return nil
	}
	if y := t.In(localZone()).Year(); y < timeYearMin || y > timeYearMax {
		return errorf(ErrInvalid, "%s %s: year %d in China time, want %04d..%04d", field, t.UTC().Format(time.RFC3339Nano), y, timeYearMin, timeYearMax)
	}
	return nil
}

// Limits on a demand.
const (
	TitleBytesMax       = 200
	DescriptionBytesMax = 4000
	RefIDBytesMax       = 128
	NameBytesMax        = 128
	HeadcountMax        = 100           // providers one demand may need (多对一)
	EstimatedMinutesMax = 365 * 24 * 60 // one year of effort
	BudgetYuanMax       = 100_000_000   // a micro-venture budget above 100 million yuan is a typo
	ReasonBytesMax      = 1000          // reason on an event, audit or cancellation
	ActorBytesMax       = RefIDBytesMax // who did something
)

// Demand is one entry on the demand list (需求清单) or the project list (项目清单): what a
// resident or the community needs, where, by whom, and where it stands in its lifecycle.
//
// Effort is kept in whole minutes (EstimatedMinutes, an int) because it is an estimate and
// compact; hours that are reported and audited for points are decimal.Decimal (see WorkReport
// and Audit) because they go to the ledger.
type Demand struct {
	ID          uuid.UUID // set by the catalog on creation
	Kind        DemandKind
	Title       string // 1..TitleBytesMax bytes; kept trimmed, LF line ends (as CSV import reads it)
	Description string // kept as Title is
	Category    string // a category code of the catalog's taxonomy
	Requester   RequesterRef
	Location    Location
	Skills      []Skill // required skills; empty on creation: the category's skills
	// Headcount is how many providers the demand needs (多对一); 0 on creation means 1.
	Headcount int
	// EstimatedMinutes is the expected effort per provider; 0 on creation: the category's default.
	EstimatedMinutes int
	Window           TimeWindow
	Priority         Priority
	Urgency          Urgency
	Deadline         time.Time       // zero: none; from it on no one may claim, publish or dispatch the demand, and an unclaimed one expires; years 0000..9999 of China time, as TimeWindow
	Budget           decimal.Decimal // yuan; Project only, > 0 there, zero otherwise

	// Lifecycle state, maintained by the catalog. A caller's values are ignored on creation.
	Status       Status
	Version      uint64      // starts at 1, +1 on every change; optimistic concurrency
	BoardID      uuid.UUID   // the board it was published on; kept once it leaves the board by starting, cancelling or expiring, cleared when it returns to Open
	DispatchedTo []uuid.UUID // the providers it was dispatched to (派单), if dispatched
	Filled       int         // providers with an active claim
	Rating       Rating      // set by Rate
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Remaining is how many more providers the demand needs.
func (d Demand) Remaining() int { return max(0, d.Headcount-d.Filled) }

// Rating is the requester's review of a completed demand (评单).
type Rating struct {
	Score   int // 1..5; 0 means not rated
	Comment string
	At      time.Time
}

// Limits on a rating.
const (
	RatingMin       = 1
	RatingMax       = 5
	CommentBytesMax = 1000
)

// clone copies d so that the copy shares no slices with d.
func (d Demand) clone() Demand {
	d.Skills = cloneSlice(d.Skills)
	d.DispatchedTo = cloneSlice(d.DispatchedTo)
	return d
}

// Clone returns a deep copy of d. Stores use it so that nothing a caller holds aliases what
// they keep.
func (d Demand) Clone() Demand { return d.clone() }

func cloneSlice[T any](s []T) []T {
	if s == nil {
		return nil
	}
	return append(make([]T, 0, len(s)), s...)
}

// validate refuses a query's enum fields that no stored demand can have (a kind out of range,
// undefined priority flags, a status set holding only bits of no status): such a query could
// only answer an empty page, which reads as "there are none" rather than as the caller's
// mistake. Demands calls it.
//
// Errors: ErrInvalid naming the field and its value.
func (q DemandQuery) validate() error {
	if q.Kind != 0 && !q.Kind.Valid() {
		return errorf(ErrInvalid, "kind %d, want 0 (any) or %d..%d", q.Kind, Wish, Project)
	}
	if !q.Priority.Valid() {
		return errorf(ErrInvalid, "priority flags %#x, defined %#x", uint8(q.Priority), uint8(priorityAll))
	}
	if bad := q.Statuses &^ statusSetAll; bad != 0 {
		return errorf(ErrInvalid, "statuses %#x: bits %#x name no status", uint16(q.Statuses), uint16(bad))
	}
	return nil
}

// statusSetAll is the set of every defined status.
const statusSetAll = StatusSet(1<<statusCount - 1<<StatusDraft)
