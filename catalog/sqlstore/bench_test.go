package sqlstore_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/catalog/memstore"
	"github.com/tongxin/tongxin/catalog/sqlstore"
	"github.com/tongxin/tongxin/internal/sqltest"
)

// importRows is the spreadsheet size of issue 4's benchmark: a district's demand list.
const importRows = 100_000

// demandSheet returns a demand list (台账) of n rows over 66 communities, varied categories,
// priorities, deadlines and budgets, as a community would export it.
func demandSheet(n int) string {
	wishCategories := []string{"repair", "repair_electric", "haircut", "elderly_visit", "elderly_meal", "tutoring", "cleaning", "goods"}
	priorities := []string{"", "elderly_alone", "disabled", "hardship", "children"}
	var b strings.Builder
	b.Grow(n * 120)
	b.WriteString("kind,title,category,requester_id,grid,priority,deadline,budget\n")
	for i := 0; i < n; i++ {
		grid := fmt.Sprintf("街道%d/社区%d/%d网格/%d栋", i%7, i%66, i%9, i%31)
		if i%50 == 0 {
			fmt.Fprintf(&b, "project,微创投项目%d,service_project,r%d,%s,,,\"%d.50\"\n", i, i, grid, 1000+i)
			continue
		}
		deadline := ""
		if i%3 == 0 {
			deadline = time.Date(2026, 6, 1+i%28, 0, 0, 0, 0, time.UTC).Format("2006-01-02")
		}
		fmt.Fprintf(&b, "wish,微心愿%d,%s,r%d,%s,%s,%s,\n", i, wishCategories[i%len(wishCategories)], i, grid,
			priorities[i%len(priorities)], deadline)
	}
	return b.String()
}

// BenchmarkImportSQLite imports a 100,000-row demand list through catalog.ImportDemands into a
// fresh SQLite file per iteration (issue 4: at most 10 s).
func BenchmarkImportSQLite(b *testing.B) {
	sheet := demandSheet(importRows)
	ctx := context.Background()
	var total time.Duration
	n := 0
	for b.Loop() {
		b.StopTimer()
		s, err := sqlstore.OpenSQLite(ctx, filepath.Join(b.TempDir(), fmt.Sprintf("import%d.db", n)))
		require.NoError(b, err)
		c, err := catalog.New(s)
		require.NoError(b, err)
		b.StartTimer()
		start := time.Now()
		ds, err := c.ImportDemands(ctx, strings.NewReader(sheet), "operator")
		total += time.Since(start)
		require.NoError(b, err)
		require.Len(b, ds, importRows)
		b.StopTimer()
		require.NoError(b, s.Close())
		b.StartTimer()
		n++
	}
	seconds := total.Seconds() / float64(n)
	b.ReportMetric(seconds, "s/import")
	b.ReportMetric(importRows/seconds, "rows/s")
}

// BenchmarkParseCSV is the catalog's share of the import: parsing and validating the sheet,
// with no store.
func BenchmarkParseCSV(b *testing.B) {
	sheet := demandSheet(importRows)
	var total time.Duration
	n := 0
	for b.Loop() {
		start := time.Now()
		ds, err := catalog.ParseDemandsCSV(strings.NewReader(sheet), nil)
		total += time.Since(start)
		require.NoError(b, err)
		require.Len(b, ds, importRows)
		n++
	}
	seconds := total.Seconds() / float64(n)
	b.ReportMetric(seconds, "s/import")
	b.ReportMetric(importRows/seconds, "rows/s")
}

// BenchmarkImportPostgres is the same import into PostgreSQL (when TONGXIN_POSTGRES_DSN is
// set).
func BenchmarkImportPostgres(b *testing.B) {
	sqltest.PostgresDSN(b)
	sheet := demandSheet(importRows)
	ctx := context.Background()
	var total time.Duration
	n := 0
	for b.Loop() {
		b.StopTimer()
		s, _ := openPostgres(b)
		c, err := catalog.New(s)
		require.NoError(b, err)
		b.StartTimer()
		start := time.Now()
		ds, err := c.ImportDemands(ctx, strings.NewReader(sheet), "operator")
		total += time.Since(start)
		require.NoError(b, err)
		require.Len(b, ds, importRows)
		n++
	}
	seconds := total.Seconds() / float64(n)
	b.ReportMetric(seconds, "s/import")
	b.ReportMetric(importRows/seconds, "rows/s")
}

// importedSQLite returns a SQLite file store holding the 100,000-row demand list.
func importedSQLite(b *testing.B) (*sqlstore.Store, *catalog.Catalog) {
	b.Helper()
	s, _ := openSQLite(b)
	c, err := catalog.New(s)
	require.NoError(b, err)
	_, err = c.ImportDemands(context.Background(), strings.NewReader(demandSheet(importRows)), "operator")
	require.NoError(b, err)
	return s, c
}

// BenchmarkListOpenByCommunityCategory lists the first page (50) of one community's open
// demands in two categories, among 100,000 demands: the board page a community operator opens.
func BenchmarkListOpenByCommunityCategory(b *testing.B) {
	s, _ := importedSQLite(b)
	ctx := context.Background()
	q := catalog.DemandQuery{Statuses: catalog.OpenStatuses, Grid: "街道1/社区8", Categories: []string{"haircut", "tutoring"},
		Limit: catalog.PageSizeDefault}
	var lat []time.Duration
	for b.Loop() {
		start := time.Now()
		page, err := s.Demands(ctx, q)
		lat = append(lat, time.Since(start))
		require.NoError(b, err)
		require.NotEmpty(b, page)
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "ms-p99")
}

