package matching_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/matching"
)

// tinyWorld draws 3..5 demands and 3..5 providers in two communities of one street, with
// headcounts and capacities 1..3, loads, a few skills and functions, priorities, deadlines,
// dispatches, statuses and coordinates around the walking circle.
func tinyWorld(t *rapid.T) ([]catalog.Demand, []catalog.Provider, time.Time) {
	paths := []catalog.GridPath{"S/C1", "S/C1/G1", "S/C1/G1/B1", "S/C1/G2", "S/C2/G1"}
	skills := []catalog.Skill{"repair", "haircut", "legal_advice"}
	categories := []string{"", "repair", "legal", "renovation"}
	functions := []catalog.Function{catalog.FunctionHousing, catalog.FunctionLegalAid}
	now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	id := func(kind byte, n int) uuid.UUID {
		var u uuid.UUID
		u[0], u[15] = kind, byte(n)
		return u
	}
	at := func(t *rapid.T, label string) catalog.Coordinates {
		if rapid.IntRange(0, 3).Draw(t, label+" unknown") == 0 {
			return catalog.Coordinates{}
		}
		return catalog.Coordinates{
			Lat: 30 + rapid.Float64Range(0, 0.006).Draw(t, label+" lat"),
			Lng: 120 + rapid.Float64Range(0, 0.006).Draw(t, label+" lng"),
		}
	}
	subset := func(t *rapid.T, label string, keep int) []catalog.Skill {
		var out []catalog.Skill
		for k, s := range skills {
			if rapid.IntRange(0, 2).Draw(t, fmt.Sprintf("%s %d", label, k)) < keep {
				out = append(out, s)
			}
		}
		return out
	}
	providers := make([]catalog.Provider, rapid.IntRange(3, 5).Draw(t, "providers"))
	for j := range providers {
		label := fmt.Sprintf("provider %d", j)
		p := catalog.Provider{
			ID:       id('p', j),
			Kind:     catalog.ProviderKind(rapid.IntRange(1, 4).Draw(t, label+" kind")),
			PersonID: fmt.Sprintf("v%d", j),
			Home:     rapid.SampledFrom(append([]catalog.GridPath{"S"}, paths...)).Draw(t, label+" home"),
			At:       at(t, label),
			Skills:   subset(t, label+" skill", 2),
			Capacity: rapid.IntRange(1, 3).Draw(t, label+" capacity"),
		}
		p.Active = max(0, rapid.IntRange(-2, p.Capacity).Draw(t, label+" active"))
		switch rapid.IntRange(0, 5).Draw(t, label+" wide") {
		case 0:
			p.ServiceArea = []catalog.GridPath{"S"}
		case 1:
			p.ServiceArea = []catalog.GridPath{rapid.SampledFrom(paths).Draw(t, label+" area"), rapid.SampledFrom(paths).Draw(t, label+" area 2")}
		}
		if rapid.IntRange(0, 3).Draw(t, label+" hours") == 0 {
			p.Availability.Set(time.Monday, rapid.IntRange(0, 23).Draw(t, label+" from"), rapid.IntRange(0, 24).Draw(t, label+" to"))
		}
		if rapid.Bool().Draw(t, label+" function") {
			p.Functions = []catalog.Function{rapid.SampledFrom(functions).Draw(t, label+" functions")}
		}
		if rapid.Bool().Draw(t, label+" professional") {
			p.Flags |= catalog.FlagProfessional
		}
		p.RatingCount = rapid.IntRange(0, 2).Draw(t, label+" ratings")
		p.RatingSum = p.RatingCount * rapid.IntRange(1, 5).Draw(t, label+" stars")
		providers[j] = p
	}
	demands := make([]catalog.Demand, rapid.IntRange(3, 5).Draw(t, "demands"))
	for i := range demands {
		label := fmt.Sprintf("demand %d", i)
		d := catalog.Demand{
			ID:        id('d', i),
			Kind:      catalog.DemandKind(rapid.IntRange(1, 4).Draw(t, label+" kind")),
			Category:  rapid.SampledFrom(categories).Draw(t, label+" category"),
			Requester: catalog.RequesterRef{ID: fmt.Sprintf("v%d", rapid.IntRange(0, 9).Draw(t, label+" requester"))},
			Location:  catalog.Location{Grid: rapid.SampledFrom(paths).Draw(t, label+" grid"), At: at(t, label)},
			Headcount: rapid.IntRange(1, 3).Draw(t, label+" headcount"),
			Status:    rapid.SampledFrom([]catalog.Status{catalog.StatusOpen, catalog.StatusOpen, catalog.StatusPublished, catalog.StatusClaimed, catalog.StatusCompleted}).Draw(t, label+" status"),
			Priority:  catalog.Priority(rapid.IntRange(0, 1).Draw(t, label+" priority")),
			Urgency:   catalog.Urgency(rapid.IntRange(0, 2).Draw(t, label+" urgency")),
		}
		if rapid.IntRange(0, 3).Draw(t, label+" window") == 0 {
			start := time.Date(2026, 6, 1, rapid.IntRange(0, 23).Draw(t, label+" hour"), 0, 0, 0, catalog.ImportLocation)
			d.Window = catalog.TimeWindow{Start: start, End: start.Add(time.Duration(rapid.IntRange(1, 3).Draw(t, label+" hours")) * time.Hour)}
		}
		d.Filled = max(0, rapid.IntRange(-3, d.Headcount).Draw(t, label+" filled"))
		if rapid.Bool().Draw(t, label+" own skills") {
			d.Skills = subset(t, label+" skill", 1)
		}
		switch rapid.IntRange(0, 7).Draw(t, label+" deadline") {
		case 0:
			d.Deadline = now
		case 1:
			d.Deadline = now.Add(time.Hour)
		}
		if rapid.IntRange(0, 4).Draw(t, label+" dispatched") == 0 {
			d.DispatchedTo = []uuid.UUID{providers[rapid.IntRange(0, len(providers)-1).Draw(t, label+" to")].ID}
		}
		demands[i] = d
	}
	return demands, providers, now
}

