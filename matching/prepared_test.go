package matching_test

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/matching"
)

// smallRandomWorld draws a few demands and providers on a small map whose distances cross
// the walking circle, with grid paths of every depth (and a few malformed), unknown, NaN and
// beyond-the-pole coordinates, every kind, service areas, members, stated hours and windows,
// and requesters who are providers.
func smallRandomWorld(t *rapid.T) ([]catalog.Demand, []catalog.Provider) {
	paths := []catalog.GridPath{"", "S", "S/C1", "S/C1/G1", "S/C1/G1/B1", "S/C1/G2", "S/C1/G2/B1",
		"S/C2", "S/C2/G1", "S/C2/G1/B2", "T/C1/G1", "S//G1", "S/C1/"}
	skills := []catalog.Skill{"repair", "haircut", "legal_advice", "medical", "cleaning", "tutoring"}
	categories := []string{"", "repair", "legal", "renovation", "dispute", "health", "unknown"}
	functions := []catalog.Function{catalog.FunctionHousing, catalog.FunctionLegalAid,
		catalog.FunctionCivilAffairs, catalog.FunctionHealth, catalog.FunctionUrbanManagement}
	persons := []string{"", "p1", "p2", "p3", "p4", "p5"}
	id := func(kind byte, n int) uuid.UUID {
		var u uuid.UUID
		u[0], u[15] = kind, byte(n)
		return u
	}
	coordinates := func(t *rapid.T, label string) catalog.Coordinates {
		switch rapid.IntRange(0, 11).Draw(t, label+" kind") {
		case 0:
			return catalog.Coordinates{}
		case 1:
			return catalog.Coordinates{Lat: math.NaN(), Lng: 120}
		case 2:
			return catalog.Coordinates{Lat: 89.999, Lng: rapid.Float64Range(-180, 180).Draw(t, label+" lng")}
		case 3:
			return catalog.Coordinates{Lat: 30 + rapid.Float64Range(0, 0.02).Draw(t, label+" lat"), Lng: math.NaN()}
		case 4: // beyond the pole: the same points as 89.99..90°N half way round
			return catalog.Coordinates{Lat: 90 + rapid.Float64Range(0, 0.01).Draw(t, label+" lat"), Lng: rapid.SampledFrom([]float64{0, 180}).Draw(t, label+" lng")}
		}
		// About 2.2 km by 1.9 km: pairs fall on both sides of the 770 m straight line.
		return catalog.Coordinates{
			Lat: 30 + rapid.Float64Range(0, 0.02).Draw(t, label+" lat"),
			Lng: 120 + rapid.Float64Range(0, 0.02).Draw(t, label+" lng"),
		}
	}
	subset := func(t *rapid.T, label string) []catalog.Skill {
		var out []catalog.Skill
		for k, s := range skills {
			if rapid.IntRange(0, 2).Draw(t, fmt.Sprintf("%s %d", label, k)) == 0 {
				out = append(out, s)
			}
		}
		return out
	}

	providers := make([]catalog.Provider, rapid.IntRange(0, 12).Draw(t, "providers"))
	for j := range providers {
		label := fmt.Sprintf("provider %d", j)
		p := catalog.Provider{
			ID:       id('p', j),
			Kind:     catalog.ProviderKind(rapid.IntRange(0, 5).Draw(t, label+" kind")),
			PersonID: rapid.SampledFrom(persons).Draw(t, label+" person"),
			Home:     rapid.SampledFrom(paths).Draw(t, label+" home"),
			At:       coordinates(t, label),
			Skills:   subset(t, label+" skill"),
			Capacity: rapid.IntRange(0, 3).Draw(t, label+" capacity"),
		}
		p.Active = rapid.IntRange(0, 3).Draw(t, label+" active")
		for range rapid.IntRange(0, 2).Draw(t, label+" areas") {
			p.ServiceArea = append(p.ServiceArea, rapid.SampledFrom(paths).Draw(t, label+" area"))
		}
		for range rapid.IntRange(0, 2).Draw(t, label+" functions") {
			p.Functions = append(p.Functions, rapid.SampledFrom(functions).Draw(t, label+" function"))
		}
		for range rapid.IntRange(0, 2).Draw(t, label+" members") {
			p.Members = append(p.Members, catalog.Member{PersonID: rapid.SampledFrom(persons).Draw(t, label+" member")})
		}
		if rapid.Bool().Draw(t, label+" hours") {
			p.Availability.Set(time.Monday, rapid.IntRange(0, 23).Draw(t, label+" from"), rapid.IntRange(0, 24).Draw(t, label+" to"))
		}
		if rapid.Bool().Draw(t, label+" professional") {
			p.Flags |= catalog.FlagProfessional
		}
		p.RatingCount = rapid.IntRange(0, 3).Draw(t, label+" ratings")
		p.RatingSum = p.RatingCount * rapid.IntRange(1, 5).Draw(t, label+" stars")
		providers[j] = p
	}

	demands := make([]catalog.Demand, rapid.IntRange(0, 12).Draw(t, "demands"))
	for i := range demands {
		label := fmt.Sprintf("demand %d", i)
		d := catalog.Demand{
			ID:        id('d', i),
			Kind:      catalog.DemandKind(rapid.IntRange(1, 4).Draw(t, label+" kind")),
			Category:  rapid.SampledFrom(categories).Draw(t, label+" category"),
			Requester: catalog.RequesterRef{ID: rapid.SampledFrom(persons).Draw(t, label+" requester")},
			Location:  catalog.Location{Grid: rapid.SampledFrom(paths).Draw(t, label+" grid"), At: coordinates(t, label)},
			Headcount: rapid.IntRange(1, 2).Draw(t, label+" headcount"),
			Status:    catalog.StatusOpen,
			Priority:  catalog.Priority(rapid.IntRange(0, 1).Draw(t, label+" priority")),
			Urgency:   catalog.Urgency(rapid.IntRange(0, 2).Draw(t, label+" urgency")),
		}
		if rapid.Bool().Draw(t, label+" own skills") {
			d.Skills = subset(t, label+" skill")
		}
		if rapid.Bool().Draw(t, label+" window") {
			start := time.Date(2026, 6, 1, rapid.IntRange(0, 23).Draw(t, label+" hour"), 0, 0, 0, catalog.ImportLocation)
			d.Window = catalog.TimeWindow{Start: start, End: start.Add(time.Duration(rapid.IntRange(1, 3).Draw(t, label+" hours")) * time.Hour)}
		}
		if len(providers) > 0 && rapid.IntRange(0, 5).Draw(t, label+" dispatched") == 0 {
			d.DispatchedTo = []uuid.UUID{providers[rapid.IntRange(0, len(providers)-1).Draw(t, label+" to")].ID}
		}
		demands[i] = d
	}
	return demands, providers
}

