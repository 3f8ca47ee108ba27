package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
)

// RaceLifecycle drives the whole lifecycle of a few demands from several goroutines through
// two catalogs, one over store a and one over store b (the same store, or two handles on one
// database), and then checks the accounting that optimistic concurrency must keep whatever the
// interleaving:
//   - every provider's Active is its number of active claims, between 0 and its capacity;
//   - every demand's Filled is its number of active claims, at most its headcount;
//   - every provider's RatingSum and RatingCount are the ratings of the demands it served;
//   - every demand's events are one per version, consecutive, along the transition table;
//   - an audited demand has one audit per provider who did the work, and it is Awarded when
//     every approved one is marked.
//
// A move may be refused by any rule; it must never fail otherwise (ErrVersionConflict only
// after ConflictRetriesMax lost races, which a few goroutines do not reach).
func RaceLifecycle(t *testing.T, a, b catalog.Store, seed uint64, rounds int) {
	ctx := context.Background()
	f := NewFixture(t, a)
	ids := SeqIDs()
	second, err := catalog.New(b, catalog.WithNow(f.Clock.Now), catalog.WithIDs(func() uuid.UUID {
		id := ids()
		id[0] = 0xff // apart from f.Cat's ids
		return id
	}))
	require.NoError(t, err)
	cats := []*catalog.Catalog{f.Cat, second}
	var ps []catalog.Provider
	for i := 0; i < 4; i++ {
		p := Volunteer(fmt.Sprintf("v%d", i))
		p.Capacity = 1 + i%3
		ps = append(ps, f.Register(t, p))
	}
	var ds []uuid.UUID
	for i := 0; i < 8; i++ {
		w := Wish(fmt.Sprintf("r%d", i))
		w.Headcount = 1 + i%3
		if i%4 == 3 {
			w.Deadline = f.Clock.Now().Add(time.Duration(i) * time.Hour)
		}
		ds = append(ds, f.OpenWish(t, w).ID)
	}
	board := f.Board(t, ds[:3]...)
	_, err = f.Cat.Dispatch(ctx, ds[3], []uuid.UUID{ps[0].ID, ps[1].ID, ps[2].ID}, act("c"))
	require.NoError(t, err)

	refusals := []error{catalog.ErrInvalidTransition, catalog.ErrNotFound, catalog.ErrHeadcountFull, catalog.ErrCapacity,
		catalog.ErrDuplicateClaim, catalog.ErrBoardClosed, catalog.ErrIneligible, catalog.ErrInvalid, catalog.ErrDeadlinePassed}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var unexpected []error
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(g)))
			c := cats[g%2]
			for i := 0; i < rounds; i++ {
				d := ds[rng.IntN(len(ds))]
				p := ps[rng.IntN(len(ps))].ID
				var err error
				switch rng.IntN(14) {
				case 0, 1, 2:
					_, err = c.Claim(ctx, d, p, act("v"))
				case 3, 4:
					_, err = c.Withdraw(ctx, d, p, act("v"))
				case 5:
					_, err = c.Start(ctx, d, act("c"))
				case 6:
					var cls []catalog.Claim
					if cls, err = c.Claims(ctx, d); err != nil {
						break
					}
					var reps []catalog.WorkReport
					for _, cl := range cls {
						if cl.State == catalog.ClaimActive {
							reps = append(reps, catalog.WorkReport{ProviderID: cl.ProviderID, Hours: decimal.NewFromInt(1)})
						}
					}
					if len(reps) > 0 {
						_, err = c.Complete(ctx, d, reps, act("v"))
					}
				case 7:
					_, err = c.Rate(ctx, d, 1+rng.IntN(5), "", act("resident"))
				case 8:
					var cls []catalog.Claim
					if cls, err = c.Claims(ctx, d); err != nil {
						break
					}
					var decs []catalog.AuditDecision
					for _, cl := range cls {
						if cl.State == catalog.ClaimDone {
							dec := catalog.AuditDecision{ProviderID: cl.ProviderID, Approved: rng.IntN(3) > 0, Reason: "未到场"}
							if dec.Approved {
								dec.Hours, dec.Reason = decimal.NewFromInt(1), ""
							}
							decs = append(decs, dec)
						}
					}
					if len(decs) > 0 {
						_, err = c.Audit(ctx, d, decs, act("auditor"))
					}
				case 9:
					_, err = c.MarkAwarded(ctx, d, p, "points")
				case 10:
					_, err = c.Publish(ctx, board.ID, d, act("c"))
				case 11:
					_, err = c.Dispatch(ctx, d, []uuid.UUID{p}, act("c"))
				case 12:
					if rng.IntN(6) == 0 {
						_, err = c.Cancel(ctx, d, catalog.Act{Actor: "c", Reason: "不需要了"})
					} else if rng.IntN(4) == 0 {
						f.Clock.Advance(time.Hour)
						_, err = c.ExpireDue(ctx, f.Clock.Now())
					}
				case 13:
					if rng.IntN(10) == 0 {
						_, err = c.CloseBoard(ctx, board.ID, "c")
					}
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
	wg.Wait()
	for _, err := range unexpected {
		t.Errorf("unexpected error: %v", err)
	}

	pids := make([]uuid.UUID, len(ps))
	for i, p := range ps {
		pids[i] = p.ID
	}
	CheckAccounting(t, f.Cat, ds, pids)
}
