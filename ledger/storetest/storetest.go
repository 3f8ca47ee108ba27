// Package storetest is the conformance suite every ledger.Store passes. A store opts in with
// one test:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) ledger.Store { return memstore.New() })
//	}
//
// The suite drives the store through ledger.Ledger, so it checks the store's semantics as the
// ledger relies on them: atomic commits, exact round trips, idempotency under races, holds and
// their expiry, back-dated balances, statements, Verify and ErrClosed.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/ledger"
)

// NewStore makes a fresh, empty store for one test; cleanup belongs on t.
type NewStore func(t *testing.T) ledger.Store

// Run runs the whole suite against stores made by newStore.
func Run(t *testing.T, newStore NewStore) {
	t.Run("AssetsAndAccounts", func(t *testing.T) { testAssetsAndAccounts(t, newStore) })
	t.Run("PostRejections", func(t *testing.T) { testPostRejections(t, newStore) })
	t.Run("PostRoundTrip", func(t *testing.T) { testPostRoundTrip(t, newStore) })
	t.Run("Idempotency", func(t *testing.T) { testIdempotency(t, newStore) })
	t.Run("ReplayOtherBody", func(t *testing.T) { testReplayOtherBody(t, newStore) })
	t.Run("PostBatch", func(t *testing.T) { testPostBatch(t, newStore) })
	t.Run("Reverse", func(t *testing.T) { testReverse(t, newStore) })
	t.Run("Holds", func(t *testing.T) { testHolds(t, newStore) })
	t.Run("HoldReplayAfterExpiry", func(t *testing.T) { testHoldReplayAfterExpiry(t, newStore) })
	t.Run("HoldExpiryBoundary", func(t *testing.T) { testHoldExpiryBoundary(t, newStore) })
	t.Run("HoldByKey", func(t *testing.T) { testHoldByKey(t, newStore) })
	t.Run("Balances", func(t *testing.T) { testBalances(t, newStore) })
	t.Run("BalanceAt", func(t *testing.T) { testBalanceAt(t, newStore) })
	t.Run("BalanceAtMultiPosting", func(t *testing.T) { testBalanceAtMultiPosting(t, newStore) })
	t.Run("BalanceAtRareFields", func(t *testing.T) { testBalanceAtRareFields(t, newStore) })
	t.Run("FarTimes", func(t *testing.T) { testFarTimes(t, newStore) })
	t.Run("BalanceAtBeyondInt64", func(t *testing.T) { testBalanceAtBeyondInt64(t, newStore) })
	t.Run("ExpiredHoldsBeyondInt64", func(t *testing.T) { testExpiredHoldsBeyondInt64(t, newStore) })
	t.Run("Statement", func(t *testing.T) { testStatement(t, newStore) })
	t.Run("ScanFarSeq", func(t *testing.T) { testScanFarSeq(t, newStore) })
	t.Run("VerifyWhileHoldExpires", func(t *testing.T) { testVerifyWhileHoldExpires(t, newStore) })
	t.Run("Closed", func(t *testing.T) { testClosed(t, newStore) })
	t.Run("CancelMidBatch", func(t *testing.T) { testCancelMidBatch(t, newStore) })
	t.Run("CancelledPost", func(t *testing.T) { testCancelledPost(t, newStore) })
	t.Run("CancelAtEveryStep", func(t *testing.T) { testCancelAtEveryStep(t, newStore) })
	t.Run("RepeatedIDs", func(t *testing.T) { testRepeatedIDs(t, newStore) })
	t.Run("ConcurrentHotAccounts", func(t *testing.T) { testConcurrentHotAccounts(t, newStore) })
	t.Run("ConcurrentSameKey", func(t *testing.T) { testConcurrentSameKey(t, newStore) })
	t.Run("StateMachine", func(t *testing.T) { testStateMachine(t, newStore) })
}

