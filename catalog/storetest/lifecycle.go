package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
)

func testLifecycle(t *testing.T, open func(t *testing.T) catalog.Store) {
	ctx := context.Background()
	f := NewFixture(t, open(t))
	c := f.Cat

	d, err := c.CreateDemand(ctx, Wish("r1"), "resident:r1")
	require.NoError(t, err)
	assert.Equal(t, catalog.StatusDraft, d.Status)
	assert.Equal(t, []catalog.Skill{"haircut"}, d.Skills, "skills default to the category's")
	assert.Equal(t, 30, d.EstimatedMinutes, "minutes default to the category's")
	assert.Equal(t, 1, d.Headcount)

	d, err = c.Submit(ctx, d.ID, catalog.Act{Actor: "resident:r1", Version: d.Version})
	require.NoError(t, err)
	assert.Equal(t, catalog.StatusOpen, d.Status)

	v1 := f.Register(t, Volunteer("v1"))
	v2 := f.Register(t, Volunteer("v2"))
	d2 := f.OpenWish(t, func() catalog.Demand { w := Wish("r2"); w.Headcount = 2; return w }())
	b := f.Board(t, d.ID, d2.ID)

	d, err = c.Demand(ctx, d.ID)
	require.NoError(t, err)
	assert.Equal(t, catalog.StatusPublished, d.Status)
	assert.Equal(t, b.ID, d.BoardID)

	// Headcount 2: the first claim leaves it Claimed, the second Accepted.
	_, err = c.Claim(ctx, d2.ID, v1.ID, act("vol:v1"))
	require.NoError(t, err)
	got, err := c.Demand(ctx, d2.ID)
	require.NoError(t, err)
	assert.Equal(t, catalog.StatusClaimed, got.Status)
	assert.Equal(t, 1, got.Remaining())
	_, err = c.Claim(ctx, d2.ID, v2.ID, act("vol:v2"))
	require.NoError(t, err)
	got, err = c.Demand(ctx, d2.ID)
	require.NoError(t, err)
	assert.Equal(t, catalog.StatusAccepted, got.Status)

	load, err := c.ProviderLoad(ctx, v1.ID)
	require.NoError(t, err)
	assert.Equal(t, catalog.Load{Active: 1, Capacity: 2}, load)

	// Withdrawal before the start returns the place; the last one out returns it to the board.
	got, err = c.Withdraw(ctx, d2.ID, v2.ID, catalog.Act{Actor: "vol:v2", Reason: "sick"})
	require.NoError(t, err)
	assert.Equal(t, catalog.StatusClaimed, got.Status)
	got, err = c.Withdraw(ctx, d2.ID, v1.ID, act("vol:v1"))
	require.NoError(t, err)
	assert.Equal(t, catalog.StatusPublished, got.Status)
	assert.Equal(t, b.ID, got.BoardID)
	load, err = c.ProviderLoad(ctx, v1.ID)
	require.NoError(t, err)
	assert.Equal(t, 0, load.Active)
	// A withdrawn provider may claim again.
	_, err = c.Claim(ctx, d2.ID, v1.ID, act("vol:v1"))
	require.NoError(t, err)

	// The full loop on d: claim, start, complete, rate, audit, award.
	_, err = c.Claim(ctx, d.ID, v1.ID, act("vol:v1"))
	require.NoError(t, err)
	_, err = c.Start(ctx, d.ID, act("vol:v1"))
	require.NoError(t, err)
	_, err = c.Complete(ctx, d.ID, []catalog.WorkReport{{ProviderID: v1.ID, Hours: hours("0.5")}}, act("vol:v1"))
	require.NoError(t, err)
	load, err = c.ProviderLoad(ctx, v1.ID)
	require.NoError(t, err)
	assert.Equal(t, 1, load.Active, "completion frees the capacity (d2's claim remains)")
	_, err = c.Rate(ctx, d.ID, 5, "手艺好", act("resident:r1"))
	require.NoError(t, err)
	pv, err := c.Provider(ctx, v1.ID)
	require.NoError(t, err)
	assert.Equal(t, 5.0, pv.RatingAverage())
	_, err = c.Audit(ctx, d.ID, []catalog.AuditDecision{{ProviderID: v1.ID, Approved: true, Hours: hours("0.5")}}, act("auditor"))
	require.NoError(t, err)
	a, err := c.AuditOf(ctx, d.ID, v1.ID)
	require.NoError(t, err)
	assert.True(t, a.Approved)
	assert.True(t, a.Hours.Equal(hours("0.5")))
	assert.False(t, a.Awarded)

	a, err = c.MarkAwarded(ctx, d.ID, v1.ID, "points")
	require.NoError(t, err)
	assert.True(t, a.Awarded)
	before, err := c.Demand(ctx, d.ID)
	require.NoError(t, err)
	assert.Equal(t, catalog.StatusAwarded, before.Status)
	a2, err := c.MarkAwarded(ctx, d.ID, v1.ID, "points")
	require.NoError(t, err, "marking twice is idempotent")
	assert.Equal(t, a.AwardedAt, a2.AwardedAt)
	after, err := c.Demand(ctx, d.ID)
	require.NoError(t, err)
	assert.Equal(t, before.Version, after.Version, "an idempotent repeat writes nothing")

	// Every move is an event; Seq equals the version it produced; From/To follow the table.
	evs, err := c.History(ctx, d.ID, 0, catalog.PageSizeMax)
	require.NoError(t, err)
	require.Len(t, evs, int(after.Version))
	wantActions := []catalog.Action{catalog.ActionCreate, catalog.ActionSubmit, catalog.ActionPublish, catalog.ActionClaim,
		catalog.ActionStart, catalog.ActionComplete, catalog.ActionRate, catalog.ActionAudit, catalog.ActionAward}
	for i, e := range evs {
		assert.Equal(t, uint64(i+1), e.Seq)
		assert.Equal(t, wantActions[i], e.Action)
		assert.NotEmpty(t, e.Actor)
		assert.False(t, e.At.IsZero())
		if i > 0 {
			assert.True(t, catalog.CanTransition(e.From, e.Action, e.To), "event %d %s->%s", i, e.From, e.To)
			assert.Equal(t, evs[i-1].To, e.From)
		}
	}
	assert.Equal(t, catalog.StatusAwarded, evs[len(evs)-1].To)
	page, err := c.History(ctx, d.ID, 7, 1)
	require.NoError(t, err)
	require.Len(t, page, 1)
	assert.Equal(t, uint64(8), page[0].Seq)

	// Dispatch: only named providers accept.
	d3 := f.OpenWish(t, Wish("r3"))
	_, err = c.Dispatch(ctx, d3.ID, []uuid.UUID{v2.ID}, act("community"))
	require.NoError(t, err)
	_, err = c.Claim(ctx, d3.ID, v1.ID, act("vol:v1"))
	assert.ErrorIs(t, err, catalog.ErrIneligible, "a provider not dispatched to")
	_, err = c.Claim(ctx, d3.ID, v2.ID, act("vol:v2"))
	require.NoError(t, err)
	got, err = c.Withdraw(ctx, d3.ID, v2.ID, act("vol:v2"))
	require.NoError(t, err)
	assert.Equal(t, catalog.StatusDispatched, got.Status, "withdrawal returns a dispatched demand to its dispatch")

	// Dispatch is the community's decision: a provider it names need not list the skills (a
	// unit chosen by its function), though it must on a board.
	d4 := f.OpenWish(t, Wish("r4"))
	unskilled := Volunteer("v-unskilled")
	unskilled.Skills = []catalog.Skill{"tutoring"}
	unskilled = f.Register(t, unskilled)
	require.ErrorIs(t, catalog.Eligible(d4, unskilled), catalog.ErrIneligible)
	_, err = c.Dispatch(ctx, d4.ID, []uuid.UUID{unskilled.ID}, act("community"))
	require.NoError(t, err)
	_, err = c.Claim(ctx, d4.ID, unskilled.ID, act("vol:v-unskilled"))
	require.NoError(t, err, "a dispatched provider accepts without the listed skills")

	// Cancel releases claims.
	_, err = c.Claim(ctx, d3.ID, v2.ID, act("vol:v2"))
	require.NoError(t, err)
	_, err = c.Cancel(ctx, d3.ID, catalog.Act{Actor: "resident:r3", Reason: "已自行解决"})
	require.NoError(t, err)
	load, err = c.ProviderLoad(ctx, v2.ID)
	require.NoError(t, err)
	assert.Equal(t, 0, load.Active)
	cls, err := c.Claims(ctx, d3.ID)
	require.NoError(t, err)
	require.Len(t, cls, 1)
	assert.Equal(t, catalog.ClaimReleased, cls[0].State)

	// Provider claims and load listing.
	pc, err := c.ProviderClaims(ctx, v1.ID, catalog.ClaimQuery{ActiveOnly: true})
	require.NoError(t, err)
	require.Len(t, pc.Claims, 1)
	assert.Equal(t, d2.ID, pc.Claims[0].DemandID)
	pc, err = c.ProviderClaims(ctx, v1.ID, catalog.ClaimQuery{})
	require.NoError(t, err)
	assert.Len(t, pc.Claims, 2)
}

