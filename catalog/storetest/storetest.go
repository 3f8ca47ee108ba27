// Package storetest is the conformance suite every catalog.Store passes. A store opts in with one
// test:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) catalog.Store { return memstore.New() })
//	}
//
// newStore must return an empty store; Run closes it. The suite drives the store both directly
// (versions, atomicity, queries against catalog's Matches as the reference) and through
// catalog.Catalog (the lifecycle, its rejections, concurrent claims and a rapid state-machine
// test against a model).
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
)

// Run runs the whole suite against stores made by newStore.
func Run(t *testing.T, newStore func(t *testing.T) catalog.Store) {
	open := func(t *testing.T) catalog.Store {
		t.Helper()
		s := newStore(t)
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	t.Run("ApplyVersions", func(t *testing.T) { testApplyVersions(t, open(t)) })
	t.Run("ApplyAtomic", func(t *testing.T) { testApplyAtomic(t, open(t)) })
	t.Run("RoundTrip", func(t *testing.T) { testRoundTrip(t, open(t)) })
	t.Run("LargeChange", func(t *testing.T) { testLargeChange(t, open(t)) })
	t.Run("DemandQueries", func(t *testing.T) { testDemandQueries(t, open(t)) })
	t.Run("ProviderQueries", func(t *testing.T) { testProviderQueries(t, open(t)) })
	t.Run("BoardDemandCount", func(t *testing.T) { testBoardDemandCount(t, open(t)) })
	t.Run("Lifecycle", func(t *testing.T) { testLifecycle(t, open) })
	t.Run("Rejections", func(t *testing.T) { testRejections(t, open) })
	t.Run("ClaimByFunction", func(t *testing.T) { testClaimByFunction(t, open(t)) })
	t.Run("Boards", func(t *testing.T) { testBoards(t, open(t)) })
	t.Run("Expiry", func(t *testing.T) { testExpiry(t, open(t)) })
	t.Run("Deadlines", func(t *testing.T) { testDeadlines(t, open(t)) })
	t.Run("AuditAllRejected", func(t *testing.T) { testAuditAllRejected(t, open(t)) })
	t.Run("DispatchNeedsOrganisation", func(t *testing.T) { testDispatchNeedsOrganisation(t, open(t)) })
	t.Run("ConcurrentClaims", func(t *testing.T) { testConcurrentClaims(t, open) })
	t.Run("CapacityBelowLoad", func(t *testing.T) { testCapacityBelowLoad(t, open(t)) })
	t.Run("CapacityRace", func(t *testing.T) { testCapacityRace(t, open(t)) })
	t.Run("RaceTwoCatalogs", func(t *testing.T) {
		for seed := uint64(1); seed <= 3; seed++ {
			s := open(t)
			RaceLifecycle(t, s, s, seed, 200)
		}
	})
	t.Run("StateMachine", func(t *testing.T) { testStateMachine(t, newStore) })
	t.Run("EndedContext", func(t *testing.T) { testEndedContext(t, open(t)) })
	t.Run("Closed", func(t *testing.T) { testClosed(t, newStore(t)) })
}

// TB is what the fixtures need of a test: *testing.T, *testing.B and *rapid.T all have it.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
	FailNow()
}

// Clock is a settable clock for tests.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock starts a clock at a fixed instant.
func NewClock() *Clock { return &Clock{t: time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)} }

// Now returns the current time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// SeqIDs returns an id source yielding ordered, deterministic ids.
func SeqIDs() func() uuid.UUID {
	var n atomic.Uint64
	return func() uuid.UUID {
		var id uuid.UUID
		v := n.Add(1)
		for i := 0; i < 8; i++ {
			id[15-i] = byte(v >> (8 * i))
		}
		id[6] = 0x80 // version 8 (custom), so ids are valid uuids
		id[8] = 0x80
		return id
	}
}

// Fixture is a catalog over a store with a settable clock and a community layout.
type Fixture struct {
	Cat   *catalog.Catalog
	Store catalog.Store
	Clock *Clock
}

// NewFixture builds a catalog over s.
func NewFixture(t TB, s catalog.Store) *Fixture {
	t.Helper()
	clk := NewClock()
	c, err := catalog.New(s, catalog.WithNow(clk.Now), catalog.WithIDs(SeqIDs()))
	require.NoError(t, err)
	return &Fixture{Cat: c, Store: s, Clock: clk}
}

// Grid paths used throughout the suite.
const (
	Street     = catalog.GridPath("幸福街道")
	CommunityA = catalog.GridPath("幸福街道/阳光社区")
	CommunityB = catalog.GridPath("幸福街道/和平社区")
	GridA1     = catalog.GridPath("幸福街道/阳光社区/1网格")
	BuildingA1 = catalog.GridPath("幸福街道/阳光社区/1网格/3栋")
)

