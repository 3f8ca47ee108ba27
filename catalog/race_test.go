package catalog_test

import (
	"context"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/catalog/memstore"
	"github.com/tongxin/tongxin/catalog/storetest"
)

// boardHookStore runs hook once, just after the first Board read: another operator acting
// between a move's read of the board and its write.
type boardHookStore struct {
	catalog.Store
	once sync.Once
	hook func()
}

func (s *boardHookStore) Board(ctx context.Context, id uuid.UUID) (catalog.Board, error) {
	b, err := s.Store.Board(ctx, id)
	s.once.Do(s.hook)
	return b, err
}

// TestWithdrawRacingCloseBoard: the last provider of an Accepted demand withdraws while the
// community closes the board. CloseBoard does not list Accepted demands, so it did not move
// this one's version; the withdrawal had read the board open and put the demand back on it
// (Published on a closed board: no one can claim it, and no CloseBoard will return it to Open,
// since closing a closed board does nothing). The withdrawal must see the close.
func TestWithdrawRacingCloseBoard(t *testing.T) {
	ctx := context.Background()
	mem := memstore.New()
	f := storetest.NewFixture(t, mem)
	d := f.OpenWish(t, storetest.Wish("r1"))
	b := f.Board(t, d.ID)
	v := f.Register(t, storetest.Volunteer("v1"))
	_, err := f.Cat.Claim(ctx, d.ID, v.ID, catalog.Act{Actor: "v1"})
	require.NoError(t, err)
	got, err := f.Cat.Demand(ctx, d.ID)
	require.NoError(t, err)
	require.Equal(t, catalog.StatusAccepted, got.Status)

	hooked := &boardHookStore{Store: mem}
	hooked.hook = func() {
		_, err := f.Cat.CloseBoard(ctx, b.ID, "community") // f.Cat drives mem directly
		require.NoError(t, err)
	}
	racer, err := catalog.New(hooked, catalog.WithNow(f.Clock.Now), catalog.WithIDs(storetest.SeqIDs()))
	require.NoError(t, err)
	_, err = racer.Withdraw(ctx, d.ID, v.ID, catalog.Act{Actor: "v1"})
	require.NoError(t, err)

	got, err = f.Cat.Demand(ctx, d.ID)
	require.NoError(t, err)
	closed, err := f.Cat.Board(ctx, b.ID)
	require.NoError(t, err)
	require.True(t, closed.Closed)
	assert.Equal(t, catalog.StatusOpen, got.Status, "the board closed before the withdrawal landed")
	assert.Equal(t, uuid.Nil, got.BoardID)
}

// TestBoardNeverOutgrowsCloseBoard: PublishBoard takes at most BoardDemandsMax demands, but
// Publish added more one at a time, and CloseBoard refuses a board with more than
// BoardDemandsMax demands to move: the board could then never be closed.
func TestBoardNeverOutgrowsCloseBoard(t *testing.T) {
	if testing.Short() {
		t.Skip("creates BoardDemandsMax demands")
	}
	ctx := context.Background()
	f := storetest.NewFixture(t, memstore.New())
	ids := make([]uuid.UUID, catalog.BoardDemandsMax)
	for i := range ids {
		ids[i] = f.OpenWish(t, storetest.Wish("r1")).ID
	}
	b := f.Board(t, ids...)
	extra := f.OpenWish(t, storetest.Wish("r1"))
	_, err := f.Cat.Publish(ctx, b.ID, extra.ID, catalog.Act{Actor: "community"})
	require.ErrorIs(t, err, catalog.ErrInvalid, "the board already holds BoardDemandsMax demands")
	got, err := f.Cat.Demand(ctx, extra.ID)
	require.NoError(t, err)
	assert.Equal(t, catalog.StatusOpen, got.Status, "a refusal changes nothing")

	_, err = f.Cat.CloseBoard(ctx, b.ID, "community")
	require.NoError(t, err)
	page, err := f.Cat.Demands(ctx, catalog.DemandQuery{Statuses: catalog.Statuses(catalog.StatusOpen), Limit: 1})
	require.NoError(t, err)
	require.Len(t, page.Demands, 1)
	assert.Equal(t, catalog.StatusOpen, page.Demands[0].Status)
}
