package ledger_test

import (
	"context"
	"maps"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/memstore"
)

// TestVerifyCatchesEachHashedFieldH73 edits, one at a time, every field of a stored
// transaction that the hash chain covers, on transactions that carry each of them (a key,
// metadata, several postings, a reversal, a capture, a defaulted effective time): Verify
// must report the chain broken at that transaction.
func TestVerifyCatchesEachHashedFieldH73(t *testing.T) {
	other := uuid.New()
	cases := map[string]func(x *ledger.TxRecord){
		"id":           func(x *ledger.TxRecord) { x.ID = other },
		"effective at": func(x *ledger.TxRecord) { x.EffectiveAt = x.EffectiveAt.Add(time.Microsecond) },
		"posted at":    func(x *ledger.TxRecord) { x.PostedAt = x.PostedAt.Add(time.Microsecond) },
		"both times": func(x *ledger.TxRecord) {
			x.EffectiveAt, x.PostedAt = x.EffectiveAt.Add(time.Hour), x.PostedAt.Add(time.Hour)
		},
		"effective defaulted": func(x *ledger.TxRecord) { x.EffectiveDefaulted = !x.EffectiveDefaulted },
		"reverses set":        func(x *ledger.TxRecord) { x.Reverses = other },
		"captures hold set":   func(x *ledger.TxRecord) { x.CapturesHold = other },
		"key":                 func(x *ledger.TxRecord) { x.IdempotencyKey += "x" },
		"key dropped":         func(x *ledger.TxRecord) { x.IdempotencyKey = "" },
		"memo":                func(x *ledger.TxRecord) { x.Memo += "x" },
		"metadata added":      func(x *ledger.TxRecord) { x.Metadata = map[string]string{"k": "v", "extra": "1"} },
		"metadata value":      func(x *ledger.TxRecord) { x.Metadata = map[string]string{"k": "w"} },
		"metadata key":        func(x *ledger.TxRecord) { x.Metadata = map[string]string{"j": "v"} },
		"metadata dropped":    func(x *ledger.TxRecord) { x.Metadata = nil },
		"posting from":        func(x *ledger.TxRecord) { x.Postings[0].From = "b" },
		"posting to":          func(x *ledger.TxRecord) { x.Postings[0].To = "issuer" },
		"posting asset":       func(x *ledger.TxRecord) { x.Postings[0].Asset = "HOUR" },
		"posting amount":      func(x *ledger.TxRecord) { x.Postings[0].Amount++ },
		"postings reordered": func(x *ledger.TxRecord) {
			if len(x.Postings) > 1 {
				x.Postings[0], x.Postings[1] = x.Postings[1], x.Postings[0]
			} else {
				x.Postings = append(x.Postings, x.Postings[0])
			}
		},
		"posting dropped": func(x *ledger.TxRecord) {
			if len(x.Postings) > 1 {
				x.Postings = x.Postings[1:]
			} else {
				x.Postings = append(x.Postings, ledger.PostingRecord{From: "issuer", To: "b", Asset: "PTS", Amount: 1})
			}
		},
		"hash":     func(x *ledger.TxRecord) { x.Hash[31] ^= 1 },
		"seq kept": func(x *ledger.TxRecord) { x.Hash = [32]byte{} },
	}
	ctx := context.Background()
	edited := 0
	for name, edit := range cases {
		// Each of the six transactions in turn carries the edit.
		for seq := uint64(1); seq <= 6; seq++ {
			var on, changed bool
			store := &tamperStore{Store: memstore.New(), tamper: func(r *tamperReader) {
				if on {
					r.editTx = func(x *ledger.TxRecord) {
						if x.Seq == seq {
							before := *x
							before.Postings = slices.Clone(x.Postings)
							before.Metadata = maps.Clone(x.Metadata)
							edit(x)
							changed = !reflect.DeepEqual(before, *x)
						}
					}
				}
			}}
			clock := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
			l, err := ledger.New(ctx, store, ledger.WithClock(func() time.Time { clock = clock.Add(time.Second); return clock }))
			require.NoError(t, err)
			require.NoError(t, l.CreateAsset(ctx, ledger.Asset{Code: "PTS", Scale: 2}))
			require.NoError(t, l.CreateAsset(ctx, ledger.Asset{Code: "HOUR", Scale: 1}))
			for _, a := range []ledger.Account{{ID: "issuer", Asset: "PTS", Unbounded: true}, {ID: "a", Asset: "PTS"}, {ID: "b", Asset: "PTS"}} {
				require.NoError(t, l.OpenAccount(ctx, a))
			}
			// 1: keyed, with memo and metadata, back-dated; 2: two postings; 3: its reversal;
			// 4: a capture; 5: defaulted time, nothing else; 6: keyed reversal of 5.
			_, err = l.Post(ctx, ledger.Transaction{IdempotencyKey: "k1", Memo: "m", Metadata: map[string]string{"k": "v"},
				EffectiveAt: clock.Add(-time.Hour), Postings: []ledger.Posting{award2("issuer", "a", "5")}})
			require.NoError(t, err)
			two, err := l.Post(ctx, ledger.Transaction{Postings: []ledger.Posting{award2("issuer", "a", "1"), award2("issuer", "b", "2")}})
			require.NoError(t, err)
			_, err = l.Reverse(ctx, two.ID, "")
			require.NoError(t, err)
			h, err := l.Hold(ctx, award2("a", "b", "1"), ledger.HoldOptions{})
			require.NoError(t, err)
			_, err = l.Capture(ctx, h.ID, h.Posting.Amount)
			require.NoError(t, err)
			five, err := l.Post(ctx, ledger.Transaction{Postings: []ledger.Posting{award2("issuer", "b", "3")}})
			require.NoError(t, err)
			_, err = l.Reverse(ctx, five.ID, "k6")
			require.NoError(t, err)
			require.NoError(t, l.Verify(ctx))
			on = true
			err = l.Verify(ctx)
			if !changed {
				continue // the transaction has no such field to edit
			}
			edited++
			require.ErrorIs(t, err, ledger.ErrCorrupt, "%s of transaction %d", name, seq)
			require.ErrorContains(t, err, "hash does not match", "%s of transaction %d", name, seq)
		}
	}
	require.Greater(t, edited, 100)
}
