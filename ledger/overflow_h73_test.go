package ledger_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/memstore"
)

// forgedStore writes straight to a memstore, with a valid hash chain, one transaction of
// PostingsMax postings of AmountMinorMax from u1 to u2 (unbounded accounts of asset BIG,
// scale 0): 2.56·10^20 minor units, beyond int64. The accounts' stored balances are what
// int64 arithmetic that wraps around makes of the sums, so they match a sum that wraps.
func forgedStore(t *testing.T) ledger.Store {
	t.Helper()
	ctx := context.Background()
	s := memstore.New()
	at := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	rec := ledger.TxRecord{ID: uuid.New(), Seq: 1, EffectiveAt: at, PostedAt: at}
	var wrapped int64
	for range ledger.PostingsMax {
		rec.Postings = append(rec.Postings, ledger.PostingRecord{From: "u1", To: "u2", Asset: "BIG", Amount: ledger.AmountMinorMax})
		wrapped += ledger.AmountMinorMax // wraps around, as a forger's sum would
	}
	rec.Hash = ledger.ChainHash([32]byte{}, &rec)
	require.NoError(t, s.Update(ctx, func(tx ledger.StoreTx) error {
		if err := tx.InsertAsset(ctx, ledger.Asset{Code: "BIG"}); err != nil {
			return err
		}
		if err := tx.InsertAccount(ctx, ledger.AccountRecord{ID: "u1", Asset: "BIG", Unbounded: true}); err != nil {
			return err
		}
		return tx.InsertAccount(ctx, ledger.AccountRecord{ID: "u2", Asset: "BIG", Unbounded: true})
	}))
	require.NoError(t, s.Update(ctx, func(tx ledger.StoreTx) error {
		return tx.Commit(ctx, ledger.Commit{
			Transactions: []ledger.TxRecord{rec},
			Balances:     []ledger.BalanceUpdate{{Account: "u1", Balance: -wrapped}, {Account: "u2", Balance: wrapped}},
			Head:         ledger.Head{Seq: 1, Hash: rec.Hash},
		})
	}))
	require.NotEqual(t, int64(math.MaxInt64), wrapped)
	return s
}

// TestVerifyPostingsBeyondInt64H73: postings whose sum is beyond int64 are corrupt state,
// however the stored balances were made to match a sum that wraps around.
func TestVerifyPostingsBeyondInt64H73(t *testing.T) {
	ctx := context.Background()
	l, err := ledger.New(ctx, forgedStore(t))
	require.NoError(t, err)
	require.ErrorIs(t, l.Verify(ctx), ledger.ErrCorrupt)
}

// TestStatementPostingsBeyondInt64H73: a statement of an account whose transaction changes it
// by more than int64 holds is ErrCorrupt (the store's state), not ErrInvalid for a cursor the
// caller did not send, nor a wrapped change.
func TestStatementPostingsBeyondInt64H73(t *testing.T) {
	ctx := context.Background()
	l, err := ledger.New(ctx, forgedStore(t))
	require.NoError(t, err)
	for _, id := range []ledger.AccountID{"u1", "u2"} {
		_, err := l.Statement(ctx, id, ledger.StatementQuery{})
		require.ErrorIs(t, err, ledger.ErrCorrupt, "%s", id)
	}
}
