package points_test

import (
	"context"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/memstore"
	"github.com/tongxin/tongxin/points"
)

// TestExpireOncePerPeriodAfterPartialExpiry: a holder's old points are partly held, so the
// period's first run expires only what is available. Later in the same period the holder
// receives and spends points, and what is available would now cover the rest of the old
// lot; a second run of the period must still leave the account alone.
func TestExpireOncePerPeriodAfterPartialExpiry(t *testing.T) {
	tw := newTwin(t, memstore.New(), expiryScheme("c0", 12, false))
	inc := tw.incs[0]
	acct := inc.HolderAccount("p-1")
	tw.give(t, 0, "p-1", 13, 400) // expired by now
	order, err := tw.l.Hold(tw.ctx, ledger.Posting{From: acct, To: inc.ShopAccount(), Amount: decimal.NewFromInt(8), Asset: "PTS"}, ledger.HoldOptions{})
	require.NoError(t, err) // a redemption in progress
	now := tw.clock.Now()

	first, err := inc.Expire(tw.ctx, now)
	require.NoError(t, err)
	assert.Equal(t, "5", first.Points.String(), "only what is not held")
	assert.Equal(t, 1, first.Accounts)

	tw.give(t, 0, "p-1", 9, 1)             // new points, not expired
	tw.move(t, acct, inc.ShopAccount(), 3) // spent: the oldest lot is down to 5
	head := tw.state(t).head
	again, err := inc.Expire(tw.ctx, now)
	require.NoError(t, err)
	assert.Zero(t, again.Accounts)
	assert.Zero(t, again.Transactions)
	assert.True(t, again.Points.IsZero(), again.Points.String())
	assert.Equal(t, 1, again.AlreadyDone, "the account expired earlier in the period")
	assert.Equal(t, head, tw.state(t).head, "nothing posted")
	bal, err := tw.l.Balance(tw.ctx, acct)
	require.NoError(t, err)
	assert.Equal(t, "14", bal.String())

	// The next period, the order still holds the 5 old points left (spending takes the oldest
	// first): nothing expires. Cancelled, it gives them back, and the period after expires them.
	next, err := inc.Expire(tw.ctx, now.AddDate(0, 0, 1))
	require.NoError(t, err)
	assert.True(t, next.Points.IsZero(), next.Points.String())
	require.NoError(t, tw.l.Release(tw.ctx, order.ID))
	after, err := inc.Expire(tw.ctx, now.AddDate(0, 0, 2))
	require.NoError(t, err)
	assert.Equal(t, "5", after.Points.String())
}

// raceStore runs race once, before the first Update after armed is set: a run in another
// process committing between this run's scan and its posting. One goroutine only.
type raceStore struct {
	ledger.Store
	armed bool
	race  func()
}

func (s *raceStore) Update(ctx context.Context, fn func(tx ledger.StoreTx) error) error {
	if s.armed {
		s.armed = false // race's own Updates go straight through
		s.race()
	}
	return s.Store.Update(ctx, fn)
}

// TestExpireRacingRunsCountOnce: two Incentives of one scheme (two processes) expire the same
// period; the second one's scan happened before the first one posted. Its posting replays the
// first one's, and its report says so instead of counting the points as expired again.
func TestExpireRacingRunsCountOnce(t *testing.T) {
	rs := &raceStore{Store: memstore.New()}
	tw := newTwin(t, rs, expiryScheme("c0", 12, false))
	other, err := points.New(tw.ctx, tw.l, expiryScheme("c0", 12, false))
	require.NoError(t, err)
	tw.give(t, 0, "p-1", 20, 400)
	tw.give(t, 0, "p-2", 30, 400)
	now := tw.clock.Now()
	var theirs points.ExpiryReport
	rs.race = func() {
		theirs, err = other.Expire(tw.ctx, now)
		require.NoError(t, err)
	}
	rs.armed = true // the next Update is this run's PostBatch: its scan is done
	ours, err := tw.incs[0].Expire(tw.ctx, now)
	require.NoError(t, err)
	assert.Equal(t, 2, theirs.Accounts)
	assert.Equal(t, "50", theirs.Points.String())
	assert.Zero(t, ours.Accounts, "the other run posted it")
	assert.True(t, ours.Points.IsZero(), ours.Points.String())
	assert.Equal(t, 2, ours.AlreadyDone, "each holder's expiry found posted")
	bal, err := tw.l.Balance(tw.ctx, tw.incs[0].ExpiryAccount())
	require.NoError(t, err)
	assert.Equal(t, "50", bal.String(), "expired once")
}
