package catalog_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/catalog/memstore"
	"github.com/tongxin/tongxin/catalog/sqlstore"
)

// FuzzExpireDueH84: ExpireDue over any now (years 0 to 10000 and beyond, the int64 extremes,
// any zone offset, sub-microsecond parts), on memstore and on SQLite alike: a zero now or
// one outside the years 0000..9999 of China time is refused with ErrInvalid and changes
// nothing; otherwise the open demand due on 2 May 2026 expires exactly when now is at or after
// its deadline, its expiry is dated at now or later, and a second run expires nothing.
func FuzzExpireDueH84(f *testing.F) {
	f.Add(int64(1777600000), int64(0), int16(480))
	f.Add(int64(1777690800), int64(0), int16(480))          // the deadline itself
	f.Add(int64(1777690799), int64(999999999), int16(480))  // a nanosecond before
	f.Add(int64(1777690799), int64(999999500), int16(-720)) // rounds to the deadline?
	f.Add(int64(253402300799), int64(999999999), int16(0))
	f.Add(int64(253402271999), int64(999999999), int16(480))
	f.Add(int64(253402300800), int64(0), int16(0))
	f.Add(int64(-62135596800), int64(0), int16(0))
	f.Add(int64(-62167219200), int64(0), int16(0))
	f.Add(int64(-62167248001), int64(0), int16(0))
	f.Add(int64(-9223372036854775808), int64(0), int16(0))
	f.Add(int64(9223372036854775807), int64(0), int16(0))
	f.Add(int64(0), int64(0), int16(0))
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, sec, nsec int64, offset int16) {
		var now time.Time
		if sec != 0 || nsec != 0 {
			now = time.Unix(sec, nsec%1e9).In(time.FixedZone("z", int(offset)*60))
		}
		deadline := time.Date(2026, 5, 2, 3, 0, 0, 0, time.UTC)
		var got []int
		var gotErr []error
		for _, open := range []func(*testing.T) catalog.Store{openMemstoreH84, openSQLiteH84} {
			st := open(t)
			done := func() { _ = st.Close() }
			c, _, d := oneDemandCatalogH84(t, st, deadline)
			k, err := c.ExpireDue(ctx, now)
			after, derr := c.Demand(ctx, d.ID)
			if derr != nil {
				t.Fatal(derr)
			}
			got, gotErr = append(got, k), append(gotErr, err)
			if err != nil {
				if !errors.Is(err, catalog.ErrInvalid) {
					t.Fatalf("ExpireDue(%v) refused without ErrInvalid: %v", now, err)
				}
				if k != 0 || after.Version != d.Version {
					t.Fatalf("refused ExpireDue(%v) expired %d, demand version %d -> %d", now, k, d.Version, after.Version)
				}
				if y := now.In(time.FixedZone("CST", 8*3600)).Year(); !now.IsZero() && y >= 0 && y <= 9999 &&
					now.Round(time.Microsecond).Year() == now.Year() {
					t.Logf("ExpireDue(%v) refused within the years: %v", now, err)
				}
				done()
				continue
			}
			if now.IsZero() {
				t.Fatal("ExpireDue of the zero time accepted")
			}
			due := !now.Truncate(time.Microsecond).Before(deadline) && !now.Round(time.Microsecond).Before(deadline)
			notDue := now.Truncate(time.Microsecond).Before(deadline) && now.Round(time.Microsecond).Before(deadline)
			if due && (k != 1 || after.Status != catalog.StatusExpired) || notDue && (k != 0 || after.Status != catalog.StatusOpen) {
				t.Fatalf("ExpireDue(%v): expired %d, status %v (deadline %v)", now, k, after.Status, deadline)
			}
			if k == 1 {
				hist, err := c.History(ctx, d.ID, 0, 0)
				if err != nil {
					t.Fatal(err)
				}
				last := hist[len(hist)-1]
				if last.Action != catalog.ActionExpire || last.At.Before(d.UpdatedAt) {
					t.Fatalf("expiry event %+v before the demand's last move %v", last, d.UpdatedAt)
				}
			}
			if k2, err := c.ExpireDue(ctx, now); err != nil || k2 != 0 {
				t.Fatalf("second ExpireDue(%v): %d, %v", now, k2, err)
			}
			done()
		}
		if got[0] != got[1] || (gotErr[0] == nil) != (gotErr[1] == nil) {
			t.Fatalf("ExpireDue(%v): memstore %d, %v; SQLite %d, %v", now, got[0], gotErr[0], got[1], gotErr[1])
		}
	})
}

