package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/sqlstore"
)

// Benchmarks report tx/s and, for PostBatch, the ratio to a baseline measured in the same
// run: the same postings inserted as plain rows (seq, from, to, asset, amount) in one
// transaction with one multi-row INSERT through the same driver — no checks, no balances,
// no hash chain — roughly the fastest that database takes them.

const (
	benchBatch    = 1000
	benchAccounts = 1000
	benchHot      = 10
	// baselineRounds is how many baseline batches are timed before each PostBatch benchmark.
	baselineRounds = 20
)

var benchKeys atomic.Int64

func benchLedger(b *testing.B, s ledger.Store, accounts int) (*ledger.Ledger, []ledger.AccountID) {
	b.Helper()
	ctx := context.Background()
	l, err := ledger.New(ctx, s)
	require.NoError(b, err)
	require.NoError(b, l.CreateAsset(ctx, ledger.Asset{Code: "PTS", Scale: 2}))
	require.NoError(b, l.OpenAccount(ctx, ledger.Account{ID: "issuer", Asset: "PTS", Unbounded: true}))
	ids := make([]ledger.AccountID, accounts)
	var fund []ledger.Transaction
	for i := range ids {
		ids[i] = ledger.AccountID(fmt.Sprintf("vol:%04d:pts", i))
		require.NoError(b, l.OpenAccount(ctx, ledger.Account{ID: ids[i], Asset: "PTS"}))
		fund = append(fund, ledger.Transaction{Postings: []ledger.Posting{{From: "issuer", To: ids[i], Amount: decimal.NewFromInt(1_000_000), Asset: "PTS"}}})
	}
	res, err := l.PostBatch(ctx, fund)
	require.NoError(b, err)
	for _, r := range res {
		require.NoError(b, r.Err)
	}
	return l, ids
}

func batchOf(ids []ledger.AccountID, keyed bool) []ledger.Transaction {
	ts := make([]ledger.Transaction, benchBatch)
	amount := decimal.New(1, -2)
	for i := range ts {
		ts[i].Postings = []ledger.Posting{{From: "issuer", To: ids[i%len(ids)], Amount: amount, Asset: "PTS"}}
		if keyed {
			ts[i].IdempotencyKey = fmt.Sprintf("bench:%d", benchKeys.Add(1))
		}
	}
	return ts
}

// baselineRowsPerStatement: SQLite statements stay small, as the store's do, because
// modernc.org/sqlite binds parameters in quadratic time: 25 rows (125 parameters) measured
// fastest of 10 to 50 rows (50 rows about 10 % slower). PostgreSQL takes the whole batch in
// one statement.
func baselineRowsPerStatement(dollar bool) int {
	if dollar {
		return benchBatch
	}
	return 25
}

