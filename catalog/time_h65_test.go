package catalog_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
)

var cst = time.FixedZone("CST", 8*3600)

// A time window whose end lay past 9999 or before 0000 in China time was accepted, and the CSV
// export then wrote "10000-01-01 08:00:00" or "-0005-…", which import refuses: the export could
// not be read back. Such a window is refused with ErrInvalid and nothing is stored.
func TestWindowYearOutOfRangeRefused(t *testing.T) {
	ctx := context.Background()
	bad := map[string]time.Time{
		"year 10000":                  time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		"year 9999 late UTC is 10000": time.Date(9999, 12, 31, 16, 0, 0, 0, time.UTC),
		"year -5":                     time.Date(-5, 6, 1, 0, 0, 0, 0, time.UTC),
		"year -1 in CST":              time.Date(-1, 12, 31, 23, 59, 59, 999999000, cst),
	}
	for name, tm := range bad {
		for _, side := range []string{"start", "end"} {
			t.Run(name+" "+side, func(t *testing.T) {
				c, _ := newCatalog(t)
				d := wishH65()
				if side == "start" {
					d.Window.Start = tm
				} else {
					d.Window.End = tm
				}
				_, err := c.CreateDemand(ctx, d, "operator")
				require.ErrorIs(t, err, catalog.ErrInvalid)
				assert.ErrorIs(t, c.ValidateDemand(d), catalog.ErrInvalid)
				page, err := c.Demands(ctx, catalog.DemandQuery{})
				require.NoError(t, err)
				assert.Empty(t, page.Demands, "nothing stored")
			})
		}
	}
	// The limits themselves are kept and read back.
	for _, tm := range []time.Time{time.Date(0, 1, 1, 0, 0, 0, 0, cst), time.Date(9999, 12, 31, 23, 59, 59, 999999000, cst)} {
		c, _ := newCatalog(t)
		d := wishH65()
		d.Window = catalog.TimeWindow{Start: tm, End: tm}
		got, err := c.CreateDemand(ctx, d, "operator")
		require.NoError(t, err, tm)
		assertRoundTrip(t, c, []catalog.Demand{got})
	}
	// A spreadsheet giving a zone that moves the time past 9999 is refused too.
	const head = "kind,title,category,requester_id,grid,window_end\n"
	_, err := catalog.ParseDemandsCSV(strings.NewReader(head+"wish,x,haircut,r1,s/c,9999-12-31T23:00:00-05:00\n"), nil)
	require.ErrorIs(t, err, catalog.ErrInvalid)
	// So is a provider query's availability window: no stored provider's time could be there.
	c, _ := newCatalog(t)
	_, err = c.Providers(ctx, catalog.ProviderQuery{Available: catalog.TimeWindow{Start: bad["year 10000"]}})
	require.ErrorIs(t, err, catalog.ErrInvalid)
}

// Property: every demand CreateDemand accepts, with windows and deadlines drawn from around and beyond the
// four-digit years in any zone, survives ExportDemands → ImportDemands with its times intact.
func TestDemandTimesSurviveCSVRoundTrip(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(65, 65))
	randTime := func() time.Time {
		var year int
		switch rng.IntN(4) {
		case 0:
			year = rng.IntN(30) - 15 // around 0000
		case 1:
			year = 9985 + rng.IntN(30) // around 9999
		case 2:
			year = rng.IntN(40000) - 20000
		default:
			year = rng.IntN(10000)
		}
		if rng.IntN(8) == 0 {
			return time.Time{}
		}
		zone := time.FixedZone("z", (rng.IntN(28*4+1)-14*4)*900)
		return time.Date(year, time.Month(1+rng.IntN(12)), 1+rng.IntN(31), rng.IntN(24), rng.IntN(60), rng.IntN(60), rng.IntN(1e9), zone)
	}
	accepted, refused := 0, 0
	for batch := 0; batch < 5; batch++ {
		c, _ := newCatalog(t)
		var made []catalog.Demand
		for i := 0; i < 200; i++ {
			d := wishH65()
			d.Title = fmt.Sprintf("d%d", i)
			d.Window = catalog.TimeWindow{Start: randTime(), End: randTime()}
			d.Deadline = randTime()
			if !d.Window.Start.IsZero() && !d.Window.End.IsZero() && d.Window.End.Before(d.Window.Start) {
				d.Window.Start, d.Window.End = d.Window.End, d.Window.Start
			}
			got, err := c.CreateDemand(ctx, d, "operator")
			if err != nil {
				require.ErrorIs(t, err, catalog.ErrInvalid)
				refused++
				continue
			}
			accepted++
			made = append(made, got)
		}
		assertRoundTrip(t, c, made)
	}
	assert.Positive(t, accepted)
	assert.Positive(t, refused)
}

