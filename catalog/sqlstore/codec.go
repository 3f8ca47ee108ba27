package sqlstore

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/tongxin/tongxin/catalog"
)

// Records are stored as JSON of the types below rather than of the catalog's own structs, so
// the stored form is stable when a catalog struct is reorganised, and so each value
// round-trips exactly:
//   - slices keep nil apart from empty (null and [] in JSON), as memstore does;
//   - decimals keep their exponent ("12.50" stays 1250e-2), and the zero Decimal{} stays
//     apart from a parsed "0";
//   - times are unix microseconds, read back in UTC (what catalog writes: UTC, microseconds);
//     the zero time is absent.
// Everything is checked before it is written (bad input is catalog.ErrInvalid and reaches no
// SQL) and again when it is read (catalog.ErrCorrupt).

func invalid(format string, args ...any) error {
	return fmt.Errorf("sqlstore: "+format+": %w", append(args, catalog.ErrInvalid)...)
}

func corrupt(format string, args ...any) error {
	return fmt.Errorf("sqlstore: "+format+": %w", append(args, ErrCorrupt)...)
}

// The times that int64 unix microseconds hold. time.Time.UnixMicro wraps around beyond them
// (year 300000 comes out in year -284555), so a record's time is written only strictly
// between them (checkTimes), and a query bound beyond them is taken as the end or the
// beginning of time (column).
var (
	microsMin = time.UnixMicro(math.MinInt64)
	microsMax = time.UnixMicro(math.MaxInt64)
)

// checkTimes accepts times that are zero or strictly inside int64 microseconds: strictly, so
// that a query bound saturated by column compares with every stored time as the bound itself
// does.
func checkTimes(what string, ts ...time.Time) error {
	for _, t := range ts {
		if !t.IsZero() && (!t.After(microsMin) || !t.Before(microsMax)) {
			return invalid("%s time %s is beyond int64 microseconds", what, t)
		}
	}
	return nil
}

// micros is a time as stored in JSON: nil for the zero time.
func micros(t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	v := column(t)
	return &v
}

func fromMicros(v *int64) time.Time {
	if v == nil {
		return time.Time{}
	}
	return time.UnixMicro(*v).UTC()
}

// column is a time as stored in a column (board times, deadlines): unix microseconds,
// saturated at the int64 range. Exact for every time checkTimes accepts; for a query bound
// beyond the range, one that compares with every stored time as the bound does.
func column(t time.Time) int64 {
	switch {
	case t.Before(microsMin):
		return math.MinInt64
	case t.After(microsMax):
		return math.MaxInt64
	}
	return t.UnixMicro()
}

// exactDecimal is a decimal as stored: nil for the zero Decimal{}, else its digits with the
// exponent kept ("12.50", "5", "5e3").
func exactDecimal(d decimal.Decimal) *string {
	if d == (decimal.Decimal{}) {
		return nil
	}
	var s string
	switch exp := d.Exponent(); {
	case exp < 0:
		s = d.StringFixed(-exp)
	case exp == 0:
		s = d.Coefficient().String()
	default:
		s = d.Coefficient().String() + "e" + strconv.Itoa(int(exp))
	}
	return &s
}

func fromExactDecimal(s *string) (decimal.Decimal, error) {
	if s == nil {
		return decimal.Decimal{}, nil
	}
	return decimal.NewFromString(*s)
}

// checkText accepts valid UTF-8 without NUL: PostgreSQL refuses NUL in text columns and JSON
// would silently replace invalid bytes, so neither would read back as written.
func checkText(what, s string) error {
	if !storable(s) {
		return invalid("%s %q is not UTF-8 without NUL", what, s)
	}
	return nil
}

// storable reports text that checkText accepts. Every stored text is, so a query value that
// is not matches nothing; it is answered without asking, since PostgreSQL refuses it as a
// parameter (SQLSTATE 22021) where SQLite would compare its bytes and find nothing.
func storable(s string) bool { return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 }

func checkTexts(what string, ss ...string) error {
	for _, s := range ss {
		if err := checkText(what, s); err != nil {
			return err
		}
	}
	return nil
}

// checkCount accepts a version or event number the database's BIGINT can hold.
func checkCount(what string, id uuid.UUID, v uint64) error {
	if v == 0 || v > math.MaxInt64 {
		return invalid("%s %s written with version %d, want 1..%d", what, id, v, int64(math.MaxInt64))
	}
	return nil
}

