package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"pgregory.net/rapid"

	"github.com/tongxin/tongxin/catalog"
)

// The state-machine test drives the lifecycle with random operations against a tiny model that
// predicts each operation's outcome, and checks the invariants after every step: every demand's
// status is the model's, a demand never has more providers than its headcount, a provider never
// more active demands than its capacity, there is one event per version and every event is an
// edge of the transition table, every claim is in the model's state, every provider's rating
// is the sum of the ratings of the demands it served, and the versions of providers and of
// the board only ever grow.

type modelDemand struct {
	id         uuid.UUID
	status     catalog.Status
	headcount  int
	requester  string
	deadline   time.Time
	board      uuid.UUID    // the board it is (or was last) published on
	dispatched []int        // provider indexes
	active     map[int]bool // provider index -> active claim
	done       map[int]bool // provider index -> did the work
	approved   map[int]bool // audit decisions (true: approved)
	awarded    map[int]bool
}

type modelProvider struct {
	p           catalog.Provider
	capacity    int
	active      int
	hasSkill    bool
	ratingSum   int    // the scores of the rated demands it served
	ratingCount int    // how many of those there are
	version     uint64 // the version last seen; it never goes back
}

type machine struct {
	f         *Fixture
	demands   []*modelDemand
	providers []*modelProvider
	board     catalog.Board
	boardOpen bool               // m.board is open
	closed    map[uuid.UUID]bool // boards closed so far
	boardSeen uint64             // m.board's version last seen
	ctx       context.Context
}

func testStateMachine(t *testing.T, newStore func(t *testing.T) catalog.Store) {
	rapid.Check(t, func(rt *rapid.T) {
		s := newStore(t)
		defer s.Close()
		m := &machine{f: NewFixture(t, s), ctx: context.Background(), closed: map[uuid.UUID]bool{}}
		// The providers are volunteers, so a category's unit functions never stand in for the
		// skills here (testClaimByFunction covers that); hasSkill alone decides.
		for i := 0; i < 4; i++ {
			p := Volunteer(fmt.Sprintf("v%d", i))
			p.Capacity = 1 + i%2
			if i == 0 {
				p.PersonID = "r0" // the provider who is also requester r0
			}
			mp := &modelProvider{capacity: p.Capacity, hasSkill: i != 3}
			if i == 3 {
				p.Skills = []catalog.Skill{"tutoring"}
			}
			mp.p = m.f.Register(t, p)
			m.providers = append(m.providers, mp)
		}
		m.newBoard(rt)
		actions := map[string]func(*rapid.T){
			"create":     m.create,
			"submit":     m.submit,
			"publish":    m.publish,
			"dispatch":   m.dispatch,
			"claim":      m.claim,
			"withdraw":   m.withdraw,
			"start":      m.start,
			"complete":   m.complete,
			"rate":       m.rate,
			"audit":      m.audit,
			"award":      m.award,
			"cancel":     m.cancel,
			"expire":     m.expire,
			"closeBoard": m.closeBoard,
			"":           m.check,
		}
		// Four runs of rapid's thirty-odd steps: a demand needs about ten moves to go round
		// the whole loop (publish, claim, start, complete, rate, audit, award).
		for range 4 {
			rt.Repeat(actions)
		}
	})
}

func (m *machine) newBoard(t *rapid.T) {
	now := m.f.Clock.Now()
	b, err := m.f.Cat.PublishBoard(m.ctx, catalog.BoardSpec{Name: "榜", Kind: catalog.BoardWishes, Scope: CommunityA,
		OpensAt: now, ClosesAt: now.Add(365 * 24 * time.Hour), Actor: "community"})
	if err != nil {
		t.Fatalf("new board: %v", err)
	}
	m.board, m.boardOpen, m.boardSeen = b, true, b.Version
}

// pickDemand picks one of the demands still under way, or now and then any demand (so that
// moves on ended ones are tried too).
func (m *machine) pickDemand(t *rapid.T) *modelDemand {
	ds := m.live()
	if len(ds) == 0 || rapid.IntRange(0, 7).Draw(t, "any demand") == 0 {
		ds = m.demands
	}
	if len(ds) == 0 {
		t.Skip("no demands")
	}
	return ds[rapid.IntRange(0, len(ds)-1).Draw(t, "demand")]
}

