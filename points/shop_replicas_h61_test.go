package points_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/points"
)

// shops opens the shop on every replica, each offering rice at price (configuration every
// process loads), and gives each of holders award points from the replicas in turn.
func shops(t *testing.T, rs []*replica, price string) []*points.Shop {
	t.Helper()
	ctx := context.Background()
	shs := make([]*points.Shop, len(rs))
	for i, r := range rs {
		sh, err := points.NewShop(ctx, r.inc)
		require.NoError(t, err)
		require.NoError(t, sh.AddItem(ctx, points.Item{SKU: "rice", Name: "大米", Price: dec(price)}))
		shs[i] = sh
	}
	return shs
}

// TestH61ShopStockAcrossReplicas redeems more units than there are from every replica at
// once: no more than the stock is reserved, and every replica reads the same stock.
func TestH61ShopStockAcrossReplicas(t *testing.T) {
	clk := newClock()
	rs := replicas(t, 3, uncapped(), clk.Now)
	ctx := context.Background()
	shs := shops(t, rs, "10")
	const holders, stock = 8, 5
	hs := make([]string, holders)
	for i := range hs {
		v := volunteerOf(fmt.Sprintf("p%d", i))
		hs[i] = points.ProviderHolder(v)
		_, err := rs[i%len(rs)].inc.Award(ctx, h61Completion(v, "r1", "2", clk.Now())) // 30 points
		require.NoError(t, err)
	}
	require.NoError(t, shs[1].Restock(ctx, "rice", stock, "n1"))
	require.NoError(t, shs[2].Restock(ctx, "rice", stock, "n1"), "a delivery restocked again on another replica adds nothing")
	for i, sh := range shs {
		left, err := sh.Stock(ctx, "rice")
		require.NoError(t, err)
		require.Equal(t, int64(stock), left, "replica %d", i)
	}
	var wg sync.WaitGroup
	errs := make([]error, holders*len(shs))
	reds := make([]points.Redemption, holders*len(shs))
	for i := range hs {
		for j, sh := range shs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Every replica is asked for each holder's order (a client retrying through
				// the load balancer): one key per holder.
				reds[i*len(shs)+j], errs[i*len(shs)+j] = sh.Redeem(ctx, fmt.Sprintf("order-%d", i), hs[i], "rice", 1)
			}()
		}
	}
	wg.Wait()
	made := 0
	for i := range hs {
		var got *points.Redemption
		outOfStock := 0
		for j := range shs {
			k := i*len(shs) + j
			switch {
			case errs[k] == nil:
				if got == nil {
					got = &reds[k]
					made++
				}
				assert.Equal(t, *got, reds[k], "holder %d: replicas answered with different redemptions", i)
			case errors.Is(errs[k], points.ErrOutOfStock):
				outOfStock++
			default:
				t.Errorf("holder %d replica %d: %v", i, j, errs[k])
			}
		}
		if got != nil && outOfStock > 0 {
			// A replica that lost the race for stock while another made the redemption
			// under the same key: the retry would return the redemption.
			again, err := shs[0].Redeem(ctx, fmt.Sprintf("order-%d", i), hs[i], "rice", 1)
			require.NoError(t, err)
			assert.Equal(t, *got, again)
		}
		avail, err := rs[0].l.Available(ctx, rs[0].inc.HolderAccount(hs[i]))
		require.NoError(t, err)
		want := "30"
		if got != nil {
			want = "20"
		}
		assert.Equal(t, want, avail.String(), "holder %d available points", i)
	}
	assert.Equal(t, stock, made, "every unit is redeemed once, none oversold")
	for i, sh := range shs {
		left, err := sh.Stock(ctx, "rice")
		require.NoError(t, err)
		assert.Equal(t, int64(0), left, "replica %d", i)
	}
	require.NoError(t, rs[0].l.Verify(ctx))
}

// TestH61ShopSettleAcrossReplicas fulfils a redemption on one replica while another cancels
// it: one wins, the other is refused, and stock and points follow the winner.
func TestH61ShopSettleAcrossReplicas(t *testing.T) {
	clk := newClock()
	rs := replicas(t, 2, uncapped(), clk.Now)
	ctx := context.Background()
	shs := shops(t, rs, "10")
	const orders = 10
	v := volunteerOf("wang")
	h := points.ProviderHolder(v)
	for range 4 {
		_, err := rs[0].inc.Award(ctx, h61Completion(v, "r1", "2", clk.Now())) // 30 each
		require.NoError(t, err)
	}
	require.NoError(t, shs[0].Restock(ctx, "rice", orders, "n1"))
	fulfilled, cancelled := 0, 0
	for i := range orders {
		r, err := shs[i%2].Redeem(ctx, fmt.Sprintf("o%d", i), h, "rice", 1)
		require.NoError(t, err)
		var wg sync.WaitGroup
		var ferr, cerr error
		wg.Add(2)
		go func() { defer wg.Done(); ferr = shs[0].Fulfil(ctx, r) }()
		go func() { defer wg.Done(); cerr = shs[1].Cancel(ctx, r) }()
		wg.Wait()
		switch {
		case ferr == nil && errors.Is(cerr, points.ErrRedemptionClosed):
			fulfilled++
		case cerr == nil && errors.Is(ferr, points.ErrRedemptionClosed):
			cancelled++
		default:
			t.Fatalf("order %d: fulfil %v, cancel %v", i, ferr, cerr)
		}
	}
	left, err := shs[1].Stock(ctx, "rice")
	require.NoError(t, err)
	assert.Equal(t, int64(orders-fulfilled), left)
	sameBalance(t, rs, h, fmt.Sprint(120-10*fulfilled))
	avail, err := rs[1].l.Available(ctx, rs[1].inc.HolderAccount(h))
	require.NoError(t, err)
	assert.Equal(t, fmt.Sprint(120-10*fulfilled), avail.String())
	t.Logf("%d fulfilled, %d cancelled", fulfilled, cancelled)
	require.NoError(t, rs[0].l.Verify(ctx))
}
