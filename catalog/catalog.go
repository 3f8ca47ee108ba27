package catalog

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// Limits on catalog operations.
const (
	// ConflictRetriesMax bounds how often an operation re-reads and retries after losing a race
	// (ErrVersionConflict). Fifty claimers on one demand of headcount fifty lose at most
	// forty-nine times each.
	ConflictRetriesMax = 128
	BoardDemandsMax    = 10_000 // demands on one board (published, claimed or accepted from it)
	DispatchMax        = HeadcountMax
	ExpireBatchMax     = 1000 // demands ExpireDue moves in one call
)

// Catalog holds every rule of the two lists and the demand lifecycle and drives a Store that only
// persists. It is safe for concurrent use; concurrent operators are kept apart by the versions
// the store checks.
type Catalog struct {
	store Store
	now   func() time.Time
	newID func() uuid.UUID
	tax   *Taxonomy
}

// Option configures a Catalog.
type Option func(*Catalog)

// WithNow sets the clock (default time.Now). Tests inject a fixed or stepping clock.
func WithNow(now func() time.Time) Option { return func(c *Catalog) { c.now = now } }

// WithIDs sets the id source for demands, providers and boards (default uuid.NewV7, whose ids
// sort by creation time, so pages come in creation order). An id it repeats makes the call
// creating the record fail with ErrAlreadyExists; the nil uuid, which means "none" throughout
// the catalog, with ErrInvalid. Either way nothing is written.
func WithIDs(newID func() uuid.UUID) Option { return func(c *Catalog) { c.newID = newID } }

// WithTaxonomy replaces the default taxonomy with a community's own.
func WithTaxonomy(t *Taxonomy) Option { return func(c *Catalog) { c.tax = t } }

// New returns a catalog over store.
//
// Errors: ErrInvalid if store or an option is nil, or an option set a nil clock, id source or
// taxonomy.
func New(store Store, opts ...Option) (*Catalog, error) {
	c := &Catalog{store: store, now: time.Now, newID: newV7, tax: DefaultTaxonomy()}
	for _, o := range opts {
		if o == nil {
			return nil, errorf(ErrInvalid, "catalog.New: nil option")
		}
		o(c)
	}
	if store == nil || c.now == nil || c.newID == nil || c.tax == nil {
		return nil, errorf(ErrInvalid, "catalog.New: nil store, clock, id source or taxonomy")
	}
	return c, nil
}

// id draws a new record's id. The nil uuid means "none" throughout the catalog (a demand on no
// board, the last page, a count of no board's demands), so a source (WithIDs) that gives it is
// refused rather than a record stored under it.
func (c *Catalog) id(what string) (uuid.UUID, error) {
	id := c.newID()
	if id == uuid.Nil {
		return uuid.Nil, errorf(ErrInvalid, "%s: the id source gave the nil uuid", what)
	}
	return id, nil
}

func newV7() uuid.UUID {
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.New() // the random source failed for v7; v4 draws from the same source
	}
	return id
}

// Taxonomy returns the catalog's taxonomy.
func (c *Catalog) Taxonomy() *Taxonomy { return c.tax }

// Store returns the store the catalog drives.
func (c *Catalog) Store() Store { return c.store }

// normTime is how every time is kept: UTC, microsecond precision (what SQL stores keep).
func normTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Microsecond)
}

func (c *Catalog) clock() time.Time { return normTime(c.now()) }

// Act says who makes a lifecycle move and why. Version, when not zero, is the demand version
// the caller last read: the move fails with ErrVersionConflict if the demand changed since
// (two operators never silently overwrite each other). With Version zero the catalog reads the
// current version. Either way, when the move loses a race for its write (the demand, or a
// provider or board it also writes, changed meanwhile) the catalog re-reads and re-checks every
// precondition, at most ConflictRetriesMax times; with Version set, a demand found changed on
// a re-read ends the move with ErrVersionConflict, nothing written.
type Act struct {
	// Actor is who: an opaque id, 1..ActorBytesMax bytes, without surrounding whitespace or a
	// CRLF, as every id the catalog keeps (Rate and Audit compare it with providers' person ids).
	Actor   string
	Reason  string // why; required for Cancel, optional elsewhere
	Version uint64
}