// Clock is a settable clock for ledger.WithClock.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock set to start.
func NewClock(start time.Time) *Clock { return &Clock{now: start} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Start is where every suite clock begins.
var Start = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

// fixture is a ledger over a fresh store with two assets and a few accounts:
// PTS (scale 2): issuer (unbounded), a, b, c (minimum 0), od (overdraft of 10), cap (at most 50);
// HOUR (scale 1): bank (unbounded), h1.
type fixture struct {
	t     *testing.T
	ctx   context.Context
	store ledger.Store
	l     *ledger.Ledger
	clock *Clock
}

var fixtureAccounts = []ledger.AccountID{"issuer", "a", "b", "c", "od", "cap", "bank", "h1"}

func newFixture(t *testing.T, newStore NewStore) *fixture {
	t.Helper()
	return fixtureOn(t, newStore(t))
}

// fixtureOn is newFixture on a store the caller made (or wrapped).
func fixtureOn(t *testing.T, store ledger.Store) *fixture {
	t.Helper()
	ctx := context.Background()
	clock := NewClock(Start)
	l, err := ledger.New(ctx, store, ledger.WithClock(clock.Now))
	require.NoError(t, err)
	f := &fixture{t: t, ctx: ctx, store: store, l: l, clock: clock}
	require.NoError(t, l.CreateAsset(ctx, ledger.Asset{Code: "PTS", Scale: 2}))
	require.NoError(t, l.CreateAsset(ctx, ledger.Asset{Code: "HOUR", Scale: 1}))
	for _, a := range []ledger.Account{
		{ID: "issuer", Asset: "PTS", Unbounded: true},
		{ID: "a", Asset: "PTS"}, {ID: "b", Asset: "PTS"}, {ID: "c", Asset: "PTS"},
		{ID: "od", Asset: "PTS", MinBalance: dec("-10")},
		{ID: "cap", Asset: "PTS", MaxBalance: decimal.NewNullDecimal(dec("50"))},
		{ID: "bank", Asset: "HOUR", Unbounded: true},
		{ID: "h1", Asset: "HOUR"},
	} {
		require.NoError(t, l.OpenAccount(ctx, a))
	}
	return f
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func pts(from, to ledger.AccountID, amount string) ledger.Posting {
	return ledger.Posting{From: from, To: to, Amount: dec(amount), Asset: "PTS"}
}

func one(p ledger.Posting) ledger.Transaction {
	return ledger.Transaction{Postings: []ledger.Posting{p}}
}

func (f *fixture) post(t ledger.Transaction) ledger.Transaction {
	f.t.Helper()
	out, err := f.l.Post(f.ctx, t)
	require.NoError(f.t, err)
	return out
}

func (f *fixture) balance(id ledger.AccountID) string {
	f.t.Helper()
	b, err := f.l.Balance(f.ctx, id)
	require.NoError(f.t, err)
	return b.String()
}

func (f *fixture) available(id ledger.AccountID) string {
	f.t.Helper()
	b, err := f.l.Available(f.ctx, id)
	require.NoError(f.t, err)
	return b.String()
}

// snapshot captures everything a rejected call must leave alone.
type snapshot struct {
	head      ledger.Head
	balances  map[ledger.AccountID]string
	available map[ledger.AccountID]string
}

func (f *fixture) snapshot() snapshot {
	f.t.Helper()
	s := snapshot{balances: map[ledger.AccountID]string{}, available: map[ledger.AccountID]string{}}
	var err error
	s.head, err = f.l.Head(f.ctx)
	require.NoError(f.t, err)
	for _, id := range fixtureAccounts {
		s.balances[id] = f.balance(id)
		s.available[id] = f.available(id)
	}
	return s
}

func (f *fixture) requireUnchanged(before snapshot) {
	f.t.Helper()
	assert.Equal(f.t, before, f.snapshot(), "a rejected call changed the ledger")
}

func (f *fixture) verify() {
	f.t.Helper()
	require.NoError(f.t, f.l.Verify(f.ctx))
}

func testAssetsAndAccounts(t *testing.T, newStore NewStore) {
	f := newFixture(t, newStore)
	ctx := f.ctx
	// Same definitions again are accepted.
	require.NoError(t, f.l.CreateAsset(ctx, ledger.Asset{Code: "PTS", Scale: 2}))
	require.NoError(t, f.l.OpenAccount(ctx, ledger.Account{ID: "od", Asset: "PTS", MinBalance: dec("-10.00")}))
	acc, err := f.l.Account(ctx, "od")
	require.NoError(t, err)
	assert.True(t, acc.MinBalance.Equal(dec("-10")))
	assert.False(t, acc.MaxBalance.Valid)
	require.NoError(t, f.l.OpenAccount(ctx, ledger.Account{ID: "cap", Asset: "PTS", MaxBalance: decimal.NewNullDecimal(dec("50.00"))}))
	acc, err = f.l.Account(ctx, "cap")
	require.NoError(t, err)
	assert.True(t, acc.MaxBalance.Valid)
	assert.True(t, acc.MaxBalance.Decimal.Equal(dec("50")))

	md := map[string]string{"grid": "g01", "名字": "张三"}
	require.NoError(t, f.l.OpenAccount(ctx, ledger.Account{ID: "vol:1:pts", Asset: "PTS", Metadata: md}))
	acc, err = f.l.Account(ctx, "vol:1:pts")
	require.NoError(t, err)
	assert.Equal(t, md, acc.Metadata)

	long := string(make([]byte, ledger.MetadataValueBytesMax+1))
	cases := []struct {
		name string
		do   func() error
		want error
	}{
		{"asset conflict", func() error { return f.l.CreateAsset(ctx, ledger.Asset{Code: "PTS", Scale: 3}) }, ledger.ErrConflict},
		{"asset bad code", func() error { return f.l.CreateAsset(ctx, ledger.Asset{Code: "pts", Scale: 2}) }, ledger.ErrInvalid},
		{"asset empty code", func() error { return f.l.CreateAsset(ctx, ledger.Asset{Scale: 2}) }, ledger.ErrInvalid},
		{"asset scale high", func() error { return f.l.CreateAsset(ctx, ledger.Asset{Code: "X", Scale: 10}) }, ledger.ErrInvalid},
		{"asset scale negative", func() error { return f.l.CreateAsset(ctx, ledger.Asset{Code: "X", Scale: -1}) }, ledger.ErrInvalid},
		{"account conflict", func() error { return f.l.OpenAccount(ctx, ledger.Account{ID: "a", Asset: "PTS", Unbounded: true}) }, ledger.ErrConflict},
		{"account conflict metadata", func() error {
			return f.l.OpenAccount(ctx, ledger.Account{ID: "a", Asset: "PTS", Metadata: map[string]string{"x": "y"}})
		}, ledger.ErrConflict},
		{"account conflict asset", func() error { return f.l.OpenAccount(ctx, ledger.Account{ID: "a", Asset: "HOUR"}) }, ledger.ErrConflict},
		{"account bad id", func() error { return f.l.OpenAccount(ctx, ledger.Account{ID: "a::b", Asset: "PTS"}) }, ledger.ErrInvalid},
		{"account id space", func() error { return f.l.OpenAccount(ctx, ledger.Account{ID: "a b", Asset: "PTS"}) }, ledger.ErrInvalid},
		{"account unknown asset", func() error { return f.l.OpenAccount(ctx, ledger.Account{ID: "x", Asset: "NOPE"}) }, ledger.ErrUnknownAsset},
		{"account positive min", func() error { return f.l.OpenAccount(ctx, ledger.Account{ID: "x", Asset: "PTS", MinBalance: dec("1")}) }, ledger.ErrInvalid},
		{"account min scale", func() error {
			return f.l.OpenAccount(ctx, ledger.Account{ID: "x", Asset: "PTS", MinBalance: dec("-0.001")})
		}, ledger.ErrInvalidAmount},
		{"account conflict max", func() error {
			return f.l.OpenAccount(ctx, ledger.Account{ID: "cap", Asset: "PTS", MaxBalance: decimal.NewNullDecimal(dec("51"))})
		}, ledger.ErrConflict},
		{"account conflict max removed", func() error { return f.l.OpenAccount(ctx, ledger.Account{ID: "cap", Asset: "PTS"}) }, ledger.ErrConflict},
		{"account negative max", func() error {
			return f.l.OpenAccount(ctx, ledger.Account{ID: "x", Asset: "PTS", MaxBalance: decimal.NewNullDecimal(dec("-1"))})
		}, ledger.ErrInvalid},
		{"account max scale", func() error {
			return f.l.OpenAccount(ctx, ledger.Account{ID: "x", Asset: "PTS", MaxBalance: decimal.NewNullDecimal(dec("1.001"))})
		}, ledger.ErrInvalidAmount},
		{"account unbounded with min", func() error {
			return f.l.OpenAccount(ctx, ledger.Account{ID: "x", Asset: "PTS", Unbounded: true, MinBalance: dec("-1")})
		}, ledger.ErrInvalid},
		{"account metadata too long", func() error {
			return f.l.OpenAccount(ctx, ledger.Account{ID: "x", Asset: "PTS", Metadata: map[string]string{"k": long}})
		}, ledger.ErrInvalid},
		{"account metadata bad utf8", func() error {
			return f.l.OpenAccount(ctx, ledger.Account{ID: "x", Asset: "PTS", Metadata: map[string]string{"k": "\xff"}})
		}, ledger.ErrInvalid},
		{"balance unknown", func() error { _, err := f.l.Balance(ctx, "nobody"); return err }, ledger.ErrUnknownAccount},
		{"available unknown", func() error { _, err := f.l.Available(ctx, "nobody"); return err }, ledger.ErrUnknownAccount},
		{"balance bad id", func() error { _, err := f.l.Balance(ctx, ":"); return err }, ledger.ErrInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := f.snapshot()
			err := c.do()
			require.ErrorIs(t, err, c.want)
			f.requireUnchanged(before)
		})
	}
	_, err = f.l.Account(ctx, "x")
	require.ErrorIs(t, err, ledger.ErrUnknownAccount, "a rejected OpenAccount must not open the account")

	// The store pages accounts in id order from any starting id, present or not, and sees
	// accounts opened between pages.
	all := []ledger.AccountID{"a", "b", "bank", "c", "cap", "h1", "issuer", "od", "vol:1:pts"}
	pages := func() []ledger.AccountID {
		var got []ledger.AccountID
		require.NoError(t, f.store.View(ctx, func(r ledger.StoreReader) error {
			for after := ledger.AccountID(""); ; {
				page, err := r.Accounts(ctx, after, 2, Start)
				require.NoError(t, err)
				for _, a := range page {
					got = append(got, a.ID)
					after = a.ID
				}
				if len(page) < 2 {
					return nil
				}
			}
		}))
		return got
	}
	require.Equal(t, all, pages())
	require.NoError(t, f.store.View(ctx, func(r ledger.StoreReader) error {
		page, err := r.Accounts(ctx, "bb", 3, Start) // between "bank" and "c"
		require.NoError(t, err)
		require.Len(t, page, 3)
		assert.Equal(t, []ledger.AccountID{"c", "cap", "h1"}, []ledger.AccountID{page[0].ID, page[1].ID, page[2].ID})
		page, err = r.Accounts(ctx, "zzz", 3, Start)
		require.NoError(t, err)
		assert.Empty(t, page)
		return nil
	}))
	require.NoError(t, f.l.OpenAccount(ctx, ledger.Account{ID: "ba", Asset: "PTS"}))
	assert.Equal(t, append([]ledger.AccountID{"a", "b", "ba"}, all[2:]...), pages())
	f.verify()
}

func testPostRejections(t *testing.T, newStore NewStore) {
	f := newFixture(t, newStore)
	f.post(one(pts("issuer", "a", "5")))
	many := make([]ledger.Posting, ledger.PostingsMax+1)
	for i := range many {
		many[i] = pts("issuer", "a", "1")
	}
	tooManyMeta := map[string]string{}
	for i := 0; i <= ledger.MetadataEntriesMax; i++ {
		tooManyMeta[fmt.Sprint("k", i)] = "v"
	}
	cases := []struct {
		name string
		tx   ledger.Transaction
		want error
	}{
		{"no postings", ledger.Transaction{}, ledger.ErrInvalid},
		{"too many postings", ledger.Transaction{Postings: many}, ledger.ErrInvalid},
		{"zero amount", one(pts("issuer", "a", "0")), ledger.ErrInvalidAmount},
		{"negative amount", one(pts("issuer", "a", "-1")), ledger.ErrInvalidAmount},
		{"too many places", one(pts("issuer", "a", "0.001")), ledger.ErrInvalidAmount},
		{"overflow", one(pts("issuer", "a", "100000000000000000000")), ledger.ErrInvalidAmount},
		{"huge exponent", one(ledger.Posting{From: "issuer", To: "a", Asset: "PTS", Amount: decimal.New(1, 40)}), ledger.ErrInvalidAmount},
		{"tiny exponent", one(ledger.Posting{From: "issuer", To: "a", Asset: "PTS", Amount: decimal.New(1, -40)}), ledger.ErrInvalidAmount},
		{"same account", one(pts("a", "a", "1")), ledger.ErrInvalid},
		{"bad from id", one(pts("a:", "b", "1")), ledger.ErrInvalid},
		{"unknown asset", one(ledger.Posting{From: "issuer", To: "a", Amount: dec("1"), Asset: "GOLD"}), ledger.ErrUnknownAsset},
		{"bad asset code", one(ledger.Posting{From: "issuer", To: "a", Amount: dec("1"), Asset: "gold"}), ledger.ErrInvalid},
		{"unknown from", one(pts("ghost", "a", "1")), ledger.ErrUnknownAccount},
		{"unknown to", one(pts("a", "ghost", "1")), ledger.ErrUnknownAccount},
		{"asset mismatch", one(ledger.Posting{From: "bank", To: "a", Amount: dec("1"), Asset: "HOUR"}), ledger.ErrAssetMismatch},
		{"insufficient", one(pts("a", "b", "5.01")), ledger.ErrInsufficientBalance},
		{"overdraft beyond limit", one(pts("od", "b", "10.01")), ledger.ErrInsufficientBalance},
		{"above max", one(pts("issuer", "cap", "50.01")), ledger.ErrAboveMaxBalance},
		{"second posting above max", ledger.Transaction{Postings: []ledger.Posting{pts("issuer", "b", "1"), pts("issuer", "cap", "60")}}, ledger.ErrAboveMaxBalance},
		{"second posting insufficient", ledger.Transaction{Postings: []ledger.Posting{pts("issuer", "b", "1"), pts("b", "c", "2")}}, ledger.ErrInsufficientBalance},
		{"future", ledger.Transaction{Postings: []ledger.Posting{pts("issuer", "a", "1")}, EffectiveAt: Start.Add(time.Hour)}, ledger.ErrInvalid},
		{"too old", ledger.Transaction{Postings: []ledger.Posting{pts("issuer", "a", "1")}, EffectiveAt: time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC)}, ledger.ErrInvalid},
		{"id set by caller", ledger.Transaction{ID: uuid.New(), Postings: []ledger.Posting{pts("issuer", "a", "1")}}, ledger.ErrInvalid},
		{"reverses set by caller", ledger.Transaction{Reverses: uuid.New(), Postings: []ledger.Posting{pts("issuer", "a", "1")}}, ledger.ErrInvalid},
		{"key too long", ledger.Transaction{IdempotencyKey: string(make([]byte, 129)), Postings: []ledger.Posting{pts("issuer", "a", "1")}}, ledger.ErrInvalid},
		{"memo too long", ledger.Transaction{Memo: string(make([]byte, ledger.MemoBytesMax+1)), Postings: []ledger.Posting{pts("issuer", "a", "1")}}, ledger.ErrInvalid},
		{"memo NUL", ledger.Transaction{Memo: "a\x00b", Postings: []ledger.Posting{pts("issuer", "a", "1")}}, ledger.ErrInvalid},
		{"too much metadata", ledger.Transaction{Metadata: tooManyMeta, Postings: []ledger.Posting{pts("issuer", "a", "1")}}, ledger.ErrInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := f.snapshot()
			_, err := f.l.Post(f.ctx, c.tx)
			require.ErrorIs(t, err, c.want)
			f.requireUnchanged(before)
		})
	}
	// The overdraft account may go exactly to its limit, and not a cent beyond.
	f.post(one(pts("od", "b", "10")))
	assert.Equal(t, "-10", f.balance("od"))
	// The capped account may fill exactly to its maximum; paying out makes room again.
	f.post(one(pts("issuer", "cap", "50")))
	_, err := f.l.Post(f.ctx, one(pts("issuer", "cap", "0.01")))
	require.ErrorIs(t, err, ledger.ErrAboveMaxBalance)
	f.post(ledger.Transaction{Postings: []ledger.Posting{pts("cap", "b", "1"), pts("issuer", "cap", "1")}})
	assert.Equal(t, "50", f.balance("cap"))
	f.verify()
}

