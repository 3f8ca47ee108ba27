package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/catalog/memstore"
	"github.com/tongxin/tongxin/catalog/sqlstore"
)

// TestMatchesMemstore drives memstore (the model) and a SQLite store with the same random
// changes, straight through catalog.Store, and checks after every step that both accepted or
// refused the change alike and that every read returns the same records: versions, inserts,
// conflicts, filters, cursors and limits, nil and empty slices, decimals.
func TestMatchesMemstore(t *testing.T) {
	ctx := context.Background()
	id := func(prefix byte, i int) uuid.UUID {
		u := uuid.UUID{prefix, byte(i)}
		u[6], u[8] = 0x80, 0x80
		return u
	}
	demandIDs := []uuid.UUID{id(1, 1), id(1, 2), id(1, 3), id(2, 1), id(2, 2), id(3, 1)}
	providerIDs := []uuid.UUID{id(4, 1), id(4, 2), id(5, 1), id(5, 2)}
	boardIDs := []uuid.UUID{id(6, 1), id(6, 2)}
	grids := []catalog.GridPath{"s", "s/a", "s/a/1", "s/a/1/9", "s/a/2", "s/b", "s/b/1", "t/c", "s/ab"}
	categories := []string{"haircut", "repair", "legal"}
	skills := []catalog.Skill{"haircut", "repair", "legal_advice"}
	base := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	pick := func(rt *rapid.T, label string, ids []uuid.UUID) uuid.UUID {
		return rapid.SampledFrom(ids).Draw(rt, label)
	}
	optionalTime := func(rt *rapid.T, label string) time.Time {
		if rapid.Bool().Draw(rt, label+" set") {
			return base.Add(time.Duration(rapid.IntRange(0, 200).Draw(rt, label)) * time.Hour)
		}
		return time.Time{}
	}

	rapid.Check(t, func(rt *rapid.T) {
		model := memstore.New()
		s, err := sqlstore.OpenSQLite(ctx, ":memory:")
		require.NoError(rt, err)
		defer s.Close()
		versions := map[uuid.UUID]uint64{} // as the model holds them

		version := func(rt *rapid.T, id uuid.UUID) uint64 {
			v := versions[id]
			return rapid.SampledFrom([]uint64{1, v + 1, v + 1, v + 1, v, v + 2}).Draw(rt, "version")
		}
		for step := range rapid.IntRange(1, 30).Draw(rt, "steps") {
			var ch catalog.Change
			for range rapid.IntRange(0, 3).Draw(rt, "demands") {
				d := catalog.Demand{
					ID: pick(rt, "demand", demandIDs), Kind: catalog.DemandKind(rapid.IntRange(1, 4).Draw(rt, "kind")),
					Title: "t", Category: rapid.SampledFrom(categories).Draw(rt, "category"),
					Location: catalog.Location{Grid: rapid.SampledFrom(grids).Draw(rt, "grid")},
					Priority: catalog.Priority(rapid.IntRange(0, 15).Draw(rt, "priority")),
					Status:   catalog.Status(rapid.IntRange(1, 13).Draw(rt, "status")),
					Deadline: optionalTime(rt, "deadline"), CreatedAt: base,
				}
				d.Version = version(rt, d.ID)
				if rapid.Bool().Draw(rt, "on board") {
					d.BoardID = pick(rt, "board", boardIDs)
				}
				switch rapid.IntRange(0, 2).Draw(rt, "skills") {
				case 1:
					d.Skills = []catalog.Skill{}
				case 2:
					d.Skills = []catalog.Skill{rapid.SampledFrom(skills).Draw(rt, "skill")}
				}
				if d.Kind == catalog.Project {
					d.Budget = decimal.New(int64(rapid.IntRange(1, 99999).Draw(rt, "budget")), -int32(rapid.IntRange(0, 2).Draw(rt, "exp")))
				}
				ch.Demands = append(ch.Demands, d)
			}
			for range rapid.IntRange(0, 2).Draw(rt, "providers") {
				var av catalog.WeeklyAvailability
				if rapid.Bool().Draw(rt, "hours") {
					day := time.Weekday(rapid.IntRange(0, 6).Draw(rt, "day"))
					from := rapid.IntRange(0, 23).Draw(rt, "from")
					av.Set(day, from, from+rapid.IntRange(1, 4).Draw(rt, "len"))
				}
				p := catalog.Provider{
					ID: pick(rt, "provider", providerIDs), Kind: catalog.ProviderKind(rapid.IntRange(1, 4).Draw(rt, "pkind")),
					Name: "p", Home: rapid.SampledFrom(grids).Draw(rt, "home"), Availability: av,
					Skills:   rapid.SliceOfNDistinct(rapid.SampledFrom(skills), 0, 2, func(s catalog.Skill) catalog.Skill { return s }).Draw(rt, "pskills"),
					Capacity: rapid.IntRange(0, 2).Draw(rt, "capacity"), Active: rapid.IntRange(0, 2).Draw(rt, "active"),
				}
				if rapid.Bool().Draw(rt, "functions") {
					p.Functions = []catalog.Function{catalog.FunctionLegalAid}
				}
				p.Version = version(rt, p.ID)
				ch.Providers = append(ch.Providers, p)
			}
			if rapid.IntRange(0, 3).Draw(rt, "board?") == 0 {
				b := catalog.Board{ID: pick(rt, "board", boardIDs), Name: "b", Kind: catalog.BoardWishes,
					Scope: rapid.SampledFrom(grids).Draw(rt, "scope"), OpensAt: optionalTime(rt, "opens"),
					ClosesAt: base.Add(time.Duration(rapid.IntRange(0, 200).Draw(rt, "closes")) * time.Hour),
					Closed:   rapid.Bool().Draw(rt, "closed")}
				b.Version = version(rt, b.ID)
				ch.Boards = append(ch.Boards, b)
			}
			for range rapid.IntRange(0, 2).Draw(rt, "claims") {
				cl := catalog.Claim{DemandID: pick(rt, "claim demand", demandIDs), ProviderID: pick(rt, "claim provider", providerIDs),
					State: catalog.ClaimState(rapid.IntRange(1, 4).Draw(rt, "state")), ClaimedAt: base}
				if cl.State == catalog.ClaimDone {
					cl.Hours = decimal.New(int64(rapid.IntRange(1, 500).Draw(rt, "hours")), -2)
				}
				ch.Claims = append(ch.Claims, cl)
			}
			if rapid.IntRange(0, 3).Draw(rt, "audit?") == 0 {
				ch.Audits = append(ch.Audits, catalog.Audit{DemandID: pick(rt, "audit demand", demandIDs),
					ProviderID: pick(rt, "audit provider", providerIDs), Approved: true, Hours: decimal.New(15, -1), At: base})
			}
			for range rapid.IntRange(0, 2).Draw(rt, "events") {
				ch.Events = append(ch.Events, catalog.Event{DemandID: pick(rt, "event demand", demandIDs),
					Seq: uint64(rapid.IntRange(1, 4).Draw(rt, "seq")), Action: catalog.ActionCreate, Actor: "x", At: base})
			}

			errModel, errSQL := model.Apply(ctx, ch), s.Apply(ctx, ch)
			if (errModel == nil) != (errSQL == nil) {
				rt.Fatalf("step %d: model %v, sqlstore %v", step, errModel, errSQL)
			}
			if ch.Records() == 1 {
				for _, sentinel := range []error{catalog.ErrInvalid, catalog.ErrNotFound, catalog.ErrAlreadyExists, catalog.ErrVersionConflict} {
					if errors.Is(errModel, sentinel) != errors.Is(errSQL, sentinel) {
						rt.Fatalf("step %d: model %v, sqlstore %v", step, errModel, errSQL)
					}
				}
			}
			if errModel == nil {
				for _, d := range ch.Demands {
					versions[d.ID] = d.Version
				}
				for _, p := range ch.Providers {
					versions[p.ID] = p.Version
				}
				for _, b := range ch.Boards {
					versions[b.ID] = b.Version
				}
			}
			compareReads(rt, model, s, demandIDs, providerIDs, boardIDs, grids, categories, skills, base)
		}
	})
}

