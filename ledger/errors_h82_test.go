package ledger_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/memstore"
)

// h82Snapshot is everything a caller can read of the ledger of TestDocumentedErrorsH82.
type h82Snapshot struct {
	journal  string
	head     ledger.Head
	accounts map[ledger.AccountID]string // Account, Balance and Available, or the error
	holds    string                      // the holds and transactions printed: decimals compare by value
	scan     string
}

func h82Snap(t *testing.T, l *ledger.Ledger, ids []ledger.AccountID, holds []uuid.UUID) h82Snapshot {
	t.Helper()
	ctx := context.Background()
	var s h82Snapshot
	var buf bytes.Buffer
	require.NoError(t, ledger.WriteJournal(ctx, &buf, l))
	s.journal = buf.String()
	var err error
	s.head, err = l.Head(ctx)
	require.NoError(t, err)
	s.accounts = map[ledger.AccountID]string{}
	for _, id := range ids {
		a, err1 := l.Account(ctx, id)
		b, err2 := l.Balance(ctx, id)
		v, err3 := l.Available(ctx, id)
		s.accounts[id] = strings.Join([]string{sprintAll(a, err1), sprintAll(b, err2), sprintAll(v, err3)}, " | ")
	}
	for _, id := range holds {
		h, err := l.GetHold(ctx, id)
		require.NoError(t, err)
		s.holds += fmt.Sprintf("%+v\n", h)
	}
	page, err := l.Scan(ctx, ledger.ScanQuery{Limit: ledger.ScanLimitMax})
	require.NoError(t, err)
	s.scan = fmt.Sprintf("%+v", page.Transactions)
	return s
}

