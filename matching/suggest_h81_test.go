package matching_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/matching"
)

// TestSuggestDemandsDispatchedToOthersCheapH81: demands dispatched (派单) to other providers
// do not count towards CandidatesScannedMax (a board must not hide the demand next door
// behind them), but SuggestDemands still walked every one of them in the provider's area on
// each call: with PlanDemandsMax demands dispatched to one micro-team, a volunteer's board took
// about 20 ms a call (1,000 calls: about 20 s). They are now filed under the providers they
// were dispatched to, so a call walks only the demands the provider may claim.
func TestSuggestDemandsDispatchedToOthersCheapH81(t *testing.T) {
	const budget = 5 * time.Second
	const calls = 1000
	team := catalog.Provider{ID: uuid.UUID{'u'}, Kind: catalog.Team, Home: "街道/社区/网格", Capacity: catalog.CapacityMax,
		Skills: []catalog.Skill{"haircut"}}
	volunteer := catalog.Provider{ID: uuid.UUID{'v'}, Kind: catalog.Volunteer, Home: "街道/社区/网格", Capacity: 1,
		Skills: []catalog.Skill{"haircut"}}
	demands := make([]catalog.Demand, matching.PlanDemandsMax)
	for i := range demands {
		demands[i] = catalog.Demand{ID: uuid.UUID{'d', byte(i >> 16), byte(i >> 8), byte(i)}, Kind: catalog.Wish,
			Status: catalog.StatusDispatched, Headcount: 1, Skills: []catalog.Skill{"haircut"},
			Location: catalog.Location{Grid: "街道/社区/网格"}, DispatchedTo: []uuid.UUID{team.ID}}
	}
	// The last demand waits on the board for anyone.
	last := &demands[len(demands)-1]
	last.Status, last.DispatchedTo = catalog.StatusPublished, nil
	m, err := matching.NewMatcher(demands, []catalog.Provider{team, volunteer}, matching.Options{})
	if err != nil {
		t.Fatal(err)
	}
	list, err := m.SuggestDemands(team.ID, matching.SuggestMax)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != matching.SuggestMax || list[0].ID != demands[0].ID {
		t.Fatalf("the team got %d suggestions; want %d, first %s", len(list), matching.SuggestMax, demands[0].ID)
	}
	start := time.Now()
	for range calls {
		list, err := m.SuggestDemands(volunteer.ID, matching.SuggestMax)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].ID != last.ID {
			t.Fatalf("the volunteer got %+v, want the one demand on the board", list)
		}
		if time.Since(start) > budget {
			t.Fatalf("%d boards of a volunteer among %d demands dispatched to a team not done within %v", calls, len(demands), budget)
		}
	}
	t.Logf("%d boards: %v", calls, time.Since(start))
}