// FuzzQueryTimesH84: the time filters of the queries (BoardQuery.OpenAt,
// DemandQuery.DeadlineBefore, ProviderQuery.Available) over any time, in any zone, with
// sub-microsecond parts and beyond the years a SQL store keeps, answer the same on memstore
// and on SQLite: the same ids, or both refused with ErrInvalid.
func FuzzQueryTimesH84(f *testing.F) {
	f.Add(int64(1777680000), int64(0), int16(480), int64(3600))
	f.Add(int64(1780272000), int64(0), int16(0), int64(0))            // the board's close
	f.Add(int64(1777593599), int64(999999999), int16(0), int64(1))    // just before it opens
	f.Add(int64(1777690800), int64(500), int16(-720), int64(-1))      // the deadline, plus 500 ns
	f.Add(int64(253402300800), int64(0), int16(0), int64(3600))       // year 10000
	f.Add(int64(-62167219201), int64(0), int16(0), int64(3600))       // year -1
	f.Add(int64(-9223372036854775808), int64(0), int16(0), int64(1))  // the earliest time
	f.Add(int64(9223372036854775807), int64(0), int16(0), int64(-1))  // the latest
	f.Add(int64(9223372036), int64(854775807), int16(0), int64(3600)) // past UnixMicro's range
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, sec, nsec int64, offset int16, dur int64) {
		at := time.Unix(sec, nsec%1e9).In(time.FixedZone("z", int(offset)*60))
		type answer struct {
			ids []uuid.UUID
			err error
		}
		var answers [2][3]answer
		for k, open := range []func(*testing.T) catalog.Store{openMemstoreH84, openSQLiteH84} {
			st := open(t)
			done := func() { _ = st.Close() }
			c, clock, d := oneDemandCatalogH84(t, st, time.Date(2026, 5, 2, 3, 0, 0, 0, time.UTC))
			if _, err := c.PublishBoard(ctx, catalog.BoardSpec{Name: "五月", Kind: catalog.BoardWishes, Scope: "幸福街道/阳光社区",
				OpensAt: clock, ClosesAt: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), Demands: []uuid.UUID{d.ID}, Actor: "community"}); err != nil {
				t.Fatal(err)
			}
			var av catalog.WeeklyAvailability
			av.Set(time.Saturday, 9, 12)
			if _, err := c.RegisterProvider(ctx, catalog.Provider{Kind: catalog.Volunteer, Name: "张", PersonID: "res-42",
				Skills: []catalog.Skill{"haircut"}, Home: "幸福街道/阳光社区/2网格", Capacity: 1, Availability: av}, "community"); err != nil {
				t.Fatal(err)
			}
			bp, err := c.Boards(ctx, catalog.BoardQuery{OpenAt: at})
			for _, b := range bp.Boards {
				answers[k][0].ids = append(answers[k][0].ids, b.ID)
			}
			answers[k][0].err = err
			dp, err := c.Demands(ctx, catalog.DemandQuery{DeadlineBefore: at})
			for _, d := range dp.Demands {
				answers[k][1].ids = append(answers[k][1].ids, d.ID)
			}
			answers[k][1].err = err
			pp, err := c.Providers(ctx, catalog.ProviderQuery{Available: catalog.TimeWindow{Start: at, End: at.Add(time.Duration(dur))}})
			for _, p := range pp.Providers {
				answers[k][2].ids = append(answers[k][2].ids, p.ID)
			}
			answers[k][2].err = err
			done()
		}
		for q, name := range []string{"Boards(OpenAt)", "Demands(DeadlineBefore)", "Providers(Available)"} {
			m, s := answers[0][q], answers[1][q]
			for _, err := range []error{m.err, s.err} {
				if err != nil && !errors.Is(err, catalog.ErrInvalid) {
					t.Fatalf("%s at %v refused without ErrInvalid: %v", name, at, err)
				}
			}
			if (m.err == nil) != (s.err == nil) || !slices.Equal(m.ids, s.ids) {
				t.Fatalf("%s at %v: memstore %v, %v; SQLite %v, %v", name, at, m.ids, m.err, s.ids, s.err)
			}
		}
	})
}

func openMemstoreH84(*testing.T) catalog.Store { return memstore.New() }

func openSQLiteH84(t *testing.T) catalog.Store {
	s, err := sqlstore.OpenSQLite(context.Background(), ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// oneDemandCatalogH84 is a catalog on st, with a fixed clock and ids, holding one open wish
// due at deadline.
func oneDemandCatalogH84(t *testing.T, st catalog.Store, deadline time.Time) (*catalog.Catalog, time.Time, catalog.Demand) {
	t.Helper()
	clock := time.Date(2026, 5, 1, 1, 0, 0, 0, time.UTC)
	var n byte
	c, err := catalog.New(st, catalog.WithNow(func() time.Time { return clock }), catalog.WithIDs(func() uuid.UUID {
		n++
		return uuid.UUID{0x01, 6: 0x70, 8: 0x80, 15: n}
	}))
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.CreateDemand(context.Background(), catalog.Demand{Kind: catalog.Wish, Title: "理发", Category: "haircut",
		Status: catalog.StatusOpen, Requester: catalog.RequesterRef{ID: "res-1", Name: "王"},
		Location: catalog.Location{Grid: "幸福街道/阳光社区"}, Deadline: deadline}, "res-1")
	if err != nil {
		t.Fatal(err)
	}
	return c, clock, d
}
