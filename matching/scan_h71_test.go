package matching

import (
	"fmt"
	"slices"
	"testing"

	"github.com/google/uuid"
	"pgregory.net/rapid"

	"github.com/tongxin/tongxin/catalog"
)

// TestScanProvidersOrderH71 checks that scanProviders visits exactly the providers, in exactly
// the order, of the walk it replaced (own grid, then every grid of the community in
// ascending order, each with every code of the demand, then the wider areas), on
// communities of many grids where few grids hold a provider of a demand's codes, with skills
// and route functions mixed, malformed paths among them, and scans cut short at
// CandidatesScannedMax.
func TestScanProvidersOrderH71(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var paths []catalog.GridPath
		for c := range 3 {
			for g := range rapid.IntRange(1, 40).Draw(t, fmt.Sprintf("grids %d", c)) {
				paths = append(paths, catalog.GridPath(fmt.Sprintf("S/C%d/G%02d", c, g)), catalog.GridPath(fmt.Sprintf("S/C%d/G%02d/B", c, g)))
			}
		}
		paths = append(paths, "S", "S/C0", "S/C1/", "S//G1", "T/C0/G1")
		skills := []catalog.Skill{"repair", "cleaning", "legal_advice", "haircut"}
		functions := []catalog.Function{catalog.FunctionHousing, catalog.FunctionLegalAid}
		providers := make([]catalog.Provider, rapid.IntRange(1, 400).Draw(t, "providers"))
		for j := range providers {
			p := catalog.Provider{ID: uuid.UUID{'p', byte(j >> 8), byte(j)}, Kind: catalog.Unit, Capacity: 1,
				Home: rapid.SampledFrom(paths).Draw(t, "home")}
			for _, k := range skills {
				if rapid.IntRange(0, 4).Draw(t, "skill") == 0 {
					p.Skills = append(p.Skills, k)
				}
			}
			for _, f := range functions {
				if rapid.IntRange(0, 4).Draw(t, "function") == 0 {
					p.Functions = append(p.Functions, f)
				}
			}
			if rapid.IntRange(0, 5).Draw(t, "wide") == 0 {
				p.ServiceArea = []catalog.GridPath{rapid.SampledFrom(paths).Draw(t, "area")}
			}
			providers[j] = p
		}
		demands := make([]catalog.Demand, rapid.IntRange(1, 20).Draw(t, "demands"))
		for i := range demands {
			demands[i] = catalog.Demand{ID: uuid.UUID{'d', byte(i)}, Status: catalog.StatusOpen, Headcount: 1,
				Kind:     rapid.SampledFrom([]catalog.DemandKind{catalog.Wish, catalog.MajorItem}).Draw(t, "kind"),
				Category: rapid.SampledFrom([]string{"", "repair", "legal", "renovation"}).Draw(t, "category"),
				Location: catalog.Location{Grid: rapid.SampledFrom(paths).Draw(t, "grid")}}
		}
		m, err := NewMatcher(demands, providers, Options{})
		if err != nil {
			t.Fatal(err)
		}
		// The grids of each community with a provider serving only its home community.
		gridsOf := make(map[catalog.GridPath][]catalog.GridPath)
		for _, p := range providers {
			if len(p.ServiceArea) == 0 && p.Home.Depth() >= catalog.LevelGrid {
				grid := p.Home.Truncate(catalog.LevelGrid)
				if !slices.Contains(gridsOf[grid.Community()], grid) {
					gridsOf[grid.Community()] = append(gridsOf[grid.Community()], grid)
				}
			}
		}
		for _, grids := range gridsOf {
			slices.Sort(grids)
		}
		for i := range demands {
			var want []int32
			seen := make(map[int32]bool)
			visit := func(j int32) bool {
				if seen[j] {
					return true
				}
				seen[j] = true
				want = append(want, j)
				return len(want) < CandidatesScannedMax
			}
			codes := m.demandCodes(int32(i), nil)
			scan := func(index map[indexKey][]int32, area catalog.GridPath) bool {
				for _, k := range codes {
					k.area = area
					for _, j := range index[k] {
						if !visit(j) {
							return false
						}
					}
				}
				return true
			}
			func() {
				grid := demands[i].Location.Grid
				if grid.Depth() >= catalog.LevelCommunity {
					own := grid.Truncate(catalog.LevelGrid)
					if own.Depth() == catalog.LevelGrid && !scan(m.local, own) {
						return
					}
					for _, g := range gridsOf[grid.Community()] {
						if g != own && !scan(m.local, g) {
							return
						}
					}
				}
				for level := grid.Depth(); level >= catalog.LevelStreet; level-- {
					if !scan(m.wide, grid.Truncate(level)) {
						return
					}
				}
			}()
			var got []int32
			got2 := make(map[int32]bool)
			m.scanProviders(int32(i), func(j int32) bool {
				was := got2[j]
				got2[j] = true
				return was
			}, func(j int32) bool {
				got = append(got, j)
				return true
			})
			if !slices.Equal(got, want) {
				t.Fatalf("demand %d at %s: scanned %v, the full walk %v", i, demands[i].Location.Grid, got, want)
			}
		}
	})
}
