package sqlstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/internal/sqltest"
	"github.com/tongxin/tongxin/ledger"
)

// TestBackgroundCheckpoint: commits go to the WAL and reach the database file only through
// checkpoints. The writer's own checkpoint waits for sqlbase.WALBackstopPages, which the batches below
// (about 3,000 pages) stay under, so the file grows only if the background checkpointer runs.
// Then Verify reads everything back and the store closes cleanly.
func TestBackgroundCheckpoint(t *testing.T) {
	ctx := context.Background()
	s, path := openSQLite(t)
	l, err := ledger.New(ctx, s)
	require.NoError(t, err)
	require.NoError(t, l.CreateAsset(ctx, ledger.Asset{Code: "PTS", Scale: 2}))
	require.NoError(t, l.OpenAccount(ctx, ledger.Account{ID: "issuer", Asset: "PTS", Unbounded: true}))
	const accounts, batches = 1000, 3
	ids := make([]ledger.AccountID, accounts)
	for i := range ids {
		ids[i] = ledger.AccountID(fmt.Sprintf("vol:%04d:pts", i))
		require.NoError(t, l.OpenAccount(ctx, ledger.Account{ID: ids[i], Asset: "PTS"}))
	}
	start := sqltest.FileSize(t, path)
	for b := range batches {
		ts := make([]ledger.Transaction, accounts)
		for i := range ts {
			ts[i] = ledger.Transaction{IdempotencyKey: fmt.Sprintf("ckpt:%d:%d", b, i),
				Postings: []ledger.Posting{{From: "issuer", To: ids[i], Amount: decimal.New(1, 0), Asset: "PTS"}}}
		}
		res, err := l.PostBatch(ctx, ts)
		require.NoError(t, err)
		for _, r := range res {
			require.NoError(t, r.Err)
		}
	}
	// 3,000 transactions, their postings, entries and index entries: over 512 KiB.
	sqltest.WaitForCheckpoint(t, path, start, 512<<10, 20*time.Second)
	require.NoError(t, l.Verify(ctx))
	bal, err := l.Balance(ctx, ids[7])
	require.NoError(t, err)
	require.True(t, bal.Equal(decimal.New(batches, 0)), bal.String())
	require.NoError(t, s.Close())
}
