package points_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/points"
)

// TestH61ExpireRacedByReplicas runs the same period's expiry on every replica at once, with
// old and fresh points on many holders: each holder's old points expire exactly once, fresh
// ones never, and the reports together say what the ledger shows.
func TestH61ExpireRacedByReplicas(t *testing.T) {
	clk := newClock()
	old := time.Date(2023, 1, 10, 2, 0, 0, 0, time.UTC)
	clk.t = old
	rs := replicas(t, 3, uncapped(), clk.Now)
	ctx := context.Background()
	const holders = 150
	hs := make([]string, holders)
	var wg sync.WaitGroup
	award := func(i int, hours string) {
		defer wg.Done()
		v := volunteerOf(fmt.Sprintf("p%03d", i))
		hs[i] = points.ProviderHolder(v)
		_, err := rs[i%len(rs)].inc.Award(ctx, h61Completion(v, "r1", hours, clk.Now()))
		assert.NoError(t, err)
	}
	for i := range hs {
		wg.Add(1)
		go award(i, "2") // 30 old points each
	}
	wg.Wait()
	// Fresh points for every other holder, from a replica other than the first award's.
	clk.t = time.Date(2026, 4, 1, 2, 0, 0, 0, time.UTC)
	fresh := map[string]bool{}
	for i := 0; i < holders; i += 2 {
		fresh[hs[i]] = true
	}
	// Fresh points: a volunteer record of the same person is the same holder.
	for i := 0; i < holders; i += 2 {
		p := volunteerOf(fmt.Sprintf("p%03d", i))
		_, err := rs[(i+1)%len(rs)].inc.Award(ctx, h61Completion(p, "r1", "1", clk.Now())) // 25 fresh
		require.NoError(t, err)
	}
	clk.t = time.Date(2026, 5, 1, 2, 0, 0, 0, time.UTC)
	asOf := clk.Now()
	reps := make([]points.ExpiryReport, len(rs))
	errs := make([]error, len(rs))
	for i, r := range rs {
		wg.Add(1)
		go func() { defer wg.Done(); reps[i], errs[i] = r.inc.Expire(ctx, asOf) }()
	}
	wg.Wait()
	total := decimal.Zero
	accounts := 0
	for i := range rs {
		require.NoError(t, errs[i], "replica %d", i)
		total = total.Add(reps[i].Points)
		accounts += reps[i].Accounts
	}
	assert.Equal(t, holders, accounts, "each holder expired once across the replicas")
	assert.Equal(t, fmt.Sprint(30*holders), total.String())
	expired, err := rs[0].l.Balance(ctx, rs[0].inc.ExpiryAccount())
	require.NoError(t, err)
	assert.Equal(t, fmt.Sprint(30*holders), expired.String())
	for _, h := range hs {
		want := "0"
		if fresh[h] {
			want = "25"
		}
		sameBalance(t, rs[:1], h, want)
	}
	// Again from every replica: nothing more.
	for i, r := range rs {
		rep, err := r.inc.Expire(ctx, asOf)
		require.NoError(t, err)
		assert.True(t, rep.Points.IsZero(), "replica %d expired again: %+v", i, rep)
	}
	require.NoError(t, rs[0].l.Verify(ctx))
}
