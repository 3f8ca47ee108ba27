package memstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/ledger"
)

// TestCommitRejectsMalformedHolds drives the Store directly with hold writes the Ledger never
// sends: each is ErrInvalid, never a panic, and changes nothing, the transactions of the same
// Commit included.
func TestCommitRejectsMalformedHolds(t *testing.T) {
	ctx := context.Background()
	s := storeWithAccounts(t)
	open := ledger.HoldRecord{ID: uuid.New(), IdempotencyKey: "h0", Posting: ledger.PostingRecord{From: "a", To: "b", Asset: "PTS", Amount: 5}, CreatedAt: time.Now().UTC(), Status: ledger.HoldOpen}
	require.NoError(t, s.Update(ctx, func(tx ledger.StoreTx) error {
		return tx.Commit(ctx, ledger.Commit{OpenHolds: []ledger.HoldRecord{open}})
	}))
	tr := ledger.TxRecord{ID: uuid.New(), Seq: 1, Postings: []ledger.PostingRecord{{From: "a", To: "b", Asset: "PTS", Amount: 1}}}
	fresh := open
	fresh.ID = uuid.New()
	other := open
	other.ID = uuid.New()
	keyed := func(h ledger.HoldRecord, key string) ledger.HoldRecord { h.IdempotencyKey = key; return h }
	cases := map[string]ledger.Commit{
		"close twice":    {CloseHolds: []ledger.HoldClosure{{ID: open.ID, Status: ledger.HoldReleased}, {ID: open.ID, Status: ledger.HoldCaptured}}},
		"open again":     {OpenHolds: []ledger.HoldRecord{open}},
		"open twice":     {OpenHolds: []ledger.HoldRecord{fresh, fresh}},
		"open key twice": {OpenHolds: []ledger.HoldRecord{keyed(fresh, "h1"), keyed(other, "h1")}},
		"open key again": {OpenHolds: []ledger.HoldRecord{keyed(fresh, "h0")}},
		"self posting": {Transactions: []ledger.TxRecord{{ID: uuid.New(), Seq: 1,
			Postings: []ledger.PostingRecord{{From: "b", To: "b", Asset: "PTS", Amount: 1}}}}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			c.Transactions = append(c.Transactions, tr)
			c.Transactions[len(c.Transactions)-1].Seq = uint64(len(c.Transactions))
			c.Head = ledger.Head{Seq: uint64(len(c.Transactions))}
			var err error
			require.NotPanics(t, func() {
				err = s.Update(ctx, func(tx ledger.StoreTx) error { return tx.Commit(ctx, c) })
			})
			require.ErrorIs(t, err, ledger.ErrInvalid)
			require.NoError(t, s.View(ctx, func(r ledger.StoreReader) error {
				h, err := r.Head(ctx)
				require.NoError(t, err)
				require.Equal(t, uint64(0), h.Seq)
				txs, err := r.Transactions(ctx, 0, 10)
				require.NoError(t, err)
				require.Empty(t, txs)
				st, err := r.Account(ctx, "a", time.Now())
				require.NoError(t, err)
				require.Equal(t, int64(5), st.Held)
				got, err := r.Hold(ctx, open.ID)
				require.NoError(t, err)
				require.Equal(t, ledger.HoldOpen, got.Status)
				_, err = r.Hold(ctx, fresh.ID)
				require.ErrorIs(t, err, ledger.ErrNotFound)
				return nil
			}))
		})
	}
}