func (m *machine) pickProvider(t *rapid.T) (int, *modelProvider) {
	i := rapid.IntRange(0, len(m.providers)-1).Draw(t, "provider")
	return i, m.providers[i]
}

// due reports whether d's deadline has come: from then no one may publish, dispatch or claim it,
// and ExpireDue expires it if unclaimed.
func (m *machine) due(d *modelDemand) bool {
	return !d.deadline.IsZero() && !m.f.Clock.Now().Before(d.deadline)
}

// expect fails the test unless err wraps want (nil: success).
func expect(t *rapid.T, op string, err, want error) {
	t.Helper()
	if want == nil && err != nil {
		t.Fatalf("%s: unexpected error %v", op, err)
	}
	if want != nil && !errors.Is(err, want) {
		t.Fatalf("%s: got %v, want %v", op, err, want)
	}
}

// liveDemandsMax keeps the run on a few demands not yet at the end of their lifecycle, so that
// its steps take them round the whole loop (publish, claim, start, complete, rate, audit,
// award) rather than open ever more.
const liveDemandsMax = 3

func (m *machine) live() []*modelDemand {
	var out []*modelDemand
	for _, d := range m.demands {
		if !d.status.Terminal() {
			out = append(out, d)
		}
	}
	return out
}

func (m *machine) create(t *rapid.T) {
	if len(m.live()) >= liveDemandsMax {
		t.Skip("enough demands")
	}
	w := Wish(fmt.Sprintf("r%d", rapid.IntRange(0, 1).Draw(t, "requester")))
	w.Headcount = rapid.IntRange(1, 3).Draw(t, "headcount")
	if rapid.Bool().Draw(t, "deadline") {
		w.Deadline = m.f.Clock.Now().Add(time.Duration(rapid.IntRange(1, 48).Draw(t, "hours")) * time.Hour)
	}
	if rapid.Bool().Draw(t, "draft") {
		w.Status = catalog.StatusDraft
	} else {
		w.Status = catalog.StatusOpen
	}
	d, err := m.f.Cat.CreateDemand(m.ctx, w, "operator")
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	m.demands = append(m.demands, &modelDemand{id: d.ID, status: w.Status, headcount: w.Headcount,
		requester: w.Requester.ID, deadline: d.Deadline, active: map[int]bool{}, done: map[int]bool{}, approved: map[int]bool{}, awarded: map[int]bool{}})
}

func (m *machine) submit(t *rapid.T) {
	d := m.pickDemand(t)
	_, err := m.f.Cat.Submit(m.ctx, d.id, act("resident"))
	var want error
	if d.status != catalog.StatusDraft {
		want = catalog.ErrInvalidTransition
	}
	expect(t, "submit", err, want)
	if want == nil {
		d.status = catalog.StatusOpen
	}
}

func (m *machine) publish(t *rapid.T) {
	d := m.pickDemand(t)
	_, err := m.f.Cat.Publish(m.ctx, m.board.ID, d.id, act("community"))
	var want error
	switch {
	case !m.boardOpen:
		want = catalog.ErrBoardClosed
	case d.status != catalog.StatusOpen:
		want = catalog.ErrInvalidTransition
	case m.due(d):
		want = catalog.ErrDeadlinePassed
	}
	expect(t, "publish", err, want)
	if want == nil {
		d.status, d.board = catalog.StatusPublished, m.board.ID
	}
}