func testPostRoundTrip(t *testing.T, newStore NewStore) {
	f := newFixture(t, newStore)
	in := ledger.Transaction{
		IdempotencyKey: "award:d1:p1",
		Postings:       []ledger.Posting{pts("issuer", "a", "12.5"), pts("issuer", "b", "0.01"), pts("a", "c", "2")},
		Memo:           "微心愿 wish d1 完成",
		Metadata:       map[string]string{"demand": "d1", "provider": "p1"},
	}
	got := f.post(in)
	assert.NotEqual(t, uuid.Nil, got.ID)
	assert.Equal(t, uint64(1), got.Seq)
	assert.Equal(t, Start, got.EffectiveAt)
	assert.Equal(t, Start, got.PostedAt)
	read, err := f.l.Transaction(f.ctx, got.ID)
	require.NoError(t, err)
	assert.Equal(t, got.ID, read.ID)
	assert.Equal(t, in.Memo, read.Memo)
	assert.Equal(t, in.Metadata, read.Metadata)
	assert.Equal(t, in.IdempotencyKey, read.IdempotencyKey)
	require.Len(t, read.Postings, 3)
	for i := range in.Postings {
		assert.True(t, in.Postings[i].Amount.Equal(read.Postings[i].Amount), "posting %d", i)
		assert.Equal(t, in.Postings[i].From, read.Postings[i].From)
		assert.Equal(t, in.Postings[i].To, read.Postings[i].To)
	}
	assert.Equal(t, "10.5", f.balance("a"))
	assert.Equal(t, "0.01", f.balance("b"))
	assert.Equal(t, "2", f.balance("c"))
	assert.Equal(t, "-12.51", f.balance("issuer"))

	// The store keeps its own copy of the metadata: the caller may reuse its map.
	in.Metadata["demand"], in.Metadata["extra"] = "changed", "x"
	read, err = f.l.Transaction(f.ctx, got.ID)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"demand": "d1", "provider": "p1"}, read.Metadata)
	byKey, err := f.l.TransactionByKey(f.ctx, in.IdempotencyKey)
	require.NoError(t, err)
	assert.Equal(t, read.Metadata, byKey.Metadata)

	// Microseconds survive every store; finer precision is dropped, as documented.
	f.clock.Advance(1500 * time.Nanosecond)
	bd := Start.Add(-48*time.Hour + 123456789*time.Nanosecond)
	back := f.post(ledger.Transaction{Postings: []ledger.Posting{pts("issuer", "a", "1")}, EffectiveAt: bd})
	read, err = f.l.Transaction(f.ctx, back.ID)
	require.NoError(t, err)
	assert.Equal(t, bd.Truncate(time.Microsecond), read.EffectiveAt)
	assert.Equal(t, Start.Add(time.Microsecond), read.PostedAt)
	assert.Equal(t, uint64(2), read.Seq)

	_, err = f.l.Transaction(f.ctx, uuid.New())
	require.ErrorIs(t, err, ledger.ErrNotFound)
	f.verify()
}

func testIdempotency(t *testing.T, newStore NewStore) {
	f := newFixture(t, newStore)
	tx := ledger.Transaction{IdempotencyKey: "k1", Postings: []ledger.Posting{pts("issuer", "a", "3")}, Memo: "m"}
	first := f.post(tx)
	f.clock.Advance(time.Minute)
	before := f.snapshot()
	// The same content, amounts written differently, is a replay.
	again := tx
	again.Postings = []ledger.Posting{pts("issuer", "a", "3.00")}
	replay, err := f.l.Post(f.ctx, again)
	require.NoError(t, err)
	assert.Equal(t, first.ID, replay.ID)
	assert.Equal(t, first.Seq, replay.Seq)
	assert.Equal(t, first.PostedAt, replay.PostedAt)
	assert.False(t, first.Replayed)
	assert.True(t, replay.Replayed)
	f.requireUnchanged(before)

	conflicts := map[string]ledger.Transaction{
		"amount":   {IdempotencyKey: "k1", Postings: []ledger.Posting{pts("issuer", "a", "4")}, Memo: "m"},
		"memo":     {IdempotencyKey: "k1", Postings: []ledger.Posting{pts("issuer", "a", "3")}, Memo: "other"},
		"to":       {IdempotencyKey: "k1", Postings: []ledger.Posting{pts("issuer", "b", "3")}, Memo: "m"},
		"metadata": {IdempotencyKey: "k1", Postings: []ledger.Posting{pts("issuer", "a", "3")}, Memo: "m", Metadata: map[string]string{"x": "1"}},
		"backdate": {IdempotencyKey: "k1", Postings: []ledger.Posting{pts("issuer", "a", "3")}, Memo: "m", EffectiveAt: Start},
	}
	for name, c := range conflicts {
		t.Run("conflict "+name, func(t *testing.T) {
			_, err := f.l.Post(f.ctx, c)
			require.ErrorIs(t, err, ledger.ErrIdempotencyConflict)
			f.requireUnchanged(before)
		})
	}

	byKey, err := f.l.TransactionByKey(f.ctx, "k1")
	require.NoError(t, err)
	assert.Equal(t, first.ID, byKey.ID)
	assert.Equal(t, "m", byKey.Memo)
	_, err = f.l.TransactionByKey(f.ctx, "never-used")
	require.ErrorIs(t, err, ledger.ErrNotFound)
	_, err = f.l.TransactionByKey(f.ctx, "")
	require.ErrorIs(t, err, ledger.ErrInvalid)

	// A rejected attempt does not use up its key.
	_, err = f.l.Post(f.ctx, ledger.Transaction{IdempotencyKey: "k2", Postings: []ledger.Posting{pts("b", "a", "1")}})
	require.ErrorIs(t, err, ledger.ErrInsufficientBalance)
	ok := f.post(ledger.Transaction{IdempotencyKey: "k2", Postings: []ledger.Posting{pts("issuer", "b", "1")}})
	assert.Equal(t, first.Seq+1, ok.Seq)

	// Back-dated requests replay when the effective time is the same.
	bd := ledger.Transaction{IdempotencyKey: "k3", Postings: []ledger.Posting{pts("issuer", "c", "1")}, EffectiveAt: Start}
	x := f.post(bd)
	y := f.post(bd)
	assert.Equal(t, x.ID, y.ID)
	f.verify()
}

