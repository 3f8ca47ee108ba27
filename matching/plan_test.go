package matching_test

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/catalog/memstore"
	"github.com/tongxin/tongxin/catalog/storetest"
	"github.com/tongxin/tongxin/matching"
)

// checkPlan checks a plan against its inputs: capacities and headcounts respected, every
// pair at most once and eligible under scorer with the reported score, parts summing to it,
// every open demand left short reported with a reason and the right number of places.
func checkPlan(t *testing.T, demands []catalog.Demand, providers []catalog.Provider, res matching.PlanResult) {
	t.Helper()
	dIdx := map[uuid.UUID]int{}
	for i, d := range demands {
		dIdx[d.ID] = i
	}
	pIdx := map[uuid.UUID]int{}
	for j, p := range providers {
		pIdx[p.ID] = j
	}
	type pair struct{ d, p uuid.UUID }
	seen := map[pair]bool{}
	perDemand := map[uuid.UUID]int{}
	perProvider := map[uuid.UUID]int{}
	router := matching.DefaultRouter()
	var total int64
	for _, a := range res.Assignments {
		if seen[pair{a.DemandID, a.ProviderID}] {
			t.Fatalf("pair %v assigned twice", a)
		}
		seen[pair{a.DemandID, a.ProviderID}] = true
		perDemand[a.DemandID]++
		perProvider[a.ProviderID]++
		d, p := &demands[dIdx[a.DemandID]], &providers[pIdx[a.ProviderID]]
		fit := matching.DefaultScorer{}.Score(matching.Candidate{Demand: d, Provider: p, Route: router.Route(d)}, true)
		if !fit.Eligible() || fit.Score != a.Score {
			t.Fatalf("assignment %v: scorer says %v", a, fit)
		}
		var sum int64
		for _, part := range a.Parts {
			sum += part.Points
		}
		if sum != a.Score && a.Score != 1 && a.Score != matching.FitScoreMax {
			t.Fatalf("assignment %v: parts sum to %d", a, sum)
		}
		total += a.Score
	}
	if total != res.Score || len(res.Assignments) != res.Served {
		t.Fatalf("score %d served %d, assignments sum to %d and count %d", res.Score, res.Served, total, len(res.Assignments))
	}
	for id, n := range perProvider {
		p := providers[pIdx[id]]
		if n > p.Capacity-p.Active {
			t.Fatalf("provider %s given %d, free capacity %d", id, n, p.Capacity-p.Active)
		}
	}
	missing := map[uuid.UUID]matching.Unmatched{}
	for _, u := range res.Unmatched {
		if u.Reason == matching.ReasonNone || u.Detail == "" {
			t.Fatalf("unmatched %v without reason", u)
		}
		missing[u.DemandID] = u
	}
	for _, d := range demands {
		if !catalog.OpenStatuses.Has(d.Status) {
			continue
		}
		if perDemand[d.ID] > d.Remaining() {
			t.Fatalf("demand %s given %d, needs %d", d.ID, perDemand[d.ID], d.Remaining())
		}
		if want := d.Remaining() - perDemand[d.ID]; want > 0 && missing[d.ID].Missing != want {
			t.Fatalf("demand %s short by %d, reported %v", d.ID, want, missing[d.ID])
		}
	}
}

func TestPlanDistrict(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		demands, providers := district(1500, 1200, 3, seed)
		results := map[matching.Objective]matching.PlanResult{}
		for _, obj := range []matching.Objective{matching.MaxScore, matching.MaxServed, matching.PriorityFirst} {
			t.Run(fmt.Sprintf("seed%d/objective%d", seed, obj), func(t *testing.T) {
				opts := matching.Options{Objective: obj, LoadCost: -1}
				res, err := matching.Plan(context.Background(), demands, providers, opts)
				noError(t, err)
				checkPlan(t, demands, providers, res)
				again, err := matching.Plan(context.Background(), demands, providers, opts)
				noError(t, err)
				if !reflect.DeepEqual(res, again) {
					t.Fatal("two plans of the same input differ")
				}
				results[obj] = res
			})
		}
		best, served, priority := results[matching.MaxScore], results[matching.MaxServed], results[matching.PriorityFirst]
		if served.Served < best.Served || best.Score < served.Score || best.Score < priority.Score {
			t.Fatalf("objectives disagree: max score %d/%d, max served %d/%d, priority %d/%d",
				best.Score, best.Served, served.Score, served.Served, priority.Score, priority.Served)
		}
		if got, base := priorityServed(demands, priority), priorityServed(demands, best); got < base {
			t.Fatalf("priority first serves %d priority places, max score %d", got, base)
		}
	}
}

func priorityServed(demands []catalog.Demand, res matching.PlanResult) int {
	priority := map[uuid.UUID]bool{}
	for _, d := range demands {
		priority[d.ID] = d.Priority.Any()
	}
	n := 0
	for _, a := range res.Assignments {
		if priority[a.DemandID] {
			n++
		}
	}
	return n
}

// smallWorld is one community with a few hand-placed demands and providers.
func smallWorld() ([]catalog.Demand, []catalog.Provider) {
	id := func(n byte) uuid.UUID { return uuid.UUID{15: n} }
	grid := catalog.GridPath("幸福街道/阳光社区/1网格/1栋")
	near := catalog.Coordinates{Lat: 30.0, Lng: 120.0}
	far := catalog.Coordinates{Lat: 30.02, Lng: 120.0} // about 2.2 km north
	monday9 := time.Date(2026, 6, 1, 9, 0, 0, 0, catalog.ImportLocation)
	open := func(n byte, category string, skills ...catalog.Skill) catalog.Demand {
		return catalog.Demand{ID: id(n), Kind: catalog.Wish, Category: category, Skills: skills,
			Status: catalog.StatusOpen, Headcount: 1, Location: catalog.Location{Grid: grid, At: near},
			Requester: catalog.RequesterRef{ID: fmt.Sprintf("resident-%d", n)}}
	}
	demands := []catalog.Demand{
		open(1, "haircut", "haircut"),                 // served by provider 101
		open(2, "repair_electric", "repair_electric"), // nobody has the skill
		open(3, "tutoring", "tutoring"),               // only tutor is far away
		open(4, "childcare", "childcare"),             // only carer is at capacity
		open(5, "cleaning", "cleaning"),               // window conflict
		open(6, "haircut", "haircut"),                 // competes with 1 for provider 101
	}
	demands[4].Window = catalog.TimeWindow{Start: monday9.Add(-48 * time.Hour), End: monday9.Add(-46 * time.Hour)} // Saturday
	demands[0].Priority = catalog.PriorityElderlyAlone
	big := open(7, "renovation")
	big.Kind = catalog.MajorItem
	demands = append(demands, big)
	legal := open(8, "legal", "legal_advice")
	demands = append(demands, legal)

	volunteer := func(n byte, at catalog.Coordinates, skills ...catalog.Skill) catalog.Provider {
		return catalog.Provider{ID: id(n), Kind: catalog.Volunteer, Home: grid, At: at, Skills: skills,
			Capacity: 1, PersonID: fmt.Sprintf("volunteer-%d", n)}
	}
	providers := []catalog.Provider{
		volunteer(101, near, "haircut"),
		volunteer(102, far, "tutoring"),
		volunteer(103, near, "childcare"),
		volunteer(104, near, "cleaning"),
		volunteer(106, near, "legal_advice"),
		volunteer(107, near, "legal_advice"),
	}
	providers[2].Active = 1                           // at capacity
	providers[3].Availability.Set(time.Monday, 8, 12) // weekday mornings only
	providers[5].Flags = catalog.FlagProfessional     // a lawyer: preferred for the hard item
	providers = append(providers, catalog.Provider{
		ID: id(105), Kind: catalog.Unit, Name: "区住建局", Home: "幸福街道",
		ServiceArea: []catalog.GridPath{"幸福街道"}, Functions: []catalog.Function{catalog.FunctionHousing},
		At: far, Capacity: 5,
	})
	return demands, providers
}

