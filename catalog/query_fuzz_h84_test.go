package catalog_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/catalog/memstore"
)

// queryCatalogH84 is a catalog with demands of every kind, in several categories, grids,
// statuses, priorities and deadlines.
func queryCatalogH84(t *testing.T) (*catalog.Catalog, []catalog.Demand) {
	t.Helper()
	now := time.Date(2026, 5, 1, 1, 0, 0, 0, time.UTC)
	var n byte
	c, err := catalog.New(memstore.New(), catalog.WithNow(func() time.Time { return now }), catalog.WithIDs(func() uuid.UUID {
		n++
		var id uuid.UUID
		id[0], id[6], id[8], id[15] = 0x01, 0x70, 0x80, n*16
		return id
	}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	grids := []catalog.GridPath{"幸福街道/阳光社区/1网格/3栋", "幸福街道/阳光社区/2网格", "幸福街道/月亮社区", "和平街道/星光社区/1网格"}
	cats := []string{"haircut", "repair_electric", "repair", "legal"}
	var all []catalog.Demand
	for i := range 8 {
		d := catalog.Demand{
			Kind: catalog.DemandKind(i%4 + 1), Title: "需求", Category: cats[i%4],
			Requester: catalog.RequesterRef{ID: "res-1", Name: "王"},
			Location:  catalog.Location{Grid: grids[(i/2)%4]},
			Priority:  catalog.Priority(i % 3),
		}
		if i%2 == 0 {
			d.Status = catalog.StatusOpen
		}
		if i%3 == 0 {
			d.Deadline = now.Add(time.Duration(i+1) * 24 * time.Hour)
		}
		if d.Kind.NeedsOrganisation() {
			d.Kind = catalog.Wish
		}
		got, err := c.CreateDemand(ctx, d, "res-1")
		if err != nil {
			t.Fatalf("fixture demand %d: %v", i, err)
		}
		all = append(all, got)
	}
	slices.SortFunc(all, func(a, b catalog.Demand) int { return strings.Compare(a.ID.String(), b.ID.String()) })
	return c, all
}

// FuzzDemandQueryH84: Demands refuses a query exactly when it is malformed (a limit outside
// 0..PageSizeMax, too many or malformed categories, a grid path that is not canonical, an
// undefined kind, priority or status bit), with ErrInvalid, and ExportDemands (which ignores
// the limit and cursor) refuses it too and writes nothing; an accepted query returns, in id
// order after the cursor, the first Limit of the demands DemandQuery.Matches selects, with
// Next set when the page is full.
func FuzzDemandQueryH84(f *testing.F) {
	f.Add(uint16(0), 0, uint8(0), "", "", "", uint8(0), int64(0), uint8(0), 0)
	f.Add(uint16(1<<catalog.StatusOpen), 1, uint8(1), "幸福街道/阳光社区", "haircut", "repair", uint8(2), int64(1778000000), uint8(0), 3)
	f.Add(uint16(0xffff), 9, uint8(0xff), "幸福街道／阳光社区", "Haircut", "", uint8(1), int64(-1), uint8(5), -1)
	f.Add(uint16(0), 0, uint8(0), " 幸福街道 / 阳光社区 ", "haircut\x00", "\xff", uint8(2), int64(0), uint8(0), catalog.PageSizeMax+1)
	f.Add(uint16(0), 0, uint8(0), "幸福街道\u200b", "ｈａｉｒｃｕｔ", "理发", uint8(2), int64(1<<62), uint8(48), catalog.PageSizeMax)
	f.Add(uint16(0), 0, uint8(0), "", "a", "b", uint8(255), int64(0), uint8(0), 1)
	f.Fuzz(func(t *testing.T, statuses uint16, kind int, priority uint8, grid, cat1, cat2 string, ncat uint8,
		deadline int64, after uint8, limit int) {
		c, all := queryCatalogH84(t)
		ctx := context.Background()
		var cats []string
		for i := range int(ncat) % (catalog.QueryCategoriesMax + 3) {
			cats = append(cats, []string{cat1, cat2}[i%2])
		}
		q := catalog.DemandQuery{Statuses: catalog.StatusSet(statuses), Grid: catalog.GridPath(grid), Categories: cats,
			Kind: catalog.DemandKind(kind), Priority: catalog.Priority(priority), Limit: limit}
		if deadline != 0 {
			q.DeadlineBefore = time.Unix(deadline%(1<<40), 0).UTC()
		}
		if after != 0 {
			q.After[0], q.After[6], q.After[8], q.After[15] = 0x01, 0x70, 0x80, after
		}
		// ExportDemands ignores q.Limit and q.After: it refuses what else Demands refuses.
		validExport := len(cats) <= catalog.QueryCategoriesMax &&
			(grid == "" || catalog.GridPath(grid).Validate() == nil) && (kind == 0 || q.Kind.Valid()) && q.Priority.Valid()
		for _, s := range cats {
			validExport = validExport && catalog.Skill(s).Validate() == nil
		}
		for s := range 16 {
			if statuses&(1<<s) != 0 && !catalog.Status(s).Valid() {
				validExport = false
			}
		}
		valid := validExport && limit >= 0 && limit <= catalog.PageSizeMax
		page, err := c.Demands(ctx, q)
		var buf strings.Builder
		xerr := c.ExportDemands(ctx, &buf, q, catalog.CSVOptions{})
		if !queryVerdictH84(t, "Demands", q, err, xerr, buf.Len(), valid, validExport) {
			return
		}
		lim := limit
		if lim == 0 {
			lim = catalog.PageSizeDefault
		}
		var want []uuid.UUID
		for _, d := range all {
			if strings.Compare(d.ID.String(), q.After.String()) > 0 && q.Matches(d) && len(want) < lim {
				want = append(want, d.ID)
			}
		}
		var got []uuid.UUID
		for _, d := range page.Demands {
			got = append(got, d.ID)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("query %+v: got %v, want %v", q, got, want)
		}
		if (page.Next != uuid.Nil) != (len(got) == lim) || page.Next != uuid.Nil && page.Next != got[len(got)-1] {
			t.Fatalf("query %+v: %d demands, Next %v", q, len(got), page.Next)
		}
	})
}

// providerCatalogH84 is a catalog with providers of every kind, with several skills,
// functions, homes, capacities and weekly availabilities.
func providerCatalogH84(t *testing.T) (*catalog.Catalog, []catalog.Provider) {
	t.Helper()
	now := time.Date(2026, 5, 1, 1, 0, 0, 0, time.UTC)
	var n byte
	c, err := catalog.New(memstore.New(), catalog.WithNow(func() time.Time { return now }), catalog.WithIDs(func() uuid.UUID {
		n++
		var id uuid.UUID
		id[0], id[6], id[8], id[15] = 0x01, 0x70, 0x80, n*16
		return id
	}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	homes := []catalog.GridPath{"幸福街道/阳光社区/1网格/3栋", "幸福街道/阳光社区/2网格", "幸福街道/月亮社区", "和平街道"}
	skills := []catalog.Skill{"haircut", "repair_electric", "legal_advice"}
	var all []catalog.Provider
	for i := range 8 {
		p := catalog.Provider{
			Kind: catalog.ProviderKind(i%4 + 1), Name: "服务者", Home: homes[i%4], Capacity: i % 3,
			Skills: []catalog.Skill{skills[i%3]},
		}
		if p.Kind == catalog.Volunteer {
			p.PersonID = "res-" + string(rune('a'+i))
		}
		if p.Kind.Organisation() && p.Kind != catalog.Team {
			p.Functions = []catalog.Function{catalog.FunctionLegalAid}
		}
		if p.Kind == catalog.Team {
			p.Members = []catalog.Member{{PersonID: "res-m", Name: "成员"}}
		}
		p.Availability.Set(time.Weekday(i%7), 8+i, 12+i)
		got, err := c.RegisterProvider(ctx, p, "community")
		if err != nil {
			t.Fatalf("fixture provider %d: %v", i, err)
		}
		all = append(all, got)
	}
	slices.SortFunc(all, func(a, b catalog.Provider) int { return strings.Compare(a.ID.String(), b.ID.String()) })
	return c, all
}

// FuzzProviderQueryH84: Providers refuses a query exactly when it is malformed (limit, kind,
// grid path, skill, function, availability window), with ErrInvalid, and ExportProviders
// refuses it too and writes nothing; an accepted query pages exactly the providers
// ProviderQuery.Matches selects, in id order after the cursor.
func FuzzProviderQueryH84(f *testing.F) {
	f.Add(0, "", "", "", int64(0), int64(0), false, uint8(0), 0)
	f.Add(1, "幸福街道/阳光社区", "haircut", "", int64(1777600000), int64(7200), true, uint8(0), 2)
	f.Add(3, "幸福街道", "", "legal_aid", int64(1777600000), int64(-7200), false, uint8(32), 1)
	f.Add(9, "幸福街道 / 阳光社区", "Haircut", "legal aid", int64(0), int64(1), false, uint8(0), -1)
	f.Add(0, "幸福街道\u200b", "haircut\x00", "\xff", int64(1<<40), int64(1<<40), false, uint8(0), catalog.PageSizeMax+1)
	f.Add(0, "", "ｈａｉｒｃｕｔ", "法律援助", int64(-1<<40), int64(0), true, uint8(255), catalog.PageSizeMax)
	f.Fuzz(func(t *testing.T, kind int, grid, skill, function string, start, dur int64, hasCap bool, after uint8, limit int) {
		c, all := providerCatalogH84(t)
		ctx := context.Background()
		q := catalog.ProviderQuery{Kind: catalog.ProviderKind(kind), Grid: catalog.GridPath(grid), Skill: catalog.Skill(skill),
			Function: catalog.Function(function), HasCapacity: hasCap, Limit: limit}
		if start != 0 || dur != 0 {
			s := time.Unix(start%(1<<40), 0).UTC()
			q.Available = catalog.TimeWindow{Start: s, End: s.Add(time.Duration(dur%(1<<40)) * time.Second)}
		}
		if after != 0 {
			q.After[0], q.After[6], q.After[8], q.After[15] = 0x01, 0x70, 0x80, after
		}
		validExport := (kind == 0 || q.Kind.Valid()) && (grid == "" || q.Grid.Validate() == nil) &&
			(skill == "" || q.Skill.Validate() == nil) && (function == "" || catalog.Skill(function).Validate() == nil) &&
			q.Available.Validate() == nil
		valid := validExport && limit >= 0 && limit <= catalog.PageSizeMax
		page, err := c.Providers(ctx, q)
		var buf strings.Builder
		xerr := c.ExportProviders(ctx, &buf, q, catalog.CSVOptions{})
		if !queryVerdictH84(t, "Providers", q, err, xerr, buf.Len(), valid, validExport) {
			return
		}
		lim := limit
		if lim == 0 {
			lim = catalog.PageSizeDefault
		}
		var want, got []uuid.UUID
		for _, p := range all {
			if strings.Compare(p.ID.String(), q.After.String()) > 0 && q.Matches(p) && len(want) < lim {
				want = append(want, p.ID)
			}
		}
		for _, p := range page.Providers {
			got = append(got, p.ID)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("query %+v: got %v, want %v", q, got, want)
		}
		if (page.Next != uuid.Nil) != (len(got) == lim) {
			t.Fatalf("query %+v: %d providers, Next %v", q, len(got), page.Next)
		}
	})
}

// queryVerdictH84 checks a query's list call (err) and export (xerr, written bytes) against
// whether the query is well formed (valid) and well formed but for its page limit
// (validExport, which the export ignores), and reports whether both succeeded.
func queryVerdictH84(t *testing.T, list string, q any, err, xerr error, written int, valid, validExport bool) bool {
	t.Helper()
	if err != nil {
		if !errors.Is(err, catalog.ErrInvalid) {
			t.Fatalf("%s refused without ErrInvalid: %v", list, err)
		}
		if valid {
			t.Fatalf("%s refused a well-formed query %+v: %v", list, q, err)
		}
		if !validExport && (!errors.Is(xerr, catalog.ErrInvalid) || written != 0) {
			t.Fatalf("Export%s of a refused query: %v, wrote %d bytes", list, xerr, written)
		}
		return false
	}
	if !valid {
		t.Fatalf("%s accepted a malformed query %+v", list, q)
	}
	if xerr != nil {
		t.Fatalf("Export%s refused (%v) a query %s accepts", list, xerr, list)
	}
	return true
}
