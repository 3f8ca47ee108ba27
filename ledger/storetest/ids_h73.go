package storetest

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/ledger"
)

// testRepeatedIDs gives the ledger an id source (ledger.WithIDs) that repeats itself: a
// transaction or hold whose id is taken is refused with ErrInvalid and changes nothing, on
// every store, instead of a second record under one id (which Transaction, Reverse and
// Capture could not tell apart) or the database's untyped unique-key failure.
func testRepeatedIDs(t *testing.T, newStore NewStore) {
	f := newFixture(t, newStore)
	f.post(one(pts("issuer", "a", "100")))
	next := uuid.MustParse("0190a7e4-0000-7000-8000-000000000001")
	l, err := ledger.New(f.ctx, f.store, ledger.WithClock(f.clock.Now), ledger.WithIDs(func() uuid.UUID { return next }))
	require.NoError(t, err)
	ctx := context.Background()
	first, err := l.Post(ctx, one(pts("issuer", "a", "1")))
	require.NoError(t, err)
	require.Equal(t, next, first.ID)

	before := f.snapshot()
	_, err = l.Post(ctx, ledger.Transaction{IdempotencyKey: "dup", Postings: []ledger.Posting{pts("issuer", "b", "1")}})
	require.ErrorIs(t, err, ledger.ErrInvalid)
	res, err := l.PostBatch(ctx, []ledger.Transaction{one(pts("issuer", "b", "1"))})
	require.NoError(t, err)
	require.ErrorIs(t, res[0].Err, ledger.ErrInvalid)
	_, err = l.Reverse(ctx, first.ID, "")
	require.ErrorIs(t, err, ledger.ErrInvalid)
	f.requireUnchanged(before)
	_, err = f.l.TransactionByKey(ctx, "dup")
	require.ErrorIs(t, err, ledger.ErrNotFound)
	got, err := f.l.Transaction(ctx, next)
	require.NoError(t, err)
	assert.Equal(t, first.Seq, got.Seq)

	// Holds: the first with the id is opened, the second refused.
	h, err := l.Hold(ctx, pts("a", "b", "1"), ledger.HoldOptions{})
	require.NoError(t, err)
	require.Equal(t, next, h.ID)
	before = f.snapshot()
	_, err = l.Hold(ctx, pts("a", "c", "2"), ledger.HoldOptions{IdempotencyKey: "dup-hold"})
	require.ErrorIs(t, err, ledger.ErrInvalid)
	f.requireUnchanged(before)
	_, err = f.l.HoldByKey(ctx, "dup-hold")
	require.ErrorIs(t, err, ledger.ErrNotFound)
	// Capturing the hold draws the taken id for its transaction.
	_, err = l.Capture(ctx, h.ID, dec("1"))
	require.ErrorIs(t, err, ledger.ErrInvalid)
	f.requireUnchanged(before)
	// A source that never repeats is fine again.
	next = uuid.MustParse("0190a7e4-0000-7000-8000-000000000002")
	_, err = l.Capture(ctx, h.ID, dec("1"))
	require.NoError(t, err)
	// Within one batch, the second transaction given the id is refused.
	next = uuid.MustParse("0190a7e4-0000-7000-8000-000000000003")
	before = f.snapshot()
	res, err = l.PostBatch(ctx, []ledger.Transaction{one(pts("issuer", "b", "1")), {IdempotencyKey: "dup2", Postings: []ledger.Posting{pts("issuer", "c", "1")}}})
	require.NoError(t, err)
	require.NoError(t, res[0].Err)
	require.ErrorIs(t, res[1].Err, ledger.ErrInvalid)
	assert.Equal(t, "0", f.balance("c"))
	// The nil id is never a record's: it means "none" in Reverses and CapturesHold.
	next = uuid.Nil
	_, err = l.Post(ctx, one(pts("issuer", "b", "1")))
	require.ErrorIs(t, err, ledger.ErrInvalid)
	_, err = l.Hold(ctx, pts("a", "b", "1"), ledger.HoldOptions{})
	require.ErrorIs(t, err, ledger.ErrInvalid)
	f.verify()
}
