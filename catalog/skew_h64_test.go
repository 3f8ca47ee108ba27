package catalog_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/catalog/memstore"
	"github.com/tongxin/tongxin/catalog/storetest"
)

// skewed is two catalogs over one store whose clocks differ: B runs a second behind A, as two
// hosts' clocks do.
type skewed struct {
	a, b *catalog.Catalog
	fa   *storetest.Fixture
	clk  *storetest.Clock
}

func newSkewed(t *testing.T) *skewed {
	t.Helper()
	mem := memstore.New()
	clk := storetest.NewClock()
	ids := storetest.SeqIDs()
	a, err := catalog.New(mem, catalog.WithNow(clk.Now), catalog.WithIDs(ids))
	require.NoError(t, err)
	b, err := catalog.New(mem, catalog.WithNow(func() time.Time { return clk.Now().Add(-time.Second) }), catalog.WithIDs(ids))
	require.NoError(t, err)
	return &skewed{a: a, b: b, fa: &storetest.Fixture{Cat: a, Store: mem, Clock: clk}, clk: clk}
}

// board publishes a board opened an hour ago on A's clock, so open on B's too.
func (s *skewed) board(t *testing.T, ids ...uuid.UUID) catalog.Board {
	t.Helper()
	now := s.clk.Now()
	b, err := s.a.PublishBoard(context.Background(), catalog.BoardSpec{
		Name: "榜", Kind: catalog.BoardWishes, Scope: storetest.CommunityA,
		OpensAt: now.Add(-time.Hour), ClosesAt: now.Add(24 * time.Hour), Demands: ids, Actor: "community",
	})
	require.NoError(t, err)
	return b
}

// checkMonotonic checks that a demand's events never go back in time and that its UpdatedAt is
// its last event's time.
func checkMonotonic(t *testing.T, c *catalog.Catalog, id uuid.UUID) {
	t.Helper()
	evs, err := c.History(context.Background(), id, 0, 0)
	require.NoError(t, err)
	for i := 1; i < len(evs); i++ {
		assert.False(t, evs[i].At.Before(evs[i-1].At), "demand %s: event %d (%s) at %s, before event %d (%s) at %s",
			id, evs[i].Seq, evs[i].Action, evs[i].At.Format(time.StampMilli), evs[i-1].Seq, evs[i-1].Action, evs[i-1].At.Format(time.StampMilli))
	}
	d, err := c.Demand(context.Background(), id)
	require.NoError(t, err)
	assert.True(t, d.UpdatedAt.Equal(evs[len(evs)-1].At), "demand %s updated at %s, last event at %s", id, d.UpdatedAt, evs[len(evs)-1].At)
}

