package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/ledger"
)

// testHoldExpiryBoundary steps the clock onto a hold's expiry, microsecond by microsecond:
// the hold reserves up to the microsecond before it and not from it on, for Available,
// Balances, a Post spending what it held, a Capture and a new Hold alike; its expiry is kept
// to the microsecond (finer precision dropped); a replay of it is answered after expiry and a
// new hold with that expiry is refused, one a microsecond later is not.
func testHoldExpiryBoundary(t *testing.T, newStore NewStore) {
	f := newFixture(t, newStore)
	f.post(one(pts("issuer", "a", "10")))
	exp := Start.Add(time.Minute)
	// 999 ns past the microsecond: stored as exp.
	h, err := f.l.Hold(f.ctx, pts("a", "b", "6"), ledger.HoldOptions{IdempotencyKey: "edge", ExpiresAt: exp.Add(999 * time.Nanosecond)})
	require.NoError(t, err)
	assert.True(t, exp.Equal(h.ExpiresAt), "expiry %s", h.ExpiresAt)
	h2, err := f.l.Hold(f.ctx, pts("a", "c", "1"), ledger.HoldOptions{ExpiresAt: exp})
	require.NoError(t, err)

	f.clock.Advance(exp.Sub(Start) - time.Microsecond) // one microsecond before
	assert.Equal(t, "3", f.available("a"))
	bs, err := f.l.Balances(f.ctx, []ledger.AccountID{"a"})
	require.NoError(t, err)
	assert.Equal(t, "3", bs[0].Available.String())
	before := f.snapshot()
	_, err = f.l.Post(f.ctx, one(pts("a", "c", "3.01")))
	require.ErrorIs(t, err, ledger.ErrInsufficientBalance)
	_, err = f.l.Hold(f.ctx, pts("a", "c", "3.01"), ledger.HoldOptions{})
	require.ErrorIs(t, err, ledger.ErrInsufficientBalance)
	f.requireUnchanged(before)
	_, err = f.l.Capture(f.ctx, h2.ID, dec("1"))
	require.NoError(t, err, "the microsecond before expiry")
	f.verify()

	f.clock.Advance(time.Microsecond) // at the expiry
	assert.Equal(t, "9", f.available("a"))
	bs, err = f.l.Balances(f.ctx, []ledger.AccountID{"a"})
	require.NoError(t, err)
	assert.Equal(t, "9", bs[0].Available.String())
	before = f.snapshot()
	_, err = f.l.Capture(f.ctx, h.ID, dec("1"))
	require.ErrorIs(t, err, ledger.ErrHoldClosed)
	f.requireUnchanged(before)
	again, err := f.l.Hold(f.ctx, pts("a", "b", "6"), ledger.HoldOptions{IdempotencyKey: "edge", ExpiresAt: exp})
	require.NoError(t, err, "a replay is answered after expiry")
	assert.Equal(t, h.ID, again.ID)
	_, err = f.l.Hold(f.ctx, pts("a", "b", "6"), ledger.HoldOptions{ExpiresAt: exp})
	require.ErrorIs(t, err, ledger.ErrInvalid, "a new hold that expires now")
	f.requireUnchanged(before)
	h3, err := f.l.Hold(f.ctx, pts("a", "b", "9"), ledger.HoldOptions{ExpiresAt: exp.Add(time.Microsecond)})
	require.NoError(t, err, "what the expired hold reserved is free")
	assert.Equal(t, "0", f.available("a"))
	f.post(one(pts("issuer", "a", "1")))
	f.post(one(pts("a", "c", "1")))
	require.NoError(t, f.l.Release(f.ctx, h.ID), "an expired hold may be released")
	f.clock.Advance(time.Microsecond)
	assert.Equal(t, "9", f.available("a"))
	require.NoError(t, f.l.Release(f.ctx, h3.ID))
	f.verify()
}
