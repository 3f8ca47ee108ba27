package points

import (
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"

	"github.com/tongxin/tongxin/catalog"
)

// basePointsLinear is the rule the index must follow, as a scan over every rule: the most
// specific matching rule wins (category and kind 3, category 2, kind 1, neither 0).
func basePointsLinear(rules []BaseRule, category string, kind catalog.DemandKind) decimal.Decimal {
	best, bestRank := decimal.Zero, -1
	for _, r := range rules {
		if (r.Category != "" && r.Category != category) || (r.Kind != "" && r.Kind != kind.String()) {
			continue
		}
		rank := 0
		if r.Category != "" {
			rank += 2
		}
		if r.Kind != "" {
			rank++
		}
		if rank > bestRank {
			best, bestRank = r.Points, rank
		}
	}
	return best
}

// TestBaseIndex: the indexed lookup of base points agrees with a scan of the rules for any
// normalized scheme (at most one rule per category and kind) and any demand, including an
// empty category and a kind no rule names.
func TestBaseIndex(t *testing.T) {
	categories := []string{"", "haircut", "repair", "meal"}
	kinds := []catalog.DemandKind{catalog.Wish, catalog.MajorItem, catalog.Project, catalog.DemandKind(99)}
	rapid.Check(t, func(t *rapid.T) {
		var rules []BaseRule
		seen := map[[2]string]bool{}
		for i := range rapid.IntRange(0, 12).Draw(t, "rules") {
			r := BaseRule{Category: rapid.SampledFrom(categories).Draw(t, "category"), Points: decimal.NewFromInt(int64(i + 1))}
			if k := rapid.IntRange(-1, 2).Draw(t, "kind"); k >= 0 {
				r.Kind = kinds[k].String()
			}
			if !seen[[2]string{r.Category, r.Kind}] {
				seen[[2]string{r.Category, r.Kind}] = true
				rules = append(rules, r)
			}
		}
		ix := newBaseIndex(rules)
		for _, c := range categories {
			for _, k := range kinds {
				if got, want := ix.points(c, k), basePointsLinear(rules, c, k); !got.Equal(want) {
					t.Fatalf("rules %v, category %q kind %s: %s, want %s", rules, c, k, got, want)
				}
			}
		}
	})
}
