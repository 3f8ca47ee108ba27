package catalog_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/catalog/memstore"
	"github.com/tongxin/tongxin/catalog/storetest"
)

// applyHookStore runs hook once, just before the first Apply, and counts the Applies: another
// operator writing between a move's reads and its write.
type applyHookStore struct {
	catalog.Store
	once    sync.Once
	hook    func()
	applies atomic.Int32
}

func (s *applyHookStore) Apply(ctx context.Context, c catalog.Change) error {
	s.once.Do(s.hook)
	s.applies.Add(1)
	return s.Store.Apply(ctx, c)
}

// versionedWorld is a fixture over a memstore with a board, two volunteers and a helper to run
// one move through a second catalog whose first write is preceded by an interfering one.
type versionedWorld struct {
	f     *storetest.Fixture
	mem   *memstore.Store
	board catalog.Board
	v1    catalog.Provider
	v2    catalog.Provider
}

func newVersionedWorld(t *testing.T) *versionedWorld {
	t.Helper()
	mem := memstore.New()
	f := storetest.NewFixture(t, mem)
	v1 := storetest.Volunteer("v1")
	v1.Capacity = 10
	v2 := storetest.Volunteer("v2")
	v2.Capacity = 10
	return &versionedWorld{f: f, mem: mem, board: f.Board(t), v1: f.Register(t, v1), v2: f.Register(t, v2)}
}

// published creates an Open wish of the given headcount and puts it on the board.
func (w *versionedWorld) published(t *testing.T, headcount int) catalog.Demand {
	t.Helper()
	d := storetest.Wish("r")
	d.Headcount = headcount
	d = w.f.OpenWish(t, d)
	out, err := w.f.Cat.Publish(context.Background(), w.board.ID, d.ID, catalog.Act{Actor: "community"})
	require.NoError(t, err)
	return out
}

// racer returns a catalog over the same store that runs hook (through w.f.Cat, on the store
// directly) just before its first write.
func (w *versionedWorld) racer(t *testing.T, hook func()) (*catalog.Catalog, *applyHookStore) {
	t.Helper()
	hooked := &applyHookStore{Store: w.mem, hook: hook}
	c, err := catalog.New(hooked, catalog.WithNow(w.f.Clock.Now), catalog.WithIDs(storetest.SeqIDs()))
	require.NoError(t, err)
	return c, hooked
}

func (w *versionedWorld) demand(t *testing.T, id uuid.UUID) catalog.Demand {
	t.Helper()
	d, err := w.f.Cat.Demand(context.Background(), id)
	require.NoError(t, err)
	return d
}

// TestVersionedMovesRetryProviderOrBoardRace: a move naming the demand version it read
// (Act.Version) loses the race for its write to another operator who changed only a provider
// or the board it also writes (the same volunteer claiming another demand, another demand put
// on the same board). The demand did not change, so the move must land; it failed with
// ErrVersionConflict.
func TestVersionedMovesRetryProviderOrBoardRace(t *testing.T) {
	ctx := context.Background()
	w := newVersionedWorld(t)
	// otherClaim makes v1 claim a fresh demand: v1's version moves, not the demand's.
	otherClaim := func() {
		other := w.published(t, 1)
		_, err := w.f.Cat.Claim(ctx, other.ID, w.v1.ID, catalog.Act{Actor: "v1"})
		require.NoError(t, err)
	}

	t.Run("claim", func(t *testing.T) {
		d := w.published(t, 1)
		c, hooked := w.racer(t, otherClaim)
		_, err := c.Claim(ctx, d.ID, w.v1.ID, catalog.Act{Actor: "v1", Version: d.Version})
		require.NoError(t, err)
		assert.Equal(t, int32(2), hooked.applies.Load(), "one lost race, one retry")
		assert.Equal(t, catalog.StatusAccepted, w.demand(t, d.ID).Status)
	})
	t.Run("withdraw/board", func(t *testing.T) {
		d := w.published(t, 1)
		_, err := w.f.Cat.Claim(ctx, d.ID, w.v2.ID, catalog.Act{Actor: "v2"})
		require.NoError(t, err)
		d = w.demand(t, d.ID)
		// The last claim withdrawn puts d back on the board, whose version another
		// publication moved meanwhile.
		c, _ := w.racer(t, func() { w.published(t, 1) })
		got, err := c.Withdraw(ctx, d.ID, w.v2.ID, catalog.Act{Actor: "v2", Version: d.Version})
		require.NoError(t, err)
		assert.Equal(t, catalog.StatusPublished, got.Status)
	})
	t.Run("withdraw/provider", func(t *testing.T) {
		d := w.published(t, 2)
		_, err := w.f.Cat.Claim(ctx, d.ID, w.v1.ID, catalog.Act{Actor: "v1"})
		require.NoError(t, err)
		d = w.demand(t, d.ID)
		c, _ := w.racer(t, otherClaim)
		got, err := c.Withdraw(ctx, d.ID, w.v1.ID, catalog.Act{Actor: "v1", Version: d.Version})
		require.NoError(t, err)
		assert.Equal(t, catalog.StatusPublished, got.Status)
	})
	// claimed returns a demand v1 has claimed, started when start is set.
	claimed := func(t *testing.T, start bool) catalog.Demand {
		d := w.published(t, 1)
		_, err := w.f.Cat.Claim(ctx, d.ID, w.v1.ID, catalog.Act{Actor: "v1"})
		require.NoError(t, err)
		if start {
			_, err = w.f.Cat.Start(ctx, d.ID, catalog.Act{Actor: "community"})
			require.NoError(t, err)
		}
		return w.demand(t, d.ID)
	}
	t.Run("cancel", func(t *testing.T) {
		d := claimed(t, false)
		c, _ := w.racer(t, otherClaim)
		got, err := c.Cancel(ctx, d.ID, catalog.Act{Actor: "r", Reason: "不需要了", Version: d.Version})
		require.NoError(t, err)
		assert.Equal(t, catalog.StatusCancelled, got.Status)
	})
	t.Run("complete", func(t *testing.T) {
		d := claimed(t, true)
		c, _ := w.racer(t, otherClaim)
		got, err := c.Complete(ctx, d.ID, []catalog.WorkReport{{ProviderID: w.v1.ID, Hours: hoursOf("1.5")}}, catalog.Act{Actor: "v1", Version: d.Version})
		require.NoError(t, err)
		assert.Equal(t, catalog.StatusCompleted, got.Status)
	})
	t.Run("rate", func(t *testing.T) {
		d := claimed(t, true)
		_, err := w.f.Cat.Complete(ctx, d.ID, []catalog.WorkReport{{ProviderID: w.v1.ID, Hours: hoursOf("1")}}, catalog.Act{Actor: "v1"})
		require.NoError(t, err)
		d = w.demand(t, d.ID)
		c, _ := w.racer(t, otherClaim)
		got, err := c.Rate(ctx, d.ID, 5, "好", catalog.Act{Actor: "r", Version: d.Version})
		require.NoError(t, err)
		assert.Equal(t, catalog.StatusRated, got.Status)
	})
	storetest.CheckAccounting(t, w.f.Cat, allDemands(t, w.f.Cat), []uuid.UUID{w.v1.ID, w.v2.ID})
}