// Wish returns a valid haircut wish in building A1 raised by requester.
func Wish(requester string) catalog.Demand {
	return catalog.Demand{
		Kind: catalog.Wish, Title: "上门理发", Category: "haircut",
		Requester: catalog.RequesterRef{ID: requester, Name: "王阿姨"},
		Location:  catalog.Location{Grid: BuildingA1},
		Priority:  catalog.PriorityElderlyAlone,
	}
}

// Volunteer returns a valid volunteer with the haircut skill living in grid A1.
func Volunteer(person string) catalog.Provider {
	return catalog.Provider{
		Kind: catalog.Volunteer, Name: "志愿者" + person, PersonID: person,
		Skills: []catalog.Skill{"haircut", "companionship"}, Home: GridA1, Capacity: 2,
	}
}

// OpenWish creates and submits a wish and returns it Open.
func (f *Fixture) OpenWish(t TB, d catalog.Demand) catalog.Demand {
	t.Helper()
	d.Status = catalog.StatusOpen
	out, err := f.Cat.CreateDemand(context.Background(), d, "operator")
	require.NoError(t, err)
	return out
}

// Register registers a provider.
func (f *Fixture) Register(t TB, p catalog.Provider) catalog.Provider {
	t.Helper()
	out, err := f.Cat.RegisterProvider(context.Background(), p, "operator")
	require.NoError(t, err)
	return out
}

// Board publishes a wish board over community A open for a month with the given demands.
func (f *Fixture) Board(t TB, ids ...uuid.UUID) catalog.Board {
	t.Helper()
	now := f.Clock.Now()
	b, err := f.Cat.PublishBoard(context.Background(), catalog.BoardSpec{
		Name: "五月微心愿榜", Kind: catalog.BoardWishes, Scope: CommunityA,
		OpensAt: now, ClosesAt: now.Add(30 * 24 * time.Hour), Demands: ids, Actor: "community",
	})
	require.NoError(t, err)
	return b
}

func act(actor string) catalog.Act { return catalog.Act{Actor: actor} }

