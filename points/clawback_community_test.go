package points_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/points"
)

// TestClawbackOfAnotherCommunitysAward: two communities share a ledger (a district). A
// clawback asked of the wrong community's Incentive found the award by its key, which does
// not name the community; with part of the points spent it posted a "clawback" that took
// nothing back (the postings were not from its issuer) under the award's clawback key, so
// the right community's clawback then reported AlreadyDone and the points were never
// recovered. It is ErrNotAwarded now and changes nothing.
func TestClawbackOfAnotherCommunitysAward(t *testing.T) {
	e := newEnv(t, testScheme())
	sb := testScheme()
	sb.Community = "other"
	b, err := points.New(e.ctx, e.l, sb)
	require.NoError(t, err)
	v := e.volunteer(t, "wang")
	d := e.done(t, "r1", catalog.UrgencyNormal, true, work{v, "2", true}) // 30 points
	_, err = e.inc.AwardAudited(e.ctx, e.cat, d.ID, v.ID, "x")
	require.NoError(t, err)
	h := points.ProviderHolder(v)
	_, err = e.l.Post(e.ctx, ledger.Transaction{Postings: []ledger.Posting{{From: e.inc.HolderAccount(h), To: e.inc.ShopAccount(), Amount: dec("10"), Asset: "PTS"}}})
	require.NoError(t, err)

	seq := e.head(t)
	_, err = b.Clawback(e.ctx, d.ID, v, "fraud")
	require.ErrorIs(t, err, points.ErrNotAwarded)
	assert.Equal(t, seq, e.head(t), "nothing posted")

	res, err := e.inc.Clawback(e.ctx, d.ID, v, "fraud")
	require.NoError(t, err)
	assert.False(t, res.AlreadyDone)
	assert.Equal(t, "20", res.Recovered.String())
	assert.Equal(t, "10", res.Debt.String())
	e.verify(t)
}
