package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/internal/sqltest"
	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/memstore"
	"github.com/tongxin/tongxin/ledger/sqlstore"
	"github.com/tongxin/tongxin/ledger/storetest"
)

// heldSnapshot places holds from a: never expiring, expiring at 1 s, 2 s and 3 s after
// storetest.Start, one released and one captured; it then reads Available and Balances of
// a, b and c at clock steps around each expiry.
func heldSnapshot(t *testing.T, s ledger.Store) []string {
	t.Helper()
	ctx := context.Background()
	clock := storetest.NewClock(storetest.Start)
	l, err := ledger.New(ctx, s, ledger.WithClock(clock.Now))
	require.NoError(t, err)
	require.NoError(t, l.CreateAsset(ctx, ledger.Asset{Code: "PTS", Scale: 2}))
	for _, a := range []ledger.Account{{ID: "issuer", Asset: "PTS", Unbounded: true}, {ID: "a", Asset: "PTS"}, {ID: "b", Asset: "PTS"}, {ID: "c", Asset: "PTS"}} {
		require.NoError(t, l.OpenAccount(ctx, a))
	}
	_, err = l.Post(ctx, ledger.Transaction{Postings: []ledger.Posting{pts("issuer", "a", "1000"), pts("issuer", "b", "1000")}})
	require.NoError(t, err)
	hold := func(from ledger.AccountID, amount string, after time.Duration) ledger.Hold {
		var opts ledger.HoldOptions
		if after > 0 {
			opts.ExpiresAt = storetest.Start.Add(after)
		}
		h, err := l.Hold(ctx, pts(from, "c", amount), opts)
		require.NoError(t, err)
		return h
	}
	hold("a", "1", 0)
	hold("a", "2", 0)
	hold("a", "10", time.Second)
	hold("a", "20", 2*time.Second)
	hold("a", "40", 3*time.Second)
	hold("b", "5", time.Second)
	hold("b", "7", 0)
	require.NoError(t, l.Release(ctx, hold("a", "100", 0).ID))
	require.NoError(t, l.Release(ctx, hold("a", "200", 3*time.Second).ID))
	_, err = l.Capture(ctx, hold("a", "300", 2*time.Second).ID, decimal.RequireFromString("1"))
	require.NoError(t, err)
	var out []string
	var now time.Duration
	for _, at := range []time.Duration{0, time.Second - time.Microsecond, time.Second, time.Second + time.Microsecond,
		2 * time.Second, 3*time.Second - time.Microsecond, 3 * time.Second, time.Hour} {
		clock.Advance(at - now)
		now = at
		for _, id := range []ledger.AccountID{"a", "b", "c"} {
			v, err := l.Available(ctx, id)
			require.NoError(t, err)
			out = append(out, fmt.Sprintf("%s available at %s: %s", id, at, v))
		}
		bs, err := l.Balances(ctx, []ledger.AccountID{"a", "b", "c"})
		require.NoError(t, err)
		for _, b := range bs {
			out = append(out, fmt.Sprintf("balances %s at %s: %s %s", b.ID, at, b.Balance, b.Available))
		}
	}
	return out
}

// TestHeldSumMatchesMemstore_h79: what open holds reserve, read by the statements that seek
// past expired holds (two branches: never expiring, expiring after now), is what memstore
// reads, at and around each expiry: a hold expiring exactly now no longer reserves.
func TestHeldSumMatchesMemstore_h79(t *testing.T) {
	want := heldSnapshot(t, memstore.New())
	require.Contains(t, want, "a available at 1s: 936", "the fixture's arithmetic")
	t.Run("sqlite", func(t *testing.T) {
		s, _ := openSQLite(t)
		assert.Equal(t, want, heldSnapshot(t, s))
	})
	t.Run("postgres", func(t *testing.T) {
		s, _ := openPostgres(t)
		assert.Equal(t, want, heldSnapshot(t, s))
	})
}

// undoHoldsOpenExpiry turns a database at version 4 back into what version 3 wrote: the
// open holds indexed by account alone.
func undoHoldsOpenExpiry(t *testing.T, raw *sql.DB) {
	t.Helper()
	_, err := raw.Exec(`DROP INDEX holds_open_expiry`)
	require.NoError(t, err)
	_, err = raw.Exec(`CREATE INDEX holds_open ON holds (from_account) WHERE status = 1`)
	require.NoError(t, err)
}

