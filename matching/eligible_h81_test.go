package matching_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"pgregory.net/rapid"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/matching"
)

// TestOffersPassCatalogEligibleH81 checks, on tiny random districts, that every pairing the
// Matcher offers (a Plan's assignments, SuggestProviders' and SuggestDemands' lists) is one
// catalog.Claim would accept from the provider: Taxonomy.Eligible (the rule Claim applies,
// with the DefaultScorer's taxonomy as the catalog's) passes and the provider has a free
// place. Routers: the default, RouterForTaxonomy, none, and custom ones that list functions
// by category with no provider kinds (the taxonomy's functions, or others).
func TestOffersPassCatalogEligibleH81(t *testing.T) {
	taxonomy := catalog.DefaultTaxonomy()
	rapid.Check(t, func(t *rapid.T) {
		demands, providers, now := tinyWorld(t)
		// Categories with functions in the default taxonomy, so function fits happen.
		for i := range demands {
			if rapid.Bool().Draw(t, "function category") {
				demands[i].Category = rapid.SampledFrom([]string{"legal", "renovation", "dispute"}).Draw(t, "category")
			}
		}
		for j := range providers {
			if rapid.Bool().Draw(t, "taxonomy function") {
				providers[j].Functions = append(providers[j].Functions,
					rapid.SampledFrom([]catalog.Function{catalog.FunctionLegalAid, catalog.FunctionHousing, "civil_affairs"}).Draw(t, "function"))
			}
		}
		opts := matching.Options{
			Objective: matching.Objective(rapid.IntRange(0, 2).Draw(t, "objective")),
			Now:       func() time.Time { return now },
		}
		switch rapid.IntRange(0, 4).Draw(t, "router") {
		case 1:
			r := matching.RouterForTaxonomy(taxonomy)
			opts.Router = &r
		case 2:
			opts.Router = &matching.Router{}
		case 3:
			// Functions the taxonomy lists, but any provider kind.
			opts.Router = &matching.Router{Rules: []matching.Rule{{Name: "by-function",
				DemandKinds: []catalog.DemandKind{catalog.Wish, catalog.PracticalMatter, catalog.MajorItem, catalog.Project},
				FunctionsByCategory: map[string][]catalog.Function{
					"legal": {catalog.FunctionLegalAid}, "renovation": {catalog.FunctionHousing}, "dispute": {"civil_affairs"}}}}}
		case 4:
			// Functions the taxonomy does not list for the category.
			opts.Router = &matching.Router{Rules: []matching.Rule{{Name: "by-function",
				DemandKinds: []catalog.DemandKind{catalog.Wish, catalog.PracticalMatter, catalog.MajorItem, catalog.Project},
				FunctionsByCategory: map[string][]catalog.Function{
					"repair": {catalog.FunctionHousing}, "": {catalog.FunctionLegalAid}, "legal": {catalog.FunctionHousing}}}}}
		}
		if rapid.Bool().Draw(t, "scorer by pointer") {
			opts.Scorer = &matching.DefaultScorer{}
		}
		demandByID := make(map[uuid.UUID]*catalog.Demand)
		for i := range demands {
			demandByID[demands[i].ID] = &demands[i]
		}
		providerByID := make(map[uuid.UUID]*catalog.Provider)
		for j := range providers {
			providerByID[providers[j].ID] = &providers[j]
		}
		check := func(what string, d *catalog.Demand, p *catalog.Provider) {
			if err := taxonomy.Eligible(*d, *p); err != nil {
				t.Fatalf("%s offers demand %s (kind %v, category %q, skills %v) to provider %s (kind %v, skills %v, functions %v), which catalog refuses: %v",
					what, d.ID, d.Kind, d.Category, d.Skills, p.ID, p.Kind, p.Skills, p.Functions, err)
			}
			if p.Active >= p.Capacity {
				t.Fatalf("%s offers demand %s to provider %s with no free place", what, d.ID, p.ID)
			}
		}
		m, err := matching.NewMatcher(demands, providers, opts)
		if err != nil {
			t.Fatal(err)
		}
		res, err := m.Plan(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range res.Assignments {
			check("Plan", demandByID[a.DemandID], providerByID[a.ProviderID])
		}
		for i := range demands {
			list, err := m.SuggestProviders(demands[i].ID, matching.SuggestMax)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range list {
				check("SuggestProviders", &demands[i], providerByID[s.ID])
			}
		}
		for j := range providers {
			list, err := m.SuggestDemands(providers[j].ID, matching.SuggestMax)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range list {
				check("SuggestDemands", demandByID[s.ID], &providers[j])
			}
		}
	})
}

// TestFunctionFitAsCatalogH81: under a router that lists functions by category for any
// provider kind, DefaultScorer let a volunteer with the function fit (catalog.Claim admits
// only an organisation by function) and let an organisation fit by a function the taxonomy
// does not list for the category (Claim refuses it too). Plan assigned both.
func TestFunctionFitAsCatalogH81(t *testing.T) {
	taxonomy := catalog.DefaultTaxonomy()
	router := matching.Router{Rules: []matching.Rule{{Name: "by-function",
		DemandKinds: []catalog.DemandKind{catalog.Wish},
		FunctionsByCategory: map[string][]catalog.Function{
			"legal": {catalog.FunctionLegalAid, catalog.FunctionHousing}}}}}
	demand := catalog.Demand{ID: uuid.New(), Kind: catalog.Wish, Category: "legal", Skills: []catalog.Skill{"legal_advice"}, Headcount: 1,
		Status: catalog.StatusOpen, Location: catalog.Location{Grid: "S/C1/G1"}}
	provider := func(kind catalog.ProviderKind, f catalog.Function) catalog.Provider {
		return catalog.Provider{ID: uuid.New(), Kind: kind, Home: "S/C1/G1", Capacity: 1,
			Functions: []catalog.Function{f}}
	}
	for _, tc := range []struct {
		name string
		p    catalog.Provider
		fits bool
	}{
		{"volunteer with the taxonomy's function", provider(catalog.Volunteer, catalog.FunctionLegalAid), false},
		{"unit with a function the taxonomy does not list", provider(catalog.Unit, catalog.FunctionHousing), false},
		{"unit with the taxonomy's function", provider(catalog.Unit, catalog.FunctionLegalAid), true},
		{"team with the taxonomy's function", provider(catalog.Team, catalog.FunctionLegalAid), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := taxonomy.Eligible(demand, tc.p); (err == nil) != tc.fits {
				t.Fatalf("catalog: %v, want eligible %v", err, tc.fits)
			}
			fit := matching.DefaultScorer{}.Score(matching.Candidate{Demand: &demand, Provider: &tc.p, Route: router.Route(&demand)}, true)
			if fit.Eligible() != tc.fits {
				t.Fatalf("DefaultScorer: %+v, want eligible %v", fit, tc.fits)
			}
			if !tc.fits && fit.Reason != matching.ReasonNoSkill {
				t.Fatalf("reason %v, want %v", fit.Reason, matching.ReasonNoSkill)
			}
			res, err := matching.Plan(context.Background(), []catalog.Demand{demand}, []catalog.Provider{tc.p}, matching.Options{Router: &router})
			if err != nil {
				t.Fatal(err)
			}
			if got := len(res.Assignments) == 1; got != tc.fits {
				t.Fatalf("Plan assigned %v, want %v: %+v", got, tc.fits, res)
			}
		})
	}
}

