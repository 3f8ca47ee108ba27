package catalog_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/catalog/memstore"
	"github.com/tongxin/tongxin/catalog/storetest"
)

// listCountingStore counts the demand lists read through it.
type listCountingStore struct {
	catalog.Store
	lists atomic.Int64
}

func (s *listCountingStore) Demands(ctx context.Context, q catalog.DemandQuery) ([]catalog.Demand, error) {
	s.lists.Add(1)
	return s.Store.Demands(ctx, q)
}

// TestPublishDoesNotListTheBoard: Publish checked BoardDemandsMax by paging through every
// demand on the board, so filling a board one demand at a time read it again on every call.
// It asks the store for a count instead.
func TestPublishDoesNotListTheBoard(t *testing.T) {
	ctx := context.Background()
	counting := &listCountingStore{Store: memstore.New()}
	f := storetest.NewFixture(t, counting)
	b := f.Board(t)
	for i := range 20 {
		d := f.OpenWish(t, storetest.Wish("r1"))
		before := counting.lists.Load()
		_, err := f.Cat.Publish(ctx, b.ID, d.ID, catalog.Act{Actor: "community"})
		require.NoError(t, err)
		assert.Zero(t, counting.lists.Load()-before, "publish #%d listed demands", i+1)
	}
	n, err := counting.BoardDemandCount(ctx, b.ID, catalog.Statuses(catalog.StatusPublished))
	require.NoError(t, err)
	assert.Equal(t, 20, n)
}

// fullerStore reports every board's demand count offset higher than it is: a board near
// BoardDemandsMax without writing thousands of demands. hook, if set, runs once after the
// first count.
type fullerStore struct {
	catalog.Store
	offset int
	once   sync.Once
	hook   func()
}

func (s *fullerStore) BoardDemandCount(ctx context.Context, boardID uuid.UUID, statuses catalog.StatusSet) (int, error) {
	n, err := s.Store.BoardDemandCount(ctx, boardID, statuses)
	if s.hook != nil {
		s.once.Do(s.hook)
	}
	return n + s.offset, err
}

func newCatalogOn(t *testing.T, s catalog.Store, clock func() time.Time) *catalog.Catalog {
	t.Helper()
	c, err := catalog.New(s, catalog.WithNow(clock), catalog.WithIDs(storetest.SeqIDs()))
	require.NoError(t, err)
	return c
}

// TestPublishAtBoardDemandsMax: the count decides, and a refusal changes nothing.
func TestPublishAtBoardDemandsMax(t *testing.T) {
	ctx := context.Background()
	mem := memstore.New()
	f := storetest.NewFixture(t, mem)
	b := f.Board(t)
	last, extra := f.OpenWish(t, storetest.Wish("r1")), f.OpenWish(t, storetest.Wish("r1"))
	c := newCatalogOn(t, &fullerStore{Store: mem, offset: catalog.BoardDemandsMax - 1}, f.Clock.Now)

	_, err := c.Publish(ctx, b.ID, last.ID, catalog.Act{Actor: "community"})
	require.NoError(t, err, "one place left")
	_, err = c.Publish(ctx, b.ID, extra.ID, catalog.Act{Actor: "community"})
	require.ErrorIs(t, err, catalog.ErrInvalid, "the board is full")
	got, err := f.Cat.Demand(ctx, extra.ID)
	require.NoError(t, err)
	assert.Equal(t, catalog.StatusOpen, got.Status)
	assert.Equal(t, uuid.Nil, got.BoardID)
	after, err := f.Cat.Board(ctx, b.ID)
	require.NoError(t, err)
	assert.Equal(t, b.Version+1, after.Version, "only the accepted publish moved the board")
}

// TestPublishRacingPublishForTheLastPlace: two operators publish onto a board with one place
// left; the second reads the count before the first writes. The board's version fences the
// count: the loser re-reads, finds the board full and is refused.
func TestPublishRacingPublishForTheLastPlace(t *testing.T) {
	ctx := context.Background()
	mem := memstore.New()
	f := storetest.NewFixture(t, mem)
	b := f.Board(t)
	first, second := f.OpenWish(t, storetest.Wish("r1")), f.OpenWish(t, storetest.Wish("r2"))
	other := newCatalogOn(t, &fullerStore{Store: mem, offset: catalog.BoardDemandsMax - 1}, f.Clock.Now)
	hooked := &fullerStore{Store: mem, offset: catalog.BoardDemandsMax - 1}
	hooked.hook = func() {
		_, err := other.Publish(ctx, b.ID, first.ID, catalog.Act{Actor: "community"})
		require.NoError(t, err)
	}
	racer := newCatalogOn(t, hooked, f.Clock.Now)

	_, err := racer.Publish(ctx, b.ID, second.ID, catalog.Act{Actor: "grid"})
	require.ErrorIs(t, err, catalog.ErrInvalid, "the first publish took the last place")
	n, err := mem.BoardDemandCount(ctx, b.ID, catalog.Statuses(catalog.StatusPublished))
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	got, err := f.Cat.Demand(ctx, second.ID)
	require.NoError(t, err)
	assert.Equal(t, catalog.StatusOpen, got.Status)
}

// TestBoardTakesDemandsBeforeItOpens: a board is filled before its first day (PublishBoard and
// Publish both accept), but takes no claim until it opens (ErrBoardClosed).
func TestBoardTakesDemandsBeforeItOpens(t *testing.T) {
	ctx := context.Background()
	f := storetest.NewFixture(t, memstore.New())
	first, second := f.OpenWish(t, storetest.Wish("r1")), f.OpenWish(t, storetest.Wish("r2"))
	v := f.Register(t, storetest.Volunteer("p1"))
	now := f.Clock.Now()
	b, err := f.Cat.PublishBoard(ctx, catalog.BoardSpec{
		Name: "六月微心愿榜", Kind: catalog.BoardWishes, Scope: storetest.CommunityA,
		OpensAt: now.Add(24 * time.Hour), ClosesAt: now.Add(31 * 24 * time.Hour),
		Demands: []uuid.UUID{first.ID}, Actor: "community",
	})
	require.NoError(t, err)
	got, err := f.Cat.Publish(ctx, b.ID, second.ID, catalog.Act{Actor: "community"})
	require.NoError(t, err, "publish before the board opens")
	assert.Equal(t, catalog.StatusPublished, got.Status)

	_, err = f.Cat.Claim(ctx, first.ID, v.ID, catalog.Act{Actor: "p1"})
	require.ErrorIs(t, err, catalog.ErrBoardClosed, "claim before the board opens")
	f.Clock.Advance(25 * time.Hour)
	_, err = f.Cat.Claim(ctx, first.ID, v.ID, catalog.Act{Actor: "p1"})
	require.NoError(t, err, "claim once it is open")
}
