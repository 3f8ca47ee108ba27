package catalog_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/catalog/memstore"
	"github.com/tongxin/tongxin/internal/errcheck"
)

// catalogState renders everything a catalog call could change: every demand with its events,
// claims and audits, every provider and every board.
func catalogState(t *testing.T, c *catalog.Catalog) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	ds, err := c.Demands(ctx, catalog.DemandQuery{Limit: catalog.PageSizeMax})
	require.NoError(t, err)
	for _, d := range ds.Demands {
		hist, err := c.History(ctx, d.ID, 0, 0)
		require.NoError(t, err)
		cls, err := c.Claims(ctx, d.ID)
		require.NoError(t, err)
		as, err := c.Audits(ctx, d.ID)
		require.NoError(t, err)
		fmt.Fprintf(&b, "%#v\n%#v\n%#v\n%#v\n", d, hist, cls, as)
	}
	ps, err := c.Providers(ctx, catalog.ProviderQuery{Limit: catalog.PageSizeMax})
	require.NoError(t, err)
	fmt.Fprintf(&b, "%#v\n", ps.Providers)
	bs, err := c.Boards(ctx, catalog.BoardQuery{Limit: catalog.PageSizeMax})
	require.NoError(t, err)
	fmt.Fprintf(&b, "%#v\n", bs.Boards)
	return b.String()
}

// keepable reports text that every store keeps byte for byte (catalog.Store: UTF-8 without
// NUL, which Catalog validates before a store sees it).
func keepable(s string) bool { return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 }

// requireKeepable checks every text field of what the catalog stored.
func requireKeepable(t *testing.T, c *catalog.Catalog) {
	t.Helper()
	ctx := context.Background()
	ds, err := c.Demands(ctx, catalog.DemandQuery{Limit: catalog.PageSizeMax})
	require.NoError(t, err)
	for _, d := range ds.Demands {
		for _, s := range []string{d.Title, d.Description, d.Category, d.Requester.ID, d.Requester.Name, string(d.Location.Grid), d.Rating.Comment} {
			require.True(t, keepable(s), "demand text %q stored", s)
		}
		hist, err := c.History(ctx, d.ID, 0, 0)
		require.NoError(t, err)
		for i, ev := range hist {
			require.Equal(t, uint64(i+1), ev.Seq)
			require.True(t, keepable(ev.Actor) && keepable(ev.Reason), "event actor %q reason %q stored", ev.Actor, ev.Reason)
		}
		as, err := c.Audits(ctx, d.ID)
		require.NoError(t, err)
		for _, a := range as {
			require.True(t, keepable(a.Reason) && keepable(a.Auditor), "audit reason %q auditor %q stored", a.Reason, a.Auditor)
		}
	}
	ps, err := c.Providers(ctx, catalog.ProviderQuery{Limit: catalog.PageSizeMax})
	require.NoError(t, err)
	for _, p := range ps.Providers {
		require.True(t, keepable(p.Name) && keepable(p.PersonID) && keepable(string(p.Home)), "provider text %q %q %q stored", p.Name, p.PersonID, p.Home)
		for _, m := range p.Members {
			require.True(t, keepable(m.PersonID) && keepable(m.Name), "member %q %q stored", m.PersonID, m.Name)
		}
		require.True(t, p.Active >= 0 && p.Active <= max(p.Capacity, p.Active), "load %d", p.Active)
	}
}

// lifecycleInput is one fuzzed pass through the demand lifecycle.
type lifecycleInput struct {
	title, description, category, requester, grid string
	kind                                          uint8
	headcount, minutes                            int
	budgetCoef                                    int64
	budgetExp                                     int8
	name, person, members, skills, home           string
	provKind                                      uint8
	capacity                                      int
	actor, reason                                 string
	hoursCoef                                     int64
	hoursExp                                      int8
	approve                                       bool
	score                                         int
	comment                                       string
}