// TestSkewedClocksLifecycleMoves: moves alternate between an instance and another whose clock
// runs a second behind. Every move of the lifecycle (submit, dispatch, claim, withdraw, start,
// complete, rate, audit, award, cancel) made by the one behind right after one by the other
// was dated at its own clock, before the other's move: the demand's history went back in time.
// A move is now dated at the clock or, if the demand last moved later, at its last move.
func TestSkewedClocksLifecycleMoves(t *testing.T) {
	ctx := context.Background()
	s := newSkewed(t)
	step := func() { s.clk.Advance(100 * time.Millisecond) }
	v1 := s.fa.Register(t, storetest.Volunteer("v1"))
	v2 := s.fa.Register(t, storetest.Volunteer("v2"))

	// d1: the board loop, to the award.
	d1 := s.fa.OpenWish(t, storetest.Wish("r"))
	s.board(t, d1.ID)
	step()
	_, err := s.b.Claim(ctx, d1.ID, v1.ID, catalog.Act{Actor: "v1"})
	require.NoError(t, err)
	step()
	_, err = s.a.Withdraw(ctx, d1.ID, v1.ID, catalog.Act{Actor: "v1"})
	require.NoError(t, err)
	step()
	_, err = s.b.Claim(ctx, d1.ID, v2.ID, catalog.Act{Actor: "v2"})
	require.NoError(t, err)
	step()
	_, err = s.a.Start(ctx, d1.ID, catalog.Act{Actor: "community"})
	require.NoError(t, err)
	step()
	_, err = s.b.Complete(ctx, d1.ID, []catalog.WorkReport{{ProviderID: v2.ID, Hours: hoursOf("2")}}, catalog.Act{Actor: "v2"})
	require.NoError(t, err)
	step()
	_, err = s.a.Rate(ctx, d1.ID, 5, "谢谢", catalog.Act{Actor: "r"})
	require.NoError(t, err)
	step()
	_, err = s.b.Audit(ctx, d1.ID, []catalog.AuditDecision{{ProviderID: v2.ID, Approved: true, Hours: hoursOf("2")}}, catalog.Act{Actor: "community"})
	require.NoError(t, err)
	step()
	_, err = s.a.Withdraw(ctx, d1.ID, v2.ID, catalog.Act{Actor: "v2"}) // refused: moves nothing
	require.ErrorIs(t, err, catalog.ErrInvalidTransition)
	checkMonotonic(t, s.a, d1.ID)

	// d4: the roles swapped, so B withdraws, starts and rates.
	d4 := s.fa.OpenWish(t, storetest.Wish("r"))
	s.board(t, d4.ID)
	_, err = s.a.Claim(ctx, d4.ID, v1.ID, catalog.Act{Actor: "v1"})
	require.NoError(t, err)
	step()
	_, err = s.b.Withdraw(ctx, d4.ID, v1.ID, catalog.Act{Actor: "v1"})
	require.NoError(t, err)
	step()
	_, err = s.a.Claim(ctx, d4.ID, v1.ID, catalog.Act{Actor: "v1"})
	require.NoError(t, err)
	step()
	_, err = s.b.Start(ctx, d4.ID, catalog.Act{Actor: "community"})
	require.NoError(t, err)
	step()
	_, err = s.a.Complete(ctx, d4.ID, []catalog.WorkReport{{ProviderID: v1.ID, Hours: hoursOf("1")}}, catalog.Act{Actor: "v1"})
	require.NoError(t, err)
	step()
	_, err = s.b.Rate(ctx, d4.ID, 4, "", catalog.Act{Actor: "r"})
	require.NoError(t, err)
	checkMonotonic(t, s.a, d4.ID)

	// d2: a draft submitted, dispatched, accepted and cancelled.
	d2, err := s.a.CreateDemand(ctx, storetest.Wish("r"), "operator")
	require.NoError(t, err)
	step()
	_, err = s.b.Submit(ctx, d2.ID, catalog.Act{Actor: "operator"})
	require.NoError(t, err)
	step()
	_, err = s.a.Dispatch(ctx, d2.ID, []uuid.UUID{v1.ID}, catalog.Act{Actor: "community"})
	require.NoError(t, err)
	step()
	_, err = s.b.Claim(ctx, d2.ID, v1.ID, catalog.Act{Actor: "v1"})
	require.NoError(t, err)
	step()
	_, err = s.a.Withdraw(ctx, d2.ID, v1.ID, catalog.Act{Actor: "v1"})
	require.NoError(t, err)
	step()
	_, err = s.b.Dispatch(ctx, d2.ID, []uuid.UUID{v1.ID}, catalog.Act{Actor: "community"}) // Dispatched already: refused
	require.ErrorIs(t, err, catalog.ErrInvalidTransition)
	_, err = s.a.Claim(ctx, d2.ID, v1.ID, catalog.Act{Actor: "v1"})
	require.NoError(t, err)
	step()
	_, err = s.b.Cancel(ctx, d2.ID, catalog.Act{Actor: "r", Reason: "不需要了"})
	require.NoError(t, err)
	checkMonotonic(t, s.a, d2.ID)
	cls, err := s.a.Claims(ctx, d2.ID)
	require.NoError(t, err)
	for _, cl := range cls {
		assert.False(t, cl.ClosedAt.Before(cl.ClaimedAt), "claim closed at %s before it was made at %s", cl.ClosedAt, cl.ClaimedAt)
	}

	// d3: dispatched by B after A created it, audited by A, the award marked by B.
	d3 := s.fa.OpenWish(t, storetest.Wish("r"))
	step()
	_, err = s.b.Dispatch(ctx, d3.ID, []uuid.UUID{v1.ID}, catalog.Act{Actor: "community"})
	require.NoError(t, err)
	_, err = s.a.Claim(ctx, d3.ID, v1.ID, catalog.Act{Actor: "v1"})
	require.NoError(t, err)
	_, err = s.a.Start(ctx, d3.ID, catalog.Act{Actor: "community"})
	require.NoError(t, err)
	_, err = s.a.Complete(ctx, d3.ID, []catalog.WorkReport{{ProviderID: v1.ID, Hours: hoursOf("1")}}, catalog.Act{Actor: "v1"})
	require.NoError(t, err)
	_, err = s.a.Audit(ctx, d3.ID, []catalog.AuditDecision{{ProviderID: v1.ID, Approved: true, Hours: hoursOf("1")}}, catalog.Act{Actor: "community"})
	require.NoError(t, err)
	step()
	a, err := s.b.MarkAwarded(ctx, d3.ID, v1.ID, "points")
	require.NoError(t, err)
	checkMonotonic(t, s.a, d3.ID)
	got, err := s.a.Demand(ctx, d3.ID)
	require.NoError(t, err)
	assert.Equal(t, catalog.StatusAwarded, got.Status)
	assert.True(t, a.AwardedAt.Equal(got.UpdatedAt), "award marked at the move's date")
}

// TestSkewedClocksDeadlineUsesClock: only the dating of a move follows the demand's last move;
// whether a demand may still be taken up is decided on the instance's own clock. A withdrawal
// at A after the deadline leaves the demand's last move dated after it; B, whose clock is still
// before the deadline, may claim it (its claim is dated at that last move), and A may not.
func TestSkewedClocksDeadlineUsesClock(t *testing.T) {
	ctx := context.Background()
	s := newSkewed(t)
	v1 := s.fa.Register(t, storetest.Volunteer("v1"))
	v2 := s.fa.Register(t, storetest.Volunteer("v2"))
	w := storetest.Wish("r")
	w.Headcount = 2
	w.Deadline = s.clk.Now().Add(500 * time.Millisecond)
	d := s.fa.OpenWish(t, w)
	s.board(t, d.ID)
	_, err := s.a.Claim(ctx, d.ID, v1.ID, catalog.Act{Actor: "v1"})
	require.NoError(t, err)
	s.clk.Advance(700 * time.Millisecond) // A past the deadline, B (at -300ms) before it
	withdrawn, err := s.a.Withdraw(ctx, d.ID, v1.ID, catalog.Act{Actor: "v1"})
	require.NoError(t, err)
	_, err = s.a.Claim(ctx, d.ID, v2.ID, catalog.Act{Actor: "v2"})
	require.ErrorIs(t, err, catalog.ErrDeadlinePassed)
	cl, err := s.b.Claim(ctx, d.ID, v2.ID, catalog.Act{Actor: "v2"})
	require.NoError(t, err)
	assert.True(t, cl.ClaimedAt.Equal(withdrawn.UpdatedAt), "claimed at %s, last move at %s", cl.ClaimedAt, withdrawn.UpdatedAt)
	checkMonotonic(t, s.a, d.ID)
}