// assertRoundTrip exports c's demands, imports them into a fresh catalog and checks that every
// one of made comes back (matched by title) with the same window and deadline.
func assertRoundTrip(t *testing.T, c *catalog.Catalog, made []catalog.Demand) {
	t.Helper()
	ctx := context.Background()
	var buf bytes.Buffer
	require.NoError(t, c.ExportDemands(ctx, &buf, catalog.DemandQuery{}, catalog.CSVOptions{}))
	c2, _ := newCatalog(t)
	back, err := c2.ImportDemands(ctx, &buf, "operator")
	require.NoError(t, err)
	require.Len(t, back, len(made))
	byTitle := map[string]catalog.Demand{}
	for _, d := range back {
		byTitle[d.Title] = d
	}
	for _, d := range made {
		b, ok := byTitle[d.Title]
		require.True(t, ok, d.Title)
		assert.True(t, d.Window.Start.Equal(b.Window.Start), "%s start %s read back %s", d.Title, d.Window.Start, b.Window.Start)
		assert.True(t, d.Window.End.Equal(b.Window.End), "%s end %s read back %s", d.Title, d.Window.End, b.Window.End)
		assert.True(t, d.Deadline.Equal(b.Deadline), "%s deadline %s read back %s", d.Title, d.Deadline, b.Deadline)
	}
}

func wishH65() catalog.Demand {
	return catalog.Demand{
		Kind: catalog.Wish, Title: "上门理发", Category: "haircut",
		Requester: catalog.RequesterRef{ID: "r1", Name: "王阿姨"},
		Location:  catalog.Location{Grid: "幸福街道/阳光社区/1网格/3栋"},
	}
}

// The deadline had the window's defect: year 10000 or -5 was accepted and exported as a cell
// import refuses.
func TestDeadlineYearOutOfRangeRefused(t *testing.T) {
	ctx := context.Background()
	for _, tm := range []time.Time{time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 16, 0, 0, 0, time.UTC), time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC)} {
		c, _ := newCatalog(t)
		d := wishH65()
		d.Deadline = tm
		_, err := c.CreateDemand(ctx, d, "operator")
		require.ErrorIs(t, err, catalog.ErrInvalid, tm)
		page, err := c.Demands(ctx, catalog.DemandQuery{})
		require.NoError(t, err)
		assert.Empty(t, page.Demands, "nothing stored")
	}
	const head = "kind,title,category,requester_id,grid,deadline\n"
	_, err := catalog.ParseDemandsCSV(strings.NewReader(head+"wish,x,haircut,r1,s/c,9999-12-31T23:00:00-05:00\n"), nil)
	require.ErrorIs(t, err, catalog.ErrInvalid)
	// The limits themselves are kept and read back.
	for _, tm := range []time.Time{time.Date(0, 1, 1, 0, 0, 0, 0, cst), time.Date(9999, 12, 31, 23, 59, 59, 999999000, cst)} {
		c, _ := newCatalog(t)
		d := wishH65()
		d.Deadline = tm
		got, err := c.CreateDemand(ctx, d, "operator")
		require.NoError(t, err, tm)
		assertRoundTrip(t, c, []catalog.Demand{got})
	}
}
