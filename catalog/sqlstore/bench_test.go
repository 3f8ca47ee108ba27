package sqlstore_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/catalog/sqlstore"
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
	postgresDSN(b)
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