func (m *machine) dispatch(t *rapid.T) {
	d := m.pickDemand(t)
	n := rapid.IntRange(1, len(m.providers)).Draw(t, "n")
	perm := rapid.Permutation([]int{0, 1, 2, 3}).Draw(t, "perm")[:n]
	var ids []uuid.UUID
	for _, i := range perm {
		ids = append(ids, m.providers[i].p.ID)
	}
	_, err := m.f.Cat.Dispatch(m.ctx, d.id, ids, act("community"))
	toRequester := false
	for _, i := range perm {
		toRequester = toRequester || (d.requester == "r0" && i == 0)
	}
	var want error
	switch {
	case d.status != catalog.StatusOpen:
		want = catalog.ErrInvalidTransition
	case m.due(d):
		want = catalog.ErrDeadlinePassed
	case toRequester: // provider 0 is requester r0: it could never accept
		want = catalog.ErrSelfClaim
	}
	expect(t, "dispatch", err, want)
	if want == nil {
		d.status, d.dispatched = catalog.StatusDispatched, perm
	}
}

func (m *machine) claim(t *rapid.T) {
	d := m.pickDemand(t)
	pi, p := m.pickProvider(t)
	_, err := m.f.Cat.Claim(m.ctx, d.id, p.p.ID, act("vol"))
	var want error
	dispatchedTo := func() bool {
		for _, x := range d.dispatched {
			if x == pi {
				return true
			}
		}
		return false
	}
	switch {
	case d.status == catalog.StatusAccepted:
		want = catalog.ErrHeadcountFull
	case !d.status.Claimable():
		want = catalog.ErrInvalidTransition
	case m.due(d):
		want = catalog.ErrDeadlinePassed
	case len(d.dispatched) > 0 && !dispatchedTo():
		want = catalog.ErrIneligible
	case len(d.dispatched) == 0 && m.closed[d.board]:
		want = catalog.ErrBoardClosed
	case d.requester == "r0" && pi == 0:
		want = catalog.ErrSelfClaim
	case !p.hasSkill && len(d.dispatched) == 0: // dispatch waives the skill check
		want = catalog.ErrIneligible
	case d.active[pi]:
		want = catalog.ErrDuplicateClaim
	case p.active >= p.capacity:
		want = catalog.ErrCapacity
	}
	expect(t, "claim", err, want)
	if want == nil {
		d.active[pi] = true
		p.active++
		d.status = catalog.StatusClaimed
		if len(d.active) == d.headcount {
			d.status = catalog.StatusAccepted
		}
	}
}

func (m *machine) withdraw(t *rapid.T) {
	d := m.pickDemand(t)
	pi, p := m.pickProvider(t)
	_, err := m.f.Cat.Withdraw(m.ctx, d.id, p.p.ID, act("vol"))
	var want error
	switch {
	case d.status != catalog.StatusClaimed && d.status != catalog.StatusAccepted:
		want = catalog.ErrInvalidTransition
	case !d.active[pi]:
		want = catalog.ErrNotFound
	}
	expect(t, "withdraw", err, want)
	if want != nil {
		return
	}
	delete(d.active, pi)
	p.active--
	switch {
	case len(d.active) > 0:
		d.status = catalog.StatusClaimed
	case len(d.dispatched) > 0:
		d.status = catalog.StatusDispatched
	case !m.closed[d.board]:
		d.status = catalog.StatusPublished
	default:
		d.status, d.board = catalog.StatusOpen, uuid.Nil
	}
}

func (m *machine) start(t *rapid.T) {
	d := m.pickDemand(t)
	_, err := m.f.Cat.Start(m.ctx, d.id, act("community"))
	var want error
	if d.status != catalog.StatusClaimed && d.status != catalog.StatusAccepted {
		want = catalog.ErrInvalidTransition
	}
	expect(t, "start", err, want)
	if want == nil {
		d.status = catalog.StatusInProgress
	}
}

func (m *machine) complete(t *rapid.T) {
	d := m.pickDemand(t)
	var reports []catalog.WorkReport
	for pi := range d.active {
		reports = append(reports, catalog.WorkReport{ProviderID: m.providers[pi].p.ID, Hours: hours("1.25")})
	}
	if len(reports) == 0 {
		reports = []catalog.WorkReport{{ProviderID: m.providers[0].p.ID, Hours: hours("1")}}
	}
	_, err := m.f.Cat.Complete(m.ctx, d.id, reports, act("vol"))
	var want error
	if d.status != catalog.StatusInProgress {
		want = catalog.ErrInvalidTransition
	}
	expect(t, "complete", err, want)
	if want == nil {
		for pi := range d.active {
			d.done[pi] = true
			m.providers[pi].active--
		}
		d.active = map[int]bool{}
		d.status = catalog.StatusCompleted
	}
}

