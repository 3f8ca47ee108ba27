package matching

// An internal test: the prepared scorer is unexported, and comparing it with DefaultScorer
// on every pair, eligible or not, needs it. The external tests compare only what plans and
// suggestions show, which hides a disagreement on a pair no scan reaches.

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/google/uuid"
	"pgregory.net/rapid"

	"github.com/tongxin/tongxin/catalog"
)

// TestPreparedScoreEveryPair checks that the prepared scorer gives every pair, eligible or
// not, the score and reason of DefaultScorer.Score with explanation, and that the explained
// parts add up to that score: on grid paths of every depth (malformed ones too) in two
// streets, more distinct skills and functions than the masks hold, provider kinds beyond
// the listed ones, weekly hours on several days against windows across midnight and week
// ends in zones other than ImportLocation, and weights of either sign up to their limit.
func TestPreparedScoreEveryPair(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		paths := []catalog.GridPath{"", "S", "S/C1", "S/C1/G1", "S/C1/G1/B1", "S/C1/G1/B2", "S/C1/G2",
			"S/C2", "S/C2/G1", "T", "T/C1", "T/C1/G1", "T/C1/G1/B1", "S//G1", "S/C1/", "S/C1/G1/B1/X"}
		skill := func(n int) catalog.Skill { return catalog.Skill(fmt.Sprintf("s%d", n)) }
		function := func(n int) catalog.Function { return catalog.Function(fmt.Sprintf("f%d", n)) }
		spread := rapid.SampledFrom([]int{3, 70, 140}).Draw(t, "codes")
		codes := func(label string) []int {
			var out []int
			for range rapid.IntRange(0, 3).Draw(t, label) {
				out = append(out, rapid.IntRange(0, spread).Draw(t, label+" code"))
			}
			return out
		}
		zones := []*time.Location{catalog.ImportLocation, time.UTC, time.FixedZone("IST", 5*3600+1800),
			time.FixedZone("west", -7*3600)}
		coordinates := func(label string) catalog.Coordinates {
			switch rapid.IntRange(0, 6).Draw(t, label+" at") {
			case 0:
				return catalog.Coordinates{}
			case 1:
				return catalog.Coordinates{Lat: math.NaN(), Lng: 120}
			case 2:
				return catalog.Coordinates{Lat: 30, Lng: 120 + rapid.Float64Range(-1, 1).Draw(t, label+" far")}
			}
			return catalog.Coordinates{Lat: 30 + rapid.Float64Range(0, 0.02).Draw(t, label+" lat"),
				Lng: 120 + rapid.Float64Range(0, 0.02).Draw(t, label+" lng")}
		}
		persons := []string{"", "a", "b", "c"}

		providers := make([]catalog.Provider, rapid.IntRange(1, 8).Draw(t, "providers"))
		for j := range providers {
			label := fmt.Sprintf("provider %d", j)
			p := catalog.Provider{
				ID:          uuid.UUID{'p', byte(j)},
				Kind:        catalog.ProviderKind(rapid.SampledFrom([]int{0, 1, 2, 3, 4, 5, 64, 200, 255}).Draw(t, label+" kind")),
				PersonID:    rapid.SampledFrom(persons).Draw(t, label+" person"),
				Home:        rapid.SampledFrom(paths).Draw(t, label+" home"),
				At:          coordinates(label),
				Active:      rapid.IntRange(0, 5).Draw(t, label+" active"),
				RatingCount: rapid.IntRange(0, 4).Draw(t, label+" ratings"),
			}
			p.RatingSum = rapid.IntRange(0, 5*p.RatingCount).Draw(t, label+" rating sum")
			for _, n := range codes(label + " skills") {
				p.Skills = append(p.Skills, skill(n))
			}
			for _, n := range codes(label + " functions") {
				p.Functions = append(p.Functions, function(n))
			}
			for range rapid.IntRange(0, 2).Draw(t, label+" areas") {
				p.ServiceArea = append(p.ServiceArea, rapid.SampledFrom(paths).Draw(t, label+" area"))
			}
			if rapid.Bool().Draw(t, label+" member") {
				p.Members = []catalog.Member{{PersonID: rapid.SampledFrom(persons).Draw(t, label+" member id")}}
			}
			for range rapid.IntRange(0, 3).Draw(t, label+" hours") {
				from := rapid.IntRange(0, 23).Draw(t, label+" from")
				p.Availability.Set(time.Weekday(rapid.IntRange(0, 6).Draw(t, label+" day")), from,
					rapid.IntRange(from+1, 24).Draw(t, label+" to"))
			}
			if rapid.Bool().Draw(t, label+" professional") {
				p.Flags |= catalog.FlagProfessional
			}
			providers[j] = p
		}

		demands := make([]catalog.Demand, rapid.IntRange(1, 8).Draw(t, "demands"))
		routes := make([]Route, len(demands))
		for i := range demands {
			label := fmt.Sprintf("demand %d", i)
			d := catalog.Demand{
				ID:        uuid.UUID{'d', byte(i)},
				Kind:      catalog.DemandKind(rapid.IntRange(0, 5).Draw(t, label+" kind")),
				Category:  rapid.SampledFrom([]string{"", "repair", "legal", "renovation", "unknown"}).Draw(t, label+" category"),
				Requester: catalog.RequesterRef{ID: rapid.SampledFrom(persons).Draw(t, label+" requester")},
				Location:  catalog.Location{Grid: rapid.SampledFrom(paths).Draw(t, label+" grid"), At: coordinates(label)},
				Priority:  catalog.Priority(rapid.IntRange(0, 3).Draw(t, label+" priority")),
				Urgency:   catalog.Urgency(rapid.IntRange(0, 3).Draw(t, label+" urgency")),
			}
			for _, n := range codes(label + " skills") {
				d.Skills = append(d.Skills, skill(n))
			}
			if rapid.Bool().Draw(t, label+" legal") {
				d.Skills = append(d.Skills, "legal_advice")
			}
			if rapid.IntRange(0, 3).Draw(t, label+" window") > 0 {
				zone := rapid.SampledFrom(zones).Draw(t, label+" zone")
				// Around midnight and the end of a week (Saturday night to Sunday).
				start := time.Date(2026, 6, rapid.IntRange(5, 8).Draw(t, label+" date"), rapid.IntRange(0, 23).Draw(t, label+" hour"),
					rapid.SampledFrom([]int{0, 30, 59}).Draw(t, label+" minute"), 0, 0, zone)
				d.Window = catalog.TimeWindow{Start: start,
					End: start.Add(time.Duration(rapid.IntRange(0, 200).Draw(t, label+" minutes")) * time.Minute)}
			}
			for _, n := range codes(label + " route functions") {
				routes[i].Functions = append(routes[i].Functions, function(n))
			}
			for range rapid.IntRange(0, 2).Draw(t, label+" route kinds") {
				routes[i].ProviderKinds = append(routes[i].ProviderKinds,
					catalog.ProviderKind(rapid.SampledFrom([]int{1, 2, 3, 4, 64, 200, 255}).Draw(t, label+" route kind")))
			}
			demands[i] = d
		}

		s := DefaultScorer{WalkMetersMax: rapid.SampledFrom([]float64{0, 300, 2500, WalkMetersMaxLimit}).Draw(t, "walk")}
		if rapid.Bool().Draw(t, "weights") {
			weight := func(label string) int64 {
				return rapid.SampledFrom([]int64{-WeightPointsMax, -300, -1, 0, 1, 7, 400, WeightPointsMax}).Draw(t, label)
			}
			s.Weights = Weights{Fit: weight("fit"), Distance: weight("distance"), Availability: weight("availability"),
				Priority: weight("priority"), Urgent: weight("urgent"), Emergency: weight("emergency"),
				Professional: weight("professional"), RatingStar: weight("star"), Load: weight("load")}
		}
		prepared := newDefaultScoring(s, demands, routes, providers)
		for i := range demands {
			for j := range providers {
				c := Candidate{Demand: &demands[i], Provider: &providers[j], Route: routes[i]}
				want := s.Score(c, true)
				got := prepared.score(&demands[i], int32(i), &providers[j], int32(j), &routes[i])
				if got.Score != want.Score || got.Reason != want.Reason {
					t.Fatalf("demand %d, provider %d: prepared %d %v, DefaultScorer %d %v", i, j,
						got.Score, got.Reason, want.Score, want.Reason)
				}
				if plain := s.Score(c, false); plain.Score != want.Score || plain.Reason != want.Reason {
					t.Fatalf("demand %d, provider %d: explained %d %v, not %d %v", i, j,
						want.Score, want.Reason, plain.Score, plain.Reason)
				}
				if !want.Eligible() {
					continue
				}
				var sum int64
				for _, part := range want.Parts {
					sum += part.Points
				}
				if held := min(max(sum, 1), FitScoreMax); held != want.Score {
					t.Fatalf("demand %d, provider %d: parts %+v add to %d, score %d", i, j, want.Parts, held, want.Score)
				}
			}
		}
	})
}