// TestVersionedMoveStaleStaysFinal: when the demand itself changed since the caller read it,
// before the move or while it was being prepared, the move is refused with ErrVersionConflict
// and writes nothing: a stale version is never retried into a write.
func TestVersionedMoveStaleStaysFinal(t *testing.T) {
	ctx := context.Background()
	w := newVersionedWorld(t)

	t.Run("changed before", func(t *testing.T) {
		d := w.published(t, 2)
		_, err := w.f.Cat.Claim(ctx, d.ID, w.v2.ID, catalog.Act{Actor: "v2"})
		require.NoError(t, err)
		c, hooked := w.racer(t, func() {})
		_, err = c.Claim(ctx, d.ID, w.v1.ID, catalog.Act{Actor: "v1", Version: d.Version})
		require.ErrorIs(t, err, catalog.ErrVersionConflict)
		assert.Zero(t, hooked.applies.Load(), "nothing written")
	})
	t.Run("changed during", func(t *testing.T) {
		d := w.published(t, 2)
		before, err := w.f.Cat.Provider(ctx, w.v1.ID)
		require.NoError(t, err)
		c, hooked := w.racer(t, func() {
			_, err := w.f.Cat.Claim(ctx, d.ID, w.v2.ID, catalog.Act{Actor: "v2"})
			require.NoError(t, err)
		})
		_, err = c.Claim(ctx, d.ID, w.v1.ID, catalog.Act{Actor: "v1", Version: d.Version})
		require.ErrorIs(t, err, catalog.ErrVersionConflict)
		assert.Equal(t, int32(1), hooked.applies.Load(), "the lost write only, no retry")
		got := w.demand(t, d.ID)
		assert.Equal(t, 1, got.Filled)
		after, err := w.f.Cat.Provider(ctx, w.v1.ID)
		require.NoError(t, err)
		assert.Equal(t, before.Version, after.Version)
		assert.Equal(t, before.Active, after.Active)
	})
	storetest.CheckAccounting(t, w.f.Cat, allDemands(t, w.f.Cat), []uuid.UUID{w.v1.ID, w.v2.ID})
}

// allDemands lists the id of every demand c holds.
func allDemands(t *testing.T, c *catalog.Catalog) []uuid.UUID {
	t.Helper()
	var ids []uuid.UUID
	q := catalog.DemandQuery{Limit: catalog.PageSizeMax}
	for {
		page, err := c.Demands(context.Background(), q)
		require.NoError(t, err)
		for _, d := range page.Demands {
			ids = append(ids, d.ID)
		}
		if page.Next == uuid.Nil {
			return ids
		}
		q.After = page.Next
	}
}
