package matching_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/matching"
)

// planScores plans demands against providers and returns the assignments' scores, highest
// first.
func planScores(t *rapid.T, demands []catalog.Demand, providers []catalog.Provider, opts matching.Options) []int64 {
	res, err := matching.Plan(context.Background(), demands, providers, opts)
	if err != nil {
		t.Fatal(err)
	}
	var scores []int64
	for _, a := range res.Assignments {
		scores = append(scores, a.Score)
	}
	slices.Sort(scores)
	slices.Reverse(scores)
	return scores
}

// suggestionScores is the scores of list's first n entries.
func suggestionScores(list []matching.Suggestion, n int) []int64 {
	var scores []int64
	for _, s := range list[:min(n, len(list))] {
		scores = append(scores, s.Score)
	}
	return scores
}

// TestPlanAgreesWithSuggestH81: on tiny districts (fewer providers than CandidatesKeptMax,
// so Plan keeps every eligible one), a Plan of one demand alone fills its places with the
// best providers SuggestProviders lists for it, and a Plan of one provider alone (no load
// cost) gives it the best demands SuggestDemands lists for it: the same scores, whatever
// the objective.
func TestPlanAgreesWithSuggestH81(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		demands, providers, now := tinyWorld(t)
		opts := matching.Options{
			Objective: matching.Objective(rapid.IntRange(0, 2).Draw(t, "objective")),
			LoadCost:  -1,
			Now:       func() time.Time { return now },
		}
		m, err := matching.NewMatcher(demands, providers, opts)
		if err != nil {
			t.Fatal(err)
		}
		for i := range demands {
			list, err := m.SuggestProviders(demands[i].ID, matching.SuggestMax)
			if err != nil {
				t.Fatal(err)
			}
			want := suggestionScores(list, demands[i].Remaining())
			got := planScores(t, demands[i:i+1], providers, opts)
			if !slices.Equal(got, want) {
				t.Fatalf("demand %d alone: Plan scores %v, SuggestProviders' best %v", i, got, want)
			}
		}
		for j := range providers {
			list, err := m.SuggestDemands(providers[j].ID, matching.SuggestMax)
			if err != nil {
				t.Fatal(err)
			}
			free := max(0, providers[j].Capacity-providers[j].Active)
			// Under MaxServed and PriorityFirst a place counts before any score: compare the
			// plain score order under MaxScore only, and the number of places otherwise.
			got := planScores(t, demands, providers[j:j+1], opts)
			if opts.Objective == matching.MaxScore {
				if want := suggestionScores(list, free); !slices.Equal(got, want) {
					t.Fatalf("provider %d alone: Plan scores %v, SuggestDemands' best %v", j, got, want)
				}
			} else if len(got) != min(free, len(list)) {
				t.Fatalf("provider %d alone: Plan gave %d demands, SuggestDemands lists %d, free %d", j, len(got), len(list), free)
			}
		}
	})
}
