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

// A dispatcher's shortlist before 派单: the volunteers who may serve the wish, best first,
// each score explained. The one in the wish's own grid outranks the one across the community;
// the one without the skill and the one from another community (outside his service area) are
// not suggested.
func ExampleMatcher_SuggestProviders() {
	home := catalog.GridPath("幸福街道/阳光社区/1网格/2栋")
	wish := catalog.Demand{
		ID: uuid.UUID{15: 1}, Kind: catalog.Wish, Category: "haircut", Skills: []catalog.Skill{"haircut"},
		Status: catalog.StatusOpen, Headcount: 1,
		Location: catalog.Location{Grid: home, At: catalog.Coordinates{Lat: 30, Lng: 120}},
	}
	volunteer := func(id byte, grid catalog.GridPath, lat float64, skill catalog.Skill) catalog.Provider {
		return catalog.Provider{ID: uuid.UUID{15: id}, Kind: catalog.Volunteer, Skills: []catalog.Skill{skill},
			Capacity: 1, Home: grid, At: catalog.Coordinates{Lat: lat, Lng: 120}}
	}
	providers := []catalog.Provider{
		volunteer(2, "幸福街道/阳光社区/4网格", 30.006, "haircut"), // the same community, further off
		volunteer(3, "幸福街道/阳光社区/1网格", 30.001, "haircut"), // the same grid, next door
		volunteer(4, "幸福街道/阳光社区/1网格", 30.001, "cleaning"),
		volunteer(5, "幸福街道/和平社区/2网格", 30.002, "haircut"), // another community
	}
	m, err := matching.NewMatcher([]catalog.Demand{wish}, providers, matching.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	list, err := m.SuggestProviders(wish.ID, 3)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range list {
		fmt.Println("provider", s.ID[15], "score", s.Score)
		for _, p := range s.Parts {
			fmt.Printf("  %-12s %4d  %s\n", p.Name, p.Points, p.Note)
		}
	}
	// Output:
	// provider 3 score 706
	//   fit           400  skills
	//   distance      256  145 m walk
	//   availability   50  hours overlap the window
	// provider 2 score 489
	//   fit           400  skills
	//   distance       39  867 m walk
	//   availability   50  hours overlap the window
}
