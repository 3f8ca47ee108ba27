package points_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/points"
)

// TestRedeemKeyReusedKeepsFirst: a redemption key reused by another holder (or at another
// price) is refused with ErrKeyReused, and the redemption first made under it keeps its
// reserved units and can still be fulfilled.
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
	require.NoError(t, sh.AddItem(e.ctx, points.Item{SKU: "rice", Name: "大米 5kg", Price: dec("12")}))
	_, err = sh.Redeem(e.ctx, "order-1", h, "rice", 1)
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
