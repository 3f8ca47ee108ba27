package points_test

import (
	"errors"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/points"
)

// TestRedeemKeyReusedKeepsFirst: a redemption key reused by another holder (or for another
// quantity) is refused with ErrKeyReused, and the redemption first made under it keeps its
// reserved units and can still be fulfilled. (A replay after a price change is the same
// request: TestRedeemReplayAfterPriceChange.)
func TestRedeemKeyReusedKeepsFirst(t *testing.T) {
	e, sh, h := shopEnv(t)
	v := e.volunteer(t, "li")
	d := e.done(t, "r9", catalog.UrgencyNormal, true, work{v, "2", true})
	_, err := e.inc.AwardAudited(e.ctx, e.cat, d.ID, v.ID, "x")
	require.NoError(t, err)
	other := points.ProviderHolder(v)

	r, err := sh.Redeem(e.ctx, "order-1", h, "rice", 1)
	require.NoError(t, err)
	_, err = sh.Redeem(e.ctx, "order-1", other, "rice", 1)
	require.ErrorIs(t, err, points.ErrKeyReused)
	_, err = sh.Redeem(e.ctx, "order-1", h, "rice", 2)
	require.ErrorIs(t, err, points.ErrKeyReused)

	stock, err := sh.Stock(e.ctx, "rice")
	require.NoError(t, err)
	assert.Equal(t, int64(4), stock, "the first redemption's unit stays reserved")
	require.NoError(t, sh.Fulfil(e.ctx, r))
	e.verify(t)
}

// TestRedeemRetryAfterRefusal: a redemption refused for want of points does not use up its
// key: once the holder has the points, the same request reserves units and points and can be
// fulfilled.
func TestRedeemRetryAfterRefusal(t *testing.T) {
	e, sh, h := shopEnv(t) // h has 30 points
	require.NoError(t, sh.AddItem(e.ctx, points.Item{SKU: "oil", Name: "食用油", Price: dec("40")}))
	require.NoError(t, sh.Restock(e.ctx, "oil", 2, "note-2"))
	_, err := sh.Redeem(e.ctx, "order-1", h, "oil", 1)
	require.ErrorIs(t, err, points.ErrInsufficientPoints)

	v := e.volunteer(t, "wang") // the same person: the same holder h
	require.Equal(t, h, points.ProviderHolder(v))
	d := e.done(t, "r2", catalog.UrgencyNormal, true, work{v, "2", true})
	_, err = e.inc.AwardAudited(e.ctx, e.cat, d.ID, v.ID, "x")
	require.NoError(t, err)

	r, err := sh.Redeem(e.ctx, "order-1", h, "oil", 1)
	require.NoError(t, err)
	stock, err := sh.Stock(e.ctx, "oil")
	require.NoError(t, err)
	assert.Equal(t, int64(1), stock, "the retried redemption reserves its unit")
	again, err := sh.Redeem(e.ctx, "order-1", h, "oil", 1)
	require.NoError(t, err)
	assert.Equal(t, r, again, "a replay returns the same redemption")
	require.NoError(t, sh.Fulfil(e.ctx, r))
	again, err = sh.Redeem(e.ctx, "order-1", h, "oil", 1)
	require.NoError(t, err)
	assert.Equal(t, r, again, "a replay after fulfilment returns the same redemption")
	stock, err = sh.Stock(e.ctx, "oil")
	require.NoError(t, err)
	assert.Equal(t, int64(1), stock)
	assert.Equal(t, "20", e.balance(t, e.inc.HolderAccount(h)).String())
	e.verify(t)
}

// TestRedeemRefusedForPointsThenStock: a redemption refused for want of points, retried and
// refused for want of stock, then asked again, is refused again cleanly (it once came back as
// a redemption whose holds were both released, which read as cancelled), and once the item is
// back in stock the same key makes exactly one redemption.
func TestRedeemRefusedForPointsThenStock(t *testing.T) {
	e, sh, h := shopEnv(t) // h has 30 points
	require.NoError(t, sh.AddItem(e.ctx, points.Item{SKU: "oil", Name: "食用油", Price: dec("40")}))
	require.NoError(t, sh.Restock(e.ctx, "oil", 1, "note-2"))
	_, err := sh.Redeem(e.ctx, "order-1", h, "oil", 1)
	require.ErrorIs(t, err, points.ErrInsufficientPoints)

	wang := e.volunteer(t, "wang") // the same person: h
	d := e.done(t, "r2", catalog.UrgencyNormal, true, work{wang, "2", true})
	_, err = e.inc.AwardAudited(e.ctx, e.cat, d.ID, wang.ID, "x")
	require.NoError(t, err)
	li := e.volunteer(t, "li")
	d = e.done(t, "r3", catalog.UrgencyNormal, true, work{li, "8", true})
	_, err = e.inc.AwardAudited(e.ctx, e.cat, d.ID, li.ID, "x")
	require.NoError(t, err)
	other, err := sh.Redeem(e.ctx, "order-li", points.ProviderHolder(li), "oil", 1) // the last bottle
	require.NoError(t, err)

	for i := range 3 {
		seq := e.head(t)
		_, err = sh.Redeem(e.ctx, "order-1", h, "oil", 1)
		require.ErrorIs(t, err, points.ErrOutOfStock, "call %d", i)
		assert.Equal(t, seq, e.head(t), "call %d: a refusal writes nothing", i)
	}
	assert.Equal(t, "60", e.available(t, e.inc.HolderAccount(h)).String(), "no points held")

	require.NoError(t, sh.Cancel(e.ctx, other)) // the bottle is back on the shelf
	r, err := sh.Redeem(e.ctx, "order-1", h, "oil", 1)
	require.NoError(t, err)
	assert.Equal(t, "20", e.available(t, e.inc.HolderAccount(h)).String())
	stock, err := sh.Stock(e.ctx, "oil")
	require.NoError(t, err)
	assert.Equal(t, int64(0), stock)
	again, err := sh.Redeem(e.ctx, "order-1", h, "oil", 1)
	require.NoError(t, err)
	assert.Equal(t, r, again)
	require.NoError(t, sh.Fulfil(e.ctx, r))
	again, err = sh.Redeem(e.ctx, "order-1", h, "oil", 1)
	require.NoError(t, err)
	assert.Equal(t, r, again, "a replay after fulfilment returns the same redemption")
	assert.Equal(t, "20", e.balance(t, e.inc.HolderAccount(h)).String())
	assert.Equal(t, "40", e.balance(t, e.inc.ShopAccount()).String())
	e.verify(t)
}

func (e *env) available(t testing.TB, id ledger.AccountID) decimal.Decimal {
	t.Helper()
	v, err := e.l.Available(e.ctx, id)
	if errors.Is(err, ledger.ErrUnknownAccount) {
		return decimal.Zero
	}
	require.NoError(t, err)
	return v
}
