package embed_test

import (
	"context"
	"testing"
	"time"

	"github.com/tongxin/tongxin/catalog"
	catalogsql "github.com/tongxin/tongxin/catalog/sqlstore"
	"github.com/tongxin/tongxin/matching"
)

// TestSuggestDemandsOnlyClaimable_h78: a volunteer opens the board page (揭榜), the service asks
// the matcher for the demands that fit them best (Matcher.SuggestDemands, "what a board shows
// a volunteer", over the open demands as catalog.DemandQuery's doc says to list them:
// catalog.OpenStatuses) and the volunteer claims the first. SuggestDemands leaves out what
// catalog.Claim refuses (dispatched to others, deadline passed, no free place) but suggests a
// demand still Open: on no board and dispatched to no one, which catalog.Claim refuses with
// ErrInvalidTransition. Cause: matching/suggest.go keeps every demand of openForPlan
// (plan.go:447, catalog.OpenStatuses), the statuses Plan dispatches from, instead of the
// claimable ones (catalog.Status.Claimable: Published, Dispatched, Claimed).
func TestSuggestDemandsOnlyClaimable_h78(t *testing.T) {
	t.Skip("defect: matching.SuggestDemands suggests Open demands that catalog.Claim refuses (suggest.go uses openForPlan); see report")
	ctx := context.Background()
	st, err := catalogsql.OpenSQLite(ctx, ":memory:")
	h78NoErr(t, err)
	defer st.Close()
	cat, err := catalog.New(st)
	h78NoErr(t, err)
	grid := catalog.GridPath(string(h78Scope) + "/第1网格")
	p, err := cat.RegisterProvider(ctx, catalog.Provider{Kind: catalog.Volunteer, Name: "李师傅", PersonID: "v-li",
		Skills: []catalog.Skill{"repair_electric"}, Home: grid, Capacity: 2}, h78Office)
	h78NoErr(t, err)
	d, err := cat.CreateDemand(ctx, catalog.Demand{Kind: catalog.Wish, Title: "灯不亮", Category: "repair_electric",
		Requester: catalog.RequesterRef{ID: "r-wang", Name: "王奶奶"}, Location: catalog.Location{Grid: grid},
		Status: catalog.StatusOpen}, "r-wang")
	h78NoErr(t, err)
	page, err := cat.Demands(ctx, catalog.DemandQuery{Statuses: catalog.OpenStatuses})
	h78NoErr(t, err)
	m, err := matching.NewMatcher(page.Demands, []catalog.Provider{p}, matching.Options{Now: time.Now})
	h78NoErr(t, err)
	sugg, err := m.SuggestDemands(p.ID, 5)
	h78NoErr(t, err)
	for _, s := range sugg {
		if _, err := cat.Claim(ctx, s.ID, p.ID, catalog.Act{Actor: p.PersonID}); err != nil {
			t.Errorf("suggested demand %s (status %v) cannot be claimed: %v", s.ID, d.Status, err)
		}
	}
}
