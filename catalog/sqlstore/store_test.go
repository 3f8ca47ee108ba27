package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/catalog/memstore"
	"github.com/tongxin/tongxin/catalog/sqlstore"
	"github.com/tongxin/tongxin/catalog/storetest"
	"github.com/tongxin/tongxin/internal/sqltest"
)

// raceClaims races claimers on one demand of headcount 1 through two catalogs over two Store
// handles of one database (two pools, as two processes would have): exactly one wins.
func raceClaims(t *testing.T, a, b catalog.Store) {
	t.Helper()
	const claimers = 24
	ctx := context.Background()
	f := storetest.NewFixture(t, a)
	d := f.OpenWish(t, storetest.Wish("r1"))
	f.Board(t, d.ID)
	vs := make([]catalog.Provider, claimers)
	for i := range vs {
		vs[i] = f.Register(t, storetest.Volunteer(fmt.Sprintf("v%d", i)))
	}
	other, err := catalog.New(b, catalog.WithNow(f.Clock.Now))
	require.NoError(t, err)
	cats := []*catalog.Catalog{f.Cat, other}
	errs := make([]error, claimers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range vs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = cats[i%2].Claim(ctx, d.ID, vs[i].ID, catalog.Act{Actor: "v"})
		}()
	}
	close(start)
	wg.Wait()
	won := 0
	for _, err := range errs {
		if err == nil {
			won++
		} else {
			assert.ErrorIs(t, err, catalog.ErrHeadcountFull)
		}
	}
	assert.Equal(t, 1, won, "exactly one claimer wins")
	for _, s := range []catalog.Store{a, b} {
		got, err := s.Demand(ctx, d.ID)
		require.NoError(t, err)
		assert.Equal(t, catalog.StatusAccepted, got.Status)
		assert.Equal(t, 1, got.Filled)
		cls, err := s.Claims(ctx, d.ID)
		require.NoError(t, err)
		assert.Len(t, cls, 1)
		evs, err := s.Events(ctx, d.ID, 0, catalog.PageSizeMax)
		require.NoError(t, err)
		assert.Len(t, evs, int(got.Version), "one event per version")
	}
}

func TestTwoHandlesRaceClaimsPostgres(t *testing.T) {
	a, dsn := openPostgres(t)
	b := openPostgresAt(t, dsn)
	raceClaims(t, a, b)
}

func TestTwoHandlesRaceClaimsSQLite(t *testing.T) {
	a, path := openSQLite(t)
	b, err := sqlstore.OpenSQLite(context.Background(), path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = b.Close() })
	raceClaims(t, a, b)
}

// rawSQLite opens the store's file directly, as an operator with a SQL shell would.
func rawSQLite(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func TestSchemaTooNew(t *testing.T) {
	ctx := context.Background()
	t.Run("sqlite", func(t *testing.T) {
		s, path := openSQLite(t)
		require.NoError(t, s.Close())
		_, err := rawSQLite(t, path).Exec(`UPDATE catalog_schema_version SET version = ?`, sqlstore.SchemaVersion()+1)
		require.NoError(t, err)
		_, err = sqlstore.OpenSQLite(ctx, path)
		assert.ErrorIs(t, err, sqlstore.ErrSchemaTooNew)
	})
	t.Run("postgres", func(t *testing.T) {
		s, dsn := openPostgres(t)
		require.NoError(t, s.Close())
		db, err := sql.Open("pgx", dsn)
		require.NoError(t, err)
		defer db.Close()
		_, err = db.Exec(`UPDATE catalog_schema_version SET version = $1`, sqlstore.SchemaVersion()+1)
		require.NoError(t, err)
		_, err = sqlstore.OpenPostgres(ctx, dsn, testPoolOptions...)
		assert.ErrorIs(t, err, sqlstore.ErrSchemaTooNew)
	})
}

// openConcurrently opens n stores on one new database at once: every one must succeed and
// the schema must be applied once.
func openConcurrently(t *testing.T, n int, open func() (catalog.Store, error)) {
	t.Helper()
	stores := make([]catalog.Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stores[i], errs[i] = open()
		}()
	}
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i])
		t.Cleanup(func() { _ = stores[i].Close() })
	}
	f := storetest.NewFixture(t, stores[0])
	d := f.OpenWish(t, storetest.Wish("r1"))
	got, err := stores[n-1].Demand(context.Background(), d.ID)
	require.NoError(t, err)
	assert.Equal(t, d.ID, got.ID)
}