// planValue is a plan's objective: the places the objective counts first, then the score
// less the load costs.
type planValue struct{ places, score int64 }

func (a planValue) less(b planValue) bool {
	return a.places < b.places || (a.places == b.places && a.score < b.score)
}

// TestPlanMatchesExhaustiveSearch checks Plan on tiny districts against an exhaustive search
// over every feasible set of eligible pairings: the plan is feasible, uses only eligible
// pairings, and reaches the best value of its objective.
func TestPlanMatchesExhaustiveSearch(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		demands, providers, now := tinyWorld(t)
		opts := matching.Options{
			Objective: matching.Objective(rapid.IntRange(0, 2).Draw(t, "objective")),
			LoadCost:  rapid.SampledFrom([]int64{-1, 0, 100, 400}).Draw(t, "load cost"),
			Now:       func() time.Time { return now },
		}
		router := matching.DefaultRouter()
		var scorer matching.DefaultScorer
		switch rapid.IntRange(0, 3).Draw(t, "router") {
		case 1:
			router = matching.Router{}
			opts.Router = &router
		case 2:
			router = matching.Router{Rules: []matching.Rule{{Name: "by-function", DemandKinds: []catalog.DemandKind{catalog.Wish, catalog.MajorItem},
				// legal and renovation list these functions in the default taxonomy, so
				// organisations with them fit; repair and "" list none, so nobody fits by them.
				FunctionsByCategory: map[string][]catalog.Function{"repair": {catalog.FunctionHousing}, "": {catalog.FunctionLegalAid},
					"legal": {catalog.FunctionLegalAid}, "renovation": {catalog.FunctionHousing}}}}}
			opts.Router = &router
		}
		if rapid.Bool().Draw(t, "scorer") {
			scorer = matching.DefaultScorer{WalkMetersMax: 500, Weights: matching.Weights{Fit: 10, Distance: 1000, Availability: 3,
				Priority: 7, Urgent: 5, Emergency: 9, Professional: 11, RatingStar: 13, Load: 300}}
			opts.Scorer = scorer
		}
		loadCost := opts.LoadCost
		switch {
		case loadCost == 0:
			loadCost = matching.DefaultWeights.Load
		case loadCost < 0:
			loadCost = 0
		}
		nD, nP := len(demands), len(providers)
		// score[i][j] > 0: demand i may get provider j in this plan.
		score := make([][]int64, nD)
		places := make([]int, nD)
		for i := range demands {
			d := &demands[i]
			score[i] = make([]int64, nP)
			plannable := catalog.OpenStatuses.Has(d.Status) && d.Remaining() > 0 &&
				(d.Deadline.IsZero() || now.Before(d.Deadline))
			if !plannable {
				continue
			}
			places[i] = d.Remaining()
			for j := range providers {
				p := &providers[j]
				if len(d.DispatchedTo) > 0 && !slices.Contains(d.DispatchedTo, p.ID) {
					continue
				}
				fit := scorer.Score(matching.Candidate{Demand: d, Provider: p, Route: router.Route(d)}, false)
				if fit.Eligible() {
					score[i][j] = fit.Score
				}
			}
		}
		free := make([]int, nP)
		for j := range providers {
			free[j] = providers[j].Capacity - providers[j].Active
		}
		counts := func(i int) int64 {
			switch opts.Objective {
			case matching.MaxServed:
				return 1
			case matching.PriorityFirst:
				if demands[i].Priority.Any() {
					return 1
				}
			}
			return 0
		}

		// Exhaustive: demand by demand, every subset of its eligible providers within its
		// places and their remaining capacities.
		used := make([]int, nP)
		var best planValue
		var search func(i int, v planValue)
		search = func(i int, v planValue) {
			if i == nD {
				if best.less(v) {
					best = v
				}
				return
			}
			var pick func(j, taken int, v planValue)
			pick = func(j, taken int, v planValue) {
				if j == nP {
					search(i+1, v)
					return
				}
				pick(j+1, taken, v)
				if score[i][j] > 0 && taken < places[i] && used[j] < free[j] {
					w := planValue{v.places + counts(i), v.score + score[i][j] - loadCost*int64(used[j])}
					used[j]++
					pick(j+1, taken+1, w)
					used[j]--
				}
			}
			pick(0, 0, v)
		}
		search(0, planValue{})

		res, err := matching.Plan(context.Background(), demands, providers, opts)
		require.NoError(t, err)
		again, err := matching.Plan(context.Background(), demands, providers, opts)
		require.NoError(t, err)
		require.Equal(t, res, again, "same input, same plan")

		byDemand := map[uuid.UUID]int{}
		for i, d := range demands {
			byDemand[d.ID] = i
		}
		byProvider := map[uuid.UUID]int{}
		for j, p := range providers {
			byProvider[p.ID] = j
		}
		clear(used)
		given := make([]int, nD)
		seen := map[[2]int]bool{}
		var got planValue
		for _, a := range res.Assignments {
			i, j := byDemand[a.DemandID], byProvider[a.ProviderID]
			require.False(t, seen[[2]int{i, j}], "pair %d-%d twice", i, j)
			seen[[2]int{i, j}] = true
			require.Positive(t, score[i][j], "ineligible pair %d-%d assigned", i, j)
			require.Equal(t, score[i][j], a.Score, "score of %d-%d", i, j)
			got.places += counts(i)
			got.score += a.Score - loadCost*int64(used[j])
			used[j]++
			given[i]++
			require.LessOrEqual(t, used[j], free[j], "provider %d over capacity", j)
			require.LessOrEqual(t, given[i], places[i], "demand %d over its places", i)
		}
		require.Equal(t, best, got, "plan value against exhaustive search")

		// Reasons of the misses, where they can be told from the inputs: Taken needs an
		// eligible provider with free capacity that the demand did not get, AtCapacity an
		// eligible provider without.
		for _, u := range res.Unmatched {
			i := byDemand[u.DemandID]
			require.NotEqual(t, matching.ReasonNone, u.Reason)
			if places[i] > 0 {
				require.Equal(t, places[i]-given[i], u.Missing, "missing of demand %d", i)
			}
			switch u.Reason {
			case matching.ReasonTaken:
				found := false
				for j := range providers {
					if score[i][j] > 0 && free[j] > 0 && !seen[[2]int{i, j}] {
						found = true
					}
				}
				require.True(t, found, "demand %d Taken without an eligible provider with capacity: %s", i, u.Detail)
			case matching.ReasonAtCapacity:
				found := false
				for j := range providers {
					d := &demands[i]
					if len(d.DispatchedTo) > 0 && !slices.Contains(d.DispatchedTo, providers[j].ID) {
						continue
					}
					fit := scorer.Score(matching.Candidate{Demand: d, Provider: &providers[j], Route: router.Route(d)}, false)
					if fit.Eligible() && free[j] == 0 {
						found = true
					}
				}
				require.True(t, found, "demand %d AtCapacity without an eligible provider at capacity: %s", i, u.Detail)
			}
		}

		// Suggestions agree with the plan's eligibility.
		m, err := matching.NewMatcher(demands, providers, opts)
		require.NoError(t, err)
		for i, d := range demands {
			sug, err := m.SuggestProviders(d.ID, matching.SuggestMax)
			require.NoError(t, err)
			var want, have []uuid.UUID
			for j, p := range providers {
				if score[i][j] > 0 && free[j] > 0 {
					want = append(want, p.ID)
				}
			}
			for _, s := range sug {
				have = append(have, s.ID)
			}
			slices.SortFunc(want, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
			slices.SortFunc(have, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
			require.Equal(t, want, have, "SuggestProviders of demand %d", i)
		}
		for j, p := range providers {
			sug, err := m.SuggestDemands(p.ID, matching.SuggestMax)
			require.NoError(t, err)
			if free[j] == 0 {
				require.Equal(t, []matching.Suggestion{}, sug, "SuggestDemands of provider %d without room", j)
				continue
			}
			var want, have []uuid.UUID
			for i, d := range demands {
				if score[i][j] > 0 {
					want = append(want, d.ID)
				}
			}
			for _, s := range sug {
				have = append(have, s.ID)
			}
			slices.SortFunc(want, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
			slices.SortFunc(have, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
			require.Equal(t, want, have, "SuggestDemands of provider %d", j)
		}
	})
}