func same[T any](rt *rapid.T, what string, model, got T, errModel, errGot error) {
	if (errModel == nil) != (errGot == nil) || !errors.Is(errGot, errors.Unwrap(errModel)) && errModel != nil {
		rt.Fatalf("%s: model error %v, sqlstore error %v", what, errModel, errGot)
	}
	if fmt.Sprintf("%#v", model) != fmt.Sprintf("%#v", got) {
		rt.Fatalf("%s:\nmodel    %#v\nsqlstore %#v", what, model, got)
	}
}

func compareReads(rt *rapid.T, model, s catalog.Store, demandIDs, providerIDs, boardIDs []uuid.UUID, grids []catalog.GridPath,
	categories []string, skills []catalog.Skill, base time.Time) {
	ctx := context.Background()
	cursor := func(label string, ids []uuid.UUID) uuid.UUID {
		if rapid.Bool().Draw(rt, label+" set") {
			return rapid.SampledFrom(ids).Draw(rt, label)
		}
		return uuid.Nil
	}
	for _, id := range demandIDs {
		m, em := model.Demand(ctx, id)
		g, eg := s.Demand(ctx, id)
		same(rt, "demand", m, g, em, eg)
		mc, em := model.Claims(ctx, id)
		gc, eg := s.Claims(ctx, id)
		same(rt, "claims", mc, gc, em, eg)
		ma, em := model.Audits(ctx, id)
		ga, eg := s.Audits(ctx, id)
		same(rt, "audits", ma, ga, em, eg)
		after := uint64(rapid.IntRange(0, 3).Draw(rt, "after seq"))
		me, em := model.Events(ctx, id, after, 2)
		ge, eg := s.Events(ctx, id, after, 2)
		same(rt, "events", me, ge, em, eg)
	}
	for _, id := range providerIDs {
		m, em := model.Provider(ctx, id)
		g, eg := s.Provider(ctx, id)
		same(rt, "provider", m, g, em, eg)
		q := catalog.ClaimQuery{ActiveOnly: rapid.Bool().Draw(rt, "active only"), After: cursor("claim after", demandIDs),
			Limit: rapid.IntRange(1, 3).Draw(rt, "claim limit")}
		mc, em := model.ProviderClaims(ctx, id, q)
		gc, eg := s.ProviderClaims(ctx, id, q)
		same(rt, "provider claims", mc, gc, em, eg)
	}
	for _, id := range boardIDs {
		m, em := model.Board(ctx, id)
		g, eg := s.Board(ctx, id)
		same(rt, "board", m, g, em, eg)
		statuses := catalog.StatusSet(rapid.Uint16().Draw(rt, "count statuses"))
		mn, em := model.BoardDemandCount(ctx, id, statuses)
		gn, eg := s.BoardDemandCount(ctx, id, statuses)
		same(rt, fmt.Sprintf("board demand count %b", statuses), mn, gn, em, eg)
	}
	dq := catalog.DemandQuery{After: cursor("demand after", demandIDs), Limit: rapid.IntRange(1, 4).Draw(rt, "limit")}
	if rapid.Bool().Draw(rt, "q statuses") {
		dq.Statuses = catalog.StatusSet(rapid.Uint16().Draw(rt, "statuses"))
	}
	if rapid.Bool().Draw(rt, "q board") {
		dq.BoardID = rapid.SampledFrom(boardIDs).Draw(rt, "q board id")
	}
	if rapid.Bool().Draw(rt, "q grid") {
		dq.Grid = rapid.SampledFrom(grids).Draw(rt, "q grid path")
	}
	dq.Categories = rapid.SliceOfN(rapid.SampledFrom(categories), 0, 3).Draw(rt, "q categories")
	if rapid.Bool().Draw(rt, "q kind") {
		dq.Kind = catalog.DemandKind(rapid.IntRange(1, 4).Draw(rt, "q kind value"))
	}
	dq.Priority = catalog.Priority(rapid.IntRange(0, 15).Draw(rt, "q priority"))
	if rapid.Bool().Draw(rt, "q deadline") {
		dq.DeadlineBefore = base.Add(time.Duration(rapid.IntRange(0, 200).Draw(rt, "q deadline h")) * time.Hour)
	}
	md, em := model.Demands(ctx, dq)
	gd, eg := s.Demands(ctx, dq)
	same(rt, fmt.Sprintf("demands %+v", dq), md, gd, em, eg)

	pq := catalog.ProviderQuery{After: cursor("provider after", providerIDs), Limit: rapid.IntRange(1, 4).Draw(rt, "p limit"),
		HasCapacity: rapid.Bool().Draw(rt, "q capacity")}
	if rapid.Bool().Draw(rt, "q skill") {
		pq.Skill = rapid.SampledFrom(skills).Draw(rt, "q skill value")
	}
	if rapid.Bool().Draw(rt, "q function") {
		pq.Function = catalog.FunctionLegalAid
	}
	if rapid.Bool().Draw(rt, "q home") {
		pq.Grid = rapid.SampledFrom(grids).Draw(rt, "q home grid")
	}
	if rapid.Bool().Draw(rt, "q pkind") {
		pq.Kind = catalog.ProviderKind(rapid.IntRange(1, 4).Draw(rt, "q pkind value"))
	}
	if rapid.Bool().Draw(rt, "q available") {
		start := base.Add(time.Duration(rapid.IntRange(0, 24*7).Draw(rt, "q avail start")) * time.Hour)
		pq.Available = catalog.TimeWindow{Start: start, End: start.Add(time.Duration(rapid.IntRange(0, 5).Draw(rt, "q avail len")) * time.Hour)}
	}
	mp, em := model.Providers(ctx, pq)
	gp, eg := s.Providers(ctx, pq)
	same(rt, fmt.Sprintf("providers %+v", pq), mp, gp, em, eg)

	bq := catalog.BoardQuery{After: cursor("board after", boardIDs), Limit: rapid.IntRange(1, 2).Draw(rt, "b limit")}
	if rapid.Bool().Draw(rt, "q scope") {
		bq.Scope = rapid.SampledFrom(grids).Draw(rt, "q scope value")
	}
	if rapid.Bool().Draw(rt, "q open at") {
		bq.OpenAt = base.Add(time.Duration(rapid.IntRange(0, 200).Draw(rt, "q open at h")) * time.Hour)
	}
	mb, em := model.Boards(ctx, bq)
	gb, eg := s.Boards(ctx, bq)
	same(rt, fmt.Sprintf("boards %+v", bq), mb, gb, em, eg)
}
