package catalog_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/catalog/memstore"
	"github.com/tongxin/tongxin/catalog/storetest"
)

// The table must hold exactly the design's main path and side exits.
func TestTransitionTable(t *testing.T) {
	main := []struct {
		from   catalog.Status
		action catalog.Action
		to     catalog.Status
	}{
		{catalog.StatusDraft, catalog.ActionSubmit, catalog.StatusOpen},
		{catalog.StatusOpen, catalog.ActionPublish, catalog.StatusPublished},
		{catalog.StatusOpen, catalog.ActionDispatch, catalog.StatusDispatched},
		{catalog.StatusPublished, catalog.ActionClaim, catalog.StatusAccepted},
		{catalog.StatusDispatched, catalog.ActionClaim, catalog.StatusClaimed},
		{catalog.StatusClaimed, catalog.ActionClaim, catalog.StatusAccepted},
		{catalog.StatusAccepted, catalog.ActionStart, catalog.StatusInProgress},
		{catalog.StatusInProgress, catalog.ActionComplete, catalog.StatusCompleted},
		{catalog.StatusCompleted, catalog.ActionRate, catalog.StatusRated},
		{catalog.StatusRated, catalog.ActionAudit, catalog.StatusAudited},
		{catalog.StatusAudited, catalog.ActionAward, catalog.StatusAwarded},
		{catalog.StatusRated, catalog.ActionAudit, catalog.StatusAwarded}, // every provider rejected
		{catalog.StatusAccepted, catalog.ActionWithdraw, catalog.StatusPublished},
		{catalog.StatusPublished, catalog.ActionExpire, catalog.StatusExpired},
		{catalog.StatusInProgress, catalog.ActionCancel, catalog.StatusCancelled},
	}
	for _, e := range main {
		assert.True(t, catalog.CanTransition(e.from, e.action, e.to), "%s -%s-> %s", e.from, e.action, e.to)
	}
	forbidden := []struct {
		from   catalog.Status
		action catalog.Action
	}{
		{catalog.StatusDraft, catalog.ActionClaim},
		{catalog.StatusOpen, catalog.ActionClaim},
		{catalog.StatusCompleted, catalog.ActionCancel},
		{catalog.StatusClaimed, catalog.ActionExpire},
		{catalog.StatusInProgress, catalog.ActionWithdraw},
		{catalog.StatusOpen, catalog.ActionAudit},
	}
	for _, e := range forbidden {
		assert.False(t, catalog.Allows(e.from, e.action), "%s -%s->", e.from, e.action)
	}
	for _, tr := range catalog.Transitions() {
		assert.False(t, tr.From.Terminal(), "nothing leaves a terminal status: %v", tr)
		assert.True(t, tr.From.Valid() && tr.To.Valid() && tr.Action.Valid(), "%v", tr)
	}
	// Every status is reachable from Draft.
	reach := map[catalog.Status]bool{catalog.StatusDraft: true}
	for changed := true; changed; {
		changed = false
		for _, tr := range catalog.Transitions() {
			if reach[tr.From] && !reach[tr.To] {
				reach[tr.To], changed = true, true
			}
		}
	}
	for s := catalog.StatusDraft; s.Valid(); s++ {
		assert.True(t, reach[s], "%s unreachable", s)
	}
}

func TestCreateDemandValidation(t *testing.T) {
	ctx := context.Background()
	valid := storetest.Wish("r1")
	tests := map[string]func(d *catalog.Demand){
		"no kind":          func(d *catalog.Demand) { d.Kind = 0 },
		"no title":         func(d *catalog.Demand) { d.Title = "" },
		"title too long":   func(d *catalog.Demand) { d.Title = string(make([]byte, catalog.TitleBytesMax+1)) },
		"unknown category": func(d *catalog.Demand) { d.Category = "nope" },
		"no requester":     func(d *catalog.Demand) { d.Requester.ID = "" },
		"street only":      func(d *catalog.Demand) { d.Location.Grid = "幸福街道" },
		"bad grid":         func(d *catalog.Demand) { d.Location.Grid = "a//b" },
		"bad coordinates":  func(d *catalog.Demand) { d.Location.At = catalog.Coordinates{Lat: 100, Lng: 1} },
		"bad skill":        func(d *catalog.Demand) { d.Skills = []catalog.Skill{"Bad"} },
		"repeated skill":   func(d *catalog.Demand) { d.Skills = []catalog.Skill{"haircut", "haircut"} },
		"headcount":        func(d *catalog.Demand) { d.Headcount = catalog.HeadcountMax + 1 },
		"negative minutes": func(d *catalog.Demand) { d.EstimatedMinutes = -1 },
		"inverted window": func(d *catalog.Demand) {
			d.Window.Start = time.Date(2026, 5, 2, 9, 0, 0, 0, time.UTC)
			d.Window.End = d.Window.Start.Add(-time.Hour)
		},
		"priority flags":    func(d *catalog.Demand) { d.Priority = 1 << 7 },
		"urgency":           func(d *catalog.Demand) { d.Urgency = 9 },
		"budget on a wish":  func(d *catalog.Demand) { d.Budget = decimal.NewFromInt(5) },
		"project no budget": func(d *catalog.Demand) { d.Kind = catalog.Project },
		"budget decimals":   func(d *catalog.Demand) { d.Kind, d.Budget = catalog.Project, decimal.RequireFromString("1.005") },
		"initial status":    func(d *catalog.Demand) { d.Status = catalog.StatusPublished },
	}
	for name, mutate := range tests {
		t.Run(name, func(t *testing.T) {
			c, f := newCatalog(t)
			d := valid.Clone()
			mutate(&d)
			_, err := c.CreateDemand(ctx, d, "operator")
			require.ErrorIs(t, err, catalog.ErrInvalid)
			page, err := f.Cat.Demands(ctx, catalog.DemandQuery{})
			require.NoError(t, err)
			assert.Empty(t, page.Demands, "nothing stored")
		})
	}
	c, _ := newCatalog(t)
	_, err := c.CreateDemand(ctx, valid, "")
	assert.ErrorIs(t, err, catalog.ErrInvalid, "no actor")
}