func (m *machine) rate(t *rapid.T) {
	d := m.pickDemand(t)
	score := rapid.IntRange(1, 5).Draw(t, "score")
	_, err := m.f.Cat.Rate(m.ctx, d.id, score, "", act("resident"))
	var want error
	if d.status != catalog.StatusCompleted {
		want = catalog.ErrInvalidTransition
	}
	expect(t, "rate", err, want)
	if want == nil {
		d.status = catalog.StatusRated
		for pi := range d.done {
			m.providers[pi].ratingSum += score
			m.providers[pi].ratingCount++
		}
	}
}

func (m *machine) audit(t *rapid.T) {
	d := m.pickDemand(t)
	var decs []catalog.AuditDecision
	approved := map[int]bool{}
	for pi := range d.done {
		ok := rapid.Bool().Draw(t, "approve")
		approved[pi] = ok
		dec := catalog.AuditDecision{ProviderID: m.providers[pi].p.ID, Approved: ok}
		if ok {
			dec.Hours = hours("1")
		} else {
			dec.Reason = "未到场"
		}
		decs = append(decs, dec)
	}
	if len(decs) == 0 {
		decs = []catalog.AuditDecision{{ProviderID: m.providers[0].p.ID, Approved: true, Hours: hours("1")}}
	}
	_, err := m.f.Cat.Audit(m.ctx, d.id, decs, act("auditor"))
	var want error
	if d.status != catalog.StatusCompleted && d.status != catalog.StatusRated {
		want = catalog.ErrInvalidTransition
	}
	expect(t, "audit", err, want)
	if want == nil {
		d.approved = approved
		d.status = catalog.StatusAwarded // every provider rejected: nothing left to award
		for _, ok := range approved {
			if ok {
				d.status = catalog.StatusAudited
			}
		}
	}
}

func (m *machine) award(t *rapid.T) {
	d := m.pickDemand(t)
	pi, p := m.pickProvider(t)
	_, err := m.f.Cat.MarkAwarded(m.ctx, d.id, p.p.ID, "points")
	approved, audited := d.approved[pi]
	var want error
	switch {
	case d.awarded[pi]:
	case d.status != catalog.StatusAudited:
		want = catalog.ErrInvalidTransition
	case !audited:
		want = catalog.ErrNotFound
	case !approved:
		want = catalog.ErrIneligible
	}
	expect(t, "award", err, want)
	if want == nil && !d.awarded[pi] {
		d.awarded[pi] = true
		all := true
		for x, ok := range d.approved {
			all = all && (!ok || d.awarded[x])
		}
		if all {
			d.status = catalog.StatusAwarded
		}
	}
}

func (m *machine) cancel(t *rapid.T) {
	// Cancel ends a demand from almost any status; tried at every pick, it would end most
	// demands before they go round the loop.
	if rapid.IntRange(0, 5).Draw(t, "cancel now") != 0 {
		return
	}
	d := m.pickDemand(t)
	_, err := m.f.Cat.Cancel(m.ctx, d.id, catalog.Act{Actor: "resident", Reason: "不需要了"})
	var want error
	if !catalog.Allows(d.status, catalog.ActionCancel) {
		want = catalog.ErrInvalidTransition
	}
	expect(t, "cancel", err, want)
	if want == nil {
		for pi := range d.active {
			m.providers[pi].active--
		}
		d.active = map[int]bool{}
		d.status = catalog.StatusCancelled
	}
}

func (m *machine) expire(t *rapid.T) {
	m.f.Clock.Advance(time.Duration(rapid.IntRange(1, 24).Draw(t, "hours")) * time.Hour)
	now := m.f.Clock.Now()
	n, err := m.f.Cat.ExpireDue(m.ctx, now)
	if err != nil {
		t.Fatalf("expire: %v", err)
	}
	want := 0
	for _, d := range m.demands {
		unclaimed := d.status == catalog.StatusOpen || d.status == catalog.StatusPublished || d.status == catalog.StatusDispatched
		if unclaimed && m.due(d) {
			d.status = catalog.StatusExpired
			want++
		}
	}
	if n != want {
		t.Fatalf("expire: %d expired, model %d", n, want)
	}
}