// testClaimByFunction checks 职能分工 on boards: a co-building unit whose function the taxonomy
// lists for a category claims its demands without the listed skills; a unit without such a
// function needs the skills like anyone else, and a volunteer always does.
func testClaimByFunction(t *testing.T, s catalog.Store) {
	ctx := context.Background()
	f := NewFixture(t, s)
	c := f.Cat
	unit := func(name string, fns ...catalog.Function) catalog.Provider {
		return f.Register(t, catalog.Provider{Kind: catalog.Unit, Name: name, Functions: fns,
			Skills: []catalog.Skill{"haircut"}, Home: GridA1, Capacity: 5})
	}
	housing := unit("区住建局", catalog.FunctionHousing)
	education := unit("区教育局", catalog.FunctionEducation)
	farAway := f.Register(t, catalog.Provider{Kind: catalog.Unit, Name: "外社区物业", Functions: []catalog.Function{catalog.FunctionHousing},
		Home: catalog.GridPath("幸福街道/和平社区/1网格"), Capacity: 5})

	p := Wish("r1")
	p.Kind, p.Title, p.Category, p.Budget, p.Headcount = catalog.Project, "加装电梯", "renovation", hours("5000"), 3
	p = f.OpenWish(t, p)
	require.Equal(t, []catalog.Skill{"construction"}, p.Skills)
	now := f.Clock.Now()
	_, err := c.PublishBoard(ctx, catalog.BoardSpec{Name: "季度项目榜", Kind: catalog.BoardBigItems, Scope: Street,
		OpensAt: now, ClosesAt: now.Add(30 * 24 * time.Hour), Demands: []uuid.UUID{p.ID}, Actor: "street"})
	require.NoError(t, err)
	p, err = c.Demand(ctx, p.ID)
	require.NoError(t, err)

	tax := c.Taxonomy()
	require.ErrorIs(t, catalog.Eligible(p, housing), catalog.ErrIneligible, "the skill rules alone refuse it")
	require.NoError(t, tax.Eligible(p, housing), "the taxonomy's function fit admits it")
	require.ErrorIs(t, tax.Eligible(p, education), catalog.ErrIneligible)

	before := snap(t, f, p.ID)
	_, err = c.Claim(ctx, p.ID, education.ID, act("unit:education"))
	require.ErrorIs(t, err, catalog.ErrIneligible, "no fitting function and none of the skills")
	_, err = c.Claim(ctx, p.ID, farAway.ID, act("unit:far"))
	require.ErrorIs(t, err, catalog.ErrIneligible, "a fitting function does not widen the service area")
	assert.Equal(t, before, snap(t, f, p.ID), "refused claims change nothing")
	cl, err := c.Claim(ctx, p.ID, housing.ID, act("unit:housing"))
	require.NoError(t, err, "a fitting function stands in for the skills")
	assert.Equal(t, housing.ID, cl.ProviderID)
	got, err := c.Demand(ctx, p.ID)
	require.NoError(t, err)
	assert.Equal(t, catalog.StatusClaimed, got.Status)
	assert.Equal(t, 1, got.Filled)

	// A volunteer still needs the skills, even in a category units serve by function.
	w := Wish("r2")
	w.Title, w.Category = "咨询遗产纠纷", "legal"
	w = f.OpenWish(t, w)
	f.Board(t, w.ID)
	_, err = c.Claim(ctx, w.ID, f.Register(t, Volunteer("v1")).ID, act("vol:v1"))
	require.ErrorIs(t, err, catalog.ErrIneligible, "a volunteer without legal_advice")
	lawyer := Volunteer("v2")
	lawyer.Skills = []catalog.Skill{"legal_advice"}
	_, err = c.Claim(ctx, w.ID, f.Register(t, lawyer).ID, act("vol:v2"))
	require.NoError(t, err)
}