func TestPlanReasonsAndRouting(t *testing.T) {
	demands, providers := smallWorld()
	res, err := matching.Plan(context.Background(), demands, providers, matching.Options{})
	noError(t, err)
	checkPlan(t, demands, providers, res)
	got := map[byte]byte{}
	for _, a := range res.Assignments {
		got[a.DemandID[15]] = a.ProviderID[15]
	}
	equal(t, map[byte]byte{1: 101, 7: 105, 8: 107}, got, "assignments")
	reasons := map[byte]matching.Reason{}
	for _, u := range res.Unmatched {
		reasons[u.DemandID[15]] = u.Reason
	}
	equal(t, map[byte]matching.Reason{
		2: matching.ReasonNoCandidates,
		3: matching.ReasonTooFar,
		4: matching.ReasonAtCapacity,
		5: matching.ReasonWindowConflict,
		6: matching.ReasonTaken,
	}, reasons, "reasons")
	for _, a := range res.Assignments {
		if a.DemandID[15] == 7 && a.Route != "big-matters-to-units" {
			t.Fatalf("big item routed by %q", a.Route)
		}
		if a.DemandID[15] == 8 && !hasPart(a.Parts, "professional") {
			t.Fatalf("hard item without the professional part: %v", a.Parts)
		}
		if a.DemandID[15] == 1 && !hasPart(a.Parts, "priority") {
			t.Fatalf("priority resident without the priority part: %v", a.Parts)
		}
	}
}

func hasPart(parts []matching.Part, name string) bool {
	for _, p := range parts {
		if p.Name == name {
			return true
		}
	}
	return false
}

// A volunteer never gets a big item, whatever the routing rules say.
func TestPlanBigItemNeedsOrganisation(t *testing.T) {
	demands, providers := smallWorld()
	demands = demands[6:7] // the big item
	providers[0].Skills = append(providers[0].Skills, "construction")
	providers = providers[:1]
	res, err := matching.Plan(context.Background(), demands, providers, matching.Options{Router: &matching.Router{}})
	noError(t, err)
	equal(t, 0, res.Served, "served")
	equal(t, matching.ReasonNeedsOrganisation, res.Unmatched[0].Reason, "reason")
}

func TestPlanScorerFunc(t *testing.T) {
	demands, providers := smallWorld()
	calls := 0
	flat := matching.ScorerFunc(func(c matching.Candidate, explain bool) matching.Fit {
		calls++
		if !matching.DefaultScorer.Score(matching.DefaultScorer{}, c, false).Eligible() {
			return matching.Fit{Reason: matching.ReasonNoSkill}
		}
		return matching.Fit{Score: 7}
	})
	res, err := matching.Plan(context.Background(), demands, providers, matching.Options{Scorer: flat})
	noError(t, err)
	if calls == 0 || res.Served != 3 || res.Score != 21 {
		t.Fatalf("calls %d, served %d, score %d", calls, res.Served, res.Score)
	}
}

func TestPlanNotOpen(t *testing.T) {
	demands, providers := smallWorld()
	demands[0].Status = catalog.StatusCompleted
	res, err := matching.Plan(context.Background(), demands[:1], providers, matching.Options{})
	noError(t, err)
	equal(t, 0, res.Served, "served")
	equal(t, matching.ReasonNotOpen, res.Unmatched[0].Reason, "reason")
}

// Plan reported an open demand with every place filled as ReasonNotOpen with the detail
// "status open", which reads as a contradiction. The detail now says the places are filled;
// a demand whose status is not open is still explained by its status, filled or not.
func TestPlanNotOpenDetail(t *testing.T) {
	for _, tt := range []struct {
		name              string
		status            catalog.Status
		headcount, filled int
		missing           int
		detail            string
	}{
		{"open, its one place filled", catalog.StatusOpen, 1, 1, 0, "its one place filled"},
		{"published, all places filled", catalog.StatusPublished, 3, 3, 0, "all 3 places filled"},
		{"claimed, all places filled", catalog.StatusClaimed, 2, 2, 0, "all 2 places filled"},
		{"completed", catalog.StatusCompleted, 1, 0, 1, "status completed"},
		{"cancelled, places left", catalog.StatusCancelled, 3, 1, 2, "status cancelled"},
		{"accepted, all places filled", catalog.StatusAccepted, 2, 2, 0, "status accepted"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			demands, providers := smallWorld()
			d := demands[0] // the haircut, which the barber would serve
			d.Status, d.Headcount, d.Filled = tt.status, tt.headcount, tt.filled
			res, err := matching.Plan(context.Background(), []catalog.Demand{d}, providers, matching.Options{})
			noError(t, err)
			equal(t, 0, res.Served, "served")
			equal(t, []matching.Unmatched{{DemandID: d.ID, Missing: tt.missing, Reason: matching.ReasonNotOpen, Detail: tt.detail}},
				res.Unmatched, "unmatched")
		})
	}
}

func TestPlanDispatched(t *testing.T) {
	demands, providers := smallWorld()
	d := demands[0]
	d.Status = catalog.StatusDispatched
	d.DispatchedTo = []uuid.UUID{providers[3].ID} // a cleaner, not a barber
	res, err := matching.Plan(context.Background(), []catalog.Demand{d}, providers, matching.Options{})
	noError(t, err)
	equal(t, 0, res.Served, "served")
	equal(t, matching.ReasonNoSkill, res.Unmatched[0].Reason, "reason")
}

func TestMatcherInvalid(t *testing.T) {
	demands, providers := smallWorld()
	_, err := matching.NewMatcher(append(demands, demands[0]), providers, matching.Options{})
	errorIs(t, err, matching.ErrInvalidInput)
	_, err = matching.NewMatcher(demands, append(providers, providers[0]), matching.Options{})
	errorIs(t, err, matching.ErrInvalidInput)
	_, err = matching.NewMatcher(demands, providers, matching.Options{Objective: 9})
	errorIs(t, err, matching.ErrInvalidInput)
	_, err = matching.NewMatcher(make([]catalog.Demand, matching.PlanDemandsMax+1), nil, matching.Options{})
	errorIs(t, err, matching.ErrInvalidInput)

	m, err := matching.NewMatcher(demands, providers, matching.Options{})
	noError(t, err)
	for _, k := range []int{0, -1, matching.SuggestMax + 1} {
		_, err = m.SuggestProviders(demands[0].ID, k)
		errorIs(t, err, matching.ErrInvalidInput)
		_, err = m.SuggestDemands(providers[0].ID, k)
		errorIs(t, err, matching.ErrInvalidInput)
	}
	_, err = m.SuggestProviders(uuid.UUID{1}, 3)
	errorIs(t, err, matching.ErrNotFound)
	_, err = m.SuggestDemands(uuid.UUID{1}, 3)
	errorIs(t, err, matching.ErrNotFound)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = m.Plan(ctx)
	errorIs(t, err, context.Canceled)
}

func TestSuggest(t *testing.T) {
	demands, providers := district(800, 1600, 2, 9)
	m, err := matching.NewMatcher(demands, providers, matching.Options{})
	noError(t, err)
	router := matching.DefaultRouter()
	byID := map[uuid.UUID]int{}
	for j, p := range providers {
		byID[p.ID] = j
	}
	dByID := map[uuid.UUID]int{}
	for i, d := range demands {
		dByID[d.ID] = i
	}
	nonEmpty := 0
	for i := range 100 {
		d := &demands[i]
		s, err := m.SuggestProviders(d.ID, 5)
		noError(t, err)
		if len(s) > 5 {
			t.Fatalf("%d suggestions for k=5", len(s))
		}
		for n, sg := range s {
			p := &providers[byID[sg.ID]]
			fit := matching.DefaultScorer{}.Score(matching.Candidate{Demand: d, Provider: p, Route: router.Route(d)}, true)
			if !fit.Eligible() || fit.Score != sg.Score || p.Capacity <= p.Active {
				t.Fatalf("suggestion %v: fit %v, capacity %d active %d", sg, fit, p.Capacity, p.Active)
			}
			if n > 0 && s[n-1].Score < sg.Score {
				t.Fatalf("suggestions not best first: %v", s)
			}
		}
		if len(s) > 0 {
			nonEmpty++
		}
		ds, err := m.SuggestDemands(providers[i].ID, 5)
		noError(t, err)
		for n, sg := range ds {
			d := &demands[dByID[sg.ID]]
			fit := matching.DefaultScorer{}.Score(matching.Candidate{Demand: d, Provider: &providers[i], Route: router.Route(d)}, false)
			if !fit.Eligible() || fit.Score != sg.Score || len(sg.Parts) == 0 {
				t.Fatalf("demand suggestion %v: fit %v", sg, fit)
			}
			if n > 0 && ds[n-1].Score < sg.Score {
				t.Fatalf("demand suggestions not best first: %v", ds)
			}
		}
	}
	if nonEmpty < 50 {
		t.Fatalf("only %d of 100 demands got suggestions", nonEmpty)
	}
}

