package storetest

import (
	"context"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
)

var (
	queryGrids = []catalog.GridPath{
		BuildingA1, GridA1, CommunityA + "/2网格", CommunityB + "/1网格/1栋", CommunityB,
		"平安街道/东风社区/3网格", "平安街道/东风社区",
	}
	queryCategories = []string{"haircut", "repair", "repair_electric", "legal", "tutoring"}
)

// seedDemands writes n random demands straight through the store (statuses and boards vary)
// and returns them.
func seedDemands(t *testing.T, s catalog.Store, n int, rng *rand.Rand) []catalog.Demand {
	t.Helper()
	ctx := context.Background()
	boards := []uuid.UUID{uuid.New(), uuid.New()}
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	out := make([]catalog.Demand, 0, n)
	for i := 0; i < n; i++ {
		d := catalog.Demand{
			ID: uuid.New(), Kind: catalog.DemandKind(1 + rng.IntN(4)), Title: "t", Category: queryCategories[rng.IntN(len(queryCategories))],
			Requester: catalog.RequesterRef{ID: "r"}, Location: catalog.Location{Grid: queryGrids[rng.IntN(len(queryGrids))]},
			Headcount: 1, Priority: catalog.Priority(rng.IntN(16)), Status: catalog.Status(1 + rng.IntN(13)), Version: 1,
			CreatedAt: now, UpdatedAt: now,
		}
		if rng.IntN(2) == 0 {
			d.Deadline = now.Add(time.Duration(rng.IntN(100)) * time.Hour)
		}
		if rng.IntN(3) == 0 {
			d.BoardID = boards[rng.IntN(2)]
		}
		require.NoError(t, s.Apply(ctx, catalog.Change{Demands: []catalog.Demand{d}}))
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return lessID(out[i].ID, out[j].ID) })
	return out
}

func lessID(a, b uuid.UUID) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

func testDemandQueries(t *testing.T, s catalog.Store) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	all := seedDemands(t, s, 300, rng)
	board := uuid.Nil
	for _, d := range all {
		if d.BoardID != uuid.Nil {
			board = d.BoardID
			break
		}
	}
	cases := map[string]catalog.DemandQuery{
		"all":                   {},
		"open":                  {Statuses: catalog.OpenStatuses},
		"community":             {Grid: CommunityA},
		"open community by cat": {Statuses: catalog.OpenStatuses, Grid: CommunityA, Categories: []string{"haircut"}},
		"grid subtree":          {Grid: GridA1},
		"street":                {Grid: Street},
		"board":                 {BoardID: board},
		"board published":       {BoardID: board, Statuses: catalog.Statuses(catalog.StatusPublished)},
		"kind":                  {Kind: catalog.Project},
		"priority":              {Priority: catalog.PriorityElderlyAlone | catalog.PriorityHardship},
		"categories":            {Categories: []string{"repair", "repair_electric"}},
		"deadline":              {DeadlineBefore: time.Date(2026, 5, 2, 9, 0, 0, 0, time.UTC), Statuses: catalog.OpenStatuses},
		"nothing":               {Grid: "无此街道"},
	}
	for name, q := range cases {
		t.Run(name, func(t *testing.T) {
			var want []uuid.UUID
			for _, d := range all {
				if q.Matches(d) {
					want = append(want, d.ID)
				}
			}
			for _, limit := range []int{1, 7, catalog.PageSizeMax} {
				q.Limit, q.After = limit, uuid.Nil
				var got []uuid.UUID
				for pages := 0; pages <= len(all)+1; pages++ {
					page, err := s.Demands(ctx, q)
					require.NoError(t, err)
					require.LessOrEqual(t, len(page), limit)
					for _, d := range page {
						got = append(got, d.ID)
					}
					if len(page) < limit {
						break
					}
					q.After = page[len(page)-1].ID
				}
				assert.Equal(t, want, got, "limit %d", limit)
			}
		})
	}
	_, err := s.Demands(ctx, catalog.DemandQuery{Limit: 0})
	assert.ErrorIs(t, err, catalog.ErrInvalid, "limit 0")
	_, err = s.Demands(ctx, catalog.DemandQuery{Limit: catalog.PageSizeMax + 1})
	assert.ErrorIs(t, err, catalog.ErrInvalid, "limit over the maximum")

	// Moving a demand between statuses moves it between query results.
	d := all[0]
	d.Status, d.Version = catalog.StatusPublished, 2
	require.NoError(t, s.Apply(ctx, catalog.Change{Demands: []catalog.Demand{d}}))
	page, err := s.Demands(ctx, catalog.DemandQuery{Statuses: catalog.Statuses(catalog.StatusPublished), Grid: d.Location.Grid, Limit: catalog.PageSizeMax})
	require.NoError(t, err)
	assert.Contains(t, ids(page), d.ID)
	d.Status, d.Version = catalog.StatusCancelled, 3
	require.NoError(t, s.Apply(ctx, catalog.Change{Demands: []catalog.Demand{d}}))
	page, err = s.Demands(ctx, catalog.DemandQuery{Statuses: catalog.Statuses(catalog.StatusPublished), Grid: d.Location.Grid, Limit: catalog.PageSizeMax})
	require.NoError(t, err)
	assert.NotContains(t, ids(page), d.ID)
}

