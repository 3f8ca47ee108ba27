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

// TestBoardTimesOutOfRangeAlike: PublishBoard did not check the years of a board's opening
// and closing times, so a board closing in the year 300,000 (a typo, a "never" of
// time.Unix(1<<40, 0)) was published on memstore and refused by the SQL stores, which keep
// times as int64 microseconds. Like a deadline or a time window, a board's times must lie in
// the years 0000..9999 of China time: ErrInvalid on every store, nothing published.
func TestBoardTimesOutOfRangeAlike(t *testing.T) {
	eachStore(t, func(t *testing.T, f *storetest.Fixture) {
		ctx := context.Background()
		d := f.OpenWish(t, storetest.Wish("r"))
		now := f.Clock.Now()
		far := time.Date(300_000, 1, 1, 0, 0, 0, 0, time.UTC)
		for name, spec := range map[string]catalog.BoardSpec{
			"closes in year 300000": {OpensAt: now, ClosesAt: far},
			"closes in year 10000":  {OpensAt: now, ClosesAt: time.Date(10_000, 1, 1, 0, 0, 0, 0, time.UTC)},
			"opens in year -300000": {OpensAt: time.Date(-300_000, 1, 1, 0, 0, 0, 0, time.UTC), ClosesAt: now.Add(time.Hour)},
		} {
			spec.Name, spec.Kind, spec.Scope, spec.Actor = "榜", catalog.BoardWishes, storetest.CommunityA, "community"
			spec.Demands = []uuid.UUID{d.ID}
			_, err := f.Cat.PublishBoard(ctx, spec)
			assert.ErrorIs(t, err, catalog.ErrInvalid, name)
		}
		got, err := f.Cat.Demand(ctx, d.ID)
		require.NoError(t, err)
		assert.Equal(t, catalog.StatusOpen, got.Status, "nothing published")
		page, err := f.Cat.Boards(ctx, catalog.BoardQuery{})
		require.NoError(t, err)
		assert.Empty(t, page.Boards)

		// The last instant of 9999 in China time is accepted, as for a deadline.
		last := time.Date(9999, 12, 31, 23, 59, 59, 999999000, catalog.ImportLocation)
		b, err := f.Cat.PublishBoard(ctx, catalog.BoardSpec{Name: "榜", Kind: catalog.BoardWishes, Scope: storetest.CommunityA,
			OpensAt: now, ClosesAt: last, Demands: []uuid.UUID{d.ID}, Actor: "community"})
		require.NoError(t, err)
		assert.True(t, b.ClosesAt.Equal(last))
	})
}
