package points_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/ledger/memstore"
	"github.com/tongxin/tongxin/points"
)

// TestClawbackRacingPartialReportsOnce: two clawbacks of one award whose points were partly
// spent (two auditors, or two processes) race each other; the other one runs entirely at
// each point where this one writes. The award is clawed back once, and exactly one of the
// two reports it: the other says AlreadyDone, so a caller counting recovered points and
// debts counts them once.
func TestClawbackRacingPartialReportsOnce(t *testing.T) {
	for at := 1; at <= 6; at++ {
		t.Run(fmt.Sprint("other clawback before write ", at), func(t *testing.T) {
			store := &nthCallStore{Store: memstore.New(), updatesOnly: true}
			e := newEnvOn(t, store, testScheme())
			v := e.volunteer(t, "wang")
			d := e.done(t, "r1", catalog.UrgencyNormal, true, work{v, "2", true})
			_, err := e.inc.AwardAudited(e.ctx, e.cat, d.ID, v.ID, "auditor-li") // 30 points
			require.NoError(t, err)
			sh, err := points.NewShop(e.ctx, e.inc)
			require.NoError(t, err)
			require.NoError(t, sh.AddItem(e.ctx, points.Item{SKU: "rice", Name: "大米", Price: dec("25")}))
			require.NoError(t, sh.Restock(e.ctx, "rice", 1, "n1"))
			r, err := sh.Redeem(e.ctx, "o1", points.ProviderHolder(v), "rice", 1)
			require.NoError(t, err)
			require.NoError(t, sh.Fulfil(e.ctx, r)) // 5 points left
			other, err := points.New(e.ctx, e.l, testScheme())
			require.NoError(t, err)

			var theirs points.ClawbackResult
			var theirErr error
			store.arm(at, func() { theirs, theirErr = other.Clawback(e.ctx, d.ID, v, "fraud") })
			ours, err := e.inc.Clawback(e.ctx, d.ID, v, "fraud")
			require.NoError(t, err)
			require.NoError(t, theirErr)

			assert.Equal(t, "0", e.balance(t, e.inc.HolderAccount(points.ProviderHolder(v))).String())
			assert.Equal(t, "25", e.balance(t, e.inc.DebtAccount(points.ProviderHolder(v))).String())
			if theirs.Transaction.ID == [16]byte{} && !theirs.AlreadyDone {
				return // the other clawback did not run: ours had fewer writes
			}
			assert.NotEqual(t, ours.AlreadyDone, theirs.AlreadyDone, "exactly one reports the clawback: ours %+v, theirs %+v", ours, theirs)
			assert.Equal(t, "5", ours.Recovered.Add(theirs.Recovered).String(), "recovered once")
			assert.Equal(t, "25", ours.Debt.Add(theirs.Debt).String(), "debt recorded once")
			e.verify(t)
		})
	}
}