func testPostBatch(t *testing.T, newStore NewStore) {
	f := newFixture(t, newStore)
	batch := []ledger.Transaction{
		one(pts("issuer", "a", "10")),
		one(pts("a", "b", "4")),
		one(pts("a", "b", "7")), // only 6 left: rejected alone
		{IdempotencyKey: "bk", Postings: []ledger.Posting{pts("issuer", "c", "1")}},
		{IdempotencyKey: "bk", Postings: []ledger.Posting{pts("issuer", "c", "1")}}, // replay of the one before
		{IdempotencyKey: "bk", Postings: []ledger.Posting{pts("issuer", "c", "2")}}, // conflict
		one(pts("issuer", "a", "0")), // invalid
		one(pts("ghost", "a", "1")),  // unknown
		one(pts("b", "c", "4")),
	}
	res, err := f.l.PostBatch(f.ctx, batch)
	require.NoError(t, err)
	require.Len(t, res, len(batch))
	wantErr := []error{nil, nil, ledger.ErrInsufficientBalance, nil, nil, ledger.ErrIdempotencyConflict, ledger.ErrInvalidAmount, ledger.ErrUnknownAccount, nil}
	for i, w := range wantErr {
		if w == nil {
			assert.NoError(t, res[i].Err, "item %d", i)
		} else {
			assert.ErrorIs(t, res[i].Err, w, "item %d", i)
		}
	}
	assert.Equal(t, res[3].Transaction.ID, res[4].Transaction.ID)
	assert.False(t, res[3].Transaction.Replayed)
	assert.True(t, res[4].Transaction.Replayed, "a key used earlier in the same batch replays")
	assert.Equal(t, []uint64{1, 2, 3, 4}, []uint64{res[0].Transaction.Seq, res[1].Transaction.Seq, res[3].Transaction.Seq, res[8].Transaction.Seq})
	assert.Equal(t, "6", f.balance("a"))
	assert.Equal(t, "0", f.balance("b"))
	assert.Equal(t, "5", f.balance("c"))

	res, err = f.l.PostBatch(f.ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, res)
	before := f.snapshot()
	_, err = f.l.PostBatch(f.ctx, make([]ledger.Transaction, ledger.BatchMax+1))
	require.ErrorIs(t, err, ledger.ErrInvalid)
	f.requireUnchanged(before)

	// A large batch of one-posting transactions lands whole and in order.
	big := make([]ledger.Transaction, 1000)
	for i := range big {
		big[i] = ledger.Transaction{IdempotencyKey: fmt.Sprint("big", i), Postings: []ledger.Posting{pts("issuer", "a", "0.01")}}
	}
	res, err = f.l.PostBatch(f.ctx, big)
	require.NoError(t, err)
	for i, r := range res {
		require.NoError(t, r.Err)
		require.Equal(t, uint64(5+i), r.Transaction.Seq)
	}
	assert.Equal(t, "16", f.balance("a"))

	// Many accounts in one call (the Ledger looks them up through a map, not a scan): a batch
	// over 40 accounts and then a single transaction over 20, each naming one unknown account
	// that the other call knew, and one overdraft.
	many := make([]ledger.AccountID, 40)
	for i := range many {
		many[i] = ledger.AccountID(fmt.Sprintf("m%02d", i))
		if i != 7 && i != 33 { // m07 and m33 stay unknown
			require.NoError(t, f.l.OpenAccount(f.ctx, ledger.Account{ID: many[i], Asset: "PTS"}))
		}
	}
	wide := make([]ledger.Transaction, 0, len(many))
	for i, id := range many {
		wide = append(wide, one(pts("issuer", id, fmt.Sprint(i+1))))
	}
	wide = append(wide, one(pts(many[5], many[6], "7"))) // m05 holds 6
	res, err = f.l.PostBatch(f.ctx, wide)
	require.NoError(t, err)
	for i, r := range res {
		switch i {
		case 7, 33:
			assert.ErrorIs(t, r.Err, ledger.ErrUnknownAccount, "item %d", i)
		case len(many):
			assert.ErrorIs(t, r.Err, ledger.ErrInsufficientBalance, "item %d", i)
		default:
			assert.NoError(t, r.Err, "item %d", i)
		}
	}
	assert.Equal(t, "33", f.balance(many[32]))
	require.NoError(t, f.l.OpenAccount(f.ctx, ledger.Account{ID: "m33", Asset: "PTS"}))
	before = f.snapshot()
	legs := make([]ledger.Posting, 0, 10)
	for i := 20; i < 40; i += 2 {
		legs = append(legs, pts(many[i], many[i+1], "1"))
	}
	_, err = f.l.Post(f.ctx, ledger.Transaction{Postings: append(legs, pts(many[7], "a", "1"))})
	require.ErrorIs(t, err, ledger.ErrUnknownAccount)
	_, err = f.l.Post(f.ctx, ledger.Transaction{Postings: append(legs, pts(many[3], "a", "5"))}) // m03 holds 4
	require.ErrorIs(t, err, ledger.ErrInsufficientBalance)
	f.requireUnchanged(before)
	got := f.post(ledger.Transaction{Postings: legs})
	assert.Len(t, got.Postings, 10)
	assert.Equal(t, "20", f.balance(many[20]))
	assert.Equal(t, "23", f.balance(many[21]))
	assert.Equal(t, "1", f.balance("m33"))
	f.verify()
}

func testReverse(t *testing.T, newStore NewStore) {
	f := newFixture(t, newStore)
	orig := f.post(ledger.Transaction{Postings: []ledger.Posting{pts("issuer", "a", "5"), pts("issuer", "b", "2")}, Memo: "award"})
	f.clock.Advance(time.Hour)
	rev, err := f.l.Reverse(f.ctx, orig.ID, "rev1")
	require.NoError(t, err)
	assert.Equal(t, orig.ID, rev.Reverses)
	assert.Equal(t, "0", f.balance("a"))
	assert.Equal(t, "0", f.balance("b"))
	assert.Equal(t, "0", f.balance("issuer"))
	require.Len(t, rev.Postings, 2)
	assert.Equal(t, ledger.AccountID("a"), rev.Postings[0].From)

	before := f.snapshot()
	again, err := f.l.Reverse(f.ctx, orig.ID, "rev1")
	require.NoError(t, err, "a retried reversal with its key is a replay")
	assert.Equal(t, rev.ID, again.ID)
	assert.False(t, rev.Replayed)
	assert.True(t, again.Replayed)
	_, err = f.l.Reverse(f.ctx, orig.ID, "")
	require.ErrorIs(t, err, ledger.ErrAlreadyReversed)
	_, err = f.l.Reverse(f.ctx, orig.ID, "rev-other")
	require.ErrorIs(t, err, ledger.ErrAlreadyReversed)
	_, err = f.l.Reverse(f.ctx, uuid.New(), "")
	require.ErrorIs(t, err, ledger.ErrNotFound)
	other := f.post(one(pts("issuer", "c", "1")))
	before = f.snapshot()
	_, err = f.l.Reverse(f.ctx, other.ID, "rev1")
	require.ErrorIs(t, err, ledger.ErrIdempotencyConflict)
	_, err = f.l.Reverse(f.ctx, other.ID, string(make([]byte, 200)))
	require.ErrorIs(t, err, ledger.ErrInvalid)
	// A key a Post used reverses nothing: the nil id (a zero field) must not make that Post
	// look like a replayed reversal.
	keyed := f.post(ledger.Transaction{IdempotencyKey: "award:k", Postings: []ledger.Posting{pts("issuer", "c", "1")}})
	before = f.snapshot()
	_, err = f.l.Reverse(f.ctx, uuid.Nil, "award:k")
	require.ErrorIs(t, err, ledger.ErrIdempotencyConflict)
	_, err = f.l.Reverse(f.ctx, uuid.Nil, "")
	require.ErrorIs(t, err, ledger.ErrNotFound)
	_, err = f.l.Reverse(f.ctx, keyed.ID, "award:k")
	require.ErrorIs(t, err, ledger.ErrIdempotencyConflict)
	f.requireUnchanged(before)

	// Nor can a reversal fill an account beyond its maximum.
	f.post(one(pts("issuer", "cap", "50")))
	paid := f.post(one(pts("cap", "c", "10")))
	f.post(one(pts("issuer", "cap", "10")))
	before = f.snapshot()
	_, err = f.l.Reverse(f.ctx, paid.ID, "rev-cap")
	require.ErrorIs(t, err, ledger.ErrAboveMaxBalance)
	f.requireUnchanged(before)

	// What was spent cannot be reversed out of the account.
	spent := f.post(one(pts("issuer", "a", "3")))
	f.post(one(pts("a", "b", "2")))
	before = f.snapshot()
	_, err = f.l.Reverse(f.ctx, spent.ID, "")
	require.ErrorIs(t, err, ledger.ErrInsufficientBalance)
	f.requireUnchanged(before)
	f.verify()
}