// FuzzLifecycle drives one demand from creation through dispatch, claim, start, completion,
// rating, audit and cancellation on memstore, with every field of every call fuzzed: the
// demand's and provider's text and numbers, the actor and reason, hours, decisions and the
// rating. Each refused call wraps one of the sentinels its documentation lists and leaves
// every record (demands, events, claims, audits, providers) as it was; it is then made again
// with valid arguments so that later steps are reached. Whatever was accepted is text every
// store keeps (UTF-8 without NUL) with consecutive events.
func FuzzLifecycle(f *testing.F) {
	const grid = "幸福街道/阳光社区/1网格/3栋"
	wish := uint8(catalog.Wish)
	vol, team := uint8(catalog.Volunteer), uint8(catalog.Team)
	f.Add("上门理发", "", "haircut", "r1", grid, wish, 1, 0, int64(0), int8(0), "志愿者", "wang", "", "haircut", "幸福街道/阳光社区/1网格", vol, 3, "operator", "", int64(15), int8(-1), true, 5, "好")
	f.Add("", "", "", "", "", uint8(0), 0, 0, int64(0), int8(0), "", "", "", "", "", uint8(0), 0, "", "", int64(0), int8(0), false, 0, "")
	f.Add("t\x00", "d\x00", "haircut", "r\x00", grid, wish, 1, 0, int64(0), int8(0), "n\x00", "p\x00", "m\x00", "haircut", "幸福街道/阳光社区", vol, 1, "a\x00", "why\x00", int64(1), int8(0), false, 3, "c\x00")
	f.Add("\xff", "\xfe", "haircut", "\xff", "幸福街道/\xff", wish, 1, 0, int64(0), int8(0), "\xff", "\xff", "\xff", "haircut", "幸福街道/\xff", team, 1, "\xff", "\xff", int64(1), int8(0), false, 1, "\xff")
	f.Add(strings.Repeat("长", 70), strings.Repeat("d", 4001), "haircut", strings.Repeat("r", 129), grid, wish, 101, -1, int64(0), int8(0),
		strings.Repeat("n", 129), strings.Repeat("p", 129), strings.Repeat("m,", 501), "haircut", "幸福街道/阳光社区", vol, 1001, strings.Repeat("a", 129), strings.Repeat("r", 1001), int64(24001), int8(-2), true, 6, strings.Repeat("c", 1001))
	f.Add("t", "", "haircut", "r1", grid, uint8(catalog.Project), 2, 60, int64(-1), int8(0), "队", "", "r1,b", "haircut", "幸福街道/阳光社区", team, 2, "op", "r", int64(1), int8(-3), true, 0, "")
	// A big item dispatched to a volunteer: refused at the dispatch (ErrIneligible).
	f.Add("上门理发", "", "haircut", "r1", grid, uint8(catalog.MajorItem), 1, 0, int64(0), int8(0), "志愿者", "wang", "", "haircut", "幸福街道/阳光社区/1网格", vol, 3, "operator", "", int64(15), int8(-1), true, 5, "好")
	f.Add("t", "", "haircut", "r1", grid, uint8(catalog.Project), 1, 60, int64(123456), int8(-3), "单位", "", "", "", "幸福街道", uint8(catalog.Unit), 1, "op", "", int64(-5), int8(0), true, -1, "")
	f.Add("t", "", "haircut", "same", grid, wish, 1, 0, int64(9223372036854775807), int8(100), "n", "same", "", "haircut", "幸福街道/阳光社区", vol, 0, "op", "", int64(241), int8(0), false, 5, "")
	f.Add("t", "", "nope", "r", "a//b", uint8(200), -5, math.MaxInt32, int64(1), int8(-100), "n", "", "", "Bad Skill,haircut,haircut", "/", uint8(200), -1, "op", "", int64(1), int8(-127), true, 2, "")
	f.Fuzz(func(t *testing.T, title, description, category, requester, grid string, kind uint8, headcount, minutes int, budgetCoef int64, budgetExp int8,
		name, person, members, skills, home string, provKind uint8, capacity int, actor, reason string, hoursCoef int64, hoursExp int8, approve bool, score int, comment string) {
		in := lifecycleInput{title, description, category, requester, grid, kind, headcount, minutes, budgetCoef, budgetExp,
			name, person, members, skills, home, provKind, capacity, actor, reason, hoursCoef, hoursExp, approve, score, comment}
		runLifecycle(t, in)
	})
}

