package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tongxin/tongxin/catalog"
)

// Demands posted per month at scale 1.0, before seasonal variation: about 3,600 wishes a year
// (the practice fulfilled 5,600+ in under two years), half as many practical matters, and a few
// hundred big items and micro-venture projects (308 projects in under two years).
const (
	wishesPerMonth           = 300.0
	practicalMattersPerMonth = 150.0
	majorItemsPerMonth       = 20.0
	projectsPerMonth         = 13.0
	budgetYuanMin            = 5_000
	budgetYuanMax            = 80_000
)

// seasonWishes scales the wishes posted in each calendar month (January first): many before
// the Spring Festival (goods, haircuts, visits), more during the summer holidays (tutoring,
// childcare).
var seasonWishes = [12]float64{1.7, 1.3, 0.9, 0.9, 0.9, 0.9, 1.2, 1.2, 0.9, 0.9, 0.9, 1.2}

// seasonMatters scales practical matters: the spring patriotic health campaign (爱国卫生月)
// cleans up in April, summer storms break lights and drains.
var seasonMatters = [12]float64{0.8, 0.7, 1.1, 1.4, 1.0, 1.1, 1.3, 1.2, 1.0, 0.9, 0.9, 0.8}

type categoryWeight struct {
	code   string
	weight float64
	group  requesterGroup
}

type requesterGroup uint8

const (
	groupAny requesterGroup = iota
	groupElderly
	groupParents
	groupPriority
)

var wishCategories = []categoryWeight{
	{"haircut", 8, groupElderly}, {"repair_electric", 10, groupElderly}, {"repair_appliance", 6, groupElderly},
	{"elderly_visit", 12, groupElderly}, {"elderly_meal", 8, groupElderly}, {"tutoring", 6, groupParents},
	{"childcare", 4, groupParents}, {"goods", 8, groupPriority}, {"digital_help", 7, groupElderly},
	{"health", 5, groupElderly}, {"legal", 3, groupPriority}, {"psych", 2, groupPriority},
}

var matterCategories = []categoryWeight{
	{"repair", 10, groupAny}, {"repair_electric", 8, groupAny}, {"cleaning", 10, groupAny}, {"culture_sport", 4, groupAny},
}

var majorCategories = []categoryWeight{{"renovation", 4, groupAny}, {"public_space", 3, groupAny}, {"dispute", 3, groupAny}}

var projectCategories = []categoryWeight{
	{"service_project", 5, groupAny}, {"job_training", 2, groupAny}, {"culture_sport", 2, groupAny}, {"elderly_meal", 2, groupAny},
}

// seasonCategory scales one category's weight in a calendar month.
func seasonCategory(code string, month time.Month) float64 {
	switch {
	case (code == "tutoring" || code == "childcare") && (month == time.July || month == time.August):
		return 4
	case (code == "goods" || code == "haircut" || code == "elderly_visit") && (month == time.January || month == time.February):
		return 2.5
	case code == "cleaning" && month == time.April:
		return 2
	}
	return 1
}

func pickCategory(r *rand.Rand, cats []categoryWeight, month time.Month) categoryWeight {
	total := 0.0
	for _, c := range cats {
		total += c.weight * seasonCategory(c.code, month)
	}
	x := r.Float64() * total
	for _, c := range cats {
		x -= c.weight * seasonCategory(c.code, month)
		if x < 0 {
			return c
		}
	}
	return cats[len(cats)-1]
}

// stochasticRound rounds x up with probability equal to its fraction, so small scales still see
// the rare kinds over a year.
func stochasticRound(r *rand.Rand, x float64) int {
	n := math.Floor(x)
	if r.Float64() < x-n {
		n++
	}
	return int(n)
}

// posting is one demand a resident or office will post at a time.
type posting struct {
	at        time.Time
	d         catalog.Demand
	community int
	requester int // resident index, -1 for an office
}

// planPostings generates the demands posted in the calendar month starting at monthStart.
func (w *world) planPostings(r *rand.Rand, scale float64, monthStart time.Time, tax *catalog.Taxonomy) []posting {
	month := monthStart.Month()
	days := monthStart.AddDate(0, 1, 0).Sub(monthStart).Hours() / 24
	var out []posting
	kinds := []struct {
		kind  catalog.DemandKind
		count float64
		cats  []categoryWeight
	}{
		{catalog.Wish, wishesPerMonth * seasonWishes[month-1], wishCategories},
		{catalog.PracticalMatter, practicalMattersPerMonth * seasonMatters[month-1], matterCategories},
		{catalog.MajorItem, majorItemsPerMonth, majorCategories},
		{catalog.Project, projectsPerMonth, projectCategories},
	}
	for _, k := range kinds {
		n := stochasticRound(r, k.count*scale*(0.9+0.2*r.Float64()))
		for range n {
			at := monthStart.Add(time.Duration(r.Float64()*(days-1)*24)*time.Hour + time.Duration(8+r.IntN(13))*time.Hour + time.Duration(r.IntN(3600))*time.Second)
			out = append(out, w.makePosting(r, k.kind, pickCategory(r, k.cats, month), at, monthStart, tax))
		}
	}
	return out
}