func testHolds(t *testing.T, newStore NewStore) {
	f := newFixture(t, newStore)
	ctx := f.ctx
	f.post(one(pts("issuer", "a", "10")))
	h, err := f.l.Hold(ctx, pts("a", "issuer", "6"), ledger.HoldOptions{IdempotencyKey: "shop:1"})
	require.NoError(t, err)
	assert.Equal(t, ledger.HoldOpen, h.Status)
	assert.Equal(t, "10", f.balance("a"))
	assert.Equal(t, "4", f.available("a"))

	before := f.snapshot()
	replay, err := f.l.Hold(ctx, pts("a", "issuer", "6.00"), ledger.HoldOptions{IdempotencyKey: "shop:1"})
	require.NoError(t, err)
	assert.Equal(t, h.ID, replay.ID)
	_, err = f.l.Hold(ctx, pts("a", "issuer", "5"), ledger.HoldOptions{IdempotencyKey: "shop:1"})
	require.ErrorIs(t, err, ledger.ErrIdempotencyConflict)
	_, err = f.l.Hold(ctx, pts("a", "issuer", "4.01"), ledger.HoldOptions{})
	require.ErrorIs(t, err, ledger.ErrInsufficientBalance, "holds count against the available balance")
	_, err = f.l.Post(ctx, one(pts("a", "b", "4.01")))
	require.ErrorIs(t, err, ledger.ErrInsufficientBalance, "a post cannot spend held funds")
	_, err = f.l.Hold(ctx, pts("a", "issuer", "1"), ledger.HoldOptions{ExpiresAt: Start})
	require.ErrorIs(t, err, ledger.ErrInvalid, "an expiry must be in the future")
	_, err = f.l.Hold(ctx, pts("a", "ghost", "1"), ledger.HoldOptions{})
	require.ErrorIs(t, err, ledger.ErrUnknownAccount)
	_, err = f.l.Capture(ctx, h.ID, dec("6.01"))
	require.ErrorIs(t, err, ledger.ErrInvalidAmount)
	_, err = f.l.Capture(ctx, h.ID, dec("0"))
	require.ErrorIs(t, err, ledger.ErrInvalidAmount)
	_, err = f.l.Capture(ctx, h.ID, dec("0.001"))
	require.ErrorIs(t, err, ledger.ErrInvalidAmount)
	_, err = f.l.Capture(ctx, uuid.New(), dec("1"))
	require.ErrorIs(t, err, ledger.ErrNotFound)
	require.ErrorIs(t, f.l.Release(ctx, uuid.New()), ledger.ErrNotFound)
	f.requireUnchanged(before)

	// Partial capture posts what was captured and releases the rest.
	tx, err := f.l.Capture(ctx, h.ID, dec("2.5"))
	require.NoError(t, err)
	assert.Equal(t, h.ID, tx.CapturesHold)
	assert.Equal(t, "7.5", f.balance("a"))
	assert.Equal(t, "7.5", f.available("a"))
	_, err = f.l.Capture(ctx, h.ID, dec("1"))
	require.ErrorIs(t, err, ledger.ErrHoldClosed)
	require.ErrorIs(t, f.l.Release(ctx, h.ID), ledger.ErrHoldClosed)
	got, err := f.l.GetHold(ctx, h.ID)
	require.NoError(t, err)
	assert.Equal(t, ledger.HoldCaptured, got.Status)

	// Release gives the reservation back.
	h2, err := f.l.Hold(ctx, pts("a", "c", "7.5"), ledger.HoldOptions{})
	require.NoError(t, err)
	assert.Equal(t, "0", f.available("a"))
	require.NoError(t, f.l.Release(ctx, h2.ID))
	assert.Equal(t, "7.5", f.available("a"))
	_, err = f.l.Capture(ctx, h2.ID, dec("1"))
	require.ErrorIs(t, err, ledger.ErrHoldClosed)

	// After its expiry a hold reserves nothing and cannot be captured, but may be released.
	h3, err := f.l.Hold(ctx, pts("a", "c", "5"), ledger.HoldOptions{ExpiresAt: Start.Add(time.Hour)})
	require.NoError(t, err)
	assert.Equal(t, "2.5", f.available("a"))
	f.clock.Advance(time.Hour)
	assert.Equal(t, "7.5", f.available("a"))
	_, err = f.l.Capture(ctx, h3.ID, dec("1"))
	require.ErrorIs(t, err, ledger.ErrHoldClosed)
	require.NoError(t, f.l.Release(ctx, h3.ID))

	// An overdraft account can hold down to its limit; an unbounded one without limit.
	_, err = f.l.Hold(ctx, pts("od", "b", "10"), ledger.HoldOptions{})
	require.NoError(t, err)
	_, err = f.l.Hold(ctx, pts("od", "b", "0.01"), ledger.HoldOptions{})
	require.ErrorIs(t, err, ledger.ErrInsufficientBalance)
	_, err = f.l.Hold(ctx, pts("issuer", "b", "1000000"), ledger.HoldOptions{})
	require.NoError(t, err)
	f.verify()
}

func testBalanceAt(t *testing.T, newStore NewStore) {
	f := newFixture(t, newStore)
	day := 24 * time.Hour
	f.clock.Advance(10 * day)
	at := func(d time.Duration) time.Time { return Start.Add(d) }
	f.post(ledger.Transaction{Postings: []ledger.Posting{pts("issuer", "a", "1")}, EffectiveAt: at(2 * day)})
	f.post(ledger.Transaction{Postings: []ledger.Posting{pts("issuer", "a", "10")}, EffectiveAt: at(5 * day)})
	f.post(ledger.Transaction{Postings: []ledger.Posting{pts("issuer", "a", "100")}, EffectiveAt: at(1 * day)}) // back-dated
	f.post(one(pts("a", "b", "50")))                                                                            // now: day 10
	// Many entries so stores with checkpoints cross one.
	for i := 0; i < 130; i++ {
		f.clock.Advance(time.Minute)
		f.post(one(pts("issuer", "a", "0.01")))
	}
	cases := []struct {
		at   time.Time
		want string
	}{
		{at(0), "0"},
		{at(1 * day), "100"},
		{at(2*day - time.Microsecond), "100"},
		{at(2 * day), "101"},
		{at(5 * day), "111"},
		{at(10 * day), "61"},
		{at(10*day + 65*time.Minute), "61.65"},
		{at(11 * day), "62.3"},
	}
	for _, c := range cases {
		got, err := f.l.BalanceAt(f.ctx, "a", c.at)
		require.NoError(t, err)
		assert.Equal(t, c.want, got.String(), "balance at %s", c.at)
	}
	got, err := f.l.BalanceAt(f.ctx, "b", at(11*day))
	require.NoError(t, err)
	assert.Equal(t, "50", got.String())
	_, err = f.l.BalanceAt(f.ctx, "ghost", at(0))
	require.ErrorIs(t, err, ledger.ErrUnknownAccount)
	f.verify()
}