// fuzzCatalog is a memstore catalog on a settable clock with sequential ids, and try, which
// makes a call: a refusal must wrap an allowed sentinel and change nothing, and whatever was
// accepted must be text every store keeps.
func fuzzCatalog(t *testing.T) (c *catalog.Catalog, clk *time.Time, try func(call func() error, allowed ...error) bool) {
	now := time.Date(2026, 5, 1, 1, 0, 0, 0, time.UTC)
	var n uint64
	c, err := catalog.New(memstore.New(), catalog.WithNow(func() time.Time { return now }), catalog.WithIDs(func() uuid.UUID {
		n++
		var id uuid.UUID
		id[0], id[6], id[8], id[15] = 0x01, 0x70, 0x80, byte(n)
		return id
	}))
	require.NoError(t, err)
	try = func(call func() error, allowed ...error) bool {
		t.Helper()
		before := catalogState(t, c)
		err := call()
		if err != nil {
			errcheck.RequireOneOf(t, err, allowed...)
			require.Equal(t, before, catalogState(t, c), "refused call changed the catalog: %v", err)
			return false
		}
		requireKeepable(t, c)
		return true
	}
	return c, &now, try
}

func runLifecycle(t *testing.T, in lifecycleInput) {
	ctx := context.Background()
	c, _, try := fuzzCatalog(t)
	valid := catalog.Act{Actor: "operator"}
	act := catalog.Act{Actor: in.actor, Reason: in.reason}

	d := catalog.Demand{
		Kind: catalog.DemandKind(in.kind % 6), Title: in.title, Description: in.description, Category: in.category,
		Requester: catalog.RequesterRef{ID: in.requester, Name: in.requester}, Location: catalog.Location{Grid: catalog.GridPath(in.grid)},
		Headcount: in.headcount, EstimatedMinutes: in.minutes, Budget: decimal.New(in.budgetCoef, int32(in.budgetExp)),
		Status: catalog.StatusOpen,
	}
	if !try(func() (err error) { d, err = c.CreateDemand(ctx, d, in.actor); return }, catalog.ErrInvalid) {
		d = catalog.Demand{Kind: catalog.Wish, Title: "上门理发", Category: "haircut", Requester: catalog.RequesterRef{ID: "r1"},
			Location: catalog.Location{Grid: "幸福街道/阳光社区/1网格/3栋"}, Status: catalog.StatusOpen}
		require.True(t, try(func() (err error) { d, err = c.CreateDemand(ctx, d, "operator"); return }))
	}

	p := catalog.Provider{Kind: catalog.ProviderKind(in.provKind % 6), Name: in.name, PersonID: in.person,
		Home: catalog.GridPath(in.home), Capacity: in.capacity}
	if in.members != "" {
		for _, m := range strings.Split(in.members, ",") {
			p.Members = append(p.Members, catalog.Member{PersonID: m, Name: m})
		}
	}
	if in.skills != "" {
		for _, s := range strings.Split(in.skills, ",") {
			p.Skills = append(p.Skills, catalog.Skill(s))
		}
	}
	if !try(func() (err error) { p, err = c.RegisterProvider(ctx, p, in.actor); return }, catalog.ErrInvalid) {
		p = catalog.Provider{Kind: catalog.Volunteer, Name: "志愿者", PersonID: "wang", Skills: []catalog.Skill{"haircut"},
			Home: "幸福街道/阳光社区/1网格", Capacity: 3}
		require.True(t, try(func() (err error) { p, err = c.RegisterProvider(ctx, p, "operator"); return }))
	}

	moves := []error{catalog.ErrInvalid, catalog.ErrNotFound, catalog.ErrVersionConflict, catalog.ErrInvalidTransition}
	step := func(call func(catalog.Act) error, allowed ...error) bool {
		t.Helper()
		if try(func() error { return call(act) }, allowed...) {
			return true
		}
		return try(func() error { return call(valid) }, allowed...)
	}
	dispatch := func(a catalog.Act) error { _, err := c.Dispatch(ctx, d.ID, []uuid.UUID{p.ID}, a); return err }
	if !step(dispatch, append(moves, catalog.ErrSelfClaim, catalog.ErrIneligible)...) {
		return
	}
	claim := func(a catalog.Act) error { _, err := c.Claim(ctx, d.ID, p.ID, a); return err }
	if !step(claim, append(moves, catalog.ErrSelfClaim, catalog.ErrIneligible, catalog.ErrCapacity, catalog.ErrHeadcountFull, catalog.ErrDuplicateClaim)...) {
		return
	}
	if !step(func(a catalog.Act) error { _, err := c.Start(ctx, d.ID, a); return err }, moves...) {
		return
	}
	hours := decimal.New(in.hoursCoef, int32(in.hoursExp))
	complete := func(h decimal.Decimal) func(catalog.Act) error {
		return func(a catalog.Act) error {
			_, err := c.Complete(ctx, d.ID, []catalog.WorkReport{{ProviderID: p.ID, Hours: h}}, a)
			return err
		}
	}
	if !step(complete(hours), moves...) && !try(func() error { return complete(decimal.RequireFromString("1.5"))(valid) }) {
		return
	}
	try(func() error { _, err := c.Rate(ctx, d.ID, in.score, in.comment, act); return err }, append(moves, catalog.ErrSelfReview)...)
	audit := func(dec catalog.AuditDecision) func(catalog.Act) error {
		return func(a catalog.Act) error { _, err := c.Audit(ctx, d.ID, []catalog.AuditDecision{dec}, a); return err }
	}
	dec := catalog.AuditDecision{ProviderID: p.ID, Approved: in.approve, Hours: hours, Reason: in.reason}
	if !step(audit(dec), append(moves, catalog.ErrSelfReview)...) && !try(func() error {
		return audit(catalog.AuditDecision{ProviderID: p.ID, Approved: true, Hours: decimal.NewFromInt(1)})(valid)
	}) {
		return
	}
	try(func() error { _, err := c.MarkAwarded(ctx, d.ID, p.ID, in.actor); return err }, append(moves, catalog.ErrIneligible)...)
	try(func() error { _, err := c.Cancel(ctx, d.ID, act); return err }, moves...)
}