func TestRouter(t *testing.T) {
	r := matching.DefaultRouter()
	tests := []struct {
		name     string
		demand   catalog.Demand
		rule     string
		function catalog.Function
	}{
		{"wish stays in the grid", catalog.Demand{Kind: catalog.Wish, Category: "haircut"}, "small-matters-in-grid", ""},
		{"big item by function", catalog.Demand{Kind: catalog.MajorItem, Category: "renovation"}, "big-matters-to-units", catalog.FunctionHousing},
		{"big category as a wish", catalog.Demand{Kind: catalog.Wish, Category: "dispute"}, "big-matters-to-units", catalog.FunctionLegalAid},
		{"project", catalog.Demand{Kind: catalog.Project, Category: "service_project"}, "big-matters-to-units", catalog.FunctionCivilAffairs},
		{"unknown kind", catalog.Demand{Category: "haircut"}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			route := r.Route(&tt.demand)
			equal(t, tt.rule, route.Rule, "rule")
			if tt.function != "" && (len(route.Functions) == 0 || route.Functions[0] != tt.function) {
				t.Fatalf("functions %v, want %s first", route.Functions, tt.function)
			}
			if tt.rule != "" && route.Explanation == "" {
				t.Fatal("route without explanation")
			}
		})
	}
}

func TestReasonString(t *testing.T) {
	seen := map[string]bool{}
	for r := matching.ReasonNone; r <= matching.ReasonDeadlinePassed; r++ {
		s := r.String()
		if s == "" || s == "unknown reason" || seen[s] {
			t.Fatalf("reason %d: %q", r, s)
		}
		seen[s] = true
	}
	equal(t, "unknown reason", matching.Reason(200).String(), "out of range")
}

// TestPlanReadsStoredWindowLocally: a demand read back from the catalog has its window in UTC;
// availability is stated in local hours, so a Saturday 10:00 wish in China (02:00 UTC) goes to
// the volunteer free "sat 8-18", and one free only "sat 1-3" is a window conflict.
func TestPlanReadsStoredWindowLocally(t *testing.T) {
	demands, providers := smallWorld()
	start := time.Date(2026, 5, 30, 10, 0, 0, 0, catalog.ImportLocation).UTC() // a Saturday
	d := demands[4]                                                            // cleaning
	d.Window = catalog.TimeWindow{Start: start, End: start.Add(time.Hour)}
	p := providers[3] // the only cleaner
	for _, tc := range []struct {
		hours string
		fits  bool
	}{{"sat 8-18", true}, {"sat 1-3", false}} {
		a, err := catalog.ParseAvailability(tc.hours)
		noError(t, err)
		p.Availability = a
		res, err := matching.Plan(context.Background(), []catalog.Demand{d}, []catalog.Provider{p}, matching.Options{})
		noError(t, err)
		if tc.fits {
			equal(t, 1, len(res.Assignments), tc.hours)
		} else {
			equal(t, 1, len(res.Unmatched), tc.hours)
			equal(t, matching.ReasonWindowConflict, res.Unmatched[0].Reason, tc.hours)
		}
	}
}

// TestPlanInstantWindow: a demand whose window is an instant (End == Start, an appointment at
// 10:00) goes to a volunteer free that hour. The catalog accepts such a window, but its walk
// over the hours took no slot for an instant on the hour, so every provider who states hours
// was a window conflict.
func TestPlanInstantWindow(t *testing.T) {
	demands, providers := smallWorld()
	at := time.Date(2026, 5, 30, 10, 0, 0, 0, catalog.ImportLocation) // a Saturday
	d := demands[4]                                                   // cleaning
	p := providers[3]                                                 // the only cleaner
	for _, tc := range []struct {
		start time.Time
		hours string
		fits  bool
	}{
		{at, "sat 10-11", true},
		{at.UTC(), "sat 10-11", true},
		{at.Add(30 * time.Minute), "sat 10-11", true},
		{at, "sat 9-10", false},
		{at, "sat 11-12", false},
	} {
		name := tc.hours + " " + tc.start.String()
		d.Window = catalog.TimeWindow{Start: tc.start, End: tc.start}
		a, err := catalog.ParseAvailability(tc.hours)
		noError(t, err)
		p.Availability = a
		res, err := matching.Plan(context.Background(), []catalog.Demand{d}, []catalog.Provider{p}, matching.Options{})
		noError(t, err)
		if tc.fits {
			equal(t, 1, len(res.Assignments), name)
		} else {
			equal(t, 1, len(res.Unmatched), name)
			equal(t, matching.ReasonWindowConflict, res.Unmatched[0].Reason, name)
		}
	}
}

// A demand dispatched (派单) to one provider is not on the board for the others: a claim by
// anyone else fails with catalog.ErrIneligible, so SuggestDemands must not offer it to them.
func TestSuggestDemandsHonoursDispatch(t *testing.T) {
	demands, providers := smallWorld()
	d := demands[0] // haircut
	d.Status = catalog.StatusDispatched
	barber := providers[0]
	other := barber
	other.ID = uuid.UUID{15: 201}
	other.PersonID = "volunteer-201"
	d.DispatchedTo = []uuid.UUID{other.ID}
	m, err := matching.NewMatcher([]catalog.Demand{d}, []catalog.Provider{barber, other}, matching.Options{})
	noError(t, err)
	got, err := m.SuggestDemands(barber.ID, 5)
	noError(t, err)
	equal(t, 0, len(got), "suggestions to a provider the demand was not dispatched to")
	got, err = m.SuggestDemands(other.ID, 5)
	noError(t, err)
	equal(t, 1, len(got), "suggestions to the provider it was dispatched to")
}

// Headcounts far beyond what any demand can be given overflowed the objective's bonus, which
// grew with the headcounts: 512 demands of 2^24 places with a provider of capacity 2^16 and
// the largest load cost made it negative, so Plan failed with ErrInvalidProblem. NewMatcher
// now refuses such records (see TestMatcherRecordsOutOfRange); at the largest headcounts
// and capacity it accepts the bonus stays exact, and filled and missing places add up to
// each demand's remaining headcount.
func TestPlanHugeHeadcounts(t *testing.T) {
	grid := catalog.GridPath("S/C1/G1")
	var demands []catalog.Demand
	for i := range 512 {
		demands = append(demands, catalog.Demand{ID: uuid.UUID{0: 1, 14: byte(i >> 8), 15: byte(i)}, Kind: catalog.Wish,
			Status: catalog.StatusOpen, Headcount: catalog.HeadcountMax, Location: catalog.Location{Grid: grid},
			Requester: catalog.RequesterRef{ID: "r"}})
	}
	providers := []catalog.Provider{{ID: uuid.UUID{0: 2}, Kind: catalog.Volunteer, Home: grid, Capacity: catalog.CapacityMax}}
	for _, objective := range []matching.Objective{matching.MaxServed, matching.PriorityFirst, matching.MaxScore} {
		res, err := matching.Plan(context.Background(), demands, providers,
			matching.Options{Objective: objective, LoadCost: matching.FitScoreMax})
		noError(t, err)
		if objective == matching.MaxServed {
			equal(t, len(demands), res.Served, "served")
		}
		missing := map[uuid.UUID]int{}
		for _, u := range res.Unmatched {
			missing[u.DemandID] = u.Missing
		}
		given := map[uuid.UUID]int{}
		for _, a := range res.Assignments {
			given[a.DemandID]++
		}
		for _, d := range demands {
			equal(t, d.Remaining(), given[d.ID]+missing[d.ID], "places filled and missing")
		}
	}
}

// A demand for two providers (多对一) with one eligible provider gets that one; the place
// left is not "taken by higher-scoring demands", since nobody else was given the provider.
func TestPlanReasonPartlyFilled(t *testing.T) {
	demands, providers := smallWorld()
	d := demands[0] // haircut: only provider 101 has the skill
	d.Headcount = 2
	res, err := matching.Plan(context.Background(), []catalog.Demand{d}, providers, matching.Options{})
	noError(t, err)
	checkPlan(t, []catalog.Demand{d}, providers, res)
	equal(t, 1, res.Served, "served")
	equal(t, 1, len(res.Unmatched), "unmatched entries")
	equal(t, matching.ReasonNoCandidates, res.Unmatched[0].Reason, "reason")

	// With a second barber far away the place is missed for the walk.
	far := providers[1] // the tutor, 2.2 km away
	far.Skills = []catalog.Skill{"haircut"}
	res, err = matching.Plan(context.Background(), []catalog.Demand{d}, []catalog.Provider{providers[0], far}, matching.Options{})
	noError(t, err)
	equal(t, 1, res.Served, "served")
	equal(t, matching.ReasonTooFar, res.Unmatched[0].Reason, "reason with a far barber")
}