type demandJSON struct {
	ID               uuid.UUID          `json:"id"`
	Kind             catalog.DemandKind `json:"kind"`
	Title            string             `json:"title"`
	Description      string             `json:"description"`
	Category         string             `json:"category"`
	RequesterID      string             `json:"requester_id"`
	RequesterName    string             `json:"requester_name"`
	Grid             catalog.GridPath   `json:"grid"`
	Lat              float64            `json:"lat"`
	Lng              float64            `json:"lng"`
	Skills           []catalog.Skill    `json:"skills"`
	Headcount        int                `json:"headcount"`
	EstimatedMinutes int                `json:"estimated_minutes"`
	WindowStart      *int64             `json:"window_start,omitempty"`
	WindowEnd        *int64             `json:"window_end,omitempty"`
	Priority         catalog.Priority   `json:"priority"`
	Urgency          catalog.Urgency    `json:"urgency"`
	Deadline         *int64             `json:"deadline,omitempty"`
	Budget           *string            `json:"budget,omitempty"`
	Status           catalog.Status     `json:"status"`
	Version          uint64             `json:"version"`
	BoardID          *uuid.UUID         `json:"board_id,omitempty"`
	DispatchedTo     []uuid.UUID        `json:"dispatched_to"`
	Filled           int                `json:"filled"`
	RatingScore      int                `json:"rating_score"`
	RatingComment    string             `json:"rating_comment"`
	RatingAt         *int64             `json:"rating_at,omitempty"`
	CreatedAt        *int64             `json:"created_at,omitempty"`
	UpdatedAt        *int64             `json:"updated_at,omitempty"`
}

func optionalID(id uuid.UUID) *uuid.UUID {
	if id == uuid.Nil {
		return nil
	}
	return &id
}

func fromOptionalID(id *uuid.UUID) uuid.UUID {
	if id == nil {
		return uuid.Nil
	}
	return *id
}

// nullID is an id as a column value: NULL for uuid.Nil.
func nullID(id uuid.UUID) any {
	if id == uuid.Nil {
		return nil
	}
	return id[:]
}

func encodeDemand(d *catalog.Demand) ([]byte, error) {
	if err := checkCount("demand", d.ID, d.Version); err != nil {
		return nil, err
	}
	if err := checkTexts("demand "+d.ID.String()+" text", d.Title, d.Description, d.Category, d.Requester.ID,
		d.Requester.Name, string(d.Location.Grid), d.Rating.Comment); err != nil {
		return nil, err
	}
	if err := checkTimes("demand "+d.ID.String(), d.Window.Start, d.Window.End, d.Deadline, d.Rating.At,
		d.CreatedAt, d.UpdatedAt); err != nil {
		return nil, err
	}
	for _, sk := range d.Skills {
		if err := checkText("demand skill", string(sk)); err != nil {
			return nil, err
		}
	}
	j := demandJSON{
		ID: d.ID, Kind: d.Kind, Title: d.Title, Description: d.Description, Category: d.Category,
		RequesterID: d.Requester.ID, RequesterName: d.Requester.Name, Grid: d.Location.Grid,
		Lat: d.Location.At.Lat, Lng: d.Location.At.Lng, Skills: d.Skills, Headcount: d.Headcount,
		EstimatedMinutes: d.EstimatedMinutes, WindowStart: micros(d.Window.Start), WindowEnd: micros(d.Window.End),
		Priority: d.Priority, Urgency: d.Urgency, Deadline: micros(d.Deadline), Budget: exactDecimal(d.Budget),
		Status: d.Status, Version: d.Version, BoardID: optionalID(d.BoardID), DispatchedTo: d.DispatchedTo,
		Filled: d.Filled, RatingScore: d.Rating.Score, RatingComment: d.Rating.Comment, RatingAt: micros(d.Rating.At),
		CreatedAt: micros(d.CreatedAt), UpdatedAt: micros(d.UpdatedAt),
	}
	b, err := json.Marshal(&j)
	if err != nil {
		return nil, invalid("demand %s: %v", d.ID, err)
	}
	return b, nil
}

