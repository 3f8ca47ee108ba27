package catalog_test

import (
	"context"
	"testing"
	"time"
	_ "time/tzdata" // the zones below, wherever the test runs

	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
)

// TestDemandTimesRoundTripInDaylightSavingZone: ImportLocation may be set to a zone with
// daylight saving time. The export wrote every time as local wall-clock text without an
// offset, and the hour a fall-back repeats names two instants: a deadline in the second
// 01:30 of New York's 1 November 2026 (06:30 UTC) was read back as the first (05:30 UTC), an
// hour early. A time whose wall-clock text does not name it alone is now written with its
// offset (RFC 3339), which import reads; every other time is written as before.
func TestDemandTimesRoundTripInDaylightSavingZone(t *testing.T) {
	ctx := context.Background()
	for _, zone := range []string{"America/New_York", "Europe/Berlin", "Australia/Lord_Howe"} {
		loc, err := time.LoadLocation(zone)
		require.NoError(t, err)
		saved := catalog.ImportLocation
		catalog.ImportLocation = loc
		func() {
			defer func() { catalog.ImportLocation = saved }()
			c, _ := newCatalog(t)
			var made []catalog.Demand
			// Every quarter hour (and a fraction) of a year within two hours of a change of
			// the clock.
			start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			for i := 0; i < 365*24*4; i++ {
				at := start.Add(time.Duration(i)*15*time.Minute + 250*time.Microsecond)
				if at.Add(-2*time.Hour).In(loc).Format("-0700") == at.Add(2*time.Hour).In(loc).Format("-0700") {
					continue
				}
				d := wishH65()
				d.Title = at.Format(time.RFC3339Nano)
				d.Deadline = at
				d.Window = catalog.TimeWindow{Start: at, End: at.Add(30 * time.Minute)}
				got, err := c.CreateDemand(ctx, d, "operator")
				require.NoError(t, err)
				made = append(made, got)
			}
			require.NotEmpty(t, made)
			assertRoundTrip(t, c, made)
		}()
	}
}
