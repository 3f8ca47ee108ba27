package ledger_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/ledger"
)

func h68Dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func h68Avail(t *testing.T, f *h68Fixture, id ledger.AccountID) string {
	t.Helper()
	a, err := f.l.Available(f.ctx, id)
	require.NoError(t, err)
	return a.String()
}

// Capture refuses an amount that is not a part of the hold, and changes nothing.
func TestCaptureAmountsH68(t *testing.T) {
	f := newH68Fixture(t)
	h, err := f.l.Hold(f.ctx, ledger.Posting{From: "vol", To: "shop", Amount: h68Dec("30"), Asset: "PTS"}, ledger.HoldOptions{})
	require.NoError(t, err)
	for _, a := range []string{"30.01", "0", "-1", "0.001", "1e30", "9223372036854775808"} {
		_, err := f.l.Capture(f.ctx, h.ID, h68Dec(a))
		require.ErrorIs(t, err, ledger.ErrInvalidAmount, a)
	}
	require.Equal(t, "70", h68Avail(t, f, "vol"))
	// A partial capture moves its amount and releases the rest.
	tx, err := f.l.Capture(f.ctx, h.ID, h68Dec("12.5"))
	require.NoError(t, err)
	require.Equal(t, h.ID, tx.CapturesHold)
	require.Equal(t, "87.5", h68Avail(t, f, "vol"))
	require.Equal(t, "12.5", h68Avail(t, f, "shop"))
	// Once.
	_, err = f.l.Capture(f.ctx, h.ID, h68Dec("1"))
	require.ErrorIs(t, err, ledger.ErrHoldClosed)
	require.ErrorIs(t, f.l.Release(f.ctx, h.ID), ledger.ErrHoldClosed)
	require.NoError(t, f.l.Verify(f.ctx))
}

// An expired hold reserves nothing, cannot be captured, and may be released once.
func TestExpiredHoldH68(t *testing.T) {
	f := newH68Fixture(t)
	h, err := f.l.Hold(f.ctx, ledger.Posting{From: "vol", To: "shop", Amount: h68Dec("100"), Asset: "PTS"},
		ledger.HoldOptions{ExpiresAt: f.t0.Add(time.Minute)})
	require.NoError(t, err)
	require.Equal(t, "0", h68Avail(t, f, "vol"))
	f.clock.Set(f.t0.Add(time.Minute)) // at ExpiresAt: expired
	require.Equal(t, "100", h68Avail(t, f, "vol"))
	_, err = f.l.Capture(f.ctx, h.ID, h68Dec("1"))
	require.ErrorIs(t, err, ledger.ErrHoldClosed)
	require.NoError(t, f.l.Release(f.ctx, h.ID))
	require.ErrorIs(t, f.l.Release(f.ctx, h.ID), ledger.ErrHoldClosed)
	require.ErrorIs(t, f.l.Release(f.ctx, uuid.New()), ledger.ErrNotFound)
	_, err = f.l.Capture(f.ctx, uuid.New(), h68Dec("1"))
	require.ErrorIs(t, err, ledger.ErrNotFound)
	require.NoError(t, f.l.Verify(f.ctx))
}

// Hold keys and transaction keys are separate namespaces.
func TestHoldAndPostKeysH68(t *testing.T) {
	f := newH68Fixture(t)
	p := ledger.Posting{From: "vol", To: "shop", Amount: h68Dec("10"), Asset: "PTS"}
	h, err := f.l.Hold(f.ctx, p, ledger.HoldOptions{IdempotencyKey: "k"})
	require.NoError(t, err)
	tx, err := f.l.Post(f.ctx, ledger.Transaction{IdempotencyKey: "k", Postings: []ledger.Posting{p}})
	require.NoError(t, err)
	require.False(t, tx.Replayed)
	h2, err := f.l.Hold(f.ctx, p, ledger.HoldOptions{IdempotencyKey: "k"})
	require.NoError(t, err)
	require.Equal(t, h.ID, h2.ID)
	_, err = f.l.Hold(f.ctx, ledger.Posting{From: "vol", To: "shop", Amount: h68Dec("11"), Asset: "PTS"}, ledger.HoldOptions{IdempotencyKey: "k"})
	require.ErrorIs(t, err, ledger.ErrIdempotencyConflict)
	require.Equal(t, "80", h68Avail(t, f, "vol"))
}

// A hold from an Unbounded account at the largest amount, captured in full.
func TestHoldUnboundedAtLimitH68(t *testing.T) {
	f := newH68Fixture(t)
	max := ledger.FromMinor(ledger.AmountMinorMax, 2)
	h, err := f.l.Hold(f.ctx, ledger.Posting{From: "issuer", To: "shop", Amount: max, Asset: "PTS"}, ledger.HoldOptions{})
	require.NoError(t, err)
	_, err = f.l.Hold(f.ctx, ledger.Posting{From: "issuer", To: "shop", Amount: max.Add(h68Dec("0.01")), Asset: "PTS"}, ledger.HoldOptions{})
	require.ErrorIs(t, err, ledger.ErrInvalidAmount)
	for i := 0; i < 8; i++ {
		_, err = f.l.Hold(f.ctx, ledger.Posting{From: "issuer", To: "shop", Amount: max, Asset: "PTS"}, ledger.HoldOptions{})
		if err != nil {
			break
		}
	}
	require.ErrorIs(t, err, ledger.ErrInvalidAmount)
	_, err = f.l.Capture(f.ctx, h.ID, max)
	require.NoError(t, err)
	require.NoError(t, f.l.Verify(f.ctx))
}

// Capture into an account that filled up to its maximum since the hold is refused.
func TestCaptureAboveMaxH68(t *testing.T) {
	f := newH68Fixture(t)
	require.NoError(t, f.l.OpenAccount(f.ctx, ledger.Account{ID: "capped", Asset: "PTS", MaxBalance: decimal.NewNullDecimal(h68Dec("10"))}))
	h, err := f.l.Hold(f.ctx, ledger.Posting{From: "vol", To: "capped", Amount: h68Dec("8"), Asset: "PTS"}, ledger.HoldOptions{})
	require.NoError(t, err)
	_, err = f.l.Post(f.ctx, ledger.Transaction{Postings: []ledger.Posting{{From: "issuer", To: "capped", Amount: h68Dec("5"), Asset: "PTS"}}})
	require.NoError(t, err)
	_, err = f.l.Capture(f.ctx, h.ID, h68Dec("8"))
	require.ErrorIs(t, err, ledger.ErrAboveMaxBalance)
	_, err = f.l.Capture(f.ctx, h.ID, h68Dec("5"))
	require.NoError(t, err)
	require.NoError(t, f.l.Verify(f.ctx))
}

// A call whose context is done changes nothing.
func TestHoldCallsWithDoneContextH68(t *testing.T) {
	f := newH68Fixture(t)
	h, err := f.l.Hold(f.ctx, ledger.Posting{From: "vol", To: "shop", Amount: h68Dec("10"), Asset: "PTS"}, ledger.HoldOptions{})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(f.ctx)
	cancel()
	_, err = f.l.Capture(ctx, h.ID, h68Dec("1"))
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorIs(t, f.l.Release(ctx, h.ID), context.Canceled)
	_, err = f.l.Hold(ctx, ledger.Posting{From: "vol", To: "shop", Amount: h68Dec("10"), Asset: "PTS"}, ledger.HoldOptions{})
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, "90", h68Avail(t, f, "vol"))
}