func decodeDemand(b []byte) (catalog.Demand, error) {
	var j demandJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return catalog.Demand{}, corrupt("demand record: %v", err)
	}
	budget, err := fromExactDecimal(j.Budget)
	if err != nil {
		return catalog.Demand{}, corrupt("demand %s budget: %v", j.ID, err)
	}
	return catalog.Demand{
		ID: j.ID, Kind: j.Kind, Title: j.Title, Description: j.Description, Category: j.Category,
		Requester: catalog.RequesterRef{ID: j.RequesterID, Name: j.RequesterName},
		Location:  catalog.Location{Grid: j.Grid, At: catalog.Coordinates{Lat: j.Lat, Lng: j.Lng}},
		Skills:    j.Skills, Headcount: j.Headcount, EstimatedMinutes: j.EstimatedMinutes,
		Window:   catalog.TimeWindow{Start: fromMicros(j.WindowStart), End: fromMicros(j.WindowEnd)},
		Priority: j.Priority, Urgency: j.Urgency, Deadline: fromMicros(j.Deadline), Budget: budget,
		Status: j.Status, Version: j.Version, BoardID: fromOptionalID(j.BoardID), DispatchedTo: j.DispatchedTo,
		Filled: j.Filled, Rating: catalog.Rating{Score: j.RatingScore, Comment: j.RatingComment, At: fromMicros(j.RatingAt)},
		CreatedAt: fromMicros(j.CreatedAt), UpdatedAt: fromMicros(j.UpdatedAt),
	}, nil
}

type memberJSON struct {
	PersonID string `json:"person_id"`
	Name     string `json:"name"`
}

type providerJSON struct {
	ID           uuid.UUID             `json:"id"`
	Kind         catalog.ProviderKind  `json:"kind"`
	Name         string                `json:"name"`
	PersonID     string                `json:"person_id"`
	Members      []memberJSON          `json:"members"`
	Functions    []catalog.Function    `json:"functions"`
	Skills       []catalog.Skill       `json:"skills"`
	Home         catalog.GridPath      `json:"home"`
	Lat          float64               `json:"lat"`
	Lng          float64               `json:"lng"`
	ServiceArea  []catalog.GridPath    `json:"service_area"`
	Capacity     int                   `json:"capacity"`
	Availability [3]uint64             `json:"availability"`
	Flags        catalog.ProviderFlags `json:"flags"`
	RatingSum    int                   `json:"rating_sum"`
	RatingCount  int                   `json:"rating_count"`
	Active       int                   `json:"active"`
	Version      uint64                `json:"version"`
	CreatedAt    *int64                `json:"created_at,omitempty"`
	UpdatedAt    *int64                `json:"updated_at,omitempty"`
}

func encodeProvider(p *catalog.Provider) ([]byte, error) {
	if err := checkCount("provider", p.ID, p.Version); err != nil {
		return nil, err
	}
	if err := checkTexts("provider "+p.ID.String()+" text", p.Name, p.PersonID, string(p.Home)); err != nil {
		return nil, err
	}
	if err := checkTimes("provider "+p.ID.String(), p.CreatedAt, p.UpdatedAt); err != nil {
		return nil, err
	}
	var members []memberJSON
	if p.Members != nil {
		members = make([]memberJSON, len(p.Members))
		for i, m := range p.Members {
			if err := checkTexts("provider member", m.PersonID, m.Name); err != nil {
				return nil, err
			}
			members[i] = memberJSON(m)
		}
	}
	for _, f := range p.Functions {
		if err := checkText("provider function", string(f)); err != nil {
			return nil, err
		}
	}
	for _, sk := range p.Skills {
		if err := checkText("provider skill", string(sk)); err != nil {
			return nil, err
		}
	}
	for _, a := range p.ServiceArea {
		if err := checkText("provider service area", string(a)); err != nil {
			return nil, err
		}
	}
	j := providerJSON{
		ID: p.ID, Kind: p.Kind, Name: p.Name, PersonID: p.PersonID, Members: members, Functions: p.Functions,
		Skills: p.Skills, Home: p.Home, Lat: p.At.Lat, Lng: p.At.Lng, ServiceArea: p.ServiceArea,
		Capacity: p.Capacity, Availability: p.Availability, Flags: p.Flags, RatingSum: p.RatingSum,
		RatingCount: p.RatingCount, Active: p.Active, Version: p.Version,
		CreatedAt: micros(p.CreatedAt), UpdatedAt: micros(p.UpdatedAt),
	}
	b, err := json.Marshal(&j)
	if err != nil {
		return nil, invalid("provider %s: %v", p.ID, err)
	}
	return b, nil
}

