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
