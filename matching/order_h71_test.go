package matching_test

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/matching"
)

// TestPlanOptimumIndependentOfDemandOrderH71: a demand's candidates do not depend on where it
// stands in the input (providers are scanned in their own order), and Solve is exact, so
// shuffling the demands may change which of two equally good plans is chosen but not what
// the objective reaches: the same score net of load costs under MaxScore, and under
// MaxServed and PriorityFirst also the same places (of priority residents' demands). Checked
// on districts of a few hundred demands, every objective, with and without a load cost.
func TestPlanOptimumIndependentOfDemandOrderH71(t *testing.T) {
	rng := rand.New(rand.NewPCG(71, 71))
	for round := range 30 {
		demands, providers := district(150+rng.IntN(250), 100+rng.IntN(400), 1+rng.IntN(4), uint64(round))
		opts := matching.Options{Objective: matching.Objective(round % 3)}
		loadCost := matching.DefaultWeights.Load
		if round%2 == 1 {
			opts.LoadCost, loadCost = -1, 0
		}
		// net is the plan's score less the load costs Solve charged for it.
		net := func(res matching.PlanResult) int64 {
			per := make(map[[16]byte]int64)
			for _, a := range res.Assignments {
				per[a.ProviderID]++
			}
			total := res.Score
			for _, c := range per {
				total -= loadCost * c * (c - 1) / 2
			}
			return total
		}
		priority := func(res matching.PlanResult, ds []catalog.Demand) int {
			byID := make(map[[16]byte]bool, len(ds))
			for _, d := range ds {
				byID[d.ID] = d.Priority.Any()
			}
			n := 0
			for _, a := range res.Assignments {
				if byID[a.DemandID] {
					n++
				}
			}
			return n
		}
		want, err := matching.Plan(context.Background(), demands, providers, opts)
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			shuffled := append([]catalog.Demand(nil), demands...)
			rng.Shuffle(len(shuffled), func(a, b int) { shuffled[a], shuffled[b] = shuffled[b], shuffled[a] })
			got, err := matching.Plan(context.Background(), shuffled, providers, opts)
			if err != nil {
				t.Fatal(err)
			}
			same := net(got) == net(want)
			switch opts.Objective {
			case matching.MaxServed:
				same = same && got.Served == want.Served
			case matching.PriorityFirst:
				same = same && priority(got, shuffled) == priority(want, demands)
			}
			if !same {
				t.Fatalf("round %d, objective %d: shuffled demands give net score %d, %d served, %d priority; in order %d, %d, %d",
					round, opts.Objective, net(got), got.Served, priority(got, shuffled), net(want), want.Served, priority(want, demands))
			}
		}
	}
}