func (w *world) pickRequester(r *rand.Rand, c int, g requesterGroup) int {
	com := &w.communities[c]
	pool := com.residents
	switch g {
	case groupElderly:
		if len(com.elderly) > 0 && r.Float64() < 0.85 {
			pool = com.elderly
		}
	case groupParents:
		if len(com.parents) > 0 {
			pool = com.parents
		}
	case groupPriority:
		if len(com.priority) > 0 && r.Float64() < 0.7 {
			pool = com.priority
		}
	}
	if len(com.priority) > 0 && r.Float64() < 0.15 {
		pool = com.priority // priority residents (重点人群) post more than their share
	}
	return pool[r.IntN(len(pool))]
}

func (w *world) makePosting(r *rand.Rand, kind catalog.DemandKind, cat categoryWeight, at, monthStart time.Time, tax *catalog.Taxonomy) posting {
	c := w.pickCommunity(r)
	com := &w.communities[c]
	category, _ := tax.Category(cat.code)
	p := posting{at: at, community: c, requester: -1}
	d := catalog.Demand{Kind: kind, Category: cat.code, Status: catalog.StatusOpen, Headcount: 1}
	office := catalog.RequesterRef{ID: com.segment + "-office", Name: com.name + "居委会"}
	switch kind {
	case catalog.Wish:
		ri := w.pickRequester(r, c, cat.group)
		res := &w.residents[ri]
		b := w.buildings[res.building]
		p.requester = ri
		d.Requester = catalog.RequesterRef{ID: res.id, Name: res.name}
		d.Location = catalog.Location{Grid: b.path, At: b.at}
		d.Priority = res.priority
		d.Title = fmt.Sprintf("%s的微心愿：%s", res.name, category.Name)
		switch x := r.Float64(); {
		case x < 0.08:
			d.Headcount = 2
		case x < 0.10:
			d.Headcount = 3
		}
		// Wishes stay on the demand list for two boards and two dispatch rounds.
		d.Deadline = monthStart.AddDate(0, 2, 14)
	case catalog.PracticalMatter:
		g := com.grids[r.IntN(len(com.grids))]
		d.Requester = catalog.RequesterRef{ID: fmt.Sprintf("%s-grid%d", com.segment, g), Name: w.grids[g].path.Segments()[2] + "网格员"}
		d.Location = catalog.Location{Grid: w.grids[g].path, At: w.grids[g].center}
		d.Title = fmt.Sprintf("%s微实事：%s", w.grids[g].path.Segments()[2], category.Name)
		d.Headcount = 1 + r.IntN(3)
		d.Deadline = monthStart.AddDate(0, 2, 14)
	case catalog.MajorItem, catalog.Project:
		d.Requester = office
		d.Location = catalog.Location{Grid: com.path, At: com.center}
		d.Headcount = 1 + r.IntN(2)
		d.Title = fmt.Sprintf("%s大事项：%s", com.name, category.Name)
		if kind == catalog.Project {
			d.Headcount = 1
			d.Title = fmt.Sprintf("%s微创投项目：%s", com.name, category.Name)
			d.Budget = decimal.NewFromInt(int64(budgetYuanMin/1000+r.IntN((budgetYuanMax-budgetYuanMin)/1000+1)) * 1000)
		}
		// Big items wait for the next quarterly board, then one more.
		d.Deadline = quarterStart(monthStart).AddDate(0, 6, 14)
	}
	if kind == catalog.Wish || kind == catalog.PracticalMatter {
		switch x := r.Float64(); {
		case x < 0.01:
			d.Urgency = catalog.UrgencyEmergency
		case x < 0.08:
			d.Urgency = catalog.UrgencyUrgent
		}
	}
	p.d = d
	return p
}

// quarterStart returns the first day of t's quarter.
func quarterStart(t time.Time) time.Time {
	m := (int(t.Month())-1)/3*3 + 1
	return time.Date(t.Year(), time.Month(m), 1, 0, 0, 0, 0, t.Location())
}

// retarget gives a wish posting another requester: the resident's name, building and priority
// flags replace the first one's.
func (w *world) retarget(p *posting, ri int) {
	res := &w.residents[ri]
	b := w.buildings[res.building]
	category := p.d.Title[strings.LastIndex(p.d.Title, "：")+len("："):]
	p.requester, p.community = ri, res.community
	p.d.Requester = catalog.RequesterRef{ID: res.id, Name: res.name}
	p.d.Location = catalog.Location{Grid: b.path, At: b.at}
	p.d.Priority = res.priority
	p.d.Title = fmt.Sprintf("%s的微心愿：%s", res.name, category)
}