// snapshot is everything a refused move must leave untouched.
type snapshot struct {
	demand catalog.Demand
	claims []catalog.Claim
	events int
}

func snap(t *testing.T, f *Fixture, id uuid.UUID) snapshot {
	t.Helper()
	ctx := context.Background()
	d, err := f.Store.Demand(ctx, id)
	require.NoError(t, err)
	cls, err := f.Store.Claims(ctx, id)
	require.NoError(t, err)
	evs, err := f.Store.Events(ctx, id, 0, catalog.PageSizeMax)
	require.NoError(t, err)
	return snapshot{normDemand(d), cls, len(evs)}
}

func testRejections(t *testing.T, open func(t *testing.T) catalog.Store) {
	ctx := context.Background()
	type env struct {
		f      *Fixture
		d      catalog.Demand
		v      catalog.Provider
		board  catalog.Board
		otherV catalog.Provider
	}
	setup := func(t *testing.T) env {
		f := NewFixture(t, open(t))
		d := f.OpenWish(t, Wish("r1"))
		v := f.Register(t, Volunteer("v1"))
		o := f.Register(t, Volunteer("v2"))
		b := f.Board(t, d.ID)
		return env{f: f, d: d, v: v, board: b, otherV: o}
	}
	cases := []struct {
		name string
		run  func(t *testing.T, e env) (uuid.UUID, error)
		want error
	}{
		{"rate before completion", func(t *testing.T, e env) (uuid.UUID, error) {
			_, err := e.f.Cat.Rate(ctx, e.d.ID, 5, "", act("r1"))
			return e.d.ID, err
		}, catalog.ErrInvalidTransition},
		{"start unclaimed", func(t *testing.T, e env) (uuid.UUID, error) {
			_, err := e.f.Cat.Start(ctx, e.d.ID, act("x"))
			return e.d.ID, err
		}, catalog.ErrInvalidTransition},
		{"submit twice", func(t *testing.T, e env) (uuid.UUID, error) {
			_, err := e.f.Cat.Submit(ctx, e.d.ID, act("x"))
			return e.d.ID, err
		}, catalog.ErrInvalidTransition},
		{"audit unfinished", func(t *testing.T, e env) (uuid.UUID, error) {
			_, err := e.f.Cat.Audit(ctx, e.d.ID, []catalog.AuditDecision{{ProviderID: e.v.ID, Approved: true, Hours: hours("1")}}, act("x"))
			return e.d.ID, err
		}, catalog.ErrInvalidTransition},
		{"award unaudited", func(t *testing.T, e env) (uuid.UUID, error) {
			_, err := e.f.Cat.MarkAwarded(ctx, e.d.ID, e.v.ID, "points")
			return e.d.ID, err
		}, catalog.ErrInvalidTransition},
		{"stale version", func(t *testing.T, e env) (uuid.UUID, error) {
			_, err := e.f.Cat.Cancel(ctx, e.d.ID, catalog.Act{Actor: "x", Reason: "r", Version: e.d.Version})
			return e.d.ID, err
		}, catalog.ErrVersionConflict},
		{"cancel without reason", func(t *testing.T, e env) (uuid.UUID, error) {
			_, err := e.f.Cat.Cancel(ctx, e.d.ID, act("x"))
			return e.d.ID, err
		}, catalog.ErrInvalid},
		{"self claim", func(t *testing.T, e env) (uuid.UUID, error) {
			p := e.f.Register(t, Volunteer("r1"))
			_, err := e.f.Cat.Claim(ctx, e.d.ID, p.ID, act("x"))
			return e.d.ID, err
		}, catalog.ErrSelfClaim},
		{"self claim by team member", func(t *testing.T, e env) (uuid.UUID, error) {
			p := Volunteer("")
			p.Kind, p.Members = catalog.Team, []catalog.Member{{PersonID: "r1"}}
			p = e.f.Register(t, p)
			_, err := e.f.Cat.Claim(ctx, e.d.ID, p.ID, act("x"))
			return e.d.ID, err
		}, catalog.ErrSelfClaim},
		{"missing skill", func(t *testing.T, e env) (uuid.UUID, error) {
			p := Volunteer("v9")
			p.Skills = []catalog.Skill{"tutoring"}
			p = e.f.Register(t, p)
			_, err := e.f.Cat.Claim(ctx, e.d.ID, p.ID, act("x"))
			return e.d.ID, err
		}, catalog.ErrIneligible},
		{"outside service area", func(t *testing.T, e env) (uuid.UUID, error) {
			p := Volunteer("v9")
			p.Home = CommunityB
			p = e.f.Register(t, p)
			_, err := e.f.Cat.Claim(ctx, e.d.ID, p.ID, act("x"))
			return e.d.ID, err
		}, catalog.ErrIneligible},
		{"duplicate claim", func(t *testing.T, e env) (uuid.UUID, error) {
			w := Wish("r2")
			w.Headcount = 2
			d := e.f.OpenWish(t, w)
			_, err := e.f.Cat.Publish(ctx, e.board.ID, d.ID, act("x"))
			require.NoError(t, err)
			_, err = e.f.Cat.Claim(ctx, d.ID, e.v.ID, act("x"))
			require.NoError(t, err)
			_, err = e.f.Cat.Claim(ctx, d.ID, e.v.ID, act("x"))
			return d.ID, err
		}, catalog.ErrDuplicateClaim},
		{"headcount full", func(t *testing.T, e env) (uuid.UUID, error) {
			_, err := e.f.Cat.Claim(ctx, e.d.ID, e.v.ID, act("x"))
			require.NoError(t, err)
			_, err = e.f.Cat.Claim(ctx, e.d.ID, e.otherV.ID, act("x"))
			return e.d.ID, err
		}, catalog.ErrHeadcountFull},
		{"capacity", func(t *testing.T, e env) (uuid.UUID, error) {
			p := Volunteer("v9")
			p.Capacity = 1
			p = e.f.Register(t, p)
			d2 := e.f.OpenWish(t, Wish("r2"))
			_, err := e.f.Cat.Publish(ctx, e.board.ID, d2.ID, act("x"))
			require.NoError(t, err)
			_, err = e.f.Cat.Claim(ctx, d2.ID, p.ID, act("x"))
			require.NoError(t, err)
			_, err = e.f.Cat.Claim(ctx, e.d.ID, p.ID, act("x"))
			return e.d.ID, err
		}, catalog.ErrCapacity},
		{"paused provider", func(t *testing.T, e env) (uuid.UUID, error) {
			p := Volunteer("v9")
			p.Capacity = 0
			p = e.f.Register(t, p)
			_, err := e.f.Cat.Claim(ctx, e.d.ID, p.ID, act("x"))
			return e.d.ID, err
		}, catalog.ErrCapacity},
		{"board closed", func(t *testing.T, e env) (uuid.UUID, error) {
			e.f.Clock.Advance(31 * 24 * time.Hour)
			_, err := e.f.Cat.Claim(ctx, e.d.ID, e.v.ID, act("x"))
			return e.d.ID, err
		}, catalog.ErrBoardClosed},
		{"volunteer on a project", func(t *testing.T, e env) (uuid.UUID, error) {
			d := Wish("r2")
			d.Kind, d.Category, d.Budget, d.Skills = catalog.Project, "renovation", hours("5000"), []catalog.Skill{"haircut"}
			d = e.f.OpenWish(t, d)
			now := e.f.Clock.Now()
			_, err := e.f.Cat.PublishBoard(ctx, catalog.BoardSpec{Name: "季度项目榜", Kind: catalog.BoardBigItems, Scope: Street,
				OpensAt: now, ClosesAt: now.Add(time.Hour), Demands: []uuid.UUID{d.ID}, Actor: "x"})
			require.NoError(t, err)
			_, err = e.f.Cat.Claim(ctx, d.ID, e.v.ID, act("x"))
			return d.ID, err
		}, catalog.ErrIneligible},
		{"unknown provider", func(t *testing.T, e env) (uuid.UUID, error) {
			_, err := e.f.Cat.Claim(ctx, e.d.ID, uuid.New(), act("x"))
			return e.d.ID, err
		}, catalog.ErrNotFound},
		{"withdraw without claim", func(t *testing.T, e env) (uuid.UUID, error) {
			w := Wish("r2")
			w.Headcount = 2
			d := e.f.OpenWish(t, w)
			_, err := e.f.Cat.Publish(ctx, e.board.ID, d.ID, act("x"))
			require.NoError(t, err)
			_, err = e.f.Cat.Claim(ctx, d.ID, e.v.ID, act("x"))
			require.NoError(t, err)
			_, err = e.f.Cat.Withdraw(ctx, d.ID, e.otherV.ID, act("x"))
			return d.ID, err
		}, catalog.ErrNotFound},
		{"complete with wrong provider", func(t *testing.T, e env) (uuid.UUID, error) {
			_, err := e.f.Cat.Claim(ctx, e.d.ID, e.v.ID, act("x"))
			require.NoError(t, err)
			_, err = e.f.Cat.Start(ctx, e.d.ID, act("x"))
			require.NoError(t, err)
			_, err = e.f.Cat.Complete(ctx, e.d.ID, []catalog.WorkReport{{ProviderID: e.otherV.ID, Hours: hours("1")}}, act("x"))
			return e.d.ID, err
		}, catalog.ErrInvalid},
		{"complete with bad hours", func(t *testing.T, e env) (uuid.UUID, error) {
			_, err := e.f.Cat.Claim(ctx, e.d.ID, e.v.ID, act("x"))
			require.NoError(t, err)
			_, err = e.f.Cat.Start(ctx, e.d.ID, act("x"))
			require.NoError(t, err)
			_, err = e.f.Cat.Complete(ctx, e.d.ID, []catalog.WorkReport{{ProviderID: e.v.ID, Hours: hours("0.333")}}, act("x"))
			return e.d.ID, err
		}, catalog.ErrInvalid},
		{"rating out of range", func(t *testing.T, e env) (uuid.UUID, error) {
			_, err := e.f.Cat.Rate(ctx, e.d.ID, 6, "", act("x"))
			return e.d.ID, err
		}, catalog.ErrInvalid},
		{"rejection without reason", func(t *testing.T, e env) (uuid.UUID, error) {
			_, err := e.f.Cat.Audit(ctx, e.d.ID, []catalog.AuditDecision{{ProviderID: e.v.ID}}, act("x"))
			return e.d.ID, err
		}, catalog.ErrInvalid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := setup(t)
			// The case's own setup may change things; compare against the state just before the
			// refused call by snapshotting lazily: run it, then check the demand did not move
			// past what its setup left (events all end in a legal state and nothing half-written).
			id, err := tc.run(t, e)
			require.ErrorIs(t, err, tc.want)
			after := snap(t, e.f, id)
			assert.Equal(t, int(after.demand.Version), after.events, "one event per version: nothing half-written")
			active := 0
			for _, cl := range after.claims {
				if cl.State == catalog.ClaimActive {
					active++
				}
			}
			if after.demand.Status.Claimable() || after.demand.Status == catalog.StatusAccepted || after.demand.Status == catalog.StatusInProgress {
				assert.Equal(t, after.demand.Filled, active, "filled matches active claims")
			}
		})
	}

	// A refused move changes nothing at all: compare full snapshots around one refusal of each kind.
	t.Run("refusals change nothing", func(t *testing.T) {
		e := setup(t)
		before := snap(t, e.f, e.d.ID)
		_, err := e.f.Cat.Rate(ctx, e.d.ID, 3, "", act("x"))
		require.ErrorIs(t, err, catalog.ErrInvalidTransition)
		_, err = e.f.Cat.Complete(ctx, e.d.ID, []catalog.WorkReport{{ProviderID: e.v.ID, Hours: hours("1")}}, act("x"))
		require.ErrorIs(t, err, catalog.ErrInvalidTransition)
		_, err = e.f.Cat.Cancel(ctx, e.d.ID, catalog.Act{Actor: "x", Reason: "r", Version: 99})
		require.ErrorIs(t, err, catalog.ErrVersionConflict)
		assert.Equal(t, before, snap(t, e.f, e.d.ID))
		pv, err := e.f.Cat.Provider(ctx, e.v.ID)
		require.NoError(t, err)
		assert.Equal(t, e.v.Version, pv.Version, "provider untouched")
	})
}