func TestConcurrentOpen(t *testing.T) {
	ctx := context.Background()
	t.Run("sqlite", func(t *testing.T) {
		path := t.TempDir() + "/catalog.db"
		openConcurrently(t, 4, func() (catalog.Store, error) { return sqlstore.OpenSQLite(ctx, path) })
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := sqltest.FreshSchema(t)
		openConcurrently(t, 4, func() (catalog.Store, error) { return sqlstore.OpenPostgres(ctx, dsn, testPoolOptions...) })
	})
}

func TestReopenKeepsEverything(t *testing.T) {
	ctx := context.Background()
	s, path := openSQLite(t)
	f := storetest.NewFixture(t, s)
	d := f.OpenWish(t, storetest.Wish("r1"))
	p := f.Register(t, storetest.Volunteer("v1"))
	require.NoError(t, s.Close())
	_, err := s.Demand(ctx, d.ID)
	assert.ErrorIs(t, err, catalog.ErrClosed)

	again, err := sqlstore.OpenSQLite(ctx, path)
	require.NoError(t, err)
	defer again.Close()
	gotD, err := again.Demand(ctx, d.ID)
	require.NoError(t, err)
	assert.Equal(t, d.Version, gotD.Version)
	gotP, err := again.Provider(ctx, p.ID)
	require.NoError(t, err)
	assert.Equal(t, p, gotP)
}

func TestOpenRejects(t *testing.T) {
	ctx := context.Background()
	for _, path := range []string{"", "a.db?mode=ro", "a#b"} {
		_, err := sqlstore.OpenSQLite(ctx, path)
		assert.ErrorIs(t, err, catalog.ErrInvalid, "path %q", path)
	}
	for name, opts := range map[string][]sqlstore.Option{
		"no connections":    {sqlstore.WithMaxConns(0)},
		"too many":          {sqlstore.WithMaxConns(sqlstore.PostgresConnsMax + 1)},
		"zero idle timeout": {sqlstore.WithConnMaxIdleTime(0)},
	} {
		_, err := sqlstore.OpenPostgres(ctx, "postgres://nowhere.invalid/x", opts...)
		assert.ErrorIs(t, err, catalog.ErrInvalid, name)
	}
}

// stores opens one empty store of every kind available: memstore (the reference), SQLite in
// memory, SQLite in a file and, when configured, PostgreSQL.
func stores(t *testing.T) map[string]catalog.Store {
	t.Helper()
	mem, err := sqlstore.OpenSQLite(context.Background(), ":memory:")
	require.NoError(t, err)
	t.Cleanup(func() { _ = mem.Close() })
	file, _ := openSQLite(t)
	out := map[string]catalog.Store{"memstore": memstore.New(), "sqlite memory": mem, "sqlite file": file}
	if sqltest.PostgresConfigured() {
		out["postgres"], _ = openPostgres(t)
	}
	return out
}

var at = time.Date(2026, 5, 1, 9, 0, 0, 123000, time.UTC)

