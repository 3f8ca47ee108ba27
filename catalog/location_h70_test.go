package catalog_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/catalog/storetest"
)

// withoutLocation runs fn with ImportLocation set to nil, restoring it after (even on a panic).
func withoutLocation(t *testing.T, fn func()) {
	t.Helper()
	saved := catalog.ImportLocation
	catalog.ImportLocation = nil
	defer func() { catalog.ImportLocation = saved }()
	fn()
}

// TestNilImportLocation: ImportLocation is an exported variable, and setting it to nil made
// ExportDemands (and ParseDemandsCSV, ImportDemands, TimeWindow.HourSlots, Overlaps and the
// Providers availability filter) panic inside time.In / time.ParseInLocation. The CSV
// functions of demands, which write and read zone-less local times, now refuse with ErrInvalid
// before writing or storing anything: writing UTC (or any other zone) without saying so would
// shift every time in a spreadsheet silently. The availability hours, which have no error to
// return, are read in UTC, as the year check of CreateDemand already did.
func TestNilImportLocation(t *testing.T) {
	ctx := context.Background()
	c, f := newCatalog(t)
	d := storetest.Wish("r")
	d.Deadline = f.Clock.Now().Add(48 * time.Hour)
	d.Window = catalog.TimeWindow{Start: f.Clock.Now().Add(time.Hour), End: f.Clock.Now().Add(2 * time.Hour)}
	d = f.OpenWish(t, d)
	p := storetest.Volunteer("v")
	p.Availability.Set(time.Saturday, 9, 12)
	f.Register(t, p)
	const in = "kind,title,category,requester_id,grid,deadline\n" +
		"wish,理发,haircut,r1,幸福街道/阳光社区,2026-05-20 18:00\n"

	withoutLocation(t, func() {
		var buf bytes.Buffer
		assert.NotPanics(t, func() {
			err := c.ExportDemands(ctx, &buf, catalog.DemandQuery{}, catalog.CSVOptions{})
			assert.ErrorIs(t, err, catalog.ErrInvalid)
		})
		assert.Zero(t, buf.Len(), "nothing written before the refusal")
		assert.NotPanics(t, func() {
			b := f.Board(t, d.ID)
			err := c.ExportBoard(ctx, &buf, b.ID, catalog.CSVOptions{Chinese: true})
			assert.ErrorIs(t, err, catalog.ErrInvalid)
		})
		assert.Zero(t, buf.Len(), "nothing written before the refusal")
		assert.NotPanics(t, func() {
			_, err := catalog.ParseDemandsCSV(strings.NewReader(in), nil)
			assert.ErrorIs(t, err, catalog.ErrInvalid)
		})
		assert.NotPanics(t, func() {
			n := countDemands(t, c)
			_, err := c.ImportDemands(ctx, strings.NewReader(in), "operator")
			assert.ErrorIs(t, err, catalog.ErrInvalid)
			assert.Equal(t, n, countDemands(t, c), "nothing imported")
		})
		// Providers' CSV holds no time: it works as before.
		buf.Reset()
		assert.NotPanics(t, func() {
			require.NoError(t, c.ExportProviders(ctx, &buf, catalog.ProviderQuery{}, catalog.CSVOptions{}))
			_, err := c.ImportProviders(ctx, &buf, "operator")
			require.NoError(t, err)
		})
		// No error to return: hours are read in UTC.
		sat := time.Date(2026, 5, 2, 10, 0, 0, 0, time.UTC) // a Saturday
		w := catalog.TimeWindow{Start: sat, End: sat.Add(time.Hour)}
		var want catalog.WeeklyAvailability
		want.Set(time.Saturday, 10, 11)
		assert.NotPanics(t, func() { assert.Equal(t, want, w.HourSlots()) })
		assert.NotPanics(t, func() { assert.True(t, p.Availability.Overlaps(w)) })
		assert.NotPanics(t, func() {
			_, err := c.Providers(ctx, catalog.ProviderQuery{Available: w})
			assert.NoError(t, err)
		})
	})
	// And back with a location, the same export works.
	var buf bytes.Buffer
	require.NoError(t, c.ExportDemands(ctx, &buf, catalog.DemandQuery{}, catalog.CSVOptions{}))
	assert.NotZero(t, buf.Len())
}

func countDemands(t *testing.T, c *catalog.Catalog) int {
	t.Helper()
	page, err := c.Demands(context.Background(), catalog.DemandQuery{Limit: catalog.PageSizeMax})
	require.NoError(t, err)
	return len(page.Demands)
}