// baseline times baselineRounds plain inserts of benchBatch posting rows, one transaction
// each, with one prepared multi-row INSERT, and returns rows/s.
func baseline(b *testing.B, db *sql.DB, dollar bool) float64 {
	b.Helper()
	ctx := context.Background()
	_, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS baseline_postings (seq BIGINT PRIMARY KEY, from_account TEXT NOT NULL, to_account TEXT NOT NULL, asset TEXT NOT NULL, amount BIGINT NOT NULL)`)
	require.NoError(b, err)
	per := baselineRowsPerStatement(dollar)
	var q strings.Builder
	q.WriteString(`INSERT INTO baseline_postings (seq, from_account, to_account, asset, amount) VALUES `)
	for i := range per {
		if i > 0 {
			q.WriteString(", ")
		}
		if dollar {
			fmt.Fprintf(&q, "($%d, $%d, $%d, $%d, $%d)", 5*i+1, 5*i+2, 5*i+3, 5*i+4, 5*i+5)
		} else {
			q.WriteString("(?, ?, ?, ?, ?)")
		}
	}
	stmt, err := db.PrepareContext(ctx, q.String())
	require.NoError(b, err)
	defer stmt.Close()
	args := make([]any, 0, 5*per)
	var seq int64
	start := time.Now()
	for range baselineRounds {
		tx, err := db.BeginTx(ctx, nil)
		require.NoError(b, err)
		txStmt := tx.StmtContext(ctx, stmt)
		for done := 0; done < benchBatch; done += per {
			args = args[:0]
			for i := range per {
				seq++
				args = append(args, seq, "issuer", fmt.Sprintf("vol:%04d:pts", (done+i)%benchAccounts), "PTS", int64(1))
			}
			_, err = txStmt.ExecContext(ctx, args...)
			require.NoError(b, err)
		}
		require.NoError(b, tx.Commit())
	}
	return float64(baselineRounds*benchBatch) / time.Since(start).Seconds()
}

func benchPostBatch(b *testing.B, s ledger.Store, raw *sql.DB, dollar, keyed bool) {
	base := baseline(b, raw, dollar)
	l, ids := benchLedger(b, s, benchAccounts)
	ctx := context.Background()
	batches := make([][]ledger.Transaction, 0, 64)
	n := 0
	for b.Loop() {
		b.StopTimer()
		if len(batches) == 0 {
			for range cap(batches) {
				batches = append(batches, batchOf(ids, keyed))
			}
		}
		ts := batches[len(batches)-1]
		batches = batches[:len(batches)-1]
		b.StartTimer()
		res, err := l.PostBatch(ctx, ts)
		if err != nil || res[0].Err != nil {
			b.Fatal(err, res[0].Err)
		}
		n++
	}
	// b.Elapsed excludes the stopped time spent building batches.
	perSec := float64(n*benchBatch) / b.Elapsed().Seconds()
	b.ReportMetric(perSec, "tx/s")
	b.ReportMetric(base, "baseline-rows/s")
	b.ReportMetric(perSec/base, "ratio")
}

func rawSQLite(b *testing.B, path string) *sql.DB {
	b.Helper()
	db, err := sql.Open("sqlite", path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)")
	require.NoError(b, err)
	db.SetMaxOpenConns(1)
	b.Cleanup(func() { _ = db.Close() })
	return db
}

func BenchmarkSQLitePostBatch(b *testing.B) {
	for _, keyed := range []bool{true, false} {
		for _, sync := range []sqlstore.Synchronous{sqlstore.SyncFull, sqlstore.SyncNormal} {
			name := fmt.Sprintf("keyed=%v/sync=%s", keyed, map[sqlstore.Synchronous]string{sqlstore.SyncFull: "full", sqlstore.SyncNormal: "normal"}[sync])
			b.Run(name, func(b *testing.B) {
				dir := b.TempDir()
				s, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(dir, "ledger.db"), sqlstore.WithSynchronous(sync))
				require.NoError(b, err)
				b.Cleanup(func() { _ = s.Close() })
				benchPostBatch(b, s, rawSQLite(b, filepath.Join(dir, "baseline.db")), false, keyed)
			})
		}
	}
}

func BenchmarkSQLitePost(b *testing.B) {
	for _, sync := range []sqlstore.Synchronous{sqlstore.SyncFull, sqlstore.SyncNormal} {
		b.Run(map[sqlstore.Synchronous]string{sqlstore.SyncFull: "sync=full", sqlstore.SyncNormal: "sync=normal"}[sync], func(b *testing.B) {
			s, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(b.TempDir(), "ledger.db"), sqlstore.WithSynchronous(sync))
			require.NoError(b, err)
			b.Cleanup(func() { _ = s.Close() })
			l, ids := benchLedger(b, s, benchAccounts)
			ctx := context.Background()
			amount := decimal.New(1, -2)
			i := 0
			for b.Loop() {
				i++
				_, err := l.Post(ctx, ledger.Transaction{IdempotencyKey: fmt.Sprintf("p:%d", i),
					Postings: []ledger.Posting{{From: ids[i%len(ids)], To: ids[(i+1)%len(ids)], Amount: amount, Asset: "PTS"}}})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "tx/s")
		})
	}
}

func BenchmarkPostgresPostBatch(b *testing.B) {
	for _, keyed := range []bool{true, false} {
		b.Run(fmt.Sprintf("keyed=%v", keyed), func(b *testing.B) {
			s, dsn := openPostgres(b)
			raw, err := sql.Open("pgx", dsn)
			require.NoError(b, err)
			b.Cleanup(func() { _ = raw.Close() })
			benchPostBatch(b, s, raw, true, keyed)
		})
	}
}

// BenchmarkPostgresPostParallel runs 16 goroutines of single keyed Posts between random
// accounts of a set: 1,000 accounts (little row contention) or 10 hot ones. Every writer
// takes the head row lock, so commits are serial and throughput is about 1 / commit latency.
func BenchmarkPostgresPostParallel(b *testing.B) {
	for _, accounts := range []int{benchAccounts, benchHot} {
		b.Run(fmt.Sprintf("accounts=%d", accounts), func(b *testing.B) {
			s, _ := openPostgres(b)
			l, ids := benchLedger(b, s, accounts)
			ctx := context.Background()
			amount := decimal.New(1, -2)
			var posted atomic.Int64
			b.SetParallelism(max(1, 16/runtime.GOMAXPROCS(0)))
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				r := rand.New(rand.NewPCG(rand.Uint64(), 0))
				for pb.Next() {
					i := r.IntN(len(ids))
					j := (i + 1 + r.IntN(len(ids)-1)) % len(ids)
					_, err := l.Post(ctx, ledger.Transaction{IdempotencyKey: fmt.Sprintf("par:%d", benchKeys.Add(1)),
						Postings: []ledger.Posting{{From: ids[i], To: ids[j], Amount: amount, Asset: "PTS"}}})
					if err != nil {
						b.Error(err)
						return
					}
					posted.Add(1)
				}
			})
			b.ReportMetric(float64(posted.Load())/time.Since(start).Seconds(), "tx/s")
		})
	}
}

// BenchmarkSQLiteBalanceAt: BalanceAt reads every entry of the account (see the package
// doc), so it costs in proportion to the account's entries: an issuer account with one entry
// per transaction against a volunteer's account with a hundredth of them.
func BenchmarkSQLiteBalanceAt(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("issuer-entries=%d", n), func(b *testing.B) {
			s, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(b.TempDir(), "ledger.db"), sqlstore.WithSynchronous(sqlstore.SyncNormal))
			require.NoError(b, err)
			b.Cleanup(func() { _ = s.Close() })
			l, ids := benchLedger(b, s, benchAccounts)
			ctx := context.Background()
			for range n/benchBatch - 1 { // benchLedger posted one batch
				res, err := l.PostBatch(ctx, batchOf(ids, false))
				require.NoError(b, err)
				require.NoError(b, res[0].Err)
			}
			half := time.Now()
			for _, acct := range []ledger.AccountID{"issuer", ids[0]} {
				b.Run(fmt.Sprint("account=", acct), func(b *testing.B) {
					for b.Loop() {
						if _, err := l.BalanceAt(ctx, acct, half); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}