// exactRecords are records whose every field matters: nil apart from empty slices, decimals
// with trailing zeros and the zero Decimal{}, zero and non-zero times, optional ids.
func exactRecords() catalog.Change {
	d1 := catalog.Demand{
		ID: uuid.MustParse("00000000-0000-8000-8000-000000000001"), Kind: catalog.Project, Title: "楼道改造",
		Description: "加装扶手\n\"夜灯\"", Category: "renovation", Requester: catalog.RequesterRef{ID: "r1", Name: "李"},
		Location: catalog.Location{Grid: "幸福街道/阳光社区/1网格", At: catalog.Coordinates{Lat: 30.274084, Lng: 120.15507}},
		Skills:   []catalog.Skill{"construction"}, Headcount: 3, EstimatedMinutes: 900,
		Window: catalog.TimeWindow{Start: at, End: at.Add(time.Hour)}, Priority: catalog.PriorityDisabled,
		Urgency: catalog.UrgencyUrgent, Deadline: at.Add(48 * time.Hour), Budget: decimal.RequireFromString("12000.50"),
		Status: catalog.StatusDispatched, Version: 1, DispatchedTo: []uuid.UUID{uuid.MustParse("00000000-0000-8000-8000-0000000000a1")},
		Rating: catalog.Rating{Score: 4, Comment: "好", At: at}, CreatedAt: at, UpdatedAt: at,
	}
	d2 := catalog.Demand{
		ID: uuid.MustParse("00000000-0000-8000-8000-000000000002"), Kind: catalog.Wish, Title: "t", Category: "haircut",
		Location: catalog.Location{Grid: "幸福街道/阳光社区"}, Skills: []catalog.Skill{}, DispatchedTo: []uuid.UUID{},
		Budget: decimal.Zero, Status: catalog.StatusPublished, Version: 1, BoardID: uuid.MustParse("00000000-0000-8000-8000-0000000000b1"),
	}
	d3 := catalog.Demand{ID: uuid.MustParse("00000000-0000-8000-8000-000000000003"), Status: catalog.StatusDraft, Version: 1,
		Budget: decimal.New(5, 3)}
	var av catalog.WeeklyAvailability
	av.Set(time.Saturday, 8, 12)
	av.Set(time.Sunday, 23, 24)
	p1 := catalog.Provider{
		ID: uuid.MustParse("00000000-0000-8000-8000-0000000000a1"), Kind: catalog.Team, Name: "红马甲",
		Members: []catalog.Member{{PersonID: "m1", Name: "张"}}, Functions: []catalog.Function{},
		Skills: []catalog.Skill{"haircut", "haircut"}, Home: "幸福街道/阳光社区", At: catalog.Coordinates{Lat: -1.5, Lng: 1e-7},
		ServiceArea: []catalog.GridPath{"幸福街道"}, Capacity: 5, Availability: av, Flags: catalog.FlagProfessional,
		RatingSum: 9, RatingCount: 2, Active: 1, Version: 1, CreatedAt: at, UpdatedAt: at,
	}
	p2 := catalog.Provider{ID: uuid.MustParse("00000000-0000-8000-8000-0000000000a2"), Kind: catalog.Unit, Version: 1,
		Functions: []catalog.Function{catalog.FunctionLegalAid}, Members: []catalog.Member{}}
	b := catalog.Board{ID: uuid.MustParse("00000000-0000-8000-8000-0000000000b1"), Name: "榜", Kind: catalog.BoardWishes,
		Scope: "幸福街道", OpensAt: at, ClosesAt: at.Add(time.Hour), Version: 1, CreatedAt: at}
	return catalog.Change{
		Demands: []catalog.Demand{d1, d2, d3}, Providers: []catalog.Provider{p1, p2}, Boards: []catalog.Board{b},
		Claims: []catalog.Claim{
			{DemandID: d1.ID, ProviderID: p1.ID, State: catalog.ClaimDone, ClaimedAt: at, ClosedAt: at, Hours: decimal.RequireFromString("1.50")},
			{DemandID: d1.ID, ProviderID: p2.ID, State: catalog.ClaimActive, ClaimedAt: at},
		},
		Audits: []catalog.Audit{{DemandID: d1.ID, ProviderID: p1.ID, Approved: true, Hours: decimal.RequireFromString("1.5"),
			Auditor: "a", At: at, Awarded: true, AwardedAt: at, AwardedBy: "x"}},
		Events: []catalog.Event{
			{DemandID: d1.ID, Seq: 1, Action: catalog.ActionCreate, To: catalog.StatusDraft, Actor: "o", At: at},
			{DemandID: d1.ID, Seq: 2, Action: catalog.ActionClaim, From: catalog.StatusOpen, To: catalog.StatusClaimed, Actor: "o",
				ProviderID: p1.ID, Reason: "认领", At: at},
		},
	}
}

