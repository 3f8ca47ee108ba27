package catalog_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/catalog/memstore"
	"github.com/tongxin/tongxin/catalog/storetest"
)

// listHookStore runs hook once, just after the first listing of a board's demands.
type listHookStore struct {
	catalog.Store
	once sync.Once
	hook func()
}

func (s *listHookStore) Demands(ctx context.Context, q catalog.DemandQuery) ([]catalog.Demand, error) {
	ds, err := s.Store.Demands(ctx, q)
	if q.BoardID != (uuid4{}) {
		s.once.Do(s.hook)
	}
	return ds, err
}

// TestClaimAfterWithdrawRacingCloseBoard: CloseBoard moves the version of every partly
// claimed demand on the board so that no claim lands after the close, but it lists the
// board's demands before it writes, and a withdrawal in between turned an Accepted demand
// (not listed: no one can claim it) into a Claimed one without touching the board. A claim
// that read the board open then landed after the close. A withdrawal that leaves a board's
// demand Claimed now moves the board's version, as one that returns it to the board does, so
// the close and the withdrawal cannot both land on what the other read.
func TestClaimAfterWithdrawRacingCloseBoard(t *testing.T) {
	ctx := context.Background()
	mem := memstore.New()
	f := storetest.NewFixture(t, mem)
	w := storetest.Wish("r1")
	w.Headcount = 2
	d := f.OpenWish(t, w)
	b := f.Board(t, d.ID)
	v1 := f.Register(t, storetest.Volunteer("v1"))
	v2 := f.Register(t, storetest.Volunteer("v2"))
	v3 := f.Register(t, storetest.Volunteer("v3"))
	for _, v := range []catalog.Provider{v1, v2} {
		_, err := f.Cat.Claim(ctx, d.ID, v.ID, catalog.Act{Actor: v.PersonID})
		require.NoError(t, err)
	}

	listed, goClose, closed := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	lister := &listHookStore{Store: mem, hook: func() { close(listed); <-goClose }}
	closer, err := catalog.New(lister, catalog.WithNow(f.Clock.Now))
	require.NoError(t, err)
	go func() {
		_, err := closer.CloseBoard(ctx, b.ID, "community")
		closed <- err
	}()
	<-listed // the close has listed the board's demands (this one Accepted: not listed)
	_, err = f.Cat.Withdraw(ctx, d.ID, v2.ID, catalog.Act{Actor: "v2"})
	require.NoError(t, err)

	claimer := &boardHookStore{Store: mem, hook: func() {
		close(goClose) // the claim has read the board open; now the close lands
		require.NoError(t, <-closed)
	}}
	racer, err := catalog.New(claimer, catalog.WithNow(f.Clock.Now))
	require.NoError(t, err)
	_, err = racer.Claim(ctx, d.ID, v3.ID, catalog.Act{Actor: "v3"})
	assert.ErrorIs(t, err, catalog.ErrBoardClosed, "a claim landed after the board closed")

	got, err := f.Cat.Board(ctx, b.ID)
	require.NoError(t, err)
	require.True(t, got.Closed)
	cls, err := f.Cat.Claims(ctx, d.ID)
	require.NoError(t, err)
	for _, cl := range cls {
		assert.NotEqual(t, v3.ID, cl.ProviderID, "v3 holds a claim made after the board closed")
	}
}
