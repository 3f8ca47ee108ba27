package memstore_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/memstore"
)

// TestAccountsHugeLimit: a limit as large as an int can be pages like any other, from the
// start and from after an account, never a panic.
func TestAccountsHugeLimit(t *testing.T) {
	ctx := context.Background()
	s := storeWithAccounts(t)
	for _, tc := range []struct {
		after ledger.AccountID
		want  []ledger.AccountID
	}{{"", []ledger.AccountID{"a", "b"}}, {"a", []ledger.AccountID{"b"}}, {"b", nil}} {
		require.NoError(t, s.View(ctx, func(r ledger.StoreReader) error {
			got, err := r.Accounts(ctx, tc.after, math.MaxInt, time.Now())
			require.NoError(t, err)
			var ids []ledger.AccountID
			for _, a := range got {
				ids = append(ids, a.ID)
			}
			require.Equal(t, tc.want, ids, "after %q", tc.after)
			return nil
		}))
	}
}

// TestBalanceAtAndPagingModel posts transactions with random, often back-dated effective
// times directly to a Store, enough to cross several checkpoints, and checks BalanceAt at
// every effective time (and a microsecond either side) and AccountTransactions paging from
// every cursor against a model.
func TestBalanceAtAndPagingModel(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		ctx := context.Background()
		s := memstore.New()
		ids := []ledger.AccountID{"a", "b", "c"}
		require.NoError(rt, s.Update(ctx, func(tx ledger.StoreTx) error {
			if err := tx.InsertAsset(ctx, ledger.Asset{Code: "PTS"}); err != nil {
				return err
			}
			for _, id := range ids {
				if err := tx.InsertAccount(ctx, ledger.AccountRecord{ID: id, Asset: "PTS", Unbounded: true}); err != nil {
					return err
				}
			}
			return nil
		}))
		type entry struct {
			seq    uint64
			eff    int64
			deltas map[ledger.AccountID]int64
		}
		var model []entry
		base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		n := rapid.IntRange(1, 400).Draw(rt, "n")
		batch := rapid.IntRange(1, 70).Draw(rt, "batch")
		for len(model) < n {
			var recs []ledger.TxRecord
			for k := 0; k < batch && len(model) < n; k++ {
				seq := uint64(len(model)) + 1
				eff := int64(rapid.IntRange(0, 50).Draw(rt, "eff"))
				np := rapid.IntRange(1, 3).Draw(rt, "postings")
				e := entry{seq: seq, eff: eff, deltas: map[ledger.AccountID]int64{}}
				var ps []ledger.PostingRecord
				for range np {
					f := rapid.IntRange(0, 2).Draw(rt, "from")
					to := (f + rapid.IntRange(1, 2).Draw(rt, "to")) % 3
					amt := int64(rapid.IntRange(1, 1000).Draw(rt, "amount"))
					ps = append(ps, ledger.PostingRecord{From: ids[f], To: ids[to], Asset: "PTS", Amount: amt})
					e.deltas[ids[f]] -= amt
					e.deltas[ids[to]] += amt
				}
				model = append(model, e)
				recs = append(recs, ledger.TxRecord{ID: uuid.Must(uuid.NewV7()), Seq: seq, Postings: ps,
					EffectiveAt: base.Add(time.Duration(eff) * time.Microsecond), PostedAt: base})
			}
			require.NoError(rt, s.Update(ctx, func(tx ledger.StoreTx) error {
				return tx.Commit(ctx, ledger.Commit{Transactions: recs, Head: ledger.Head{Seq: uint64(len(model))}})
			}))
		}
		require.NoError(rt, s.View(ctx, func(r ledger.StoreReader) error {
			for _, id := range ids {
				for at := int64(-1); at <= 51; at++ {
					var want int64
					for _, e := range model {
						if e.eff <= at {
							want += e.deltas[id]
						}
					}
					got, err := r.BalanceAt(ctx, id, base.Add(time.Duration(at)*time.Microsecond+500))
					require.NoError(rt, err)
					if got != want {
						rt.Fatalf("BalanceAt(%s, %d) = %d, want %d", id, at, got, want)
					}
				}
				var seqs []uint64
				for _, e := range model {
					if _, ok := e.deltas[id]; ok {
						seqs = append(seqs, e.seq)
					}
				}
				limit := rapid.IntRange(1, 70).Draw(rt, "limit")
				for after := uint64(0); after <= uint64(len(model))+1; after++ {
					var want []uint64
					for _, q := range seqs {
						if q > after && len(want) < limit {
							want = append(want, q)
						}
					}
					recs, err := r.AccountTransactions(ctx, id, after, limit)
					require.NoError(rt, err)
					var got []uint64
					for _, rec := range recs {
						got = append(got, rec.Seq)
					}
					if len(got) != len(want) {
						rt.Fatalf("AccountTransactions(%s, %d, %d) = %v, want %v", id, after, limit, got, want)
					}
					for k := range got {
						if got[k] != want[k] {
							rt.Fatalf("AccountTransactions(%s, %d, %d) = %v, want %v", id, after, limit, got, want)
						}
					}
				}
			}
			return nil
		}))
	})
}