func (m *machine) closeBoard(t *rapid.T) {
	if _, err := m.f.Cat.CloseBoard(m.ctx, m.board.ID, "community"); err != nil {
		t.Fatalf("close board: %v", err)
	}
	for _, d := range m.demands {
		if d.board == m.board.ID && d.status == catalog.StatusPublished {
			d.status, d.board = catalog.StatusOpen, uuid.Nil
		}
	}
	m.boardOpen = false
	m.closed[m.board.ID] = true
	if rapid.Bool().Draw(t, "new board") {
		m.newBoard(t)
	}
}

func (m *machine) check(t *rapid.T) {
	for _, md := range m.demands {
		d, err := m.f.Store.Demand(m.ctx, md.id)
		if err != nil {
			t.Fatalf("demand: %v", err)
		}
		if d.Status != md.status {
			t.Fatalf("demand %s: status %s, model %s", d.ID, d.Status, md.status)
		}
		if d.Filled != len(md.active) || d.Filled > d.Headcount {
			t.Fatalf("demand %s: filled %d, model %d, headcount %d", d.ID, d.Filled, len(md.active), d.Headcount)
		}
		evs, err := m.f.Store.Events(m.ctx, md.id, 0, catalog.PageSizeMax)
		if err != nil {
			t.Fatalf("events: %v", err)
		}
		if uint64(len(evs)) != d.Version {
			t.Fatalf("demand %s: %d events, version %d", d.ID, len(evs), d.Version)
		}
		for i, e := range evs[1:] {
			if !catalog.CanTransition(e.From, e.Action, e.To) || e.From != evs[i].To {
				t.Fatalf("demand %s: event %d %s -%s-> %s breaks the table", d.ID, e.Seq, e.From, e.Action, e.To)
			}
		}
		if evs[len(evs)-1].To != d.Status {
			t.Fatalf("demand %s: last event ends in %s, status %s", d.ID, evs[len(evs)-1].To, d.Status)
		}
		cls, err := m.f.Store.Claims(m.ctx, md.id)
		if err != nil {
			t.Fatalf("claims: %v", err)
		}
		for _, cl := range cls {
			pi := -1
			for i, mp := range m.providers {
				if mp.p.ID == cl.ProviderID {
					pi = i
				}
			}
			if (cl.State == catalog.ClaimActive) != md.active[pi] || (cl.State == catalog.ClaimDone) != md.done[pi] {
				t.Fatalf("demand %s: provider %d's claim is %d, model active %v done %v", d.ID, pi, cl.State, md.active[pi], md.done[pi])
			}
		}
	}
	b, err := m.f.Store.Board(m.ctx, m.board.ID)
	if err != nil {
		t.Fatalf("board: %v", err)
	}
	if b.Version < m.boardSeen {
		t.Fatalf("board version %d after %d", b.Version, m.boardSeen)
	}
	m.boardSeen = b.Version
	for i, mp := range m.providers {
		p, err := m.f.Store.Provider(m.ctx, mp.p.ID)
		if err != nil {
			t.Fatalf("provider: %v", err)
		}
		if p.Active != mp.active || p.Active > p.Capacity || p.Active < 0 {
			t.Fatalf("provider %d: active %d, model %d, capacity %d", i, p.Active, mp.active, p.Capacity)
		}
		if p.RatingSum != mp.ratingSum || p.RatingCount != mp.ratingCount {
			t.Fatalf("provider %d: rating %d/%d, model %d/%d", i, p.RatingSum, p.RatingCount, mp.ratingSum, mp.ratingCount)
		}
		if p.Version < mp.version {
			t.Fatalf("provider %d: version %d after %d", i, p.Version, mp.version)
		}
		mp.version = p.Version
	}
}
