package points_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	catmem "github.com/tongxin/tongxin/catalog/memstore"
	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/memstore"
	"github.com/tongxin/tongxin/points"
)

// clock is a settable clock shared by the ledger and the catalog.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 5, 1, 1, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// seqIDs yields ordered, deterministic uuids.
func seqIDs(prefix byte) func() uuid.UUID {
	var n atomic.Uint64
	return func() uuid.UUID {
		var id uuid.UUID
		v := n.Add(1)
		for i := 0; i < 8; i++ {
			id[15-i] = byte(v >> (8 * i))
		}
		id[0] = prefix
		id[6] = 0x80
		id[8] = 0x80
		return id
	}
}

const (
	communityA = catalog.GridPath("幸福街道/阳光社区")
	buildingA1 = catalog.GridPath("幸福街道/阳光社区/1网格/3栋")
	gridA1     = catalog.GridPath("幸福街道/阳光社区/1网格")
)

type env struct {
	ctx   context.Context
	clock *clock
	l     *ledger.Ledger
	cat   *catalog.Catalog
	inc   *points.Incentive
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// testScheme: 10 base points for any demand, 20 for a haircut wish, 5 points per hour,
// urgent ×2, caps of 100 a day and 300 a month.
func testScheme() points.Scheme {
	return points.Scheme{
		Community: "yangguang",
		Base: []points.BaseRule{
			{Points: dec("10")},
			{Category: "haircut", Kind: "wish", Points: dec("20")},
		},
		PointsPerHour:  dec("5"),
		Multipliers:    points.Multipliers{Urgent: dec("2")},
		DailyCap:       dec("100"),
		MonthlyCap:     dec("300"),
		ValidityMonths: 36,
	}
}

func newEnv(t testing.TB, s points.Scheme) *env {
	t.Helper()
	return newEnvOn(t, memstore.New(), s)
}

// newEnvOn is newEnv with the ledger on store.
func newEnvOn(t testing.TB, store ledger.Store, s points.Scheme) *env {
	t.Helper()
	ctx := context.Background()
	clk := newClock()
	l, err := ledger.New(ctx, store, ledger.WithClock(clk.Now), ledger.WithIDs(seqIDs(0x01)))
	require.NoError(t, err)
	cat, err := catalog.New(catmem.New(), catalog.WithNow(clk.Now), catalog.WithIDs(seqIDs(0x02)))
	require.NoError(t, err)
	inc, err := points.New(ctx, l, s)
	require.NoError(t, err)
	return &env{ctx: ctx, clock: clk, l: l, cat: cat, inc: inc}
}

func (e *env) volunteer(t testing.TB, person string) catalog.Provider {
	t.Helper()
	p, err := e.cat.RegisterProvider(e.ctx, catalog.Provider{
		Kind: catalog.Volunteer, Name: "志愿者" + person, PersonID: person,
		Skills: []catalog.Skill{"haircut"}, Home: gridA1, Capacity: 100,
	}, "operator")
	require.NoError(t, err)
	return p
}

func (e *env) team(t testing.TB, name string, members ...string) catalog.Provider {
	t.Helper()
	ms := make([]catalog.Member, len(members))
	for i, m := range members {
		ms[i] = catalog.Member{PersonID: m, Name: m}
	}
	p, err := e.cat.RegisterProvider(e.ctx, catalog.Provider{
		Kind: catalog.Team, Name: name, Members: ms,
		Skills: []catalog.Skill{"haircut"}, Home: gridA1, Capacity: 100,
	}, "operator")
	require.NoError(t, err)
	return p
}

// work is one provider's part in a demand: hours reported and the audit's decision.
type work struct {
	p       catalog.Provider
	hours   string
	approve bool
}

// done takes a haircut wish of requester through dispatch, claims, start and completion by
// the providers, and audits it (unless audit is false).
func (e *env) done(t testing.TB, requester string, urgency catalog.Urgency, audit bool, ws ...work) catalog.Demand {
	t.Helper()
	ctx := e.ctx
	d, err := e.cat.CreateDemand(ctx, catalog.Demand{
		Kind: catalog.Wish, Title: "上门理发 " + requester, Category: "haircut",
		Requester: catalog.RequesterRef{ID: requester, Name: "王阿姨"},
		Location:  catalog.Location{Grid: buildingA1}, Headcount: len(ws), Urgency: urgency,
		Status: catalog.StatusOpen,
	}, "operator")
	require.NoError(t, err)
	ids := make([]uuid.UUID, len(ws))
	reports := make([]catalog.WorkReport, len(ws))
	decisions := make([]catalog.AuditDecision, len(ws))
	for i, w := range ws {
		ids[i] = w.p.ID
		reports[i] = catalog.WorkReport{ProviderID: w.p.ID, Hours: dec(w.hours)}
		decisions[i] = catalog.AuditDecision{ProviderID: w.p.ID, Approved: w.approve}
		if w.approve {
			decisions[i].Hours = dec(w.hours)
		} else {
			decisions[i].Reason = "no show"
		}
	}
	a := catalog.Act{Actor: "operator"}
	_, err = e.cat.Dispatch(ctx, d.ID, ids, a)
	require.NoError(t, err)
	for _, id := range ids {
		_, err = e.cat.Claim(ctx, d.ID, id, a)
		require.NoError(t, err)
	}
	_, err = e.cat.Start(ctx, d.ID, a)
	require.NoError(t, err)
	d, err = e.cat.Complete(ctx, d.ID, reports, a)
	require.NoError(t, err)
	if audit {
		d, err = e.cat.Audit(ctx, d.ID, decisions, catalog.Act{Actor: "auditor-li"})
		require.NoError(t, err)
	}
	return d
}

func (e *env) balance(t testing.TB, id ledger.AccountID) decimal.Decimal {
	t.Helper()
	b, err := e.l.Balance(e.ctx, id)
	if err != nil {
		return decimal.Zero
	}
	return b
}

func (e *env) head(t testing.TB) uint64 {
	t.Helper()
	h, err := e.l.Head(e.ctx)
	require.NoError(t, err)
	return h.Seq
}

func (e *env) verify(t testing.TB) {
	t.Helper()
	require.NoError(t, e.l.Verify(e.ctx))
}

func sprint(v ...any) string { return fmt.Sprint(v...) }
