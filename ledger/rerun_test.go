package ledger_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/memstore"
	"github.com/tongxin/tongxin/ledger/storetest"
)

// rerunStore runs every Update's fn once more than it keeps, as a SQL store does after losing
// a race at commit (Store.Update: fn may run again, so it must keep no state of its own
// between runs). The first run's work is thrown away.
type rerunStore struct {
	ledger.Store
	reruns int
}

var errLostRace = errors.New("lost a race at commit")

func (s *rerunStore) Update(ctx context.Context, fn func(tx ledger.StoreTx) error) error {
	for range s.reruns {
		err := s.Store.Update(ctx, func(tx ledger.StoreTx) error {
			if err := fn(tx); err != nil {
				return err
			}
			return errLostRace
		})
		if !errors.Is(err, errLostRace) {
			return err
		}
	}
	return s.Store.Update(ctx, fn)
}

// TestUpdateRunTwice: a batch whose store transaction runs twice is posted once, with the
// answer a single run gives, keys repeated within the batch included. (The Ledger once kept
// the keys a batch had posted from the first run into the second, and a repeated key then
// pointed past the second run's records: an index out of range.)
func TestUpdateRunTwice(t *testing.T) {
	for _, reruns := range []int{0, 1, 3} {
		t.Run(fmt.Sprint("reruns=", reruns), func(t *testing.T) {
			l, ctx := newPTSLedgerOn(t, &rerunStore{Store: memstore.New(), reruns: reruns}, "issuer", "a")
			give := func(key, amount string) ledger.Transaction {
				return ledger.Transaction{IdempotencyKey: key, Postings: []ledger.Posting{
					{From: "issuer", To: "a", Amount: decimal.RequireFromString(amount), Asset: "PTS"}}}
			}
			res, err := l.PostBatch(ctx, []ledger.Transaction{
				give("k1", "1"), give("k2", "2"), give("k2", "2"), give("k3", "3"), give("k2", "9"), give("k1", "1"),
			})
			require.NoError(t, err)
			wantSeq := []uint64{1, 2, 2, 3, 0, 1}
			for i, r := range res {
				if i == 4 {
					assert.ErrorIs(t, r.Err, ledger.ErrIdempotencyConflict)
					continue
				}
				require.NoError(t, r.Err, "item %d", i)
				assert.Equal(t, wantSeq[i], r.Transaction.Seq, "item %d", i)
				assert.Equal(t, i == 2 || i == 5, r.Transaction.Replayed, "item %d", i)
			}
			bal, err := l.Balance(ctx, "a")
			require.NoError(t, err)
			assert.Equal(t, "6", bal.String())
			require.NoError(t, l.Verify(ctx))

			// A single Post through the same store.
			tx, err := l.Post(ctx, give("k4", "4"))
			require.NoError(t, err)
			assert.Equal(t, uint64(4), tx.Seq)
		})
	}
}

// TestConformanceRunTwice runs the whole conformance suite on a memstore whose every Update
// runs fn once in vain first: every write the Ledger makes must come out as if it ran once.
func TestConformanceRunTwice(t *testing.T) {
	storetest.Run(t, func(t *testing.T) ledger.Store { return &rerunStore{Store: memstore.New(), reruns: 1} })
}

// TestUpdateRunTwiceDrawsIDsOnce: ids are drawn on a commit's first attempt and reused when
// the store runs it again, so a retry neither skips ids nor posts under an id never handed
// out first. (They are drawn under the store's lock since the ids took the commit's time.)
func TestUpdateRunTwiceDrawsIDsOnce(t *testing.T) {
	var drawn []uuid.UUID
	ids := ledger.WithIDs(func() uuid.UUID {
		id := uuid.New()
		drawn = append(drawn, id)
		return id
	})
	ctx := context.Background()
	l, err := ledger.New(ctx, &rerunStore{Store: memstore.New(), reruns: 2}, ids)
	require.NoError(t, err)
	require.NoError(t, l.CreateAsset(ctx, ledger.Asset{Code: "PTS", Scale: 2}))
	require.NoError(t, l.OpenAccount(ctx, ledger.Account{ID: "issuer", Asset: "PTS", Unbounded: true}))
	require.NoError(t, l.OpenAccount(ctx, ledger.Account{ID: "a", Asset: "PTS"}))
	give := ledger.Transaction{Postings: []ledger.Posting{{From: "issuer", To: "a", Amount: decimal.NewFromInt(1), Asset: "PTS"}}}

	tx, err := l.Post(ctx, give)
	require.NoError(t, err)
	require.Equal(t, []uuid.UUID{tx.ID}, drawn, "one id, drawn once over three attempts")

	drawn = nil
	res, err := l.PostBatch(ctx, []ledger.Transaction{give, give, give})
	require.NoError(t, err)
	require.Len(t, drawn, 3)
	for i, r := range res {
		require.NoError(t, r.Err)
		assert.Equal(t, drawn[i], r.Transaction.ID)
	}
}

// TestPostReadsTheClockOnce: a Post without EffectiveAt reads the clock once, under the
// store's lock (a reading is about 4 % of a Post); one with EffectiveAt also reads it when
// the call comes in, to refuse a future EffectiveAt.
func TestPostReadsTheClockOnce(t *testing.T) {
	reads := 0
	clock := ledger.WithClock(func() time.Time { reads++; return time.Now() })
	ctx := context.Background()
	l, err := ledger.New(ctx, memstore.New(), clock)
	require.NoError(t, err)
	require.NoError(t, l.CreateAsset(ctx, ledger.Asset{Code: "PTS", Scale: 2}))
	require.NoError(t, l.OpenAccount(ctx, ledger.Account{ID: "issuer", Asset: "PTS", Unbounded: true}))
	require.NoError(t, l.OpenAccount(ctx, ledger.Account{ID: "a", Asset: "PTS"}))
	give := ledger.Transaction{Postings: []ledger.Posting{{From: "issuer", To: "a", Amount: decimal.NewFromInt(1), Asset: "PTS"}}}

	reads = 0
	_, err = l.Post(ctx, give)
	require.NoError(t, err)
	assert.Equal(t, 1, reads)

	reads = 0
	give.EffectiveAt = time.Now().Add(-time.Hour)
	_, err = l.Post(ctx, give)
	require.NoError(t, err)
	assert.Equal(t, 2, reads)
}
