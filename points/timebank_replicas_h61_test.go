package points_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/internal/sqltest"
	"github.com/tongxin/tongxin/points"
)

// TestH61TimeBankAcrossReplicas starts the bank on every replica at once, deposits from
// each, and races the same gifts through every replica: one gift per key, every caller told
// of it, the yearly gift limit and the storage cap held across replicas.
func TestH61TimeBankAcrossReplicas(t *testing.T) {
	clk := newClock()
	ctx := context.Background()
	dsn := sqltest.FreshSchema(t)
	const n = 3
	rs := make([]*replica, n)
	banks := make([]*points.TimeBank, n)
	cfg := points.TimeBankConfig{Community: "yangguang", StorageCap: dec("30"), GiftYearMax: dec("12"), Now: clk.Now}
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range rs {
		rs[i] = openReplica(t, dsn, uncapped(), clk.Now, nil)
	}
	for i := range rs {
		wg.Add(1)
		go func() { defer wg.Done(); banks[i], errs[i] = points.NewTimeBank(ctx, rs[i].l, cfg) }()
	}
	wg.Wait()
	for i := range errs {
		require.NoError(t, errs[i], "replica %d", i)
	}
	v := volunteerOf("wang")
	giver := points.ProviderHolder(v)
	for i := range 4 {
		r, err := banks[i%n].Deposit(ctx, h61Completion(v, "r1", "5", clk.Now()))
		require.NoError(t, err)
		assert.False(t, r.Replayed)
	}
	hours, err := banks[2].Hours(ctx, giver)
	require.NoError(t, err)
	require.Equal(t, "20", hours.String())
	const gifts = 5 // 3 h each: 4 fit the yearly 12 h
	receipts := make([][]points.HoursReceipt, gifts)
	gerrs := make([][]error, gifts)
	for g := range gifts {
		receipts[g], gerrs[g] = make([]points.HoursReceipt, n), make([]error, n)
		for i, b := range banks {
			wg.Add(1)
			go func() {
				defer wg.Done()
				receipts[g][i], gerrs[g][i] = b.Gift(ctx, points.Gift{Key: fmt.Sprintf("g%d", g), From: giver, To: "p-mum", Hours: dec("3"), Relationship: "child"})
			}()
		}
	}
	wg.Wait()
	given := 0
	for g := range gifts {
		var id string
		for i := range banks {
			if gerrs[g][i] != nil {
				assert.ErrorIs(t, gerrs[g][i], points.ErrOverCap, "gift %d replica %d", g, i)
				continue
			}
			if id == "" {
				id = receipts[g][i].Transaction.ID.String()
				given++
			}
			assert.Equal(t, id, receipts[g][i].Transaction.ID.String(), "gift %d: replicas told of different gifts", g)
		}
	}
	assert.Equal(t, 4, given)
	for i, b := range banks {
		h, err := b.Hours(ctx, giver)
		require.NoError(t, err)
		assert.Equal(t, "8", h.String(), "replica %d", i)
		m, err := b.Hours(ctx, "p-mum")
		require.NoError(t, err)
		assert.Equal(t, "12", m.String(), "replica %d", i)
	}
	require.NoError(t, rs[0].l.Verify(ctx))
}
