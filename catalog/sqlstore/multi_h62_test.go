package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/catalog/storetest"
)

// These tests play two application instances sharing one PostgreSQL catalog database: two
// Stores (two connection pools) on one fresh schema and a *catalog.Catalog over each, with one
// shared clock. They race the moves that two replicas of the service make at once and check
// the end state against a simple model of what must have happened.

// replicas is two catalogs over two stores on one PostgreSQL schema.
type replicas struct {
	f    *storetest.Fixture // instance A: f.Cat over f.Store
	cats [2]*catalog.Catalog
	clk  *storetest.Clock
}

func newReplicas(t *testing.T) *replicas {
	t.Helper()
	a, dsn := openPostgres(t)
	b := openPostgresAt(t, dsn)
	f := storetest.NewFixture(t, a)
	ids := storetest.SeqIDs()
	second, err := catalog.New(b, catalog.WithNow(f.Clock.Now), catalog.WithIDs(func() uuid.UUID {
		id := ids()
		id[0] = 0xff // apart from instance A's ids
		return id
	}))
	require.NoError(t, err)
	return &replicas{f: f, cats: [2]*catalog.Catalog{f.Cat, second}, clk: f.Clock}
}

// race runs fns at once, each on its own goroutine, released together; it returns their errors.
func race(fns ...func() error) []error {
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, fn := range fns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = fn()
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

func actor(a string) catalog.Act { return catalog.Act{Actor: a} }

// winners counts the nil errors and checks every other one is want.
func winners(t *testing.T, errs []error, want error) int {
	t.Helper()
	n := 0
	for _, err := range errs {
		if err == nil {
			n++
			continue
		}
		if !errors.Is(err, want) {
			t.Errorf("loser's error %v, want %v", err, want)
		}
	}
	return n
}

// TestReplicasClaimSameDemand: two providers claim (揭榜) the same one-place demand, one through
// each instance, at once; exactly one wins and the other gets ErrHeadcountFull.
func TestReplicasClaimSameDemand(t *testing.T) {
	ctx := context.Background()
	r := newReplicas(t)
	const rounds = 25
	var ds, ps []uuid.UUID
	for i := 0; i < 2; i++ {
		p := storetest.Volunteer(fmt.Sprintf("v%d", i))
		p.Capacity = rounds
		ps = append(ps, r.f.Register(t, p).ID)
	}
	for i := 0; i < rounds; i++ {
		ds = append(ds, r.f.OpenWish(t, storetest.Wish("r")).ID)
	}
	r.f.Board(t, ds...)
	for _, d := range ds {
		errs := race(
			func() error { _, err := r.cats[0].Claim(ctx, d, ps[0], actor("v0")); return err },
			func() error { _, err := r.cats[1].Claim(ctx, d, ps[1], actor("v1")); return err },
		)
		require.Equal(t, 1, winners(t, errs, catalog.ErrHeadcountFull), "demand %s", d)
		got, err := r.cats[1].Demand(ctx, d)
		require.NoError(t, err)
		assert.Equal(t, catalog.StatusAccepted, got.Status)
		assert.Equal(t, 1, got.Filled)
	}
	// The same provider through both instances on a two-place demand: one claim, one duplicate.
	w := storetest.Wish("r")
	w.Headcount = 2
	d2 := r.f.OpenWish(t, w).ID
	r.f.Board(t, d2)
	ds = append(ds, d2)
	errs := race(
		func() error { _, err := r.cats[0].Claim(ctx, d2, ps[0], actor("v0")); return err },
		func() error { _, err := r.cats[1].Claim(ctx, d2, ps[0], actor("v0")); return err },
	)
	assert.Equal(t, 1, winners(t, errs, catalog.ErrDuplicateClaim))
	storetest.CheckAccounting(t, r.cats[1], ds, ps)
}

// TestReplicasCapacity: claims for one provider of capacity 3 come through both instances on
// many demands at once; exactly 3 land, the rest get ErrCapacity.
func TestReplicasCapacity(t *testing.T) {
	ctx := context.Background()
	r := newReplicas(t)
	p := storetest.Volunteer("v")
	p.Capacity = 3
	pid := r.f.Register(t, p).ID
	var ds []uuid.UUID
	for i := 0; i < 16; i++ {
		ds = append(ds, r.f.OpenWish(t, storetest.Wish("r")).ID)
	}
	r.f.Board(t, ds...)
	var fns []func() error
	for i, d := range ds {
		c := r.cats[i%2]
		fns = append(fns, func() error { _, err := c.Claim(ctx, d, pid, actor("v")); return err })
	}
	errs := race(fns...)
	assert.Equal(t, 3, winners(t, errs, catalog.ErrCapacity))
	load, err := r.cats[0].ProviderLoad(ctx, pid)
	require.NoError(t, err)
	assert.Equal(t, catalog.Load{Active: 3, Capacity: 3}, load)
	storetest.CheckAccounting(t, r.cats[1], ds, []uuid.UUID{pid})
}

// TestReplicasDispatchAndClaim: an open demand is dispatched (派单) through one instance while
// the other publishes it on a board: exactly one wins. Then the providers it went to accept it
// through both instances at once, up to its headcount.
func TestReplicasDispatchAndClaim(t *testing.T) {
	ctx := context.Background()
	r := newReplicas(t)
	var ps []uuid.UUID
	for i := 0; i < 4; i++ {
		ps = append(ps, r.f.Register(t, storetest.Volunteer(fmt.Sprintf("v%d", i))).ID)
	}
	board := r.f.Board(t)
	var ds []uuid.UUID
	for round := 0; round < 10; round++ {
		w := storetest.Wish("r")
		w.Headcount = 2
		d := r.f.OpenWish(t, w).ID
		ds = append(ds, d)
		errs := race(
			func() error { _, err := r.cats[0].Dispatch(ctx, d, ps, actor("community")); return err },
			func() error { _, err := r.cats[1].Publish(ctx, board.ID, d, actor("community")); return err },
		)
		require.Equal(t, 1, winners(t, errs, catalog.ErrInvalidTransition), "round %d: %v", round, errs)
		var fns []func() error
		for i, p := range ps {
			c := r.cats[i%2]
			fns = append(fns, func() error { _, err := c.Claim(ctx, d, p, actor("v")); return err })
		}
		errs = race(fns...)
		assert.Equal(t, 2, winners(t, errs, catalog.ErrHeadcountFull), "round %d", round)
		got, err := r.cats[0].Demand(ctx, d)
		require.NoError(t, err)
		assert.Equal(t, catalog.StatusAccepted, got.Status)
		// Withdraw one and let the remaining ones race again for the freed place.
		cls, err := r.cats[0].Claims(ctx, d)
		require.NoError(t, err)
		var holder uuid.UUID
		for _, cl := range cls {
			if cl.State == catalog.ClaimActive {
				holder = cl.ProviderID
				break
			}
		}
		_, err = r.cats[round%2].Withdraw(ctx, d, holder, actor("v"))
		require.NoError(t, err)
		fns = fns[:0]
		for i, p := range ps {
			if p == holder {
				continue
			}
			c := r.cats[i%2]
			fns = append(fns, func() error { _, err := c.Claim(ctx, d, p, actor("v")); return err })
		}
		errs = race(fns...)
		won := 0
		for _, err := range errs {
			if err == nil {
				won++
			} else if !errors.Is(err, catalog.ErrHeadcountFull) && !errors.Is(err, catalog.ErrDuplicateClaim) {
				t.Errorf("round %d: %v", round, err)
			}
		}
		assert.Equal(t, 1, won, "round %d", round)
		// Release the providers for the next round.
		_, err = r.cats[1].Cancel(ctx, d, catalog.Act{Actor: "community", Reason: "test round over"})
		require.NoError(t, err)
	}
	storetest.CheckAccounting(t, r.cats[0], ds, ps)
}

// serve takes a demand through claim, start and completion by providers on instance A.
func (r *replicas) serve(t *testing.T, ps ...uuid.UUID) uuid.UUID {
	t.Helper()
	ctx := context.Background()
	w := storetest.Wish("r")
	w.Headcount = len(ps)
	d := r.f.OpenWish(t, w).ID
	r.f.Board(t, d)
	var reports []catalog.WorkReport
	for _, p := range ps {
		_, err := r.f.Cat.Claim(ctx, d, p, actor("v"))
		require.NoError(t, err)
		reports = append(reports, catalog.WorkReport{ProviderID: p, Hours: decimal.NewFromInt(2)})
	}
	_, err := r.f.Cat.Start(ctx, d, actor("community"))
	require.NoError(t, err)
	_, err = r.f.Cat.Complete(ctx, d, reports, actor("community"))
	require.NoError(t, err)
	return d
}

// TestReplicasRateAuditAwardTwice: the review (评单), the audit (审核) and the award marks are
// each sent through both instances at once (a retried request landing on the other replica);
// each is recorded once, and the providers' ratings count it once.
func TestReplicasRateAuditAwardTwice(t *testing.T) {
	ctx := context.Background()
	r := newReplicas(t)
	var ps []uuid.UUID
	for i := 0; i < 2; i++ {
		p := storetest.Volunteer(fmt.Sprintf("v%d", i))
		p.Capacity = 20
		ps = append(ps, r.f.Register(t, p).ID)
	}
	var ds []uuid.UUID
	for round := 0; round < 8; round++ {
		d := r.serve(t, ps...)
		ds = append(ds, d)
		errs := race(
			func() error { _, err := r.cats[0].Rate(ctx, d, 5, "好", actor("r")); return err },
			func() error { _, err := r.cats[1].Rate(ctx, d, 4, "不错", actor("r")); return err },
		)
		require.Equal(t, 1, winners(t, errs, catalog.ErrInvalidTransition), "round %d", round)
		decisions := []catalog.AuditDecision{
			{ProviderID: ps[0], Approved: true, Hours: decimal.NewFromInt(2)},
			{ProviderID: ps[1], Approved: true, Hours: decimal.NewFromInt(1)},
		}
		errs = race(
			func() error { _, err := r.cats[0].Audit(ctx, d, decisions, actor("auditor")); return err },
			func() error { _, err := r.cats[1].Audit(ctx, d, decisions, actor("auditor")); return err },
		)
		require.Equal(t, 1, winners(t, errs, catalog.ErrInvalidTransition), "round %d", round)
		// Each award marked through both instances at once: idempotent, both succeed.
		var fns []func() error
		for _, p := range ps {
			for _, c := range r.cats {
				fns = append(fns, func() error { _, err := c.MarkAwarded(ctx, d, p, "points"); return err })
			}
		}
		for _, err := range race(fns...) {
			assert.NoError(t, err, "round %d", round)
		}
		got, err := r.cats[1].Demand(ctx, d)
		require.NoError(t, err)
		assert.Equal(t, catalog.StatusAwarded, got.Status)
		evs, err := r.cats[0].History(ctx, d, 0, 0)
		require.NoError(t, err)
		awards := 0
		for _, ev := range evs {
			if ev.Action == catalog.ActionAward {
				awards++
			}
		}
		assert.Equal(t, len(ps), awards, "one award event per provider")
	}
	for _, p := range ps {
		got, err := r.cats[1].Provider(ctx, p)
		require.NoError(t, err)
		assert.Equal(t, len(ds), got.RatingCount, "one rating per demand")
	}
	storetest.CheckAccounting(t, r.cats[0], ds, ps)
}

// TestReplicasExpireDue: both instances run ExpireDue at once; every due demand expires
// exactly once, and the counts they return add up to the number due.
func TestReplicasExpireDue(t *testing.T) {
	ctx := context.Background()
	r := newReplicas(t)
	now := r.clk.Now()
	var due, notDue []uuid.UUID
	var onBoard []uuid.UUID
	for i := 0; i < 60; i++ {
		w := storetest.Wish("r")
		if i%3 != 2 {
			w.Deadline = now.Add(time.Duration(1+i%5) * time.Hour)
		} else {
			w.Deadline = now.Add(48 * time.Hour)
		}
		d := r.f.OpenWish(t, w).ID
		if i%3 != 2 {
			due = append(due, d)
		} else {
			notDue = append(notDue, d)
		}
		if i%2 == 0 {
			onBoard = append(onBoard, d)
		}
	}
	r.f.Board(t, onBoard...)
	at := now.Add(6 * time.Hour)
	var counts [2]int
	errs := race(
		func() (err error) { counts[0], err = r.cats[0].ExpireDue(ctx, at); return err },
		func() (err error) { counts[1], err = r.cats[1].ExpireDue(ctx, at); return err },
	)
	require.NoError(t, errs[0])
	require.NoError(t, errs[1])
	assert.Equal(t, len(due), counts[0]+counts[1], "expired %v", counts)
	for _, d := range due {
		got, err := r.cats[0].Demand(ctx, d)
		require.NoError(t, err)
		assert.Equal(t, catalog.StatusExpired, got.Status)
		evs, err := r.cats[1].History(ctx, d, 0, 0)
		require.NoError(t, err)
		n := 0
		for _, ev := range evs {
			if ev.Action == catalog.ActionExpire {
				n++
			}
		}
		assert.Equal(t, 1, n, "demand %s expired once", d)
	}
	for _, d := range notDue {
		got, err := r.cats[0].Demand(ctx, d)
		require.NoError(t, err)
		assert.NotEqual(t, catalog.StatusExpired, got.Status)
	}
	n, err := r.cats[1].ExpireDue(ctx, at)
	require.NoError(t, err)
	assert.Zero(t, n)
}

// TestReplicasBoard: demands are published on one board through both instances at once while
// providers claim from it and the board is closed through one of them; the board's count and
// its pages agree with the demands' own states, and no claim lands after the close.
func TestReplicasBoard(t *testing.T) {
	ctx := context.Background()
	r := newReplicas(t)
	var ps []uuid.UUID
	for i := 0; i < 4; i++ {
		p := storetest.Volunteer(fmt.Sprintf("v%d", i))
		p.Capacity = 50
		ps = append(ps, r.f.Register(t, p).ID)
	}
	board := r.f.Board(t)
	var ds []uuid.UUID
	for i := 0; i < 40; i++ {
		w := storetest.Wish("r")
		w.Headcount = 2
		ds = append(ds, r.f.OpenWish(t, w).ID)
	}
	var fns []func() error
	for i, d := range ds {
		c := r.cats[i%2]
		fns = append(fns, func() error { _, err := c.Publish(ctx, board.ID, d, actor("community")); return err })
	}
	for _, err := range race(fns...) {
		require.NoError(t, err)
	}
	n, err := r.f.Store.BoardDemandCount(ctx, board.ID, catalog.Statuses(catalog.StatusPublished))
	require.NoError(t, err)
	assert.Equal(t, len(ds), n)

	fns = fns[:0]
	var closedAt time.Time
	for i, d := range ds {
		c := r.cats[i%2]
		p := ps[i%len(ps)]
		fns = append(fns, func() error { _, err := c.Claim(ctx, d, p, actor("v")); return err })
		if i == len(ds)/2 {
			fns = append(fns, func() error {
				b, err := r.cats[1].CloseBoard(ctx, board.ID, "community")
				closedAt = b.ClosedAt
				return err
			})
		}
	}
	for _, err := range race(fns...) {
		if err != nil && !errors.Is(err, catalog.ErrBoardClosed) {
			t.Errorf("claim: %v", err)
		}
	}
	require.False(t, closedAt.IsZero())
	// The model: a demand claimed before the close stays Claimed on the board; any other
	// returned to Open, off it.
	claimed := 0
	for _, d := range ds {
		got, err := r.cats[0].Demand(ctx, d)
		require.NoError(t, err)
		switch got.Status {
		case catalog.StatusClaimed:
			claimed++
			assert.Equal(t, board.ID, got.BoardID)
		case catalog.StatusOpen:
			assert.Equal(t, uuid.Nil, got.BoardID)
			assert.Zero(t, got.Filled)
		default:
			t.Errorf("demand %s %s", d, got.Status)
		}
	}
	for i, c := range r.cats {
		var seen int
		q := catalog.DemandQuery{BoardID: board.ID, Statuses: catalog.OpenStatuses, Limit: 7}
		for {
			page, err := c.Demands(ctx, q)
			require.NoError(t, err)
			seen += len(page.Demands)
			if page.Next == uuid.Nil {
				break
			}
			q.After = page.Next
		}
		assert.Equal(t, claimed, seen, "instance %d pages", i)
		n, err := c.Store().BoardDemandCount(ctx, board.ID, catalog.OpenStatuses)
		require.NoError(t, err)
		assert.Equal(t, claimed, n, "instance %d count", i)
	}
	storetest.CheckAccounting(t, r.cats[0], ds, ps)
}

// TestReplicasVersionedPublishOnSharedBoard: operators at both instances put demands on one
// board at once, each naming the demand version it read (Act.Version). No demand changed, so
// every publication lands; before, each also moved the board's version, and a publication that
// lost the board to another one failed with ErrVersionConflict as if its demand had changed.
// A stale demand version is still refused with ErrVersionConflict, changing nothing.
func TestReplicasVersionedPublishOnSharedBoard(t *testing.T) {
	ctx := context.Background()
	r := newReplicas(t)
	board := r.f.Board(t)
	var ids []uuid.UUID
	for round := 0; round < 10; round++ {
		var ds []catalog.Demand
		for i := 0; i < 4; i++ {
			d := r.f.OpenWish(t, storetest.Wish("r"))
			ds = append(ds, d)
			ids = append(ids, d.ID)
		}
		var fns []func() error
		for i, d := range ds {
			c := r.cats[i%2]
			fns = append(fns, func() error {
				_, err := c.Publish(ctx, board.ID, d.ID, catalog.Act{Actor: "community", Version: d.Version})
				return err
			})
		}
		for i, err := range race(fns...) {
			assert.NoError(t, err, "round %d publication %d", round, i)
		}
	}
	n, err := r.f.Store.BoardDemandCount(ctx, board.ID, catalog.Statuses(catalog.StatusPublished))
	require.NoError(t, err)
	assert.Equal(t, len(ids), n)

	// The demand changed since the caller read it: refused, nothing written.
	d := r.f.OpenWish(t, storetest.Wish("r"))
	_, err = r.cats[0].Cancel(ctx, d.ID, catalog.Act{Actor: "resident", Reason: "不需要了"})
	require.NoError(t, err)
	before, err := r.cats[1].Board(ctx, board.ID)
	require.NoError(t, err)
	_, err = r.cats[1].Publish(ctx, board.ID, d.ID, catalog.Act{Actor: "community", Version: d.Version})
	require.ErrorIs(t, err, catalog.ErrVersionConflict)
	after, err := r.cats[0].Board(ctx, board.ID)
	require.NoError(t, err)
	assert.Equal(t, before.Version, after.Version)
	got, err := r.cats[0].Demand(ctx, d.ID)
	require.NoError(t, err)
	assert.Equal(t, catalog.StatusCancelled, got.Status)
}

// TestReplicasSkewedClocksBoardMoves: the two instances' clocks differ (here instance B runs a
// second behind A, as two hosts' clocks do). A demand moved by A and then put on a board, or
// taken off a closing one, by B got an event dated before A's: its events went back in time
// and its UpdatedAt went back. Publication and closing now date a demand's move at B's clock
// or, if the demand last moved later than that, at its last move, as ExpireDue does.
func TestReplicasSkewedClocksBoardMoves(t *testing.T) {
	ctx := context.Background()
	a, dsn := openPostgres(t)
	b := openPostgresAt(t, dsn)
	clk := storetest.NewClock()
	ids := storetest.SeqIDs()
	catA, err := catalog.New(a, catalog.WithNow(clk.Now), catalog.WithIDs(ids))
	require.NoError(t, err)
	catB, err := catalog.New(b, catalog.WithNow(func() time.Time { return clk.Now().Add(-time.Second) }), catalog.WithIDs(func() uuid.UUID {
		id := ids()
		id[0] = 0xff
		return id
	}))
	require.NoError(t, err)
	fa := &storetest.Fixture{Cat: catA, Store: a, Clock: clk}
	v := fa.Register(t, storetest.Volunteer("v"))

	w := storetest.Wish("r")
	w.Headcount = 2         // one claim leaves it Claimed, which a close moves too
	d1 := fa.OpenWish(t, w) // created on A's clock
	clk.Advance(100 * time.Millisecond)
	d2 := fa.OpenWish(t, storetest.Wish("r"))
	d3 := fa.OpenWish(t, storetest.Wish("r"))
	now := clk.Now()
	board, err := catB.PublishBoard(ctx, catalog.BoardSpec{
		Name: "榜", Kind: catalog.BoardWishes, Scope: storetest.CommunityA,
		OpensAt: now.Add(-time.Hour), ClosesAt: now.Add(24 * time.Hour), Demands: []uuid.UUID{d1.ID}, Actor: "community",
	})
	require.NoError(t, err)
	_, err = catB.Publish(ctx, board.ID, d2.ID, actor("community"))
	require.NoError(t, err)
	_, err = catB.Publish(ctx, board.ID, d3.ID, actor("community"))
	require.NoError(t, err)
	clk.Advance(100 * time.Millisecond)
	_, err = catA.Claim(ctx, d1.ID, v.ID, actor("v")) // on A's clock, ahead of B's
	require.NoError(t, err)
	_, err = catB.CloseBoard(ctx, board.ID, "community") // d1 stays Claimed, d2 and d3 go back to Open
	require.NoError(t, err)

	for _, id := range []uuid.UUID{d1.ID, d2.ID, d3.ID} {
		evs, err := catA.History(ctx, id, 0, 0)
		require.NoError(t, err)
		for i := 1; i < len(evs); i++ {
			assert.False(t, evs[i].At.Before(evs[i-1].At), "demand %s: event %d (%s) at %s, before event %d (%s) at %s",
				id, evs[i].Seq, evs[i].Action, evs[i].At, evs[i-1].Seq, evs[i-1].Action, evs[i-1].At)
		}
		got, err := catB.Demand(ctx, id)
		require.NoError(t, err)
		assert.True(t, got.UpdatedAt.Equal(evs[len(evs)-1].At), "demand %s updated at its last event", id)
	}
}
