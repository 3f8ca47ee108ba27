package embed_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/internal/sqltest"
	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/points"
)

// h78AfterClose: once a service has closed its stores, every call of every package fails with
// the store's ErrClosed (typed, matchable), and a second Close is harmless.
func h78AfterClose(t *testing.T, open h78Opener) {
	ctx := context.Background()
	in, err := h78Open(ctx, open)
	h78NoErr(t, err)
	w := h78Setup(ctx, t, in, 2, 2)
	h78NoErr(t, in.Close())
	p := w.providers[0]
	holder := points.ProviderHolder(p)
	calls := map[string]error{}
	_, calls["catalog.Demand"] = in.cat.Demand(ctx, w.demands[0])
	_, calls["catalog.Claim"] = in.cat.Claim(ctx, w.demands[0], p.ID, catalog.Act{Actor: p.PersonID})
	_, calls["catalog.CreateDemand"] = in.cat.CreateDemand(ctx, catalog.Demand{Kind: catalog.Wish, Title: "x",
		Category: "repair_electric", Requester: catalog.RequesterRef{ID: "r-x", Name: "x"},
		Location: catalog.Location{Grid: h78Scope}}, "r-x")
	_, calls["catalog.Providers"] = in.cat.Providers(ctx, catalog.ProviderQuery{Limit: 10})
	_, calls["points.AwardAudited"] = in.inc.AwardAudited(ctx, in.cat, w.demands[0], p.ID, h78Office)
	_, calls["points.Balance"] = in.inc.Balance(ctx, holder)
	_, calls["points.Redeem"] = in.shop.Redeem(ctx, "rd-closed", holder, h78SKU, 1)
	_, calls["points.Stock"] = in.shop.Stock(ctx, h78SKU)
	calls["points.Restock"] = in.shop.Restock(ctx, h78SKU, 1, "delivery-closed")
	_, calls["points.Hours"] = in.tb.Hours(ctx, holder)
	calls["ledger.Verify"] = in.led.Verify(ctx)
	_, calls["points.Leaderboards"] = points.Leaderboards(ctx, in.led, points.LeaderboardQuery{})
	for name, err := range calls {
		if !errors.Is(err, catalog.ErrClosed) && !errors.Is(err, ledger.ErrClosed) {
			t.Errorf("%s after Close: %v, want ErrClosed", name, err)
		}
	}
	if err := in.Close(); err != nil && !errors.Is(err, ledger.ErrClosed) && !errors.Is(err, catalog.ErrClosed) {
		t.Errorf("second Close: %v", err)
	}
}

func TestCallsAfterCloseSQLite_h78(t *testing.T) {
	h78AfterClose(t, h78SQLite(filepath.Join(t.TempDir(), "tongxin.db")))
}

func TestCallsAfterClosePostgres_h78(t *testing.T) {
	h78AfterClose(t, h78Postgres(sqltest.FreshSchema(t)))
}
