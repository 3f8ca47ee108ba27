package memstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/memstore"
	"github.com/tongxin/tongxin/ledger/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) ledger.Store { return memstore.New() })
}

// storeWithAccounts is a store with asset PTS, account a (unbounded) and account b, each
// account inserted in an Update of its own.
func storeWithAccounts(t *testing.T) *memstore.Store {
	t.Helper()
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
	return s
}

// TestCommitRejectsMalformed drives the Store directly: a malformed Commit is ErrInvalid and
// changes nothing, never a panic.
func TestCommitRejectsMalformed(t *testing.T) {
	ctx := context.Background()
	s := storeWithAccounts(t)
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

// TestKeysStoredAfterLookups drives the Store directly through the ways a write transaction
// can look keys up before committing them (one key, a batch with a rejected key skipped, a
// key committed without a lookup, a lookup of a key committed in an earlier Update, keys
// looked up twice): every committed key must be found afterwards, and no other.
func TestKeysStoredAfterLookups(t *testing.T) {
	ctx := context.Background()
	s := storeWithAccounts(t)
	seq := uint64(0)
	var committed, skipped []string
	commit := func(lookups [][]string, keys []string) {
		t.Helper()
		require.NoError(t, s.Update(ctx, func(tx ledger.StoreTx) error {
			for _, l := range lookups {
				if len(l) == 1 {
					_, err := tx.TransactionByKey(ctx, l[0])
					if err != nil && !errors.Is(err, ledger.ErrNotFound) {
						return err
					}
					continue
				}
				if _, err := tx.(ledger.StoreKeyLookup).TransactionsByKeys(ctx, l); err != nil {
					return err
				}
			}
			head, err := tx.LockHead(ctx)
			if err != nil {
				return err
			}
			var recs []ledger.TxRecord
			for _, k := range keys {
				seq++
				recs = append(recs, ledger.TxRecord{ID: uuid.New(), Seq: seq, IdempotencyKey: k,
					Postings: []ledger.PostingRecord{{From: "a", To: "b", Asset: "PTS", Amount: 1}}})
			}
			head.Seq = seq
			return tx.Commit(ctx, ledger.Commit{Transactions: recs, Head: head, Balances: []ledger.BalanceUpdate{{Account: "a", Balance: -int64(seq)}, {Account: "b", Balance: int64(seq)}}})
		}))
		for _, k := range keys {
			if k != "" {
				committed = append(committed, k)
			}
		}
	}
	commit([][]string{{"k1"}}, []string{"k1"})
	commit([][]string{{"k2", "k3", "k4", "k5"}}, []string{"k2", "", "k4", "k5"}) // k3 rejected
	skipped = append(skipped, "k3")
	commit(nil, []string{"k6"})
	commit([][]string{{"k7", "k8"}}, []string{"k7", "k9", "k8"})        // k9 not looked up
	commit([][]string{{"k1", "k10"}}, []string{"k10"})                  // k1 already stored
	commit([][]string{{"k11"}, {"k11", "k12"}}, []string{"k11", "k12"}) // looked up twice
	commit([][]string{{"k13", "k13"}}, []string{"k13"})                 // one key twice in a batch
	require.NoError(t, s.View(ctx, func(r ledger.StoreReader) error {
		for _, k := range committed {
			rec, err := r.TransactionByKey(ctx, k)
			require.NoError(t, err, k)
			require.Equal(t, k, rec.IdempotencyKey)
		}
		for _, k := range append(skipped, "k14") {
			_, err := r.TransactionByKey(ctx, k)
			require.ErrorIs(t, err, ledger.ErrNotFound, k)
		}
		return nil
	}))
}

// TestConcurrentKeyLookupsOnFreshStore: readers look keys up at once on a store that has
// never hashed one, which must not write shared state (run with -race).
func TestConcurrentKeyLookupsOnFreshStore(t *testing.T) {
	ctx := context.Background()
	s := memstore.New()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.View(ctx, func(r ledger.StoreReader) error {
				_, err := r.TransactionByKey(ctx, fmt.Sprint("k", g))
				return err
			})
			assert.ErrorIs(t, err, ledger.ErrNotFound)
		}()
	}
	wg.Wait()
}
