package matching_test

import (
	"testing"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/matching"
)

// TestDefaultRouterFunctions pins the function table DefaultRouter reads from the default
// taxonomy to the one it carried before the taxonomy held it, and checks that every unit it
// routes a big item to by function is one catalog's Claim admits.
func TestDefaultRouterFunctions(t *testing.T) {
	r := matching.DefaultRouter()
	if r.Taxonomy != nil {
		t.Fatal("DefaultRouter names a taxonomy; want nil (the default)")
	}
	want := map[string][]catalog.Function{
		"renovation":      {catalog.FunctionHousing, catalog.FunctionUrbanManagement},
		"public_space":    {catalog.FunctionUrbanManagement, catalog.FunctionEnvironment},
		"dispute":         {catalog.FunctionLegalAid, catalog.FunctionCivilAffairs},
		"service_project": {catalog.FunctionCivilAffairs, catalog.FunctionCulture},
		"legal":           {catalog.FunctionLegalAid},
		"health":          {catalog.FunctionHealth},
		"job_training":    {catalog.FunctionEmployment},
		"cleaning":        {catalog.FunctionEnvironment},
	}
	if len(r.Rules) != 2 {
		t.Fatalf("%d rules, want 2", len(r.Rules))
	}
	equal(t, want, r.Rules[0].FunctionsByCategory, "functions by category")
	equal(t, map[string][]catalog.Function(nil), r.Rules[1].FunctionsByCategory, "small matters by skill only")

	tax := catalog.DefaultTaxonomy()
	for code, fns := range want {
		d := catalog.Demand{Kind: catalog.Project, Category: code, Skills: []catalog.Skill{"no_one_has_this"},
			Requester: catalog.RequesterRef{ID: "r1"}, Location: catalog.Location{Grid: "街道/社区/网格"}}
		route := r.Route(&d)
		equal(t, fns, route.Functions, code)
		for _, f := range route.Functions {
			u := catalog.Provider{Kind: catalog.Unit, Name: "单位", Functions: []catalog.Function{f}, Home: "街道/社区"}
			if err := tax.Eligible(d, u); err != nil {
				t.Errorf("%s: a unit routed by function %s is refused: %v", code, f, err)
			}
		}
	}
}

func TestRouterForTaxonomy(t *testing.T) {
	own, err := catalog.ParseTaxonomy([]byte(`[
	  {"code":"garden","name":"园艺","skills":["gardening"],"default_minutes":60},
	  {"code":"park","name":"公园改造","skills":["construction"],"default_minutes":6000,"big_item":true,"functions":["urban_management"]},
	  {"code":"pond","name":"池塘","parent":"park","skills":["construction"],"default_minutes":600,"big_item":true}]`))
	if err != nil {
		t.Fatal(err)
	}
	r := matching.RouterForTaxonomy(own)
	if r.Taxonomy != own {
		t.Fatal("router does not carry its taxonomy")
	}
	tests := []struct {
		name      string
		demand    catalog.Demand
		rule      string
		functions []catalog.Function
	}{
		{"big item of the community's tree", catalog.Demand{Kind: catalog.Wish, Category: "park"}, "big-matters-to-units",
			[]catalog.Function{catalog.FunctionUrbanManagement}},
		{"child without functions of its own", catalog.Demand{Kind: catalog.Wish, Category: "pond"}, "big-matters-to-units", nil},
		{"small matter", catalog.Demand{Kind: catalog.Wish, Category: "garden"}, "small-matters-in-grid", nil},
		{"default taxonomy's big item is not one here", catalog.Demand{Kind: catalog.Wish, Category: "renovation"}, "small-matters-in-grid", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			route := r.Route(&tt.demand)
			equal(t, tt.rule, route.Rule, "rule")
			equal(t, tt.functions, route.Functions, "functions")
		})
	}
	equal(t, matching.DefaultRouter().Rules, matching.RouterForTaxonomy(nil).Rules, "nil taxonomy is the default")
}