func TestProviderValidationAndUpdate(t *testing.T) {
	ctx := context.Background()
	tests := map[string]func(p *catalog.Provider){
		"no kind":           func(p *catalog.Provider) { p.Kind = 0 },
		"no name":           func(p *catalog.Provider) { p.Name = "" },
		"members on person": func(p *catalog.Provider) { p.Members = []catalog.Member{{PersonID: "x"}} },
		"bad function":      func(p *catalog.Provider) { p.Functions = []catalog.Function{"Legal Aid"} },
		"bad home":          func(p *catalog.Provider) { p.Home = "" },
		"bad area":          func(p *catalog.Provider) { p.ServiceArea = []catalog.GridPath{"a//b"} },
		"capacity":          func(p *catalog.Provider) { p.Capacity = -1 },
		"rating":            func(p *catalog.Provider) { p.RatingSum, p.RatingCount = 11, 2 },
	}
	for name, mutate := range tests {
		t.Run(name, func(t *testing.T) {
			c, _ := newCatalog(t)
			p := storetest.Volunteer("v1")
			mutate(&p)
			_, err := c.RegisterProvider(ctx, p, "operator")
			require.ErrorIs(t, err, catalog.ErrInvalid)
		})
	}

	c, _ := newCatalog(t)
	p, err := c.RegisterProvider(ctx, storetest.Volunteer("v1"), "operator")
	require.NoError(t, err)
	stale := p
	p.Capacity = 5
	p, err = c.UpdateProvider(ctx, p)
	require.NoError(t, err)
	assert.Equal(t, uint64(2), p.Version)
	stale.Name = "other operator"
	_, err = c.UpdateProvider(ctx, stale)
	require.ErrorIs(t, err, catalog.ErrVersionConflict, "an update from an old read loses")
	got, err := c.Provider(ctx, p.ID)
	require.NoError(t, err)
	assert.Equal(t, 5, got.Capacity)
	_, err = c.UpdateProvider(ctx, catalog.Provider{ID: uuid.New(), Kind: catalog.Volunteer, Name: "x", Home: "s"})
	assert.ErrorIs(t, err, catalog.ErrNotFound)
}

func TestQueryLimits(t *testing.T) {
	ctx := context.Background()
	c, _ := newCatalog(t)
	_, err := c.Demands(ctx, catalog.DemandQuery{Limit: catalog.PageSizeMax + 1})
	assert.ErrorIs(t, err, catalog.ErrInvalid)
	_, err = c.Demands(ctx, catalog.DemandQuery{Grid: "a//b"})
	assert.ErrorIs(t, err, catalog.ErrInvalid)
	_, err = c.Providers(ctx, catalog.ProviderQuery{Skill: "Bad Skill"})
	assert.ErrorIs(t, err, catalog.ErrInvalid)
	_, err = c.History(ctx, uuid.New(), 0, 0)
	assert.ErrorIs(t, err, catalog.ErrNotFound)
	_, err = c.Boards(ctx, catalog.BoardQuery{Limit: -1})
	assert.ErrorIs(t, err, catalog.ErrInvalid)
	assert.ElementsMatch(t, []string{"repair", "repair_electric", "repair_appliance"}, c.CategoryTree("repair"))
}

