package storetest

import (
	"context"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
)

// CheckAccounting checks the accounting that every committed change must keep, whatever the
// interleaving of writers or the moment a writer died:
//   - every provider's Active is its number of active claims, between 0 and its capacity;
//   - every demand's Filled is its number of active claims, at most its headcount;
//   - every provider's RatingSum and RatingCount are the ratings of the demands it served;
//   - every demand's events are one per version, consecutive, along the transition table,
//     the last one ending in the demand's status;
//   - an audited demand has one audit per provider who did the work, and it is Awarded when
//     every approved one is marked; a demand not audited has no audits.
//
// demands must list every demand a provider in providers ever claimed (the claims and ratings
// of the others are not counted).
func CheckAccounting(t TB, c *catalog.Catalog, demands, providers []uuid.UUID) {
	t.Helper()
	ctx := context.Background()
	active := map[uuid.UUID]int{}
	ratings := map[uuid.UUID][2]int{}
	for _, id := range demands {
		d, err := c.Demand(ctx, id)
		require.NoError(t, err)
		cls, err := c.Claims(ctx, id)
		require.NoError(t, err)
		n, done := 0, map[uuid.UUID]bool{}
		for _, cl := range cls {
			switch cl.State {
			case catalog.ClaimActive:
				n++
				active[cl.ProviderID]++
			case catalog.ClaimDone:
				done[cl.ProviderID] = true
				if d.Rating.Score != 0 {
					r := ratings[cl.ProviderID]
					ratings[cl.ProviderID] = [2]int{r[0] + d.Rating.Score, r[1] + 1}
				}
			}
		}
		assert.Equal(t, n, d.Filled, "demand %s: filled", id)
		assert.LessOrEqual(t, d.Filled, d.Headcount, "demand %s: filled", id)
		var evs []catalog.Event
		for after := uint64(0); ; after = evs[len(evs)-1].Seq {
			page, err := c.History(ctx, id, after, catalog.PageSizeMax)
			require.NoError(t, err)
			evs = append(evs, page...)
			if len(page) < catalog.PageSizeMax {
				break
			}
		}
		require.Len(t, evs, int(d.Version), "demand %s: one event per version", id)
		for i, e := range evs {
			assert.Equal(t, uint64(i+1), e.Seq)
			if i > 0 {
				assert.True(t, catalog.CanTransition(e.From, e.Action, e.To) && e.From == evs[i-1].To,
					"demand %s: event %d %s -%s-> %s", id, e.Seq, e.From, e.Action, e.To)
			}
		}
		assert.Equal(t, d.Status, evs[len(evs)-1].To, "demand %s: last event", id)
		as, err := c.Audits(ctx, id)
		require.NoError(t, err)
		if d.Status == catalog.StatusAudited || d.Status == catalog.StatusAwarded && len(done) > 0 {
			require.Len(t, as, len(done), "demand %s: one audit per provider who did the work", id)
			pending := 0
			for _, a := range as {
				assert.True(t, done[a.ProviderID], "demand %s: audit of one who did not do the work", id)
				assert.False(t, a.Awarded && !a.Approved, "demand %s: a rejected provider awarded", id)
				if a.Approved && !a.Awarded {
					pending++
				}
			}
			assert.Equal(t, d.Status == catalog.StatusAwarded, pending == 0, "demand %s: %s with %d awards pending", id, d.Status, pending)
		} else {
			assert.Empty(t, as, "demand %s: audits of a %s demand", id, d.Status)
		}
	}
	for _, id := range providers {
		got, err := c.Provider(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, active[id], got.Active, "provider %s: active", got.Name)
		assert.GreaterOrEqual(t, got.Active, 0, "provider %s: active", got.Name)
		assert.LessOrEqual(t, got.Active, got.Capacity, "provider %s: active", got.Name)
		assert.Equal(t, ratings[id], [2]int{got.RatingSum, got.RatingCount}, "provider %s: rating", got.Name)
	}
}