// TestPreparedScorerMatchesDefaultScorer checks that the Matcher's prepared form of
// DefaultScorer (masks, interned communities, distance bound) gives every plan and
// suggestion exactly as DefaultScorer.Score itself does, reached through a ScorerFunc
// (which the Matcher cannot prepare).
func TestPreparedScorerMatchesDefaultScorer(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		demands, providers := smallRandomWorld(t)
		scorer := matching.DefaultScorer{
			WalkMetersMax: rapid.SampledFrom([]float64{0, 300, 800, 2500}).Draw(t, "walk"),
		}
		if rapid.Bool().Draw(t, "weights") {
			scorer.Weights = matching.Weights{Fit: 10, Distance: 1000, Availability: 3, Priority: 7, Urgent: 5,
				Emergency: 9, Professional: 11, RatingStar: 13, Load: 17}
		}
		if rapid.Bool().Draw(t, "professional skills") {
			scorer.ProfessionalSkills = []catalog.Skill{"repair"}
		}
		opts := matching.Options{Scorer: scorer, Objective: matching.Objective(rapid.IntRange(0, 2).Draw(t, "objective"))}
		if rapid.Bool().Draw(t, "no routing") {
			opts.Router = &matching.Router{}
		}
		reference := opts
		reference.Scorer = matching.ScorerFunc(scorer.Score)

		got, err := matching.Plan(context.Background(), demands, providers, opts)
		require.NoError(t, err)
		want, err := matching.Plan(context.Background(), demands, providers, reference)
		require.NoError(t, err)
		require.Equal(t, want, got)

		prepared, err := matching.NewMatcher(demands, providers, opts)
		require.NoError(t, err)
		plain, err := matching.NewMatcher(demands, providers, reference)
		require.NoError(t, err)
		for _, d := range demands {
			got, err := prepared.SuggestProviders(d.ID, matching.SuggestMax)
			require.NoError(t, err)
			want, err := plain.SuggestProviders(d.ID, matching.SuggestMax)
			require.NoError(t, err)
			require.Equal(t, want, got, "demand %s", d.ID)
		}
		for _, p := range providers {
			got, err := prepared.SuggestDemands(p.ID, matching.SuggestMax)
			require.NoError(t, err)
			want, err := plain.SuggestDemands(p.ID, matching.SuggestMax)
			require.NoError(t, err)
			require.Equal(t, want, got, "provider %s", p.ID)
		}
	})
}

