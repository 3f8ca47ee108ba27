package matching_test

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/matching"
)

// Two demands, two providers. Demand 0 fits provider 0 best (10), but giving it provider 1
// (9) lets demand 1 have provider 0 (9): 18 in total beats 10.
func ExampleSolve() {
	p := matching.Problem{
		LeftCap:  []int{1, 1}, // headcount of each demand
		RightCap: []int{1, 1}, // capacity of each provider
		Edges: []matching.Edge{
			{Left: 0, Right: 0, Score: 10},
			{Left: 0, Right: 1, Score: 9},
			{Left: 1, Right: 0, Score: 9},
		},
	}
	s, err := matching.Solve(context.Background(), p)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("edges", s.Edges, "score", s.Score)
	g, _ := matching.Greedy(p)
	fmt.Println("greedy edges", g.Edges, "score", g.Score)
	// Output:
	// edges [1 2] score 18
	// greedy edges [0] score 10
}

// A Solver keeps the matching optimal as demands arrive and providers free up.
func ExampleSolver() {
	s, err := matching.NewSolver(context.Background(), matching.Problem{
		LeftCap:  []int{1},
		RightCap: []int{1, 0},
		Edges:    []matching.Edge{{Left: 0, Right: 0, Score: 5}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// A new demand that values provider 0 more: it takes provider 0 over.
	c, _ := s.AddLeft(1, []matching.Edge{{Left: 1, Right: 0, Score: 8}, {Left: 1, Right: 1, Score: 6}})
	fmt.Println("added", c.Added, "removed", c.Removed, "score", c.Score)
	// Provider 1 frees up: the new demand moves there and demand 0 is served again.
	c, _ = s.AddRightCapacity(1, 1)
	fmt.Println("added", c.Added, "removed", c.Removed, "score", c.Score)
	// Output:
	// added [1] removed [0] score 8
	// added [0 2] removed [1] score 11
}

// Plan pairs a resident's wish with the nearest volunteer who has the skill, and explains
// the score.
func ExamplePlan() {
	grid := catalog.GridPath("幸福街道/阳光社区/1网格/2栋")
	demands := []catalog.Demand{{
		ID: uuid.UUID{15: 1}, Kind: catalog.Wish, Category: "haircut", Skills: []catalog.Skill{"haircut"},
		Status: catalog.StatusOpen, Headcount: 1, Priority: catalog.PriorityElderlyAlone,
		Location: catalog.Location{Grid: grid, At: catalog.Coordinates{Lat: 30, Lng: 120}},
	}}
	providers := []catalog.Provider{{
		ID: uuid.UUID{15: 2}, Kind: catalog.Volunteer, Skills: []catalog.Skill{"haircut"}, Capacity: 2,
		Home: grid, At: catalog.Coordinates{Lat: 30.002, Lng: 120},
	}}
	res, err := matching.Plan(context.Background(), demands, providers, matching.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range res.Assignments {
		fmt.Println("score", a.Score, "route", a.Route)
		for _, p := range a.Parts {
			fmt.Printf("  %-12s %4d  %s\n", p.Name, p.Points, p.Note)
		}
	}
	fmt.Println("unmatched", len(res.Unmatched))
	// Output:
	// score 863 route small-matters-in-grid
	//   fit           400  skills
	//   distance      213  289 m walk
	//   availability   50  hours overlap the window
	//   priority      200  priority resident
	// unmatched 0
}