func testBoards(t *testing.T, s catalog.Store) {
	ctx := context.Background()
	f := NewFixture(t, s)
	c := f.Cat
	d1 := f.OpenWish(t, Wish("r1"))
	d2 := f.OpenWish(t, Wish("r2"))
	two := Wish("r5")
	two.Headcount = 2
	d5 := f.OpenWish(t, two)
	draft, err := c.CreateDemand(ctx, Wish("r3"), "x")
	require.NoError(t, err)
	outside := Wish("r4")
	outside.Location.Grid = CommunityB + "/1网格"
	out := f.OpenWish(t, outside)

	now := f.Clock.Now()
	spec := catalog.BoardSpec{Name: "五月微心愿榜", Kind: catalog.BoardWishes, Scope: CommunityA, OpensAt: now, ClosesAt: now.Add(time.Hour), Actor: "x"}
	for name, tc := range map[string]struct {
		mutate func(*catalog.BoardSpec)
		want   error
	}{
		"draft demand":     {func(s *catalog.BoardSpec) { s.Demands = []uuid.UUID{d1.ID, draft.ID} }, catalog.ErrInvalidTransition},
		"outside scope":    {func(s *catalog.BoardSpec) { s.Demands = []uuid.UUID{d1.ID, out.ID} }, catalog.ErrInvalid},
		"repeated demand":  {func(s *catalog.BoardSpec) { s.Demands = []uuid.UUID{d1.ID, d1.ID} }, catalog.ErrInvalid},
		"unknown demand":   {func(s *catalog.BoardSpec) { s.Demands = []uuid.UUID{d1.ID, uuid.New()} }, catalog.ErrNotFound},
		"closes in past":   {func(s *catalog.BoardSpec) { s.ClosesAt = now.Add(-time.Hour); s.OpensAt = now.Add(-2 * time.Hour) }, catalog.ErrInvalid},
		"no name":          {func(s *catalog.BoardSpec) { s.Name = "" }, catalog.ErrInvalid},
		"wrong board kind": {func(s *catalog.BoardSpec) { s.Kind = catalog.BoardBigItems; s.Demands = []uuid.UUID{d1.ID} }, catalog.ErrInvalid},
	} {
		t.Run(name, func(t *testing.T) {
			sp := spec
			tc.mutate(&sp)
			_, err := c.PublishBoard(ctx, sp)
			require.ErrorIs(t, err, tc.want)
			got, err := c.Demand(ctx, d1.ID)
			require.NoError(t, err)
			assert.Equal(t, catalog.StatusOpen, got.Status, "all or nothing: d1 stays open")
		})
	}

	spec.Demands = []uuid.UUID{d1.ID, d2.ID, d5.ID}
	b, err := c.PublishBoard(ctx, spec)
	require.NoError(t, err)
	list, err := c.Boards(ctx, catalog.BoardQuery{Scope: Street, OpenAt: now})
	require.NoError(t, err)
	require.Len(t, list.Boards, 1)
	assert.Equal(t, b.ID, list.Boards[0].ID)
	page, err := c.Demands(ctx, catalog.DemandQuery{BoardID: b.ID, Statuses: catalog.OpenStatuses})
	require.NoError(t, err)
	assert.ElementsMatch(t, []uuid.UUID{d1.ID, d2.ID, d5.ID}, ids(page.Demands))

	v := f.Register(t, Volunteer("v1"))
	_, err = c.Claim(ctx, d1.ID, v.ID, act("v"))
	require.NoError(t, err)
	_, err = c.Claim(ctx, d5.ID, v.ID, act("v"))
	require.NoError(t, err)
	partly, err := c.Demand(ctx, d5.ID)
	require.NoError(t, err)
	require.Equal(t, catalog.StatusClaimed, partly.Status, "one of two places taken")

	closed, err := c.CloseBoard(ctx, b.ID, "community")
	require.NoError(t, err)
	assert.True(t, closed.Closed)
	again, err := c.CloseBoard(ctx, b.ID, "community")
	require.NoError(t, err, "closing a closed board is a no-op")
	assert.Equal(t, closed.Version, again.Version)

	got, err := c.Demand(ctx, d2.ID)
	require.NoError(t, err)
	assert.Equal(t, catalog.StatusOpen, got.Status, "unclaimed demands return to Open when the board closes")
	assert.Equal(t, uuid.Nil, got.BoardID)
	got, err = c.Demand(ctx, d1.ID)
	require.NoError(t, err)
	assert.Equal(t, catalog.StatusAccepted, got.Status, "claimed demands stay with their providers")

	// A partly claimed demand stays Claimed, but its version moved: a claim that read the
	// board open before the close (here: computed against the old version) conflicts, and a
	// fresh one finds the board closed. No claim lands after a close.
	got, err = c.Demand(ctx, d5.ID)
	require.NoError(t, err)
	assert.Equal(t, catalog.StatusClaimed, got.Status)
	assert.Equal(t, partly.Version+1, got.Version)
	v2 := f.Register(t, Volunteer("v2"))
	_, err = c.Claim(ctx, d5.ID, v2.ID, catalog.Act{Actor: "v2", Version: partly.Version})
	assert.ErrorIs(t, err, catalog.ErrVersionConflict)
	_, err = c.Claim(ctx, d5.ID, v2.ID, act("v2"))
	assert.ErrorIs(t, err, catalog.ErrBoardClosed)
	hist, err := c.History(ctx, d5.ID, 0, 0)
	require.NoError(t, err)
	last := hist[len(hist)-1]
	assert.Equal(t, catalog.ActionUnpublish, last.Action)
	assert.Equal(t, catalog.StatusClaimed, last.From)
	assert.Equal(t, catalog.StatusClaimed, last.To)

	_, err = c.Publish(ctx, b.ID, d2.ID, act("x"))
	assert.ErrorIs(t, err, catalog.ErrBoardClosed)
	got, err = c.Withdraw(ctx, d1.ID, v.ID, act("v"))
	require.NoError(t, err)
	assert.Equal(t, catalog.StatusOpen, got.Status, "withdrawal from a closed board returns the demand to Open")
	list, err = c.Boards(ctx, catalog.BoardQuery{OpenAt: now})
	require.NoError(t, err)
	assert.Empty(t, list.Boards)
}

