package matching_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/matching"
)

// A provider's Capacity and Active and a demand's Headcount and Filled were read unchecked:
// an Active of MinInt wrapped Capacity-Active around (the provider read as full), a small
// negative Active gave a provider more free places than its capacity, and a negative Filled
// gave a demand more places than its headcount. NewMatcher (and Plan) now refuse any value
// catalog could not hold, naming the record and the value, and return no Matcher.
func TestMatcherRecordsOutOfRange(t *testing.T) {
	for _, tt := range []struct {
		name     string
		provider func(p *catalog.Provider) // applied to the barber
		demand   func(d *catalog.Demand)   // applied to the haircut
		value    int
	}{
		{name: "capacity -1", provider: func(p *catalog.Provider) { p.Capacity = -1 }, value: -1},
		{name: "capacity MinInt", provider: func(p *catalog.Provider) { p.Capacity = math.MinInt }, value: math.MinInt},
		{name: "capacity beyond CapacityMax", provider: func(p *catalog.Provider) { p.Capacity = catalog.CapacityMax + 1 },
			value: catalog.CapacityMax + 1},
		{name: "capacity MaxInt", provider: func(p *catalog.Provider) { p.Capacity = math.MaxInt }, value: math.MaxInt},
		{name: "active -1", provider: func(p *catalog.Provider) { p.Active = -1 }, value: -1},
		{name: "active MinInt", provider: func(p *catalog.Provider) { p.Active = math.MinInt }, value: math.MinInt},
		{name: "active beyond CapacityMax", provider: func(p *catalog.Provider) {
			p.Capacity, p.Active = catalog.CapacityMax, catalog.CapacityMax+1
		}, value: catalog.CapacityMax + 1},
		{name: "active MaxInt", provider: func(p *catalog.Provider) { p.Active = math.MaxInt }, value: math.MaxInt},
		{name: "headcount 0", demand: func(d *catalog.Demand) { d.Headcount = 0 }, value: 0},
		{name: "headcount -1", demand: func(d *catalog.Demand) { d.Headcount = -1 }, value: -1},
		{name: "headcount MinInt", demand: func(d *catalog.Demand) { d.Headcount = math.MinInt }, value: math.MinInt},
		{name: "headcount beyond HeadcountMax", demand: func(d *catalog.Demand) { d.Headcount = catalog.HeadcountMax + 1 },
			value: catalog.HeadcountMax + 1},
		{name: "headcount MaxInt", demand: func(d *catalog.Demand) { d.Headcount = math.MaxInt }, value: math.MaxInt},
		{name: "filled -1", demand: func(d *catalog.Demand) { d.Filled = -1 }, value: -1},
		{name: "filled MinInt", demand: func(d *catalog.Demand) { d.Filled = math.MinInt }, value: math.MinInt},
		{name: "filled beyond headcount", demand: func(d *catalog.Demand) { d.Headcount, d.Filled = 2, 3 }, value: 3},
		{name: "filled MaxInt", demand: func(d *catalog.Demand) { d.Filled = math.MaxInt }, value: math.MaxInt},
	} {
		t.Run(tt.name, func(t *testing.T) {
			demands, providers := smallWorld()
			id := demands[0].ID
			if tt.provider != nil {
				tt.provider(&providers[0])
				id = providers[0].ID
			}
			if tt.demand != nil {
				tt.demand(&demands[0])
			}
			before := fmt.Sprintf("%#v %#v", demands, providers)
			m, err := matching.NewMatcher(demands, providers, matching.Options{})
			errorIs(t, err, matching.ErrInvalidInput)
			if m != nil {
				t.Fatalf("NewMatcher returned a Matcher with its error")
			}
			if msg := err.Error(); !strings.Contains(msg, id.String()) || !strings.Contains(msg, fmt.Sprint(tt.value)) {
				t.Fatalf("error %q names neither %s nor %d", msg, id, tt.value)
			}
			res, err := matching.Plan(context.Background(), demands, providers, matching.Options{})
			errorIs(t, err, matching.ErrInvalidInput)
			equal(t, matching.PlanResult{}, res, "result of a refused plan")
			if after := fmt.Sprintf("%#v %#v", demands, providers); after != before {
				t.Fatalf("a refused Matcher changed its inputs")
			}
		})
	}
}

