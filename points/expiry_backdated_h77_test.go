package points_test

import (
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/memstore"
)

// TestH77ExpireBackDatedPoints: a lot is dated by its effective time, not by when it was
// posted (the package doc: "every amount a holder received is a lot dated by its effective
// time, and everything the holder spent ... consumed the oldest lots first"). Points posted
// back-dated beyond the validity after newer points expire; spending takes them first, as the
// oldest. Expire read lots in posting order and stopped at the first one not due, so the
// back-dated points never expired, and spending took the newer points in their place.
func TestH77ExpireBackDatedPoints(t *testing.T) {
	t.Run("received after newer points", func(t *testing.T) {
		tw := newTwin(t, memstore.New(), expiryScheme("c0", 12, false))
		tw.give(t, 0, "p-1", 10, 1)  // yesterday: valid
		tw.give(t, 0, "p-1", 5, 500) // back-dated 500 days: due
		tw.give(t, 0, "p-1", 7, 2)   // two days ago: valid
		tw.give(t, 0, "p-1", 3, 400) // back-dated 400 days: due
		rep, err := tw.incs[0].Expire(tw.ctx, tw.clock.Now())
		require.NoError(t, err)
		require.Equal(t, "8", rep.Points.String(), "the back-dated 5 and 3")
		bal, err := tw.l.Balance(tw.ctx, tw.incs[0].HolderAccount("p-1"))
		require.NoError(t, err)
		require.Equal(t, "17", bal.String())
	})
	t.Run("history imported newest first", func(t *testing.T) {
		tw := newTwin(t, memstore.New(), expiryScheme("c0", 12, false))
		inc := tw.incs[0]
		for daysAgo := 1; daysAgo <= 1000; daysAgo++ {
			tw.give(t, 0, "p-1", 1, daysAgo) // due from 365 days on: 636 of them
		}
		_, err := tw.l.Post(tw.ctx, ledger.Transaction{Postings: []ledger.Posting{
			{From: inc.HolderAccount("p-1"), To: inc.ShopAccount(), Amount: decimal.NewFromInt(100), Asset: "PTS"}}})
		require.NoError(t, err)
		rep, err := inc.Expire(tw.ctx, tw.clock.Now())
		require.NoError(t, err)
		require.Equal(t, "536", rep.Points.String(), "the 100 spent were the oldest")
	})
	t.Run("spent oldest first", func(t *testing.T) {
		tw := newTwin(t, memstore.New(), expiryScheme("c0", 12, false))
		inc := tw.incs[0]
		tw.give(t, 0, "p-1", 10, 1)  // valid
		tw.give(t, 0, "p-1", 5, 500) // due, back-dated
		_, err := tw.l.Post(tw.ctx, ledger.Transaction{Postings: []ledger.Posting{
			{From: inc.HolderAccount("p-1"), To: inc.ShopAccount(), Amount: decimal.NewFromInt(5), Asset: "PTS"}}})
		require.NoError(t, err)
		rep, err := inc.Expire(tw.ctx, tw.clock.Now())
		require.NoError(t, err)
		require.True(t, rep.Points.IsZero(), "the 5 spent were the oldest: %s expired", rep.Points)
		bal, err := tw.l.Balance(tw.ctx, inc.HolderAccount("p-1"))
		require.NoError(t, err)
		require.Equal(t, "10", bal.String())
	})
}