// TestRoundTripLikeMemstore writes the same records to every store and reads them back: each
// SQL store returns exactly what memstore returns.
func TestRoundTripLikeMemstore(t *testing.T) {
	ctx := context.Background()
	ch := exactRecords()
	type snapshot struct {
		Demands   []catalog.Demand
		Providers []catalog.Provider
		Board     catalog.Board
		Claims    []catalog.Claim
		PClaims   []catalog.Claim
		Audits    []catalog.Audit
		Events    []catalog.Event
	}
	read := func(t *testing.T, s catalog.Store) snapshot {
		var out snapshot
		for _, d := range ch.Demands {
			got, err := s.Demand(ctx, d.ID)
			require.NoError(t, err)
			out.Demands = append(out.Demands, got)
		}
		for _, p := range ch.Providers {
			got, err := s.Provider(ctx, p.ID)
			require.NoError(t, err)
			out.Providers = append(out.Providers, got)
		}
		var err error
		out.Board, err = s.Board(ctx, ch.Boards[0].ID)
		require.NoError(t, err)
		out.Claims, err = s.Claims(ctx, ch.Demands[0].ID)
		require.NoError(t, err)
		out.PClaims, err = s.ProviderClaims(ctx, ch.Providers[0].ID, catalog.ClaimQuery{Limit: 10})
		require.NoError(t, err)
		out.Audits, err = s.Audits(ctx, ch.Demands[0].ID)
		require.NoError(t, err)
		out.Events, err = s.Events(ctx, ch.Demands[0].ID, 0, 10)
		require.NoError(t, err)
		return out
	}
	var want snapshot
	all := stores(t)
	require.NoError(t, all["memstore"].Apply(ctx, ch))
	want = read(t, all["memstore"])
	for name, s := range all {
		if name == "memstore" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			require.NoError(t, s.Apply(ctx, ch))
			assert.Equal(t, want, read(t, s))
			// Empty lists are empty slices, not nil.
			cls, err := s.Claims(ctx, uuid.New())
			require.NoError(t, err)
			assert.NotNil(t, cls)
			assert.Empty(t, cls)
		})
	}
}

// TestApplyRejectsWhatCannotRoundTrip checks every value an SQL store refuses: ErrInvalid,
// and nothing written.
func TestApplyRejectsWhatCannotRoundTrip(t *testing.T) {
	ctx := context.Background()
	base := catalog.Demand{ID: uuid.New(), Kind: catalog.Wish, Title: "t", Category: "haircut",
		Location: catalog.Location{Grid: "s/c"}, Status: catalog.StatusOpen, Version: 1}
	cases := map[string]func(c *catalog.Change){
		"invalid utf-8 title":  func(c *catalog.Change) { c.Demands[0].Title = "\xff" },
		"nul in category":      func(c *catalog.Change) { c.Demands[0].Category = "a\x00b" },
		"version 0":            func(c *catalog.Change) { c.Demands[0].Version = 0 },
		"version above bigint": func(c *catalog.Change) { c.Demands[0].Version = math.MaxInt64 + 1 },
		"nan coordinates":      func(c *catalog.Change) { c.Demands[0].Location.At.Lat = math.NaN() },
		"event number 0": func(c *catalog.Change) {
			c.Events = []catalog.Event{{DemandID: c.Demands[0].ID, Seq: 0, Actor: "x"}}
		},
		"provider skill not utf-8": func(c *catalog.Change) {
			c.Providers = []catalog.Provider{{ID: uuid.New(), Version: 1, Skills: []catalog.Skill{"\xfe"}}}
		},
		"audit reason with nul": func(c *catalog.Change) {
			c.Audits = []catalog.Audit{{DemandID: c.Demands[0].ID, ProviderID: uuid.New(), Reason: "\x00"}}
		},
		"too many records": func(c *catalog.Change) { c.Events = make([]catalog.Event, catalog.ChangeRecordsMax) },
		// UnixMicro wraps around beyond int64 microseconds: year 300000 read back as -284555.
		"deadline beyond int64 microseconds": func(c *catalog.Change) { c.Demands[0].Deadline = farFuture },
		"window before int64 microseconds":   func(c *catalog.Change) { c.Demands[0].Window.Start = farPast },
		"board closing beyond int64 microseconds": func(c *catalog.Change) {
			c.Boards = []catalog.Board{{ID: uuid.New(), Version: 1, Scope: "s", OpensAt: at, ClosesAt: farFuture}}
		},
		"event beyond int64 microseconds": func(c *catalog.Change) {
			c.Events = []catalog.Event{{DemandID: c.Demands[0].ID, Seq: 1, Actor: "x", At: farFuture}}
		},
		"claim at the last int64 microsecond": func(c *catalog.Change) {
			c.Claims = []catalog.Claim{{DemandID: c.Demands[0].ID, ProviderID: uuid.New(), ClaimedAt: time.UnixMicro(math.MaxInt64)}}
		},
		"audit at the first int64 microsecond": func(c *catalog.Change) {
			c.Audits = []catalog.Audit{{DemandID: c.Demands[0].ID, ProviderID: uuid.New(), At: time.UnixMicro(math.MinInt64)}}
		},
	}
	for name, s := range stores(t) {
		if name == "memstore" {
			continue
		}
		for cname, mutate := range cases {
			t.Run(name+"/"+cname, func(t *testing.T) {
				ch := catalog.Change{Demands: []catalog.Demand{base}}
				ch.Demands[0].ID = uuid.New()
				mutate(&ch)
				err := s.Apply(ctx, ch)
				require.ErrorIs(t, err, catalog.ErrInvalid)
				_, err = s.Demand(ctx, ch.Demands[0].ID)
				assert.ErrorIs(t, err, catalog.ErrNotFound, "nothing written")
			})
		}
		t.Run(name+"/queries", func(t *testing.T) {
			_, err := s.Demands(ctx, catalog.DemandQuery{Limit: 1, Categories: make([]string, catalog.QueryCategoriesMax+1)})
			assert.ErrorIs(t, err, catalog.ErrInvalid)
			_, err = s.Events(ctx, base.ID, 0, 0)
			assert.ErrorIs(t, err, catalog.ErrInvalid)
			_, err = s.ProviderClaims(ctx, base.ID, catalog.ClaimQuery{Limit: catalog.PageSizeMax + 1})
			assert.ErrorIs(t, err, catalog.ErrInvalid)
			evs, err := s.Events(ctx, base.ID, math.MaxUint64, 5)
			require.NoError(t, err)
			assert.Empty(t, evs)
		})
	}
}

