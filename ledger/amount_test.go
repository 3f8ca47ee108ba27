package ledger_test

import (
	"math/big"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/ledger"
)

// An absurd amount is refused with a short message: 1e30000000 is a valid decimal, and an
// error that wrote it out took 16 s and 30 MB per Post.
func TestAbsurdAmountsShortErrors(t *testing.T) {
	l, ctx := newPTSLedger(t, "issuer", "a")
	long, ok := new(big.Int).SetString("1"+strings.Repeat("7", 100_000), 10)
	require.True(t, ok)
	for _, c := range []struct {
		amount decimal.Decimal
		text   string // what the message shows of the amount
	}{
		{decimal.New(1, 30_000_000), "1e30000000: too large"},
		{decimal.New(-7, 30_000_000), "-7e30000000: too large"},
		{decimal.New(1, -30_000_000), "1e-30000000: too many decimal places"},
		{decimal.New(123, 41), "123e41: more than"},
		{decimal.NewFromBigInt(long, 0), "(a coefficient of about 100001 digits)e0: more than"},
		{decimal.NewFromBigInt(new(big.Int).Neg(long), -100_000), "-(a coefficient of about 100001 digits)e-100000: too many decimal places"},
		{decimal.RequireFromString("12.345"), "12.345: more than 2 decimal places"},
		{decimal.RequireFromString("20000000000000000"), "20000000000000000: more than"},
	} {
		_, err := l.Post(ctx, ledger.Transaction{Postings: []ledger.Posting{{From: "issuer", To: "a", Amount: c.amount, Asset: "PTS"}}})
		require.ErrorIs(t, err, ledger.ErrInvalidAmount, c.text)
		assert.Contains(t, err.Error(), c.text)
		assert.Less(t, len(err.Error()), 300, c.text)
		_, err = l.Hold(ctx, ledger.Posting{From: "issuer", To: "a", Amount: c.amount, Asset: "PTS"}, ledger.HoldOptions{})
		require.ErrorIs(t, err, ledger.ErrInvalidAmount, c.text)
		assert.Less(t, len(err.Error()), 300, c.text)
		_, err = ledger.ToMinor(c.amount, 2)
		assert.Less(t, len(err.Error()), 200, c.text)
	}
	b, err := l.Balance(ctx, "a")
	require.NoError(t, err)
	assert.True(t, b.IsZero())
}