// TestUpgradeFromVersion3_h79: a database at version 3 (holds_open on the account alone)
// migrates to version 4: holds_open_expiry replaces holds_open, and the holds placed before
// reserve what they did.
func TestUpgradeFromVersion3_h79(t *testing.T) {
	ctx := context.Background()
	type target struct {
		name, driver string
		open         func(testing.TB) (*sqlstore.Store, string)
		reopen       func(string) (*sqlstore.Store, error)
		index        string
	}
	targets := []target{{"sqlite", "sqlite", openSQLite,
		func(p string) (*sqlstore.Store, error) { return sqlstore.OpenSQLite(ctx, p) },
		`SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = ?`}}
	if sqltest.PostgresConfigured() {
		targets = append(targets, target{"postgres", "pgx", openPostgres,
			func(dsn string) (*sqlstore.Store, error) { return sqlstore.OpenPostgres(ctx, dsn, testPoolOptions...) },
			`SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() AND indexname = $1`})
	}
	for _, tg := range targets {
		t.Run(tg.name, func(t *testing.T) {
			s, where := tg.open(t)
			want := heldSnapshot(t, s)
			require.NoError(t, s.Close())
			raw := rawOpen(t, where, tg.driver)
			undoHoldsOpenExpiry(t, raw)
			setVersion(t, where, tg.driver, 3)

			s, err := tg.reopen(where)
			require.NoError(t, err)
			defer s.Close()
			assertVersion(t, where, tg.driver, 4)
			for name, n := range map[string]int{"holds_open": 0, "holds_open_expiry": 1} {
				var got int
				require.NoError(t, raw.QueryRow(tg.index, name).Scan(&got))
				assert.Equal(t, n, got, name)
			}
			clock := storetest.NewClock(storetest.Start)
			l, err := ledger.New(ctx, s, ledger.WithClock(clock.Now))
			require.NoError(t, err)
			require.NoError(t, l.Verify(ctx))
			for _, at := range []time.Duration{0, time.Hour} {
				clock.Advance(at)
				v, err := l.Available(ctx, "a")
				require.NoError(t, err)
				assert.Contains(t, want, fmt.Sprintf("a available at %s: %s", at, v))
				bs, err := l.Balances(ctx, []ledger.AccountID{"a", "b", "c"})
				require.NoError(t, err)
				for _, b := range bs {
					assert.Contains(t, want, fmt.Sprintf("balances %s at %s: %s %s", b.ID, at, b.Balance, b.Available))
				}
			}
			_, err = l.Post(ctx, ledger.Transaction{Postings: []ledger.Posting{pts("a", "b", "1")}})
			require.NoError(t, err)
			require.NoError(t, l.Verify(ctx))
		})
	}
}

// expiredHoldsLedger is a ledger on s with accounts issuer, a, b and c, a funded, and n
// holds from a that expired and were never released; the clock stands past their expiry.
func expiredHoldsLedger(b *testing.B, s ledger.Store, n int) (*ledger.Ledger, *storetest.Clock) {
	ctx := context.Background()
	clock := storetest.NewClock(storetest.Start)
	l, err := ledger.New(ctx, s, ledger.WithClock(clock.Now))
	require.NoError(b, err)
	require.NoError(b, l.CreateAsset(ctx, ledger.Asset{Code: "PTS"}))
	for _, a := range []ledger.Account{{ID: "issuer", Asset: "PTS", Unbounded: true}, {ID: "a", Asset: "PTS"}, {ID: "b", Asset: "PTS"}, {ID: "c", Asset: "PTS"}} {
		require.NoError(b, l.OpenAccount(ctx, a))
	}
	_, err = l.Post(ctx, ledger.Transaction{Postings: []ledger.Posting{{From: "issuer", To: "a", Asset: "PTS", Amount: decimal.NewFromInt(1e12)}}})
	require.NoError(b, err)
	for range n {
		_, err := l.Hold(ctx, ledger.Posting{From: "a", To: "c", Asset: "PTS", Amount: decimal.NewFromInt(1)}, ledger.HoldOptions{ExpiresAt: clock.Now().Add(time.Second)})
		require.NoError(b, err)
	}
	clock.Advance(2 * time.Second)
	return l, clock
}

// BenchmarkPostgresPostExpiredHoldsH79 is BenchmarkSQLitePostExpiredHoldsH73 on PostgreSQL.
func BenchmarkPostgresPostExpiredHoldsH79(b *testing.B) {
	for _, n := range []int{0, 10_000} {
		b.Run(fmt.Sprintf("expired=%d", n), func(b *testing.B) {
			s, _ := openPostgres(b)
			l, _ := expiredHoldsLedger(b, s, n)
			p := ledger.Transaction{Postings: []ledger.Posting{{From: "a", To: "b", Asset: "PTS", Amount: decimal.NewFromInt(1)}}}
			for b.Loop() {
				if _, err := l.Post(context.Background(), p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchHoldRelease places a hold from a and releases it, once per iteration: the writes that
// the open-holds index adds to.
func benchHoldRelease(b *testing.B, s ledger.Store) {
	ctx := context.Background()
	l, clock := expiredHoldsLedger(b, s, 0)
	for b.Loop() {
		h, err := l.Hold(ctx, ledger.Posting{From: "a", To: "c", Asset: "PTS", Amount: decimal.NewFromInt(1)}, ledger.HoldOptions{ExpiresAt: clock.Now().Add(time.Hour)})
		if err != nil {
			b.Fatal(err)
		}
		if err := l.Release(ctx, h.ID); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSQLiteHoldReleaseH79(b *testing.B) {
	s, _ := openSQLite(b)
	benchHoldRelease(b, s)
}

func BenchmarkPostgresHoldReleaseH79(b *testing.B) {
	s, _ := openPostgres(b)
	benchHoldRelease(b, s)
}
