package catalog_test

import (
	"context"
	"errors"
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
		for _, open := range []func() (catalog.Store, func()){
			func() (catalog.Store, func()) { return memstore.New(), func() {} },
			func() (catalog.Store, func()) {
				s, err := sqlstore.OpenSQLite(ctx, ":memory:")
				if err != nil {
					t.Fatal(err)
				}
				return s, func() { _ = s.Close() }
			},
		} {
			st, done := open()
			clock := time.Date(2026, 5, 1, 1, 0, 0, 0, time.UTC)
			var n byte
			c, err := catalog.New(st, catalog.WithNow(func() time.Time { return clock }), catalog.WithIDs(func() uuid.UUID {
				n++
				return uuid.UUID{0x01, 6: 0x70, 8: 0x80, 15: n}
			}))
			if err != nil {
				t.Fatal(err)
			}
			d, err := c.CreateDemand(ctx, catalog.Demand{Kind: catalog.Wish, Title: "理发", Category: "haircut",
				Status: catalog.StatusOpen, Requester: catalog.RequesterRef{ID: "res-1", Name: "王"},
				Location: catalog.Location{Grid: "幸福街道/阳光社区"}, Deadline: deadline}, "res-1")
			if err != nil {
				t.Fatal(err)
			}
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