// TestCorruptRowsAreReported edits rows behind the store's back: reads report ErrCorrupt
// instead of returning something the store never wrote.
func TestCorruptRowsAreReported(t *testing.T) {
	ctx := context.Background()
	s, path := openSQLite(t)
	f := storetest.NewFixture(t, s)
	d := f.OpenWish(t, storetest.Wish("r1"))
	d2 := f.OpenWish(t, storetest.Wish("r2"))
	raw := rawSQLite(t, path)
	_, err := raw.Exec(`UPDATE catalog_demands SET version = 7 WHERE id = ?`, d.ID[:])
	require.NoError(t, err)
	_, err = s.Demand(ctx, d.ID)
	assert.ErrorIs(t, err, sqlstore.ErrCorrupt, "version column disagrees with the record")

	_, err = raw.Exec(`UPDATE catalog_demands SET status = ? WHERE id = ?`, int(catalog.StatusCancelled), d2.ID[:])
	require.NoError(t, err)
	_, err = s.Demands(ctx, catalog.DemandQuery{Statuses: catalog.Statuses(catalog.StatusCancelled), Limit: 10})
	assert.ErrorIs(t, err, sqlstore.ErrCorrupt, "a row that does not match its query")

	_, err = raw.Exec(`UPDATE catalog_events SET record = '{' WHERE demand_id = ?`, d2.ID[:])
	require.NoError(t, err)
	_, err = s.Events(ctx, d2.ID, 0, 10)
	assert.ErrorIs(t, err, sqlstore.ErrCorrupt, "a record that does not decode")
}

// Times beyond what int64 unix microseconds hold.
var (
	farFuture = time.Date(300000, 1, 1, 0, 0, 0, 0, time.UTC)
	farPast   = time.Date(-300000, 1, 1, 0, 0, 0, 0, time.UTC)
)

