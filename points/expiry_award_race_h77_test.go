package points_test

import (
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/ledger/memstore"
	"github.com/tongxin/tongxin/points"
)

// TestH77ExpireRacingAwardsToTheHolder: awards to a holder landing while Expire runs (between
// its scan, its read of the account and its posting) never expire: exactly the holder's old
// points expire, once, however the awards and the runs interleave. Several runs of the period
// race too.
func TestH77ExpireRacingAwardsToTheHolder(t *testing.T) {
	for round := range 20 {
		tw := newTwin(t, memstore.New(), expiryScheme("c0", 12, false))
		inc := tw.incs[0]
		p := catalog.Provider{ID: uuid.New(), Kind: catalog.Volunteer, PersonID: "wang"}
		h := points.ProviderHolder(p)
		tw.give(t, 0, h, 30, 400) // due
		tw.give(t, 0, h, 7, 30)   // valid
		at := tw.clock.Now()
		var wg sync.WaitGroup
		awarded := make([]decimal.Decimal, 8)
		for g := range len(awarded) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sum := decimal.Zero
				for range 10 {
					d := catalog.Demand{ID: uuid.New(), Kind: catalog.Wish, Category: "haircut", Title: "上门理发",
						Requester: catalog.RequesterRef{ID: "r"}, Status: catalog.StatusAudited}
					c := points.Completion{Demand: d, Provider: p, Audits: []catalog.Audit{{DemandID: d.ID, ProviderID: p.ID, Approved: true, Hours: dec("1"), Auditor: "li", At: at}}}
					r, err := inc.Award(tw.ctx, c)
					if !assertNoErr(t, err) {
						return
					}
					sum = sum.Add(r.Points)
				}
				awarded[g] = sum
			}()
		}
		expired := make([]decimal.Decimal, 3)
		for k := range expired {
			wg.Add(1)
			go func() {
				defer wg.Done()
				other, err := points.New(tw.ctx, tw.l, expiryScheme("c0", 12, false))
				if !assertNoErr(t, err) {
					return
				}
				time.Sleep(time.Duration(k) * 200 * time.Microsecond)
				rep, err := other.Expire(tw.ctx, tw.clock.Now())
				if assertNoErr(t, err) {
					expired[k] = rep.Points
				}
			}()
		}
		wg.Wait()
		total := decimal.Zero
		for _, v := range expired {
			total = total.Add(v)
		}
		require.Equal(t, "30", total.String(), "round %d: the old points expire once, the new never", round)
		want := decimal.NewFromInt(7)
		for _, v := range awarded {
			want = want.Add(v)
		}
		bal, err := tw.l.Balance(tw.ctx, inc.HolderAccount(h))
		require.NoError(t, err)
		require.True(t, want.Equal(bal), "round %d: balance %s, want %s", round, bal, want)
		require.NoError(t, tw.l.Verify(tw.ctx))
	}
}

func assertNoErr(t *testing.T, err error) bool {
	t.Helper()
	if err != nil {
		t.Error(err)
		return false
	}
	return true
}
