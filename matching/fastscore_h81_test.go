package matching

import (
	"fmt"
	"testing"

	"github.com/google/uuid"
	"pgregory.net/rapid"

	"github.com/tongxin/tongxin/catalog"
)

// TestPreparedFunctionFitH81 compares the prepared scorer's function fit with
// DefaultScorer.Score's, and both with catalog's Taxonomy.Eligible, on a taxonomy of ten
// categories of 16 functions each (160 in all: beyond the masks' 64 when the routes list
// many) and routers whose rules list functions the taxonomy lists for the category,
// functions it lists for others and functions it lists nowhere, for every provider kind.
func TestPreparedFunctionFitH81(t *testing.T) {
	function := func(n int) catalog.Function { return catalog.Function(fmt.Sprintf("f%d", n)) }
	categories := make([]catalog.Category, 10)
	for c := range categories {
		categories[c] = catalog.Category{Code: fmt.Sprintf("c%d", c), Name: fmt.Sprintf("c%d", c),
			Skills: []catalog.Skill{"repair"}}
		for k := range catalog.FunctionsMax {
			categories[c].Functions = append(categories[c].Functions, function(c*catalog.FunctionsMax+k))
		}
	}
	taxonomy, err := catalog.NewTaxonomy(categories)
	if err != nil {
		t.Fatal(err)
	}
	rapid.Check(t, func(t *rapid.T) {
		spread := rapid.SampledFrom([]int{20, 40, 170}).Draw(t, "functions")
		demands := make([]catalog.Demand, rapid.IntRange(1, 12).Draw(t, "demands"))
		routes := make([]Route, len(demands))
		for i := range demands {
			label := fmt.Sprintf("demand %d", i)
			demands[i] = catalog.Demand{ID: uuid.UUID{'d', byte(i)}, Kind: catalog.DemandKind(rapid.IntRange(1, 4).Draw(t, label+" kind")),
				Category:  rapid.SampledFrom([]string{"c0", "c1", "c5", "c9", "unknown", ""}).Draw(t, label+" category"),
				Skills:    []catalog.Skill{"repair"},
				Headcount: 1, Status: catalog.StatusOpen, Location: catalog.Location{Grid: "S/C1/G1"}}
			var functions []catalog.Function
			for range rapid.IntRange(0, 12).Draw(t, label+" route functions") {
				functions = append(functions, function(rapid.IntRange(0, spread).Draw(t, label+" function")))
			}
			router := Router{Taxonomy: taxonomy, Rules: []Rule{{Name: "r",
				DemandKinds:         []catalog.DemandKind{catalog.Wish, catalog.PracticalMatter, catalog.MajorItem, catalog.Project},
				FunctionsByCategory: map[string][]catalog.Function{demands[i].Category: functions}}}}
			routes[i] = router.Route(&demands[i])
		}
		providers := make([]catalog.Provider, rapid.IntRange(1, 8).Draw(t, "providers"))
		for j := range providers {
			label := fmt.Sprintf("provider %d", j)
			providers[j] = catalog.Provider{ID: uuid.UUID{'p', byte(j)}, Kind: catalog.ProviderKind(rapid.IntRange(1, 4).Draw(t, label+" kind")),
				Home: "S/C1/G1", Capacity: 1}
			for range rapid.IntRange(0, 3).Draw(t, label+" functions") {
				providers[j].Functions = append(providers[j].Functions, function(rapid.IntRange(0, spread).Draw(t, label+" function")))
			}
		}
		s := DefaultScorer{Taxonomy: taxonomy}
		prepared := newDefaultScoring(s, demands, routes, providers)
		for i := range demands {
			for j := range providers {
				want := s.Score(Candidate{Demand: &demands[i], Provider: &providers[j], Route: routes[i]}, true)
				got := prepared.score(&demands[i], int32(i), &providers[j], int32(j), &routes[i])
				if got.Score != want.Score || got.Reason != want.Reason {
					t.Fatalf("demand %d, provider %d: prepared %d %v, DefaultScorer %d %v", i, j, got.Score, got.Reason, want.Score, want.Reason)
				}
				if err := taxonomy.Eligible(demands[i], providers[j]); want.Eligible() && err != nil {
					t.Fatalf("demand %d, provider %d: DefaultScorer fits, catalog refuses: %v", i, j, err)
				}
			}
		}
	})
}