// The edges of the ranges are accepted and planned as catalog reads them: a capacity of 0
// (paused) or CapacityMax, a load up to CapacityMax (above the provider's own capacity when
// catalog lowered it under the load), a headcount of 1 or HeadcountMax, and every place
// filled.
func TestMatcherRecordsAtLimits(t *testing.T) {
	for _, tt := range []struct {
		name              string
		capacity, active  int
		headcount, filled int
		served            int
		suggested         int
		reason            matching.Reason // of the haircut, when left short
	}{
		{name: "largest capacity, one place free", capacity: catalog.CapacityMax, active: catalog.CapacityMax - 1,
			headcount: 1, served: 1, suggested: 1},
		{name: "largest capacity and load", capacity: catalog.CapacityMax, active: catalog.CapacityMax,
			headcount: 1, suggested: 0, reason: matching.ReasonAtCapacity},
		{name: "paused, largest load", capacity: 0, active: catalog.CapacityMax,
			headcount: 1, suggested: 0, reason: matching.ReasonAtCapacity},
		{name: "load above capacity", capacity: 1, active: 2, headcount: 1, suggested: 0, reason: matching.ReasonAtCapacity},
		{name: "largest headcount", capacity: 1, headcount: catalog.HeadcountMax, filled: catalog.HeadcountMax - 1,
			served: 1, suggested: 1},
		{name: "largest headcount, all filled", capacity: 1, headcount: catalog.HeadcountMax, filled: catalog.HeadcountMax,
			suggested: 0, reason: matching.ReasonNotOpen},
		{name: "one place, filled", capacity: 1, headcount: 1, filled: 1, suggested: 0, reason: matching.ReasonNotOpen},
	} {
		t.Run(tt.name, func(t *testing.T) {
			demands, providers := smallWorld()
			demands, providers = demands[:1], providers[:1] // the haircut and its barber
			providers[0].Capacity, providers[0].Active = tt.capacity, tt.active
			demands[0].Headcount, demands[0].Filled = tt.headcount, tt.filled
			m, err := matching.NewMatcher(demands, providers, matching.Options{})
			noError(t, err)
			res, err := m.Plan(context.Background())
			noError(t, err)
			checkPlan(t, demands, providers, res)
			equal(t, tt.served, res.Served, "served")
			if tt.reason != matching.ReasonNone {
				equal(t, 1, len(res.Unmatched), "unmatched entries")
				equal(t, tt.reason, res.Unmatched[0].Reason, "reason")
			}
			// SuggestProviders looks at the provider's free places and, as Plan, the demand's.
			suggested, err := m.SuggestProviders(demands[0].ID, 5)
			noError(t, err)
			equal(t, tt.suggested, len(suggested), "providers suggested")
		})
	}
}

// SuggestProviders offered providers for a demand past its deadline, which catalog.Dispatch
// refuses (catalog.ErrDeadlinePassed), while Plan and SuggestDemands, given the catalog's
// clock, left it out. It now gives an empty list from the deadline on; without a clock no
// deadline is checked.
func TestSuggestProvidersDeadlinePassed(t *testing.T) {
	all, providers := smallWorld()
	deadline := time.Date(2026, 6, 1, 9, 0, 0, 0, catalog.ImportLocation)
	wish, rival := all[0], all[5] // two haircuts for one barber; only the wish has a deadline
	wish.Deadline = deadline
	demands := []catalog.Demand{wish, rival}
	barber := providers[0]
	at := func(now time.Time) matching.Options { return matching.Options{Now: func() time.Time { return now }} }
	ids := func(s []matching.Suggestion) []uuid.UUID {
		out := []uuid.UUID{}
		for _, x := range s {
			out = append(out, x.ID)
		}
		return out
	}

	for _, tt := range []struct {
		name string
		opts matching.Options
		want []uuid.UUID // for the wish
	}{
		{"a second before", at(deadline.Add(-time.Second)), []uuid.UUID{barber.ID}},
		{"a microsecond before", at(deadline.Add(-time.Microsecond)), []uuid.UUID{barber.ID}},
		{"at the deadline", at(deadline), []uuid.UUID{}},
		{"in another zone at the deadline", at(deadline.UTC()), []uuid.UUID{}},
		{"a nanosecond before (a microsecond before, to catalog)", at(deadline.Add(-time.Nanosecond)), []uuid.UUID{barber.ID}},
		{"an hour after", at(deadline.Add(time.Hour)), []uuid.UUID{}},
		{"without a clock, long after", matching.Options{}, []uuid.UUID{barber.ID}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m, err := matching.NewMatcher(demands, providers, tt.opts)
			noError(t, err)
			got, err := m.SuggestProviders(wish.ID, 5)
			noError(t, err)
			if got == nil {
				t.Fatalf("nil list, want an empty one")
			}
			equal(t, tt.want, ids(got), "providers suggested for the wish")
			got, err = m.SuggestProviders(rival.ID, 5)
			noError(t, err)
			equal(t, []uuid.UUID{barber.ID}, ids(got), "providers suggested for the haircut without a deadline")

			// As Plan and SuggestDemands see it.
			res, err := m.Plan(context.Background())
			noError(t, err)
			planned := false
			for _, a := range res.Assignments {
				planned = planned || a.DemandID == wish.ID
			}
			equal(t, len(tt.want) > 0, planned, "Plan gives the wish a provider")
			offered, err := m.SuggestDemands(barber.ID, 5)
			noError(t, err)
			equal(t, len(tt.want) > 0, offered[0].ID == wish.ID, "SuggestDemands offers the wish first")
		})
	}

	// The errors come first: k and an unknown demand are checked as before.
	m, err := matching.NewMatcher(demands, providers, at(deadline))
	noError(t, err)
	_, err = m.SuggestProviders(wish.ID, 0)
	errorIs(t, err, matching.ErrInvalidInput)
	_, err = m.SuggestProviders(uuid.UUID{0xee}, 5)
	errorIs(t, err, matching.ErrNotFound)
}