// TestTextWithNULRefused: found by FuzzLifecycle. The catalog accepted text holding NUL, which
// memstore kept but a SQL store refuses (PostgreSQL text cannot hold it) and the ledger refuses
// in an award's metadata. Every text field checked by the catalog now refuses it with
// ErrInvalid, writing nothing.
func TestTextWithNULRefused(t *testing.T) {
	ctx := context.Background()
	c, err := catalog.New(memstore.New())
	require.NoError(t, err)
	d := catalog.Demand{Kind: catalog.Wish, Title: "上门理发", Category: "haircut", Requester: catalog.RequesterRef{ID: "r1"},
		Location: catalog.Location{Grid: "幸福街道/阳光社区/1网格"}}
	for name, change := range map[string]func(*catalog.Demand){
		"title":       func(d *catalog.Demand) { d.Title = "上门\x00理发" },
		"description": func(d *catalog.Demand) { d.Description = "\x00" },
		"requester":   func(d *catalog.Demand) { d.Requester.ID = "r\x001" },
	} {
		bad := d
		change(&bad)
		_, err := c.CreateDemand(ctx, bad, "operator")
		require.ErrorIs(t, err, catalog.ErrInvalid, name)
	}
	_, err = c.CreateDemand(ctx, d, "oper\x00ator")
	require.ErrorIs(t, err, catalog.ErrInvalid)
	_, err = c.RegisterProvider(ctx, catalog.Provider{Kind: catalog.Volunteer, Name: "王\x00", Home: "幸福街道/阳光社区", Capacity: 1}, "operator")
	require.ErrorIs(t, err, catalog.ErrInvalid)
	page, err := c.Demands(ctx, catalog.DemandQuery{})
	require.NoError(t, err)
	require.Empty(t, page.Demands)
}