func testExpiry(t *testing.T, s catalog.Store) {
	ctx := context.Background()
	f := NewFixture(t, s)
	now := f.Clock.Now()
	due := Wish("r1")
	due.Deadline = now.Add(24 * time.Hour)
	d1 := f.OpenWish(t, due)
	d2 := f.OpenWish(t, due)
	later := Wish("r2")
	later.Deadline = now.Add(72 * time.Hour)
	d3 := f.OpenWish(t, later)
	claimed := f.OpenWish(t, due)
	f.Board(t, d2.ID, claimed.ID)
	v := f.Register(t, Volunteer("v1"))
	_, err := f.Cat.Claim(ctx, claimed.ID, v.ID, act("v"))
	require.NoError(t, err)

	n, err := f.Cat.ExpireDue(ctx, now.Add(time.Hour))
	require.NoError(t, err)
	assert.Equal(t, 0, n, "nothing due yet")
	n, err = f.Cat.ExpireDue(ctx, now.Add(25*time.Hour))
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	for id, want := range map[uuid.UUID]catalog.Status{d1.ID: catalog.StatusExpired, d2.ID: catalog.StatusExpired, d3.ID: catalog.StatusOpen, claimed.ID: catalog.StatusAccepted} {
		got, err := f.Cat.Demand(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, want, got.Status)
	}
	evs, err := f.Cat.History(ctx, d1.ID, 0, 10)
	require.NoError(t, err)
	last := evs[len(evs)-1]
	assert.Equal(t, catalog.ActionExpire, last.Action)
	assert.Equal(t, catalog.ActorSystem, last.Actor)
	n, err = f.Cat.ExpireDue(ctx, now.Add(25*time.Hour))
	require.NoError(t, err)
	assert.Equal(t, 0, n, "expiring again does nothing")
}