// testBalanceAtMultiPosting crosses many checkpoints with transactions of several postings,
// some naming one account twice, some back-dated, and compares BalanceAt at every minute
// with the sums the test keeps itself.
func testBalanceAtMultiPosting(t *testing.T, newStore NewStore) {
	f := newFixture(t, newStore)
	f.clock.Advance(time.Hour)
	type change struct {
		at    time.Time
		delta map[ledger.AccountID]int64 // hundredths
	}
	var changes []change
	for i := range 300 {
		f.clock.Advance(time.Minute)
		eff := f.clock.Now()
		if i%7 == 3 {
			eff = eff.Add(-time.Duration(i%50) * time.Minute) // back-dated
		}
		tx := ledger.Transaction{EffectiveAt: eff, Postings: []ledger.Posting{
			pts("issuer", "a", "1.00"), pts("a", "b", "0.25"), pts("issuer", "b", "0.03"), pts("b", "a", "0.01"),
		}}
		d := map[ledger.AccountID]int64{"issuer": -103, "a": 100 - 25 + 1, "b": 25 + 3 - 1}
		if i%5 == 0 {
			tx.Postings = tx.Postings[:2] // a is named twice, b once
			d = map[ledger.AccountID]int64{"issuer": -100, "a": 75, "b": 25}
		}
		f.post(tx)
		changes = append(changes, change{eff.UTC().Truncate(time.Microsecond), d})
	}
	for m := 0; m <= 300+60; m += 7 {
		at := Start.Add(time.Hour + time.Duration(m)*time.Minute)
		for _, id := range []ledger.AccountID{"issuer", "a", "b"} {
			var want int64
			for _, c := range changes {
				if !c.at.After(at) {
					want += c.delta[id]
				}
			}
			got, err := f.l.BalanceAt(f.ctx, id, at)
			require.NoError(t, err)
			assert.Equal(t, decimal.New(want, -2).String(), got.String(), "%s at minute %d", id, m)
		}
	}
	f.verify()
}

// testBalanceAtRareFields counts one-posting transactions that carry a memo, metadata, a
// reversed id or a captured hold, in order and back-dated: stores may keep such fields apart
// from the posting, and BalanceAt must still count the posting.
func testBalanceAtRareFields(t *testing.T, newStore NewStore) {
	f := newFixture(t, newStore)
	f.clock.Advance(time.Hour)
	type change struct {
		at    time.Time
		delta int64 // hundredths, of a
	}
	var changes []change
	for i := range 10 {
		f.clock.Advance(time.Minute)
		eff := f.clock.Now()
		tx := one(pts("issuer", "a", "1"))
		switch i % 3 {
		case 0:
			tx.Memo = "award"
		case 1:
			tx.Metadata = map[string]string{"k": "v"}
		case 2:
			eff = eff.Add(-30 * time.Minute) // back-dated
			tx.Memo = "late"
		}
		tx.EffectiveAt = eff
		f.post(tx)
		changes = append(changes, change{eff, 100})
	}
	f.clock.Advance(time.Minute)
	spent := f.post(one(pts("a", "b", "2")))
	changes = append(changes, change{f.clock.Now(), -200})
	f.clock.Advance(time.Minute)
	f.post(one(pts("issuer", "b", "2")))
	f.post(ledger.Transaction{Postings: []ledger.Posting{pts("b", "a", "2")}, Memo: "refund"})
	changes = append(changes, change{f.clock.Now(), 200})
	f.clock.Advance(time.Minute)
	_, err := f.l.Reverse(f.ctx, spent.ID, "")
	require.NoError(t, err)
	changes = append(changes, change{f.clock.Now(), 200})
	f.clock.Advance(time.Minute)
	h, err := f.l.Hold(f.ctx, pts("a", "c", "3"), ledger.HoldOptions{})
	require.NoError(t, err)
	_, err = f.l.Capture(f.ctx, h.ID, dec("3"))
	require.NoError(t, err)
	changes = append(changes, change{f.clock.Now(), -300})
	for m := 0; m <= 30; m++ {
		at := Start.Add(30*time.Minute + time.Duration(m)*time.Minute)
		var want int64
		for _, c := range changes {
			if !c.at.After(at) {
				want += c.delta
			}
		}
		got, err := f.l.BalanceAt(f.ctx, "a", at)
		require.NoError(t, err)
		assert.Equal(t, decimal.New(want, -2).String(), got.String(), "a at minute %d", m)
	}
	for _, id := range []ledger.AccountID{"issuer", "a", "b", "c"} {
		got, err := f.l.BalanceAt(f.ctx, id, f.clock.Now())
		require.NoError(t, err)
		assert.Equal(t, f.balance(id), got.String(), "%s now", id)
	}
	f.verify()
}

// testFarTimes asks about times far from now, beyond what int64 microseconds hold (year
// 294246): an expiry there is refused, not stored wrapped around, and BalanceAt answers as of
// the end or the beginning of time.
func testFarTimes(t *testing.T, newStore NewStore) {
	f := newFixture(t, newStore)
	f.post(one(pts("issuer", "a", "10")))
	farFuture := time.Date(300000, 1, 1, 0, 0, 0, 0, time.UTC)
	farPast := time.Date(-300000, 1, 1, 0, 0, 0, 0, time.UTC)
	before := f.snapshot()
	_, err := f.l.Hold(f.ctx, pts("a", "b", "6"), ledger.HoldOptions{ExpiresAt: farFuture})
	require.ErrorIs(t, err, ledger.ErrInvalid)
	f.requireUnchanged(before)
	// The latest expiry accepted still reserves.
	late := time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC)
	h, err := f.l.Hold(f.ctx, pts("a", "b", "6"), ledger.HoldOptions{ExpiresAt: late})
	require.NoError(t, err)
	assert.True(t, late.Equal(h.ExpiresAt))
	assert.Equal(t, "4", f.available("a"))
	_, err = f.l.Post(f.ctx, one(pts("a", "b", "5")))
	require.ErrorIs(t, err, ledger.ErrInsufficientBalance)
	for _, c := range []struct {
		at   time.Time
		want string
	}{{farFuture, "10"}, {late, "10"}, {farPast, "0"}, {time.Time{}, "0"}} {
		got, err := f.l.BalanceAt(f.ctx, "a", c.at)
		require.NoError(t, err)
		assert.Equal(t, c.want, got.String(), "balance at %s", c.at)
	}
	f.verify()
}

func testStatement(t *testing.T, newStore NewStore) {
	f := newFixture(t, newStore)
	f.post(one(pts("issuer", "a", "10")))
	f.post(one(pts("issuer", "b", "1"))) // does not touch a
	f.post(ledger.Transaction{Postings: []ledger.Posting{pts("a", "b", "3")}, Memo: "haircut", Metadata: map[string]string{"d": "1"}})
	f.post(ledger.Transaction{Postings: []ledger.Posting{pts("a", "b", "1"), pts("a", "c", "1")}})
	for i := 0; i < 5; i++ {
		f.post(one(pts("issuer", "a", "0.5")))
	}
	var lines []ledger.StatementLine
	cursor := ""
	pages := 0
	for {
		page, err := f.l.Statement(f.ctx, "a", ledger.StatementQuery{Cursor: cursor, Limit: 3})
		require.NoError(t, err)
		pages++
		lines = append(lines, page.Lines...)
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
		require.Less(t, pages, 10)
	}
	require.Len(t, lines, 8)
	assert.Equal(t, 3, pages)
	assert.Equal(t, []uint64{1, 3, 4, 5, 6, 7, 8, 9}, seqs(lines))
	assert.Equal(t, "-3", lines[1].Change.String())
	assert.Equal(t, "7", lines[1].Balance.String())
	assert.Equal(t, ledger.AccountID("b"), lines[1].Counterparty)
	assert.Equal(t, "haircut", lines[1].Memo)
	assert.Equal(t, map[string]string{"d": "1"}, lines[1].Metadata)
	assert.Equal(t, ledger.AccountID(""), lines[2].Counterparty, "two counterparties")
	assert.Equal(t, "5", lines[2].Balance.String())
	assert.Equal(t, f.balance("a"), lines[len(lines)-1].Balance.String())

	for _, q := range []ledger.StatementQuery{{Limit: -1}, {Limit: ledger.StatementLimitMax + 1}, {Cursor: "garbage"}, {Cursor: "s1bx"}} {
		_, err := f.l.Statement(f.ctx, "a", q)
		require.ErrorIs(t, err, ledger.ErrInvalid, "%+v", q)
	}
	_, err := f.l.Statement(f.ctx, "ghost", ledger.StatementQuery{})
	require.ErrorIs(t, err, ledger.ErrUnknownAccount)
	// A cursor is bound to its account: a's cursor sent for c is refused, not a page of c's
	// lines with a's running balance.
	_, err = f.l.Statement(f.ctx, "c", ledger.StatementQuery{Cursor: cursor})
	require.ErrorIs(t, err, ledger.ErrInvalid)
	c, err := f.l.Statement(f.ctx, "c", ledger.StatementQuery{})
	require.NoError(t, err)
	require.Len(t, c.Lines, 1)
	assert.Equal(t, f.balance("c"), c.Lines[0].Balance.String())
}

