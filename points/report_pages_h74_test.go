package points_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/points"
)

// TestH74ReportsAcrossScanPages: an award on the first page of the ledger's scan
// (ledger.ScanLimitMax transactions) and its clawback on the second, and another award
// partly spent then clawed back there too: the leaderboard (with a limit) and the
// service records take both out, whichever page they are on.
func TestH74ReportsAcrossScanPages(t *testing.T) {
	if testing.Short() {
		t.Skip("posts a page of transactions")
	}
	s := testScheme()
	s.DailyCap, s.MonthlyCap = dec("0"), dec("0")
	e := newEnv(t, s)
	vs := []catalog.Provider{volunteerOf("a"), volunteerOf("b"), volunteerOf("c")}
	var cs []points.Completion
	for i, v := range vs {
		c := h61Completion(v, fmt.Sprint("r", i), "2", e.clock.Now()) // 30 points each
		_, err := e.inc.Award(e.ctx, c)
		require.NoError(t, err)
		cs = append(cs, c)
	}
	// b spends 20 of its 30 points.
	_, err := e.l.Post(e.ctx, ledger.Transaction{Postings: []ledger.Posting{{From: e.inc.HolderAccount(points.ProviderHolder(vs[1])), To: e.inc.ShopAccount(), Amount: dec("20"), Asset: "PTS"}}})
	require.NoError(t, err)
	// Fill the first page: issuer to shop, nothing a report reads.
	txs := make([]ledger.Transaction, 0, 1000)
	for n := e.head(t); n < ledger.ScanLimitMax+5; n += 1000 {
		txs = txs[:0]
		for range 1000 {
			txs = append(txs, ledger.Transaction{Postings: []ledger.Posting{{From: e.inc.IssuerAccount(), To: e.inc.ExpiryAccount(), Amount: dec("0.01"), Asset: "PTS"}}})
		}
		res, err := e.l.PostBatch(e.ctx, txs)
		require.NoError(t, err)
		for _, r := range res {
			require.NoError(t, r.Err)
		}
	}
	for _, i := range []int{0, 1} { // a reversed in full, b partly (debt)
		res, err := e.inc.Clawback(e.ctx, cs[i].Demand.ID, vs[i], "虚报")
		require.NoError(t, err)
		require.False(t, res.AlreadyDone)
	}
	c2 := h61Completion(vs[2], "r9", "2", e.clock.Now()) // c: 60 points, in two awards
	_, err = e.inc.Award(e.ctx, c2)
	require.NoError(t, err)
	require.Greater(t, e.head(t), uint64(ledger.ScanLimitMax))

	lb, err := points.Leaderboards(e.ctx, e.l, points.LeaderboardQuery{Limit: 1})
	require.NoError(t, err)
	require.Len(t, lb.Providers, 1)
	assert.Equal(t, vs[2].ID.String(), lb.Providers[0].ProviderID)
	assert.Equal(t, "60", lb.Providers[0].Points.String())
	assert.Equal(t, 2, lb.Providers[0].Activities)
	require.Len(t, lb.Communities, 1)
	assert.Equal(t, "60", lb.Communities[0].Points.String())
	assert.Equal(t, 1, lb.Communities[0].Providers)
	for i, want := range []string{"0", "0", "60"} {
		rec, err := points.ServiceRecordOf(e.ctx, e.l, vs[i].ID)
		require.NoError(t, err)
		assert.Equal(t, want, rec.Points.String(), "record of %s", vs[i].PersonID)
	}
	e.verify(t)
}
