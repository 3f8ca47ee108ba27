package sqlstore_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/catalog/storetest"
)

// TestReplicasVersionedMovesSharedProvider: operators at both instances move demands that
// share one provider and one board, each naming the demand version it read (Act.Version):
// claims, withdrawals (which put the demand back on the board), cancellations, completions
// and ratings. No demand changed since it was read, so every move lands; before, a move that
// lost the race for the provider's or the board's version failed with ErrVersionConflict as
// if its demand had changed (33 of 40 versioned claims in a probe). A stale demand version is
// still refused with ErrVersionConflict, changing nothing.
func TestReplicasVersionedMovesSharedProvider(t *testing.T) {
	ctx := context.Background()
	r := newReplicas(t)
	const n = 40
	v := storetest.Volunteer("v")
	v.Capacity = n
	p := r.f.Register(t, v).ID
	ds := make([]uuid.UUID, n)
	for i := range ds {
		ds[i] = r.f.OpenWish(t, storetest.Wish("r")).ID
	}
	board := r.f.Board(t, ds...)

	// versioned races op on every demand in ds, alternating instances, each with the version
	// read just before.
	versioned := func(name string, ds []uuid.UUID, op func(c *catalog.Catalog, id uuid.UUID, act catalog.Act) error) {
		t.Helper()
		fns := make([]func() error, 0, len(ds))
		for i, id := range ds {
			c := r.cats[i%2]
			d, err := c.Demand(ctx, id)
			require.NoError(t, err)
			act := catalog.Act{Actor: "community", Reason: "不需要了", Version: d.Version}
			fns = append(fns, func() error { return op(c, id, act) })
		}
		failed := 0
		for i, err := range race(fns...) {
			if err != nil {
				failed++
				t.Errorf("%s %d: %v", name, i, err)
			}
		}
		require.Zero(t, failed, "%s: %d of %d failed", name, failed, len(ds))
	}
	versioned("claim", ds, func(c *catalog.Catalog, id uuid.UUID, act catalog.Act) error {
		act.Actor = "v"
		_, err := c.Claim(ctx, id, p, act)
		return err
	})
	versioned("withdraw", ds[:n/2], func(c *catalog.Catalog, id uuid.UUID, act catalog.Act) error {
		act.Actor = "v"
		_, err := c.Withdraw(ctx, id, p, act)
		return err
	})
	count, err := r.f.Store.BoardDemandCount(ctx, board.ID, catalog.Statuses(catalog.StatusPublished))
	require.NoError(t, err)
	assert.Equal(t, n/2, count, "withdrawn demands back on the board")
	versioned("cancel", ds[n/2:3*n/4], func(c *catalog.Catalog, id uuid.UUID, act catalog.Act) error {
		_, err := c.Cancel(ctx, id, act)
		return err
	})
	rest := ds[3*n/4:]
	versioned("start", rest, func(c *catalog.Catalog, id uuid.UUID, act catalog.Act) error {
		_, err := c.Start(ctx, id, act)
		return err
	})
	versioned("complete", rest, func(c *catalog.Catalog, id uuid.UUID, act catalog.Act) error {
		act.Actor = "v"
		_, err := c.Complete(ctx, id, []catalog.WorkReport{{ProviderID: p, Hours: decimal.RequireFromString("1")}}, act)
		return err
	})
	versioned("rate", rest, func(c *catalog.Catalog, id uuid.UUID, act catalog.Act) error {
		act.Actor = "r"
		_, err := c.Rate(ctx, id, 4, "", act)
		return err
	})
	got, err := r.cats[1].Provider(ctx, p)
	require.NoError(t, err)
	assert.Zero(t, got.Active)
	assert.Equal(t, len(rest), got.RatingCount)

	// A stale version: refused, nothing written.
	d := ds[0] // Published again after its withdrawal; its version moved twice since creation
	stale, err := r.cats[0].Demand(ctx, d)
	require.NoError(t, err)
	_, err = r.cats[1].Claim(ctx, d, p, catalog.Act{Actor: "v"})
	require.NoError(t, err)
	before, err := r.cats[0].Provider(ctx, p)
	require.NoError(t, err)
	_, err = r.cats[0].Withdraw(ctx, d, p, catalog.Act{Actor: "v", Version: stale.Version})
	require.ErrorIs(t, err, catalog.ErrVersionConflict)
	after, err := r.cats[1].Provider(ctx, p)
	require.NoError(t, err)
	assert.Equal(t, before.Version, after.Version)
	now, err := r.cats[1].Demand(ctx, d)
	require.NoError(t, err)
	assert.Equal(t, catalog.StatusAccepted, now.Status)
	assert.Equal(t, stale.Version+1, now.Version)

	storetest.CheckAccounting(t, r.cats[0], ds, []uuid.UUID{p})
}
