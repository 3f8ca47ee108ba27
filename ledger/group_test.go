package ledger_test

import (
	"context"
	"testing"

	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/memstore"
	"github.com/tongxin/tongxin/ledger/storetest"
)

// groupStore is memstore asking for group commit and offering batched key lookups, so the
// whole conformance suite (its concurrency tests above all) runs through those paths too.
type groupStore struct{ *memstore.Store }

func (groupStore) GroupCommit() bool { return true }

func (s groupStore) Update(ctx context.Context, fn func(ledger.StoreTx) error) error {
	return s.Store.Update(ctx, func(tx ledger.StoreTx) error { return fn(keyLookupTx{tx}) })
}

type keyLookupTx struct{ ledger.StoreTx }

func (t keyLookupTx) TransactionsByKeys(ctx context.Context, keys []string) (map[string]ledger.TxRecord, error) {
	out := map[string]ledger.TxRecord{}
	for _, k := range keys {
		if rec, err := t.TransactionByKey(ctx, k); err == nil {
			out[k] = rec
		}
	}
	return out, nil
}

func TestConformanceWithGroupCommit(t *testing.T) {
	storetest.Run(t, func(t *testing.T) ledger.Store { return groupStore{memstore.New()} })
}