// A custom scorer may turn a pairing down with a score of 0 (or less) and no reason. Plan
// reported the demand's miss as ReasonNone, the "no reason" value, so a caller learnt nothing;
// it is ReasonNoScore, with a detail that says so.
func TestPlanReasonScorerGaveNoScore(t *testing.T) {
	demands, providers := smallWorld()
	d := demands[0] // haircut: provider 101 has the skill and is near
	for _, score := range []int64{0, -5} {
		t.Run(fmt.Sprint(score), func(t *testing.T) {
			none := matching.ScorerFunc(func(matching.Candidate, bool) matching.Fit { return matching.Fit{Score: score} })
			res, err := matching.Plan(context.Background(), []catalog.Demand{d}, providers, matching.Options{Scorer: none})
			noError(t, err)
			equal(t, 0, res.Served, "served")
			equal(t, 1, len(res.Unmatched), "unmatched entries")
			u := res.Unmatched[0]
			equal(t, matching.ReasonNoScore, u.Reason, "reason")
			if !strings.Contains(u.Detail, matching.ReasonNoScore.String()) {
				t.Fatalf("detail %q does not name the reason", u.Detail)
			}
		})
	}
}

// DefaultScorer.WalkMetersMax is 0 (the 15-minute circle) or a walk up to
// WalkMetersMaxLimit. An infinite limit made the distance points ∞/∞, a NaN that Go converts
// to an int64 as the platform pleases (on amd64 the score fell to 1); NewMatcher (and so
// Plan) refuses such a value and changes nothing.
func TestMatcherWalkMetersMaxOutOfRange(t *testing.T) {
	demands, providers := smallWorld()
	for _, walk := range []float64{math.Inf(1), math.Inf(-1), math.NaN(), -1, -math.SmallestNonzeroFloat64,
		matching.WalkMetersMaxLimit * 2, math.MaxFloat64} {
		t.Run(fmt.Sprint(walk), func(t *testing.T) {
			scorer := matching.DefaultScorer{WalkMetersMax: walk}
			for _, s := range []matching.Scorer{scorer, &scorer} {
				_, err := matching.NewMatcher(demands, providers, matching.Options{Scorer: s})
				errorIs(t, err, matching.ErrInvalidInput)
				_, err = matching.Plan(context.Background(), demands, providers, matching.Options{Scorer: s})
				errorIs(t, err, matching.ErrInvalidInput)
			}
		})
	}
	for _, walk := range []float64{0, math.SmallestNonzeroFloat64, 600, matching.WalkMetersMaxLimit} {
		scorer := matching.DefaultScorer{WalkMetersMax: walk}
		for _, s := range []matching.Scorer{scorer, &scorer} {
			res, err := matching.Plan(context.Background(), demands, providers, matching.Options{Scorer: s})
			noError(t, err)
			if res.Served == 0 {
				t.Fatalf("walk %v: nothing served", walk)
			}
		}
	}
}

// Score cannot refuse a limit, so called directly (or through a ScorerFunc, which NewMatcher
// cannot look into) it takes +Inf and other limits above WalkMetersMaxLimit as that limit,
// and a negative or NaN one as 0: never a NaN in the distance points.
func TestDefaultScorerWalkMetersMaxOutOfRange(t *testing.T) {
	demands, providers := smallWorld()
	d, p := &demands[0], &providers[0] // haircut, 0 m apart
	c := matching.Candidate{Demand: d, Provider: p}
	for _, tt := range []struct{ walk, as float64 }{
		{math.Inf(1), matching.WalkMetersMaxLimit},
		{math.MaxFloat64, matching.WalkMetersMaxLimit},
		{math.NaN(), 0},
		{math.Inf(-1), 0},
		{-5, 0},
	} {
		t.Run(fmt.Sprint(tt.walk), func(t *testing.T) {
			got := matching.DefaultScorer{WalkMetersMax: tt.walk}.Score(c, true)
			want := matching.DefaultScorer{WalkMetersMax: tt.as}.Score(c, true)
			equal(t, want, got, "fit")
			if !got.Eligible() || !hasPart(got.Parts, "distance") {
				t.Fatalf("fit %+v", got)
			}
			for _, part := range got.Parts {
				if part.Name == "distance" && part.Points != matching.DefaultWeights.Distance {
					t.Fatalf("distance points %d for a walk of 0 m, want %d", part.Points, matching.DefaultWeights.Distance)
				}
			}
			wrapped := matching.Options{Scorer: matching.ScorerFunc(matching.DefaultScorer{WalkMetersMax: tt.walk}.Score)}
			res, err := matching.Plan(context.Background(), []catalog.Demand{*d}, []catalog.Provider{*p}, wrapped)
			noError(t, err)
			equal(t, 1, res.Served, "served")
			equal(t, want.Score, res.Score, "plan score")
		})
	}
}

// A custom scorer's Reason beyond the listed ones (Reason(50)) was left out of the tally of
// a demand's misses, so the miss was reported under another reason (here ReasonNoCandidates:
// "no provider ... serves", though one did and was turned down). The Matcher refuses such a
// reason with ErrInvalidInput naming it, in Plan and in both Suggest methods; listed reasons
// are counted as before.
func TestPlanScorerUnlistedReason(t *testing.T) {
	demands, providers := smallWorld()
	d, barber := demands[0], providers[0] // haircut: the barber is the only candidate
	for _, r := range []matching.Reason{50, 255} {
		t.Run(fmt.Sprint(uint8(r)), func(t *testing.T) {
			unlisted := matching.Options{Scorer: matching.ScorerFunc(func(matching.Candidate, bool) matching.Fit {
				return matching.Fit{Reason: r}
			})}
			res, err := matching.Plan(context.Background(), []catalog.Demand{d}, providers, unlisted)
			errorIs(t, err, matching.ErrInvalidInput)
			if !strings.Contains(err.Error(), fmt.Sprintf("reason %d", uint8(r))) {
				t.Fatalf("error %q does not name the reason", err)
			}
			equal(t, matching.PlanResult{}, res, "result of a refused plan")
			m, err := matching.NewMatcher([]catalog.Demand{d}, providers, unlisted)
			noError(t, err)
			_, err = m.SuggestProviders(d.ID, 3)
			errorIs(t, err, matching.ErrInvalidInput)
			_, err = m.SuggestDemands(barber.ID, 3)
			errorIs(t, err, matching.ErrInvalidInput)
		})
	}
	last := matching.ScorerFunc(func(matching.Candidate, bool) matching.Fit { return matching.Fit{Reason: matching.ReasonNoScore} })
	res, err := matching.Plan(context.Background(), []catalog.Demand{d}, providers, matching.Options{Scorer: last})
	noError(t, err)
	equal(t, matching.ReasonNoScore, res.Unmatched[0].Reason, "the last listed reason")
}

// Options.Scorer nil means DefaultScorer{}, as a nil Router means DefaultRouter(). A nil
// *DefaultScorer in it is not a nil Scorer, and scoring through it panicked (Score has a
// value receiver); the Matcher takes it as the default too. A non-nil *DefaultScorer is read
// once, when the Matcher is built.
func TestMatcherNilDefaultScorerPointer(t *testing.T) {
	demands, providers := smallWorld()
	ctx := context.Background()
	var nilScorer *matching.DefaultScorer
	want, err := matching.Plan(ctx, demands, providers, matching.Options{})
	noError(t, err)
	got, err := matching.Plan(ctx, demands, providers, matching.Options{Scorer: nilScorer})
	noError(t, err)
	equal(t, want, got, "plan with a nil *DefaultScorer")

	def, err := matching.NewMatcher(demands, providers, matching.Options{})
	noError(t, err)
	m, err := matching.NewMatcher(demands, providers, matching.Options{Scorer: nilScorer})
	noError(t, err)
	for _, d := range demands {
		wantS, err := def.SuggestProviders(d.ID, 5)
		noError(t, err)
		gotS, err := m.SuggestProviders(d.ID, 5)
		noError(t, err)
		equal(t, wantS, gotS, "suggested providers")
	}
	for _, p := range providers {
		wantS, err := def.SuggestDemands(p.ID, 5)
		noError(t, err)
		gotS, err := m.SuggestDemands(p.ID, 5)
		noError(t, err)
		equal(t, wantS, gotS, "suggested demands")
	}

	// Changing the DefaultScorer a pointer points to after NewMatcher changes nothing.
	scorer := &matching.DefaultScorer{}
	m, err = matching.NewMatcher(demands, providers, matching.Options{Scorer: scorer})
	noError(t, err)
	scorer.Weights = matching.Weights{Fit: 1}
	got, err = m.Plan(ctx)
	noError(t, err)
	equal(t, want, got, "plan after the scorer changed")
}

