package points_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tongxin/tongxin/points"
)

// TestH61AwardRacedByReplicas awards the same completions from every replica at once: one
// posting per completion, every caller told of that posting, balances as the model says.
func TestH61AwardRacedByReplicas(t *testing.T) {
	clk := newClock()
	rs := replicas(t, 3, testScheme(), clk.Now)
	ctx := context.Background()
	v := volunteerOf("wang")
	const n = 12
	cs := make([]points.Completion, n)
	for i := range cs {
		cs[i] = h61Completion(v, "r1", "1", clk.Now())
	}
	type answer struct {
		r   points.Receipt
		err error
	}
	answers := make([][]answer, n)
	var wg sync.WaitGroup
	for i := range cs {
		answers[i] = make([]answer, len(rs))
		for j, r := range rs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rc, err := r.inc.Award(ctx, cs[i])
				answers[i][j] = answer{rc, err}
			}()
		}
	}
	wg.Wait()
	// 25 points each (20 base + 5 for the hour), daily cap 100: four awards fit.
	awarded := 0
	for i := range cs {
		var id string
		for j, a := range answers[i] {
			if a.err != nil {
				require.ErrorIs(t, a.err, points.ErrOverCap, "completion %d replica %d", i, j)
				continue
			}
			assert.Equal(t, "25", a.r.Points.String())
			if id == "" {
				id = a.r.Transaction.ID.String()
				awarded++
			}
			assert.Equal(t, id, a.r.Transaction.ID.String(), "completion %d: replicas were told of different postings", i)
		}
	}
	assert.Equal(t, 4, awarded, "the daily cap of 100 holds across replicas")
	sameBalance(t, rs, points.ProviderHolder(v), "100")
	require.NoError(t, rs[0].l.Verify(ctx))
}

// TestH61AwardAccountsOpenedByAnotherReplica lets one replica open a volunteer's accounts
// (holder, debt, the day's caps) and then awards and claws back from another, across a day
// and a month boundary so that the cap accounts cached by each replica go stale.
func TestH61AwardAccountsOpenedByAnotherReplica(t *testing.T) {
	clk := newClock()
	rs := replicas(t, 2, testScheme(), clk.Now)
	ctx := context.Background()
	a, b := rs[0], rs[1]
	v := volunteerOf("wang")
	h := points.ProviderHolder(v)
	day1 := time.Date(2026, 4, 30, 10, 0, 0, 0, time.UTC)
	day2 := day1.Add(24 * time.Hour)
	c1 := h61Completion(v, "r1", "2", day1) // 30 points
	_, err := a.inc.Award(ctx, c1)
	require.NoError(t, err)
	// b has never seen the volunteer: it finds the accounts open and the cap used.
	for i := range 2 {
		_, err = b.inc.Award(ctx, h61Completion(v, "r1", "2", day1))
		require.NoError(t, err, "award %d", i)
	}
	_, err = b.inc.Award(ctx, h61Completion(v, "r1", "2", day1))
	require.ErrorIs(t, err, points.ErrOverCap, "the day's cap counts a's award")
	// The next day, in the next month: both replicas' cached cap accounts are of yesterday.
	_, err = b.inc.Award(ctx, h61Completion(v, "r1", "2", day2))
	require.NoError(t, err)
	_, err = a.inc.Award(ctx, h61Completion(v, "r1", "2", day2))
	require.NoError(t, err)
	sameBalance(t, rs, h, "150")
	// Clawback by b of a's award, after the holder spent some of it through a.
	sh, err := points.NewShop(ctx, a.inc)
	require.NoError(t, err)
	require.NoError(t, sh.AddItem(ctx, points.Item{SKU: "rice", Name: "大米", Price: dec("140")}))
	require.NoError(t, sh.Restock(ctx, "rice", 1, "n1"))
	red, err := sh.Redeem(ctx, "o1", h, "rice", 1)
	require.NoError(t, err)
	require.NoError(t, sh.Fulfil(ctx, red))
	sameBalance(t, rs, h, "10")
	res, err := b.inc.Clawback(ctx, c1.Demand.ID, v, "虚假服务")
	require.NoError(t, err)
	assert.Equal(t, "10", res.Recovered.String())
	assert.Equal(t, "20", res.Debt.String())
	again, err := a.inc.Clawback(ctx, c1.Demand.ID, v, "虚假服务")
	require.NoError(t, err)
	assert.True(t, again.AlreadyDone)
	// The next award, through a, pays the debt b recorded.
	r, err := a.inc.Award(ctx, h61Completion(v, "r1", "2", day2))
	require.NoError(t, err)
	assert.Equal(t, "20", r.DebtPaid.String())
	sameBalance(t, rs, h, "10")
	for _, r := range rs {
		d, err := r.inc.Debt(ctx, h)
		require.NoError(t, err)
		assert.True(t, d.IsZero())
	}
	require.NoError(t, a.l.Verify(ctx))
}