func hours(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// sameDecimal reports equality of decimals by value, the way stores must keep them.
func sameDecimal(a, b decimal.Decimal) bool { return a.Equal(b) }

// normDemand makes a demand comparable with == semantics across stores: decimals by value.
func normDemand(d catalog.Demand) catalog.Demand {
	d.Budget = decimal.RequireFromString(d.Budget.StringFixed(2))
	if len(d.Skills) == 0 {
		d.Skills = nil
	}
	if len(d.DispatchedTo) == 0 {
		d.DispatchedTo = nil
	}
	return d
}

func testApplyVersions(t *testing.T, s catalog.Store) {
	ctx := context.Background()
	f := NewFixture(t, s)
	d := f.OpenWish(t, Wish("r1"))
	require.Equal(t, uint64(1), d.Version)

	dup := d
	err := s.Apply(ctx, catalog.Change{Demands: []catalog.Demand{dup}})
	assert.ErrorIs(t, err, catalog.ErrAlreadyExists, "insert of an existing id")

	stale := d
	stale.Version = 3
	err = s.Apply(ctx, catalog.Change{Demands: []catalog.Demand{stale}})
	assert.ErrorIs(t, err, catalog.ErrVersionConflict, "skipping a version")

	missing := d
	missing.ID = uuid.New()
	missing.Version = 2
	err = s.Apply(ctx, catalog.Change{Demands: []catalog.Demand{missing}})
	assert.ErrorIs(t, err, catalog.ErrNotFound, "update of a missing id")

	next := d
	next.Version = 2
	next.Title = "上门理发（改）"
	require.NoError(t, s.Apply(ctx, catalog.Change{Demands: []catalog.Demand{next}}))
	got, err := s.Demand(ctx, d.ID)
	require.NoError(t, err)
	assert.Equal(t, "上门理发（改）", got.Title)
	assert.Equal(t, uint64(2), got.Version)

	err = s.Apply(ctx, catalog.Change{Demands: []catalog.Demand{next}})
	assert.ErrorIs(t, err, catalog.ErrVersionConflict, "the same version twice: the second writer loses")

	ev := catalog.Event{DemandID: d.ID, Seq: 1, Action: catalog.ActionCreate, To: catalog.StatusOpen, Actor: "x", At: f.Clock.Now()}
	err = s.Apply(ctx, catalog.Change{Events: []catalog.Event{ev}})
	assert.ErrorIs(t, err, catalog.ErrVersionConflict, "an event number used twice")

	p := f.Register(t, Volunteer("v1"))
	p2 := p
	p2.Version = 5
	err = s.Apply(ctx, catalog.Change{Providers: []catalog.Provider{p2}})
	assert.ErrorIs(t, err, catalog.ErrVersionConflict, "provider version")

	_, err = s.Demand(ctx, uuid.New())
	assert.ErrorIs(t, err, catalog.ErrNotFound)
	_, err = s.Provider(ctx, uuid.New())
	assert.ErrorIs(t, err, catalog.ErrNotFound)
	_, err = s.Board(ctx, uuid.New())
	assert.ErrorIs(t, err, catalog.ErrNotFound)
}

func testApplyAtomic(t *testing.T, s catalog.Store) {
	ctx := context.Background()
	f := NewFixture(t, s)
	d := f.OpenWish(t, Wish("r1"))
	p := f.Register(t, Volunteer("v1"))

	good := d
	good.Version, good.Title = 2, "changed"
	goodP := p
	goodP.Version, goodP.Name = 2, "changed"
	bad := p
	bad.ID, bad.Version = uuid.New(), 7 // does not exist
	ev := catalog.Event{DemandID: d.ID, Seq: 2, Action: catalog.ActionSubmit, Actor: "x", At: f.Clock.Now()}
	err := s.Apply(ctx, catalog.Change{
		Demands: []catalog.Demand{good}, Providers: []catalog.Provider{goodP, bad}, Events: []catalog.Event{ev},
		Claims: []catalog.Claim{{DemandID: d.ID, ProviderID: p.ID, State: catalog.ClaimActive, ClaimedAt: f.Clock.Now()}},
	})
	require.Error(t, err)

	gotD, err := s.Demand(ctx, d.ID)
	require.NoError(t, err)
	assert.Equal(t, d.Title, gotD.Title, "demand unchanged after a failed change")
	gotP, err := s.Provider(ctx, p.ID)
	require.NoError(t, err)
	assert.Equal(t, p.Name, gotP.Name, "provider unchanged after a failed change")
	cls, err := s.Claims(ctx, d.ID)
	require.NoError(t, err)
	assert.Empty(t, cls, "no claim written by a failed change")
	evs, err := s.Events(ctx, d.ID, 0, 10)
	require.NoError(t, err)
	assert.Len(t, evs, 1, "no event written by a failed change")

	// Two versions of one record in one change: the second must follow the first.
	v2, v3 := d, d
	v2.Version, v3.Version = 2, 3
	require.NoError(t, s.Apply(ctx, catalog.Change{Demands: []catalog.Demand{v2, v3}}))
	gotD, err = s.Demand(ctx, d.ID)
	require.NoError(t, err)
	assert.Equal(t, uint64(3), gotD.Version)
}

func testLargeChange(t *testing.T, s catalog.Store) {
	ctx := context.Background()
	f := NewFixture(t, s)
	now := f.Clock.Now()
	build := func(n int) catalog.Change {
		var ch catalog.Change
		for i := 0; i < n; i++ {
			d := Wish("r")
			d.ID, d.Skills, d.Headcount, d.Status, d.Version, d.CreatedAt, d.UpdatedAt = uuid.New(), []catalog.Skill{"haircut"}, 1, catalog.StatusOpen, 1, now, now
			ch.Demands = append(ch.Demands, d)
			ch.Events = append(ch.Events, catalog.Event{DemandID: d.ID, Seq: 1, Action: catalog.ActionCreate, To: catalog.StatusOpen, Actor: "import", At: now})
		}
		return ch
	}
	// A large change with one bad record at the very end writes nothing.
	bad := build(2000)
	bad.Events = append(bad.Events, catalog.Event{DemandID: uuid.New(), Seq: 1, Action: catalog.ActionCreate, Actor: "x", At: now})
	require.ErrorIs(t, s.Apply(ctx, bad), catalog.ErrNotFound, "an event of an unknown demand")
	page, err := s.Demands(ctx, catalog.DemandQuery{Limit: 10})
	require.NoError(t, err)
	assert.Empty(t, page, "nothing of the failed change is visible")

	good := build(2000)
	require.NoError(t, s.Apply(ctx, good))
	n := 0
	q := catalog.DemandQuery{Grid: CommunityA, Statuses: catalog.OpenStatuses, Limit: catalog.PageSizeMax}
	for {
		page, err := s.Demands(ctx, q)
		require.NoError(t, err)
		n += len(page)
		if len(page) < q.Limit {
			break
		}
		q.After = page[len(page)-1].ID
	}
	assert.Equal(t, 2000, n)
	evs, err := s.Events(ctx, good.Demands[1999].ID, 0, 10)
	require.NoError(t, err)
	assert.Len(t, evs, 1)

	orphan := catalog.Change{Claims: []catalog.Claim{{DemandID: uuid.New(), ProviderID: uuid.New(), State: catalog.ClaimActive, ClaimedAt: now}}}
	assert.ErrorIs(t, s.Apply(ctx, orphan), catalog.ErrNotFound, "a claim of an unknown demand")
}

func testRoundTrip(t *testing.T, s catalog.Store) {
	ctx := context.Background()
	f := NewFixture(t, s)
	in := catalog.Demand{
		Kind: catalog.Project, Title: "楼道适老化改造", Description: "加装扶手与夜灯\n共12层", Category: "renovation",
		Requester: catalog.RequesterRef{ID: "res-0001", Name: "李大爷"},
		Location:  catalog.Location{Grid: BuildingA1, At: catalog.Coordinates{Lat: 30.274084, Lng: 120.155070}},
		Skills:    []catalog.Skill{"construction", "urban_management"}, Headcount: 3, EstimatedMinutes: 900,
		Window:   catalog.TimeWindow{Start: f.Clock.Now().Add(time.Hour), End: f.Clock.Now().Add(50 * time.Hour)},
		Priority: catalog.PriorityElderlyAlone | catalog.PriorityDisabled, Urgency: catalog.UrgencyUrgent,
		Deadline: f.Clock.Now().Add(90 * 24 * time.Hour), Budget: decimal.RequireFromString("12000.5"),
	}
	d, err := f.Cat.CreateDemand(ctx, in, "operator")
	require.NoError(t, err)
	got, err := s.Demand(ctx, d.ID)
	require.NoError(t, err)
	assert.Equal(t, normDemand(d), normDemand(got))
	assert.True(t, sameDecimal(got.Budget, hours("12000.50")))

	var av catalog.WeeklyAvailability
	av.Set(time.Saturday, 8, 12)
	pin := catalog.Provider{
		Kind: catalog.Team, Name: "红马甲理发队", Members: []catalog.Member{{PersonID: "m1", Name: "张"}, {PersonID: "m2", Name: "陈"}},
		Skills: []catalog.Skill{"haircut"}, Home: CommunityA, ServiceArea: []catalog.GridPath{CommunityA, CommunityB},
		At: catalog.Coordinates{Lat: 30.27, Lng: 120.15}, Capacity: 5, Availability: av,
		Flags: catalog.FlagPartyMember | catalog.FlagProfessional, RatingSum: 9, RatingCount: 2,
	}
	p, err := f.Cat.RegisterProvider(ctx, pin, "operator")
	require.NoError(t, err)
	gotP, err := s.Provider(ctx, p.ID)
	require.NoError(t, err)
	assert.Equal(t, p, gotP)

	// What a caller does with a returned record must not reach the store.
	got.Skills[0] = "mutated"
	gotP.Members[0].Name = "mutated"
	again, err := s.Demand(ctx, d.ID)
	require.NoError(t, err)
	assert.Equal(t, catalog.Skill("construction"), again.Skills[0])
	againP, err := s.Provider(ctx, p.ID)
	require.NoError(t, err)
	assert.Equal(t, "张", againP.Members[0].Name)
}

func testClosed(t *testing.T, s catalog.Store) {
	ctx := context.Background()
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "closing twice is not an error")
	for name, err := range callEveryMethod(ctx, s) {
		assert.ErrorIs(t, err, catalog.ErrClosed, name)
	}
}

