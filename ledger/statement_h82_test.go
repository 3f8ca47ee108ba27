package ledger_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/memstore"
)

// TestStatementPagesH82: an account with posts both ways, transactions that name it on both
// sides, captured, released and expired holds and reversals, paged with every limit from 1 to
// StatementLimitMax and with Posts committed between pages. The pages join into the one-page
// statement; every line's balance is BalanceAt its effective time (the clock moves on at each
// call, nothing is back-dated at first); with back-dated posts the pages still join in commit
// order; the last line's is the account's balance; holds never show.
func TestStatementPagesH82(t *testing.T) {
	ctx := context.Background()
	var tick atomic.Int64
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return start.Add(time.Duration(tick.Add(1)) * time.Second) }
	l, err := ledger.New(ctx, memstore.New(), ledger.WithClock(clock))
	require.NoError(t, err)
	require.NoError(t, l.CreateAsset(ctx, ledger.Asset{Code: "PTS", Scale: 2}))
	require.NoError(t, l.OpenAccount(ctx, ledger.Account{ID: "issuer", Asset: "PTS", Unbounded: true}))
	require.NoError(t, l.OpenAccount(ctx, ledger.Account{ID: "a", Asset: "PTS", MinBalance: decimal.NewFromInt(-5)}))
	require.NoError(t, l.OpenAccount(ctx, ledger.Account{ID: "b", Asset: "PTS"}))

	rng := rand.New(rand.NewPCG(82, 1))
	amount := func() decimal.Decimal { return decimal.New(int64(1+rng.IntN(900)), -2) }
	post := func(ps ...ledger.Posting) (ledger.Transaction, error) {
		for i := range ps {
			ps[i].Asset = "PTS"
		}
		return l.Post(ctx, ledger.Transaction{Memo: fmt.Sprint("p", tick.Load()), Postings: ps})
	}
	var touching int // transactions that name "a"
	backDate := false
	grow := func(n int) {
		for range n {
			var tx ledger.Transaction
			var err error
			touches := true
			switch rng.IntN(8) {
			case 0, 1:
				tx, err = post(ledger.Posting{From: "issuer", To: "a", Amount: amount()})
			case 2:
				tx, err = post(ledger.Posting{From: "a", To: "b", Amount: amount()})
			case 3: // both sides of one transaction
				tx, err = post(ledger.Posting{From: "issuer", To: "a", Amount: amount()}, ledger.Posting{From: "a", To: "b", Amount: amount()})
			case 4:
				tx, err = post(ledger.Posting{From: "issuer", To: "b", Amount: amount()})
				touches = false
			case 5:
				var h ledger.Hold
				h, err = l.Hold(ctx, ledger.Posting{From: "a", To: "b", Amount: amount(), Asset: "PTS"}, ledger.HoldOptions{ExpiresAt: clock().Add(time.Hour)})
				if err == nil {
					switch rng.IntN(3) {
					case 0:
						tx, err = l.Capture(ctx, h.ID, h.Posting.Amount)
					case 1:
						touches = false
						err = l.Release(ctx, h.ID)
					default:
						touches = false // left open
					}
				}
			case 6:
				tx, err = post(ledger.Posting{From: "issuer", To: "a", Amount: amount()})
				if err == nil {
					touching++
					tx, err = l.Reverse(ctx, tx.ID, "")
				}
			case 7: // back-dated: the store keeps it out of effective order
				if !backDate {
					touches = false
					break
				}
				tx, err = l.Post(ctx, ledger.Transaction{EffectiveAt: start.Add(time.Duration(rng.IntN(int(tick.Load()))) * time.Second),
					Postings: []ledger.Posting{{From: "issuer", To: "a", Amount: amount(), Asset: "PTS"}}})
			}
			if err != nil {
				require.ErrorIs(t, err, ledger.ErrInsufficientBalance)
				continue
			}
			_ = tx
			if touches {
				touching++
			}
		}
	}
	grow(300)

	whole, err := l.Statement(ctx, "a", ledger.StatementQuery{Limit: ledger.StatementLimitMax})
	require.NoError(t, err)
	require.Empty(t, whole.NextCursor)
	require.Len(t, whole.Lines, touching)
	balance, err := l.Balance(ctx, "a")
	require.NoError(t, err)
	require.True(t, balance.Equal(whole.Lines[len(whole.Lines)-1].Balance))
	prev := decimal.Zero
	for _, line := range whole.Lines {
		require.True(t, prev.Add(line.Change).Equal(line.Balance), "seq %d", line.Seq)
		prev = line.Balance
		at, err := l.BalanceAt(ctx, "a", line.EffectiveAt)
		require.NoError(t, err)
		require.True(t, at.Equal(line.Balance), "seq %d: BalanceAt %s, statement %s", line.Seq, at, line.Balance)
	}

	for _, limit := range []int{1, 2, 3, 7, 64, touching - 1, touching, touching + 1, ledger.StatementLimitMax} {
		var lines []ledger.StatementLine
		q := ledger.StatementQuery{Limit: limit}
		for pages := 0; ; pages++ {
			require.Less(t, pages, touching+2, "limit %d: pages do not end", limit)
			page, err := l.Statement(ctx, "a", q)
			require.NoError(t, err, "limit %d", limit)
			require.LessOrEqual(t, len(page.Lines), limit)
			lines = append(lines, page.Lines...)
			if page.NextCursor == "" {
				break
			}
			require.Len(t, page.Lines, limit, "a page before the last is full")
			q.Cursor = page.NextCursor
		}
		assert.Equal(t, whole.Lines, lines, "limit %d", limit)
	}

	// Posts between pages, back-dated ones among them: the pages after them show them, and the last ends at the balance.
	first, err := l.Statement(ctx, "a", ledger.StatementQuery{Limit: 10})
	require.NoError(t, err)
	before := touching
	backDate = true
	grow(80)
	lines := first.Lines
	q := ledger.StatementQuery{Cursor: first.NextCursor, Limit: 9}
	for q.Cursor != "" {
		page, err := l.Statement(ctx, "a", q)
		require.NoError(t, err)
		lines = append(lines, page.Lines...)
		q.Cursor = page.NextCursor
	}
	require.Greater(t, touching, before)
	require.Len(t, lines, touching)
	now, err := l.Statement(ctx, "a", ledger.StatementQuery{Limit: ledger.StatementLimitMax})
	require.NoError(t, err)
	assert.Equal(t, now.Lines, lines)
	for i := 1; i < len(lines); i++ {
		require.Less(t, lines[i-1].Seq, lines[i].Seq, "commit order")
	}
	for _, limit := range []int{1, 5, 13} {
		var paged []ledger.StatementLine
		q := ledger.StatementQuery{Limit: limit}
		for {
			page, err := l.Statement(ctx, "a", q)
			require.NoError(t, err)
			paged = append(paged, page.Lines...)
			if q.Cursor = page.NextCursor; q.Cursor == "" {
				break
			}
		}
		assert.Equal(t, now.Lines, paged, "limit %d", limit)
	}

	// Out of range limits and another account's cursor change nothing and are ErrInvalid.
	for _, q := range []ledger.StatementQuery{
		{Limit: ledger.StatementLimitMax + 1}, {Limit: -1}, {Cursor: first.NextCursor + "0"},
		{Cursor: "s0b0k"}, {Cursor: "k"}, {Cursor: "s18446744073709551616b0k000000000000"},
	} {
		_, err := l.Statement(ctx, "a", q)
		assert.ErrorIs(t, err, ledger.ErrInvalid, "%+v", q)
	}
	_, err = l.Statement(ctx, "b", ledger.StatementQuery{Cursor: first.NextCursor})
	assert.ErrorIs(t, err, ledger.ErrInvalid)
	_, err = l.Statement(ctx, "nobody", ledger.StatementQuery{})
	assert.ErrorIs(t, err, ledger.ErrUnknownAccount)
	_, err = l.Statement(ctx, "bad id", ledger.StatementQuery{})
	assert.ErrorIs(t, err, ledger.ErrInvalid)
}