func decodeProvider(b []byte) (catalog.Provider, error) {
	var j providerJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return catalog.Provider{}, corrupt("provider record: %v", err)
	}
	var members []catalog.Member
	if j.Members != nil {
		members = make([]catalog.Member, len(j.Members))
		for i, m := range j.Members {
			members[i] = catalog.Member(m)
		}
	}
	return catalog.Provider{
		ID: j.ID, Kind: j.Kind, Name: j.Name, PersonID: j.PersonID, Members: members, Functions: j.Functions,
		Skills: j.Skills, Home: j.Home, At: catalog.Coordinates{Lat: j.Lat, Lng: j.Lng}, ServiceArea: j.ServiceArea,
		Capacity: j.Capacity, Availability: j.Availability, Flags: j.Flags, RatingSum: j.RatingSum,
		RatingCount: j.RatingCount, Active: j.Active, Version: j.Version,
		CreatedAt: fromMicros(j.CreatedAt), UpdatedAt: fromMicros(j.UpdatedAt),
	}, nil
}

type boardJSON struct {
	ID        uuid.UUID         `json:"id"`
	Name      string            `json:"name"`
	Kind      catalog.BoardKind `json:"kind"`
	Scope     catalog.GridPath  `json:"scope"`
	OpensAt   *int64            `json:"opens_at,omitempty"`
	ClosesAt  *int64            `json:"closes_at,omitempty"`
	Closed    bool              `json:"closed"`
	ClosedAt  *int64            `json:"closed_at,omitempty"`
	CreatedBy string            `json:"created_by"`
	Version   uint64            `json:"version"`
	CreatedAt *int64            `json:"created_at,omitempty"`
}

func encodeBoard(b *catalog.Board) ([]byte, error) {
	if err := checkCount("board", b.ID, b.Version); err != nil {
		return nil, err
	}
	if err := checkTexts("board "+b.ID.String()+" text", b.Name, string(b.Scope), b.CreatedBy); err != nil {
		return nil, err
	}
	if err := checkTimes("board "+b.ID.String(), b.OpensAt, b.ClosesAt, b.ClosedAt, b.CreatedAt); err != nil {
		return nil, err
	}
	j := boardJSON{
		ID: b.ID, Name: b.Name, Kind: b.Kind, Scope: b.Scope, OpensAt: micros(b.OpensAt), ClosesAt: micros(b.ClosesAt),
		Closed: b.Closed, ClosedAt: micros(b.ClosedAt), CreatedBy: b.CreatedBy, Version: b.Version, CreatedAt: micros(b.CreatedAt),
	}
	out, err := json.Marshal(&j)
	if err != nil {
		return nil, invalid("board %s: %v", b.ID, err)
	}
	return out, nil
}

func decodeBoard(raw []byte) (catalog.Board, error) {
	var j boardJSON
	if err := json.Unmarshal(raw, &j); err != nil {
		return catalog.Board{}, corrupt("board record: %v", err)
	}
	return catalog.Board{
		ID: j.ID, Name: j.Name, Kind: j.Kind, Scope: j.Scope, OpensAt: fromMicros(j.OpensAt), ClosesAt: fromMicros(j.ClosesAt),
		Closed: j.Closed, ClosedAt: fromMicros(j.ClosedAt), CreatedBy: j.CreatedBy, Version: j.Version, CreatedAt: fromMicros(j.CreatedAt),
	}, nil
}

type claimJSON struct {
	DemandID   uuid.UUID          `json:"demand_id"`
	ProviderID uuid.UUID          `json:"provider_id"`
	State      catalog.ClaimState `json:"state"`
	ClaimedAt  *int64             `json:"claimed_at,omitempty"`
	ClosedAt   *int64             `json:"closed_at,omitempty"`
	Hours      *string            `json:"hours,omitempty"`
}

func encodeClaim(c *catalog.Claim) ([]byte, error) {
	if err := checkTimes("claim "+c.DemandID.String()+"/"+c.ProviderID.String(), c.ClaimedAt, c.ClosedAt); err != nil {
		return nil, err
	}
	j := claimJSON{
		DemandID: c.DemandID, ProviderID: c.ProviderID, State: c.State, ClaimedAt: micros(c.ClaimedAt),
		ClosedAt: micros(c.ClosedAt), Hours: exactDecimal(c.Hours),
	}
	b, err := json.Marshal(&j)
	if err != nil {
		return nil, invalid("claim %s/%s: %v", c.DemandID, c.ProviderID, err)
	}
	return b, nil
}

func decodeClaim(b []byte) (catalog.Claim, error) {
	var j claimJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return catalog.Claim{}, corrupt("claim record: %v", err)
	}
	h, err := fromExactDecimal(j.Hours)
	if err != nil {
		return catalog.Claim{}, corrupt("claim %s/%s hours: %v", j.DemandID, j.ProviderID, err)
	}
	return catalog.Claim{
		DemandID: j.DemandID, ProviderID: j.ProviderID, State: j.State, ClaimedAt: fromMicros(j.ClaimedAt),
		ClosedAt: fromMicros(j.ClosedAt), Hours: h,
	}, nil
}

