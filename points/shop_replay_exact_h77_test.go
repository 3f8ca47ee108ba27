package points_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/memstore"
	"github.com/tongxin/tongxin/ledger/sqlstore"
	"github.com/tongxin/tongxin/points"
)

// TestH77RedeemReplayReturnsTheFirstAnswer: a redemption replayed (the same request under its
// key) returns exactly the Redemption the first call returned, whether or not the price changed
// in between: the points are one decimal, not the same value written with another exponent
// (7.5 × 3 answered first as 22.5 and, after the price changed, as the ledger's 22.50).
func TestH77RedeemReplayReturnsTheFirstAnswer(t *testing.T) {
	for name, open := range map[string]func(t *testing.T) ledger.Store{
		"memstore": func(*testing.T) ledger.Store { return memstore.New() },
		"sqlite": func(t *testing.T) ledger.Store {
			st, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "shop.db"))
			require.NoError(t, err)
			t.Cleanup(func() { _ = st.Close() })
			return st
		},
	} {
		t.Run(name, func(t *testing.T) {
			s := testScheme()
			s.DailyCap, s.MonthlyCap = dec("0"), dec("0")
			e := newEnvOn(t, open(t), s)
			v := e.volunteer(t, "wang")
			d := e.done(t, "r1", catalog.UrgencyNormal, true, work{v, "5", true})
			_, err := e.inc.AwardAudited(e.ctx, e.cat, d.ID, v.ID, "x") // 35 points
			require.NoError(t, err)
			h := points.ProviderHolder(v)
			sh, err := points.NewShop(e.ctx, e.inc)
			require.NoError(t, err)
			require.NoError(t, sh.AddItem(e.ctx, points.Item{SKU: "tea", Name: "茶叶", Price: dec("7.5")}))
			require.NoError(t, sh.Restock(e.ctx, "tea", 5, "n-tea"))

			first, err := sh.Redeem(e.ctx, "o-1", h, "tea", 3)
			require.NoError(t, err)
			same, err := sh.Redeem(e.ctx, "o-1", h, "tea", 3)
			require.NoError(t, err)
			require.Equal(t, first, same, "a replay at the same price")

			require.NoError(t, sh.AddItem(e.ctx, points.Item{SKU: "tea", Name: "茶叶", Price: dec("8")}))
			again, err := sh.Redeem(e.ctx, "o-1", h, "tea", 3)
			require.NoError(t, err)
			require.Equal(t, first, again, "a replay after a price change: %s (exponent %d), first %s (exponent %d)",
				again.Points, again.Points.Exponent(), first.Points, first.Points.Exponent())
			require.NoError(t, sh.Fulfil(e.ctx, again))
		})
	}
}
