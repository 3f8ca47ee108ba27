package ledger_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
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
	for i := range accs {
		if r.editAccount != nil {
			r.editAccount(&accs[i])
		}
	}
	return accs, err
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
		"head edited": func(r *tamperReader) { r.editHead = func(h *ledger.Head) { h.Hash[0] ^= 1 } },
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