// ValidateActor checks an actor as every move of the catalog does (see Act.Actor), so that a
// caller about to do other work first, such as points.Incentive.AwardAudited posting an award
// before MarkAwarded, can refuse a bad one before anything is written.
//
// Errors: ErrInvalid.
func ValidateActor(actor string) error {
	return Act{Actor: actor}.validate("actor")
}

func (a Act) validate(op string) error {
	// checkID, not checkText: "v1 " would be v1 to every id field (a person id is refused with
	// surrounding whitespace, not trimmed) but not to the comparison that keeps v1 from
	// rating or auditing v1's own work.
	if err := checkID("actor", a.Actor, 1, ActorBytesMax); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if err := checkText("reason", a.Reason, 0, ReasonBytesMax); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

func checkText(field, s string, minBytes, maxBytes int) error {
	if len(s) < minBytes || len(s) > maxBytes {
		return errorf(ErrInvalid, "%s: %d bytes, want %d..%d", field, len(s), minBytes, maxBytes)
	}
	if !utf8.ValidString(s) {
		return errorf(ErrInvalid, "%s: not UTF-8", field)
	}
	// NUL is refused here, not left to a store: PostgreSQL text cannot hold it, so a SQL store
	// would refuse what memstore kept, and the ledger refuses it in the metadata of an award.
	if strings.IndexByte(s, 0) >= 0 {
		return errorf(ErrInvalid, "%s: holds NUL", field)
	}
	return nil
}

// normText is how free text (a title, a description, a name) is kept: surrounding whitespace
// (unicode.IsSpace, the ideographic space included) trimmed and CRLF line ends turned into LF.
// That is how a spreadsheet import reads a cell back (it trims every cell, and encoding/csv
// reads a quoted CRLF as LF), so what the catalog stores comes back unchanged from its export.
//
// Every run of CRs before an LF goes, not one CR: "a\r\r\nb" is kept as "a\nb". Replacing
// each CRLF once would keep "a\r\nb", which holds a CRLF again (normText would not be
// idempotent) and which an export then import reads back as "a\nb". The text holds no CRLF
// afterwards, and trimming cannot make one, so normText(normText(s)) == normText(s).
func normText(s string) string {
	if strings.Contains(s, "\r\n") {
		s = dropCRsBeforeLF(s)
	}
	return strings.TrimSpace(s)
}

// dropCRsBeforeLF removes every run of CRs that ends at an LF, in one pass.
func dropCRsBeforeLF(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		if s[i] != '\r' {
			b.WriteByte(s[i])
			i++
			continue
		}
		j := i
		for j < len(s) && s[j] == '\r' {
			j++
		}
		if j == len(s) || s[j] != '\n' {
			b.WriteString(s[i:j]) // CRs not before an LF stay
		}
		i = j
	}
	return b.String()
}

// checkID checks an opaque id as checkText does and refuses one that normText would change
// (surrounding whitespace, a CRLF): an id is not trimmed into another person's id, and an
// import would read it back changed.
func checkID(field, s string, minBytes, maxBytes int) error {
	if err := checkText(field, s, minBytes, maxBytes); err != nil {
		return err
	}
	if normText(s) != s {
		return errorf(ErrInvalid, "%s %q: surrounding whitespace or a CRLF", field, s)
	}
	return nil
}