func testConcurrentClaims(t *testing.T, open func(t *testing.T) catalog.Store) {
	const claimers = 50
	for _, headcount := range []int{1, 7} {
		t.Run("headcount "+string(rune('0'+headcount)), func(t *testing.T) {
			ctx := context.Background()
			f := NewFixture(t, open(t))
			w := Wish("r1")
			w.Headcount = headcount
			d := f.OpenWish(t, w)
			f.Board(t, d.ID)
			vs := make([]catalog.Provider, claimers)
			for i := range vs {
				vs[i] = f.Register(t, Volunteer("v"+sprintID(uuid.New())))
			}
			errs := make([]error, claimers)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range vs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					_, errs[i] = f.Cat.Claim(ctx, d.ID, vs[i].ID, act("v"))
				}()
			}
			close(start)
			wg.Wait()
			won := 0
			for _, err := range errs {
				if err == nil {
					won++
				} else {
					assert.ErrorIs(t, err, catalog.ErrHeadcountFull)
				}
			}
			assert.Equal(t, headcount, won, "exactly headcount claimers win")
			got, err := f.Cat.Demand(ctx, d.ID)
			require.NoError(t, err)
			assert.Equal(t, catalog.StatusAccepted, got.Status)
			assert.Equal(t, headcount, got.Filled)
			cls, err := f.Cat.Claims(ctx, d.ID)
			require.NoError(t, err)
			assert.Len(t, cls, headcount)
		})
	}
	t.Run("capacity", func(t *testing.T) {
		ctx := context.Background()
		f := NewFixture(t, open(t))
		p := Volunteer("v1")
		p.Capacity = 3
		v := f.Register(t, p)
		var ds []uuid.UUID
		for i := 0; i < 20; i++ {
			ds = append(ds, f.OpenWish(t, Wish("r")).ID)
		}
		f.Board(t, ds...)
		errs := make([]error, len(ds))
		var wg sync.WaitGroup
		for i := range ds {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = f.Cat.Claim(ctx, ds[i], v.ID, act("v"))
			}()
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			if err == nil {
				won++
			} else {
				assert.ErrorIs(t, err, catalog.ErrCapacity)
			}
		}
		assert.Equal(t, 3, won, "a provider never takes more than its capacity")
		load, err := f.Cat.ProviderLoad(ctx, v.ID)
		require.NoError(t, err)
		assert.Equal(t, 3, load.Active)
	})
}