// callEveryMethod calls each method of s once, on a record id it does not hold and an empty
// Change, and returns their errors by method name.
func callEveryMethod(ctx context.Context, s catalog.Store) map[string]error {
	id := uuid.New()
	errs := map[string]error{}
	_, errs["Demand"] = s.Demand(ctx, id)
	_, errs["Demands"] = s.Demands(ctx, catalog.DemandQuery{Limit: 10})
	_, errs["Provider"] = s.Provider(ctx, id)
	_, errs["Providers"] = s.Providers(ctx, catalog.ProviderQuery{Limit: 10})
	_, errs["Board"] = s.Board(ctx, id)
	_, errs["Boards"] = s.Boards(ctx, catalog.BoardQuery{Limit: 10})
	_, errs["BoardDemandCount"] = s.BoardDemandCount(ctx, id, 0)
	_, errs["Claims"] = s.Claims(ctx, id)
	_, errs["ProviderClaims"] = s.ProviderClaims(ctx, id, catalog.ClaimQuery{Limit: 10})
	_, errs["Audits"] = s.Audits(ctx, id)
	_, errs["Events"] = s.Events(ctx, id, 0, 10)
	errs["Apply"] = s.Apply(ctx, catalog.Change{})
	return errs
}

// mustFail asserts err wraps want, naming the case.
func mustFail(t *testing.T, err, want error, name string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: got %v, want %v", name, err, want)
	}
}

func sprintID(id uuid.UUID) string { return fmt.Sprint(id) }