func sprintAll(v any, err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	if d, ok := v.(decimal.Decimal); ok {
		return d.String()
	}
	a := v.(ledger.Account)
	return string(a.ID) + " " + a.Asset + " " + a.MinBalance.String() + " " + a.MaxBalance.Decimal.String() +
		" " + strings.Repeat("U", boolInt(a.Unbounded)) + " " + strings.Repeat("M", boolInt(a.MaxBalance.Valid))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestDocumentedErrorsH82: each error an exported method documents, provoked on a ledger
// with posts, holds (open, released, captured) and a reversal, is the documented error
// (errors.Is) and leaves everything a caller can read unchanged: the journal, the head,
// every account's definition, balance and available balance, every hold, the transactions.
func TestDocumentedErrorsH82(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	l, err := ledger.New(ctx, memstore.New(), ledger.WithClock(func() time.Time { return now }))
	require.NoError(t, err)
	require.NoError(t, l.CreateAsset(ctx, ledger.Asset{Code: "PTS", Scale: 2}))
	require.NoError(t, l.CreateAsset(ctx, ledger.Asset{Code: "HOUR", Scale: 1}))
	accounts := []ledger.Account{
		{ID: "issuer", Asset: "PTS", Unbounded: true},
		{ID: "a", Asset: "PTS", MinBalance: decimal.NewFromInt(-1)},
		{ID: "capped", Asset: "PTS", MaxBalance: decimal.NewNullDecimal(decimal.NewFromInt(20))},
		{ID: "bank", Asset: "HOUR", Unbounded: true},
		{ID: "h", Asset: "HOUR"},
		{ID: "b0", Asset: "PTS"},
	}
	for _, a := range accounts {
		require.NoError(t, l.OpenAccount(ctx, a))
	}
	pts := func(from, to ledger.AccountID, amount string) ledger.Posting {
		return ledger.Posting{From: from, To: to, Amount: decimal.RequireFromString(amount), Asset: "PTS"}
	}
	post := func(key string, ps ...ledger.Posting) ledger.Transaction {
		tx, err := l.Post(ctx, ledger.Transaction{IdempotencyKey: key, Postings: ps, Memo: "m"})
		require.NoError(t, err)
		return tx
	}
	spent := post("k1", pts("issuer", "a", "10")) // a keeps 9.5 with 2 held: reversing this passes its minimum
	post("", pts("issuer", "a", "5"))
	post("", pts("a", "issuer", "5"))
	post("", pts("issuer", "capped", "19"))
	paidCapped := post("", pts("capped", "issuer", "1"))
	toCapped, err := l.Hold(ctx, pts("issuer", "capped", "1"), ledger.HoldOptions{})
	require.NoError(t, err)
	post("", pts("issuer", "capped", "2")) // capped is full: capturing toCapped or reversing paidCapped passes the cap
	post("", ledger.Posting{From: "bank", To: "h", Amount: decimal.NewFromInt(3), Asset: "HOUR"})
	reversed := post("", pts("issuer", "a", "1"))
	_, err = l.Reverse(ctx, reversed.ID, "rk")
	require.NoError(t, err)
	open, err := l.Hold(ctx, pts("a", "issuer", "2"), ledger.HoldOptions{IdempotencyKey: "hk"})
	require.NoError(t, err)
	released, err := l.Hold(ctx, pts("a", "issuer", "1"), ledger.HoldOptions{})
	require.NoError(t, err)
	require.NoError(t, l.Release(ctx, released.ID))
	captured, err := l.Hold(ctx, pts("a", "issuer", "1"), ledger.HoldOptions{})
	require.NoError(t, err)
	_, err = l.Capture(ctx, captured.ID, decimal.RequireFromString("0.5"))
	require.NoError(t, err)

	ids := []ledger.AccountID{"issuer", "a", "capped", "bank", "h", "b0", "new", "b"}
	holds := []uuid.UUID{open.ID, released.ID, captured.ID, toCapped.ID}
	before := h82Snap(t, l, ids, holds)
	require.NoError(t, l.Verify(ctx))

	big := decimal.New(ledger.AmountMinorMax+1, -2)
	manyMeta := map[string]string{}
	for i := 0; i <= ledger.MetadataEntriesMax; i++ {
		manyMeta[string(rune('a'+i))] = "v"
	}
	longKey := strings.Repeat("k", ledger.IdempotencyKeyBytesMax+1)
	tooManyIDs := make([]ledger.AccountID, ledger.BalancesMax+1)
	for i := range tooManyIDs {
		tooManyIDs[i] = "a"
	}
	tooManyTxs := make([]ledger.Transaction, ledger.BatchMax+1)
	for i := range tooManyTxs {
		tooManyTxs[i] = ledger.Transaction{Postings: []ledger.Posting{pts("issuer", "a", "1")}}
	}
	postErr := func(tx ledger.Transaction) error { _, err := l.Post(ctx, tx); return err }
	txOf := func(ps ...ledger.Posting) ledger.Transaction { return ledger.Transaction{Postings: ps} }
	holdErr := func(p ledger.Posting, o ledger.HoldOptions) error { _, err := l.Hold(ctx, p, o); return err }
	captureErr := func(id uuid.UUID, amount string) error {
		_, err := l.Capture(ctx, id, decimal.RequireFromString(amount))
		return err
	}
	reverseErr := func(id uuid.UUID, key string) error { _, err := l.Reverse(ctx, id, key); return err }

	cases := []struct {
		name string
		want error
		err  func() error
	}{
		{"CreateAsset bad code", ledger.ErrInvalid, func() error { return l.CreateAsset(ctx, ledger.Asset{Code: "pts", Scale: 2}) }},
		{"CreateAsset scale", ledger.ErrInvalid, func() error { return l.CreateAsset(ctx, ledger.Asset{Code: "NEW", Scale: ledger.AssetScaleMax + 1}) }},
		{"CreateAsset negative scale", ledger.ErrInvalid, func() error { return l.CreateAsset(ctx, ledger.Asset{Code: "NEW", Scale: -1}) }},
		{"CreateAsset conflict", ledger.ErrConflict, func() error { return l.CreateAsset(ctx, ledger.Asset{Code: "PTS", Scale: 3}) }},

		{"OpenAccount bad id", ledger.ErrInvalid, func() error { return l.OpenAccount(ctx, ledger.Account{ID: "new:", Asset: "PTS"}) }},
		{"OpenAccount metadata", ledger.ErrInvalid, func() error { return l.OpenAccount(ctx, ledger.Account{ID: "new", Asset: "PTS", Metadata: manyMeta}) }},
		{"OpenAccount metadata NUL", ledger.ErrInvalid, func() error {
			return l.OpenAccount(ctx, ledger.Account{ID: "new", Asset: "PTS", Metadata: map[string]string{"k": "\x00"}})
		}},
		{"OpenAccount positive min", ledger.ErrInvalid, func() error {
			return l.OpenAccount(ctx, ledger.Account{ID: "new", Asset: "PTS", MinBalance: decimal.NewFromInt(1)})
		}},
		{"OpenAccount min on unbounded", ledger.ErrInvalid, func() error {
			return l.OpenAccount(ctx, ledger.Account{ID: "new", Asset: "PTS", Unbounded: true, MinBalance: decimal.NewFromInt(-1)})
		}},
		{"OpenAccount negative max", ledger.ErrInvalid, func() error {
			return l.OpenAccount(ctx, ledger.Account{ID: "new", Asset: "PTS", MaxBalance: decimal.NewNullDecimal(decimal.NewFromInt(-1))})
		}},
		{"OpenAccount min scale", ledger.ErrInvalidAmount, func() error {
			return l.OpenAccount(ctx, ledger.Account{ID: "new", Asset: "PTS", MinBalance: decimal.RequireFromString("-0.001")})
		}},
		{"OpenAccount max scale", ledger.ErrInvalidAmount, func() error {
			return l.OpenAccount(ctx, ledger.Account{ID: "new", Asset: "PTS", MaxBalance: decimal.NewNullDecimal(decimal.RequireFromString("0.001"))})
		}},
		{"OpenAccount unknown asset", ledger.ErrUnknownAsset, func() error { return l.OpenAccount(ctx, ledger.Account{ID: "new", Asset: "NOPE"}) }},
		{"OpenAccount conflict", ledger.ErrConflict, func() error { return l.OpenAccount(ctx, ledger.Account{ID: "a", Asset: "PTS"}) }},
		{"OpenAccount conflict asset", ledger.ErrConflict, func() error {
			return l.OpenAccount(ctx, ledger.Account{ID: "a", Asset: "HOUR", MinBalance: decimal.NewFromInt(-1)})
		}},

		{"Account bad id", ledger.ErrInvalid, func() error { _, err := l.Account(ctx, "a b"); return err }},
		{"Account unknown", ledger.ErrUnknownAccount, func() error { _, err := l.Account(ctx, "new"); return err }},
		{"Balance unknown", ledger.ErrUnknownAccount, func() error { _, err := l.Balance(ctx, "new"); return err }},
		{"Available bad id", ledger.ErrInvalid, func() error { _, err := l.Available(ctx, ""); return err }},
		{"Balances too many", ledger.ErrInvalid, func() error { _, err := l.Balances(ctx, tooManyIDs); return err }},
		{"Balances bad id", ledger.ErrInvalid, func() error { _, err := l.Balances(ctx, []ledger.AccountID{"a", ":"}); return err }},
		{"Balances unknown", ledger.ErrUnknownAccount, func() error { _, err := l.Balances(ctx, []ledger.AccountID{"a", "new"}); return err }},
		{"BalanceAt bad id", ledger.ErrInvalid, func() error { _, err := l.BalanceAt(ctx, "#", now); return err }},
		{"BalanceAt unknown", ledger.ErrUnknownAccount, func() error { _, err := l.BalanceAt(ctx, "new", now); return err }},
		{"Transaction unknown", ledger.ErrNotFound, func() error { _, err := l.Transaction(ctx, uuid.New()); return err }},
		{"TransactionByKey empty", ledger.ErrInvalid, func() error { _, err := l.TransactionByKey(ctx, ""); return err }},
		{"TransactionByKey long", ledger.ErrInvalid, func() error { _, err := l.TransactionByKey(ctx, longKey); return err }},
		{"TransactionByKey unknown", ledger.ErrNotFound, func() error { _, err := l.TransactionByKey(ctx, "nope"); return err }},
		{"GetHold unknown", ledger.ErrNotFound, func() error { _, err := l.GetHold(ctx, uuid.New()); return err }},
		{"HoldByKey empty", ledger.ErrInvalid, func() error { _, err := l.HoldByKey(ctx, ""); return err }},
		{"HoldByKey unknown", ledger.ErrNotFound, func() error { _, err := l.HoldByKey(ctx, "k1"); return err }},
		{"Scan limit", ledger.ErrInvalid, func() error { _, err := l.Scan(ctx, ledger.ScanQuery{Limit: ledger.ScanLimitMax + 1}); return err }},
		{"Scan negative limit", ledger.ErrInvalid, func() error { _, err := l.Scan(ctx, ledger.ScanQuery{Limit: -1}); return err }},

		{"Post no postings", ledger.ErrInvalid, func() error { return postErr(txOf()) }},
		{"Post memo", ledger.ErrInvalid, func() error {
			return postErr(ledger.Transaction{Memo: strings.Repeat("m", ledger.MemoBytesMax+1), Postings: []ledger.Posting{pts("issuer", "a", "1")}})
		}},
		{"Post memo not UTF-8", ledger.ErrInvalid, func() error {
			return postErr(ledger.Transaction{Memo: "\xff", Postings: []ledger.Posting{pts("issuer", "a", "1")}})
		}},
		{"Post future", ledger.ErrInvalid, func() error {
			return postErr(ledger.Transaction{EffectiveAt: now.Add(time.Second), Postings: []ledger.Posting{pts("issuer", "a", "1")}})
		}},
		{"Post before min", ledger.ErrInvalid, func() error {
			return postErr(ledger.Transaction{EffectiveAt: ledger.EffectiveAtMin.Add(-time.Microsecond), Postings: []ledger.Posting{pts("issuer", "a", "1")}})
		}},
		{"Post key", ledger.ErrInvalid, func() error {
			return postErr(ledger.Transaction{IdempotencyKey: longKey, Postings: []ledger.Posting{pts("issuer", "a", "1")}})
		}},
		{"Post same account", ledger.ErrInvalid, func() error { return postErr(txOf(pts("a", "a", "1"))) }},
		{"Post second posting bad id", ledger.ErrInvalid, func() error { return postErr(txOf(pts("issuer", "a", "1"), pts("issuer", "a b", "1"))) }},
		{"Post zero", ledger.ErrInvalidAmount, func() error { return postErr(txOf(pts("issuer", "a", "0"))) }},
		{"Post negative", ledger.ErrInvalidAmount, func() error { return postErr(txOf(pts("issuer", "a", "-1"))) }},
		{"Post scale", ledger.ErrInvalidAmount, func() error { return postErr(txOf(pts("issuer", "a", "1"), pts("issuer", "a", "0.001"))) }},
		{"Post too big", ledger.ErrInvalidAmount, func() error {
			return postErr(txOf(ledger.Posting{From: "issuer", To: "a", Amount: big, Asset: "PTS"}))
		}},
		{"Post unknown asset", ledger.ErrUnknownAsset, func() error {
			return postErr(txOf(ledger.Posting{From: "issuer", To: "a", Amount: decimal.NewFromInt(1), Asset: "NOPE"}))
		}},
		{"Post unknown account", ledger.ErrUnknownAccount, func() error { return postErr(txOf(pts("issuer", "a", "1"), pts("issuer", "new", "1"))) }},
		{"Post asset mismatch", ledger.ErrAssetMismatch, func() error { return postErr(txOf(pts("issuer", "a", "1"), pts("issuer", "h", "1"))) }},
		{"Post insufficient", ledger.ErrInsufficientBalance, func() error { return postErr(txOf(pts("issuer", "b0", "0.5"), pts("a", "issuer", "100"))) }},
		{"Post above max", ledger.ErrAboveMaxBalance, func() error { return postErr(txOf(pts("issuer", "a", "1"), pts("issuer", "capped", "0.01"))) }},
		{"Post idempotency conflict", ledger.ErrIdempotencyConflict, func() error {
			return postErr(ledger.Transaction{IdempotencyKey: "k1", Memo: "m", Postings: []ledger.Posting{pts("issuer", "a", "11")}})
		}},
		{"PostBatch too many", ledger.ErrInvalid, func() error { _, err := l.PostBatch(ctx, tooManyTxs); return err }},

		{"Hold past expiry", ledger.ErrInvalid, func() error { return holdErr(pts("a", "issuer", "1"), ledger.HoldOptions{ExpiresAt: now}) }},
		{"Hold expiry after max", ledger.ErrInvalid, func() error {
			return holdErr(pts("a", "issuer", "1"), ledger.HoldOptions{ExpiresAt: ledger.HoldExpiresAtMax.Add(time.Microsecond)})
		}},
		{"Hold bad id", ledger.ErrInvalid, func() error { return holdErr(pts("a", "is suer", "1"), ledger.HoldOptions{}) }},
		{"Hold zero", ledger.ErrInvalidAmount, func() error { return holdErr(pts("a", "issuer", "0"), ledger.HoldOptions{}) }},
		{"Hold scale", ledger.ErrInvalidAmount, func() error { return holdErr(pts("a", "issuer", "0.001"), ledger.HoldOptions{}) }},
		{"Hold unknown asset", ledger.ErrUnknownAsset, func() error {
			return holdErr(ledger.Posting{From: "a", To: "issuer", Amount: decimal.NewFromInt(1), Asset: "NOPE"}, ledger.HoldOptions{})
		}},
		{"Hold unknown account", ledger.ErrUnknownAccount, func() error { return holdErr(pts("a", "new", "1"), ledger.HoldOptions{}) }},
		{"Hold asset mismatch", ledger.ErrAssetMismatch, func() error { return holdErr(pts("a", "h", "1"), ledger.HoldOptions{}) }},
		{"Hold insufficient", ledger.ErrInsufficientBalance, func() error { return holdErr(pts("a", "issuer", "8.51"), ledger.HoldOptions{}) }},
		{"Hold above max", ledger.ErrAboveMaxBalance, func() error { return holdErr(pts("issuer", "capped", "0.01"), ledger.HoldOptions{}) }},
		{"Hold idempotency conflict", ledger.ErrIdempotencyConflict, func() error { return holdErr(pts("a", "issuer", "3"), ledger.HoldOptions{IdempotencyKey: "hk"}) }},

		{"Capture zero", ledger.ErrInvalidAmount, func() error { return captureErr(open.ID, "0") }},
		{"Capture negative", ledger.ErrInvalidAmount, func() error { return captureErr(open.ID, "-1") }},
		{"Capture scale", ledger.ErrInvalidAmount, func() error { return captureErr(open.ID, "0.001") }},
		{"Capture more than held", ledger.ErrInvalidAmount, func() error { return captureErr(open.ID, "2.01") }},
		{"Capture unknown", ledger.ErrNotFound, func() error { return captureErr(uuid.New(), "1") }},
		{"Capture released", ledger.ErrHoldClosed, func() error { return captureErr(released.ID, "1") }},
		{"Capture captured", ledger.ErrHoldClosed, func() error { return captureErr(captured.ID, "0.5") }},
		{"Capture above max", ledger.ErrAboveMaxBalance, func() error { return captureErr(toCapped.ID, "1") }},
		{"Release unknown", ledger.ErrNotFound, func() error { return l.Release(ctx, uuid.New()) }},
		{"Release released", ledger.ErrHoldClosed, func() error { return l.Release(ctx, released.ID) }},
		{"Release captured", ledger.ErrHoldClosed, func() error { return l.Release(ctx, captured.ID) }},

		{"Reverse bad key", ledger.ErrInvalid, func() error { return reverseErr(spent.ID, longKey) }},
		{"Reverse unknown", ledger.ErrNotFound, func() error { return reverseErr(uuid.New(), "") }},
		{"Reverse reversed", ledger.ErrAlreadyReversed, func() error { return reverseErr(reversed.ID, "") }},
		{"Reverse insufficient", ledger.ErrInsufficientBalance, func() error { return reverseErr(spent.ID, "") }},
		{"Reverse above max", ledger.ErrAboveMaxBalance, func() error { return reverseErr(paidCapped.ID, "") }},
		{"Reverse idempotency conflict", ledger.ErrIdempotencyConflict, func() error { return reverseErr(spent.ID, "k1") }},

		{"Statement limit", ledger.ErrInvalid, func() error {
			_, err := l.Statement(ctx, "a", ledger.StatementQuery{Limit: ledger.StatementLimitMax + 1})
			return err
		}},
		{"ToMinor scale", ledger.ErrInvalid, func() error { _, err := ledger.ToMinor(decimal.NewFromInt(1), ledger.AssetScaleMax+1); return err }},
		{"ToMinor negative scale", ledger.ErrInvalid, func() error { _, err := ledger.ToMinor(decimal.NewFromInt(1), -1); return err }},
		{"ToMinor decimals", ledger.ErrInvalidAmount, func() error { _, err := ledger.ToMinor(decimal.New(1, -400000), 2); return err }},
		{"ToMinor too big", ledger.ErrInvalidAmount, func() error { _, err := ledger.ToMinor(decimal.New(1, 400000), 2); return err }},
		{"Statement unknown", ledger.ErrUnknownAccount, func() error { _, err := l.Statement(ctx, "new", ledger.StatementQuery{}); return err }},
	}
	for _, c := range cases {
		err := c.err()
		assert.ErrorIs(t, err, c.want, c.name)
		after := h82Snap(t, l, ids, holds)
		if !assert.Equal(t, before, after, "%s (%v) changed the ledger", c.name, err) {
			before = after
		}
	}
	require.NoError(t, l.Verify(ctx))
}
