package memstore_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/memstore"
	"github.com/tongxin/tongxin/ledger/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) ledger.Store { return memstore.New() })
}

// TestCommitRejectsMalformed drives the Store directly: a malformed Commit is ErrInvalid and
// changes nothing, never a panic.
func TestCommitRejectsMalformed(t *testing.T) {
	ctx := context.Background()
	s := memstore.New()
	require.NoError(t, s.Update(ctx, func(tx ledger.StoreTx) error {
		if err := tx.InsertAsset(ctx, ledger.Asset{Code: "PTS", Scale: 2}); err != nil {
			return err
		}
		return tx.InsertAccount(ctx, ledger.AccountRecord{ID: "a", Asset: "PTS", Unbounded: true})
	}))
	require.NoError(t, s.Update(ctx, func(tx ledger.StoreTx) error {
		return tx.InsertAccount(ctx, ledger.AccountRecord{ID: "b", Asset: "PTS"})
	}))
	good := ledger.PostingRecord{From: "a", To: "b", Asset: "PTS", Amount: 1}
	cases := map[string]ledger.Commit{
		"unknown account": {Transactions: []ledger.TxRecord{{Seq: 1, Postings: []ledger.PostingRecord{{From: "a", To: "ghost", Asset: "PTS", Amount: 1}}}}},
		"seq gap":         {Transactions: []ledger.TxRecord{{Seq: 2, Postings: []ledger.PostingRecord{good}}}},
		"no postings":     {Transactions: []ledger.TxRecord{{Seq: 1}}},
		"balance":         {Balances: []ledger.BalanceUpdate{{Account: "ghost", Balance: 1}}},
		"hold account":    {OpenHolds: []ledger.HoldRecord{{ID: uuid.New(), Posting: ledger.PostingRecord{From: "ghost", To: "b", Asset: "PTS", Amount: 1}}}},
		"close unknown":   {CloseHolds: []ledger.HoldClosure{{ID: uuid.New(), Status: ledger.HoldReleased}}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			err := s.Update(ctx, func(tx ledger.StoreTx) error { return tx.Commit(ctx, c) })
			require.ErrorIs(t, err, ledger.ErrInvalid)
			require.NoError(t, s.View(ctx, func(r ledger.StoreReader) error {
				h, err := r.Head(ctx)
				require.Equal(t, uint64(0), h.Seq)
				return err
			}))
		})
	}
}