// testBoardDemandCount checks BoardDemandCount against DemandQuery.Matches over random demands,
// and that it follows a demand moving on and off a board.
func testBoardDemandCount(t *testing.T, s catalog.Store) {
	ctx := context.Background()
	all := seedDemands(t, s, 300, rand.New(rand.NewPCG(3, 4)))
	boards := map[uuid.UUID]bool{uuid.New(): true}
	for _, d := range all {
		if d.BoardID != uuid.Nil {
			boards[d.BoardID] = true
		}
	}
	require.Len(t, boards, 3, "the seed puts demands on two boards")
	sets := map[string]catalog.StatusSet{
		"any":        0,
		"on board":   catalog.Statuses(catalog.StatusPublished, catalog.StatusClaimed, catalog.StatusAccepted),
		"published":  catalog.Statuses(catalog.StatusPublished),
		"open":       catalog.OpenStatuses,
		"no status":  catalog.StatusSet(1), // bit 0 is no status: nothing matches
		"every bit":  catalog.StatusSet(^uint16(0)),
		"terminal":   catalog.Statuses(catalog.StatusAwarded, catalog.StatusCancelled, catalog.StatusExpired),
		"draft only": catalog.Statuses(catalog.StatusDraft),
	}
	for name, set := range sets {
		t.Run(name, func(t *testing.T) {
			for board := range boards {
				q := catalog.DemandQuery{BoardID: board, Statuses: set}
				want := 0
				for _, d := range all {
					if q.Matches(d) {
						want++
					}
				}
				got, err := s.BoardDemandCount(ctx, board, set)
				require.NoError(t, err)
				assert.Equal(t, want, got, "board %s", board)
			}
			got, err := s.BoardDemandCount(ctx, uuid.Nil, set)
			require.NoError(t, err)
			assert.Zero(t, got, "uuid.Nil counts none, though most demands are on no board")
		})
	}

	// A demand moving onto a board and off it again moves the count.
	var d catalog.Demand
	for _, x := range all {
		if x.BoardID == uuid.Nil && x.Status == catalog.StatusOpen {
			d = x
			break
		}
	}
	require.NotEqual(t, uuid.Nil, d.ID, "the seed has an open demand on no board")
	board := uuid.New()
	onBoard := catalog.Statuses(catalog.StatusPublished, catalog.StatusClaimed)
	count := func() int {
		t.Helper()
		n, err := s.BoardDemandCount(ctx, board, onBoard)
		require.NoError(t, err)
		return n
	}
	d.Status, d.BoardID, d.Version = catalog.StatusPublished, board, d.Version+1
	require.NoError(t, s.Apply(ctx, catalog.Change{Demands: []catalog.Demand{d}}))
	assert.Equal(t, 1, count(), "published")
	d.Status, d.Version = catalog.StatusClaimed, d.Version+1
	require.NoError(t, s.Apply(ctx, catalog.Change{Demands: []catalog.Demand{d}}))
	assert.Equal(t, 1, count(), "claimed, still on the board")
	d.Status, d.Version = catalog.StatusInProgress, d.Version+1
	require.NoError(t, s.Apply(ctx, catalog.Change{Demands: []catalog.Demand{d}}))
	assert.Equal(t, 0, count(), "started: off the board, though it keeps the board id")
	n, err := s.BoardDemandCount(ctx, board, 0)
	require.NoError(t, err)
	assert.Equal(t, 1, n, "any status counts a demand that keeps the board id")
}

func ids(ds []catalog.Demand) []uuid.UUID {
	out := make([]uuid.UUID, len(ds))
	for i, d := range ds {
		out[i] = d.ID
	}
	return out
}

