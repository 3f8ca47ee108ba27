package sqlstore_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/ledger"
)

// TestTamperEachColumnH73 edits, one at a time, the columns of transactions and postings
// that TestTamper does not: each is read back into a field the hash chain covers, so Verify
// (or the read itself) reports ErrCorrupt.
func TestTamperEachColumnH73(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			for _, tc := range []struct{ name, sql string }{
				{"posted time", `UPDATE transactions SET posted_at = posted_at + 1 WHERE seq = 2`},
				{"effective defaulted", `UPDATE transactions SET effective_defaulted = NOT effective_defaulted WHERE seq = 2`},
				{"reverses", `UPDATE transactions SET reverses = (SELECT id FROM transactions WHERE seq = 1) WHERE seq = 3`},
				{"captures hold", `UPDATE transactions SET captures_hold = (SELECT id FROM transactions WHERE seq = 1) WHERE seq = 3`},
				{"key", `UPDATE transactions SET idempotency_key = 'award:9' WHERE seq = 3`},
				{"key dropped", `UPDATE transactions SET idempotency_key = NULL WHERE seq = 3`},
				{"key added", `UPDATE transactions SET idempotency_key = 'award:9' WHERE seq = 2`},
				{"id", `UPDATE transactions SET id = (SELECT hash FROM transactions WHERE seq = 1) WHERE seq = 2`},
				{"posting asset", `UPDATE postings SET asset = 'HOUR' WHERE seq = 3`},
				{"posting from", `UPDATE postings SET from_account = 'a' WHERE seq = 3`},
				{"postings swapped", `UPDATE postings SET idx = 3 - idx WHERE seq = 2`},
				{"metadata dropped", `UPDATE transactions SET metadata = NULL WHERE seq = 1`},
				{"memo on another", `UPDATE transactions SET memo = '微心愿' WHERE seq = 2`},
			} {
				t.Run(tc.name, func(t *testing.T) {
					s, raw := b.open(t)
					l, _ := smallLedger(t, s)
					res, err := raw.Exec(tc.sql)
					require.NoError(t, err)
					n, err := res.RowsAffected()
					require.NoError(t, err)
					require.Positive(t, n, "the edit must hit a row")
					err = l.Verify(context.Background())
					require.ErrorIs(t, err, ledger.ErrCorrupt)
				})
			}
		})
	}
}
