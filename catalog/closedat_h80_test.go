package catalog_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/catalog/memstore"
	"github.com/tongxin/tongxin/catalog/storetest"
)

// listFirstHookStore runs hook once, just before the first listing of a board's demands.
type listFirstHookStore struct {
	catalog.Store
	once sync.Once
	hook func()
}

func (s *listFirstHookStore) Demands(ctx context.Context, q catalog.DemandQuery) ([]catalog.Demand, error) {
	if q.BoardID != (uuid4{}) {
		s.once.Do(s.hook)
	}
	return s.Store.Demands(ctx, q)
}

// TestCloseBoardDatedAfterClaimsItLetLandH80: CloseBoard read the clock before it listed the
// board's demands, and a claim that took a demand's last place in between (the demand then
// Accepted, so not listed, so no conflict) landed before the close, yet was dated after it: the
// records showed a claim from the board a minute after the board closed (found by
// TestTwoCatalogsRaceOneBoardH80 on PostgreSQL, 14 µs apart). The close reads the clock after
// its listing, so it is dated no earlier than any claim that landed before it.
func TestCloseBoardDatedAfterClaimsItLetLandH80(t *testing.T) {
	ctx := context.Background()
	mem := memstore.New()
	f := storetest.NewFixture(t, mem)
	d := f.OpenWish(t, storetest.Wish("r1")) // headcount 1
	b := f.Board(t, d.ID)
	v1 := f.Register(t, storetest.Volunteer("v1"))

	var claimed catalog.Claim
	hooked := &listFirstHookStore{Store: mem, hook: func() {
		f.Clock.Advance(time.Minute) // the close has read the clock; the claim comes later
		var err error
		claimed, err = f.Cat.Claim(ctx, d.ID, v1.ID, catalog.Act{Actor: "v1"})
		require.NoError(t, err)
	}}
	closer, err := catalog.New(hooked, catalog.WithNow(f.Clock.Now))
	require.NoError(t, err)
	got, err := closer.CloseBoard(ctx, b.ID, "community")
	require.NoError(t, err)
	require.True(t, got.Closed)
	require.False(t, claimed.ClaimedAt.IsZero(), "the claim ran")
	assert.False(t, claimed.ClaimedAt.After(got.ClosedAt), "claim from the board at %s, board closed at %s",
		claimed.ClaimedAt, got.ClosedAt)
	stored, err := f.Cat.Board(ctx, b.ID)
	require.NoError(t, err)
	assert.Equal(t, got, stored)
}