func FuzzParseAvailability(f *testing.F) {
	f.Add("mon 9-12; 周六 8-18")
	f.Add("any")
	f.Fuzz(func(t *testing.T, s string) {
		a, err := catalog.ParseAvailability(s)
		if err != nil {
			return
		}
		back, err := catalog.ParseAvailability(a.String())
		if err != nil || back != a {
			t.Fatalf("%q -> %q does not round-trip: %v", s, a.String(), err)
		}
	})
}

func FuzzParseTaxonomy(f *testing.F) {
	f.Add([]byte(`[{"code":"a","name":"x","skills":["s"],"default_minutes":5}]`))
	f.Add([]byte(`[{"code":"a","name":"x","parent":"b"},{"code":"b","name":"y","parent":"a"}]`))
	f.Add([]byte(`[{"code":"a","name":"x","big_item":true,"functions":["housing","legal_aid"]}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tax, err := catalog.ParseTaxonomy(data)
		if err != nil {
			return
		}
		for _, c := range tax.Categories() {
			if !tax.Within(c.Code, c.Code) {
				t.Fatalf("%q not within itself", c.Code)
			}
			for _, fn := range c.Functions {
				if catalog.Skill(fn).Validate() != nil {
					t.Fatalf("%q: malformed function %q accepted", c.Code, fn)
				}
			}
		}
	})
}

func TestStatusSets(t *testing.T) {
	assert.Equal(t, catalog.Statuses(catalog.StatusOpen, catalog.StatusPublished, catalog.StatusDispatched, catalog.StatusClaimed), catalog.OpenStatuses)
	assert.Equal(t, catalog.Statuses(catalog.StatusClaimed, catalog.StatusAccepted, catalog.StatusInProgress), catalog.ActiveStatuses)
	for s := catalog.StatusDraft; s.Valid(); s++ {
		assert.Equal(t, s.Claimable(), catalog.Statuses(catalog.StatusPublished, catalog.StatusDispatched, catalog.StatusClaimed).Has(s))
		back, err := catalog.ParseStatus(s.String())
		require.NoError(t, err)
		assert.Equal(t, s, back)
	}
	assert.Equal(t, "none", catalog.Status(0).String())
	assert.False(t, catalog.StatusSet(0xffff).Has(0), "the zero status is in no set")
}

// MarkAwarded documents ErrInvalid for a bad actor; the already-marked path must not skip it.
func TestMarkAwardedBadActorWhenMarked(t *testing.T) {
	ctx := context.Background()
	f := storetest.NewFixture(t, memstore.New())
	d := f.OpenWish(t, storetest.Wish("r1"))
	v := f.Register(t, storetest.Volunteer("v1"))
	f.Board(t, d.ID)
	c := f.Cat
	_, err := c.Claim(ctx, d.ID, v.ID, catalog.Act{Actor: "v1"})
	require.NoError(t, err)
	_, err = c.Start(ctx, d.ID, catalog.Act{Actor: "c"})
	require.NoError(t, err)
	_, err = c.Complete(ctx, d.ID, []catalog.WorkReport{{ProviderID: v.ID, Hours: hoursOf("1")}}, catalog.Act{Actor: "v1"})
	require.NoError(t, err)
	_, err = c.Audit(ctx, d.ID, []catalog.AuditDecision{{ProviderID: v.ID, Approved: true, Hours: hoursOf("1")}}, catalog.Act{Actor: "c"})
	require.NoError(t, err)
	_, err = c.MarkAwarded(ctx, d.ID, v.ID, "points")
	require.NoError(t, err)
	_, err = c.MarkAwarded(ctx, d.ID, v.ID, "")
	require.ErrorIs(t, err, catalog.ErrInvalid)
	_, err = c.MarkAwarded(ctx, d.ID, v.ID, "points")
	require.NoError(t, err, "a retry with a good actor stays idempotent")
}

// A typo'd category must filter everything out, not drop the filter: CategoryTree("repiar")
// used to return nil, and nil Categories means "any category".
func TestCategoryTreeUnknownCategoryMatchesNothing(t *testing.T) {
	ctx := context.Background()
	c, f := newCatalog(t)
	f.OpenWish(t, storetest.Wish("r1"))
	tree := c.CategoryTree("repiar")
	assert.Equal(t, []string{"repiar"}, tree)
	page, err := c.Demands(ctx, catalog.DemandQuery{Categories: tree})
	require.NoError(t, err)
	assert.Empty(t, page.Demands, "an unknown category matches no demand")
	tree = c.CategoryTree("")
	assert.Equal(t, []string{""}, tree)
	_, err = c.Demands(ctx, catalog.DemandQuery{Categories: tree})
	assert.ErrorIs(t, err, catalog.ErrInvalid, "no category code at all is refused, not \"any\"")
	assert.Equal(t, []string{"haircut"}, c.CategoryTree("haircut"), "a leaf is its own tree")
}

// A category filter that is no category code matches no stored demand, but PostgreSQL refused
// a NUL or invalid UTF-8 with a database error (SQLSTATE 22021) where memstore and SQLite
// answered an empty page. Demands refuses it with ErrInvalid before any store sees it, as
// Providers refuses a malformed skill.
func TestDemandsRefusesMalformedCategory(t *testing.T) {
	ctx := context.Background()
	c, f := newCatalog(t)
	f.OpenWish(t, storetest.Wish("r1"))
	for name, category := range map[string]string{
		"NUL": "hair\x00cut", "not UTF-8": "\xff", "upper case": "Haircut", "empty": "", "space": "haircut ",
		"too long": strings.Repeat("a", 33),
	} {
		_, err := c.Demands(ctx, catalog.DemandQuery{Categories: []string{"haircut", category}})
		assert.ErrorIs(t, err, catalog.ErrInvalid, name)
		var buf bytes.Buffer
		assert.ErrorIs(t, c.ExportDemands(ctx, &buf, catalog.DemandQuery{Categories: []string{category}}, catalog.CSVOptions{}), catalog.ErrInvalid, name)
	}
	page, err := c.Demands(ctx, catalog.DemandQuery{Categories: []string{"haircut", "repair"}})
	require.NoError(t, err)
	assert.Len(t, page.Demands, 1)
}

// A function filter that is no function code matches no stored provider (every stored
// function is a code), but PostgreSQL refused a NUL with a database error (SQLSTATE 22021)
// where memstore and SQLite answered an empty page. Providers refuses it with ErrInvalid, as
// it refuses a malformed skill and Demands a malformed category.
func TestProvidersRefusesMalformedFunction(t *testing.T) {
	ctx := context.Background()
	c, f := newCatalog(t)
	unit := storetest.Volunteer("u1")
	unit.Kind, unit.PersonID, unit.Functions = catalog.Unit, "", []catalog.Function{catalog.FunctionLegalAid}
	f.Register(t, unit)
	for name, function := range map[string]catalog.Function{
		"NUL": "legal\x00aid", "not UTF-8": "\xff", "upper case": "Legal_aid", "space": "legal aid",
		"too long": catalog.Function(strings.Repeat("a", 33)),
	} {
		_, err := c.Providers(ctx, catalog.ProviderQuery{Function: function})
		assert.ErrorIs(t, err, catalog.ErrInvalid, name)
		var buf bytes.Buffer
		assert.ErrorIs(t, c.ExportProviders(ctx, &buf, catalog.ProviderQuery{Function: function}, catalog.CSVOptions{}), catalog.ErrInvalid, name)
	}
	page, err := c.Providers(ctx, catalog.ProviderQuery{Function: catalog.FunctionLegalAid})
	require.NoError(t, err)
	assert.Len(t, page.Providers, 1)
}

// ExpireDue with the zero time listed every unclaimed demand (a zero DeadlineBefore does not
// filter) and expired them all, those without a deadline too. A zero now is refused.
func TestExpireDueRefusesZeroTime(t *testing.T) {
	ctx := context.Background()
	c, f := newCatalog(t)
	open := f.OpenWish(t, storetest.Wish("r1"))
	due := storetest.Wish("r2")
	due.Deadline = f.Clock.Now().Add(time.Hour)
	later := f.OpenWish(t, due)

	// The second rounds to the zero time at the microsecond the catalog keeps.
	for _, now := range []time.Time{{}, time.Time{}.Add(100 * time.Nanosecond)} {
		n, err := c.ExpireDue(ctx, now)
		require.ErrorIs(t, err, catalog.ErrInvalid, "%v", now)
		assert.Zero(t, n)
	}
	for _, id := range []uuid.UUID{open.ID, later.ID} {
		d, err := c.Demand(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, catalog.StatusOpen, d.Status, "a refusal changes nothing")
	}
}

// An availability window that ends before it starts overlaps no hour, so Providers answered
// only the providers who stated no hours, as if they alone were free: a wrong answer to a
// malformed query. It is refused, as CreateDemand refuses such a window.
func TestProvidersRefusesInvertedWindow(t *testing.T) {
	ctx := context.Background()
	c, f := newCatalog(t)
	f.Register(t, storetest.Volunteer("v1"))
	start := f.Clock.Now()
	_, err := c.Providers(ctx, catalog.ProviderQuery{Available: catalog.TimeWindow{Start: start, End: start.Add(-time.Hour)}})
	assert.ErrorIs(t, err, catalog.ErrInvalid)
	page, err := c.Providers(ctx, catalog.ProviderQuery{Available: catalog.TimeWindow{Start: start, End: start.Add(time.Hour)}})
	require.NoError(t, err)
	assert.Len(t, page.Providers, 1)
}
