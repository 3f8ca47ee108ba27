package ledger_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/memstore"
)

// chainTwin is a ledger with deterministic ids and clock, so that two of them given the same
// calls must build the same hash chain.
func chainTwin(t require.TestingT, accounts []ledger.AccountID) *ledger.Ledger {
	ctx := context.Background()
	var n uint64
	ids := func() uuid.UUID {
		n++
		var u uuid.UUID
		binary.BigEndian.PutUint64(u[8:], n)
		return u
	}
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := func() time.Time { clock = clock.Add(time.Second); return clock }
	l, err := ledger.New(ctx, memstore.New(), ledger.WithIDs(ids), ledger.WithClock(now))
	require.NoError(t, err)
	require.NoError(t, l.CreateAsset(ctx, ledger.Asset{Code: "PTS", Scale: 0}))
	require.NoError(t, l.OpenAccount(ctx, ledger.Account{ID: "issuer", Asset: "PTS", Unbounded: true}))
	for _, id := range accounts {
		require.NoError(t, l.OpenAccount(ctx, ledger.Account{ID: id, Asset: "PTS"}))
	}
	return l
}

// TestChainAheadMatchesSerial: a batch hashed ahead on a second goroutine gets exactly the
// results, sequence numbers and hash chain of the same batch sealed one by one, whichever
// requests are refused or replayed and wherever they stand, and the chain verifies.
func TestChainAheadMatchesSerial(t *testing.T) {
	accounts := []ledger.AccountID{"a", "b", "c"}
	rapid.Check(t, func(t *rapid.T) {
		ahead, serial := chainTwin(t, accounts), chainTwin(t, accounts)
		ctx := context.Background()
		all := append([]ledger.AccountID{"issuer"}, accounts...)
		for range rapid.IntRange(1, 6).Draw(t, "batches") {
			batch := make([]ledger.Transaction, rapid.IntRange(0, 80).Draw(t, "size"))
			for i := range batch {
				from := rapid.SampledFrom(all).Draw(t, "from")
				to := rapid.SampledFrom(all).Draw(t, "to")
				if from == to {
					to = "issuer"
					if from == "issuer" {
						to = "a"
					}
				}
				batch[i] = ledger.Transaction{
					Postings: []ledger.Posting{{From: from, To: to, Asset: "PTS",
						Amount: decimal.NewFromInt(rapid.Int64Range(1, 40).Draw(t, "amount"))}},
					Memo: rapid.SampledFrom([]string{"", "m"}).Draw(t, "memo"),
				}
				if rapid.Bool().Draw(t, "keyed") {
					batch[i].IdempotencyKey = fmt.Sprint("k", rapid.IntRange(0, 15).Draw(t, "key"))
				}
			}
			restore := ledger.SetChainAhead(1, 0)
			got, err := ahead.PostBatch(ctx, batch)
			restore()
			require.NoError(t, err)
			restore = ledger.SetChainAhead(math.MaxInt, 0)
			want, err := serial.PostBatch(ctx, batch)
			restore()
			require.NoError(t, err)
			for i := range want {
				require.Equal(t, fmt.Sprint(want[i].Err), fmt.Sprint(got[i].Err), "request %d", i)
				require.Equal(t, want[i].Transaction.Seq, got[i].Transaction.Seq, "request %d", i)
				require.Equal(t, want[i].Transaction.ID, got[i].Transaction.ID, "request %d", i)
			}
			hw, err := serial.Head(ctx)
			require.NoError(t, err)
			hg, err := ahead.Head(ctx)
			require.NoError(t, err)
			require.Equal(t, hw, hg)
		}
		require.NoError(t, ahead.Verify(ctx))
	})
}

// TestChainAheadRerun: a batch hashed ahead whose store transaction runs more than once is
// posted once, with the chain a single run gives.
func TestChainAheadRerun(t *testing.T) {
	defer ledger.SetChainAhead(1, 0)()
	ctx := context.Background()
	l, _ := newPTSLedgerOn(t, &rerunStore{Store: memstore.New(), reruns: 2}, "issuer", "a")
	batch := make([]ledger.Transaction, 100)
	for i := range batch {
		from, to := ledger.AccountID("issuer"), ledger.AccountID("a")
		if i%7 == 3 {
			from, to = to, from // a's balance is short for some of these: refused mid-batch
		}
		batch[i] = ledger.Transaction{IdempotencyKey: fmt.Sprint("k", i%40), Postings: []ledger.Posting{
			{From: from, To: to, Asset: "PTS", Amount: decimal.NewFromInt(int64(1 + i%5))}}}
	}
	res, err := l.PostBatch(ctx, batch)
	require.NoError(t, err)
	posted := 0
	for _, r := range res {
		if r.Err == nil && !r.Transaction.Replayed {
			posted++
			require.Equal(t, uint64(posted), r.Transaction.Seq)
		}
	}
	require.Positive(t, posted)
	h, err := l.Head(ctx)
	require.NoError(t, err)
	require.Equal(t, uint64(posted), h.Seq)
	require.NoError(t, l.Verify(ctx))
}
