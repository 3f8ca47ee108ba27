package matching_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/internal/errcheck"
	"github.com/tongxin/tongxin/matching"
)

// decodeDistrict turns fuzz bytes and strings into a few demands and providers that may be
// malformed as a Matcher may be handed them: repeated ids, negative or absurd headcounts,
// filled counts, capacities and loads (NewMatcher refuses those catalog could not hold, see
// recordsInRange), unknown statuses and kinds, grid paths and skills that are not valid, NaN
// or out-of-range coordinates, dispatches to unknown providers. grid, skill and category are
// fuzzed text mixed into the pools.
//
// A capacity, load, headcount or filled count is read from one byte as an int8 (a load or
// filled count modulo 4), except four values that stand for the edges: -128 for math.MinInt,
// 127 for math.MaxInt, 126 for one past the field's limit and 125 for the limit itself
// (catalog.CapacityMax for a capacity or load, catalog.HeadcountMax for a headcount, the
// demand's headcount for its filled count).
func decodeDistrict(data []byte, grid, skill, category string) ([]catalog.Demand, []catalog.Provider) {
	next := func() int {
		if len(data) == 0 {
			return 0
		}
		b := data[0]
		data = data[1:]
		return int(b)
	}
	pick := func(n int) int { return next() % n }
	// count decodes a capacity, load, headcount or filled count with the given limit; small
	// values are taken modulo 4.
	count := func(limit int, small bool) int {
		switch v := int(int8(next())); v {
		case math.MinInt8:
			return math.MinInt
		case math.MaxInt8:
			return math.MaxInt
		case math.MaxInt8 - 1:
			if limit == math.MaxInt { // a filled count past a headcount of MaxInt
				return limit
			}
			return limit + 1
		case math.MaxInt8 - 2:
			return limit
		default:
			if small {
				return v % 4
			}
			return v
		}
	}
	grids := []catalog.GridPath{"幸福街道/阳光社区/1网格/3栋", "幸福街道/阳光社区/1网格", "幸福街道/阳光社区/2网格", "幸福街道/阳光社区", "幸福街道", "", catalog.GridPath(grid)}
	skills := []catalog.Skill{"haircut", "repair_general", "legal_advice", "construction", "", catalog.Skill(skill)}
	functions := []catalog.Function{"legal_aid", "housing", "urban_management", catalog.Function(skill)}
	categories := []string{"haircut", "repair", "legal", "renovation", "public_space", category}
	people := []string{"r1", "wang", "", grid}
	coords := []float64{0, 30.27, 120.15, math.NaN(), math.Inf(1), -91, 1e300}
	id := func(prefix byte, i int) uuid.UUID {
		var u uuid.UUID
		u[0], u[15] = prefix, byte(i)
		if pick(16) == 0 {
			u[15] = 0 // a repeated id
		}
		return u
	}
	nD, nP := pick(7), pick(7)
	var ps []catalog.Provider
	for j := range nP {
		p := catalog.Provider{
			ID: id(0x02, j+1), Kind: catalog.ProviderKind(pick(6)), PersonID: people[pick(len(people))],
			Home: grids[pick(len(grids))], Capacity: count(catalog.CapacityMax, false), Active: count(catalog.CapacityMax, true),
			At: catalog.Coordinates{Lat: coords[pick(len(coords))], Lng: coords[pick(len(coords))]},
		}
		for range pick(3) {
			p.Skills = append(p.Skills, skills[pick(len(skills))])
		}
		for range pick(2) {
			p.Functions = append(p.Functions, functions[pick(len(functions))])
		}
		for range pick(2) {
			p.ServiceArea = append(p.ServiceArea, grids[pick(len(grids))])
		}
		for range pick(3) {
			p.Members = append(p.Members, catalog.Member{PersonID: people[pick(len(people))]})
		}
		ps = append(ps, p)
	}
	var ds []catalog.Demand
	for i := range nD {
		d := catalog.Demand{
			ID: id(0x01, i+1), Kind: catalog.DemandKind(pick(6)), Status: catalog.Status(pick(15)),
			Category: categories[pick(len(categories))], Requester: catalog.RequesterRef{ID: people[pick(len(people))]},
			Location:  catalog.Location{Grid: grids[pick(len(grids))], At: catalog.Coordinates{Lat: coords[pick(len(coords))], Lng: coords[pick(len(coords))]}},
			Headcount: count(catalog.HeadcountMax, false),
		}
		d.Filled = count(d.Headcount, true)
		d.Urgency, d.Priority, d.EstimatedMinutes = catalog.Urgency(pick(5)), catalog.Priority(next()), int(int8(next()))*7
		for range pick(3) {
			d.Skills = append(d.Skills, skills[pick(len(skills))])
		}
		if pick(4) == 0 {
			d.DispatchedTo = append(d.DispatchedTo, id(0x02, pick(8)))
		}
		ds = append(ds, d)
	}
	return ds, ps
}