// testScanFarSeq pages from sequence numbers at and beyond the last one, up to the largest a
// ScanQuery can carry: an empty page that is done, on an empty ledger too.
func testScanFarSeq(t *testing.T, newStore NewStore) {
	f := newFixture(t, newStore)
	for _, after := range []uint64{0, 1, 3, math.MaxUint32, math.MaxInt64, math.MaxInt64 + 1, math.MaxUint64} {
		page, err := f.l.Scan(f.ctx, ledger.ScanQuery{AfterSeq: after})
		require.NoError(t, err, "empty ledger, after %d", after)
		assert.Empty(t, page.Transactions, "empty ledger, after %d", after)
		assert.True(t, page.Done, "empty ledger, after %d", after)
	}
	for range 3 {
		f.post(one(pts("issuer", "a", "1")))
	}
	for _, after := range []uint64{3, 4, math.MaxUint32, math.MaxInt64, math.MaxInt64 + 1, math.MaxUint64 - 1, math.MaxUint64} {
		page, err := f.l.Scan(f.ctx, ledger.ScanQuery{AfterSeq: after})
		require.NoError(t, err, "after %d", after)
		assert.Empty(t, page.Transactions, "after %d", after)
		assert.True(t, page.Done, "after %d", after)
		assert.Equal(t, after, page.Next.AfterSeq, "after %d", after)
	}
	page, err := f.l.Scan(f.ctx, ledger.ScanQuery{AfterSeq: 1})
	require.NoError(t, err)
	require.Len(t, page.Transactions, 2)
	assert.Equal(t, uint64(2), page.Transactions[0].Seq)
}

// hookStore runs beforeView before each View of the store it wraps.
type hookStore struct {
	ledger.Store
	beforeView func()
}

func (s *hookStore) View(ctx context.Context, fn func(ledger.StoreReader) error) error {
	if s.beforeView != nil {
		s.beforeView()
	}
	return s.Store.View(ctx, fn)
}

// testVerifyWhileHoldExpires: Verify reads a page per view, so the clock moves on while it
// runs. A hold that expires meanwhile no longer reserves, and a Post may spend what it held:
// Verify must judge each page's holds as of that page's view, not as of its own start, or it
// reports that Post as an account below its minimum.
func testVerifyWhileHoldExpires(t *testing.T, newStore NewStore) {
	store := &hookStore{Store: newStore(t)}
	ctx := context.Background()
	clock := NewClock(Start)
	l, err := ledger.New(ctx, store, ledger.WithClock(clock.Now))
	require.NoError(t, err)
	require.NoError(t, l.CreateAsset(ctx, ledger.Asset{Code: "PTS", Scale: 2}))
	for _, a := range []ledger.Account{{ID: "issuer", Asset: "PTS", Unbounded: true}, {ID: "a", Asset: "PTS"}, {ID: "b", Asset: "PTS"}} {
		require.NoError(t, l.OpenAccount(ctx, a))
	}
	_, err = l.Post(ctx, one(pts("issuer", "a", "10")))
	require.NoError(t, err)
	_, err = l.Hold(ctx, pts("a", "b", "10"), ledger.HoldOptions{ExpiresAt: Start.Add(time.Minute)})
	require.NoError(t, err)
	views := 0
	store.beforeView = func() {
		// Between Verify's first view (the chain) and its second (the accounts), the hold
		// expires and a spends what it held.
		if views++; views == 2 {
			clock.Advance(time.Minute)
			_, err := l.Post(ctx, one(pts("a", "b", "10")))
			assert.NoError(t, err, "the hold has expired: a may spend it")
		}
	}
	assert.NoError(t, l.Verify(ctx))
	assert.GreaterOrEqual(t, views, 2, "Verify read the chain and the accounts in views of their own")
	store.beforeView = nil
	assert.NoError(t, l.Verify(ctx))
}

func seqs(lines []ledger.StatementLine) []uint64 {
	out := make([]uint64, len(lines))
	for i, l := range lines {
		out[i] = l.Seq
	}
	return out
}

func testClosed(t *testing.T, newStore NewStore) {
	f := newFixture(t, newStore)
	tx := f.post(one(pts("issuer", "a", "1")))
	require.NoError(t, f.store.Close())
	require.NoError(t, f.store.Close(), "closing twice is not an error")
	ctx := f.ctx
	calls := map[string]func() error{
		"Post": func() error { _, err := f.l.Post(ctx, one(pts("issuer", "a", "1"))); return err },
		"PostBatch": func() error {
			_, err := f.l.PostBatch(ctx, []ledger.Transaction{one(pts("issuer", "a", "1"))})
			return err
		},
		"Balance":   func() error { _, err := f.l.Balance(ctx, "a"); return err },
		"Available": func() error { _, err := f.l.Available(ctx, "a"); return err },
		"BalanceAt": func() error { _, err := f.l.BalanceAt(ctx, "a", Start); return err },
		"Reverse":   func() error { _, err := f.l.Reverse(ctx, tx.ID, ""); return err },
		"Hold":      func() error { _, err := f.l.Hold(ctx, pts("a", "b", "1"), ledger.HoldOptions{}); return err },
		"Release":   func() error { return f.l.Release(ctx, uuid.New()) },
		"HoldByKey": func() error { _, err := f.l.HoldByKey(ctx, "k"); return err },
		"Statement": func() error { _, err := f.l.Statement(ctx, "a", ledger.StatementQuery{}); return err },
		"Verify":    func() error { return f.l.Verify(ctx) },
		"Open":      func() error { return f.l.OpenAccount(ctx, ledger.Account{ID: "z", Asset: "PTS"}) },
		"Head":      func() error { _, err := f.l.Head(ctx); return err },
	}
	for name, call := range calls {
		assert.ErrorIs(t, call(), ledger.ErrClosed, name)
	}
}

// testCancelMidBatch cancels batches at every stage of their store transaction: a cancelled
// batch posts all or nothing, fails with an error that wraps the context's (so a caller can
// tell a timeout from a refusal), and the store keeps taking writes afterwards. Even batches
// are cancelled (context.Canceled), odd ones run out of time (context.DeadlineExceeded).
func testCancelMidBatch(t *testing.T, newStore NewStore) {
	f := newFixture(t, newStore)
	const batches, size = 40, 200
	batch := func(i int) []ledger.Transaction {
		ts := make([]ledger.Transaction, size)
		for j := range ts {
			ts[j] = ledger.Transaction{IdempotencyKey: fmt.Sprintf("cancel:%d:%d", i, j), Postings: []ledger.Posting{pts("issuer", "a", "0.01")}}
		}
		return ts
	}
	for i := range batches {
		delay := time.Duration(i) * 100 * time.Microsecond
		var ctx context.Context
		var cancel context.CancelFunc
		want := context.DeadlineExceeded
		if i%2 == 0 {
			ctx, cancel = context.WithCancel(f.ctx)
			time.AfterFunc(delay, cancel) // a second cancel after the one below does nothing
			want = context.Canceled
		} else {
			ctx, cancel = context.WithTimeout(f.ctx, delay)
		}
		_, err := f.l.PostBatch(ctx, batch(i)) // posted or not: the retries below tell
		cancel()
		if err != nil {
			require.ErrorIs(t, err, want, "batch %d", i)
		}
		_, err = f.l.Post(f.ctx, one(pts("issuer", "b", "0.01")))
		require.NoError(t, err, "a Post after batch %d was cancelled", i)
	}
	// Retrying every batch posts each transaction exactly once in all.
	for i := range batches {
		res, err := f.l.PostBatch(f.ctx, batch(i))
		require.NoError(t, err)
		for _, r := range res {
			require.NoError(t, r.Err)
		}
	}
	assert.Equal(t, decimal.New(batches*size, -2).String(), f.balance("a"))
	assert.Equal(t, decimal.New(batches, -2).String(), f.balance("b"))
	f.verify()
}