// A nil ScorerFunc in Options.Scorer is not a nil Scorer: NewMatcher took it and the first
// pairing Plan or a Suggest method scored called the nil function and panicked. It is
// refused with ErrInvalidInput instead: the caller meant a scorer of its own and gave none.
func TestMatcherNilScorerFunc(t *testing.T) {
	demands, providers := smallWorld()
	opts := matching.Options{Scorer: matching.ScorerFunc(nil)}
	m, err := matching.NewMatcher(demands, providers, opts)
	errorIs(t, err, matching.ErrInvalidInput)
	if m != nil {
		t.Fatalf("NewMatcher returned a Matcher with its error")
	}
	_, err = matching.Plan(context.Background(), demands, providers, opts)
	errorIs(t, err, matching.ErrInvalidInput)
}

// weightsWith is DefaultWeights with the named weight set to points.
func weightsWith(t *testing.T, name string, points int64) matching.Weights {
	t.Helper()
	w := matching.DefaultWeights
	field := reflect.ValueOf(&w).Elem().FieldByName(name)
	if !field.IsValid() {
		t.Fatalf("no weight %s", name)
	}
	field.SetInt(points)
	return w
}

// Every weight of DefaultScorer lies within ±WeightPointsMax. A Distance near MaxInt64 made
// the distance part a float beyond int64's range, which Go converts as the platform pleases
// (on amd64 the part was MinInt64 and the score fell to 1), and other huge weights wrapped
// the sum around. NewMatcher (and so Plan) refuses such a weight, naming it, and changes
// nothing; the limits themselves are accepted.
func TestMatcherWeightsOutOfRange(t *testing.T) {
	demands, providers := smallWorld()
	names := []string{"Fit", "Distance", "Availability", "Priority", "Urgent", "Emergency", "Professional", "RatingStar", "Load"}
	for _, name := range names {
		for _, points := range []int64{matching.WeightPointsMax + 1, -matching.WeightPointsMax - 1, math.MaxInt64, math.MinInt64} {
			t.Run(fmt.Sprintf("%s=%d", name, points), func(t *testing.T) {
				scorer := matching.DefaultScorer{Weights: weightsWith(t, name, points)}
				for _, s := range []matching.Scorer{scorer, &scorer} {
					_, err := matching.NewMatcher(demands, providers, matching.Options{Scorer: s})
					errorIs(t, err, matching.ErrInvalidInput)
					if !strings.Contains(err.Error(), "Weights."+name) {
						t.Fatalf("error %q does not name the weight", err)
					}
					res, err := matching.Plan(context.Background(), demands, providers, matching.Options{Scorer: s})
					errorIs(t, err, matching.ErrInvalidInput)
					equal(t, matching.PlanResult{}, res, "result of a refused plan")
				}
			})
		}
		for _, points := range []int64{matching.WeightPointsMax, -matching.WeightPointsMax} {
			scorer := matching.DefaultScorer{Weights: weightsWith(t, name, points)}
			_, err := matching.Plan(context.Background(), demands, providers, matching.Options{Scorer: scorer})
			noError(t, err)
		}
	}
}

// Score cannot refuse a weight: called directly, or through a ScorerFunc that NewMatcher
// cannot look into, it takes a weight beyond ±WeightPointsMax as the limit of its sign, so a
// Distance of MaxInt64 scores like WeightPointsMax on every platform.
func TestDefaultScorerWeightsOutOfRange(t *testing.T) {
	demands, providers := smallWorld()
	d, p := demands[0], providers[0] // haircut, 0 m apart: the whole distance weight
	c := matching.Candidate{Demand: &d, Provider: &p}
	for _, tt := range []struct {
		name     string
		points   int64
		asPoints int64
	}{
		{"Distance", math.MaxInt64, matching.WeightPointsMax},
		{"Distance", math.MinInt64, -matching.WeightPointsMax},
		{"Fit", math.MaxInt64 - 1, matching.WeightPointsMax},
		{"Priority", math.MinInt64 + 1, -matching.WeightPointsMax},
		{"Availability", matching.WeightPointsMax + 1, matching.WeightPointsMax},
	} {
		t.Run(fmt.Sprintf("%s=%d", tt.name, tt.points), func(t *testing.T) {
			scorer := matching.DefaultScorer{Weights: weightsWith(t, tt.name, tt.points)}
			got := scorer.Score(c, true)
			want := matching.DefaultScorer{Weights: weightsWith(t, tt.name, tt.asPoints)}.Score(c, true)
			equal(t, want, got, "fit")
			for _, part := range got.Parts {
				if part.Points < -matching.WeightPointsMax || part.Points > matching.WeightPointsMax {
					t.Fatalf("part %+v beyond the weights' limit", part)
				}
			}
			wrapped := matching.Options{Scorer: matching.ScorerFunc(scorer.Score)}
			res, err := matching.Plan(context.Background(), []catalog.Demand{d}, []catalog.Provider{p}, wrapped)
			noError(t, err)
			equal(t, want.Score, res.Score, "plan score")
		})
	}
}

// The rating and fairness parts multiply a weight by provider records: a RatingSum or Active
// near MaxInt wrapped the product around (a rating of MaxInt stars scored -20 points with the
// default weights). The parts are now exact up to ±2^40 points and held there, the score is
// their sum held to 1..FitScoreMax, and the Matcher's prepared scorer agrees with Score. A
// Matcher reads RatingSum as it is, but refuses an Active beyond catalog.CapacityMax, so
// there the plans compare the largest load it accepts.
func TestDefaultScorerHugeRecords(t *testing.T) {
	demands, providers := smallWorld()
	d, p := demands[0], providers[0] // haircut, 0 m apart
	p.Capacity = catalog.CapacityMax
	for _, tt := range []struct {
		name                   string
		ratingSum, ratingCount int
		active                 int
		weights                matching.Weights
	}{
		{"rating of MaxInt stars", math.MaxInt, 1, 0, matching.Weights{}},
		{"rating of MinInt stars", math.MinInt, 1, 0, matching.Weights{}},
		{"rating over MaxInt ratings", math.MaxInt, math.MaxInt, 0, matching.Weights{}},
		{"MaxInt-1 demands in hand", 0, 0, math.MaxInt - 1, matching.Weights{}},
		{"largest weights", math.MaxInt, 1, math.MaxInt - 1, weightsWith(t, "RatingStar", matching.WeightPointsMax)},
		{"largest negative weights", math.MaxInt, 1, math.MaxInt - 1,
			matching.Weights{Fit: 1, RatingStar: -matching.WeightPointsMax, Load: -matching.WeightPointsMax}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := p
			p.RatingSum, p.RatingCount, p.Active = tt.ratingSum, tt.ratingCount, tt.active
			scorer := matching.DefaultScorer{Weights: tt.weights}
			w := tt.weights
			if w == (matching.Weights{}) {
				w = matching.DefaultWeights
			}
			fit := scorer.Score(matching.Candidate{Demand: &d, Provider: &p}, true)
			if !fit.Eligible() {
				t.Fatalf("fit %+v", fit)
			}
			var sum int64
			for _, part := range fit.Parts {
				sum += part.Points
				switch {
				case part.Name == "rating" && (part.Points < 0) != ((w.RatingStar < 0) != (tt.ratingSum < 0)):
					t.Fatalf("rating part %+v for %d stars, weight %d", part, tt.ratingSum, w.RatingStar)
				case part.Name == "fairness" && (part.Points > 0) != (w.Load < 0):
					t.Fatalf("fairness part %+v for %d demands, weight %d", part, tt.active, w.Load)
				case part.Points < -1<<40 || part.Points > 1<<40:
					t.Fatalf("part %+v beyond 2^40", part)
				}
			}
			equal(t, min(max(sum, 1), matching.FitScoreMax), fit.Score, "score from the parts")
			if tt.ratingCount == 1 && w == matching.DefaultWeights && tt.ratingSum > 0 && fit.Score != matching.FitScoreMax {
				t.Fatalf("score %d for a rating of %d stars", fit.Score, tt.ratingSum)
			}
			if p.Active > catalog.CapacityMax {
				_, err := matching.Plan(context.Background(), []catalog.Demand{d}, []catalog.Provider{p}, matching.Options{Scorer: scorer})
				errorIs(t, err, matching.ErrInvalidInput)
				p.Active = catalog.CapacityMax - 1 // one place left
				fit = scorer.Score(matching.Candidate{Demand: &d, Provider: &p}, false)
			}
			prepared, err := matching.Plan(context.Background(), []catalog.Demand{d}, []catalog.Provider{p}, matching.Options{Scorer: scorer})
			noError(t, err)
			wrapped, err := matching.Plan(context.Background(), []catalog.Demand{d}, []catalog.Provider{p},
				matching.Options{Scorer: matching.ScorerFunc(scorer.Score)})
			noError(t, err)
			equal(t, wrapped, prepared, "prepared plan")
			equal(t, fit.Score, prepared.Score, "plan score")
		})
	}
}