// recordsInRange reports whether every record lies in the ranges NewMatcher accepts: a
// provider's Capacity and Active in 0..catalog.CapacityMax, a demand's Headcount in
// 1..catalog.HeadcountMax and Filled in 0..Headcount.
func recordsInRange(ds []catalog.Demand, ps []catalog.Provider) bool {
	for _, p := range ps {
		if p.Capacity < 0 || p.Capacity > catalog.CapacityMax || p.Active < 0 || p.Active > catalog.CapacityMax {
			return false
		}
	}
	for _, d := range ds {
		if d.Headcount < 1 || d.Headcount > catalog.HeadcountMax || d.Filled < 0 || d.Filled > d.Headcount {
			return false
		}
	}
	return true
}

// heldInRange checks that a Matcher refuses a district whose records are out of range
// (with ErrInvalidInput, from NewMatcher and Plan, with the zero Options) and returns copies of
// its demands and providers with each capacity, load, headcount and filled count held to
// the nearest value in range, so that the rest of a fuzz target still plans the district.
// A district in range is returned as it is.
func heldInRange(t *testing.T, ds []catalog.Demand, ps []catalog.Provider) ([]catalog.Demand, []catalog.Provider) {
	t.Helper()
	if recordsInRange(ds, ps) {
		return ds, ps
	}
	m, err := matching.NewMatcher(ds, ps, matching.Options{})
	if m != nil {
		t.Fatalf("NewMatcher returned a Matcher with records out of range")
	}
	errcheck.RequireOneOf(t, err, matching.ErrInvalidInput)
	res, err := matching.Plan(context.Background(), ds, ps, matching.Options{})
	errcheck.RequireOneOf(t, err, matching.ErrInvalidInput)
	if !reflect.DeepEqual(res, matching.PlanResult{}) {
		t.Fatalf("a refused Plan returned %+v", res)
	}
	ds, ps = slices.Clone(ds), slices.Clone(ps)
	for j := range ps {
		p := &ps[j]
		p.Capacity = min(max(p.Capacity, 0), catalog.CapacityMax)
		p.Active = min(max(p.Active, 0), catalog.CapacityMax)
	}
	for i := range ds {
		d := &ds[i]
		d.Headcount = min(max(d.Headcount, 1), catalog.HeadcountMax)
		d.Filled = min(max(d.Filled, 0), d.Headcount)
	}
	return ds, ps
}

func hasDuplicate[T any](xs []T, key func(T) uuid.UUID) bool {
	seen := make(map[uuid.UUID]bool, len(xs))
	for _, x := range xs {
		if seen[key(x)] {
			return true
		}
		seen[key(x)] = true
	}
	return false
}