// testBalances: Balances answers what Balance and Available answer, in the order asked,
// counting open holds (until they expire) against Available only, across assets; bad input is
// refused whole.
func testBalances(t *testing.T, newStore NewStore) {
	f := newFixture(t, newStore)
	f.post(one(pts("issuer", "a", "30")))
	f.post(one(ledger.Posting{From: "bank", To: "h1", Amount: dec("2.5"), Asset: "HOUR"}))
	_, err := f.l.Hold(f.ctx, pts("a", "b", "12.5"), ledger.HoldOptions{ExpiresAt: f.clock.Now().Add(time.Hour)})
	require.NoError(t, err)
	_, err = f.l.Hold(f.ctx, pts("a", "c", "1"), ledger.HoldOptions{})
	require.NoError(t, err)

	check := func(ids ...ledger.AccountID) {
		t.Helper()
		got, err := f.l.Balances(f.ctx, ids)
		require.NoError(t, err)
		require.Len(t, got, len(ids))
		for i, id := range ids {
			assert.Equal(t, id, got[i].ID)
			assert.Equal(t, f.balance(id), got[i].Balance.String(), "balance of %s", id)
			assert.Equal(t, f.available(id), got[i].Available.String(), "available of %s", id)
		}
	}
	check("a", "h1", "issuer", "a", "b")
	got, err := f.l.Balances(f.ctx, []ledger.AccountID{"a"})
	require.NoError(t, err)
	assert.Equal(t, "30", got[0].Balance.String())
	assert.Equal(t, "16.5", got[0].Available.String())
	f.clock.Advance(2 * time.Hour) // the first hold has expired: it reserves nothing
	got, err = f.l.Balances(f.ctx, []ledger.AccountID{"a", "h1"})
	require.NoError(t, err)
	assert.Equal(t, "29", got[0].Available.String())
	assert.Equal(t, "2.5", got[1].Available.String())
	check("a")

	got, err = f.l.Balances(f.ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, got)
	for name, c := range map[string]struct {
		ids  []ledger.AccountID
		want error
	}{
		"bad id":       {[]ledger.AccountID{"a", "no spaces"}, ledger.ErrInvalid},
		"empty id":     {[]ledger.AccountID{""}, ledger.ErrInvalid},
		"unknown":      {[]ledger.AccountID{"a", "nobody"}, ledger.ErrUnknownAccount},
		"too many ids": {make([]ledger.AccountID, ledger.BalancesMax+1), ledger.ErrInvalid},
	} {
		got, err := f.l.Balances(f.ctx, c.ids)
		assert.ErrorIs(t, err, c.want, name)
		assert.Nil(t, got, name)
	}
	_, err = f.l.Balances(f.ctx, []ledger.AccountID{"a", "nobody"})
	assert.ErrorContains(t, err, "nobody")
}

// testCancelledPost: a Post whose context is already done fails with the context's error and
// posts nothing, alone or among concurrent Posts (a store with group commit gathers those into
// shared store transactions, whose leader must not commit a caller that gave up). A Post whose
// context ends while it runs returns nil only if it posted; with group commit, where the
// Ledger alone decides, the context's error also means it did not (elsewhere a database may
// commit just as the context ends, and a retry tells).
func testCancelledPost(t *testing.T, newStore NewStore) {
	f := newFixture(t, newStore)
	g, exact := f.store.(ledger.StoreGroupCommit)
	exact = exact && g.GroupCommit()
	cancelled, cancel := context.WithCancel(f.ctx)
	cancel()
	before := f.snapshot()
	_, err := f.l.Post(cancelled, ledger.Transaction{IdempotencyKey: "gave-up", Postings: []ledger.Posting{pts("issuer", "a", "1")}})
	require.ErrorIs(t, err, context.Canceled)
	f.requireUnchanged(before)
	_, err = f.l.TransactionByKey(f.ctx, "gave-up")
	require.ErrorIs(t, err, ledger.ErrNotFound)

	const workers, perWorker = 8, 40
	var wg sync.WaitGroup
	var mu sync.Mutex
	posted := map[string]bool{}
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWorker {
				key := fmt.Sprintf("w%d:%d", w, i)
				ctx, cancel := f.ctx, context.CancelFunc(func() {})
				switch i % 4 {
				case 1:
					ctx, cancel = context.WithCancel(f.ctx)
					cancel()
				case 2:
					ctx, cancel = context.WithTimeout(f.ctx, time.Duration(i)*20*time.Microsecond)
				}
				_, err := f.l.Post(ctx, ledger.Transaction{IdempotencyKey: key, Postings: []ledger.Posting{pts("issuer", "a", "0.01")}})
				cancel()
				if i%4 == 1 {
					assert.ErrorIs(t, err, context.Canceled, key)
				}
				if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("post %s: %v", key, err)
				}
				if err != nil && i%4 == 2 && !exact {
					continue // ambiguous: counted below only if the key is there
				}
				mu.Lock()
				posted[key] = err == nil
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	n := 0
	for w := range workers {
		for i := 2; i < perWorker; i += 4 {
			key := fmt.Sprintf("w%d:%d", w, i)
			if _, ok := posted[key]; !ok {
				if _, err := f.l.TransactionByKey(f.ctx, key); err == nil {
					n++
				}
			}
		}
	}
	for key, ok := range posted {
		_, err := f.l.TransactionByKey(f.ctx, key)
		if ok {
			n++
			assert.NoError(t, err, "%s was acknowledged", key)
		} else {
			assert.ErrorIs(t, err, ledger.ErrNotFound, "%s failed but was posted", key)
		}
	}
	assert.Equal(t, decimal.New(int64(n), -2).String(), f.balance("a"))
	f.verify()
}

// testConcurrentHotAccounts moves points between a handful of hot accounts from many
// goroutines: nothing may be lost or created, and no account may end below its minimum.
func testConcurrentHotAccounts(t *testing.T, newStore NewStore) {
	f := newFixture(t, newStore)
	accounts := []ledger.AccountID{"a", "b", "c", "od"}
	for _, id := range accounts {
		f.post(one(pts("issuer", id, "20")))
	}
	const workers, perWorker = 8, 60
	var wg sync.WaitGroup
	var mu sync.Mutex
	posted, rejected := 0, 0
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < perWorker; i++ {
				from := accounts[(w+i)%len(accounts)]
				to := accounts[(w+2*i+1)%len(accounts)]
				if from == to {
					continue
				}
				amount := decimal.New(int64(1+(w*7+i*13)%900), -2)
				_, err := f.l.Post(f.ctx, ledger.Transaction{
					IdempotencyKey: fmt.Sprintf("w%d-%d", w, i),
					Postings:       []ledger.Posting{{From: from, To: to, Amount: amount, Asset: "PTS"}},
				})
				mu.Lock()
				switch {
				case err == nil:
					posted++
				case errors.Is(err, ledger.ErrInsufficientBalance):
					rejected++
				default:
					mu.Unlock()
					errs <- err
					return
				}
				mu.Unlock()
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	total := decimal.Zero
	for _, id := range accounts {
		b, err := f.l.Balance(f.ctx, id)
		require.NoError(t, err)
		acc, err := f.l.Account(f.ctx, id)
		require.NoError(t, err)
		assert.True(t, b.GreaterThanOrEqual(acc.MinBalance), "%s below its minimum: %s", id, b)
		total = total.Add(b)
	}
	assert.Equal(t, "80", total.String(), "points were created or lost")
	head, err := f.l.Head(f.ctx)
	require.NoError(t, err)
	assert.Equal(t, uint64(len(accounts)+posted), head.Seq)
	t.Logf("posted %d, rejected for balance %d", posted, rejected)
	f.verify()
}

// testConcurrentSameKey races one idempotency key from many goroutines: one transaction.
func testConcurrentSameKey(t *testing.T, newStore NewStore) {
	f := newFixture(t, newStore)
	const workers = 16
	ids := make([]uuid.UUID, workers)
	replayed := make([]bool, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			tx, err := f.l.Post(f.ctx, ledger.Transaction{IdempotencyKey: "award:d7:p3", Postings: []ledger.Posting{pts("issuer", "a", "5")}})
			ids[w], replayed[w], errs[w] = tx.ID, tx.Replayed, err
		}(w)
	}
	wg.Wait()
	fresh := 0
	for w := range ids {
		require.NoError(t, errs[w])
		assert.Equal(t, ids[0], ids[w])
		if !replayed[w] {
			fresh++
		}
	}
	assert.Equal(t, 1, fresh, "exactly one caller posted; the others were told they replayed")
	assert.Equal(t, "5", f.balance("a"))
	f.verify()
}