// SuggestProviders did not check the demand's status: it offered providers for a demand
// completed, cancelled or otherwise not open for claims, and for an open one with every place
// filled, which Plan reports as ReasonNotOpen and SuggestDemands leaves out. It now gives an
// empty list and no error for them, as for a demand past its deadline.
func TestSuggestProvidersDemandStatus(t *testing.T) {
	all, providers := smallWorld()
	barber := providers[0]
	for _, tt := range []struct {
		name              string
		status            catalog.Status
		headcount, filled int
		suggested         bool
	}{
		{"open", catalog.StatusOpen, 2, 0, true},
		{"open, a place left", catalog.StatusOpen, 2, 1, true},
		{"published", catalog.StatusPublished, 1, 0, true},
		{"dispatched to the barber", catalog.StatusDispatched, 1, 0, true},
		{"claimed, a place left", catalog.StatusClaimed, 2, 1, true},
		{"open, all places filled", catalog.StatusOpen, 2, 2, false},
		{"open, its one place filled", catalog.StatusOpen, 1, 1, false},
		{"published, all places filled", catalog.StatusPublished, 3, 3, false},
		{"dispatched, all places filled", catalog.StatusDispatched, 1, 1, false},
		{"claimed, all places filled", catalog.StatusClaimed, 2, 2, false},
		{"draft", catalog.StatusDraft, 1, 0, false},
		{"accepted", catalog.StatusAccepted, 1, 1, false},
		{"in progress", catalog.StatusInProgress, 1, 1, false},
		{"completed", catalog.StatusCompleted, 1, 1, false},
		{"rated", catalog.StatusRated, 1, 1, false},
		{"audited", catalog.StatusAudited, 1, 1, false},
		{"awarded", catalog.StatusAwarded, 1, 1, false},
		{"cancelled", catalog.StatusCancelled, 2, 0, false},
		{"expired", catalog.StatusExpired, 1, 0, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wish := all[0] // the haircut, which the barber fits
			wish.Status, wish.Headcount, wish.Filled = tt.status, tt.headcount, tt.filled
			if tt.status == catalog.StatusDispatched {
				wish.DispatchedTo = []uuid.UUID{barber.ID}
			}
			m, err := matching.NewMatcher([]catalog.Demand{wish}, providers, matching.Options{})
			noError(t, err)
			got, err := m.SuggestProviders(wish.ID, 5)
			noError(t, err)
			if got == nil {
				t.Fatalf("nil list, want an empty one")
			}
			if tt.suggested {
				if len(got) != 1 || got[0].ID != barber.ID {
					t.Fatalf("suggested %+v, want the barber", got)
				}
			} else {
				equal(t, []matching.Suggestion{}, got, "providers suggested")
			}

			// As Plan and SuggestDemands see it.
			res, err := m.Plan(context.Background())
			noError(t, err)
			equal(t, tt.suggested, res.Served > 0, "Plan gives the wish a provider")
			if !tt.suggested {
				equal(t, matching.ReasonNotOpen, res.Unmatched[0].Reason, "reason")
			}
			offered, err := m.SuggestDemands(barber.ID, 5)
			noError(t, err)
			equal(t, tt.suggested, len(offered) > 0, "SuggestDemands offers the wish")
		})
	}
}

