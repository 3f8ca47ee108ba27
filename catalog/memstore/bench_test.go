package memstore_test

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/catalog/memstore"
)

// The scale: one deployment holding a province's worth of lists.
const (
	benchDemands     = 1_000_000
	benchProviders   = 100_000
	benchCommunities = 100
	benchBatch       = 10_000 // records per Apply while building
)

var benchCategories = []struct {
	code  string
	skill catalog.Skill
}{
	{"haircut", "haircut"}, {"repair_electric", "repair_electric"}, {"legal", "legal_advice"}, {"health", "medical"},
	{"elderly_visit", "companionship"}, {"elderly_meal", "meal_delivery"}, {"tutoring", "tutoring"}, {"childcare", "childcare"},
	{"cleaning", "cleaning"}, {"culture_sport", "culture_sport"}, {"job_training", "job_training"}, {"goods", "goods_delivery"},
}

type claimPair struct{ demand, provider uuid.UUID }

type benchWorld struct {
	store          *memstore.Store
	cat            *catalog.Catalog
	board          catalog.Board
	claims         []claimPair                       // published demands with an eligible provider, in claim order
	providers      [benchCommunities][12][]uuid.UUID // by community and first skill
	bytesPerDemand float64
}

var (
	worldOnce sync.Once
	world     *benchWorld
)

func community(i int) catalog.GridPath {
	return catalog.GridPath(fmt.Sprintf("第%d街道/社区%03d", i/10, i))
}

// buildWorld writes the data straight through the store: 1,000,000 demands (each with its
// creation event) and 100,000 providers. A third of the demands are published on one board, the
// rest spread over the later statuses, as in a list that has been running for a while.
func buildWorld(b *testing.B) *benchWorld {
	worldOnce.Do(func() {
		ctx := context.Background()
		w := &benchWorld{store: memstore.New()}
		now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
		w.board = catalog.Board{ID: uuid.Must(uuid.NewV7()), Name: "省级微心愿榜", Kind: catalog.BoardWishes, Scope: "",
			OpensAt: now, ClosesAt: now.Add(365 * 24 * time.Hour), Version: 1, CreatedAt: now}
		w.board.Scope = community(0).Parent()
		if err := w.store.Apply(ctx, catalog.Change{Boards: []catalog.Board{w.board}}); err != nil {
			b.Fatal(err)
		}
		names := []string{"王阿姨", "李大爷", "张奶奶", "刘叔叔", "陈阿婆"}
		descriptions := []string{"", "家中水龙头漏水，需要上门维修", "独居老人，希望每周探访一次", "孩子放学后无人照看"}
		statuses := []catalog.Status{catalog.StatusPublished, catalog.StatusCompleted, catalog.StatusAwarded}
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		ch := catalog.Change{}
		flush := func() {
			if err := w.store.Apply(ctx, ch); err != nil {
				b.Fatal(err)
			}
			ch = catalog.Change{}
		}
		communities := make([]catalog.GridPath, benchCommunities)
		for i := range communities {
			communities[i] = community(i)
		}
		for i := 0; i < benchDemands; i++ {
			cat := benchCategories[i%len(benchCategories)]
			com := communities[(i/len(benchCategories))%benchCommunities]
			d := catalog.Demand{
				ID: uuid.Must(uuid.NewV7()), Kind: catalog.Wish, Title: fmt.Sprintf("微心愿 %07d", i),
				Description: descriptions[i%len(descriptions)], Category: cat.code,
				Requester: catalog.RequesterRef{ID: fmt.Sprintf("r%07d", i), Name: names[i%len(names)]},
				Location:  catalog.Location{Grid: com}, Skills: []catalog.Skill{cat.skill}, Headcount: 1, EstimatedMinutes: 60,
				Priority: catalog.Priority(i % 3), Status: statuses[(i/7)%len(statuses)], Version: 1, CreatedAt: now, UpdatedAt: now,
			}
			if d.Status == catalog.StatusPublished {
				d.BoardID = w.board.ID
			}
			ch.Demands = append(ch.Demands, d)
			ch.Events = append(ch.Events, catalog.Event{DemandID: d.ID, Seq: 1, Action: catalog.ActionCreate, To: d.Status, Actor: "import", At: now})
			if len(ch.Demands) == benchBatch {
				flush()
			}
		}
		flush()
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		w.bytesPerDemand = float64(after.HeapAlloc-before.HeapAlloc) / benchDemands

		// Each provider has three skills (categories i, i+1, i+2 mod 12), as a volunteer might.
		for i := 0; i < benchProviders; i++ {
			ci := i % benchCommunities
			p := catalog.Provider{
				ID: uuid.Must(uuid.NewV7()), Kind: catalog.Volunteer, Name: fmt.Sprintf("志愿者%06d", i), PersonID: fmt.Sprintf("v%06d", i),
				Home: communities[ci], Capacity: catalog.CapacityMax, Version: 1, CreatedAt: now, UpdatedAt: now,
			}
			for k := 0; k < 3; k++ {
				p.Skills = append(p.Skills, benchCategories[(i/benchCommunities+k)%len(benchCategories)].skill)
			}
			ch.Providers = append(ch.Providers, p)
			first := (i / benchCommunities) % len(benchCategories)
			w.providers[ci][first] = append(w.providers[ci][first], p.ID)
			if len(ch.Providers) == benchBatch {
				flush()
			}
		}
		flush()

		cat, err := catalog.New(w.store, catalog.WithNow(func() time.Time { return now.Add(time.Hour) }))
		if err != nil {
			b.Fatal(err)
		}
		w.cat = cat
		q := catalog.DemandQuery{BoardID: w.board.ID, Statuses: catalog.Statuses(catalog.StatusPublished), Limit: catalog.PageSizeMax}
		for {
			page, err := w.store.Demands(ctx, q)
			if err != nil {
				b.Fatal(err)
			}
			for _, d := range page {
				ps := w.providers[communityIndex(d.Location.Grid)][categoryIndex(d.Category)]
				w.claims = append(w.claims, claimPair{d.ID, ps[len(w.claims)%len(ps)]})
			}
			if len(page) < q.Limit {
				break
			}
			q.After = page[len(page)-1].ID
		}
		world = w
	})
	if world == nil {
		b.Fatal("building the benchmark world failed")
	}
	return world
}