// FuzzPlan runs the domain matcher (Plan, SuggestProviders, SuggestDemands) on fuzzed
// districts. It refuses exactly the inputs with a repeated id or a capacity, load,
// headcount or filled count out of range, with ErrInvalidInput (then the district with
// those held in range is checked as below); it never
// changes its inputs; a plan never gives a demand more providers than it has places left or a
// provider more demands than its free capacity, never pairs a resident with their own demand
// or a dispatched demand with a provider it was not dispatched to, accounts for every open
// place (filled or reported missing), adds its scores up, and is the same when run twice.
// Suggestions are at most k known, distinct, eligible ids with free capacity, best first.
func FuzzPlan(f *testing.F) {
	// Found by random search: districts where some demands are served and some are not.
	f.Add([]byte{0x2, 0x3, 0xe5, 0xa, 0xb6, 0x7, 0x22, 0x8, 0x33, 0x5b, 0xe0, 0xe6, 0x43, 0xac, 0xf8, 0x67, 0x36, 0x80, 0x70, 0xf5, 0x9, 0x75, 0x76, 0xff, 0xe4, 0x7a, 0x25, 0x8c, 0x26, 0x41, 0xef, 0x58, 0x97, 0x49, 0xf2, 0xfc, 0x42, 0x71, 0x52, 0x50, 0xf2, 0x69, 0xa9, 0xb4, 0x55, 0xe7, 0xc7, 0x4b, 0xf4, 0xd7, 0x98, 0x9, 0x74, 0xa8, 0x60, 0xc1, 0x8, 0x18, 0xe7, 0x52, 0x67, 0x7, 0x26, 0xc3, 0xa, 0x28, 0x6d, 0x4e, 0xd7, 0xe5, 0x86, 0x69, 0x13, 0xfa, 0x25, 0xe0, 0xe8, 0xb2, 0x5b, 0xf6, 0x4, 0xa6, 0xd8, 0x2f, 0xfc, 0x66, 0x33, 0xf5, 0x12, 0x71, 0x77, 0x47, 0x12, 0x87, 0x47, 0x5d, 0xc1, 0xc7, 0xdb, 0xb4, 0x4b}, "幸福街道/阳光社区/1网格", "haircut", "haircut", 3)
	f.Add([]byte{0x2, 0x3, 0x30, 0xec, 0xaf, 0x3e, 0x7a, 0x9, 0xf0, 0x3, 0x2, 0x77, 0x1c, 0x9d, 0x20, 0xae, 0xb0, 0xd8, 0xa, 0x8f, 0x2c, 0xed, 0x51, 0x30, 0xab, 0x80, 0x48, 0xdd, 0xeb, 0x29, 0xc9, 0xa4, 0x6f, 0x8, 0x20, 0xa, 0x16, 0xfd, 0xce, 0x11, 0x1, 0x24, 0xfb, 0xd8, 0x89, 0x90, 0xa3, 0xde, 0xc0, 0x50, 0xf9, 0xa6, 0x3d, 0xd5, 0x7b, 0xc0, 0x83, 0x48, 0xee, 0x37, 0x35, 0x17, 0xac, 0xf9, 0xc2, 0xd9, 0xd0, 0xdb, 0xc8, 0xd0, 0x5, 0xff, 0x8b, 0x85, 0x12, 0xd3, 0x16, 0xa9, 0x5c, 0x55, 0x56, 0x79, 0xe9, 0x97, 0xfe, 0x6d, 0x4c, 0xbe, 0xe3, 0x4, 0x10, 0xb8, 0xbb}, "幸福街道/阳光社区/1网格", "haircut", "haircut", 3)
	f.Add([]byte{}, "", "", "", 0)
	f.Add([]byte{1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, "幸福街道/阳光社区/1网格/3栋/5单元", "construction", "renovation", 100)
	f.Add([]byte{2, 2, 0, 16, 0}, "\xff\x00", "haircut", "haircut", 101) // a repeated id
	f.Add([]byte{6, 6, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 128, 128, 128, 128}, "a//b", "Bad Skill", "nope", -1)
	// One barber and one haircut in the same building, with the capacity, load, headcount
	// and filled count as given (decodeDistrict's bytes): in range, at the edges of the
	// ranges, and beyond them (refused).
	for _, c := range [][4]byte{
		{1, 0, 1, 0}, {0x7d, 3, 0x7d, 3}, {0x7d, 0x7d, 0x7d, 0x7d}, {0, 0x7d, 1, 1}, // in range
		{0x80, 0, 1, 0}, {0xff, 0, 1, 0}, {0x7e, 0, 1, 0}, {0x7f, 0, 1, 0}, // capacity
		{1, 0x80, 1, 0}, {1, 0xff, 1, 0}, {1, 0x7e, 1, 0}, {0x7d, 0x7f, 1, 0}, // load
		{1, 0, 0x80, 0}, {1, 0, 0, 0}, {1, 0, 0x7e, 0}, {1, 0, 0x7f, 0}, // headcount
		{1, 0, 1, 0x80}, {1, 0, 2, 0xff}, {1, 0, 2, 0x7e}, {1, 0, 0x7f, 0x7e}, // filled
	} {
		provider := []byte{1, byte(catalog.Volunteer), 1, 0, c[0], c[1], 0, 0, 1, 0, 0, 0, 0}
		demand := []byte{1, byte(catalog.Wish), byte(catalog.StatusOpen), 0, 0, 0, 0, 0, c[2], c[3], 0, 0, 0, 1, 0, 1}
		f.Add(append(append([]byte{1, 1}, provider...), demand...), "", "", "", 3)
	}
	f.Fuzz(func(t *testing.T, data []byte, grid, skill, category string, k int) {
		ds, ps := decodeDistrict(data, grid, skill, category)
		ds, ps = heldInRange(t, ds, ps)
		before := fmt.Sprintf("%#v %#v", ds, ps)
		dup := hasDuplicate(ds, func(d catalog.Demand) uuid.UUID { return d.ID }) || hasDuplicate(ps, func(p catalog.Provider) uuid.UUID { return p.ID })
		ctx := context.Background()
		opts := matching.Options{Objective: matching.Objective(len(data) % 3)}
		res, err := matching.Plan(ctx, ds, ps, opts)
		if dup {
			errcheck.RequireOneOf(t, err, matching.ErrInvalidInput)
			return
		}
		if err != nil {
			t.Fatalf("plan of distinct ids refused: %v", err)
		}
		if after := fmt.Sprintf("%#v %#v", ds, ps); after != before {
			t.Fatalf("Plan changed its inputs")
		}
		demand := make(map[uuid.UUID]catalog.Demand, len(ds))
		for _, d := range ds {
			demand[d.ID] = d
		}
		provider := make(map[uuid.UUID]catalog.Provider, len(ps))
		for _, p := range ps {
			provider[p.ID] = p
		}
		open := func(d catalog.Demand) bool { return catalog.OpenStatuses.Has(d.Status) && d.Remaining() > 0 }
		given := map[uuid.UUID]int{}
		taken := map[uuid.UUID]int{}
		pairs := map[[2]uuid.UUID]bool{}
		var score int64
		for _, a := range res.Assignments {
			d, ok := demand[a.DemandID]
			if !ok || !open(d) {
				t.Fatalf("assignment to demand %s that is unknown or not open (%v)", a.DemandID, d.Status)
			}
			p, ok := provider[a.ProviderID]
			if !ok {
				t.Fatalf("assignment of unknown provider %s", a.ProviderID)
			}
			if pairs[[2]uuid.UUID{a.DemandID, a.ProviderID}] {
				t.Fatalf("pair %s/%s assigned twice", a.DemandID, a.ProviderID)
			}
			pairs[[2]uuid.UUID{a.DemandID, a.ProviderID}] = true
			if p.HasPerson(d.Requester.ID) {
				t.Fatalf("provider %s assigned to its own demand %s", p.ID, d.ID)
			}
			if len(d.DispatchedTo) > 0 && d.DispatchedTo[0] != p.ID {
				t.Fatalf("demand %s dispatched to %v given to %s", d.ID, d.DispatchedTo, p.ID)
			}
			if a.Score <= 0 {
				t.Fatalf("assignment scored %d", a.Score)
			}
			given[a.DemandID]++
			taken[a.ProviderID]++
			score += a.Score
		}
		for id, n := range taken {
			p := provider[id]
			if n > max(0, p.Capacity-p.Active) {
				t.Fatalf("provider %s given %d demands, capacity %d with %d active", id, n, p.Capacity, p.Active)
			}
		}
		missing := map[uuid.UUID]int{}
		reported := map[uuid.UUID]bool{}
		for _, u := range res.Unmatched {
			d, ok := demand[u.DemandID]
			// A demand not open (or without a place left) is reported as such, with its places.
			bad := !ok || reported[u.DemandID] || (open(d) && (u.Missing <= 0 || u.Reason == matching.ReasonNotOpen)) ||
				(!open(d) && (u.Reason != matching.ReasonNotOpen || u.Missing != d.Remaining()))
			if bad {
				t.Fatalf("unmatched entry %+v for demand %v", u, d.Status)
			}
			reported[u.DemandID] = true
			if open(d) {
				missing[u.DemandID] = u.Missing
			}
		}
		for _, d := range ds {
			if open(d) && given[d.ID]+missing[d.ID] != d.Remaining() {
				t.Fatalf("demand %s: %d places, %d filled, %d reported missing", d.ID, d.Remaining(), given[d.ID], missing[d.ID])
			}
		}
		if score != res.Score || res.Served != len(res.Assignments) {
			t.Fatalf("score %d served %d, assignments add up to %d and %d", res.Score, res.Served, score, len(res.Assignments))
		}
		again, err := matching.Plan(ctx, ds, ps, opts)
		if err != nil || fmt.Sprintf("%#v", again) != fmt.Sprintf("%#v", res) {
			t.Fatalf("a second plan differs: %v", err)
		}

		m, err := matching.NewMatcher(ds, ps, opts)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.SuggestProviders(uuid.UUID{0xff}, 1); !errors.Is(err, matching.ErrNotFound) {
			t.Fatalf("suggest for an unknown demand: %v", err)
		}
		if _, err := m.SuggestDemands(uuid.UUID{0xff}, 1); !errors.Is(err, matching.ErrNotFound) {
			t.Fatalf("suggest for an unknown provider: %v", err)
		}
		check := func(out []matching.Suggestion, err error, known func(uuid.UUID) bool) {
			t.Helper()
			if k < 1 || k > matching.SuggestMax {
				errcheck.RequireOneOf(t, err, matching.ErrInvalidInput)
				return
			}
			if err != nil {
				t.Fatalf("suggest k=%d: %v", k, err)
			}
			if len(out) > k {
				t.Fatalf("%d suggestions for k=%d", len(out), k)
			}
			seen := map[uuid.UUID]bool{}
			for i, s := range out {
				if !known(s.ID) || seen[s.ID] || s.Score <= 0 || (i > 0 && s.Score > out[i-1].Score) {
					t.Fatalf("suggestion %d of %+v", i, out)
				}
				seen[s.ID] = true
			}
		}
		for _, d := range ds {
			out, err := m.SuggestProviders(d.ID, k)
			check(out, err, func(id uuid.UUID) bool {
				p, ok := provider[id]
				return ok && open(d) && p.Capacity > p.Active && !p.HasPerson(d.Requester.ID)
			})
		}
		for _, p := range ps {
			out, err := m.SuggestDemands(p.ID, k)
			check(out, err, func(id uuid.UUID) bool {
				d, ok := demand[id]
				return ok && open(d) && p.Capacity > p.Active && !p.HasPerson(d.Requester.ID) && (len(d.DispatchedTo) == 0 || slices.Contains(d.DispatchedTo, p.ID))
			})
			if err == nil && p.Capacity <= p.Active && out == nil {
				t.Fatalf("nil suggestions for a provider without free places, want an empty list")
			}
		}
		if after := fmt.Sprintf("%#v %#v", ds, ps); after != before {
			t.Fatalf("the Matcher changed its inputs")
		}
	})
}

// checkParts fails unless every assignment scores 1..FitScoreMax, its parts add up to its
// score (held to 1..FitScoreMax) and its distance part lies between 0 and the distance
// weight: a NaN or an overflow in the distance arithmetic shows as a part of MinInt64 (amd64)
// and a score clamped to 1, a sum that wrapped around as a score its parts do not give.
func checkParts(t *testing.T, res matching.PlanResult, distance int64, what string) {
	t.Helper()
	for _, a := range res.Assignments {
		if a.Score < 1 || a.Score > matching.FitScoreMax {
			t.Fatalf("%s: assignment scored %d", what, a.Score)
		}
		var sum int64
		for _, part := range a.Parts {
			sum += part.Points
			if part.Name == "distance" && (part.Points < min(0, distance) || part.Points > max(0, distance)) {
				t.Fatalf("%s: distance part %+v, weight %d", what, part, distance)
			}
		}
		if want := min(max(sum, 1), matching.FitScoreMax); a.Score != want {
			t.Fatalf("%s: assignment scored %d, its parts %+v give %d", what, a.Score, a.Parts, want)
		}
	}
}

// heldWeights is what DefaultScorer.Score takes w for: each weight held to ±WeightPointsMax,
// and DefaultWeights for the zero value.
func heldWeights(w matching.Weights) matching.Weights {
	if w == (matching.Weights{}) {
		return matching.DefaultWeights
	}
	v := reflect.ValueOf(&w).Elem()
	for k := range v.NumField() {
		v.Field(k).SetInt(min(max(v.Field(k).Int(), -matching.WeightPointsMax), matching.WeightPointsMax))
	}
	return w
}

// FuzzPlanOptions runs Plan on fuzzed districts (as FuzzPlan) with fuzzed options:
// DefaultScorer's walking limit (NaN, infinities, negative, huge), its nine weights over the
// whole int64 range, the load cost and the objective. NewMatcher refuses exactly a limit
// outside [0, WalkMetersMaxLimit], a weight beyond ±WeightPointsMax, an unknown objective,
// a repeated id or a record out of range (checked, then held in range, as in FuzzPlan),
// with ErrInvalidInput. Otherwise no NaN or overflow reaches a score: every
// assignment scores 1..FitScoreMax, the sum of its parts, with a distance part between 0 and
// the weight, and the prepared scorer plans exactly as DefaultScorer.Score through a
// ScorerFunc. Through a ScorerFunc, which NewMatcher cannot look into, a refused limit or
// weight plans as the one Score takes it for (a limit above the range as
// WalkMetersMaxLimit, below it as 0; a weight as the limit of its sign).
func FuzzPlanOptions(f *testing.F) {
	// Found by random search: districts where assignments score their distance from the walk
	// between coordinates, of a volunteer (the first) and of units serving the whole area,
	// whose points never fall below half the weight (the second).
	walked := []byte{0xf7, 0x9b, 0xea, 0x2, 0xd, 0xc5, 0x5c, 0xeb, 0x9, 0xf6, 0xb9, 0xb7, 0xb6, 0x6d, 0x68, 0xd4, 0xaa, 0x7f, 0x33, 0x2a, 0x0, 0xe2, 0x62, 0xb9, 0xd7, 0x87, 0x6b, 0x4b, 0x25, 0xc7, 0x80, 0x95, 0x7, 0x23, 0x67, 0xb5, 0x20, 0xd5, 0x7a, 0xc4, 0xd9, 0x41, 0xe8, 0x70, 0xce, 0x89, 0xb1, 0xc1, 0xae, 0x45, 0x74, 0x4e, 0x35, 0x55, 0x3f, 0x7d, 0x9e, 0x97, 0x46, 0x6e, 0x97, 0x5, 0x6d, 0x87, 0x76, 0xbb, 0xad, 0x39, 0xeb, 0xab, 0xf5, 0x6f}
	units := []byte{0xf9, 0x8d, 0xcc, 0xf8, 0x8a, 0xb, 0x7c, 0x5d, 0x61, 0x53, 0xcd, 0xe3, 0xc9, 0xc5, 0x54, 0x3, 0xd1, 0x2e, 0x6b, 0x9f, 0x43, 0x39, 0x2, 0xef, 0x31, 0xa, 0x4c, 0xe9, 0xea, 0x95, 0x61, 0xcf, 0x16, 0x4, 0x2b, 0xf4, 0xd0, 0xfc, 0xab, 0x15, 0xbb, 0x5e, 0x67, 0x10, 0x3, 0xda, 0xdc, 0x84, 0x8e, 0x32, 0xee, 0xf, 0x85, 0x7b, 0x4c, 0xc1, 0xc6, 0x50, 0x19}
	seed := func(data []byte, walk float64, w matching.Weights, loadCost int64, objective uint8) {
		f.Add(data, walk, w.Fit, w.Distance, w.Availability, w.Priority, w.Urgent, w.Emergency, w.Professional,
			w.RatingStar, w.Load, loadCost, objective)
	}
	distance := func(points int64) matching.Weights {
		w := matching.DefaultWeights
		w.Distance = points
		return w
	}
	all := func(points int64) matching.Weights {
		return matching.Weights{Fit: points, Distance: points, Availability: points, Priority: points, Urgent: points,
			Emergency: points, Professional: points, RatingStar: points, Load: points}
	}
	for _, district := range [][]byte{walked, units} {
		for _, walk := range []float64{0, 600, matching.WalkMetersMaxLimit, math.SmallestNonzeroFloat64, math.Inf(1),
			math.Inf(-1), math.NaN(), -1, 1e300, math.MaxFloat64, matching.WalkMetersMaxLimit * (1 + 1e-15)} {
			seed(district, walk, distance(300), 0, 0)
		}
		for _, points := range []int64{math.MaxInt64, math.MinInt64, matching.WeightPointsMax, -matching.WeightPointsMax,
			matching.WeightPointsMax + 1, -matching.WeightPointsMax - 1, math.MaxInt64 / 9} {
			seed(district, 600, distance(points), 0, 0)
			seed(district, 600, all(points), 0, 0)
		}
	}
	near := walked
	seed(near, math.Inf(1), distance(-300), -1, 1)
	seed(near, 600.0, distance(32767), math.MaxInt64, 2)
	seed(near, 600.0, distance(0), math.MinInt64, 3)
	seed(near, 600.0, matching.Weights{}, 0, 0)
	seed(near, 600.0, matching.Weights{Fit: 1, RatingStar: math.MinInt64, Load: math.MaxInt64}, 0, 0)
	seed([]byte{}, math.NaN(), distance(1), 1, 0)
	f.Fuzz(func(t *testing.T, data []byte, walk float64, fit, distance, availability, priority, urgent, emergency,
		professional, ratingStar, load, loadCost int64, objective uint8) {
		ds, ps := decodeDistrict(data, "幸福街道/阳光社区/1网格", "haircut", "haircut")
		ds, ps = heldInRange(t, ds, ps)
		refused := hasDuplicate(ds, func(d catalog.Demand) uuid.UUID { return d.ID }) ||
			hasDuplicate(ps, func(p catalog.Provider) uuid.UUID { return p.ID }) || objective%4 > uint8(matching.PriorityFirst)
		weights := matching.Weights{Fit: fit, Distance: distance, Availability: availability, Priority: priority,
			Urgent: urgent, Emergency: emergency, Professional: professional, RatingStar: ratingStar, Load: load}
		held := heldWeights(weights)
		scorer := matching.DefaultScorer{WalkMetersMax: walk, Weights: weights}
		opts := matching.Options{Scorer: scorer, LoadCost: loadCost, Objective: matching.Objective(objective % 4)}
		ctx := context.Background()

		wrapped := opts
		wrapped.Scorer = matching.ScorerFunc(scorer.Score)
		ref, err := matching.Plan(ctx, ds, ps, wrapped)
		if refused {
			errcheck.RequireOneOf(t, err, matching.ErrInvalidInput)
			return
		}
		if err != nil {
			t.Fatalf("plan through a ScorerFunc refused: %v", err)
		}
		checkParts(t, ref, held.Distance, "through a ScorerFunc")

		res, err := matching.Plan(ctx, ds, ps, opts)
		walkValid := walk >= 0 && walk <= matching.WalkMetersMaxLimit
		if !walkValid || held != weights && weights != (matching.Weights{}) {
			errcheck.RequireOneOf(t, err, matching.ErrInvalidInput)
			as := walk
			switch {
			case walk > matching.WalkMetersMaxLimit:
				as = matching.WalkMetersMaxLimit
			case !walkValid:
				as = 0
			}
			// The held values are in range: the prepared scorer takes them.
			taken := opts
			taken.Scorer = matching.DefaultScorer{WalkMetersMax: as, Weights: held}
			want, err := matching.Plan(ctx, ds, ps, taken)
			if err != nil || !reflect.DeepEqual(want, ref) {
				t.Fatalf("limit %v, weights %+v plan unlike %v, %+v: %v\n%+v\n%+v", walk, weights, as, held, err, ref, want)
			}
			return
		}
		if err != nil {
			t.Fatalf("plan with limit %v, weights %+v refused: %v", walk, weights, err)
		}
		checkParts(t, res, held.Distance, "prepared")
		if !reflect.DeepEqual(res, ref) {
			t.Fatalf("prepared scorer plans unlike DefaultScorer.Score:\n%+v\n%+v", res, ref)
		}
	})
}