// SuggestDemands offered demands to a provider with no free places (Active at or above
// Capacity), whom catalog.Claim refuses (catalog.ErrCapacity), while SuggestProviders left
// such a provider out. It now gives an empty list and no error for them; k and an unknown
// provider are checked first.
func TestSuggestDemandsProviderFull(t *testing.T) {
	all, providers := smallWorld()
	haircut := all[0]
	for _, tt := range []struct {
		name             string
		capacity, active int
		offered          bool
	}{
		{"one free place", 1, 0, true},
		{"one of three free", 3, 2, true},
		{"full", 1, 1, false},
		{"full at three", 3, 3, false},
		{"above its capacity", 2, 5, false},
		{"no capacity", 0, 0, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			barber := providers[0]
			barber.Capacity, barber.Active = tt.capacity, tt.active
			m, err := matching.NewMatcher([]catalog.Demand{haircut}, []catalog.Provider{barber}, matching.Options{})
			noError(t, err)
			got, err := m.SuggestDemands(barber.ID, 5)
			noError(t, err)
			if got == nil {
				t.Fatalf("nil list, want an empty one")
			}
			if tt.offered {
				if len(got) != 1 || got[0].ID != haircut.ID {
					t.Fatalf("offered %+v, want the haircut", got)
				}
			} else {
				equal(t, []matching.Suggestion{}, got, "demands offered")
			}

			// As SuggestProviders and Plan see it.
			back, err := m.SuggestProviders(haircut.ID, 5)
			noError(t, err)
			equal(t, tt.offered, len(back) > 0, "SuggestProviders suggests the barber")
			res, err := m.Plan(context.Background())
			noError(t, err)
			equal(t, tt.offered, res.Served > 0, "Plan gives the haircut the barber")

			// The errors come first.
			_, err = m.SuggestDemands(barber.ID, 0)
			errorIs(t, err, matching.ErrInvalidInput)
			_, err = m.SuggestDemands(barber.ID, matching.SuggestMax+1)
			errorIs(t, err, matching.ErrInvalidInput)
			_, err = m.SuggestDemands(uuid.UUID{0xee}, 5)
			errorIs(t, err, matching.ErrNotFound)
		})
	}
}

// SuggestDemands examined the first CandidatesScannedMax demands of the volunteer's
// community in the order they were given, wherever they lay: with that many haircut wishes
// listed first in a far grid of the community (beyond her walking circle), the wish next
// door was never looked at and she was told nothing suits her. It now looks in her own grid
// first, then the rest of her community and service area, nearest first as Plan looks for
// providers.
func TestSuggestDemandsLooksNearFirst(t *testing.T) {
	community := catalog.GridPath("幸福街道/阳光社区")
	wish := func(n int, grid catalog.GridPath, lat float64) catalog.Demand {
		return catalog.Demand{ID: uuid.UUID{14: byte(n >> 8), 15: byte(n)}, Kind: catalog.Wish, Category: "haircut",
			Skills: []catalog.Skill{"haircut"}, Status: catalog.StatusOpen, Headcount: 1,
			Location: catalog.Location{Grid: grid, At: catalog.Coordinates{Lat: lat, Lng: 120}}}
	}
	var demands []catalog.Demand
	for n := range matching.CandidatesScannedMax + 10 {
		demands = append(demands, wish(n+1, community+"/9网格/1栋", 30.05)) // about 5.5 km north
	}
	next := wish(1000, community+"/1网格/2栋", 30.0)
	demands = append(demands, next)
	barber := catalog.Provider{ID: uuid.UUID{0: 2}, Kind: catalog.Volunteer, Skills: []catalog.Skill{"haircut"},
		Capacity: 1, Home: community + "/1网格/3栋", At: catalog.Coordinates{Lat: 30.001, Lng: 120}}
	for _, tt := range []struct {
		name string
		area []catalog.GridPath
	}{
		{"home community", nil},
		{"service area the street", []catalog.GridPath{"幸福街道"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := barber
			p.ServiceArea = tt.area
			m, err := matching.NewMatcher(demands, []catalog.Provider{p}, matching.Options{})
			noError(t, err)
			list, err := m.SuggestDemands(p.ID, 3)
			noError(t, err)
			ids := make([]uuid.UUID, len(list))
			for k, s := range list {
				ids[k] = s.ID
			}
			equal(t, []uuid.UUID{next.ID}, ids, "suggested demands")
			// Plan finds the same pairing from the demand's side.
			res, err := m.Plan(context.Background())
			noError(t, err)
			equal(t, 1, res.Served, "served")
		})
	}
}