// FuzzBoard publishes a board from a fuzzed spec (name, kind, scope, opening and closing
// times, listed demands, actor), publishes a further demand on it, claims, withdraws, updates
// the provider from fuzzed fields, closes the board and claims again, with fuzzed acts. Every
// refusal wraps a documented sentinel and changes nothing.
func FuzzBoard(f *testing.F) {
	f.Add("阳光社区5月微心愿榜", uint8(catalog.BoardWishes), "幸福街道/阳光社区", int64(0), int64(30*24*60), uint8(1), "operator", "", "新名字", 5, uint64(0), int64(0))
	f.Add("", uint8(0), "", int64(0), int64(0), uint8(0), "", "", "", 0, uint64(0), int64(0))
	f.Add("b", uint8(catalog.BoardBigItems), "幸福街道", int64(-60), int64(60), uint8(3), "op", "why", "n", -1, uint64(1), int64(1))
	f.Add("b\x00", uint8(catalog.BoardWishes), "幸福街道/阳光社区", int64(0), int64(60), uint8(1), "op\x00", "\xff", "n\x00", 1001, uint64(2), int64(0))
	f.Add(strings.Repeat("榜", 43), uint8(9), "幸福街道/月亮社区", int64(60), int64(30), uint8(7), strings.Repeat("a", 129), strings.Repeat("r", 1001), strings.Repeat("n", 129), 1, uint64(1), int64(120))
	f.Add("b", uint8(catalog.BoardWishes), "幸福街道/阳光社区", int64(-1<<40), int64(1<<40), uint8(6), "op", "", "n", 1, uint64(1), int64(1<<40))
	f.Fuzz(func(t *testing.T, name string, kind uint8, scope string, opensMin, closesMin int64, listed uint8, actor, reason, newName string, capacity int, version uint64, laterMin int64) {
		ctx := context.Background()
		c, clk, try := fuzzCatalog(t)
		var ds []catalog.Demand
		for i, g := range []catalog.GridPath{"幸福街道/阳光社区/1网格/3栋", "幸福街道/阳光社区/2网格", "幸福街道/月亮社区"} {
			d, err := c.CreateDemand(ctx, catalog.Demand{Kind: catalog.Wish, Title: fmt.Sprint("心愿", i), Category: "haircut",
				Requester: catalog.RequesterRef{ID: fmt.Sprint("r", i)}, Location: catalog.Location{Grid: g}, Status: catalog.StatusOpen}, "operator")
			require.NoError(t, err)
			ds = append(ds, d)
		}
		p, err := c.RegisterProvider(ctx, catalog.Provider{Kind: catalog.Volunteer, Name: "志愿者", PersonID: "wang",
			Skills: []catalog.Skill{"haircut"}, Home: "幸福街道/阳光社区/1网格", Capacity: 3}, "operator")
		require.NoError(t, err)
		minutes := func(m int64) time.Time { return clk.Add(time.Duration(m) * time.Minute) }
		spec := catalog.BoardSpec{Name: name, Kind: catalog.BoardKind(kind), Scope: catalog.GridPath(scope),
			OpensAt: minutes(opensMin), ClosesAt: minutes(closesMin), Actor: actor}
		for i := range ds {
			if listed&(1<<i) != 0 {
				spec.Demands = append(spec.Demands, ds[i].ID)
			}
		}
		if listed&8 != 0 && len(spec.Demands) > 0 {
			spec.Demands = append(spec.Demands, spec.Demands[0]) // a repeated demand
		}
		var b catalog.Board
		if !try(func() (err error) { b, err = c.PublishBoard(ctx, spec); return },
			catalog.ErrInvalid, catalog.ErrNotFound, catalog.ErrInvalidTransition, catalog.ErrVersionConflict) {
			return
		}
		act := catalog.Act{Actor: actor, Reason: reason}
		moves := []error{catalog.ErrInvalid, catalog.ErrNotFound, catalog.ErrInvalidTransition, catalog.ErrVersionConflict, catalog.ErrBoardClosed}
		for _, d := range ds {
			try(func() error { _, err := c.Publish(ctx, b.ID, d.ID, act); return err }, moves...)
		}
		claims := append(moves, catalog.ErrSelfClaim, catalog.ErrIneligible, catalog.ErrCapacity, catalog.ErrHeadcountFull, catalog.ErrDuplicateClaim)
		claimed := try(func() error { _, err := c.Claim(ctx, ds[0].ID, p.ID, act); return err }, claims...)
		if claimed {
			try(func() error { _, err := c.Withdraw(ctx, ds[0].ID, p.ID, act); return err }, moves...)
		}
		upd := p
		upd.Name, upd.Capacity, upd.Version = newName, capacity, version
		try(func() error { _, err := c.UpdateProvider(ctx, upd); return err }, catalog.ErrInvalid, catalog.ErrNotFound, catalog.ErrVersionConflict)
		*clk = minutes(laterMin)
		try(func() error { _, err := c.CloseBoard(ctx, b.ID, actor); return err }, catalog.ErrInvalid, catalog.ErrNotFound, catalog.ErrVersionConflict)
		try(func() error { _, err := c.Claim(ctx, ds[1].ID, p.ID, act); return err }, claims...)
		n, err := c.ExpireDue(ctx, minutes(laterMin))
		require.NoError(t, err)
		require.GreaterOrEqual(t, n, 0)
		requireKeepable(t, c)
	})
}