// retry runs fn again after a lost race (ErrVersionConflict), at most ConflictRetriesMax
// times. A caller given a version by its own caller keeps a stale one final itself, by
// returning another error or none (see moveDemand).
func retry(ctx context.Context, fn func() error) error {
	for attempt := 0; ; attempt++ {
		err := fn()
		if err == nil || !errors.Is(err, ErrVersionConflict) || attempt >= ConflictRetriesMax {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		runtime.Gosched() // let the winner finish before re-reading
	}
}

// step is one demand move being prepared: the demand as read, its new state, and what else the
// move writes.
type step struct {
	from     Status // the demand's status and version as read
	version  uint64
	d        *Demand // the new state (in demandBuf); the move sets Status
	claims   []Claim
	ch       Change
	action   Action
	provider uuid.UUID
	// now dates the move (its event, the demand's UpdatedAt and whatever else it writes): the
	// clock, or the demand's last move if that came later. clockNow is the clock as read, what
	// deadline and board checks compare with.
	now      time.Time
	clockNow time.Time

	// Backing arrays for the common one-demand, one-provider, one-claim move, so the whole
	// step is one allocation: every byte allocated per claim is GC work against the live heap.
	demandBuf   [1]Demand
	eventBuf    [1]Event
	providerBuf [1]Provider
	claimBuf    [1]Claim
}

// moveDemand reads a demand (and its claims), lets fn decide the move, and writes the demand
// with its new version and one event. fn checks every precondition and returns an error
// wrapping a sentinel to refuse; it sets s.action (and s.d.Status). The move is dated at
// s.now, never before the demand's last move; fn checks deadlines and boards at s.clockNow.
func (c *Catalog) moveDemand(ctx context.Context, op string, id uuid.UUID, act Act, fn func(s *step) error) (Demand, error) {
	if err := act.validate(op); err != nil {
		return Demand{}, err
	}
	var out Demand
	// The caller's version is the demand's: a lost race that moved only a provider or a board
	// the move also writes (the same volunteer claiming elsewhere, another demand put on the
	// same board, through this instance or another) is retried like one without a version, and
	// only a demand that changed since the caller read it is refused. That refusal is final, so
	// it leaves the retry loop through stale rather than as a conflict to retry (as in Publish).
	var stale error
	err := retry(ctx, func() error {
		d, err := c.store.Demand(ctx, id)
		if err != nil {
			return fmt.Errorf("%s %s: %w", op, id, err)
		}
		if act.Version != 0 && d.Version != act.Version {
			stale = errorf(ErrVersionConflict, "%s %s: version %d, caller read %d", op, id, d.Version, act.Version)
			return nil
		}
		claims, err := c.store.Claims(ctx, id)
		if err != nil {
			return fmt.Errorf("%s %s: %w", op, id, err)
		}
		s := stepPool.Get().(*step)
		defer func() { *s = step{}; stepPool.Put(s) }() // the store copied what it keeps
		s.from, s.version, s.claims, s.clockNow = d.Status, d.Version, claims, c.clock()
		// Instances sharing a store each read their own clock; one running behind another
		// must not date this move before the demand's last one (as the board moves do).
		s.now = notBefore(s.clockNow, d.UpdatedAt)
		s.demandBuf[0] = d // the store handed us a copy of our own
		s.d = &s.demandBuf[0]
		s.ch = Change{Demands: s.demandBuf[:1], Events: s.eventBuf[:0], Providers: s.providerBuf[:0], Claims: s.claimBuf[:0]}
		if err := fn(s); err != nil {
			return fmt.Errorf("%s %s: %w", op, id, err)
		}
		if !CanTransition(s.from, s.action, s.d.Status) {
			// fn checked its preconditions against the table; landing off it is a defect here.
			panic(fmt.Sprintf("catalog: %s produced %s -%s-> %s, not in the transition table", op, s.from, s.action, s.d.Status))
		}
		s.d.Version = s.version + 1
		s.d.UpdatedAt = s.now
		s.ch.Events = append(s.ch.Events, Event{
			DemandID: id, Seq: s.d.Version, Action: s.action, From: s.from, To: s.d.Status,
			Actor: act.Actor, ProviderID: s.provider, Reason: act.Reason, At: s.now,
		})
		if err := c.store.Apply(ctx, s.ch); err != nil {
			return fmt.Errorf("%s %s: %w", op, id, err)
		}
		out = *s.d
		return nil
	})
	if err == nil && stale != nil {
		return Demand{}, stale
	}
	return out, err
}

// stepPool recycles steps: a step is about a kilobyte, and on a store holding a million
// demands every kilobyte allocated per claim costs the garbage collector a microsecond.
var stepPool = sync.Pool{New: func() any { return new(step) }}

func requireAllowed(from Status, action Action) error {
	if !Allows(from, action) {
		return errorf(ErrInvalidTransition, "cannot %s a demand that is %s", action, from)
	}
	return nil
}

// requireBeforeDeadline refuses to put up (publish, dispatch) or take up (claim, accept) a
// demand whose deadline has come. From that instant ExpireDue would expire it (deadline at or
// before now); whether it can still be taken must not hang on when ExpireDue last ran.
func requireBeforeDeadline(d Demand, now time.Time) error {
	if !d.Deadline.IsZero() && !now.Before(d.Deadline) {
		return errorf(ErrDeadlinePassed, "deadline %s, now %s", d.Deadline.Format(time.RFC3339), now.Format(time.RFC3339))
	}
	return nil
}

// ---- demands ----

// CreateDemand adds a demand to the demand list (点单) in status Draft, or directly in status
// Open when d.Status is StatusOpen (a resident's order validated at once). The catalog sets the
// id, version, timestamps and lifecycle fields; empty Skills, a zero Headcount and zero
// EstimatedMinutes take the category's (or the usual) defaults. The title, description and
// requester name are kept trimmed of surrounding whitespace, with LF line ends, as an import of
// the demand's export reads them back.
//
// Errors: ErrInvalid for any field out of its limits (a title that is only whitespace is
// empty), an unknown category, a requester id with surrounding whitespace or a CRLF, a budget
// on a kind other than Project or none on a Project, a status other than zero, Draft or Open,
// or a bad actor; ErrAlreadyExists if the id source repeats an id.
func (c *Catalog) CreateDemand(ctx context.Context, d Demand, actor string) (Demand, error) {
	if err := (Act{Actor: actor}).validate("create demand"); err != nil {
		return Demand{}, err
	}
	d = d.Clone()
	if d.Status == 0 {
		d.Status = StatusDraft
	}
	if d.Status != StatusDraft && d.Status != StatusOpen {
		return Demand{}, errorf(ErrInvalid, "create demand: initial status %s, want draft or open", d.Status)
	}
	if err := normaliseDemand(c.tax, &d); err != nil {
		return Demand{}, fmt.Errorf("create demand %q: %w", d.Title, err)
	}
	now := c.clock()
	var err error
	if d.ID, err = c.id("create demand"); err != nil {
		return Demand{}, err
	}
	d.Version = 1
	d.BoardID, d.DispatchedTo, d.Filled, d.Rating = uuid.Nil, nil, 0, Rating{}
	d.CreatedAt, d.UpdatedAt = now, now
	ev := Event{DemandID: d.ID, Seq: 1, Action: ActionCreate, To: d.Status, Actor: actor, At: now}
	if err := c.store.Apply(ctx, Change{Demands: []Demand{d}, Events: []Event{ev}}); err != nil {
		return Demand{}, fmt.Errorf("create demand %s: %w", d.ID, err)
	}
	return d, nil
}

// ValidateDemand reports whether d would be accepted by CreateDemand (lifecycle fields aside).
//
// Errors: ErrInvalid, as for CreateDemand.
func (c *Catalog) ValidateDemand(d Demand) error {
	d = d.Clone()
	return normaliseDemand(c.tax, &d)
}

func normaliseDemand(tax *Taxonomy, d *Demand) error {
	if !d.Kind.Valid() {
		return errorf(ErrInvalid, "kind %d", d.Kind)
	}
	d.Title, d.Description, d.Requester.Name = normText(d.Title), normText(d.Description), normText(d.Requester.Name)
	if err := checkText("title", d.Title, 1, TitleBytesMax); err != nil {
		return err
	}
	if err := checkText("description", d.Description, 0, DescriptionBytesMax); err != nil {
		return err
	}
	cat, ok := tax.Category(d.Category)
	if !ok {
		return errorf(ErrInvalid, "unknown category %q", d.Category)
	}
	if err := checkID("requester id", d.Requester.ID, 1, RefIDBytesMax); err != nil {
		return err
	}
	if err := checkText("requester name", d.Requester.Name, 0, NameBytesMax); err != nil {
		return err
	}
	if err := d.Location.Validate(); err != nil {
		return err
	}
	if len(d.Skills) == 0 {
		d.Skills = cat.Skills
	}
	if err := checkSkills(d.Skills); err != nil {
		return err
	}
	if d.Headcount == 0 {
		d.Headcount = 1
	}
	if d.Headcount < 1 || d.Headcount > HeadcountMax {
		return errorf(ErrInvalid, "headcount %d, want 1..%d", d.Headcount, HeadcountMax)
	}
	if d.EstimatedMinutes == 0 {
		d.EstimatedMinutes = cat.DefaultMinutes
	}
	if d.EstimatedMinutes < 0 || d.EstimatedMinutes > EstimatedMinutesMax {
		return errorf(ErrInvalid, "estimated minutes %d, want 0..%d", d.EstimatedMinutes, EstimatedMinutesMax)
	}
	d.Window = TimeWindow{Start: normTime(d.Window.Start), End: normTime(d.Window.End)}
	if err := d.Window.Validate(); err != nil {
		return err
	}
	if !d.Priority.Valid() {
		return errorf(ErrInvalid, "priority flags %#x", uint8(d.Priority))
	}
	if !d.Urgency.Valid() {
		return errorf(ErrInvalid, "urgency %d", d.Urgency)
	}
	d.Deadline = normTime(d.Deadline)
	if err := checkTime("deadline", d.Deadline); err != nil {
		return err
	}
	if d.Kind == Project {
		if !fixedPoint(d.Budget, 2, BudgetYuanMax) {
			return errorf(ErrInvalid, "project budget %s yuan, want 0 < budget <= %d with at most 2 decimals", decimalText(d.Budget), BudgetYuanMax)
		}
		d.Budget = d.Budget.Round(2)
	} else {
		if !d.Budget.IsZero() {
			return errorf(ErrInvalid, "budget %s on a %s: only projects have a budget", decimalText(d.Budget), d.Kind)
		}
		d.Budget = decimal.Decimal{}
	}
	return nil
}

func checkSkills(skills []Skill) error {
	if len(skills) > SkillsMax {
		return errorf(ErrInvalid, "%d skills, max %d", len(skills), SkillsMax)
	}
	for i, s := range skills {
		if err := s.Validate(); err != nil {
			return err
		}
		for _, t := range skills[:i] {
			if s == t {
				return errorf(ErrInvalid, "skill %q repeated", s)
			}
		}
	}
	return nil
}

// Submit moves a draft to Open (点单): the demand enters the list.
//
// Errors: ErrInvalid (bad act), ErrNotFound, ErrVersionConflict, ErrInvalidTransition if the
// demand is not a draft.
func (c *Catalog) Submit(ctx context.Context, id uuid.UUID, act Act) (Demand, error) {
	return c.moveDemand(ctx, "submit", id, act, func(s *step) error {
		s.action = ActionSubmit
		if err := requireAllowed(s.from, s.action); err != nil {
			return err
		}
		s.d.Status = StatusOpen
		return nil
	})
}

// Dispatch sends an open demand to named providers (社区派单); any of them may then accept it
// with Claim, up to the headcount, until its deadline. The community chooses whom: skills and
// service area are not checked. A big item or project goes to organisations only (大事小事分流),
// and no demand goes to its own requester or a team the requester belongs to, as for Claim: a
// provider so named could never accept it.
//
// Errors: ErrInvalid (bad act, no providers, more than DispatchMax, a repeated provider),
// ErrNotFound (the demand or a provider), ErrVersionConflict, ErrInvalidTransition if the
// demand is not Open, ErrDeadlinePassed if its deadline has come (no one could accept it),
// ErrSelfClaim if a provider is the requester or has the requester as a member, ErrIneligible
// if the demand's kind needs an organisation and a provider is not one.
func (c *Catalog) Dispatch(ctx context.Context, id uuid.UUID, providers []uuid.UUID, act Act) (Demand, error) {
	if len(providers) == 0 || len(providers) > DispatchMax {
		return Demand{}, errorf(ErrInvalid, "dispatch %s: %d providers, want 1..%d", id, len(providers), DispatchMax)
	}
	for i, p := range providers {
		for _, q := range providers[:i] {
			if p == q {
				return Demand{}, errorf(ErrInvalid, "dispatch %s: provider %s repeated", id, p)
			}
		}
	}
	return c.moveDemand(ctx, "dispatch", id, act, func(s *step) error {
		s.action = ActionDispatch
		if err := requireAllowed(s.from, s.action); err != nil {
			return err
		}
		if err := requireBeforeDeadline(*s.d, s.clockNow); err != nil {
			return err
		}
		for _, providerID := range providers {
			p, err := c.store.Provider(ctx, providerID)
			if err != nil {
				return fmt.Errorf("provider %s: %w", providerID, err)
			}
			// As Claim would check p's acceptance: the requester never, then, as dispatched to
			// p, only the organisation rule (see eligible).
			if p.HasPerson(s.d.Requester.ID) {
				return errorf(ErrSelfClaim, "provider %s is the requester %q", p.ID, s.d.Requester.ID)
			}
			if err := eligible(*s.d, p, true, false); err != nil {
				return err
			}
		}
		s.d.Status = StatusDispatched
		s.d.DispatchedTo = cloneSlice(providers)
		return nil
	})
}

// Cancel withdraws a demand (by its requester or the community) before it is completed. Every
// active claim is released and its provider's capacity freed. A reason is required.
//
// Errors: ErrInvalid (bad act, or no reason: empty or only whitespace), ErrNotFound,
// ErrVersionConflict, ErrInvalidTransition if the demand is completed or later, ErrCorrupt if
// the store holds a claim active that its provider's load does not count (nothing is written).
func (c *Catalog) Cancel(ctx context.Context, id uuid.UUID, act Act) (Demand, error) {
	if normText(act.Reason) == "" { // whitespace is no reason
		return Demand{}, errorf(ErrInvalid, "cancel %s: a reason is required", id)
	}
	return c.moveDemand(ctx, "cancel", id, act, func(s *step) error {
		s.action = ActionCancel
		if err := requireAllowed(s.from, s.action); err != nil {
			return err
		}
		if err := c.closeClaims(ctx, s, ClaimReleased, nil); err != nil {
			return err
		}
		s.d.Status = StatusCancelled
		s.d.Filled = 0
		return nil
	})
}

// closeClaims ends every active claim of the step's demand with state, releasing each provider's
// capacity; hours (when not nil) gives each provider's reported hours.
func (c *Catalog) closeClaims(ctx context.Context, s *step, state ClaimState, hours map[uuid.UUID]decimal.Decimal) error {
	for _, cl := range s.claims {
		if cl.State != ClaimActive {
			continue
		}
		p, err := c.store.Provider(ctx, cl.ProviderID)
		if err != nil {
			return fmt.Errorf("provider %s: %w", cl.ProviderID, err)
		}
		if err := c.releaseLoad(ctx, s, &p); err != nil {
			return err
		}
		cl.State, cl.ClosedAt = state, s.now
		if hours != nil {
			cl.Hours = hours[cl.ProviderID]
		}
		s.ch.Claims = append(s.ch.Claims, cl)
	}
	return nil
}

// releaseLoad frees the unit of p's capacity that an active claim of the step's demand held,
// and adds p to the step's change. A load of zero under an active claim is either a race or a
// corrupt store. The claims were read before p: another operator ending the claim in between
// (a withdrawal, a completion) moved the demand's version, so the move is retried as a lost
// race (ErrVersionConflict). With the demand unchanged since the move read it, the claim was
// active all along and p's stored load does not count it: ErrCorrupt, nothing written.
func (c *Catalog) releaseLoad(ctx context.Context, s *step, p *Provider) error {
	if p.Active <= 0 {
		if err := c.requireUnchanged(ctx, s); err != nil {
			return err
		}
		return errorf(ErrCorrupt, "provider %s load %d under an active claim on demand %s", p.ID, p.Active, s.d.ID)
	}
	p.Active--
	p.Version++
	p.UpdatedAt = notBefore(s.now, p.UpdatedAt) // the provider may have moved later than the demand
	s.ch.Providers = append(s.ch.Providers, *p)
	return nil
}

// requireUnchanged re-reads the step's demand and returns ErrVersionConflict if it moved since
// the step read it: what the step read of its claims and providers may then disagree with the
// demand as read, and the move must be retried, not judged.
func (c *Catalog) requireUnchanged(ctx context.Context, s *step) error {
	d, err := c.store.Demand(ctx, s.d.ID)
	if err != nil {
		return err
	}
	if d.Version != s.version {
		return errorf(ErrVersionConflict, "demand moved to version %d while read at %d", d.Version, s.version)
	}
	return nil
}

// ExpireDue moves demands that are still unclaimed (Open, Published or Dispatched) and whose
// deadline is at or before now to Expired, at most ExpireBatchMax per call; call again while
// it returns ExpireBatchMax. It returns how many it expired. Each expiry is dated at now, or
// at the demand's last move if that came later (a demand's events never go back in time). A demand that changes while being
// expired is skipped: it is no longer unclaimed or will be found next time.
//
// Errors: ErrInvalid (a zero now, or one outside the years 0000..9999 of China time, where no
// deadline lies), ErrClosed or another store error.
func (c *Catalog) ExpireDue(ctx context.Context, now time.Time) (int, error) {
	// A zero DeadlineBefore does not filter: the query would list every unclaimed demand,
	// those without a deadline too. Checked after normTime, which may round a time to zero.
	now = normTime(now)
	if now.IsZero() {
		return 0, errorf(ErrInvalid, "expire due: zero time")
	}
	// No deadline lies outside these years, and the expiries are dated at now: a SQL store,
	// keeping int64 microseconds, would refuse a far one that memstore kept.
	if err := checkTime("expire due: now", now); err != nil {
		return 0, err
	}
	q := DemandQuery{Statuses: Statuses(StatusOpen, StatusPublished, StatusDispatched), DeadlineBefore: now, Limit: PageSizeMax}
	expired := 0
	for expired < ExpireBatchMax {
		page, err := c.store.Demands(ctx, q)
		if err != nil {
			return expired, fmt.Errorf("expire due: %w", err)
		}
		for _, d := range page {
			if expired >= ExpireBatchMax {
				break
			}
			act := Act{Actor: ActorSystem, Reason: "deadline passed", Version: d.Version}
			_, err := c.moveDemand(ctx, "expire", d.ID, act, func(s *step) error {
				s.action = ActionExpire
				if err := requireAllowed(s.from, s.action); err != nil {
					return err
				}
				s.d.Status = StatusExpired
				// Dated at now, unless the demand moved later than that (a scheduler running
				// behind): a demand's events never go back in time.
				s.now = notBefore(now, s.d.UpdatedAt)
				return nil
			})
			switch {
			case err == nil:
				expired++
			case errors.Is(err, ErrVersionConflict), errors.Is(err, ErrInvalidTransition):
			default:
				return expired, err
			}
		}
		if len(page) < q.Limit {
			break
		}
		q.After = page[len(page)-1].ID
	}
	return expired, nil
}

// Demand returns one demand.
//
// Errors: ErrNotFound, ErrClosed.
func (c *Catalog) Demand(ctx context.Context, id uuid.UUID) (Demand, error) {
	d, err := c.store.Demand(ctx, id)
	if err != nil {
		return Demand{}, fmt.Errorf("demand %s: %w", id, err)
	}
	return d, nil
}

// DemandPage is one page of a demand query. Next is the cursor for the following page (set
// q.After to it), or uuid.Nil on the last page.
type DemandPage struct {
	Demands []Demand
	Next    uuid.UUID
}

func pageLimit(limit int) (int, error) {
	if limit == 0 {
		return PageSizeDefault, nil
	}
	if limit < 0 || limit > PageSizeMax {
		return 0, errorf(ErrInvalid, "page size %d, want 1..%d", limit, PageSizeMax)
	}
	return limit, nil
}

// Demands lists the demands matching q in id order, one page at a time (q.Limit zero means
// PageSizeDefault). Use OpenStatuses for "open demands".
//
// Errors: ErrInvalid (limit over PageSizeMax, too many categories, a category that is not a
// well-formed code such as repair_electric, a bad grid path), ErrClosed.
func (c *Catalog) Demands(ctx context.Context, q DemandQuery) (DemandPage, error) {
	var err error
	if q.Limit, err = pageLimit(q.Limit); err != nil {
		return DemandPage{}, fmt.Errorf("demands: %w", err)
	}
	if len(q.Categories) > QueryCategoriesMax {
		return DemandPage{}, errorf(ErrInvalid, "demands: %d categories, max %d", len(q.Categories), QueryCategoriesMax)
	}
	// Every stored demand's category is a taxonomy code, so a malformed one could match
	// nothing; it is refused here rather than left to a store (PostgreSQL fails on a NUL or
	// invalid UTF-8 where memstore answers an empty page).
	for _, cat := range q.Categories {
		if !skillPattern.MatchString(cat) {
			return DemandPage{}, errorf(ErrInvalid, "demands: category %q: want a code like repair_electric", cat)
		}
	}
	if q.Grid != "" {
		if err := q.Grid.Validate(); err != nil {
			return DemandPage{}, fmt.Errorf("demands: %w", err)
		}
	}
	if err := q.validate(); err != nil {
		return DemandPage{}, fmt.Errorf("demands: %w", err)
	}
	q.DeadlineBefore = normTime(q.DeadlineBefore)
	ds, err := c.store.Demands(ctx, q)
	if err != nil {
		return DemandPage{}, fmt.Errorf("demands: %w", err)
	}
	page := DemandPage{Demands: ds}
	if len(ds) == q.Limit {
		page.Next = ds[len(ds)-1].ID
	}
	return page, nil
}

// CategoryTree returns the code of category and of every category below it in the taxonomy, for
// DemandQuery.Categories ("repairs" including plumbing and appliance repairs). It never returns
// an empty slice: for a code the taxonomy does not hold (a typo, a category since removed) it
// returns just that code, so the query filters on it and matches only demands that carry it
// (or, for a string that is no well-formed code, Demands refuses it with ErrInvalid), never
// every demand (empty Categories means "any category"). Use Taxonomy().Category to tell an
// unknown code apart.
func (c *Catalog) CategoryTree(category string) []string {
	if _, ok := c.tax.byCode[category]; !ok {
		return []string{category}
	}
	var out []string
	for _, cat := range c.tax.Categories() {
		if c.tax.Within(cat.Code, category) {
			out = append(out, cat.Code)
		}
	}
	return out
}

// History returns a demand's events with Seq > afterSeq, in order, at most limit (zero:
// PageSizeDefault). Seq equals the demand version the event produced.
//
// Errors: ErrInvalid (limit), ErrNotFound (no such demand), ErrClosed.
func (c *Catalog) History(ctx context.Context, id uuid.UUID, afterSeq uint64, limit int) ([]Event, error) {
	limit, err := pageLimit(limit)
	if err != nil {
		return nil, fmt.Errorf("history %s: %w", id, err)
	}
	if _, err := c.store.Demand(ctx, id); err != nil {
		return nil, fmt.Errorf("history %s: %w", id, err)
	}
	evs, err := c.store.Events(ctx, id, afterSeq, limit)
	if err != nil {
		return nil, fmt.Errorf("history %s: %w", id, err)
	}
	return evs, nil
}

// Claims lists every claim on a demand (active, withdrawn, done, released) by provider id.
//
// Errors: ErrNotFound (no such demand), ErrClosed.
func (c *Catalog) Claims(ctx context.Context, id uuid.UUID) ([]Claim, error) {
	if _, err := c.store.Demand(ctx, id); err != nil {
		return nil, fmt.Errorf("claims %s: %w", id, err)
	}
	cs, err := c.store.Claims(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("claims %s: %w", id, err)
	}
	return cs, nil
}
