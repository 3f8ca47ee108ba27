package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/catalog/sqlstore"
	"github.com/tongxin/tongxin/catalog/storetest"
)

// tickClock gives a strictly increasing time (one microsecond a reading), shared by both
// instances: the order of the readings is an order of the moves, so a claim dated after the
// board's close was judged after it.
type tickClock struct {
	base time.Time
	n    atomic.Int64
}

func (c *tickClock) Now() time.Time { return c.base.Add(time.Duration(c.n.Add(1)) * time.Microsecond) }

// TestTwoCatalogsRaceOneBoardH80 races two catalogs, each over its own handle on one database
// (a SQLite file; PostgreSQL with TONGXIN_POSTGRES_DSN), on a few demands of one board: Claim,
// Withdraw, Dispatch, Cancel, ExpireDue, Publish, Start and CloseBoard from many goroutines on
// the same demands. RaceLifecycle spreads its moves over eight demands and never checks the
// board; here every goroutine hits the same three to six demands, and after the race:
//   - the accounting of storetest.CheckAccounting holds (filled = active claims ≤ headcount,
//     provider load = its active claims ≤ capacity, events one per version along the table);
//   - each demand's status agrees with its claims (Claimed: some places left, Accepted: none,
//     Open/Published/Dispatched/Cancelled/Expired: no active claim) and its board (Published
//     only on the open board, Open on none);
//   - replaying the events (claims, withdrawals, releases) gives the active claims the store
//     holds, provider by provider;
//   - every provider's active claims are listed by ProviderClaims;
//   - a demand's events and a claim's times never go back;
//   - no claim from the board is dated after its close (claims of a demand dispatched since
//     are the dispatch's, not the board's); not checked in the last run, where instance B's
//     clock runs 200 µs behind A's.
func TestTwoCatalogsRaceOneBoardH80(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		for seed := uint64(1); seed <= 3; seed++ {
			a, path := openSQLite(t)
			b, err := sqlstore.OpenSQLite(context.Background(), path)
			require.NoError(t, err)
			t.Cleanup(func() { _ = b.Close() })
			raceOneBoardH80(t, a, b, seed, 150)
		}
		a, path := openSQLite(t)
		b, err := sqlstore.OpenSQLite(context.Background(), path)
		require.NoError(t, err)
		t.Cleanup(func() { _ = b.Close() })
		raceOneBoardSkewedH80(t, a, b, 4, 150, 200*time.Microsecond)
	})
	t.Run("postgres", func(t *testing.T) {
		if os.Getenv("TONGXIN_POSTGRES_DSN") == "" {
			t.Skip("TONGXIN_POSTGRES_DSN not set")
		}
		for seed := uint64(1); seed <= 3; seed++ {
			a, dsn := openPostgres(t)
			b := openPostgresAt(t, dsn)
			raceOneBoardH80(t, a, b, seed, 150)
		}
		a, dsn := openPostgres(t)
		b := openPostgresAt(t, dsn)
		raceOneBoardSkewedH80(t, a, b, 4, 150, 200*time.Microsecond)
	})
}

func raceOneBoardH80(t *testing.T, a, b catalog.Store, seed uint64, rounds int) {
	raceOneBoardSkewedH80(t, a, b, seed, rounds, 0)
}

