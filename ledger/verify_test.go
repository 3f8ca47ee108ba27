package ledger_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/memstore"
)

// tamperStore wraps a store and edits what Verify reads, as a row changed behind the
// ledger's back would look.
type tamperStore struct {
	ledger.Store
	tamper func(r *tamperReader)
}

type tamperReader struct {
	ledger.StoreReader
	editTx      func(*ledger.TxRecord)
	dropSeq     uint64
	editAccount func(*ledger.AccountState)
	dropAccount ledger.AccountID
	editHead    func(*ledger.Head)
}

func (s *tamperStore) View(ctx context.Context, fn func(ledger.StoreReader) error) error {
	return s.Store.View(ctx, func(r ledger.StoreReader) error {
		tr := &tamperReader{StoreReader: r}
		s.tamper(tr)
		return fn(tr)
	})
}

func (r *tamperReader) Transactions(ctx context.Context, after uint64, limit int) ([]ledger.TxRecord, error) {
	recs, err := r.StoreReader.Transactions(ctx, after, limit)
	out := recs[:0]
	for i := range recs {
		if recs[i].Seq == r.dropSeq {
			continue
		}
		if r.editTx != nil {
			r.editTx(&recs[i])
		}
		out = append(out, recs[i])
	}
	return out, err
}

func (r *tamperReader) Accounts(ctx context.Context, after ledger.AccountID, limit int, now time.Time) ([]ledger.AccountState, error) {
	accs, err := r.StoreReader.Accounts(ctx, after, limit, now)
	out := accs[:0]
	for i := range accs {
		if accs[i].ID == r.dropAccount {
			continue
		}
		if r.editAccount != nil {
			r.editAccount(&accs[i])
		}
		out = append(out, accs[i])
	}
	return out, err
}

func (r *tamperReader) Account(ctx context.Context, id ledger.AccountID, now time.Time) (ledger.AccountState, error) {
	if id == r.dropAccount && id != "" {
		return ledger.AccountState{}, fmt.Errorf("account %s: %w", id, ledger.ErrNotFound)
	}
	st, err := r.StoreReader.Account(ctx, id, now)
	if err == nil && r.editAccount != nil {
		r.editAccount(&st)
	}
	return st, err
}

func (r *tamperReader) Head(ctx context.Context) (ledger.Head, error) {
	h, err := r.StoreReader.Head(ctx)
	if r.editHead != nil {
		r.editHead(&h)
	}
	return h, err
}

func TestVerifyDetectsTampering(t *testing.T) {
	cases := map[string]func(*tamperReader){
		"amount edited":    func(r *tamperReader) { r.editTx = func(x *ledger.TxRecord) { x.Postings[0].Amount++ } },
		"memo edited":      func(r *tamperReader) { r.editTx = func(x *ledger.TxRecord) { x.Memo += "!" } },
		"recipient edited": func(r *tamperReader) { r.editTx = func(x *ledger.TxRecord) { x.Postings[0].To = "b" } },
		"time edited": func(r *tamperReader) {
			r.editTx = func(x *ledger.TxRecord) { x.EffectiveAt = x.EffectiveAt.Add(time.Second) }
		},
		"id edited":        func(r *tamperReader) { r.editTx = func(x *ledger.TxRecord) { x.ID = uuid.New() } },
		"row deleted":      func(r *tamperReader) { r.dropSeq = 2 },
		"last row deleted": func(r *tamperReader) { r.dropSeq = 3 },
		"balance edited": func(r *tamperReader) {
			r.editAccount = func(a *ledger.AccountState) {
				if a.ID == "a" {
					a.Balance += 100
				}
			}
		},
		"head edited":     func(r *tamperReader) { r.editHead = func(h *ledger.Head) { h.Hash[0] ^= 1 } },
		"account deleted": func(r *tamperReader) { r.dropAccount = "a" },
		"account asset edited": func(r *tamperReader) {
			r.editAccount = func(a *ledger.AccountState) {
				if a.ID == "a" {
					a.Asset = "HOUR"
				}
			}
		},
		"minimum edited": func(r *tamperReader) {
			r.editAccount = func(a *ledger.AccountState) {
				if a.ID == "a" {
					a.MinBalance = 10_000
				}
			}
		},
		"maximum edited": func(r *tamperReader) {
			r.editAccount = func(a *ledger.AccountState) {
				if a.ID == "a" {
					a.HasMax, a.MaxBalance = true, 100
				}
			}
		},
		"both balance and posting edited consistently": func(r *tamperReader) {
			// Even a forger who keeps the sums right is caught by the hash chain.
			r.editTx = func(x *ledger.TxRecord) {
				if x.Seq == 1 {
					x.Postings[0].Amount += 100
				}
			}
			r.editAccount = func(a *ledger.AccountState) {
				switch a.ID {
				case "a":
					a.Balance += 100
				case "issuer":
					a.Balance -= 100
				}
			}
		},
	}
	for name, tamper := range cases {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			on := false
			store := &tamperStore{Store: memstore.New(), tamper: func(r *tamperReader) {
				if on {
					tamper(r)
				}
			}}
			l, err := ledger.New(ctx, store)
			require.NoError(t, err)
			require.NoError(t, l.CreateAsset(ctx, ledger.Asset{Code: "PTS", Scale: 2}))
			require.NoError(t, l.OpenAccount(ctx, ledger.Account{ID: "issuer", Asset: "PTS", Unbounded: true}))
			require.NoError(t, l.OpenAccount(ctx, ledger.Account{ID: "a", Asset: "PTS"}))
			require.NoError(t, l.OpenAccount(ctx, ledger.Account{ID: "b", Asset: "PTS"}))
			for i := 0; i < 3; i++ {
				_, err := l.Post(ctx, ledger.Transaction{Memo: "m", Postings: []ledger.Posting{award2("issuer", "a", "5")}})
				require.NoError(t, err)
			}
			require.NoError(t, l.Verify(ctx))
			on = true
			require.ErrorIs(t, l.Verify(ctx), ledger.ErrCorrupt)
		})
	}
}

