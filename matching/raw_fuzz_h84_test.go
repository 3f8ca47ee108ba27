package matching_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/matching"
)

// FuzzRawRecordsH84 gives NewMatcher demands and providers with the fields it reads as they
// are (coordinates NaN or out of range, grid paths that are not canonical, CJK and invisible
// characters, unknown kinds, undefined priority bits, huge ratings, inverted windows) and with
// the loads it checks. It refuses exactly the records catalog could not hold (Capacity or
// Active outside 0..CapacityMax, Headcount outside 1..HeadcountMax, Filled outside
// 0..Headcount), with ErrInvalidInput; otherwise Plan and the suggestions succeed, and every
// assignment joins a known demand to a known provider once, with a positive score, within the
// demand's remaining places and the provider's free capacity, and every demand's places are
// either filled or reported unmatched.
func FuzzRawRecordsH84(f *testing.F) {
	f.Add("幸福街道/阳光社区/1网格", "haircut", uint8(1), 39.9, 116.4, 1, 0, uint8(1), 0, 3, 0, "haircut", 5, 1, int64(3600))
	f.Add("幸福街道／阳光社区\u200b", "ｈａｉｒｃｕｔ", uint8(99), math.NaN(), math.Inf(1), 2, 1, uint8(0), 2, 1, 1, "", math.MaxInt, -1, int64(-3600))
	f.Add(" 幸福街道 / 阳光社区 ", "legal", uint8(3), 91.0, -181.0, 0, 0, uint8(3), 9, 0, 0, "legal_advice", math.MinInt, 0, int64(0))
	f.Add("幸福街道/阳光社区/1网格", "haircut", uint8(1), 0.0, 0.0, 3, 4, uint8(1), 0, catalog.CapacityMax+1, 0, "haircut", 0, 0, int64(0))
	f.Add("幸福街道/阳光社区/1网格", "haircut", uint8(1), 0.0, 0.0, catalog.HeadcountMax+1, 0, uint8(1), 0, 2, 3, "haircut", 0, 0, int64(0))
	f.Add("\x00\xff", "\x00", uint8(0), -0.0, 5e-324, 1, -1, uint8(200), 255, -1, -1, "\xff", 1, math.MaxInt, int64(1<<40))
	f.Fuzz(func(t *testing.T, grid, category string, kind uint8, lat, lng float64, headcount, filled int,
		pkind uint8, flags, capacity, active int, skill string, ratingSum, ratingCount int, windowSec int64) {
		start := time.Date(2026, 5, 2, 9, 0, 0, 0, time.UTC)
		var ds []catalog.Demand
		for i := range 3 {
			d := catalog.Demand{
				ID: uuid.UUID{0xd0, 15: byte(i + 1)}, Kind: catalog.DemandKind(kind + uint8(i%2)), Category: category,
				Location:  catalog.Location{Grid: catalog.GridPath(grid), At: catalog.Coordinates{Lat: lat, Lng: lng}},
				Headcount: headcount, Filled: filled, Status: catalog.StatusOpen, Priority: catalog.Priority(flags),
				Urgency: catalog.Urgency(flags >> 2), Skills: []catalog.Skill{catalog.Skill(skill)},
				Window: catalog.TimeWindow{Start: start, End: start.Add(time.Duration(windowSec%(1<<40)) * time.Second)},
			}
			if i == 2 {
				d.Headcount, d.Filled, d.Skills = 1, 0, nil
			}
			ds = append(ds, d)
		}
		var ps []catalog.Provider
		for j := range 3 {
			p := catalog.Provider{
				ID: uuid.UUID{0xa0, 15: byte(j + 1)}, Kind: catalog.ProviderKind(pkind + uint8(j)), Name: "p",
				Home: catalog.GridPath(grid), At: catalog.Coordinates{Lat: lat + float64(j), Lng: lng},
				Skills: []catalog.Skill{catalog.Skill(skill), "haircut"}, Functions: []catalog.Function{catalog.Function(skill)},
				Capacity: capacity, Active: active, Flags: catalog.ProviderFlags(flags),
				RatingSum: ratingSum, RatingCount: ratingCount,
			}
			if j == 2 {
				p.Capacity, p.Active = 1, 0
			}
			ps = append(ps, p)
		}
		loadsOK := capacity >= 0 && capacity <= catalog.CapacityMax && active >= 0 && active <= catalog.CapacityMax &&
			headcount >= 1 && headcount <= catalog.HeadcountMax && filled >= 0 && filled <= headcount
		m, err := matching.NewMatcher(ds, ps, matching.Options{})
		if err != nil {
			if !errors.Is(err, matching.ErrInvalidInput) {
				t.Fatalf("NewMatcher refused without ErrInvalidInput: %v", err)
			}
			if loadsOK {
				t.Fatalf("NewMatcher refused records catalog can hold: %v", err)
			}
			return
		}
		if !loadsOK {
			t.Fatalf("NewMatcher accepted capacity %d active %d headcount %d filled %d", capacity, active, headcount, filled)
		}
		res, err := m.Plan(context.Background())
		if err != nil {
			t.Fatalf("Plan: %v", err)
		}
		demandIx := map[uuid.UUID]int{}
		for i, d := range ds {
			demandIx[d.ID] = i
		}
		providerIx := map[uuid.UUID]int{}
		for j, p := range ps {
			providerIx[p.ID] = j
		}
		perDemand, perProvider := map[uuid.UUID]int{}, map[uuid.UUID]int{}
		pairs := map[[2]uuid.UUID]bool{}
		var sum int64
		for _, a := range res.Assignments {
			i, ok1 := demandIx[a.DemandID]
			j, ok2 := providerIx[a.ProviderID]
			if !ok1 || !ok2 || pairs[[2]uuid.UUID{a.DemandID, a.ProviderID}] || a.Score <= 0 {
				t.Fatalf("assignment %+v", a)
			}
			pairs[[2]uuid.UUID{a.DemandID, a.ProviderID}] = true
			perDemand[a.DemandID]++
			perProvider[a.ProviderID]++
			if perDemand[a.DemandID] > ds[i].Remaining() || perProvider[a.ProviderID] > max(0, ps[j].Capacity-ps[j].Active) {
				t.Fatalf("assignment %+v over the demand's places or the provider's capacity", a)
			}
			sum += a.Score
		}
		if sum != res.Score || res.Served != len(res.Assignments) {
			t.Fatalf("plan score %d served %d; assignments sum %d, count %d", res.Score, res.Served, sum, len(res.Assignments))
		}
		missing := map[uuid.UUID]int{}
		for _, u := range res.Unmatched {
			// A demand with no place left is reported as ReasonNotOpen with nothing missing.
			if _, ok := demandIx[u.DemandID]; !ok || u.Missing < 0 || u.Missing == 0 && u.Reason != matching.ReasonNotOpen {
				t.Fatalf("unmatched %+v", u)
			}
			missing[u.DemandID] += u.Missing
		}
		for _, d := range ds {
			if perDemand[d.ID]+missing[d.ID] != d.Remaining() {
				t.Fatalf("demand %s: %d places, %d filled, %d reported missing", d.ID, d.Remaining(), perDemand[d.ID], missing[d.ID])
			}
			if _, err := m.SuggestProviders(d.ID, matching.SuggestMax); err != nil {
				t.Fatalf("SuggestProviders(%s): %v", d.ID, err)
			}
		}
		for _, p := range ps {
			if _, err := m.SuggestDemands(p.ID, 1); err != nil {
				t.Fatalf("SuggestDemands(%s): %v", p.ID, err)
			}
		}
	})
}
