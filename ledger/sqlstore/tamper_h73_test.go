package sqlstore_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/ledger"
)

// TestTamperEntriesBeyondInt64H73: entries edited so that an account's add up beyond int64
// make BalanceAt ErrInvalidAmount; Verify reports that as ErrCorrupt (the account's balance
// is inside int64, so its entries must be too), not as a verdict on the caller's input.
func TestTamperEntriesBeyondInt64H73(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			s, raw := b.open(t)
			l, _ := smallLedger(t, s)
			res, err := raw.Exec(`UPDATE entries SET delta = 9000000000000000000 WHERE account = 'a'`)
			require.NoError(t, err)
			n, err := res.RowsAffected()
			require.NoError(t, err)
			require.Equal(t, int64(2), n)
			err = l.Verify(context.Background())
			require.ErrorIs(t, err, ledger.ErrCorrupt)
		})
	}
}