// From a demand's deadline on (deadline at or before now) catalog refuses to dispatch it or
// let anyone claim it (catalog.ErrDeadlinePassed), whether or not it has expired yet. Plan
// gave such a demand providers all the same, and the Dispatch that followed failed; the
// provider was lost to the demands it could have served. Given the catalog's clock
// (Options.Now), Plan now leaves it out with ReasonDeadlinePassed, and SuggestDemands does
// not offer it. Without a clock no deadline is checked: the Matcher does not read the wall
// clock unasked.
func TestPlanDeadlinePassed(t *testing.T) {
	all, providers := smallWorld()
	ctx := context.Background()
	deadline := time.Date(2026, 6, 1, 9, 0, 0, 0, catalog.ImportLocation)
	wish, rival := all[0], all[5] // two haircuts for one barber; the wish scores higher
	wish.Deadline = deadline
	demands := []catalog.Demand{wish, rival}
	barber := providers[0]
	at := func(now time.Time) matching.Options { return matching.Options{Now: func() time.Time { return now }} }
	assigned := func(res matching.PlanResult) map[byte]byte {
		got := map[byte]byte{}
		for _, a := range res.Assignments {
			got[a.DemandID[15]] = a.ProviderID[15]
		}
		return got
	}

	res, err := matching.Plan(ctx, demands, providers, at(deadline.Add(-time.Second)))
	noError(t, err)
	equal(t, map[byte]byte{1: 101}, assigned(res), "a second before the deadline")
	m, err := matching.NewMatcher(demands, providers, at(deadline.Add(-time.Second)))
	noError(t, err)
	suggested, err := m.SuggestDemands(barber.ID, 5)
	noError(t, err)
	equal(t, 2, len(suggested), "suggestions a second before the deadline")

	for _, now := range []time.Time{deadline, deadline.Add(time.Hour), deadline.UTC()} {
		t.Run(now.String(), func(t *testing.T) {
			res, err := matching.Plan(ctx, demands, providers, at(now))
			noError(t, err)
			equal(t, map[byte]byte{6: 101}, assigned(res), "the barber goes to the other haircut")
			equal(t, 1, len(res.Unmatched), "unmatched entries")
			u := res.Unmatched[0]
			equal(t, wish.ID, u.DemandID, "unmatched demand")
			equal(t, matching.ReasonDeadlinePassed, u.Reason, "reason")
			equal(t, 1, u.Missing, "missing")
			if !strings.Contains(u.Detail, "deadline 2026-06-01T09:00:00+08:00") {
				t.Fatalf("detail %q does not give the deadline", u.Detail)
			}
			m, err := matching.NewMatcher(demands, providers, at(now))
			noError(t, err)
			suggested, err := m.SuggestDemands(barber.ID, 5)
			noError(t, err)
			equal(t, 1, len(suggested), "suggestions")
			equal(t, rival.ID, suggested[0].ID, "suggestion")
		})
	}

	// A partly claimed demand (多对一) past its deadline keeps its claims, but no one may add to
	// them; a demand that is not open stays ReasonNotOpen.
	partly := wish
	partly.Status, partly.Headcount, partly.Filled = catalog.StatusClaimed, 2, 1
	closed := wish
	closed.ID, closed.Status = uuid.UUID{15: 9}, catalog.StatusCompleted
	res, err = matching.Plan(ctx, []catalog.Demand{partly, closed}, providers, at(deadline))
	noError(t, err)
	equal(t, 0, res.Served, "served")
	equal(t, 2, len(res.Unmatched), "unmatched entries")
	equal(t, []matching.Reason{matching.ReasonDeadlinePassed, matching.ReasonNotOpen},
		[]matching.Reason{res.Unmatched[0].Reason, res.Unmatched[1].Reason}, "reasons")
	equal(t, 1, res.Unmatched[0].Missing, "places the partly claimed demand misses")

	// Without Options.Now no deadline is checked, not even one long past by the wall clock.
	past := wish
	past.Deadline = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	res, err = matching.Plan(ctx, []catalog.Demand{past}, providers, matching.Options{})
	noError(t, err)
	equal(t, map[byte]byte{1: 101}, assigned(res), "without a clock")
	m, err = matching.NewMatcher([]catalog.Demand{past}, providers, matching.Options{})
	noError(t, err)
	suggested, err = m.SuggestDemands(barber.ID, 5)
	noError(t, err)
	equal(t, 1, len(suggested), "suggestions without a clock")
}

// Plan on the catalog's clock agrees with Dispatch to the microsecond: a wish planned a
// microsecond before its deadline is dispatched; one planned at the deadline is left out,
// and Dispatch would refuse it (catalog.ErrDeadlinePassed). A deadline between two
// microseconds (a record not read from the catalog, which keeps microseconds) binds as the
// catalog's would.
func TestPlanDeadlineAgreesWithDispatch(t *testing.T) {
	ctx := context.Background()
	f := storetest.NewFixture(t, memstore.New())
	deadline := f.Clock.Now().Add(time.Hour)
	open := func(requester string) catalog.Demand {
		w := storetest.Wish(requester)
		w.Deadline = deadline
		return f.OpenWish(t, w)
	}
	early, late := open("r1"), open("r2")
	volunteer := f.Register(t, storetest.Volunteer("v1"))
	opts := matching.Options{Now: f.Clock.Now}
	plan := func(id uuid.UUID) matching.PlanResult {
		t.Helper()
		d, err := f.Cat.Demand(ctx, id)
		noError(t, err)
		p, err := f.Cat.Provider(ctx, volunteer.ID)
		noError(t, err)
		res, err := matching.Plan(ctx, []catalog.Demand{d}, []catalog.Provider{p}, opts)
		noError(t, err)
		return res
	}

	f.Clock.Advance(time.Hour - time.Microsecond)
	res := plan(early.ID)
	equal(t, 1, res.Served, "served a microsecond before the deadline")
	_, err := f.Cat.Dispatch(ctx, early.ID, []uuid.UUID{res.Assignments[0].ProviderID}, catalog.Act{Actor: "community"})
	noError(t, err)

	f.Clock.Advance(time.Microsecond)
	res = plan(late.ID)
	equal(t, 0, res.Served, "served at the deadline")
	equal(t, 1, len(res.Unmatched), "unmatched at the deadline")
	equal(t, matching.ReasonDeadlinePassed, res.Unmatched[0].Reason, "reason at the deadline")
	_, err = f.Cat.Dispatch(ctx, late.ID, []uuid.UUID{volunteer.ID}, catalog.Act{Actor: "community"})
	errorIs(t, err, catalog.ErrDeadlinePassed)

	// 300 ns into the deadline's microsecond, 500 ns deadline: the catalog (both cut to the
	// microsecond) refuses, so the plan leaves the demand out too.
	d, err := f.Cat.Demand(ctx, late.ID)
	noError(t, err)
	d.Deadline = deadline.Add(500 * time.Nanosecond)
	at := matching.Options{Now: func() time.Time { return deadline.Add(300 * time.Nanosecond) }}
	res, err = matching.Plan(ctx, []catalog.Demand{d}, []catalog.Provider{volunteer}, at)
	noError(t, err)
	equal(t, 1, len(res.Unmatched), "unmatched inside the deadline's microsecond")
	equal(t, matching.ReasonDeadlinePassed, res.Unmatched[0].Reason, "reason inside the deadline's microsecond")
}

// A demand dispatched (派单) to providers the plan does not hold can go to no one: Plan only
// looks at the providers it was dispatched to. It reported ReasonNoCandidates, "no provider
// with skill haircut serves ...", though a barber stood next door: the reason is
// ReasonNotDispatched, and the detail names the dispatch.
func TestPlanReasonDispatchedOutsidePlan(t *testing.T) {
	demands, providers := smallWorld()
	d := demands[0] // haircut: provider 101 has the skill and is near
	d.Status = catalog.StatusDispatched
	d.DispatchedTo = []uuid.UUID{{15: 200}} // a provider this plan does not hold
	res, err := matching.Plan(context.Background(), []catalog.Demand{d}, providers, matching.Options{})
	noError(t, err)
	equal(t, 0, res.Served, "served")
	equal(t, 1, len(res.Unmatched), "unmatched entries")
	u := res.Unmatched[0]
	equal(t, matching.ReasonNotDispatched, u.Reason, "reason")
	equal(t, "dispatched to 1 provider, none of them in the plan", u.Detail, "detail")

	// Dispatched to the barber and to one outside the plan, for two places: the barber takes
	// one, and the other place waits for the provider outside the plan.
	d.Headcount = 2
	d.DispatchedTo = []uuid.UUID{providers[0].ID, {15: 200}}
	res, err = matching.Plan(context.Background(), []catalog.Demand{d}, providers, matching.Options{})
	noError(t, err)
	equal(t, 1, res.Served, "served")
	equal(t, 1, len(res.Unmatched), "unmatched entries")
	u = res.Unmatched[0]
	equal(t, matching.ReasonNotDispatched, u.Reason, "reason, partly filled")
	equal(t, "dispatched to 2 providers, no other of them in the plan", u.Detail, "detail, partly filled")
}

