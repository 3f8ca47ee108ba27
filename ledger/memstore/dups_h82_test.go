package memstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/ledger"
)

// TestCommitRejectsTakenH82 drives the Store directly with transactions the Ledger never
// sends: one whose id or reversed transaction the store holds already, or that another
// transaction of the same Commit has. Each is ErrInvalid and changes nothing, as on the SQL
// stores (whose unique indexes refuse them). Before, memstore stored them, and the second hid
// the first from Transaction and ReversalOf. (A repeated idempotency key is still stored: not
// checked, for its cost on the hot path.)
func TestCommitRejectsTakenH82(t *testing.T) {
	ctx := context.Background()
	posting := []ledger.PostingRecord{{From: "a", To: "b", Asset: "PTS", Amount: 1}}
	first := ledger.TxRecord{ID: uuid.Must(uuid.NewV7()), Seq: 1, IdempotencyKey: "k", Reverses: uuid.New(),
		EffectiveAt: time.Now().UTC().Truncate(time.Microsecond), Postings: posting}
	fresh := func() ledger.TxRecord {
		return ledger.TxRecord{ID: uuid.Must(uuid.NewV7()), EffectiveAt: first.EffectiveAt, Postings: posting}
	}
	with := func(f func(r *ledger.TxRecord)) ledger.TxRecord { r := fresh(); f(&r); return r }
	lowID := uuid.MustParse("00000000-0000-4000-8000-000000000001") // below every v7 id: not in ascending order
	cases := map[string][]ledger.TxRecord{
		"stored id":               {with(func(r *ledger.TxRecord) { r.ID = first.ID })},
		"stored reversal":         {with(func(r *ledger.TxRecord) { r.Reverses = first.Reverses })},
		"id twice":                {with(func(r *ledger.TxRecord) { r.ID = lowID }), with(func(r *ledger.TxRecord) { r.ID = lowID })},
		"ascending id twice":      func() []ledger.TxRecord { r := fresh(); return []ledger.TxRecord{r, r} }(),
		"reversal twice":          {with(func(r *ledger.TxRecord) { r.Reverses = lowID }), with(func(r *ledger.TxRecord) { r.Reverses = lowID })},
		"stored id, out of order": {fresh(), with(func(r *ledger.TxRecord) { r.ID = first.ID })},
	}
	for name, txs := range cases {
		t.Run(name, func(t *testing.T) {
			s := storeWithAccounts(t)
			require.NoError(t, s.Update(ctx, func(tx ledger.StoreTx) error {
				return tx.Commit(ctx, ledger.Commit{Transactions: []ledger.TxRecord{first}, Head: ledger.Head{Seq: 1}})
			}))
			for k := range txs {
				txs[k].Seq = uint64(k + 2)
			}
			var err error
			require.NotPanics(t, func() {
				err = s.Update(ctx, func(tx ledger.StoreTx) error {
					return tx.Commit(ctx, ledger.Commit{Transactions: txs, Head: ledger.Head{Seq: uint64(len(txs) + 1)}})
				})
			})
			require.ErrorIs(t, err, ledger.ErrInvalid)
			require.NoError(t, s.View(ctx, func(r ledger.StoreReader) error {
				h, err := r.Head(ctx)
				require.NoError(t, err)
				require.Equal(t, uint64(1), h.Seq)
				all, err := r.Transactions(ctx, 0, 10)
				require.NoError(t, err)
				require.Len(t, all, 1)
				got, err := r.Transaction(ctx, first.ID)
				require.NoError(t, err)
				require.Equal(t, uint64(1), got.Seq)
				got, err = r.TransactionByKey(ctx, "k")
				require.NoError(t, err)
				require.Equal(t, uint64(1), got.Seq)
				rev, err := r.ReversalOf(ctx, first.Reverses)
				require.NoError(t, err)
				require.Equal(t, first.ID, rev)
				st, err := r.Account(ctx, "b", time.Now())
				require.NoError(t, err)
				require.Equal(t, int64(0), st.Balance, "balances are the Commit's Balances: none here")
				return nil
			}))
			// The store still takes a sound Commit after the refusal.
			next := fresh()
			next.Seq = 2
			require.NoError(t, s.Update(ctx, func(tx ledger.StoreTx) error {
				return tx.Commit(ctx, ledger.Commit{Transactions: []ledger.TxRecord{next}, Head: ledger.Head{Seq: 2}})
			}))
		})
	}
}