// raceOneBoardSkewedH80 races with instance B's clock skew behind A's (0: one clock). With a
// skew, a claim may be dated after a close it landed before, and the check leaves that out.
func raceOneBoardSkewedH80(t *testing.T, a, b catalog.Store, seed uint64, rounds int, skew time.Duration) {
	ctx := context.Background()
	clk := &tickClock{base: time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)}
	ids := storetest.SeqIDs()
	catA, err := catalog.New(a, catalog.WithNow(clk.Now), catalog.WithIDs(ids))
	require.NoError(t, err)
	ids2 := storetest.SeqIDs()
	catB, err := catalog.New(b, catalog.WithNow(func() time.Time { return clk.Now().Add(-skew) }), catalog.WithIDs(func() uuid.UUID {
		id := ids2()
		id[0] = 0xff
		return id
	}))
	require.NoError(t, err)
	cats := []*catalog.Catalog{catA, catB}
	rng := rand.New(rand.NewPCG(seed, 99))

	var ps []uuid.UUID
	for i := range 6 {
		p := storetest.Volunteer(fmt.Sprintf("v%d", i))
		p.Capacity = 1 + i%3
		got, err := catA.RegisterProvider(ctx, p, "operator")
		require.NoError(t, err)
		ps = append(ps, got.ID)
	}
	nd := 3 + rng.IntN(4)
	var ds []uuid.UUID
	for i := range nd {
		w := storetest.Wish(fmt.Sprintf("r%d", i))
		w.Status = catalog.StatusOpen
		w.Headcount = 1 + i%4
		if i%2 == 1 {
			w.Deadline = clk.base.Add(time.Hour)
		}
		d, err := catA.CreateDemand(ctx, w, "operator")
		require.NoError(t, err)
		ds = append(ds, d.ID)
	}
	board, err := catA.PublishBoard(ctx, catalog.BoardSpec{
		Name: "榜", Kind: catalog.BoardWishes, Scope: storetest.CommunityA,
		OpensAt: clk.base, ClosesAt: clk.base.Add(30 * 24 * time.Hour), Demands: ds, Actor: "community",
	})
	require.NoError(t, err)

	refusals := []error{catalog.ErrInvalidTransition, catalog.ErrNotFound, catalog.ErrHeadcountFull, catalog.ErrCapacity,
		catalog.ErrDuplicateClaim, catalog.ErrBoardClosed, catalog.ErrIneligible, catalog.ErrDeadlinePassed}
	const goroutines = 12
	var wg sync.WaitGroup
	var mu sync.Mutex
	var unexpected []error
	var closes, budget atomic.Int32
	budget.Store(2)
	var won [8]atomic.Int32
	start := make(chan struct{})
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(g)))
			c := cats[g%2]
			<-start
			for i := range rounds {
				d := ds[rng.IntN(len(ds))]
				p := ps[rng.IntN(len(ps))]
				var err error
				var op int
				switch x := rng.IntN(100); {
				case x < 40:
					_, err = c.Claim(ctx, d, p, actor("v"))
				case x < 70:
					op = 1
					_, err = c.Withdraw(ctx, d, p, actor("v"))
				case x < 78:
					op = 2
					q := ps[rng.IntN(len(ps))]
					dispatched := []uuid.UUID{p}
					if q != p {
						dispatched = append(dispatched, q)
					}
					_, err = c.Dispatch(ctx, d, dispatched, actor("c"))
				case x < 86:
					op = 3
					_, err = c.Publish(ctx, board.ID, d, actor("c"))
				case x < 87:
					op = 4
					_, err = c.ExpireDue(ctx, clk.base.Add(2*time.Hour)) // past the deadlines given
				case x < 89 && budget.Add(-1) >= 0: // a cancel or start ends a demand's races
					op = 5
					_, err = c.Cancel(ctx, d, catalog.Act{Actor: "c", Reason: "不需要了"})
				case x < 90 && budget.Add(-1) >= 0:
					op = 6
					_, err = c.Start(ctx, d, actor("c"))
				case x < 92 && i > rounds/2:
					op = 7
					closes.Add(1)
					_, err = c.CloseBoard(ctx, board.ID, "community")
				default:
					continue
				}
				if err == nil {
					won[op].Add(1)
				}
				refused := false
				for _, r := range refusals {
					refused = refused || errors.Is(err, r)
				}
				if err != nil && !refused {
					mu.Lock()
					unexpected = append(unexpected, err)
					mu.Unlock()
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	var counts []int32
	for i := range won {
		counts = append(counts, won[i].Load())
	}
	t.Logf("demands %d, moves that went through by kind (claim, withdraw, dispatch, publish, expire, cancel, start, close): %v", nd, counts)
	for _, err := range unexpected {
		t.Errorf("unexpected error: %v", err)
	}
	if closes.Load() == 0 {
		_, err := catB.CloseBoard(ctx, board.ID, "community")
		require.NoError(t, err)
	}

	storetest.CheckAccounting(t, catA, ds, ps)
	checkBoardRaceH80(t, catB, board.ID, ds, ps, skew == 0)
}

func checkBoardRaceH80(t *testing.T, c *catalog.Catalog, boardID uuid.UUID, ds, ps []uuid.UUID, oneClock bool) {
	t.Helper()
	ctx := context.Background()
	b, err := c.Board(ctx, boardID)
	require.NoError(t, err)
	replayLoad := map[uuid.UUID]int{}
	for _, id := range ds {
		d, err := c.Demand(ctx, id)
		require.NoError(t, err)
		cls, err := c.Claims(ctx, id)
		require.NoError(t, err)
		evs, err := c.History(ctx, id, 0, catalog.PageSizeMax)
		require.NoError(t, err)
		storeActive := map[uuid.UUID]bool{}
		for _, cl := range cls {
			if cl.State == catalog.ClaimActive {
				storeActive[cl.ProviderID] = true
			}
		}
		switch d.Status {
		case catalog.StatusClaimed:
			assert.True(t, d.Filled > 0 && d.Filled < d.Headcount, "demand %s claimed with %d of %d", id, d.Filled, d.Headcount)
		case catalog.StatusAccepted:
			assert.Equal(t, d.Headcount, d.Filled, "demand %s accepted", id)
		case catalog.StatusInProgress:
			assert.Positive(t, d.Filled, "demand %s in progress", id)
		default:
			assert.Zero(t, d.Filled, "demand %s %s", id, d.Status)
			assert.Empty(t, storeActive, "demand %s %s with active claims", id, d.Status)
		}
		switch d.Status {
		case catalog.StatusPublished:
			assert.Equal(t, boardID, d.BoardID, "demand %s published", id)
			assert.False(t, b.Closed, "demand %s published on the closed board", id)
		case catalog.StatusOpen:
			assert.Equal(t, uuid.Nil, d.BoardID, "demand %s open", id)
			assert.Empty(t, d.DispatchedTo, "demand %s open", id)
		case catalog.StatusClaimed, catalog.StatusAccepted:
			if len(d.DispatchedTo) == 0 {
				assert.Equal(t, boardID, d.BoardID, "demand %s %s from no board and no dispatch", id, d.Status)
			}
		}
		// Replay: which providers hold an active claim, by the events alone.
		active := map[uuid.UUID]bool{}
		dispatched := false
		for i, e := range evs {
			if i > 0 {
				assert.False(t, e.At.Before(evs[i-1].At), "demand %s event %d dated before the one before", id, e.Seq)
			}
			switch e.Action {
			case catalog.ActionDispatch:
				dispatched = true
			case catalog.ActionClaim:
				assert.False(t, active[e.ProviderID], "demand %s event %d: a second active claim", id, e.Seq)
				active[e.ProviderID] = true
				if !dispatched && b.Closed && oneClock {
					assert.True(t, e.At.Before(b.ClosedAt), "demand %s event %d: claim from the board at %s, closed at %s",
						id, e.Seq, e.At.Format(time.StampMicro), b.ClosedAt.Format(time.StampMicro))
				}
			case catalog.ActionWithdraw:
				assert.True(t, active[e.ProviderID], "demand %s event %d: withdrawal of no active claim", id, e.Seq)
				delete(active, e.ProviderID)
			case catalog.ActionCancel, catalog.ActionComplete:
				clear(active)
			}
		}
		assert.Equal(t, active, storeActive, "demand %s: active claims by the events and in the store", id)
		for p := range active {
			replayLoad[p]++
		}
		for _, cl := range cls {
			if cl.State != catalog.ClaimActive {
				assert.False(t, cl.ClosedAt.Before(cl.ClaimedAt), "demand %s: claim by %s closed before it was made", id, cl.ProviderID)
			}
			if len(d.DispatchedTo) == 0 && b.Closed && oneClock {
				assert.True(t, cl.ClaimedAt.Before(b.ClosedAt), "demand %s: claim by %s at %s, board closed at %s",
					id, cl.ProviderID, cl.ClaimedAt.Format(time.StampMicro), b.ClosedAt.Format(time.StampMicro))
			}
		}
	}
	for _, id := range ps {
		p, err := c.Provider(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, replayLoad[id], p.Active, "provider %s: load by the events", p.Name)
		page, err := c.ProviderClaims(ctx, id, catalog.ClaimQuery{ActiveOnly: true, Limit: catalog.PageSizeMax})
		require.NoError(t, err)
		assert.Len(t, page.Claims, p.Active, "provider %s: its active claims listed", p.Name)
	}
}
