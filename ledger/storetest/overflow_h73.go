package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/ledger"
)

// bigFixture is a ledger with an asset of scale 0 (BIG), so that amounts of
// ledger.AmountMinorMax (10^18 minor units) are whole numbers, and accounts of it: u1 and u2
// (unbounded) and x (minimum 0).
func bigFixture(t *testing.T, newStore NewStore) *fixture {
	t.Helper()
	ctx := context.Background()
	store := newStore(t)
	clock := NewClock(Start)
	l, err := ledger.New(ctx, store, ledger.WithClock(clock.Now))
	require.NoError(t, err)
	require.NoError(t, l.CreateAsset(ctx, ledger.Asset{Code: "BIG", Scale: 0}))
	for _, a := range []ledger.Account{
		{ID: "u1", Asset: "BIG", Unbounded: true},
		{ID: "u2", Asset: "BIG", Unbounded: true},
		{ID: "x", Asset: "BIG"},
	} {
		require.NoError(t, l.OpenAccount(ctx, a))
	}
	return &fixture{t: t, ctx: ctx, store: store, l: l, clock: clock}
}

// bigAmount is ledger.AmountMinorMax of BIG: the largest amount one posting may carry.
var bigAmount = decimal.NewFromInt(ledger.AmountMinorMax)

func big(from, to ledger.AccountID) ledger.Posting {
	return ledger.Posting{From: from, To: to, Amount: bigAmount, Asset: "BIG"}
}

// testBalanceAtBeyondInt64 back-dates postings so that an account's balance as of a past time
// is more than int64 minor units hold, though every committed balance stays small: BalanceAt
// at that time is ErrInvalidAmount on every store, not a wrapped number (memstore) or an
// untyped database error (SQLite's "integer overflow", PostgreSQL's "bigint out of range").
// A sum whose running total passes int64 on the way but ends inside it (as SQLite adds the
// entries, in commit order) is answered exactly.
func testBalanceAtBeyondInt64(t *testing.T, newStore NewStore) {
	f := bigFixture(t, newStore)
	day := 24 * time.Hour
	f.clock.Advance(10 * day)
	at := func(d time.Duration) time.Time { return Start.Add(d) }
	t0, t1, t2, t3 := at(day/2), at(day), at(2*day), at(3*day)
	post := func(p ledger.Posting, eff time.Time) {
		t.Helper()
		f.post(ledger.Transaction{Postings: []ledger.Posting{p}, EffectiveAt: eff})
	}
	// u2 receives 10·10^18 effective at t1 and pays it back effective at t2, alternately:
	// its balance never leaves 0..10^18, but as of [t1, t2) it holds 10^19.
	for range 10 {
		post(big("u1", "u2"), t1)
		post(big("u2", "u1"), t2)
	}
	for _, c := range []struct {
		id ledger.AccountID
		at time.Time
	}{{"u2", t1}, {"u2", t2.Add(-time.Microsecond)}, {"u1", t1}, {"u1", t2.Add(-time.Microsecond)}} {
		_, err := f.l.BalanceAt(f.ctx, c.id, c.at)
		require.ErrorIs(t, err, ledger.ErrInvalidAmount, "%s at %s", c.id, c.at)
	}
	balanceAt := func(id ledger.AccountID, t time.Time) string {
		f.t.Helper()
		v, err := f.l.BalanceAt(f.ctx, id, t)
		require.NoError(f.t, err, "%s at %s", id, t)
		return v.String()
	}
	assert.Equal(t, "0", balanceAt("u2", t2))
	assert.Equal(t, "0", balanceAt("u1", t2))
	// u2 pays 5·10^18 effective at t0 and gets it back effective at t3: as of t1 it holds
	// 10·10^18 - 5·10^18, a sum that passes int64 in commit order and ends inside it.
	for range 5 {
		post(big("u2", "u1"), t0)
		post(big("u1", "u2"), t3)
	}
	for _, c := range []struct {
		id   ledger.AccountID
		at   time.Time
		want string
	}{
		{"u2", t0, "-5000000000000000000"},
		{"u2", t1, "5000000000000000000"},
		{"u2", t2, "-5000000000000000000"},
		{"u2", t3, "0"},
		{"u1", t1, "-5000000000000000000"},
		{"u1", t3, "0"},
	} {
		assert.Equal(t, c.want, balanceAt(c.id, c.at), "%s at %s", c.id, c.at)
	}
	assert.Equal(t, "0", f.balance("u2"))
	f.verify()
}

// testExpiredHoldsBeyondInt64 leaves expired holds open (never released) whose amounts add up
// to more than int64 minor units: they reserve nothing, and reads that do not need what holds
// reserve (BalanceAt, Statement, OpenAccount of an existing account) must not add them up.
func testExpiredHoldsBeyondInt64(t *testing.T, newStore NewStore) {
	f := bigFixture(t, newStore)
	f.post(one(big("u1", "x")))
	f.post(one(big("u2", "u1")))
	var last ledger.Hold
	for range 10 {
		for _, from := range []ledger.AccountID{"x", "u2"} {
			h, err := f.l.Hold(f.ctx, big(from, "u1"), ledger.HoldOptions{ExpiresAt: f.clock.Now().Add(time.Minute)})
			require.NoError(t, err)
			last = h
		}
		f.clock.Advance(2 * time.Minute)
	}
	for _, id := range []ledger.AccountID{"x", "u2"} {
		want := map[ledger.AccountID]string{"x": "1000000000000000000", "u2": "-1000000000000000000"}[id]
		assert.Equal(t, want, f.balance(id))
		assert.Equal(t, want, f.available(id))
		got, err := f.l.BalanceAt(f.ctx, id, f.clock.Now())
		require.NoError(t, err)
		assert.Equal(t, want, got.String())
		page, err := f.l.Statement(f.ctx, id, ledger.StatementQuery{})
		require.NoError(t, err)
		require.Len(t, page.Lines, 1)
		bs, err := f.l.Balances(f.ctx, []ledger.AccountID{id})
		require.NoError(t, err)
		assert.Equal(t, want, bs[0].Available.String())
	}
	require.NoError(t, f.l.OpenAccount(f.ctx, ledger.Account{ID: "x", Asset: "BIG"}))
	require.NoError(t, f.l.OpenAccount(f.ctx, ledger.Account{ID: "u2", Asset: "BIG", Unbounded: true}))
	// x can still hold, spend and release what it has.
	h, err := f.l.Hold(f.ctx, big("x", "u1"), ledger.HoldOptions{ExpiresAt: f.clock.Now().Add(time.Minute)})
	require.NoError(t, err)
	assert.Equal(t, "0", f.available("x"))
	require.NoError(t, f.l.Release(f.ctx, h.ID))
	require.NoError(t, f.l.Release(f.ctx, last.ID))
	_, err = f.l.Capture(f.ctx, last.ID, decimal.NewFromInt(1))
	require.ErrorIs(t, err, ledger.ErrHoldClosed)
	f.post(one(big("x", "u2")))
	assert.Equal(t, "0", f.balance("x"))
	f.verify()
}