// countingStore counts the read views a store hands out.
type countingStore struct {
	ledger.Store
	views atomic.Int64
}

func (s *countingStore) View(ctx context.Context, fn func(ledger.StoreReader) error) error {
	s.views.Add(1)
	return s.Store.View(ctx, fn)
}

// TestVerifyWhilePosting runs Verify again and again while writers post: it reads a page per
// view (so writers are not shut out for the whole run) and never reports a Post that lands
// between its pages as a discrepancy.
func TestVerifyWhilePosting(t *testing.T) {
	ctx := context.Background()
	store := &countingStore{Store: memstore.New()}
	l, err := ledger.New(ctx, store)
	require.NoError(t, err)
	require.NoError(t, l.CreateAsset(ctx, ledger.Asset{Code: "PTS", Scale: 2}))
	require.NoError(t, l.OpenAccount(ctx, ledger.Account{ID: "issuer", Asset: "PTS", Unbounded: true}))
	const accounts = 5000 // more than one page of accounts
	batch := make([]ledger.Transaction, 0, accounts)
	for i := 0; i < accounts; i++ {
		id := ledger.AccountID(fmt.Sprintf("m%05d", i))
		require.NoError(t, l.OpenAccount(ctx, ledger.Account{ID: id, Asset: "PTS"}))
		batch = append(batch, ledger.Transaction{Postings: []ledger.Posting{award2("issuer", id, "1")}})
	}
	for i := 0; i < 2; i++ { // 10,000 transactions: three pages of the chain
		res, err := l.PostBatch(ctx, batch)
		require.NoError(t, err)
		require.NoError(t, res[0].Err)
	}
	before := store.views.Load()
	require.NoError(t, l.Verify(ctx))
	assert.GreaterOrEqual(t, store.views.Load()-before, int64(4), "one view per page of transactions and of accounts")

	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				from := ledger.AccountID(fmt.Sprintf("m%05d", (w*977+i)%accounts))
				to := ledger.AccountID(fmt.Sprintf("m%05d", (w*977+i+1)%accounts))
				// Some fail for want of balance: rejected Posts must not disturb Verify either.
				_, _ = l.Post(ctx, ledger.Transaction{Postings: []ledger.Posting{award2(from, to, "0.5")}})
				_, err := l.Post(ctx, ledger.Transaction{Postings: []ledger.Posting{award2("issuer", to, "0.01")}})
				assert.NoError(t, err)
			}
		}()
	}
	for i := 0; i < 5; i++ {
		assert.NoError(t, l.Verify(ctx))
	}
	close(stop)
	wg.Wait()
	require.NoError(t, l.Verify(ctx))
}
