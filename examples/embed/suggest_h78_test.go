package embed_test

import (
	"context"
	"testing"
	"time"

	"github.com/tongxin/tongxin/catalog"
	catalogsql "github.com/tongxin/tongxin/catalog/sqlstore"
	"github.com/tongxin/tongxin/matching"
)

// TestSuggestDemandsOnlyClaimable_h78: a volunteer opens the board page (揭榜) and the service
// asks the matcher for the demands that fit them best (Matcher.SuggestDemands), over the open
// demands as catalog.DemandQuery's doc says to list them (catalog.OpenStatuses). Like Plan,
// SuggestDemands also offers a demand still Open (on no board, dispatched to no one), which
// catalog.Claim refuses with ErrInvalidTransition; its doc now says so and how a board keeps
// to what a volunteer may claim (Status.Claimable), and this test follows it.
func TestSuggestDemandsOnlyClaimable_h78(t *testing.T) {
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
	// SuggestDemands offers an Open demand too (the community may dispatch it, see its doc)...
	m, err := matching.NewMatcher(page.Demands, []catalog.Provider{p}, matching.Options{Now: time.Now})
	h78NoErr(t, err)
	sugg, err := m.SuggestDemands(p.ID, 5)
	h78NoErr(t, err)
	if len(sugg) != 1 || sugg[0].ID != d.ID {
		t.Fatalf("suggestions %v, want the open demand %s", sugg, d.ID)
	}
	// ...so a board gives it only the demands a volunteer may claim now.
	var claimable []catalog.Demand
	for _, x := range page.Demands {
		if x.Status.Claimable() {
			claimable = append(claimable, x)
		}
	}
	m, err = matching.NewMatcher(claimable, []catalog.Provider{p}, matching.Options{Now: time.Now})
	h78NoErr(t, err)
	sugg, err = m.SuggestDemands(p.ID, 5)
	h78NoErr(t, err)
	if len(sugg) != 0 {
		t.Fatalf("suggestions %v of an open demand on no board", sugg)
	}
	for _, s := range sugg {
		if _, err := cat.Claim(ctx, s.ID, p.ID, catalog.Act{Actor: p.PersonID}); err != nil {
			t.Errorf("suggested demand %s (status %v) cannot be claimed: %v", s.ID, d.Status, err)
		}
	}
}
