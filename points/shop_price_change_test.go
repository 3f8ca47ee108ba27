package points_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/points"
)

// TestRedeemReplayAfterPriceChange: a platform whose Redeem answer was lost retries the same
// request after the shop changed the price. It must get the redemption it made, at the price
// of its day, so it can fulfil or cancel it; ErrKeyReused would leave the points and the units
// reserved with no way to their holds. Another holder, item or quantity is still refused.
func TestRedeemReplayAfterPriceChange(t *testing.T) {
	e, sh, h := shopEnv(t) // h has 30 points; rice costs 10
	require.NoError(t, sh.AddItem(e.ctx, points.Item{SKU: "oil", Name: "食用油", Price: dec("5")}))
	require.NoError(t, sh.Restock(e.ctx, "oil", 5, "note-oil"))
	first, err := sh.Redeem(e.ctx, "order-1", h, "rice", 2)
	require.NoError(t, err)
	require.Equal(t, "20", first.Points.String())

	require.NoError(t, sh.AddItem(e.ctx, points.Item{SKU: "rice", Name: "大米 5kg", Price: dec("12")}))
	again, err := sh.Redeem(e.ctx, "order-1", h, "rice", 2)
	require.NoError(t, err, "the same request after a price change")
	assert.True(t, again.Points.Equal(first.Points), "at the old price: %s", again.Points)
	again.Points = first.Points
	assert.Equal(t, first, again, "the redemption it made")

	for _, c := range []struct {
		name, holder, sku string
		quantity          int64
	}{
		{"another quantity", h, "rice", 1},
		{"another item", h, "oil", 2},
		{"another holder", "p-nobody", "rice", 2},
	} {
		_, err := sh.Redeem(e.ctx, "order-1", c.holder, c.sku, c.quantity)
		assert.ErrorIs(t, err, points.ErrKeyReused, c.name)
	}

	avail, err := e.l.Available(e.ctx, e.inc.HolderAccount(h))
	require.NoError(t, err)
	assert.Equal(t, "10", avail.String(), "one reservation of 20, not two")
	require.NoError(t, sh.Fulfil(e.ctx, again), "the replayed redemption settles")
	bal, err := e.l.Balance(e.ctx, e.inc.HolderAccount(h))
	require.NoError(t, err)
	assert.Equal(t, "10", bal.String(), "paid at the price it was reserved at")

	// After a cancellation, the replay still answers with the cancelled redemption's points.
	r2, err := sh.Redeem(e.ctx, "order-2", h, "oil", 1)
	require.NoError(t, err)
	require.NoError(t, sh.Cancel(e.ctx, r2))
	require.NoError(t, sh.AddItem(e.ctx, points.Item{SKU: "oil", Name: "食用油", Price: dec("7")}))
	again2, err := sh.Redeem(e.ctx, "order-2", h, "oil", 1)
	require.NoError(t, err)
	assert.True(t, again2.Points.Equal(r2.Points), "at the old price: %s", again2.Points)
	again2.Points = r2.Points
	assert.Equal(t, r2, again2)
}