type auditJSON struct {
	DemandID   uuid.UUID `json:"demand_id"`
	ProviderID uuid.UUID `json:"provider_id"`
	Approved   bool      `json:"approved"`
	Hours      *string   `json:"hours,omitempty"`
	Reason     string    `json:"reason"`
	Auditor    string    `json:"auditor"`
	At         *int64    `json:"at,omitempty"`
	Awarded    bool      `json:"awarded"`
	AwardedAt  *int64    `json:"awarded_at,omitempty"`
	AwardedBy  string    `json:"awarded_by"`
}

func encodeAudit(a *catalog.Audit) ([]byte, error) {
	if err := checkTexts("audit text", a.Reason, a.Auditor, a.AwardedBy); err != nil {
		return nil, err
	}
	if err := checkTimes("audit "+a.DemandID.String()+"/"+a.ProviderID.String(), a.At, a.AwardedAt); err != nil {
		return nil, err
	}
	j := auditJSON{
		DemandID: a.DemandID, ProviderID: a.ProviderID, Approved: a.Approved, Hours: exactDecimal(a.Hours),
		Reason: a.Reason, Auditor: a.Auditor, At: micros(a.At), Awarded: a.Awarded, AwardedAt: micros(a.AwardedAt),
		AwardedBy: a.AwardedBy,
	}
	b, err := json.Marshal(&j)
	if err != nil {
		return nil, invalid("audit %s/%s: %v", a.DemandID, a.ProviderID, err)
	}
	return b, nil
}

func decodeAudit(b []byte) (catalog.Audit, error) {
	var j auditJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return catalog.Audit{}, corrupt("audit record: %v", err)
	}
	h, err := fromExactDecimal(j.Hours)
	if err != nil {
		return catalog.Audit{}, corrupt("audit %s/%s hours: %v", j.DemandID, j.ProviderID, err)
	}
	return catalog.Audit{
		DemandID: j.DemandID, ProviderID: j.ProviderID, Approved: j.Approved, Hours: h, Reason: j.Reason,
		Auditor: j.Auditor, At: fromMicros(j.At), Awarded: j.Awarded, AwardedAt: fromMicros(j.AwardedAt), AwardedBy: j.AwardedBy,
	}, nil
}

type eventJSON struct {
	DemandID   uuid.UUID      `json:"demand_id"`
	Seq        uint64         `json:"seq"`
	Action     catalog.Action `json:"action"`
	From       catalog.Status `json:"from"`
	To         catalog.Status `json:"to"`
	Actor      string         `json:"actor"`
	ProviderID *uuid.UUID     `json:"provider_id,omitempty"`
	Reason     string         `json:"reason"`
	At         *int64         `json:"at,omitempty"`
}

func encodeEvent(e *catalog.Event) ([]byte, error) {
	if err := checkCount("event of demand", e.DemandID, e.Seq); err != nil {
		return nil, err
	}
	if err := checkTexts("event text", e.Actor, e.Reason); err != nil {
		return nil, err
	}
	if err := checkTimes(fmt.Sprintf("event %s #%d", e.DemandID, e.Seq), e.At); err != nil {
		return nil, err
	}
	j := eventJSON{
		DemandID: e.DemandID, Seq: e.Seq, Action: e.Action, From: e.From, To: e.To, Actor: e.Actor,
		ProviderID: optionalID(e.ProviderID), Reason: e.Reason, At: micros(e.At),
	}
	b, err := json.Marshal(&j)
	if err != nil {
		return nil, invalid("event %s #%d: %v", e.DemandID, e.Seq, err)
	}
	return b, nil
}

func decodeEvent(b []byte) (catalog.Event, error) {
	var j eventJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return catalog.Event{}, corrupt("event record: %v", err)
	}
	return catalog.Event{
		DemandID: j.DemandID, Seq: j.Seq, Action: j.Action, From: j.From, To: j.To, Actor: j.Actor,
		ProviderID: fromOptionalID(j.ProviderID), Reason: j.Reason, At: fromMicros(j.At),
	}, nil
}

// decodeID reads a 16-byte id column.
func decodeID(what string, b []byte) (uuid.UUID, error) {
	id, err := uuid.FromBytes(b)
	if err != nil {
		return uuid.Nil, corrupt("%s id of %d bytes", what, len(b))
	}
	return id, nil
}
