package sqlstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/storetest"
)

// BenchmarkSQLitePostExpiredHoldsH73: Posts from an account with n expired holds that were
// never released. The stores add up an account's open holds for every LockAccounts; the
// holds_open index of version 3 (from_account WHERE status = 1) found the expired ones too,
// so each Post read all of them. Version 4's holds_open_expiry (from_account, expires_at,
// amount) seeks past them (see TestHeldSumSeeksPastExpiredHolds_h79).
func BenchmarkSQLitePostExpiredHoldsH73(b *testing.B) {
	for _, n := range []int{0, 1_000, 10_000} {
		b.Run(fmt.Sprintf("expired=%d", n), func(b *testing.B) {
			ctx := context.Background()
			s, _ := openSQLite(b)
			clock := storetest.NewClock(storetest.Start)
			l, err := ledger.New(ctx, s, ledger.WithClock(clock.Now))
			require.NoError(b, err)
			require.NoError(b, l.CreateAsset(ctx, ledger.Asset{Code: "PTS"}))
			for _, a := range []ledger.Account{{ID: "issuer", Asset: "PTS", Unbounded: true}, {ID: "a", Asset: "PTS"}, {ID: "b", Asset: "PTS"}, {ID: "c", Asset: "PTS"}} {
				require.NoError(b, l.OpenAccount(ctx, a))
			}
			_, err = l.Post(ctx, ledger.Transaction{Postings: []ledger.Posting{{From: "issuer", To: "a", Asset: "PTS", Amount: decimal.NewFromInt(1e12)}}})
			require.NoError(b, err)
			for range n {
				_, err := l.Hold(ctx, ledger.Posting{From: "a", To: "c", Asset: "PTS", Amount: decimal.NewFromInt(1)}, ledger.HoldOptions{ExpiresAt: clock.Now().Add(time.Second)})
				require.NoError(b, err)
			}
			clock.Advance(2 * time.Second)
			p := ledger.Transaction{Postings: []ledger.Posting{{From: "a", To: "b", Asset: "PTS", Amount: decimal.NewFromInt(1)}}}
			for b.Loop() {
				if _, err := l.Post(ctx, p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