// testDeadlines checks that a demand whose deadline has come is taken up by no one, whether or
// not ExpireDue has run yet: a claim from its board, an acceptance of its dispatch, a dispatch
// and a publication are all refused with ErrDeadlinePassed and change nothing. The deadline
// binds at the instant ExpireDue would expire the demand (deadline at or before now).
func testDeadlines(t *testing.T, s catalog.Store) {
	ctx := context.Background()
	f := NewFixture(t, s)
	c := f.Cat
	now := f.Clock.Now()
	withDeadline := func(requester string, headcount int) catalog.Demand {
		w := Wish(requester)
		w.Headcount, w.Deadline = headcount, now.Add(24*time.Hour)
		return f.OpenWish(t, w)
	}
	onBoard := withDeadline("r1", 2)   // partly claimed before the deadline
	lateBoard := withDeadline("r2", 1) // claimed just before the deadline
	toAccept := withDeadline("r3", 1)  // dispatched before the deadline, accepted after
	toDispatch := withDeadline("r4", 1)
	toPublish := withDeadline("r5", 1)
	noDeadline := f.OpenWish(t, Wish("r6"))
	v1 := f.Register(t, Volunteer("v1"))
	v2 := f.Register(t, Volunteer("v2"))
	b := f.Board(t, onBoard.ID, lateBoard.ID, noDeadline.ID)
	_, err := c.Claim(ctx, onBoard.ID, v1.ID, act("vol:v1"))
	require.NoError(t, err)
	_, err = c.Dispatch(ctx, toAccept.ID, []uuid.UUID{v2.ID}, act("community"))
	require.NoError(t, err)

	f.Clock.Advance(24*time.Hour - time.Second)
	_, err = c.Claim(ctx, lateBoard.ID, v1.ID, act("vol:v1"))
	require.NoError(t, err, "a second before the deadline the demand is still claimable")

	f.Clock.Advance(time.Second) // now == deadline: ExpireDue would expire it
	providerVersion := func(id uuid.UUID) uint64 {
		t.Helper()
		p, err := c.Provider(ctx, id)
		require.NoError(t, err)
		return p.Version
	}
	v1Version, v2Version := providerVersion(v1.ID), providerVersion(v2.ID)
	boards, err := c.Boards(ctx, catalog.BoardQuery{})
	require.NoError(t, err)
	for _, tc := range []struct {
		name   string
		demand uuid.UUID
		call   func() error
	}{
		{"claim from the board", onBoard.ID, func() error { _, err := c.Claim(ctx, onBoard.ID, v2.ID, act("vol:v2")); return err }},
		{"accept a dispatch", toAccept.ID, func() error { _, err := c.Claim(ctx, toAccept.ID, v2.ID, act("vol:v2")); return err }},
		{"dispatch", toDispatch.ID, func() error {
			_, err := c.Dispatch(ctx, toDispatch.ID, []uuid.UUID{v2.ID}, act("community"))
			return err
		}},
		{"publish", toPublish.ID, func() error { _, err := c.Publish(ctx, b.ID, toPublish.ID, act("community")); return err }},
		{"publish a board", toPublish.ID, func() error {
			_, err := c.PublishBoard(ctx, catalog.BoardSpec{Name: "六月微心愿榜", Kind: catalog.BoardWishes, Scope: CommunityA,
				OpensAt: f.Clock.Now(), ClosesAt: f.Clock.Now().Add(time.Hour), Demands: []uuid.UUID{toPublish.ID}, Actor: "community"})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := snap(t, f, tc.demand)
			err := tc.call()
			require.ErrorIs(t, err, catalog.ErrDeadlinePassed)
			assert.Equal(t, before, snap(t, f, tc.demand), "a refusal changes nothing")
		})
	}
	assert.Equal(t, v1Version, providerVersion(v1.ID), "providers untouched")
	assert.Equal(t, v2Version, providerVersion(v2.ID), "providers untouched")
	after, err := c.Boards(ctx, catalog.BoardQuery{})
	require.NoError(t, err)
	assert.Equal(t, len(boards.Boards), len(after.Boards), "no board published")

	_, err = c.Claim(ctx, noDeadline.ID, v2.ID, act("vol:v2"))
	require.NoError(t, err, "a demand without a deadline is claimable any time")
	got, err := c.Start(ctx, onBoard.ID, act("community"))
	require.NoError(t, err, "a partly claimed demand past its deadline starts with the providers it has")
	assert.Equal(t, 1, got.Filled)

	n, err := c.ExpireDue(ctx, f.Clock.Now())
	require.NoError(t, err)
	assert.Equal(t, 3, n, "the refused demands expire as before")
	for id, want := range map[uuid.UUID]catalog.Status{toAccept.ID: catalog.StatusExpired, toDispatch.ID: catalog.StatusExpired,
		toPublish.ID: catalog.StatusExpired, lateBoard.ID: catalog.StatusAccepted} {
		d, err := c.Demand(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, want, d.Status)
	}
}

