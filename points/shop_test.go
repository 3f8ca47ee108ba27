package points_test

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/points"
)

// shopEnv gives holder "p-wang" 30 points and a shop with rice at 10 points, 5 in stock.
func shopEnv(t *testing.T) (*env, *points.Shop, string) {
	t.Helper()
	e := newEnv(t, testScheme())
	v := e.volunteer(t, "wang")
	d := e.done(t, "r1", catalog.UrgencyNormal, true, work{v, "2", true})
	_, err := e.inc.AwardAudited(e.ctx, e.cat, d.ID, v.ID, "x")
	require.NoError(t, err)
	sh, err := points.NewShop(e.ctx, e.inc)
	require.NoError(t, err)
	require.NoError(t, sh.AddItem(e.ctx, points.Item{SKU: "rice", Name: "大米 5kg", Price: dec("10")}))
	require.NoError(t, sh.Restock(e.ctx, "rice", 5, "note-1"))
	require.NoError(t, sh.Restock(e.ctx, "rice", 5, "note-1"), "a retried delivery adds nothing")
	return e, sh, points.ProviderHolder(v)
}

// uncappedRiceShop is a scheme without award caps and a shop with rice at price points,
// stock units in stock.
func uncappedRiceShop(t *testing.T, price string, stock int64) (*env, *points.Shop) {
	t.Helper()
	s := testScheme()
	s.DailyCap, s.MonthlyCap = dec("0"), dec("0")
	e := newEnv(t, s)
	sh, err := points.NewShop(e.ctx, e.inc)
	require.NoError(t, err)
	require.NoError(t, sh.AddItem(e.ctx, points.Item{SKU: "rice", Name: "大米", Price: dec(price)}))
	require.NoError(t, sh.Restock(e.ctx, "rice", stock, "n1"))
	return e, sh
}

func TestShopRedeemFulfilCancel(t *testing.T) {
	e, sh, h := shopEnv(t)
	r, err := sh.Redeem(e.ctx, "order-1", h, "rice", 2)
	require.NoError(t, err)
	assert.Equal(t, "20", r.Points.String())
	avail, err := e.l.Available(e.ctx, e.inc.HolderAccount(h))
	require.NoError(t, err)
	assert.Equal(t, "10", avail.String(), "the points are held")
	stock, err := sh.Stock(e.ctx, "rice")
	require.NoError(t, err)
	assert.Equal(t, int64(3), stock)

	again, err := sh.Redeem(e.ctx, "order-1", h, "rice", 2)
	require.NoError(t, err)
	assert.Equal(t, r, again, "the same request returns the same redemption")

	require.NoError(t, sh.Fulfil(e.ctx, r))
	require.NoError(t, sh.Fulfil(e.ctx, r), "fulfilling twice changes nothing")
	assert.Equal(t, "10", e.balance(t, e.inc.HolderAccount(h)).String())
	assert.Equal(t, "20", e.balance(t, e.inc.ShopAccount()).String())
	require.ErrorIs(t, sh.Cancel(e.ctx, r), points.ErrRedemptionClosed)

	r2, err := sh.Redeem(e.ctx, "order-2", h, "rice", 1)
	require.NoError(t, err)
	require.NoError(t, sh.Cancel(e.ctx, r2))
	require.NoError(t, sh.Cancel(e.ctx, r2))
	require.ErrorIs(t, sh.Fulfil(e.ctx, r2), points.ErrRedemptionClosed)
	stock, err = sh.Stock(e.ctx, "rice")
	require.NoError(t, err)
	assert.Equal(t, int64(3), stock)
	assert.Equal(t, "10", e.balance(t, e.inc.HolderAccount(h)).String())
	e.verify(t)
}

func TestShopRefusals(t *testing.T) {
	e, sh, h := shopEnv(t)
	require.NoError(t, sh.AddItem(e.ctx, points.Item{SKU: "oil", Name: "食用油", Price: dec("100")}))
	require.NoError(t, sh.Restock(e.ctx, "oil", 1, "note-2"))
	_, err := sh.Redeem(e.ctx, "used", h, "rice", 1)
	require.NoError(t, err)
	cases := []struct {
		name             string
		key, holder, sku string
		quantity         int64
		want             error
	}{
		{"out of stock", "k1", h, "rice", 5, points.ErrOutOfStock},
		{"insufficient points", "k2", h, "oil", 1, points.ErrInsufficientPoints},
		{"no account", "k3", "p-nobody", "rice", 1, points.ErrInsufficientPoints},
		{"unknown item", "k4", h, "tea", 1, points.ErrInvalid},
		{"zero quantity", "k5", h, "rice", 0, points.ErrInvalid},
		{"bad holder", "k6", "a:b", "rice", 1, points.ErrInvalid},
		{"bad key", "", h, "rice", 1, points.ErrInvalid},
		{"key reused", "used", h, "rice", 2, points.ErrKeyReused},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			seq := e.head(t)
			stock, err := sh.Stock(e.ctx, "rice")
			require.NoError(t, err)
			avail, _ := e.l.Available(e.ctx, e.inc.HolderAccount(h))
			_, err = sh.Redeem(e.ctx, tc.key, tc.holder, tc.sku, tc.quantity)
			require.ErrorIs(t, err, tc.want)
			after, err := sh.Stock(e.ctx, "rice")
			require.NoError(t, err)
			assert.Equal(t, stock, after, "stock unchanged")
			availAfter, _ := e.l.Available(e.ctx, e.inc.HolderAccount(h))
			assert.True(t, avail.Equal(availAfter), "points unchanged")
			assert.Equal(t, seq, e.head(t))
		})
	}
	for _, it := range []points.Item{{SKU: "_x", Name: "x", Price: dec("1")}, {SKU: "x", Name: "", Price: dec("1")}, {SKU: "x", Name: "x", Price: dec("0")}, {SKU: "x", Name: "x", Price: dec("0.001")}} {
		require.ErrorIs(t, sh.AddItem(e.ctx, it), points.ErrInvalid, it.SKU)
	}
	require.ErrorIs(t, sh.Restock(e.ctx, "rice", 0, "n"), points.ErrInvalid)
	require.ErrorIs(t, sh.Restock(e.ctx, "tea", 1, "n"), points.ErrInvalid)
	require.ErrorIs(t, sh.Restock(e.ctx, "rice", 2, "note-1"), points.ErrKeyReused)
	e.verify(t)
}

