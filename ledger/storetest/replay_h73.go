package storetest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/ledger"
)

// testReplayOtherBody replays keys with every kind of other content, through Post and
// PostBatch, and crosses keys between Post and Reverse: each is ErrIdempotencyConflict and
// changes nothing; the same content written differently (amount digits, metadata map
// order) is a replay.
func testReplayOtherBody(t *testing.T, newStore NewStore) {
	f := newFixture(t, newStore)
	f.post(one(pts("issuer", "a", "20")))
	base := ledger.Transaction{IdempotencyKey: "r1", Memo: "m", Metadata: map[string]string{"a": "1", "b": "2"},
		Postings: []ledger.Posting{pts("a", "b", "1"), pts("a", "c", "2")}}
	first := f.post(base)
	plain := f.post(ledger.Transaction{IdempotencyKey: "r2", Postings: []ledger.Posting{pts("issuer", "b", "1")}})
	rev, err := f.l.Reverse(f.ctx, plain.ID, "r3")
	require.NoError(t, err)
	with := func(edit func(*ledger.Transaction)) ledger.Transaction {
		x := base
		x.Postings = append([]ledger.Posting(nil), base.Postings...)
		x.Metadata = map[string]string{"a": "1", "b": "2"}
		edit(&x)
		return x
	}
	conflicts := map[string]ledger.Transaction{
		"from": with(func(x *ledger.Transaction) { x.Postings[0].From = "issuer" }),
		"asset": with(func(x *ledger.Transaction) {
			x.Postings[0] = ledger.Posting{From: "bank", To: "h1", Amount: dec("1"), Asset: "HOUR"}
		}),
		"postings reordered": with(func(x *ledger.Transaction) { x.Postings[0], x.Postings[1] = x.Postings[1], x.Postings[0] }),
		"posting added":      with(func(x *ledger.Transaction) { x.Postings = append(x.Postings, pts("a", "b", "1")) }),
		"posting dropped":    with(func(x *ledger.Transaction) { x.Postings = x.Postings[:1] }),
		"metadata value":     with(func(x *ledger.Transaction) { x.Metadata["b"] = "3" }),
		"metadata dropped":   with(func(x *ledger.Transaction) { x.Metadata = nil }),
		"memo dropped":       with(func(x *ledger.Transaction) { x.Memo = "" }),
		"explicit time":      with(func(x *ledger.Transaction) { x.EffectiveAt = first.EffectiveAt }),
		"reverse's key":      with(func(x *ledger.Transaction) { x.IdempotencyKey = "r3" }),
	}
	before := f.snapshot()
	for name, c := range conflicts {
		_, err := f.l.Post(f.ctx, c)
		require.ErrorIs(t, err, ledger.ErrIdempotencyConflict, "Post: %s", name)
		res, err := f.l.PostBatch(f.ctx, []ledger.Transaction{c})
		require.NoError(t, err)
		require.ErrorIs(t, res[0].Err, ledger.ErrIdempotencyConflict, "PostBatch: %s", name)
	}
	// Reverse under a Post's key, or under another reversal's key for another transaction.
	_, err = f.l.Reverse(f.ctx, first.ID, "r1")
	require.ErrorIs(t, err, ledger.ErrIdempotencyConflict)
	_, err = f.l.Reverse(f.ctx, first.ID, "r3")
	require.ErrorIs(t, err, ledger.ErrIdempotencyConflict)
	f.requireUnchanged(before)
	// The same content written differently is a replay, alone and in a batch beside a
	// conflict and a new transaction.
	same := with(func(x *ledger.Transaction) {
		x.Postings[1].Amount = dec("2.00")
		x.Metadata = map[string]string{"b": "2", "a": "1"}
	})
	got, err := f.l.Post(f.ctx, same)
	require.NoError(t, err)
	require.True(t, got.Replayed)
	require.Equal(t, first.ID, got.ID)
	res, err := f.l.PostBatch(f.ctx, []ledger.Transaction{conflicts["from"], same, {IdempotencyKey: "r4", Postings: []ledger.Posting{pts("issuer", "c", "1")}}})
	require.NoError(t, err)
	require.ErrorIs(t, res[0].Err, ledger.ErrIdempotencyConflict)
	require.NoError(t, res[1].Err)
	require.Equal(t, first.ID, res[1].Transaction.ID)
	require.NoError(t, res[2].Err)
	again, err := f.l.Reverse(f.ctx, plain.ID, "r3")
	require.NoError(t, err)
	require.Equal(t, rev.ID, again.ID)
	f.verify()
}