// BenchmarkOpenDemandsByCommunityCategory lists the first page (50) of one community's open
// demands of one category, rotating over communities and categories. Reports p99 latency.
func BenchmarkOpenDemandsByCommunityCategory(b *testing.B) {
	if testing.Short() {
		b.Skip("builds 1,000,000 demands")
	}
	w := buildWorld(b)
	ctx := context.Background()
	var lat []time.Duration
	i := 0
	b.ResetTimer()
	for b.Loop() {
		q := catalog.DemandQuery{
			Statuses: catalog.OpenStatuses, Grid: community(i % benchCommunities),
			Categories: []string{benchCategories[(i/benchCommunities)%len(benchCategories)].code}, Limit: 50,
		}
		start := time.Now()
		page, err := w.cat.Demands(ctx, q)
		lat = append(lat, time.Since(start))
		if err != nil || len(page.Demands) != 50 {
			b.Fatalf("page of %d: %v", len(page.Demands), err)
		}
		i++
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1e6, "ms-p99")
	b.ReportMetric(w.bytesPerDemand, "B/demand")
}

// BenchmarkClaim claims published demands one after another through Catalog.Claim (every rule
// checked) on the full world. Reports claims per second.
func BenchmarkClaim(b *testing.B) {
	if testing.Short() {
		b.Skip("builds 1,000,000 demands")
	}
	w := buildWorld(b)
	ctx := context.Background()
	n := 0
	for b.Loop() {
		if len(w.claims) == 0 {
			b.Fatal("out of published demands")
		}
		c := w.claims[0]
		w.claims = w.claims[1:]
		if _, err := w.cat.Claim(ctx, c.demand, c.provider, catalog.Act{Actor: "vol"}); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "claims/s")
}

func communityIndex(g catalog.GridPath) int {
	var street, i int
	fmt.Sscanf(string(g.Community()), "第%d街道/社区%d", &street, &i)
	return i
}

func categoryIndex(code string) int {
	for i, c := range benchCategories {
		if c.code == code {
			return i
		}
	}
	return -1
}

// BenchmarkImportDemands imports a 100,000-row demand spreadsheet (台账) into an empty store,
// all rows validated, in one all-or-nothing write. Reports rows per second.
func BenchmarkImportDemands(b *testing.B) {
	if testing.Short() {
		b.Skip("parses 100,000 rows per iteration")
	}
	const rows = 100_000
	var sb strings.Builder
	sb.WriteString("\ufeff类型,标题,类别,居民编号,居民姓名,网格,重点人群,人数,截止时间\n")
	for i := 0; i < rows; i++ {
		fmt.Fprintf(&sb, "微心愿,上门服务%06d,%s,r%06d,王阿姨,%s/%d网格,独居老人,1,2026-06-30 18:00\n",
			i, benchCategories[i%len(benchCategories)].code, i, community(i%benchCommunities), i%7)
	}
	data := sb.String()
	ctx := context.Background()
	n := 0
	for b.Loop() {
		c, err := catalog.New(memstore.New())
		if err != nil {
			b.Fatal(err)
		}
		ds, err := c.ImportDemands(ctx, strings.NewReader(data), "operator")
		if err != nil || len(ds) != rows {
			b.Fatalf("imported %d: %v", len(ds), err)
		}
		n += rows
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "rows/s")
}