// TestCandidateIndexesComplete checks that the Matcher's indexes miss no pairing the scorer
// deems eligible, on few enough records that no scan reaches its limit: Plan's scan of a
// demand's providers and SuggestDemands' of a provider's demands each reach every eligible
// partner, whatever the depths of the two grid paths, in one street or two, through a home
// community or service areas.
func TestCandidateIndexesComplete(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		paths := []catalog.GridPath{"S", "S/C1", "S/C1/G1", "S/C1/G1/B1", "S/C1/G1/B2", "S/C1/G2",
			"S/C2", "S/C2/G1", "T", "T/C1", "T/C1/G1", "T/C1/G1/B1", "S//G1", "S/C1/", "S/C1/G1/B1/X"}
		skills := []catalog.Skill{"repair", "cleaning", "legal_advice"}
		functions := []catalog.Function{catalog.FunctionHousing, catalog.FunctionLegalAid}
		providers := make([]catalog.Provider, rapid.IntRange(1, 8).Draw(t, "providers"))
		for j := range providers {
			label := fmt.Sprintf("provider %d", j)
			p := catalog.Provider{
				ID:       uuid.UUID{'p', byte(j)},
				Kind:     catalog.ProviderKind(rapid.IntRange(1, 4).Draw(t, label+" kind")),
				Home:     rapid.SampledFrom(paths).Draw(t, label+" home"),
				Capacity: 3,
			}
			for _, k := range skills {
				if rapid.Bool().Draw(t, label+" "+string(k)) {
					p.Skills = append(p.Skills, k)
				}
			}
			for _, f := range functions {
				if rapid.Bool().Draw(t, label+" "+string(f)) {
					p.Functions = append(p.Functions, f)
				}
			}
			for range rapid.IntRange(0, 2).Draw(t, label+" areas") {
				p.ServiceArea = append(p.ServiceArea, rapid.SampledFrom(paths).Draw(t, label+" area"))
			}
			providers[j] = p
		}
		demands := make([]catalog.Demand, rapid.IntRange(1, 8).Draw(t, "demands"))
		for i := range demands {
			label := fmt.Sprintf("demand %d", i)
			d := catalog.Demand{
				ID:        uuid.UUID{'d', byte(i)},
				Kind:      catalog.DemandKind(rapid.IntRange(1, 4).Draw(t, label+" kind")),
				Category:  rapid.SampledFrom([]string{"", "repair", "legal", "renovation"}).Draw(t, label+" category"),
				Location:  catalog.Location{Grid: rapid.SampledFrom(paths).Draw(t, label+" grid")},
				Headcount: 1,
				Status:    catalog.StatusOpen,
			}
			for _, k := range skills {
				if rapid.IntRange(0, 3).Draw(t, label+" "+string(k)) == 0 {
					d.Skills = append(d.Skills, k)
				}
			}
			demands[i] = d
		}
		opts := Options{}
		if rapid.Bool().Draw(t, "no routing") {
			opts.Router = &Router{}
		}
		m, err := NewMatcher(demands, providers, opts)
		if err != nil {
			t.Fatal(err)
		}
		reached := make(map[[2]int32]bool)
		for i := range demands {
			seen := make(map[int32]bool)
			m.scanProviders(int32(i), func(j int32) bool {
				was := seen[j]
				seen[j] = true
				return was
			}, func(j int32) bool {
				reached[[2]int32{int32(i), j}] = true
				return true
			})
		}
		for j := range providers {
			suggested, err := m.SuggestDemands(providers[j].ID, SuggestMax)
			if err != nil {
				t.Fatal(err)
			}
			for i := range demands {
				fit, _ := m.fit(int32(i), int32(j))
				if !fit.Eligible() {
					continue
				}
				if !reached[[2]int32{int32(i), int32(j)}] {
					t.Fatalf("Plan's scan of demand %d (%s) misses eligible provider %d (home %s, areas %v)",
						i, demands[i].Location.Grid, j, providers[j].Home, providers[j].ServiceArea)
				}
				found := false
				for _, s := range suggested {
					found = found || s.ID == demands[i].ID
				}
				if !found {
					t.Fatalf("SuggestDemands of provider %d (home %s, areas %v) misses eligible demand %d (%s)",
						j, providers[j].Home, providers[j].ServiceArea, i, demands[i].Location.Grid)
				}
			}
		}
	})
}
