package memstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/memstore"
	"github.com/tongxin/tongxin/ledger/storetest"
)

// expiringLedger is a ledger on memstore with a settable clock, asset PTS (scale 0) and
// accounts issuer (unbounded), a, b and c; a holds 10^12.
func expiringLedger(tb testing.TB) (*ledger.Ledger, *storetest.Clock) {
	tb.Helper()
	ctx := context.Background()
	clock := storetest.NewClock(storetest.Start)
	l, err := ledger.New(ctx, memstore.New(), ledger.WithClock(clock.Now))
	require.NoError(tb, err)
	require.NoError(tb, l.CreateAsset(ctx, ledger.Asset{Code: "PTS"}))
	for _, a := range []ledger.Account{{ID: "issuer", Asset: "PTS", Unbounded: true}, {ID: "a", Asset: "PTS"}, {ID: "b", Asset: "PTS"}, {ID: "c", Asset: "PTS"}} {
		require.NoError(tb, l.OpenAccount(ctx, a))
	}
	_, err = l.Post(ctx, ledger.Transaction{Postings: []ledger.Posting{{From: "issuer", To: "a", Asset: "PTS", Amount: decimal.NewFromInt(1e12)}}})
	require.NoError(tb, err)
	return l, clock
}

// TestExpiringHoldsAnyOrderH73 opens holds with random expiries (ties included, and holds
// without one), captures, releases and lets them expire in random order, and checks a's
// available amount against a model after every step, with the clock moving forward.
func TestExpiringHoldsAnyOrderH73(t *testing.T) {
	ctx := context.Background()
	l, clock := expiringLedger(t)
	rng := rand.New(rand.NewPCG(73, 2))
	type open struct {
		id      ledger.Hold
		amount  int64
		expires time.Time // zero: never
	}
	var holds []open
	posted := int64(1e12)
	for step := range 3000 {
		now := clock.Now()
		switch op := rng.IntN(10); {
		case op < 5:
			amount := int64(1 + rng.IntN(1000))
			var exp time.Time
			if rng.IntN(5) > 0 {
				exp = now.Add(time.Duration(1+rng.IntN(20)) * time.Second)
			}
			h, err := l.Hold(ctx, ledger.Posting{From: "a", To: "b", Asset: "PTS", Amount: decimal.NewFromInt(amount)}, ledger.HoldOptions{ExpiresAt: exp})
			require.NoError(t, err)
			holds = append(holds, open{h, amount, exp})
		case op < 7 && len(holds) > 0:
			k := rng.IntN(len(holds))
			h := holds[k]
			holds = append(holds[:k], holds[k+1:]...)
			require.NoError(t, l.Release(ctx, h.id.ID), "step %d", step)
		case op < 9 && len(holds) > 0:
			k := rng.IntN(len(holds))
			h := holds[k]
			_, err := l.Capture(ctx, h.id.ID, decimal.NewFromInt(1))
			if !h.expires.IsZero() && !now.Before(h.expires) {
				require.ErrorIs(t, err, ledger.ErrHoldClosed, "step %d", step)
				continue
			}
			require.NoError(t, err, "step %d", step)
			posted--
			holds = append(holds[:k], holds[k+1:]...)
		default:
			clock.Advance(time.Duration(rng.IntN(3000)) * time.Millisecond)
		}
		now = clock.Now()
		want := posted
		for _, h := range holds {
			if h.expires.IsZero() || now.Before(h.expires) {
				want -= h.amount
			}
		}
		got, err := l.Available(ctx, "a")
		require.NoError(t, err)
		require.Equal(t, fmt.Sprint(want), got.String(), "step %d", step)
	}
	require.NoError(t, l.Verify(ctx))
}

// BenchmarkPostExpiredHoldsH73: Posts from an account with many expired holds that were
// never released. They reserve nothing, and a Post should not cost more for them.
func BenchmarkPostExpiredHoldsH73(b *testing.B) {
	for _, n := range []int{0, 1_000, 10_000} {
		b.Run(fmt.Sprintf("expired=%d", n), func(b *testing.B) {
			ctx := context.Background()
			l, clock := expiringLedger(b)
			for range n {
				_, err := l.Hold(ctx, ledger.Posting{From: "a", To: "c", Asset: "PTS", Amount: decimal.NewFromInt(1)}, ledger.HoldOptions{ExpiresAt: clock.Now().Add(time.Second)})
				require.NoError(b, err)
			}
			clock.Advance(2 * time.Second)
			// One hold that still reserves.
			_, err := l.Hold(ctx, ledger.Posting{From: "a", To: "c", Asset: "PTS", Amount: decimal.NewFromInt(1)}, ledger.HoldOptions{ExpiresAt: clock.Now().Add(time.Hour)})
			require.NoError(b, err)
			p := ledger.Transaction{Postings: []ledger.Posting{{From: "a", To: "b", Asset: "PTS", Amount: decimal.NewFromInt(1)}}}
			for b.Loop() {
				if _, err := l.Post(ctx, p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