// claimBench claims demands of a board one by one through a catalog: each claim is a read of
// the board, the demand and the provider and one Apply of the demand, the provider, the claim
// and the event.
func claimBench(b *testing.B, s catalog.Store) {
	ctx := context.Background()
	c, err := catalog.New(s)
	require.NoError(b, err)
	const demands = 20_000
	sheet := demandSheet(demands)
	ds, err := c.ImportDemands(ctx, strings.NewReader(sheet), "operator")
	require.NoError(b, err)
	var wishes []uuid.UUID
	for _, d := range ds {
		if d.Kind == catalog.Wish && d.Location.Grid.Truncate(catalog.LevelStreet) == "街道1" {
			wishes = append(wishes, d.ID)
		}
	}
	now := time.Now()
	_, err = c.PublishBoard(ctx, catalog.BoardSpec{Name: "榜", Kind: catalog.BoardWishes, Scope: "街道1",
		OpensAt: now.Add(-time.Hour), ClosesAt: now.Add(24 * time.Hour), Demands: wishes, Actor: "community"})
	require.NoError(b, err)
	var skills []catalog.Skill
	for _, d := range ds {
		for _, sk := range d.Skills {
			if !slices.Contains(skills, sk) {
				skills = append(skills, sk)
			}
		}
	}
	// One provider serves at most CapacityMax demands at once: register another when full.
	var p catalog.Provider
	register := func(n int) {
		p, err = c.RegisterProvider(ctx, catalog.Provider{Kind: catalog.Volunteer, Name: "v", PersonID: fmt.Sprintf("v%d", n),
			Home: "街道1", ServiceArea: []catalog.GridPath{"街道1"}, Capacity: catalog.CapacityMax, Skills: skills}, "operator")
		require.NoError(b, err)
	}
	i := 0
	start := time.Now()
	for b.Loop() {
		if i == len(wishes) {
			b.Fatalf("ran out of demands after %d claims", i)
		}
		if i%catalog.CapacityMax == 0 {
			b.StopTimer()
			register(i)
			b.StartTimer()
		}
		_, err := c.Claim(ctx, wishes[i], p.ID, catalog.Act{Actor: "v"})
		require.NoError(b, err)
		i++
	}
	b.ReportMetric(float64(i)/time.Since(start).Seconds(), "claims/s")
}

func BenchmarkClaimSQLite(b *testing.B) {
	s, _ := openSQLite(b)
	claimBench(b, s)
}

func BenchmarkClaimPostgres(b *testing.B) {
	s, _ := openPostgres(b)
	claimBench(b, s)
}

// BenchmarkPublishFillBoard publishes one more wish onto a board that already holds size
// demands, then cancels it (untimed) so the board stays at size: ns/publish should not grow
// with the board.
func BenchmarkPublishFillBoard(b *testing.B) {
	stores := map[string]func(b *testing.B) catalog.Store{
		"memstore": func(*testing.B) catalog.Store { return memstore.New() },
		"sqlite":   func(b *testing.B) catalog.Store { s, _ := openSQLite(b); return s },
	}
	for _, name := range []string{"memstore", "sqlite"} {
		for _, size := range []int{100, 5000} {
			b.Run(fmt.Sprintf("%s/board=%d", name, size), func(b *testing.B) { publishFillBench(b, stores[name](b), size) })
		}
	}
}

func BenchmarkPublishFillBoardPostgres(b *testing.B) {
	for _, size := range []int{100, 5000} {
		b.Run(fmt.Sprintf("board=%d", size), func(b *testing.B) {
			s, _ := openPostgres(b)
			publishFillBench(b, s, size)
		})
	}
}

func publishFillBench(b *testing.B, s catalog.Store, size int) {
	ctx := context.Background()
	c, err := catalog.New(s)
	require.NoError(b, err)
	const grid = "街道1/社区1/1网格/1栋"
	var sheet strings.Builder
	sheet.WriteString("kind,title,category,requester_id,grid\n")
	for i := range size {
		fmt.Fprintf(&sheet, "wish,微心愿%d,haircut,r%d,%s\n", i, i, grid)
	}
	ds, err := c.ImportDemands(ctx, strings.NewReader(sheet.String()), "operator")
	require.NoError(b, err)
	ids := make([]uuid.UUID, len(ds))
	for i, d := range ds {
		ids[i] = d.ID
	}
	now := time.Now()
	board, err := c.PublishBoard(ctx, catalog.BoardSpec{Name: "榜", Kind: catalog.BoardWishes, Scope: "街道1/社区1",
		OpensAt: now.Add(-time.Hour), ClosesAt: now.Add(24 * time.Hour), Demands: ids, Actor: "community"})
	require.NoError(b, err)
	wish := catalog.Demand{Kind: catalog.Wish, Title: "上门理发", Category: "haircut", Status: catalog.StatusOpen,
		Requester: catalog.RequesterRef{ID: "r"}, Location: catalog.Location{Grid: grid}}
	var publishing time.Duration
	n := 0
	for b.Loop() {
		b.StopTimer()
		d, err := c.CreateDemand(ctx, wish, "operator")
		require.NoError(b, err)
		b.StartTimer()
		start := time.Now()
		_, err = c.Publish(ctx, board.ID, d.ID, catalog.Act{Actor: "community"})
		publishing += time.Since(start)
		require.NoError(b, err)
		b.StopTimer()
		_, err = c.Cancel(ctx, d.ID, catalog.Act{Actor: "community", Reason: "bench"})
		require.NoError(b, err)
		b.StartTimer()
		n++
	}
	b.ReportMetric(float64(publishing.Nanoseconds())/float64(n), "ns/publish")
}
