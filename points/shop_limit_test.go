package points_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/points"
)

// TestRedeemBeyondPostingLimit: at scale 9 an item priced at the price cap (10^9 points, the
// ledger's 10^18 minor units per posting) can be redeemed once, but two units cost more than
// one posting may carry. Redeem refuses that with ErrInvalid before reserving anything, and
// again on every retry, even for a holder who has the points.
func TestRedeemBeyondPostingLimit(t *testing.T) {
	require.Equal(t, ledger.AmountMinorMax, int64(points.CapMax)*1_000_000_000,
		"one unit at the price cap is postable at the largest scale")
	s := testScheme()
	s.Scale = 9
	s.DailyCap, s.MonthlyCap = dec("0"), dec("0")
	e := newEnv(t, s)
	sh, err := points.NewShop(e.ctx, e.inc)
	require.NoError(t, err)
	require.NoError(t, sh.AddItem(e.ctx, points.Item{SKU: "gold", Name: "金条", Price: dec("1000000000")}))
	require.NoError(t, sh.Restock(e.ctx, "gold", 5, "n1"))
	require.ErrorIs(t, sh.AddItem(e.ctx, points.Item{SKU: "gold2", Name: "金条", Price: dec("1000000000.000000001")}), points.ErrInvalid,
		"a price whose single unit cannot be posted is refused")

	const h = "p-rich"
	acct := e.inc.HolderAccount(h)
	require.NoError(t, e.l.OpenAccount(e.ctx, ledger.Account{ID: acct, Asset: e.inc.Scheme().Asset}))
	for _, k := range []string{"fund-1", "fund-2", "fund-3"} {
		_, err := e.l.Post(e.ctx, ledger.Transaction{IdempotencyKey: k, Postings: []ledger.Posting{
			{From: e.inc.IssuerAccount(), To: acct, Amount: dec("1000000000"), Asset: e.inc.Scheme().Asset},
		}})
		require.NoError(t, err)
	}

	for i := range 3 {
		seq := e.head(t)
		_, err := sh.Redeem(e.ctx, "order-1", h, "gold", 2)
		require.ErrorIs(t, err, points.ErrInvalid, "call %d", i)
		assert.Equal(t, seq, e.head(t), "call %d: the refusal writes nothing", i)
		stock, err := sh.Stock(e.ctx, "gold")
		require.NoError(t, err)
		assert.Equal(t, int64(5), stock, "call %d: no units reserved", i)
		assert.Equal(t, "3000000000", e.available(t, acct).String(), "call %d: no points held", i)
	}

	r, err := sh.Redeem(e.ctx, "order-1", h, "gold", 1)
	require.NoError(t, err, "the key is still free for a request that can be posted")
	require.NoError(t, sh.Fulfil(e.ctx, r))
	assert.Equal(t, "2000000000", e.balance(t, acct).String())
	e.verify(t)
}
