package points_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/points"
)

// TestH74AwardRetryIsReplayed: an award retried after the receiver's debt changed (it paid
// the debt off the first time) or after the scheme's rates changed is answered with the
// posted award, as its doc says, but its Transaction was not marked Replayed, unlike a retry
// whose postings came out the same: the caller could not tell that the call changed nothing.
func TestH74AwardRetryIsReplayed(t *testing.T) {
	s := testScheme()
	s.DailyCap, s.MonthlyCap = dec("0"), dec("0")
	e := newEnv(t, s)
	v := e.volunteer(t, "wang")
	h := points.ProviderHolder(v)
	debt := e.inc.DebtAccount(h)
	require.NoError(t, e.l.OpenAccount(e.ctx, ledger.Account{ID: debt, Asset: "PTS"}))
	_, err := e.l.Post(e.ctx, ledger.Transaction{Postings: []ledger.Posting{{From: e.inc.IssuerAccount(), To: debt, Amount: dec("5"), Asset: "PTS"}}})
	require.NoError(t, err)

	d := e.done(t, "r1", catalog.UrgencyNormal, true, work{v, "2", true}) // 30 points
	first, err := e.inc.Award(e.ctx, completion(t, e, d.ID, v.ID))
	require.NoError(t, err)
	require.Equal(t, "5", first.DebtPaid.String())
	require.False(t, first.Transaction.Replayed)

	seq := e.head(t)
	again, err := e.inc.Award(e.ctx, completion(t, e, d.ID, v.ID)) // no debt now: other postings
	require.NoError(t, err)
	assert.Equal(t, seq, e.head(t))
	assert.Equal(t, first.Transaction.ID, again.Transaction.ID)
	assert.True(t, again.Transaction.Replayed, "a retry after the debt was paid off")
	assert.Equal(t, "5", again.DebtPaid.String())

	s2 := s
	s2.PointsPerHour = dec("7")
	inc2, err := points.New(e.ctx, e.l, s2)
	require.NoError(t, err)
	r, err := inc2.Award(e.ctx, completion(t, e, d.ID, v.ID))
	require.NoError(t, err)
	assert.Equal(t, seq, e.head(t))
	assert.True(t, r.Transaction.Replayed, "a retry after the rates changed")
	assert.Equal(t, "30", r.Points.String())
	e.verify(t)
}