// Plan's doc said the best CandidatesKeptMax providers of each demand enter the optimisation.
// The scan keeps the first CandidatesKeptMax eligible providers with room it finds, nearest
// first (the demand's own grid, the community's other grids, then providers serving wider
// areas), and stops there: a better provider found later never enters. Here seventeen lawyers
// stand at the resident's door; the sixteen of the grid are found first, and the
// professional one, who serves the whole community, scores more (SuggestProviders, which
// scans further, puts him first) but is not considered by Plan.
func TestPlanKeepsNearestCandidates(t *testing.T) {
	demands, providers := smallWorld()
	d := demands[7] // legal advice, a hard item
	near := providers[4]
	var lawyers []catalog.Provider
	for n := range matching.CandidatesKeptMax {
		p := near
		p.ID, p.PersonID = uuid.UUID{14: 1, 15: byte(n)}, fmt.Sprintf("lawyer-%d", n)
		lawyers = append(lawyers, p)
	}
	professional := near
	professional.ID, professional.PersonID = uuid.UUID{14: 2}, "professional"
	professional.Flags = catalog.FlagProfessional
	professional.ServiceArea = []catalog.GridPath{d.Location.Grid.Community()}
	lawyers = append(lawyers, professional)

	m, err := matching.NewMatcher([]catalog.Demand{d}, lawyers, matching.Options{})
	noError(t, err)
	suggested, err := m.SuggestProviders(d.ID, 1)
	noError(t, err)
	equal(t, professional.ID, suggested[0].ID, "best suggestion")
	res, err := m.Plan(context.Background())
	noError(t, err)
	equal(t, 1, res.Served, "served")
	if a := res.Assignments[0]; a.ProviderID == professional.ID || a.Score >= suggested[0].Score {
		t.Fatalf("assignment %v: the professional was not among the kept candidates", a)
	}
}

// The Matcher found candidates by the skills of a demand's category in the router's taxonomy
// (Router.Taxonomy, or the default) while DefaultScorer judged them by its own
// (DefaultScorer.Taxonomy, or the default). Where the two differ, an eligible provider next
// door was never looked at: Plan reported "no provider with skill haircut" for a wish the
// scorer says needs barbering, and the Suggest methods found no one. Candidates now come by
// the skills the scorer checks, whichever of the two taxonomies is the community's own.
func TestMatcherFindsCandidatesByScorerTaxonomy(t *testing.T) {
	own, err := catalog.ParseTaxonomy([]byte(`[
	  {"code":"haircut","name":"义务理发","skills":["barbering"],"default_minutes":30}]`))
	noError(t, err)
	grid := catalog.GridPath("幸福街道/阳光社区/1网格/1栋")
	wish := catalog.Demand{ID: uuid.UUID{15: 1}, Kind: catalog.Wish, Category: "haircut", Status: catalog.StatusOpen,
		Headcount: 1, Location: catalog.Location{Grid: grid, At: catalog.Coordinates{Lat: 30, Lng: 120}}}
	barber := func(skill catalog.Skill) catalog.Provider {
		return catalog.Provider{ID: uuid.UUID{15: 2}, Kind: catalog.Volunteer, Skills: []catalog.Skill{skill},
			Capacity: 1, Home: grid, At: catalog.Coordinates{Lat: 30.001, Lng: 120}}
	}
	ownRouter := matching.RouterForTaxonomy(own)
	tests := []struct {
		name     string
		opts     matching.Options
		provider catalog.Provider // eligible by the scorer's taxonomy only
	}{
		{"scorer's own taxonomy, default router", matching.Options{Scorer: matching.DefaultScorer{Taxonomy: own}}, barber("barbering")},
		{"scorer's own taxonomy by pointer", matching.Options{Scorer: &matching.DefaultScorer{Taxonomy: own}}, barber("barbering")},
		{"router's own taxonomy, default scorer", matching.Options{Router: &ownRouter}, barber("haircut")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			demands, providers := []catalog.Demand{wish}, []catalog.Provider{tt.provider}
			m, err := matching.NewMatcher(demands, providers, tt.opts)
			noError(t, err)
			res, err := m.Plan(context.Background())
			noError(t, err)
			equal(t, 1, res.Served, fmt.Sprintf("served (unmatched %+v)", res.Unmatched))
			equal(t, tt.provider.ID, res.Assignments[0].ProviderID, "provider")
			sp, err := m.SuggestProviders(wish.ID, 5)
			noError(t, err)
			equal(t, 1, len(sp), "providers suggested")
			sd, err := m.SuggestDemands(tt.provider.ID, 5)
			noError(t, err)
			equal(t, 1, len(sd), "demands suggested")
		})
	}
}

// Plan let at most CandidatesKeptMax providers into the optimisation for one demand, so a
// demand needing more (多对一: a stairwell clean-up for 30 volunteers, catalog.HeadcountMax
// is 100) got 16 of the 40 willing volunteers next door, and its miss said no other provider
// with the skill serves the grid. A demand now keeps as many candidates as it has places
// left when that is more.
func TestPlanFillsHeadcountBeyondCandidatesKept(t *testing.T) {
	grid := catalog.GridPath("幸福街道/阳光社区/1网格/2栋")
	cleanup := catalog.Demand{ID: uuid.UUID{0: 1}, Kind: catalog.PracticalMatter, Category: "cleaning",
		Skills: []catalog.Skill{"cleaning"}, Status: catalog.StatusOpen, Headcount: 30, Filled: 2,
		Location: catalog.Location{Grid: grid, At: catalog.Coordinates{Lat: 30, Lng: 120}}}
	var volunteers []catalog.Provider
	for n := range 40 {
		volunteers = append(volunteers, catalog.Provider{ID: uuid.UUID{0: 2, 15: byte(n)}, Kind: catalog.Volunteer,
			Skills: []catalog.Skill{"cleaning"}, Capacity: 1, Home: grid,
			At: catalog.Coordinates{Lat: 30 + float64(n)*0.0001, Lng: 120}})
	}
	for _, objective := range []matching.Objective{matching.MaxScore, matching.MaxServed, matching.PriorityFirst} {
		res, err := matching.Plan(context.Background(), []catalog.Demand{cleanup}, volunteers, matching.Options{Objective: objective})
		noError(t, err)
		checkPlan(t, []catalog.Demand{cleanup}, volunteers, res)
		equal(t, 28, res.Served, fmt.Sprintf("places filled (objective %d, unmatched %+v)", objective, res.Unmatched))
		equal(t, 0, len(res.Unmatched), "unmatched")
	}

	// With 20 volunteers for the 28 places every one of them is given and the miss says so.
	res, err := matching.Plan(context.Background(), []catalog.Demand{cleanup}, volunteers[:20], matching.Options{})
	noError(t, err)
	equal(t, 20, res.Served, "places filled by 20 volunteers")
	equal(t, []matching.Unmatched{{DemandID: cleanup.ID, Missing: 8, Reason: matching.ReasonNoCandidates,
		Detail: "no other provider with skill cleaning serves " + string(grid)}}, res.Unmatched, "unmatched")
}