// testAuditAllRejected checks that an audit (审核) rejecting every provider closes the loop: the
// demand goes straight to Awarded, since no approved provider is left to award, instead of
// waiting in Audited for a MarkAwarded that could never come. The audits keep the rejections,
// nothing is marked awarded, and a later MarkAwarded changes nothing.
func testAuditAllRejected(t *testing.T, s catalog.Store) {
	ctx := context.Background()
	f := NewFixture(t, s)
	c := f.Cat
	v1 := f.Register(t, Volunteer("v1"))
	v2 := f.Register(t, Volunteer("v2"))
	// done takes a wish of headcount len(ps) through claims, start and completion, and the
	// requester's rating if rated.
	done := func(requester string, rated bool, ps ...catalog.Provider) catalog.Demand {
		t.Helper()
		w := Wish(requester)
		w.Headcount = len(ps)
		d := f.OpenWish(t, w)
		f.Board(t, d.ID)
		var reports []catalog.WorkReport
		for _, p := range ps {
			_, err := c.Claim(ctx, d.ID, p.ID, act("vol"))
			require.NoError(t, err)
			reports = append(reports, catalog.WorkReport{ProviderID: p.ID, Hours: hours("1")})
		}
		_, err := c.Start(ctx, d.ID, act("community"))
		require.NoError(t, err)
		d, err = c.Complete(ctx, d.ID, reports, act("vol"))
		require.NoError(t, err)
		if rated {
			d, err = c.Rate(ctx, d.ID, 2, "没来", act("resident"))
			require.NoError(t, err)
		}
		return d
	}
	reject := func(p catalog.Provider) catalog.AuditDecision {
		return catalog.AuditDecision{ProviderID: p.ID, Reason: "未到场"}
	}

	for _, tc := range []struct {
		name  string
		rated bool
	}{{"rated", true}, {"unrated", false}} {
		t.Run(tc.name, func(t *testing.T) {
			d := done("r-"+tc.name, tc.rated, v1, v2)
			got, err := c.Audit(ctx, d.ID, []catalog.AuditDecision{reject(v1), reject(v2)}, act("auditor"))
			require.NoError(t, err)
			assert.Equal(t, catalog.StatusAwarded, got.Status, "nothing is left to award")
			assert.True(t, got.Status.Terminal())
			evs, err := c.History(ctx, d.ID, 0, catalog.PageSizeMax)
			require.NoError(t, err)
			last := evs[len(evs)-1]
			assert.Equal(t, catalog.ActionAudit, last.Action)
			assert.Equal(t, d.Status, last.From)
			assert.Equal(t, catalog.StatusAwarded, last.To)
			assert.Equal(t, "auditor", last.Actor)
			as, err := c.Audits(ctx, d.ID)
			require.NoError(t, err)
			require.Len(t, as, 2)
			for _, a := range as {
				assert.False(t, a.Approved)
				assert.False(t, a.Awarded)
				assert.Equal(t, "未到场", a.Reason)
			}
			before := snap(t, f, d.ID)
			_, err = c.MarkAwarded(ctx, d.ID, v1.ID, "points")
			require.ErrorIs(t, err, catalog.ErrInvalidTransition, "a closed demand takes no award")
			assert.Equal(t, before, snap(t, f, d.ID))
		})
	}

	t.Run("one of two approved", func(t *testing.T) {
		d := done("r-mixed", true, v1, v2)
		got, err := c.Audit(ctx, d.ID, []catalog.AuditDecision{reject(v1), {ProviderID: v2.ID, Approved: true, Hours: hours("1")}}, act("auditor"))
		require.NoError(t, err)
		assert.Equal(t, catalog.StatusAudited, got.Status, "the approved provider's award is still to come")
		_, err = c.MarkAwarded(ctx, d.ID, v1.ID, "points")
		require.ErrorIs(t, err, catalog.ErrIneligible, "the rejected provider is not awarded")
		_, err = c.MarkAwarded(ctx, d.ID, v2.ID, "points")
		require.NoError(t, err)
		got, err = c.Demand(ctx, d.ID)
		require.NoError(t, err)
		assert.Equal(t, catalog.StatusAwarded, got.Status)
	})
}

// testDispatchNeedsOrganisation checks that a big item (大事项) or a micro-venture project
// (微创投) is dispatched (派单) only to organisations (units, teams, social organisations), the
// rule Claim already applied to its acceptance: a dispatch naming an individual volunteer is
// refused with ErrIneligible and changes nothing, instead of leaving the demand Dispatched to
// providers who may not accept it.
func testDispatchNeedsOrganisation(t *testing.T, s catalog.Store) {
	ctx := context.Background()
	f := NewFixture(t, s)
	c := f.Cat
	vol := f.Register(t, Volunteer("v1"))
	unit := f.Register(t, catalog.Provider{Kind: catalog.Unit, Name: "区住建局", Functions: []catalog.Function{catalog.FunctionHousing},
		Home: CommunityA, Capacity: 5})
	team := Volunteer("")
	team.Kind, team.Name, team.Members = catalog.Team, "红马甲维修队", []catalog.Member{{PersonID: "m1"}}
	team = f.Register(t, team)
	open := func(kind catalog.DemandKind) catalog.Demand {
		d := Wish("r1")
		d.Kind, d.Title, d.Category = kind, "楼道扶手改造", "renovation"
		if kind == catalog.Project {
			d.Budget = hours("5000")
		}
		return f.OpenWish(t, d)
	}
	for _, kind := range []catalog.DemandKind{catalog.MajorItem, catalog.Project} {
		t.Run(kind.String(), func(t *testing.T) {
			d := open(kind)
			for _, tc := range []struct {
				name string
				to   []uuid.UUID
			}{
				{"a volunteer", []uuid.UUID{vol.ID}},
				{"a unit and a volunteer", []uuid.UUID{unit.ID, vol.ID}},
				{"a volunteer before a team", []uuid.UUID{vol.ID, team.ID}},
			} {
				before := snap(t, f, d.ID)
				_, err := c.Dispatch(ctx, d.ID, tc.to, act("community"))
				require.ErrorIs(t, err, catalog.ErrIneligible, tc.name)
				assert.Equal(t, before, snap(t, f, d.ID), "%s: a refusal changes nothing", tc.name)
			}
			got, err := c.Dispatch(ctx, d.ID, []uuid.UUID{unit.ID, team.ID}, act("community"))
			require.NoError(t, err, "organisations only")
			assert.Equal(t, catalog.StatusDispatched, got.Status)
			_, err = c.Claim(ctx, d.ID, unit.ID, act("unit"))
			require.NoError(t, err, "a unit it was dispatched to accepts it without the listed skills")
		})
	}
	t.Run("a wish goes to anyone", func(t *testing.T) {
		d := f.OpenWish(t, Wish("r2"))
		_, err := c.Dispatch(ctx, d.ID, []uuid.UUID{vol.ID}, act("community"))
		require.NoError(t, err)
	})
}
