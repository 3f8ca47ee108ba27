package points_test

import (
	"testing"
	"time"

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

// TestClawbackReportsRestoredDebt: an award that paid off 25 points of debt and gave the
// holder 5 is clawed back while the holder still has the 5. The reversal takes the 5 back and
// makes the 25 owed again; the result said Debt 0 (while a clawback of the same award after
// the holder spent a point said 26), so a caller reading it missed the debt it had restored.
func TestClawbackReportsRestoredDebt(t *testing.T) {
	for _, spend := range []bool{false, true} {
		t.Run(sprint("spent ", spend), func(t *testing.T) {
			e := newEnv(t, testScheme())
			v := e.volunteer(t, "wang")
			h := points.ProviderHolder(v)
			sh, err := points.NewShop(e.ctx, e.inc)
			require.NoError(t, err)
			require.NoError(t, sh.AddItem(e.ctx, points.Item{SKU: "rice", Name: "大米", Price: dec("25")}))
			require.NoError(t, sh.AddItem(e.ctx, points.Item{SKU: "soap", Name: "肥皂", Price: dec("1")}))
			require.NoError(t, sh.Restock(e.ctx, "rice", 1, "n1"))
			require.NoError(t, sh.Restock(e.ctx, "soap", 1, "n2"))
			d1 := e.done(t, "r1", catalog.UrgencyNormal, true, work{v, "2", true}) // 30
			_, err = e.inc.AwardAudited(e.ctx, e.cat, d1.ID, v.ID, "x")
			require.NoError(t, err)
			rd, err := sh.Redeem(e.ctx, "o1", h, "rice", 1)
			require.NoError(t, err)
			require.NoError(t, sh.Fulfil(e.ctx, rd))
			_, err = e.inc.Clawback(e.ctx, d1.ID, v, "fraud") // 5 back, 25 owed
			require.NoError(t, err)

			e.clock.Advance(48 * time.Hour)
			d2 := e.done(t, "r2", catalog.UrgencyNormal, true, work{v, "2", true}) // 30: 25 pay the debt
			r2, err := e.inc.AwardAudited(e.ctx, e.cat, d2.ID, v.ID, "x")
			require.NoError(t, err)
			require.Equal(t, "25", r2.DebtPaid.String())
			if spend {
				rd, err := sh.Redeem(e.ctx, "o2", h, "soap", 1)
				require.NoError(t, err)
				require.NoError(t, sh.Fulfil(e.ctx, rd))
			}
			before, err := e.inc.Debt(e.ctx, h)
			require.NoError(t, err)
			res, err := e.inc.Clawback(e.ctx, d2.ID, v, "fraud again")
			require.NoError(t, err)
			after, err := e.inc.Debt(e.ctx, h)
			require.NoError(t, err)
			assert.Equal(t, after.Sub(before).String(), res.Debt.String(), "Debt is what the clawback made owed")
			assert.Equal(t, "30", res.Recovered.Add(res.Debt).String())
			want := "25"
			if spend {
				want = "26"
			}
			assert.Equal(t, want, res.Debt.String())
			e.verify(t)
		})
	}
}

// TestAwardAndClawbackOfSameCommunitysOtherAsset: one community runs two schemes on one ledger
// (points PTS and an honour score HONOR). Their award keys name neither community nor asset,
// so the HONOR scheme's Award of a completion already awarded in PTS found the PTS award and
// reported it as its own (30 points, success) though no HONOR was ever posted, and the HONOR
// scheme's Clawback reversed the PTS award. Both are ErrNotAwarded now, and nothing is posted.
func TestAwardAndClawbackOfSameCommunitysOtherAsset(t *testing.T) {
	e := newEnv(t, testScheme())
	sb := testScheme()
	sb.Asset, sb.Scale = "HONOR", 0
	b, err := points.New(e.ctx, e.l, sb)
	require.NoError(t, err)
	v := e.volunteer(t, "wang")
	d := e.done(t, "r1", catalog.UrgencyNormal, true, work{v, "2", true})
	_, err = e.inc.Award(e.ctx, completion(t, e, d.ID, v.ID))
	require.NoError(t, err)

	seq := e.head(t)
	_, err = b.Award(e.ctx, completion(t, e, d.ID, v.ID))
	require.ErrorIs(t, err, points.ErrNotAwarded)
	_, err = b.Clawback(e.ctx, d.ID, v, "fraud")
	require.ErrorIs(t, err, points.ErrNotAwarded)
	assert.Equal(t, seq, e.head(t), "nothing posted")

	res, err := e.inc.Clawback(e.ctx, d.ID, v, "fraud")
	require.NoError(t, err)
	assert.False(t, res.AlreadyDone)
	assert.Equal(t, "30", res.Recovered.String())
	e.verify(t)
}
