package catalog_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
)

func TestDefaultTaxonomy(t *testing.T) {
	tax := catalog.DefaultTaxonomy()
	for _, code := range []string{"repair", "haircut", "legal", "health", "elderly_visit", "elderly_meal", "tutoring",
		"childcare", "cleaning", "culture_sport", "job_training", "goods"} {
		c, ok := tax.Category(code)
		require.True(t, ok, code)
		assert.NotEmpty(t, c.Name)
		assert.NotEmpty(t, c.Skills)
		assert.Positive(t, c.DefaultMinutes)
	}
	big, ok := tax.Category("renovation")
	require.True(t, ok)
	assert.True(t, big.BigItem)
	assert.True(t, tax.Within("repair_electric", "repair"))
	assert.False(t, tax.Within("haircut", "repair"))

	data, err := json.Marshal(tax)
	require.NoError(t, err)
	back, err := catalog.ParseTaxonomy(data)
	require.NoError(t, err)
	assert.Equal(t, tax.Categories(), back.Categories(), "JSON round trip")
}

func TestTaxonomyFunctions(t *testing.T) {
	tax := catalog.DefaultTaxonomy()
	cases := []struct {
		code string
		want []catalog.Function
	}{
		{"renovation", []catalog.Function{catalog.FunctionHousing, catalog.FunctionUrbanManagement}},
		{"public_space", []catalog.Function{catalog.FunctionUrbanManagement, catalog.FunctionEnvironment}},
		{"dispute", []catalog.Function{catalog.FunctionLegalAid, catalog.FunctionCivilAffairs}},
		{"service_project", []catalog.Function{catalog.FunctionCivilAffairs, catalog.FunctionCulture}},
		{"legal", []catalog.Function{catalog.FunctionLegalAid}},
		{"health", []catalog.Function{catalog.FunctionHealth}},
		{"job_training", []catalog.Function{catalog.FunctionEmployment}},
		{"cleaning", []catalog.Function{catalog.FunctionEnvironment}},
		{"haircut", nil},
	}
	for _, tc := range cases {
		c, ok := tax.Category(tc.code)
		require.True(t, ok, tc.code)
		assert.Equal(t, tc.want, c.Functions, tc.code)
	}

	// Functions survive a JSON round trip, are left out when empty, and are copies.
	in := `[{"code":"garden","name":"园艺","skills":["gardening"],"default_minutes":60,"big_item":false,"functions":["urban_management","environment"]},
	        {"code":"trees","name":"修剪","parent":"garden","skills":["gardening"],"default_minutes":90}]`
	own, err := catalog.ParseTaxonomy([]byte(in))
	require.NoError(t, err)
	data, err := json.Marshal(own)
	require.NoError(t, err)
	assert.Contains(t, string(data), `"functions":["urban_management","environment"]`)
	assert.Equal(t, 1, strings.Count(string(data), `"functions"`), "omitted when empty")
	back, err := catalog.ParseTaxonomy(data)
	require.NoError(t, err)
	assert.Equal(t, own.Categories(), back.Categories())
	c, _ := own.Category("garden")
	c.Functions[0] = "changed"
	c, _ = own.Category("garden")
	assert.Equal(t, catalog.FunctionUrbanManagement, c.Functions[0], "Category returns a copy")
}

func TestTaxonomyEligible(t *testing.T) {
	tax := catalog.DefaultTaxonomy()
	at := catalog.Location{Grid: "幸福街道/阳光社区/1网格"}
	project := catalog.Demand{Kind: catalog.Project, Category: "renovation", Skills: []catalog.Skill{"construction"},
		Requester: catalog.RequesterRef{ID: "r1"}, Location: at}
	wish := catalog.Demand{Kind: catalog.Wish, Category: "legal", Skills: []catalog.Skill{"legal_advice"},
		Requester: catalog.RequesterRef{ID: "r1"}, Location: at}
	provider := func(k catalog.ProviderKind, fns ...catalog.Function) catalog.Provider {
		return catalog.Provider{Kind: k, Name: "p", Functions: fns, Home: "幸福街道/阳光社区/2网格"}
	}
	cases := []struct {
		name       string
		d          catalog.Demand
		p          catalog.Provider
		plain, tax error // catalog.Eligible, Taxonomy.Eligible
	}{
		{"unit by function", project, provider(catalog.Unit, catalog.FunctionHousing), catalog.ErrIneligible, nil},
		{"social org by function", project, provider(catalog.SocialOrg, catalog.FunctionUrbanManagement), catalog.ErrIneligible, nil},
		{"unit, other function", project, provider(catalog.Unit, catalog.FunctionEducation), catalog.ErrIneligible, catalog.ErrIneligible},
		{"unit without functions", project, provider(catalog.Unit), catalog.ErrIneligible, catalog.ErrIneligible},
		{"volunteer on a project", project, provider(catalog.Volunteer, catalog.FunctionHousing), catalog.ErrIneligible, catalog.ErrIneligible},
		{"volunteer on a wish", wish, provider(catalog.Volunteer, catalog.FunctionLegalAid), catalog.ErrIneligible, catalog.ErrIneligible},
		{"unit on a wish by function", wish, provider(catalog.Unit, catalog.FunctionLegalAid), catalog.ErrIneligible, nil},
		{"outside the area", project, func() catalog.Provider {
			p := provider(catalog.Unit, catalog.FunctionHousing)
			p.Home = "幸福街道/和平社区"
			return p
		}(), catalog.ErrIneligible, catalog.ErrIneligible},
		{"own demand", project, func() catalog.Provider {
			p := provider(catalog.Team, catalog.FunctionHousing)
			p.Members = []catalog.Member{{PersonID: "r1"}}
			return p
		}(), catalog.ErrSelfClaim, catalog.ErrSelfClaim},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			check := func(err, want error) {
				t.Helper()
				if want == nil {
					assert.NoError(t, err)
				} else {
					assert.ErrorIs(t, err, want)
				}
			}
			check(catalog.Eligible(tc.d, tc.p), tc.plain)
			check(tax.Eligible(tc.d, tc.p), tc.tax)
			var none *catalog.Taxonomy
			check(none.Eligible(tc.d, tc.p), tc.tax)
		})
	}
}

