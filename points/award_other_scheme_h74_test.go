package points_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/points"
)

// TestH74AwardOfAnotherSchemeOpensNothing: Award's doc says a refused award changes nothing
// and only an over-cap refusal may leave the provider's accounts opened. An award asked of
// the wrong scheme (another asset of the community, or another community, whose scheme
// awarded the part) is refused with ErrNotAwarded, but only once its posting met the key:
// the provider's points, debt and cap accounts of the wrong scheme were opened first.
func TestH74AwardOfAnotherSchemeOpensNothing(t *testing.T) {
	e := newEnv(t, testScheme())
	sb := testScheme()
	sb.Asset, sb.Scale = "HONOR", 0
	b, err := points.New(e.ctx, e.l, sb)
	require.NoError(t, err)
	sc := testScheme()
	sc.Community = "heping"
	c, err := points.New(e.ctx, e.l, sc)
	require.NoError(t, err)
	v := e.volunteer(t, "wang")
	d := e.done(t, "r1", catalog.UrgencyNormal, true, work{v, "2", true})
	_, err = e.inc.Award(e.ctx, completion(t, e, d.ID, v.ID))
	require.NoError(t, err)

	h := points.ProviderHolder(v)
	for _, other := range []*points.Incentive{b, c} {
		_, err = other.Award(e.ctx, completion(t, e, d.ID, v.ID))
		require.ErrorIs(t, err, points.ErrNotAwarded)
		for _, id := range []ledger.AccountID{other.HolderAccount(h), other.DebtAccount(h)} {
			_, err := e.l.Account(e.ctx, id)
			assert.ErrorIs(t, err, ledger.ErrUnknownAccount, "%s opened by a refused award", id)
		}
	}
	e.verify(t)
}
