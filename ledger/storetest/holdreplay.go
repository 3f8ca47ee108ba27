package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/ledger"
)

// testHoldReplayAfterExpiry: a Hold replayed under its key once its expiry has passed returns
// the first hold and changes nothing, as a Post replay does, whether the hold is still open,
// was captured or was released; other content under the key is still a conflict; and a new
// hold with an expiry that is not in the future is still refused.
func testHoldReplayAfterExpiry(t *testing.T, newStore NewStore) {
	f := newFixture(t, newStore)
	ctx := f.ctx
	f.post(one(pts("issuer", "a", "10")))
	expiry := Start.Add(time.Hour)
	opts := func(key string) ledger.HoldOptions {
		return ledger.HoldOptions{IdempotencyKey: key, ExpiresAt: expiry}
	}
	open, err := f.l.Hold(ctx, pts("a", "b", "1"), opts("exp:open"))
	require.NoError(t, err)
	captured, err := f.l.Hold(ctx, pts("a", "b", "2"), opts("exp:captured"))
	require.NoError(t, err)
	_, err = f.l.Capture(ctx, captured.ID, dec("2"))
	require.NoError(t, err)
	released, err := f.l.Hold(ctx, pts("a", "c", "3"), opts("exp:released"))
	require.NoError(t, err)
	require.NoError(t, f.l.Release(ctx, released.ID))

	for _, at := range []time.Time{expiry, expiry.Add(time.Hour)} { // at the expiry, then after
		f.clock.Advance(at.Sub(f.clock.Now()))
		before := f.snapshot()
		for _, tc := range []struct {
			key   string
			p     ledger.Posting
			first ledger.Hold
		}{
			{"exp:open", pts("a", "b", "1.00"), open},
			{"exp:captured", pts("a", "b", "2"), captured},
			{"exp:released", pts("a", "c", "3"), released},
		} {
			got, err := f.l.Hold(ctx, tc.p, opts(tc.key))
			require.NoError(t, err, "%s at %s", tc.key, at)
			assert.Equal(t, tc.first.ID, got.ID, tc.key)
			assert.True(t, tc.first.ExpiresAt.Equal(got.ExpiresAt), tc.key)
			assert.True(t, tc.first.Posting.Amount.Equal(got.Posting.Amount), tc.key)
			stored, err := f.l.GetHold(ctx, tc.first.ID)
			require.NoError(t, err)
			assert.Equal(t, stored.Status, got.Status, "%s: the replay reports the hold as it stands", tc.key)
		}
		_, err = f.l.Hold(ctx, pts("a", "b", "1.01"), opts("exp:open"))
		require.ErrorIs(t, err, ledger.ErrIdempotencyConflict, "other amount under the key")
		_, err = f.l.Hold(ctx, pts("a", "b", "1"), ledger.HoldOptions{IdempotencyKey: "exp:open", ExpiresAt: expiry.Add(-time.Minute)})
		require.ErrorIs(t, err, ledger.ErrIdempotencyConflict, "other expiry under the key")
		_, err = f.l.Hold(ctx, pts("a", "b", "1"), opts("exp:new"))
		require.ErrorIs(t, err, ledger.ErrInvalid, "a new hold must expire in the future")
		_, err = f.l.Hold(ctx, pts("a", "b", "1"), ledger.HoldOptions{ExpiresAt: expiry})
		require.ErrorIs(t, err, ledger.ErrInvalid, "a new hold without a key must expire in the future")
		f.requireUnchanged(before)
	}
	// A refused new hold did not use its key up.
	h, err := f.l.Hold(ctx, pts("a", "b", "1"), ledger.HoldOptions{IdempotencyKey: "exp:new"})
	require.NoError(t, err)
	assert.Equal(t, ledger.HoldOpen, h.Status)
	f.verify()
}

// testHoldByKey: HoldByKey finds a hold by its key as it stands (open, captured, released,
// expired), finds nothing under an unused key or a transaction's key, refuses an empty or
// malformed key, and changes nothing.
func testHoldByKey(t *testing.T, newStore NewStore) {
	f := newFixture(t, newStore)
	ctx := f.ctx
	f.post(ledger.Transaction{IdempotencyKey: "tx:1", Postings: []ledger.Posting{pts("issuer", "a", "10")}})
	expiry := Start.Add(time.Hour)
	open, err := f.l.Hold(ctx, pts("a", "b", "1.5"), ledger.HoldOptions{IdempotencyKey: "by:open", ExpiresAt: expiry})
	require.NoError(t, err)
	captured, err := f.l.Hold(ctx, pts("a", "b", "2"), ledger.HoldOptions{IdempotencyKey: "by:captured"})
	require.NoError(t, err)
	_, err = f.l.Capture(ctx, captured.ID, dec("1"))
	require.NoError(t, err)
	released, err := f.l.Hold(ctx, pts("a", "c", "3"), ledger.HoldOptions{IdempotencyKey: "by:released"})
	require.NoError(t, err)
	require.NoError(t, f.l.Release(ctx, released.ID))
	_, err = f.l.Hold(ctx, pts("a", "c", "1"), ledger.HoldOptions{}) // no key: found by no key
	require.NoError(t, err)
	f.clock.Advance(2 * time.Hour)

	before := f.snapshot()
	for _, tc := range []struct {
		key    string
		first  ledger.Hold
		status ledger.HoldStatus
	}{
		{"by:open", open, ledger.HoldOpen}, // past its expiry: stored open, reserves nothing
		{"by:captured", captured, ledger.HoldCaptured},
		{"by:released", released, ledger.HoldReleased},
	} {
		got, err := f.l.HoldByKey(ctx, tc.key)
		require.NoError(t, err, tc.key)
		assert.Equal(t, tc.first.ID, got.ID, tc.key)
		assert.Equal(t, tc.first.Posting.From, got.Posting.From, tc.key)
		assert.Equal(t, tc.first.Posting.To, got.Posting.To, tc.key)
		assert.True(t, tc.first.Posting.Amount.Equal(got.Posting.Amount), tc.key)
		assert.True(t, tc.first.ExpiresAt.Equal(got.ExpiresAt), tc.key)
		assert.Equal(t, tc.status, got.Status, tc.key)
		byID, err := f.l.GetHold(ctx, tc.first.ID)
		require.NoError(t, err)
		assert.Equal(t, byID, got, "%s: by key and by id agree", tc.key)
	}
	for _, key := range []string{"by:none", "tx:1"} {
		_, err := f.l.HoldByKey(ctx, key)
		require.ErrorIs(t, err, ledger.ErrNotFound, key)
	}
	for _, key := range []string{"", strings.Repeat("k", ledger.IdempotencyKeyBytesMax+1), "bad\x00key"} {
		_, err := f.l.HoldByKey(ctx, key)
		require.ErrorIs(t, err, ledger.ErrInvalid, "%q", key)
	}
	f.requireUnchanged(before)
	f.verify()
}
