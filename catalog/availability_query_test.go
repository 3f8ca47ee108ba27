package catalog_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/catalog/memstore"
	"github.com/tongxin/tongxin/catalog/storetest"
)

// A query for Saturday 10:00 China time finds a volunteer who serves "sat 8-18" (local hours),
// not one who serves at 02:00, whether the query's window is in China time or in UTC (as a
// window read back from the catalog is).
func TestProvidersAvailableKeepsZone(t *testing.T) {
	ctx := context.Background()
	f := storetest.NewFixture(t, memstore.New())
	day, err := catalog.ParseAvailability("sat 8-18")
	require.NoError(t, err)
	night, err := catalog.ParseAvailability("sat 1-3")
	require.NoError(t, err)
	pDay := storetest.Volunteer("v1")
	pDay.Availability = day
	pDay = f.Register(t, pDay)
	pNight := storetest.Volunteer("v2")
	pNight.Availability = night
	f.Register(t, pNight)

	local := time.Date(2026, 5, 2, 10, 0, 0, 0, catalog.ImportLocation) // a Saturday
	for _, start := range []time.Time{local, local.UTC()} {
		w := catalog.TimeWindow{Start: start, End: start.Add(time.Hour)}
		page, err := f.Cat.Providers(ctx, catalog.ProviderQuery{Available: w})
		require.NoError(t, err)
		require.Len(t, page.Providers, 1, "window %s", start)
		assert.Equal(t, pDay.ID, page.Providers[0].ID, "window %s", start)
	}
}

// TestOverlapsReadsLocalTime: the catalog keeps times in UTC, so a window read back from a
// store is in UTC; its hours are still read on the local (ImportLocation) clock. A Saturday
// 10:00 wish in China is 02:00 UTC, and a volunteer free "sat 1-3" must not match it.
func TestOverlapsReadsLocalTime(t *testing.T) {
	day, err := catalog.ParseAvailability("sat 8-18")
	require.NoError(t, err)
	night, err := catalog.ParseAvailability("sat 1-3")
	require.NoError(t, err)
	local := time.Date(2026, 5, 2, 10, 0, 0, 0, catalog.ImportLocation) // a Saturday
	for _, start := range []time.Time{local, local.UTC(), local.In(time.FixedZone("PST", -8*3600))} {
		w := catalog.TimeWindow{Start: start, End: start.Add(time.Hour)}
		assert.True(t, day.Overlaps(w), "sat 8-18 vs %s", start)
		assert.False(t, night.Overlaps(w), "sat 1-3 vs %s", start)
	}
}

// TestHourSlotsOnHalfHourZone: a platform may set ImportLocation to a zone whose offset is not
// whole hours (India, UTC+5:30). The walk over a window's hours truncated to the hour in
// absolute time, which there falls at half past the local hour: a window 10:45-11:15 local
// gave slot 10 only (from 10:30), missing 11, and one from 10:15 gave slot 9.
func TestHourSlotsOnHalfHourZone(t *testing.T) {
	saved := catalog.ImportLocation
	catalog.ImportLocation = time.FixedZone("IST", 5*3600+1800)
	defer func() { catalog.ImportLocation = saved }()

	at := func(h, m int) time.Time { return time.Date(2026, 5, 2, h, m, 0, 0, catalog.ImportLocation) } // a Saturday
	var want catalog.WeeklyAvailability
	want.Set(time.Saturday, 10, 12)
	got := catalog.TimeWindow{Start: at(10, 45), End: at(11, 15)}.HourSlots()
	assert.Equal(t, want, got, "10:45-11:15 touches hours 10 and 11")

	want = catalog.WeeklyAvailability{}
	want.Set(time.Saturday, 10, 11)
	got = catalog.TimeWindow{Start: at(10, 15).UTC(), End: at(10, 50).UTC()}.HourSlots()
	assert.Equal(t, want, got, "10:15-10:50 touches hour 10 only")

	eleven, err := catalog.ParseAvailability("sat 11-12")
	require.NoError(t, err)
	assert.True(t, eleven.Overlaps(catalog.TimeWindow{Start: at(10, 45), End: at(11, 15)}))
}

// TestEmptyWindowIsAnInstant: a window with End == Start (which Validate accepts) is the
// instant Start, in Start's hour. On the hour the walk took no slot, so the instant overlapped
// no stated hours and matching found every provider who states hours in conflict with it;
// at half past it already took the hour.
func TestEmptyWindowIsAnInstant(t *testing.T) {
	at := func(h, m int) time.Time { return time.Date(2026, 5, 2, h, m, 0, 0, catalog.ImportLocation) } // a Saturday
	ten, err := catalog.ParseAvailability("sat 10-11")
	require.NoError(t, err)
	eleven, err := catalog.ParseAvailability("sat 11-12")
	require.NoError(t, err)
	var want catalog.WeeklyAvailability
	want.Set(time.Saturday, 10, 11)
	for _, start := range []time.Time{at(10, 0), at(10, 0).UTC(), at(10, 30), at(10, 59)} {
		w := catalog.TimeWindow{Start: start, End: start}
		require.NoError(t, w.Validate())
		assert.Equal(t, want, w.HourSlots(), "instant %s", start)
		assert.True(t, ten.Overlaps(w), "sat 10-11 vs instant %s", start)
		assert.False(t, eleven.Overlaps(w), "sat 11-12 vs instant %s", start)
	}
	// An inverted window stays refused, and an instant is found by a query as its hour is.
	assert.ErrorIs(t, catalog.TimeWindow{Start: at(10, 0), End: at(9, 59)}.Validate(), catalog.ErrInvalid)
	ctx := context.Background()
	f := storetest.NewFixture(t, memstore.New())
	p := storetest.Volunteer("v1")
	p.Availability = ten
	p = f.Register(t, p)
	q := storetest.Volunteer("v2")
	q.Availability = eleven
	f.Register(t, q)
	page, err := f.Cat.Providers(ctx, catalog.ProviderQuery{Available: catalog.TimeWindow{Start: at(10, 0), End: at(10, 0)}})
	require.NoError(t, err)
	require.Len(t, page.Providers, 1)
	assert.Equal(t, p.ID, page.Providers[0].ID)
}
