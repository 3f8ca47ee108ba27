package points_test

import (
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/memstore"
)

// TestExpireHeldPointsAreTheOldest: a holder has 30 old points and 10 new ones, and an order
// at the shop holds 20 when the expiry runs. Spending takes the oldest points first, so the
// order takes 20 of the old ones and only 10 are left to expire; the 10 new points must stay
// once the order is fulfilled.
func TestExpireHeldPointsAreTheOldest(t *testing.T) {
	for _, tc := range []struct {
		name             string
		fresh            int64
		expired, balance string
	}{
		{"fresh points below the hold", 10, "10", "10"},
		{"fresh points above the old ones", 100, "10", "100"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tw := newTwin(t, memstore.New(), expiryScheme("c0", 12, false))
			inc := tw.incs[0]
			acct := inc.HolderAccount("p-1")
			tw.give(t, 0, "p-1", 30, 400)
			tw.give(t, 0, "p-1", tc.fresh, 10)
			order, err := tw.l.Hold(tw.ctx, ledger.Posting{From: acct, To: inc.ShopAccount(), Amount: decimal.NewFromInt(20), Asset: "PTS"}, ledger.HoldOptions{})
			require.NoError(t, err) // the order at the shop

			rep, err := inc.Expire(tw.ctx, tw.clock.Now())
			require.NoError(t, err)
			assert.Equal(t, tc.expired, rep.Points.String())
			_, err = tw.l.Capture(tw.ctx, order.ID, order.Posting.Amount) // the order is fulfilled
			require.NoError(t, err)
			assert.Equal(t, tc.balance, tw.state(t).balances[acct], "the new points stay")
		})
	}
}

// TestExpireSpentAfterTheScan: a holder with 30 old points and 10 new ones spends 5 right
// after Expire's scan (of one page) read the ledger. Spending takes the oldest points first,
// so 25 expire and the 10 new points stay. The expiry was the amount the scan found, 30, and
// took 5 of the new points.
//
// Expire now reads each due account before posting its expiry; spending between that read
// and the posting (microseconds, against a whole scan of the ledger) still takes new points:
// the ledger has no posting conditional on an account's state to close it.
func TestExpireSpentAfterTheScan(t *testing.T) {
	store := &nthCallStore{Store: memstore.New()}
	tw := newTwin(t, store, expiryScheme("c0", 12, false))
	inc := tw.incs[0]
	acct := inc.HolderAccount("p-1")
	tw.give(t, 0, "p-1", 30, 400)
	tw.give(t, 0, "p-1", 10, 10)
	spent := false
	// Calls 1 and 2 are the ledger's head and the scan's one page.
	store.arm(3, func() { tw.move(t, acct, inc.ShopAccount(), 5); spent = true })
	rep, err := inc.Expire(tw.ctx, tw.clock.Now())
	require.NoError(t, err)
	store.arm(0, nil)
	require.True(t, spent)
	assert.Equal(t, "25", rep.Points.String())
	assert.Equal(t, "10", tw.state(t).balances[acct], "the new points stay")
}
