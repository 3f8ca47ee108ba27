package catalog_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/catalog/memstore"
	"github.com/tongxin/tongxin/catalog/storetest"
)

// TestExpireDueNeverDatesBeforeTheLastMove: ExpireDue recorded the expiry at the now it was
// given, which may be earlier than the demand's last move: a demand whose board closed at
// 12:00, after its 10:00 deadline, and which a scheduler then expired for 10:30 got an
// expiry event dated 10:30 after an event dated 12:00, and its UpdatedAt went back. Events are
// numbered in the order they happened, so their times must not go back: the expiry is now
// dated at the given now or, if the demand moved later than that, at its last move.
func TestExpireDueNeverDatesBeforeTheLastMove(t *testing.T) {
	ctx := context.Background()
	f := storetest.NewFixture(t, memstore.New())
	start := f.Clock.Now()
	w := storetest.Wish("r1")
	w.Deadline = start.Add(time.Hour)
	d := f.OpenWish(t, w)
	b := f.Board(t, d.ID)
	f.Clock.Advance(3 * time.Hour)
	_, err := f.Cat.CloseBoard(ctx, b.ID, "community") // back to Open at start+3h
	require.NoError(t, err)
	before, err := f.Cat.Demand(ctx, d.ID)
	require.NoError(t, err)
	require.Equal(t, catalog.StatusOpen, before.Status)

	n, err := f.Cat.ExpireDue(ctx, start.Add(90*time.Minute)) // a scheduler running late
	require.NoError(t, err)
	require.Equal(t, 1, n)

	got, err := f.Cat.Demand(ctx, d.ID)
	require.NoError(t, err)
	assert.Equal(t, catalog.StatusExpired, got.Status)
	assert.False(t, got.UpdatedAt.Before(before.UpdatedAt), "updated %s after %s", got.UpdatedAt, before.UpdatedAt)
	evs, err := f.Cat.History(ctx, d.ID, 0, 0)
	require.NoError(t, err)
	for i := 1; i < len(evs); i++ {
		assert.False(t, evs[i].At.Before(evs[i-1].At), "event %d (%s) at %s, before event %d at %s",
			evs[i].Seq, evs[i].Action, evs[i].At, evs[i-1].Seq, evs[i-1].At)
	}

	// Given a now after the last move, the expiry is dated at it, as before.
	w.Deadline = f.Clock.Now().Add(time.Hour)
	later := f.OpenWish(t, w)
	due := f.Clock.Now().Add(2 * time.Hour)
	_, err = f.Cat.ExpireDue(ctx, due)
	require.NoError(t, err)
	evs, err = f.Cat.History(ctx, later.ID, 0, 0)
	require.NoError(t, err)
	assert.True(t, evs[len(evs)-1].At.Equal(due))
}
