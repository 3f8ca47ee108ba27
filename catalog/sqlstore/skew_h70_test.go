package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/catalog/storetest"
)

// TestSkewedClocksProviderAndBoardTimesAlike: the catalog's fixes of this session for
// provider and board times written by an instance whose clock runs behind (UpdateProvider, a
// claim's load, CloseBoard) hold on every store: two catalogs over one store, B a second
// behind A.
func TestSkewedClocksProviderAndBoardTimesAlike(t *testing.T) {
	eachStore(t, func(t *testing.T, f *storetest.Fixture) {
		ctx := context.Background()
		b, err := catalog.New(f.Store, catalog.WithNow(func() time.Time { return f.Clock.Now().Add(-time.Second) }))
		require.NoError(t, err)

		v := f.Register(t, storetest.Volunteer("v"))
		p := v
		p.Name = "改名"
		p, err = b.UpdateProvider(ctx, p)
		require.NoError(t, err)
		assert.False(t, p.UpdatedAt.Before(v.UpdatedAt), "update by B at %s, registered by A at %s", p.UpdatedAt, v.UpdatedAt)

		d, err := b.CreateDemand(ctx, storetest.Wish("r"), "operator") // dated at B's clock
		require.NoError(t, err)
		_, err = b.Submit(ctx, d.ID, catalog.Act{Actor: "operator"})
		require.NoError(t, err)
		_, err = b.Dispatch(ctx, d.ID, []uuid.UUID{v.ID}, catalog.Act{Actor: "community"})
		require.NoError(t, err)
		f.Clock.Advance(time.Second)
		p.Name = "又改名"
		p, err = f.Cat.UpdateProvider(ctx, p) // at A's clock, after B's moves
		require.NoError(t, err)
		_, err = b.Claim(ctx, d.ID, v.ID, catalog.Act{Actor: "v"})
		require.NoError(t, err)
		got, err := f.Cat.Provider(ctx, v.ID)
		require.NoError(t, err)
		assert.False(t, got.UpdatedAt.Before(p.UpdatedAt), "claim by B at %s, provider updated by A at %s", got.UpdatedAt, p.UpdatedAt)

		w := f.OpenWish(t, storetest.Wish("r"))
		board := f.Board(t, w.ID)
		closed, err := b.CloseBoard(ctx, board.ID, "community")
		require.NoError(t, err)
		assert.False(t, closed.ClosedAt.Before(closed.CreatedAt), "closed by B at %s, created by A at %s", closed.ClosedAt, closed.CreatedAt)
	})
}
