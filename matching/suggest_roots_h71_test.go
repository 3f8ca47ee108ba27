package matching_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/matching"
)

// TestSuggestDemandsManyServiceAreasH71: a provider's service area is read as it is (catalog
// keeps it to 64 subtrees, a hand-built record may list every building), and SuggestDemands
// checked each subtree against every one listed before it: 40,000 subtrees took 3.9 s a call,
// 2^17 about forty. The last subtree holds the one wish, which must still be found.
func TestSuggestDemandsManyServiceAreasH71(t *testing.T) {
	const budget = 10 * time.Second
	p := catalog.Provider{ID: uuid.UUID{1}, Kind: catalog.Team, Home: "S", Capacity: 10, Skills: []catalog.Skill{"repair"}}
	for r := range 1 << 17 {
		p.ServiceArea = append(p.ServiceArea, catalog.GridPath(fmt.Sprintf("S/C%d", r)))
	}
	p.ServiceArea = append(p.ServiceArea, p.ServiceArea[:10]...) // repeated subtrees are walked once
	d := catalog.Demand{ID: uuid.UUID{2}, Kind: catalog.Wish, Status: catalog.StatusOpen, Headcount: 1,
		Skills: []catalog.Skill{"repair"}, Location: catalog.Location{Grid: p.ServiceArea[1<<17-1] + "/G"}}
	m, err := matching.NewMatcher([]catalog.Demand{d}, []catalog.Provider{p}, matching.Options{})
	if err != nil {
		t.Fatal(err)
	}
	type answer struct {
		list []matching.Suggestion
		err  error
	}
	done := make(chan answer, 1)
	go func() {
		list, err := m.SuggestDemands(p.ID, 10)
		done <- answer{list, err}
	}()
	select {
	case a := <-done:
		if a.err != nil {
			t.Fatal(a.err)
		}
		if len(a.list) != 1 || a.list[0].ID != d.ID {
			t.Fatalf("suggested %v, want the one wish", a.list)
		}
	case <-time.After(budget):
		t.Fatalf("SuggestDemands over %d service-area subtrees not done within %v", len(p.ServiceArea), budget)
	}
}