// Latitudes just beyond a pole are the same points as latitudes just inside it, half way
// round: catalog.WalkingMeters puts 90.004°N 0°E and 89.996°N 180°E 0 m apart. The prepared
// distance bound must not call them too far when DefaultScorer does not.
func TestPreparedScorerLatitudeBeyondPole(t *testing.T) {
	grid := catalog.GridPath("S/C1/G1")
	d := catalog.Demand{ID: uuid.UUID{1}, Kind: catalog.Wish, Status: catalog.StatusOpen, Headcount: 1,
		Location: catalog.Location{Grid: grid, At: catalog.Coordinates{Lat: 90.004, Lng: 0}}}
	p := catalog.Provider{ID: uuid.UUID{2}, Kind: catalog.Volunteer, Home: grid, Capacity: 1,
		At: catalog.Coordinates{Lat: 89.996, Lng: 180}}
	if walk := catalog.WalkingMeters(d.Location.At, p.At); walk > catalog.FifteenMinuteCircleMeters {
		t.Fatalf("walk %v m: the scenario needs the points within the circle", walk)
	}
	opts := matching.Options{}
	reference := matching.Options{Scorer: matching.ScorerFunc(matching.DefaultScorer{}.Score)}
	for _, o := range []matching.Options{opts, reference} {
		res, err := matching.Plan(context.Background(), []catalog.Demand{d}, []catalog.Provider{p}, o)
		require.NoError(t, err)
		require.Equal(t, 1, res.Served, "unmatched: %+v", res.Unmatched)
	}
}

// A NaN coordinate makes the walk NaN. DefaultScorer took that as within the circle and
// scored int64(NaN), which Go leaves to the platform; the prepared bound called the same pair
// too far when the latitudes alone were far apart. A walk that is not a number is too far, as
// catalog.WithinFifteenMinutes has it, in both.
func TestPreparedScorerNaNLongitude(t *testing.T) {
	grid := catalog.GridPath("S/C1/G1")
	d := catalog.Demand{ID: uuid.UUID{1}, Kind: catalog.Wish, Status: catalog.StatusOpen, Headcount: 1,
		Location: catalog.Location{Grid: grid, At: catalog.Coordinates{Lat: 30, Lng: math.NaN()}}}
	volunteer := catalog.Provider{ID: uuid.UUID{2}, Kind: catalog.Volunteer, Home: grid, Capacity: 1,
		At: catalog.Coordinates{Lat: 30.02, Lng: 120}}
	unit := catalog.Provider{ID: uuid.UUID{3}, Kind: catalog.Unit, Home: grid, Capacity: 1,
		ServiceArea: []catalog.GridPath{"S"}, At: catalog.Coordinates{Lat: 30, Lng: 120}}
	for _, scorer := range []matching.Scorer{matching.DefaultScorer{}, matching.ScorerFunc(matching.DefaultScorer{}.Score)} {
		m, err := matching.NewMatcher([]catalog.Demand{d}, []catalog.Provider{volunteer, unit},
			matching.Options{Scorer: scorer, Router: &matching.Router{}})
		require.NoError(t, err)
		res, err := m.Plan(context.Background())
		require.NoError(t, err)
		// The unit serving the whole area is not bound by the walk: it gets half the
		// distance points, as for any walk beyond the circle.
		require.Len(t, res.Assignments, 1, "%T", scorer)
		require.Equal(t, unit.ID, res.Assignments[0].ProviderID)
		want := matching.DefaultWeights.Fit + matching.DefaultWeights.Distance/2 + matching.DefaultWeights.Availability
		require.Equal(t, want, res.Assignments[0].Score, "%T", scorer)
		fit := matching.DefaultScorer{}.Score(matching.Candidate{Demand: &d, Provider: &volunteer}, false)
		require.Equal(t, matching.ReasonTooFar, fit.Reason)
	}
}
