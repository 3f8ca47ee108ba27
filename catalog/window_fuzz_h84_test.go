package catalog_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/tongxin/tongxin/catalog"
)

// FuzzWindowH84: TimeWindow.Validate refuses with ErrInvalid; for a valid window, Overlaps
// of an availability is exactly whether it shares a slot with HourSlots, and Set followed by
// Has agrees with the clamped range, String and ParseAvailability round-tripping the result.
func FuzzWindowH84(f *testing.F) {
	f.Add(int64(1777600000), int64(7200), int16(480), uint8(5), 9, 12)
	f.Add(int64(1777600000), int64(0), int16(330), uint8(6), -5, 30)
	f.Add(int64(1777600000), int64(-1), int16(0), uint8(7), 0, 24)
	f.Add(int64(1777600000), int64(14*24*3600), int16(-600), uint8(0), 23, 24)
	f.Add(int64(253402300799), int64(1), int16(0), uint8(1), 24, 0)
	f.Add(int64(-62167219200), int64(3600), int16(845), uint8(3), math.MaxInt, math.MinInt)
	f.Add(int64(0), int64(3600), int16(0), uint8(2), 8, 9)
	f.Fuzz(func(t *testing.T, start, dur int64, offset int16, day uint8, from, to int) {
		zone := time.FixedZone("z", int(offset)*60)
		var w catalog.TimeWindow
		if start != 0 {
			w.Start = time.Unix(start%(1<<40), 0).In(zone)
			w.End = w.Start.Add(time.Duration(dur%(1<<40)) * time.Second)
		}
		var a catalog.WeeklyAvailability
		a.Set(time.Weekday(day), from, to)
		for d := time.Sunday; d <= time.Saturday; d++ {
			for h := range 24 {
				want := d == time.Weekday(day) && h >= from && h < to
				if a.IsZero() {
					want = true
				}
				if a.Has(d, h) != want {
					t.Fatalf("Set(%d, %d, %d): Has(%d, %d) = %v", day, from, to, d, h, !want)
				}
			}
		}
		back, err := catalog.ParseAvailability(a.String())
		if err != nil || back != a {
			t.Fatalf("Set(%d, %d, %d) = %q does not parse back: %v, %v", day, from, to, a.String(), back, err)
		}
		if err := w.Validate(); err != nil {
			if !errors.Is(err, catalog.ErrInvalid) {
				t.Fatalf("Validate(%v) refused without ErrInvalid: %v", w, err)
			}
			return
		}
		slots := w.HourSlots()
		if w.IsZero() != slots.IsZero() && !w.IsZero() {
			t.Fatalf("window %v touches no slot", w)
		}
		if a.IsZero() || w.IsZero() {
			return
		}
		shared := false
		for i := range a {
			shared = shared || a[i]&slots[i] != 0
		}
		if a.Overlaps(w) != shared {
			t.Fatalf("window %v, availability %q: Overlaps %v, HourSlots %q", w, a.String(), a.Overlaps(w), slots.String())
		}
	})
}
