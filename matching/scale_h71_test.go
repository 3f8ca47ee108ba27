package matching_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/matching"
)

// TestPlanManyGridsNearLinearH71: a community of many grids, each with one volunteer and
// one demand the volunteer cannot serve. CandidatesScannedMax keeps Plan linear in the
// number of demands (see its doc), yet each demand walked every grid of its community
// looking for providers with its skill: 16,000 grids took 9.6 s, 2^16 minutes. The budget
// is over ten times what the linear scan takes on a loaded machine (three times under the
// race detector). NewMatcher also checked each volunteer's grid against every grid of the
// community seen before: 65,536 took 13.6 s, PlanProvidersMax minutes.
func TestPlanManyGridsNearLinearH71(t *testing.T) {
	const budget = 20 * time.Second
	const n = 1 << 16
	demands := make([]catalog.Demand, n)
	providers := make([]catalog.Provider, n)
	for i := range n {
		grid := catalog.GridPath(fmt.Sprintf("街道/社区/%d网格", i))
		demands[i] = catalog.Demand{ID: uuid.UUID{'d', byte(i >> 8), byte(i)}, Kind: catalog.Wish,
			Status: catalog.StatusOpen, Headcount: 1, Skills: []catalog.Skill{"haircut"},
			Location: catalog.Location{Grid: grid}}
		providers[i] = catalog.Provider{ID: uuid.UUID{'p', byte(i >> 8), byte(i)}, Kind: catalog.Volunteer,
			Home: grid, Capacity: 1, Skills: []catalog.Skill{"cooking"}}
	}
	// The volunteer of the last grid cuts hair: every demand's scan reaches it, the last.
	providers[n-1].Skills = append(providers[n-1].Skills, "haircut")
	ctx, cancel := context.WithTimeout(context.Background(), budget)
	defer cancel()
	start := time.Now()
	res, err := matching.Plan(ctx, demands, providers, matching.Options{})
	if errors.Is(err, context.DeadlineExceeded) || time.Since(start) > budget {
		t.Fatalf("plan of %d grids not done within %v", n, budget)
	}
	if err != nil {
		t.Fatal(err)
	}
	if res.Served != 1 || len(res.Unmatched) != n-1 {
		t.Fatalf("served %d, %d unmatched; want 1 and %d", res.Served, len(res.Unmatched), n-1)
	}
	for _, u := range res.Unmatched {
		if u.Reason != matching.ReasonTaken {
			t.Fatalf("demand %s: %v (%s), want ReasonTaken", u.DemandID, u.Reason, u.Detail)
		}
	}
	// NewMatcher alone, at the limit of providers, each in its own grid of one community.
	many := make([]catalog.Provider, matching.PlanProvidersMax)
	for j := range many {
		many[j] = catalog.Provider{ID: uuid.UUID{'q', byte(j >> 16), byte(j >> 8), byte(j)}, Kind: catalog.Volunteer,
			Home: catalog.GridPath(fmt.Sprintf("街道/社区/%d网格", j)), Capacity: 1}
	}
	done := make(chan error, 1)
	start = time.Now()
	go func() {
		_, err := matching.NewMatcher(nil, many, matching.Options{})
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(budget):
		t.Fatalf("NewMatcher of %d providers in as many grids not done within %v", len(many), budget)
	}
	t.Logf("NewMatcher of %d providers: %v", len(many), time.Since(start))
}
