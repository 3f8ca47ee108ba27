package matching_test

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"

	"github.com/tongxin/tongxin/catalog"
)

// district builds a deterministic district: one street of communities x 10 grids x 10
// buildings laid out on a map (about 1.2 km between communities, 250 m between grids),
// with numDemands open demands and numProviders providers placed within their grids.
// Volunteers have two skills; 7% of providers are micro-teams; 3% are co-building units
// serving the whole street by function. 5% of demands are big items; 10% have headcount 2;
// 10% are for priority residents; some have time windows and some providers stated hours.
func district(numDemands, numProviders, communities int, seed uint64) ([]catalog.Demand, []catalog.Provider) {
	rng := rand.New(rand.NewPCG(seed, 0x6469737472696374))
	const street = "幸福街道"
	small := []string{"repair", "repair_electric", "haircut", "legal", "health", "elderly_visit",
		"elderly_meal", "tutoring", "childcare", "cleaning", "culture_sport", "goods", "psych", "digital_help"}
	big := []string{"renovation", "public_space", "dispute", "service_project"}
	taxonomy := catalog.DefaultTaxonomy()
	newID := func() uuid.UUID {
		var id uuid.UUID
		for k := range id {
			id[k] = byte(rng.IntN(256))
		}
		id[6] = id[6]&0x0f | 0x40
		id[8] = id[8]&0x3f | 0x80
		return id
	}
	place := func() (catalog.GridPath, catalog.Coordinates) {
		c, g, b := rng.IntN(communities), rng.IntN(10), rng.IntN(10)
		path := catalog.GridPath(fmt.Sprintf("%s/社区%02d/%d网格/%d栋", street, c, g, b))
		lat := 30.0 + float64(c/5)*0.0108 + float64(g/5)*0.00225 + rng.Float64()*0.002
		lng := 120.0 + float64(c%5)*0.0125 + float64(g%5)*0.0026 + rng.Float64()*0.0023
		return path, catalog.Coordinates{Lat: lat, Lng: lng}
	}
	monday := func(hour, hours int) catalog.TimeWindow {
		start := time.Date(2026, 6, 1, hour, 0, 0, 0, catalog.ImportLocation) // a Monday, local time
		return catalog.TimeWindow{Start: start, End: start.Add(time.Duration(hours) * time.Hour)}
	}

	demands := make([]catalog.Demand, numDemands)
	for i := range demands {
		grid, at := place()
		d := catalog.Demand{
			ID: newID(), Kind: catalog.Wish, Status: catalog.StatusOpen, Headcount: 1,
			Requester: catalog.RequesterRef{ID: fmt.Sprintf("resident-%d", i)},
			Location:  catalog.Location{Grid: grid, At: at},
		}
		switch r := rng.IntN(100); {
		case r < 5:
			d.Kind = catalog.MajorItem
			d.Category = big[rng.IntN(len(big))]
		case r < 20:
			d.Kind = catalog.PracticalMatter
			d.Category = small[rng.IntN(len(small))]
		default:
			d.Category = small[rng.IntN(len(small))]
		}
		if c, ok := taxonomy.Category(d.Category); ok {
			d.Skills = c.Skills
		}
		if rng.IntN(10) == 0 {
			d.Headcount = 2
		}
		if rng.IntN(10) == 0 {
			d.Priority = catalog.PriorityElderlyAlone
		}
		if rng.IntN(20) == 0 {
			d.Urgency = catalog.UrgencyUrgent
		}
		if rng.IntN(4) == 0 {
			d.Window = monday(8+rng.IntN(10), 2)
		}
		demands[i] = d
	}

	functions := []catalog.Function{catalog.FunctionHousing, catalog.FunctionUrbanManagement,
		catalog.FunctionLegalAid, catalog.FunctionCivilAffairs, catalog.FunctionHealth, catalog.FunctionEnvironment}
	providers := make([]catalog.Provider, numProviders)
	for j := range providers {
		home, at := place()
		p := catalog.Provider{
			ID: newID(), Kind: catalog.Volunteer, Home: home, At: at,
			PersonID: fmt.Sprintf("volunteer-%d", j),
			Capacity: 1 + rng.IntN(3),
		}
		for range 2 {
			c, _ := taxonomy.Category(small[rng.IntN(len(small))])
			p.Skills = append(p.Skills, c.Skills...)
		}
		switch r := rng.IntN(100); {
		case r < 3:
			p.Kind, p.PersonID = catalog.Unit, ""
			p.Home = catalog.GridPath(street)
			p.ServiceArea = []catalog.GridPath{catalog.GridPath(street)}
			p.Functions = []catalog.Function{functions[rng.IntN(len(functions))], functions[rng.IntN(len(functions))]}
			p.Capacity = 5 + rng.IntN(10)
		case r < 10:
			p.Kind, p.PersonID = catalog.Team, ""
			p.Capacity = 2 + rng.IntN(4)
		}
		if rng.IntN(10) == 0 {
			p.Flags |= catalog.FlagProfessional
		}
		if rng.IntN(3) == 0 {
			p.Active = rng.IntN(p.Capacity + 1)
		}
		if rng.IntN(5) == 0 {
			p.Availability.Set(1, 8, 12) // Monday mornings
		}
		if rng.IntN(2) == 0 {
			p.RatingCount = 1 + rng.IntN(20)
			p.RatingSum = p.RatingCount * (3 + rng.IntN(3))
		}
		providers[j] = p
	}
	return demands, providers
}
