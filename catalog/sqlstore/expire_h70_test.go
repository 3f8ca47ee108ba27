package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/catalog/storetest"
)

// TestExpireDueTimeOutOfRangeAlike: ExpireDue dates each expiry at its now, which it checked
// only for zero. A now in the year 300,000 expired every demand with a deadline on memstore,
// each with an event dated then, while a SQL store (int64 microseconds) refused the first
// expiry with ErrInvalid. A now outside the years 0000..9999 of China time, where no deadline
// can lie, is now ErrInvalid on every store, and nothing expires.
func TestExpireDueTimeOutOfRangeAlike(t *testing.T) {
	eachStore(t, func(t *testing.T, f *storetest.Fixture) {
		ctx := context.Background()
		w := storetest.Wish("r")
		w.Deadline = f.Clock.Now().Add(time.Hour)
		d := f.OpenWish(t, w)
		for _, now := range []time.Time{
			time.Date(300_000, 1, 1, 0, 0, 0, 0, time.UTC),
			time.Date(10_000, 1, 1, 0, 0, 0, 0, time.UTC),
		} {
			n, err := f.Cat.ExpireDue(ctx, now)
			assert.ErrorIs(t, err, catalog.ErrInvalid, "now %s", now)
			assert.Zero(t, n)
		}
		got, err := f.Cat.Demand(ctx, d.ID)
		require.NoError(t, err)
		assert.Equal(t, d, got, "nothing expired")

		n, err := f.Cat.ExpireDue(ctx, time.Date(9999, 12, 31, 23, 59, 59, 999999000, catalog.ImportLocation))
		require.NoError(t, err)
		assert.Equal(t, 1, n)
	})
}