// TestShopStockConcurrent: many residents redeem the last units at once; stock never goes
// below zero and exactly the stock is sold.
func TestShopStockConcurrent(t *testing.T) {
	e, sh := uncappedRiceShop(t, "10", 7)
	const buyers = 64
	holders := make([]string, buyers)
	for i := range holders {
		v := e.volunteer(t, sprint("v", i))
		d := e.done(t, sprint("r", i), catalog.UrgencyNormal, true, work{v, "1", true})
		_, err := e.inc.AwardAudited(e.ctx, e.cat, d.ID, v.ID, "x")
		require.NoError(t, err)
		holders[i] = points.ProviderHolder(v)
	}
	var wg sync.WaitGroup
	rs := make([]points.Redemption, buyers)
	errs := make([]error, buyers)
	for i := range buyers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rs[i], errs[i] = sh.Redeem(e.ctx, sprint("o", i), holders[i], "rice", 1)
			if errs[i] == nil && i%2 == 0 {
				errs[i] = sh.Fulfil(e.ctx, rs[i])
			}
		}()
	}
	wg.Wait()
	sold := 0
	for _, err := range errs {
		if err == nil {
			sold++
		} else {
			require.ErrorIs(t, err, points.ErrOutOfStock)
		}
	}
	assert.Equal(t, 7, sold)
	stock, err := sh.Stock(e.ctx, "rice")
	require.NoError(t, err)
	assert.Equal(t, int64(0), stock)
	e.verify(t)
}

// TestShopFulfilCancelRace: a Fulfil and a Cancel of the same redemption race; exactly one
// wins, and both holds share its fate (points and units captured together, or released
// together): a resident never pays for units that went back on the shelf. Without -race the
// two goroutines rarely overlap; under -race (as CI runs it) they do, and a Cancel that
// released the stock hold first fails this test every time.
func TestShopFulfilCancelRace(t *testing.T) {
	const orders = 200
	e, sh := uncappedRiceShop(t, "1", orders)
	v := e.volunteer(t, "v")
	d := e.done(t, "r", catalog.UrgencyNormal, true, work{v, "20", true})
	_, err := e.inc.AwardAudited(e.ctx, e.cat, d.ID, v.ID, "x")
	require.NoError(t, err)
	holder := points.ProviderHolder(v)
	before, err := e.l.Balance(e.ctx, e.inc.HolderAccount(holder))
	require.NoError(t, err)
	fulfilled := 0
	for i := range orders {
		r, err := sh.Redeem(e.ctx, sprint("o", i), holder, "rice", 1)
		require.NoError(t, err)
		var wg sync.WaitGroup
		var ferr, cerr error
		start := make(chan struct{})
		wg.Add(2)
		go func() { defer wg.Done(); <-start; ferr = sh.Fulfil(e.ctx, r) }()
		go func() { defer wg.Done(); <-start; cerr = sh.Cancel(e.ctx, r) }()
		close(start)
		wg.Wait()
		require.True(t, (ferr == nil) != (cerr == nil), "order %d: fulfil %v, cancel %v", i, ferr, cerr)
		if ferr != nil {
			require.ErrorIs(t, ferr, points.ErrRedemptionClosed)
		} else {
			require.ErrorIs(t, cerr, points.ErrRedemptionClosed)
			fulfilled++
		}
		ph, err := e.l.GetHold(e.ctx, r.PointsHold)
		require.NoError(t, err)
		st, err := e.l.GetHold(e.ctx, r.StockHold)
		require.NoError(t, err)
		require.Equal(t, ph.Status, st.Status, "order %d: points hold and stock hold parted", i)
	}
	after, err := e.l.Balance(e.ctx, e.inc.HolderAccount(holder))
	require.NoError(t, err)
	assert.True(t, before.Sub(after).Equal(dec(sprint(fulfilled))), "paid %s for %d orders", before.Sub(after), fulfilled)
	stock, err := sh.Stock(e.ctx, "rice")
	require.NoError(t, err)
	assert.Equal(t, int64(orders-fulfilled), stock)
	e.verify(t)
}