func testProviderQueries(t *testing.T, s catalog.Store) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(3, 4))
	skills := []catalog.Skill{"haircut", "legal_advice", "repair_electric", "tutoring"}
	var all []catalog.Provider
	for i := 0; i < 200; i++ {
		var av catalog.WeeklyAvailability
		if rng.IntN(2) == 0 {
			av.Set(time.Weekday(rng.IntN(7)), 8, 12)
		}
		p := catalog.Provider{
			ID: uuid.New(), Kind: catalog.ProviderKind(1 + rng.IntN(4)), Name: "p",
			Skills: []catalog.Skill{skills[rng.IntN(4)]}, Home: queryGrids[rng.IntN(len(queryGrids))],
			Capacity: rng.IntN(3), Active: rng.IntN(3), Availability: av, Version: 1,
		}
		if rng.IntN(3) == 0 {
			p.Skills = append(p.Skills, "companionship")
		}
		if p.Kind == catalog.Unit {
			p.Functions = []catalog.Function{catalog.FunctionLegalAid}
		}
		require.NoError(t, s.Apply(ctx, catalog.Change{Providers: []catalog.Provider{p}}))
		all = append(all, p)
	}
	sort.Slice(all, func(i, j int) bool { return lessID(all[i].ID, all[j].ID) })
	saturday := time.Date(2026, 5, 2, 9, 0, 0, 0, time.UTC)
	nineLocal := time.Date(2026, 5, 2, 9, 0, 0, 0, catalog.ImportLocation)
	cases := map[string]catalog.ProviderQuery{
		"all":           {},
		"skill":         {Skill: "haircut"},
		"second skill":  {Skill: "companionship"},
		"grid":          {Grid: CommunityA},
		"skill grid":    {Skill: "legal_advice", Grid: Street},
		"skill comm":    {Skill: "haircut", Grid: CommunityA},
		"skill subgrid": {Skill: "companionship", Grid: GridA1},
		"kind":          {Kind: catalog.Unit, Function: catalog.FunctionLegalAid},
		"available":     {Available: catalog.TimeWindow{Start: saturday, End: saturday.Add(2 * time.Hour)}},
		// Hours are read on the local clock (ImportLocation) whatever the window's zone.
		"available cst": {Available: catalog.TimeWindow{Start: saturday.In(catalog.ImportLocation), End: saturday.Add(2 * time.Hour).In(catalog.ImportLocation)}},
		"capacity":      {HasCapacity: true, Skill: "tutoring"},
		// An empty window is an instant in its hour: 09:00 local, inside the 8-12 hours.
		"available instant": {Available: catalog.TimeWindow{Start: nineLocal, End: nineLocal}},
	}
	for name, q := range cases {
		t.Run(name, func(t *testing.T) {
			var want []uuid.UUID
			for _, p := range all {
				if q.Matches(p) {
					want = append(want, p.ID)
				}
			}
			q.Limit = 9
			var got []uuid.UUID
			for pages := 0; pages <= len(all)+1; pages++ {
				page, err := s.Providers(ctx, q)
				require.NoError(t, err)
				for _, p := range page {
					got = append(got, p.ID)
				}
				if len(page) < q.Limit {
					break
				}
				q.After = page[len(page)-1].ID
			}
			assert.Equal(t, want, got)
		})
	}
	// A provider whose skills change moves between skill results.
	p := all[0]
	p.Skills, p.Version = []catalog.Skill{"brand_new_skill"}, 2
	require.NoError(t, s.Apply(ctx, catalog.Change{Providers: []catalog.Provider{p}}))
	page, err := s.Providers(ctx, catalog.ProviderQuery{Skill: "brand_new_skill", Limit: 10})
	require.NoError(t, err)
	require.Len(t, page, 1)
	assert.Equal(t, p.ID, page[0].ID)
	page, err = s.Providers(ctx, catalog.ProviderQuery{Skill: "brand_new_skill", Grid: p.Home.Truncate(catalog.LevelCommunity), Limit: 10})
	require.NoError(t, err)
	if p.Home.Depth() >= catalog.LevelCommunity {
		require.Len(t, page, 1, "found by skill within its community")
	}
	for _, old := range all[0].Skills {
		page, err = s.Providers(ctx, catalog.ProviderQuery{Skill: old, Grid: all[0].Home, Limit: catalog.PageSizeMax})
		require.NoError(t, err)
		for _, x := range page {
			assert.NotEqual(t, p.ID, x.ID, "no longer found by a skill it dropped")
		}
	}
}