// TestFarTimeQueries: a query bound beyond int64 microseconds is the end or the beginning of
// time, as in memstore. It used to wrap around: a DeadlineBefore in year -300000 became a
// bound in year 284000 and the rows it returned were reported as ErrCorrupt.
func TestFarTimeQueries(t *testing.T) {
	ctx := context.Background()
	edge := time.UnixMicro(math.MaxInt64 - 1).UTC()
	ch := catalog.Change{
		Demands: []catalog.Demand{
			{ID: uuid.New(), Kind: catalog.Wish, Title: "t", Category: "haircut", Location: catalog.Location{Grid: "s/c"},
				Status: catalog.StatusOpen, Version: 1, Deadline: at},
			{ID: uuid.New(), Kind: catalog.Wish, Title: "t", Category: "haircut", Location: catalog.Location{Grid: "s/c"},
				Status: catalog.StatusOpen, Version: 1, Deadline: edge},
		},
		Boards: []catalog.Board{{ID: uuid.New(), Name: "b", Kind: catalog.BoardWishes, Scope: "s", OpensAt: at,
			ClosesAt: edge, Version: 1, CreatedAt: at}},
	}
	type answer struct {
		Demands []uuid.UUID
		Boards  []uuid.UUID
	}
	read := func(t *testing.T, s catalog.Store, bound time.Time) answer {
		var out answer
		ds, err := s.Demands(ctx, catalog.DemandQuery{DeadlineBefore: bound, Limit: 10})
		require.NoError(t, err)
		for _, d := range ds {
			out.Demands = append(out.Demands, d.ID)
		}
		bs, err := s.Boards(ctx, catalog.BoardQuery{OpenAt: bound, Limit: 10})
		require.NoError(t, err)
		for _, b := range bs {
			out.Boards = append(out.Boards, b.ID)
		}
		return out
	}
	all := stores(t)
	for _, s := range all {
		require.NoError(t, s.Apply(ctx, ch))
	}
	for _, bound := range []time.Time{farPast, farFuture, edge, at} {
		want := read(t, all["memstore"], bound)
		for name, s := range all {
			t.Run(fmt.Sprintf("%s/%d", name, bound.Year()), func(t *testing.T) {
				assert.Equal(t, want, read(t, s, bound))
			})
		}
	}
	got, err := all["memstore"].Demands(ctx, catalog.DemandQuery{DeadlineBefore: farFuture, Limit: 10})
	require.NoError(t, err)
	assert.Len(t, got, 2, "the test asks something")
}

// TestQueriesWithOddText: a query value that no stored text can equal (NUL, invalid UTF-8)
// matches nothing on every store, as in memstore. PostgreSQL used to fail such a query with
// SQLSTATE 22021 (it refuses the parameter) where SQLite answered.
func TestQueriesWithOddText(t *testing.T) {
	ctx := context.Background()
	d := catalog.Demand{ID: uuid.New(), Kind: catalog.Wish, Title: "t", Category: "haircut",
		Location: catalog.Location{Grid: "s/c/g"}, Status: catalog.StatusOpen, Version: 1}
	p := catalog.Provider{ID: uuid.New(), Kind: catalog.Unit, Name: "u", Skills: []catalog.Skill{"haircut"},
		Functions: []catalog.Function{catalog.FunctionLegalAid}, Home: "s/c/g", Capacity: 1, Version: 1}
	b := catalog.Board{ID: uuid.New(), Name: "b", Kind: catalog.BoardWishes, Scope: "s", OpensAt: at,
		ClosesAt: at.Add(time.Hour), Version: 1}
	ch := catalog.Change{Demands: []catalog.Demand{d}, Providers: []catalog.Provider{p}, Boards: []catalog.Board{b}}
	odd := []string{"\x00", "s\x00", "\xff", "s/\xe4\xb8", "s/c\xff"}
	for name, s := range stores(t) {
		require.NoError(t, s.Apply(ctx, ch))
		t.Run(name, func(t *testing.T) {
			for _, text := range odd {
				ds, err := s.Demands(ctx, catalog.DemandQuery{Grid: catalog.GridPath(text), Limit: 10})
				require.NoError(t, err, "grid %q", text)
				assert.Empty(t, ds, "grid %q", text)
				ds, err = s.Demands(ctx, catalog.DemandQuery{Categories: []string{text}, Limit: 10})
				require.NoError(t, err, "category %q", text)
				assert.Empty(t, ds, "category %q", text)
				ds, err = s.Demands(ctx, catalog.DemandQuery{Categories: []string{text, "haircut"}, Limit: 10})
				require.NoError(t, err, "category %q", text)
				assert.Len(t, ds, 1, "categories %q and haircut", text)
				for _, q := range []catalog.ProviderQuery{
					{Grid: catalog.GridPath(text)}, {Skill: catalog.Skill(text)}, {Function: catalog.Function(text)},
				} {
					q.Limit = 10
					ps, err := s.Providers(ctx, q)
					require.NoError(t, err, "%+v", q)
					assert.Empty(t, ps, "%+v", q)
				}
				bs, err := s.Boards(ctx, catalog.BoardQuery{Scope: catalog.GridPath(text), Limit: 10})
				require.NoError(t, err, "scope %q", text)
				assert.Empty(t, bs, "scope %q", text)
			}
			ps, err := s.Providers(ctx, catalog.ProviderQuery{Skill: "haircut", Function: catalog.FunctionLegalAid, Grid: "s", Limit: 10})
			require.NoError(t, err)
			assert.Len(t, ps, 1, "the test asks something")
		})
	}
}