// With PriorityFirst a provider goes to a priority resident's demand even when another demand
// would score more with him. The other demand's miss said its providers "were assigned to
// higher-scoring demands", which was false; it now says they went to priority residents'
// demands or higher-scoring ones, and ReasonTaken's text no longer claims a higher score.
func TestPlanReasonTakenPriorityFirst(t *testing.T) {
	grid := catalog.GridPath("幸福街道/阳光社区/3网格")
	wish := func(id byte, building string, lat float64) catalog.Demand {
		return catalog.Demand{ID: uuid.UUID{15: id}, Kind: catalog.Wish, Category: "elderly_visit", Status: catalog.StatusOpen,
			Headcount: 1, Location: catalog.Location{Grid: grid + "/" + catalog.GridPath(building), At: catalog.Coordinates{Lat: lat, Lng: 120}}}
	}
	urgent, alone := wish(1, "1栋", 30.0015), wish(2, "6栋", 30.007)
	urgent.Urgency = catalog.UrgencyUrgent
	alone.Priority = catalog.PriorityElderlyAlone
	volunteer := catalog.Provider{ID: uuid.UUID{15: 11}, Kind: catalog.Volunteer, Skills: []catalog.Skill{"companionship"},
		Capacity: 1, Home: grid + "/1栋", At: catalog.Coordinates{Lat: 30.001, Lng: 120}}
	demands, providers := []catalog.Demand{urgent, alone}, []catalog.Provider{volunteer}

	res, err := matching.Plan(context.Background(), demands, providers, matching.Options{Objective: matching.PriorityFirst})
	noError(t, err)
	equal(t, alone.ID, res.Assignments[0].DemandID, "the priority resident's wish is served")
	best, err := matching.Plan(context.Background(), demands, providers, matching.Options{})
	noError(t, err)
	if best.Assignments[0].DemandID != urgent.ID || best.Score <= res.Score {
		t.Fatalf("the urgent wish scores more with the volunteer: %+v, %+v", best, res)
	}
	equal(t, []matching.Unmatched{{DemandID: urgent.ID, Missing: 1, Reason: matching.ReasonTaken,
		Detail: "1 eligible provider with capacity was assigned to priority residents' demands or higher-scoring ones"}},
		res.Unmatched, "unmatched with PriorityFirst")
	if strings.Contains(matching.ReasonTaken.String(), "higher-scoring") {
		t.Fatalf("ReasonTaken says %q", matching.ReasonTaken)
	}
}

// A miss's detail counting one provider read "1 eligible providers ... were", "all 1 eligible
// providers are" and "1 providers ...: none eligible, most often"; each now reads in the
// singular, and counts of two stay plural.
func TestPlanMissDetailSingular(t *testing.T) {
	grid := catalog.GridPath("幸福街道/阳光社区/3网格")
	monday := time.Date(2026, 6, 1, 10, 0, 0, 0, catalog.ImportLocation)
	saturday, err := catalog.ParseAvailability("sat 8-9")
	noError(t, err)
	wish := func(id byte) catalog.Demand {
		return catalog.Demand{ID: uuid.UUID{15: id}, Kind: catalog.Wish, Category: "elderly_visit", Status: catalog.StatusOpen,
			Headcount: 1, Location: catalog.Location{Grid: grid + "/1栋", At: catalog.Coordinates{Lat: 30.001, Lng: 120}},
			Window: catalog.TimeWindow{Start: monday, End: monday.Add(time.Hour)}}
	}
	volunteer := func(id byte) catalog.Provider {
		return catalog.Provider{ID: uuid.UUID{15: id}, Kind: catalog.Volunteer, Skills: []catalog.Skill{"companionship"},
			Capacity: 1, Home: grid + "/1栋", At: catalog.Coordinates{Lat: 30.001, Lng: 120}}
	}
	busy := func(id byte) catalog.Provider { p := volunteer(id); p.Active = 1; return p }
	away := func(id byte) catalog.Provider { p := volunteer(id); p.Availability = saturday; return p }
	where := string(grid) + "/1栋"
	for _, tc := range []struct {
		name      string
		providers []catalog.Provider
		reason    matching.Reason
		detail    string
	}{
		{"one taken", []catalog.Provider{volunteer(11)}, matching.ReasonTaken,
			"1 eligible provider with capacity was assigned to higher-scoring demands"},
		{"one at capacity", []catalog.Provider{busy(11)}, matching.ReasonAtCapacity,
			"the 1 eligible provider is at capacity"},
		{"two at capacity", []catalog.Provider{busy(11), busy(12)}, matching.ReasonAtCapacity,
			"all 2 eligible providers are at capacity"},
		{"one ineligible", []catalog.Provider{away(11)}, matching.ReasonWindowConflict,
			"1 provider with skill companionship near " + where + ": not eligible, availability does not overlap the window"},
		{"two ineligible", []catalog.Provider{away(11), away(12)}, matching.ReasonWindowConflict,
			"2 providers with skill companionship near " + where + ": none eligible, most often: availability does not overlap the window"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Two identical wishes: the first (by id) takes a single free volunteer.
			demands := []catalog.Demand{wish(1), wish(2)}
			res, err := matching.Plan(context.Background(), demands, tc.providers, matching.Options{})
			noError(t, err)
			last := res.Unmatched[len(res.Unmatched)-1]
			equal(t, tc.reason, last.Reason, "reason")
			equal(t, tc.detail, last.Detail, "detail")
		})
	}
}

// Plan looked at its context once every 1024 demands and not at all while explaining the
// assignments, so a plan cancelled while scoring went on scoring every candidate of up to
// 1024 demands (all of them in a smaller batch), and one cancelled while explaining
// returned its result as if nothing had happened. With a scorer that takes time (a custom one
// asking a model or a service) that is the whole plan. It now looks after every few hundred
// scorings, and returns the context's error.
func TestPlanCancelledWhileScoring(t *testing.T) {
	// A volunteer and a wish in each of 600 communities: 600 scorings, 600 assignments.
	var demands []catalog.Demand
	var providers []catalog.Provider
	for n := range 600 {
		id := func(kind byte) uuid.UUID { return uuid.UUID{0: kind, 14: byte(n >> 8), 15: byte(n)} }
		grid := catalog.GridPath(fmt.Sprintf("幸福街道/社区%d/1网格", n))
		demands = append(demands, catalog.Demand{ID: id(1), Kind: catalog.Wish, Category: "haircut",
			Skills: []catalog.Skill{"haircut"}, Status: catalog.StatusOpen, Headcount: 1, Location: catalog.Location{Grid: grid}})
		providers = append(providers, catalog.Provider{ID: id(2), Kind: catalog.Volunteer,
			Skills: []catalog.Skill{"haircut"}, Capacity: 1, Home: grid})
	}
	for _, when := range []struct {
		name    string
		explain bool // cancel at the first explanation, not at the first score
	}{{"scoring", false}, {"explaining", true}} {
		t.Run(when.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			after := -1 // scorer calls after the one that cancelled
			scorer := matching.ScorerFunc(func(c matching.Candidate, explain bool) matching.Fit {
				if after >= 0 {
					after++
				} else if explain == when.explain {
					cancel()
					after = 0
				}
				return matching.DefaultScorer{}.Score(c, explain)
			})
			m, err := matching.NewMatcher(demands, providers, matching.Options{Scorer: scorer})
			noError(t, err)
			_, err = m.Plan(ctx)
			errorIs(t, err, context.Canceled)
			if limit := 300; after > limit {
				t.Fatalf("the scorer was called %d times after the plan was cancelled, want at most %d", after, limit)
			}
		})
	}
}

// TestDefaultScorerDistanceNoteFarUnit: an organisation serving the whole area is not bound
// by the walking circle and gets half the distance points beyond it. The note of its
// distance part said the walk was the circle's edge ("1000 m walk") however far it was: it
// must give the walk itself, and say the walk is unknown when it is not a number.
func TestDefaultScorerDistanceNoteFarUnit(t *testing.T) {
	here := catalog.Coordinates{Lat: 30, Lng: 120}
	far := catalog.Coordinates{Lat: 30.05, Lng: 120}
	walk := catalog.WalkingMeters(here, far)
	d := catalog.Demand{Kind: catalog.Wish, Location: catalog.Location{Grid: "S/C1/G1", At: here}}
	tests := []struct {
		name   string
		at     catalog.Coordinates
		scorer matching.DefaultScorer
		note   string
	}{
		{"within the circle", catalog.Coordinates{Lat: 30.001, Lng: 120}, matching.DefaultScorer{},
			fmt.Sprintf("%d m walk", int(catalog.WalkingMeters(here, catalog.Coordinates{Lat: 30.001, Lng: 120})+0.5))},
		{"beyond the circle", far, matching.DefaultScorer{},
			fmt.Sprintf("%d m walk, beyond the 1000 m circle, unit serving the area", int(walk+0.5))},
		{"beyond a longer circle", far, matching.DefaultScorer{WalkMetersMax: 2500},
			fmt.Sprintf("%d m walk, beyond the 2500 m circle, unit serving the area", int(walk+0.5))},
		{"not a number", catalog.Coordinates{Lat: math.NaN(), Lng: 120}, matching.DefaultScorer{},
			"walk unknown, unit serving the area"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := catalog.Provider{Kind: catalog.Unit, Home: "S/C1", At: tt.at}
			fit := tt.scorer.Score(matching.Candidate{Demand: &d, Provider: &u}, true)
			if !fit.Eligible() {
				t.Fatalf("ineligible: %v", fit.Reason)
			}
			for _, p := range fit.Parts {
				if p.Name == "distance" {
					equal(t, tt.note, p.Note, "distance note")
					return
				}
			}
			t.Fatalf("no distance part in %+v", fit.Parts)
		})
	}
}
