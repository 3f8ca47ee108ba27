package matching_test

import (
	"context"
	"fmt"
	"time"

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

// A community office plans the month's wishes against its volunteers in one batch. Two
// barbers, each free for one wish, and three haircut wishes: 王奶奶, who lives alone, gets the
// nearer barber, the other goes to 张阿姨 next to him, and 李爷爷 waits for the next round.
// Nobody in the community repairs lamps. Every wish left short says why.
func ExamplePlan_monthlyWishes() {
	grid := catalog.GridPath("幸福街道/阳光社区/1网格")
	at := func(lat float64) catalog.Coordinates { return catalog.Coordinates{Lat: lat, Lng: 120} }
	wish := func(id byte, title string, building string, lat float64, skill catalog.Skill) catalog.Demand {
		return catalog.Demand{ID: uuid.UUID{15: id}, Kind: catalog.Wish, Title: title, Category: string(skill),
			Skills: []catalog.Skill{skill}, Status: catalog.StatusOpen, Headcount: 1,
			Location: catalog.Location{Grid: grid + "/" + catalog.GridPath(building), At: at(lat)}}
	}
	wishes := []catalog.Demand{
		wish(1, "王奶奶想理发", "2栋", 30.000, "haircut"),
		wish(2, "李爷爷想理发", "2栋", 30.000, "haircut"),
		wish(3, "张阿姨想理发", "5栋", 30.003, "haircut"),
		wish(4, "修客厅的灯", "5栋", 30.003, "repair_electric"),
	}
	wishes[0].Priority = catalog.PriorityElderlyAlone
	barber := func(id byte, name string, lat float64) catalog.Provider {
		return catalog.Provider{ID: uuid.UUID{15: id}, Kind: catalog.Volunteer, Name: name,
			Skills: []catalog.Skill{"haircut"}, Capacity: 1, Home: grid, At: at(lat)}
	}
	volunteers := []catalog.Provider{barber(11, "赵师傅", 30.001), barber(12, "钱师傅", 30.004)}

	res, err := matching.Plan(context.Background(), wishes, volunteers, matching.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	title := map[uuid.UUID]string{}
	for _, w := range wishes {
		title[w.ID] = w.Title
	}
	name := map[uuid.UUID]string{}
	for _, v := range volunteers {
		name[v.ID] = v.Name
	}
	for _, a := range res.Assignments {
		fmt.Println(title[a.DemandID], "→", name[a.ProviderID], a.Score)
	}
	for _, u := range res.Unmatched {
		fmt.Println(title[u.DemandID], "waits:", u.Reason)
	}
	fmt.Println("places filled", res.Served, "score", res.Score)
	// Output:
	// 王奶奶想理发 → 赵师傅 906
	// 张阿姨想理发 → 钱师傅 706
	// 李爷爷想理发 waits: eligible providers assigned to demands the objective ranks higher
	// 修客厅的灯 waits: no provider with the skill within the area
	// places filled 2 score 1612
}

// A Matcher is built for a board round on the catalog's clock (Options.Now) and plans it for
// an objective. One volunteer and two visits: the urgent one next door scores more, so
// MaxScore takes it, while PriorityFirst sends her to 周爷爷, who lives alone (重点人群),
// farther off. A third wish is past its deadline: catalog would refuse to dispatch it, so
// neither plan gives it anyone.
func ExampleMatcher_Plan() {
	grid := catalog.GridPath("幸福街道/阳光社区/3网格")
	now := time.Date(2026, 6, 1, 9, 0, 0, 0, catalog.ImportLocation)
	wish := func(id byte, title string, building string, lat float64) catalog.Demand {
		return catalog.Demand{ID: uuid.UUID{15: id}, Kind: catalog.Wish, Title: title, Category: "elderly_visit",
			Status: catalog.StatusOpen, Headcount: 1,
			Location: catalog.Location{Grid: grid + "/" + catalog.GridPath(building), At: catalog.Coordinates{Lat: lat, Lng: 120}}}
	}
	wishes := []catalog.Demand{
		wish(1, "今天陪孙奶奶去社区医院", "1栋", 30.0015),
		wish(2, "陪独居的周爷爷聊聊天", "6栋", 30.007),
		wish(3, "端午前探访吴奶奶", "2栋", 30.002),
	}
	wishes[0].Urgency = catalog.UrgencyUrgent
	wishes[1].Priority = catalog.PriorityElderlyAlone
	wishes[2].Deadline = now.Add(-time.Hour)
	volunteers := []catalog.Provider{{ID: uuid.UUID{15: 11}, Kind: catalog.Volunteer, Name: "小郑",
		Skills: []catalog.Skill{"companionship"}, Capacity: 1, Home: grid + "/1栋",
		At: catalog.Coordinates{Lat: 30.001, Lng: 120}}}
	title := map[uuid.UUID]string{}
	for _, w := range wishes {
		title[w.ID] = w.Title
	}

	for _, plan := range []struct {
		name      string
		objective matching.Objective
	}{{"MaxScore", matching.MaxScore}, {"PriorityFirst", matching.PriorityFirst}} {
		m, err := matching.NewMatcher(wishes, volunteers, matching.Options{
			Objective: plan.objective,
			Now:       func() time.Time { return now },
		})
		if err != nil {
			fmt.Println(err)
			return
		}
		res, err := m.Plan(context.Background())
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(plan.name)
		for _, a := range res.Assignments {
			fmt.Println(" ", title[a.DemandID], "→ 小郑", a.Score)
		}
		for _, u := range res.Unmatched {
			fmt.Println(" ", title[u.DemandID], "waits:", u.Reason)
		}
	}
	// Output:
	// MaxScore
	//   今天陪孙奶奶去社区医院 → 小郑 878
	//   陪独居的周爷爷聊聊天 waits: eligible providers assigned to demands the objective ranks higher
	//   端午前探访吴奶奶 waits: deadline passed
	// PriorityFirst
	//   陪独居的周爷爷聊聊天 → 小郑 689
	//   今天陪孙奶奶去社区医院 waits: eligible providers assigned to demands the objective ranks higher
	//   端午前探访吴奶奶 waits: deadline passed
}

// A volunteer looks at the month's board (揭榜) and asks which of its wishes suit her, best
// first, each score explained: 陈爷爷, who lives alone, comes before the wish next door. She
// is not shown the wish that needs another skill, the one in another community (outside her
// service area), the one dispatched (派单) to someone else, nor the one already taken.
func ExampleMatcher_SuggestDemands() {
	home := catalog.GridPath("幸福街道/阳光社区/2网格")
	wish := func(id byte, title string, grid catalog.GridPath, lat float64, skill catalog.Skill) catalog.Demand {
		return catalog.Demand{ID: uuid.UUID{15: id}, Kind: catalog.Wish, Title: title, Category: string(skill),
			Skills: []catalog.Skill{skill}, Status: catalog.StatusPublished, Headcount: 1,
			Location: catalog.Location{Grid: grid, At: catalog.Coordinates{Lat: lat, Lng: 120}}}
	}
	wishes := []catalog.Demand{
		wish(1, "教刘奶奶用手机视频", home+"/3栋", 30.001, "digital_literacy"),
		wish(2, "帮陈爷爷在手机上挂号", "幸福街道/阳光社区/5网格/1栋", 30.006, "digital_literacy"),
		wish(3, "教老人用手机付款", "幸福街道/和平社区/1网格/2栋", 30.002, "digital_literacy"),
		wish(4, "给孩子辅导数学", home+"/3栋", 30.001, "tutoring"),
		wish(5, "教杨阿姨用手机打车", home+"/4栋", 30.002, "digital_literacy"),
		wish(6, "教何爷爷发微信", home+"/1栋", 30.000, "digital_literacy"),
	}
	wishes[1].Priority = catalog.PriorityElderlyAlone
	wishes[4].Status, wishes[4].DispatchedTo = catalog.StatusDispatched, []uuid.UUID{{15: 12}}
	wishes[5].Status, wishes[5].Filled = catalog.StatusAccepted, 1
	volunteer := catalog.Provider{ID: uuid.UUID{15: 11}, Kind: catalog.Volunteer, Name: "小林",
		Skills: []catalog.Skill{"digital_literacy"}, Capacity: 2, Home: home,
		At: catalog.Coordinates{Lat: 30.0015, Lng: 120}}

	m, err := matching.NewMatcher(wishes, []catalog.Provider{volunteer}, matching.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	list, err := m.SuggestDemands(volunteer.ID, 5)
	if err != nil {
		fmt.Println(err)
		return
	}
	title := map[uuid.UUID]string{}
	for _, w := range wishes {
		title[w.ID] = w.Title
	}
	for _, s := range list {
		fmt.Println(title[s.ID], s.Score)
		for _, p := range s.Parts {
			fmt.Printf("  %-12s %4d  %s\n", p.Name, p.Points, p.Note)
		}
	}
	// Output:
	// 帮陈爷爷在手机上挂号 754
	//   fit           400  skills
	//   distance      104  650 m walk
	//   availability   50  hours overlap the window
	//   priority      200  priority resident
	// 教刘奶奶用手机视频 728
	//   fit           400  skills
	//   distance      278  72 m walk
	//   availability   50  hours overlap the window
}