// TestRouterForTaxonomyFunctionFitH81: a community's own taxonomy lists a function for a
// category the default taxonomy lacks; under RouterForTaxonomy with the default scorer, a
// unit with the function fits the category's big item without the skills (catalog.Claim on
// that taxonomy admits it), and a volunteer with it does not.
func TestRouterForTaxonomyFunctionFitH81(t *testing.T) {
	own, err := catalog.ParseTaxonomy([]byte(`[
	  {"code":"park","name":"公园改造","skills":["construction"],"default_minutes":6000,"big_item":true,"functions":["urban_management"]}]`))
	if err != nil {
		t.Fatal(err)
	}
	router := matching.RouterForTaxonomy(own)
	demand := catalog.Demand{ID: uuid.UUID{'d'}, Kind: catalog.PracticalMatter, Category: "park", Skills: []catalog.Skill{"construction"},
		Headcount: 2, Status: catalog.StatusOpen, Location: catalog.Location{Grid: "S/C1/G1"}}
	unit := catalog.Provider{ID: uuid.UUID{'u'}, Kind: catalog.Unit, Home: "S/C1/G1", Capacity: 1,
		Functions: []catalog.Function{catalog.FunctionUrbanManagement}}
	volunteer := unit
	volunteer.ID, volunteer.Kind = uuid.UUID{'v'}, catalog.Volunteer
	for _, p := range []catalog.Provider{unit, volunteer} {
		if err := own.Eligible(demand, p); (err == nil) != (p.Kind == catalog.Unit) {
			t.Fatalf("catalog on provider %v: %v", p.Kind, err)
		}
	}
	for _, opts := range []matching.Options{{Router: &router}, {Router: &router, Scorer: matching.DefaultScorer{Taxonomy: own}}} {
		res, err := matching.Plan(context.Background(), []catalog.Demand{demand}, []catalog.Provider{unit, volunteer}, opts)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Assignments) != 1 || res.Assignments[0].ProviderID != unit.ID {
			t.Fatalf("scorer %T: assignments %+v, want the unit alone", opts.Scorer, res.Assignments)
		}
	}
}
