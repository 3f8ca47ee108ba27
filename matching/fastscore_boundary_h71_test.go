package matching

import (
	"fmt"
	"math"
	"testing"

	"github.com/google/uuid"
	"pgregory.net/rapid"

	"github.com/tongxin/tongxin/catalog"
)

// TestPreparedScoreBoundaryH71 compares the prepared scorer with DefaultScorer.Score where
// TestPreparedScoreEveryPair does not reach: coordinates that are infinite, huge, beyond a
// pole, across the antimeridian or a whole turn of longitude apart, pairs a hair inside and
// outside the walking limit (where the distance pre-check must not decide), and provider
// records at the ends of int (a load or rating sum of MinInt or MaxInt), on every walking
// limit from the smallest positive one to WalkMetersMaxLimit.
func TestPreparedScoreBoundaryH71(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		walks := []float64{0, math.SmallestNonzeroFloat64, 1e-9, 1, 999.9999, 1000, 2500, 1e6, WalkMetersMaxLimit}
		s := DefaultScorer{WalkMetersMax: rapid.SampledFrom(walks).Draw(t, "walk")}
		if rapid.Bool().Draw(t, "weights") {
			weight := func(label string) int64 {
				return rapid.SampledFrom([]int64{-WeightPointsMax, -1, 0, 1, 300, WeightPointsMax}).Draw(t, label)
			}
			s.Weights = Weights{Fit: weight("fit"), Distance: weight("distance"), Availability: weight("availability"),
				Priority: weight("priority"), Urgent: weight("urgent"), Emergency: weight("emergency"),
				Professional: weight("professional"), RatingStar: weight("star"), Load: weight("load")}
		}
		limit := s.walkLimit()
		base := catalog.Coordinates{Lat: rapid.SampledFrom([]float64{30, -33.9, 0.5, 89.99, -89.99}).Draw(t, "base lat"),
			Lng: rapid.SampledFrom([]float64{120, -179.9999, 179.9999, 0.5}).Draw(t, "base lng")}
		// The straight-line span, in degrees of latitude, of a walk of exactly the limit.
		edge := limit / catalog.WalkingDetourFactor / 6371008.8 * 180 / math.Pi
		huge := []float64{math.Inf(1), math.Inf(-1), math.NaN(), 1e300, -1e300, 1e10, 1 << 53}
		coordinates := func(label string) catalog.Coordinates {
			c := base
			switch rapid.IntRange(0, 9).Draw(t, label+" at") {
			case 0:
				return catalog.Coordinates{}
			case 1:
				c.Lat = rapid.SampledFrom(huge).Draw(t, label+" lat")
			case 2:
				c.Lng = rapid.SampledFrom(huge).Draw(t, label+" lng")
			case 3: // beyond a pole
				c.Lat = rapid.SampledFrom([]float64{90.0001, 91, 180, 269.9, -90.0001, -135}).Draw(t, label+" lat")
			case 4: // whole turns of longitude or latitude
				turns := float64(rapid.IntRange(-3, 3).Draw(t, label+" turns"))
				if rapid.Bool().Draw(t, label+" turn lat") {
					c.Lat += 360 * turns
				} else {
					c.Lng += 360 * turns
				}
			case 5: // across the antimeridian
				c.Lng = -c.Lng + rapid.Float64Range(-1e-4, 1e-4).Draw(t, label+" across")
			case 6, 7: // a hair either side of the walking limit, north-south or east-west
				f := 1 + float64(rapid.IntRange(-1000, 1000).Draw(t, label+" hair"))*1e-9
				if rapid.Bool().Draw(t, label+" east") {
					c.Lng += edge * f / math.Cos(c.Lat*math.Pi/180)
				} else {
					c.Lat += edge * f
				}
			default:
				c.Lat += rapid.Float64Range(-2*edge, 2*edge).Draw(t, label+" dlat")
				c.Lng += rapid.Float64Range(-2*edge, 2*edge).Draw(t, label+" dlng")
			}
			return c
		}
		ends := []int{math.MinInt, -1, 0, 1, 5, catalog.CapacityMax, math.MaxInt}
		providers := make([]catalog.Provider, rapid.IntRange(1, 6).Draw(t, "providers"))
		for j := range providers {
			label := fmt.Sprintf("provider %d", j)
			p := catalog.Provider{
				ID:          uuid.UUID{'p', byte(j)},
				Kind:        catalog.ProviderKind(rapid.IntRange(1, 4).Draw(t, label+" kind")),
				Home:        rapid.SampledFrom([]catalog.GridPath{"S", "S/C", "S/C/G", "S/C/G/B", "S/D/G"}).Draw(t, label+" home"),
				At:          coordinates(label),
				Active:      rapid.SampledFrom(ends).Draw(t, label+" active"),
				RatingCount: rapid.SampledFrom([]int{0, 1, 3, math.MaxInt}).Draw(t, label+" ratings"),
				RatingSum:   rapid.SampledFrom(ends).Draw(t, label+" rating sum"),
				Skills:      []catalog.Skill{"repair"},
			}
			if rapid.Bool().Draw(t, label+" area") {
				p.ServiceArea = []catalog.GridPath{"S"}
			}
			providers[j] = p
		}
		demands := make([]catalog.Demand, rapid.IntRange(1, 6).Draw(t, "demands"))
		routes := make([]Route, len(demands))
		for i := range demands {
			label := fmt.Sprintf("demand %d", i)
			demands[i] = catalog.Demand{
				ID:       uuid.UUID{'d', byte(i)},
				Kind:     catalog.DemandKind(rapid.IntRange(1, 4).Draw(t, label+" kind")),
				Skills:   []catalog.Skill{"repair"},
				Location: catalog.Location{Grid: rapid.SampledFrom([]catalog.GridPath{"S/C/G", "S/C/G/B", "S/D"}).Draw(t, label+" grid"), At: coordinates(label)},
				Priority: catalog.Priority(rapid.IntRange(0, 1).Draw(t, label+" priority")),
				Urgency:  catalog.Urgency(rapid.IntRange(0, 3).Draw(t, label+" urgency")),
			}
		}
		prepared := newDefaultScoring(s, demands, routes, providers)
		for i := range demands {
			for j := range providers {
				want := s.Score(Candidate{Demand: &demands[i], Provider: &providers[j], Route: routes[i]}, true)
				got := prepared.score(&demands[i], int32(i), &providers[j], int32(j), &routes[i])
				if got.Score != want.Score || got.Reason != want.Reason {
					t.Fatalf("demand %d at %v, provider %d at %v (walk %v, limit %v): prepared %d %v, DefaultScorer %d %v",
						i, demands[i].Location.At, j, providers[j].At,
						catalog.WalkingMeters(demands[i].Location.At, providers[j].At), limit,
						got.Score, got.Reason, want.Score, want.Reason)
				}
				if want.Eligible() && (want.Score < 1 || want.Score > FitScoreMax) {
					t.Fatalf("demand %d, provider %d: score %d outside 1..%d", i, j, want.Score, FitScoreMax)
				}
			}
		}
	})
}
