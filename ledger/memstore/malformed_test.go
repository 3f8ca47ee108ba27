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

// TestInsertRejectsDuplicates drives the Store directly: an account or asset inserted again,
// in a later Update or twice in one, is ErrInvalid and changes nothing. Before, the second
// account hid the first (its balance lost) while Accounts listed the id twice.
func TestInsertRejectsDuplicates(t *testing.T) {
	ctx := context.Background()
	s := storeWithAccounts(t)
	acc := func(id ledger.AccountID) ledger.AccountRecord { return ledger.AccountRecord{ID: id, Asset: "PTS"} }
	cases := map[string]func(tx ledger.StoreTx) error{
		"account again": func(tx ledger.StoreTx) error { return tx.InsertAccount(ctx, acc("b")) },
		"account twice": func(tx ledger.StoreTx) error {
			if err := tx.InsertAccount(ctx, acc("c")); err != nil {
				return err
			}
			return tx.InsertAccount(ctx, acc("c"))
		},
		"asset again": func(tx ledger.StoreTx) error {
			if err := tx.InsertAccount(ctx, acc("d")); err != nil {
				return err
			}
			return tx.InsertAsset(ctx, ledger.Asset{Code: "PTS", Scale: 4})
		},
		"asset twice": func(tx ledger.StoreTx) error {
			if err := tx.InsertAsset(ctx, ledger.Asset{Code: "EUR", Scale: 2}); err != nil {
				return err
			}
			return tx.InsertAsset(ctx, ledger.Asset{Code: "EUR", Scale: 3})
		},
	}
	for name, fn := range cases {
		t.Run(name, func(t *testing.T) {
			require.ErrorIs(t, s.Update(ctx, fn), ledger.ErrInvalid)
			require.NoError(t, s.View(ctx, func(r ledger.StoreReader) error {
				accs, err := r.Accounts(ctx, "", 10, time.Now())
				require.NoError(t, err)
				var ids []ledger.AccountID
				for _, a := range accs {
					ids = append(ids, a.ID)
				}
				require.Equal(t, []ledger.AccountID{"a", "b"}, ids)
				assets, err := r.Assets(ctx)
				require.NoError(t, err)
				require.Equal(t, []ledger.Asset{{Code: "PTS", Scale: 2}}, assets)
				return nil
			}))
		})
	}
}