func TestLoadTaxonomy(t *testing.T) {
	ok := `[{"code":"garden","name":"园艺","skills":["gardening"],"default_minutes":60},
	        {"code":"trees","name":"修剪","parent":"garden","skills":["gardening"],"default_minutes":90}]`
	tax, err := catalog.LoadTaxonomy(strings.NewReader(ok))
	require.NoError(t, err)
	assert.Len(t, tax.Categories(), 2)

	bad := map[string]string{
		"not JSON":       `{`,
		"empty":          `[]`,
		"bad code":       `[{"code":"Garden","name":"x"}]`,
		"repeated":       `[{"code":"a","name":"x"},{"code":"a","name":"y"}]`,
		"no name":        `[{"code":"a"}]`,
		"unknown parent": `[{"code":"a","name":"x","parent":"b"}]`,
		"cycle":          `[{"code":"a","name":"x","parent":"b"},{"code":"b","name":"y","parent":"a"}]`,
		"bad skill":      `[{"code":"a","name":"x","skills":["Bad Skill"]}]`,
		"bad function":   `[{"code":"a","name":"x","functions":["Legal Aid"]}]`,
		"many functions": `[{"code":"a","name":"x","functions":["f0","f1","f2","f3","f4","f5","f6","f7","f8","f9","f10","f11","f12","f13","f14","f15","f16"]}]`,
		"minutes":        `[{"code":"a","name":"x","default_minutes":-1}]`,
	}
	for name, in := range bad {
		t.Run(name, func(t *testing.T) {
			_, err := catalog.LoadTaxonomy(strings.NewReader(in))
			assert.ErrorIs(t, err, catalog.ErrInvalid)
		})
	}
}

func TestAvailability(t *testing.T) {
	a, err := catalog.ParseAvailability("mon 9-12; 周六 8-18、sun 0-24")
	require.NoError(t, err)
	assert.Equal(t, 3+10+24, a.Hours())
	assert.Equal(t, "sun 0-24; mon 9-12; sat 8-18", a.String())
	back, err := catalog.ParseAvailability(a.String())
	require.NoError(t, err)
	assert.Equal(t, a, back)
	any, err := catalog.ParseAvailability("")
	require.NoError(t, err)
	assert.True(t, any.IsZero())
	for _, bad := range []string{"mon", "funday 1-2", "mon 5-3", "mon 0-25", "mon a-b"} {
		_, err := catalog.ParseAvailability(bad)
		assert.ErrorIs(t, err, catalog.ErrInvalid, bad)
	}
}

// ParseTaxonomy documents that unknown fields are refused: a misspelt "skill" must not leave
// a category silently without skills.
func TestParseTaxonomyRefusesUnknownField(t *testing.T) {
	_, err := catalog.ParseTaxonomy([]byte(`[{"code":"a","name":"x","skill":["haircut"]}]`))
	require.ErrorIs(t, err, catalog.ErrInvalid)
	_, err = catalog.ParseTaxonomy([]byte(`[{"code":"a","name":"x"}] [`))
	require.ErrorIs(t, err, catalog.ErrInvalid, "data after the array")
	_, err = catalog.ParseTaxonomy([]byte(" [{\"code\":\"a\",\"name\":\"x\"}]\n"))
	require.NoError(t, err, "surrounding space is fine")
}

// A category whose skills repeat would make every demand of it that takes the default skills
// fail CreateDemand ("skill repeated"); the taxonomy refuses it when built.
func TestTaxonomyRefusesRepeatedSkill(t *testing.T) {
	_, err := catalog.NewTaxonomy([]catalog.Category{{Code: "a", Name: "x", Skills: []catalog.Skill{"haircut", "haircut"}}})
	require.ErrorIs(t, err, catalog.ErrInvalid)
}

// TestEligibleDispatchedToOthers: Claim refuses a provider a demand was not dispatched to
// (ErrIneligible, "dispatched to others"), and Taxonomy.Eligible says it applies Claim's rules,
// but both Eligible functions admitted any skilled provider in the area to a dispatched demand.
func TestEligibleDispatchedToOthers(t *testing.T) {
	at := catalog.Location{Grid: "幸福街道/阳光社区/1网格"}
	p := catalog.Provider{ID: uuid.New(), Kind: catalog.Volunteer, Name: "p", Skills: []catalog.Skill{"haircut"}, Home: "幸福街道/阳光社区/2网格"}
	d := catalog.Demand{Kind: catalog.Wish, Category: "haircut", Skills: []catalog.Skill{"haircut"},
		Requester: catalog.RequesterRef{ID: "r1"}, Location: at}
	require.NoError(t, catalog.Eligible(d, p), "on a board")
	d.DispatchedTo = []uuid.UUID{uuid.New()}
	assert.ErrorIs(t, catalog.Eligible(d, p), catalog.ErrIneligible)
	assert.ErrorIs(t, catalog.DefaultTaxonomy().Eligible(d, p), catalog.ErrIneligible)
	d.DispatchedTo = append(d.DispatchedTo, p.ID)
	assert.NoError(t, catalog.Eligible(d, p), "dispatched to it")
	assert.NoError(t, catalog.DefaultTaxonomy().Eligible(d, p))
}
