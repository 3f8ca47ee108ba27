package ledger_test

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/memstore"
)

// baseline is roughly the fastest anything with this API can go: one mutex, a map of int64
// balances, a map of idempotency keys, an append to a slice, and the same decimal-to-minor-
// units conversion. No ids, no hash chain, no history, no validation beyond the balance.
type baseline struct {
	mu       sync.Mutex
	balances map[ledger.AccountID]int64
	keys     map[string]int
	log      []baselineEntry
}

type baselineEntry struct {
	from, to ledger.AccountID
	amount   int64
}

func newBaseline() *baseline {
	return &baseline{balances: map[ledger.AccountID]int64{}, keys: map[string]int{}}
}

func (b *baseline) post(key string, p ledger.Posting) error {
	amount, err := ledger.ToMinor(p.Amount, 2)
	if err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.keys[key]; ok {
		return nil
	}
	b.balances[p.From] -= amount
	b.balances[p.To] += amount
	b.keys[key] = len(b.log)
	b.log = append(b.log, baselineEntry{p.From, p.To, amount})
	return nil
}

func (b *baseline) postBatch(keys []string, ps []ledger.Posting) error {
	amounts := make([]int64, len(ps))
	for i, p := range ps {
		a, err := ledger.ToMinor(p.Amount, 2)
		if err != nil {
			return err
		}
		amounts[i] = a
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for i, p := range ps {
		if _, ok := b.keys[keys[i]]; ok {
			continue
		}
		b.balances[p.From] -= amounts[i]
		b.balances[p.To] += amounts[i]
		b.keys[keys[i]] = len(b.log)
		b.log = append(b.log, baselineEntry{p.From, p.To, amounts[i]})
	}
	return nil
}

const benchAccounts = 1000

var benchIDs = func() []ledger.AccountID {
	ids := make([]ledger.AccountID, benchAccounts)
	for i := range ids {
		ids[i] = ledger.AccountID(fmt.Sprintf("vol:v%04d:pts", i))
	}
	return ids
}()

var benchAmount = decimal.RequireFromString("12.5")

func benchPosting(i int) ledger.Posting {
	return ledger.Posting{From: "community:c01:issuer", To: benchIDs[i%benchAccounts], Amount: benchAmount, Asset: "PTS"}
}

func benchKey(i int) string { return "award:" + strconv.Itoa(i) }

// newPTSLedger is a memstore ledger with asset PTS (scale 2) and the given accounts of it, the
// first unbounded (the issuer), the others with no overdraft.
func newPTSLedger(tb testing.TB, issuer ledger.AccountID, others ...ledger.AccountID) (*ledger.Ledger, context.Context) {
	tb.Helper()
	return newPTSLedgerOn(tb, memstore.New(), issuer, others...)
}

// newPTSLedgerOn is newPTSLedger on the given store.
func newPTSLedgerOn(tb testing.TB, store ledger.Store, issuer ledger.AccountID, others ...ledger.AccountID) (*ledger.Ledger, context.Context) {
	tb.Helper()
	ctx := context.Background()
	l, err := ledger.New(ctx, store)
	if err != nil {
		tb.Fatal(err)
	}
	if err := l.CreateAsset(ctx, ledger.Asset{Code: "PTS", Scale: 2}); err != nil {
		tb.Fatal(err)
	}
	if err := l.OpenAccount(ctx, ledger.Account{ID: issuer, Asset: "PTS", Unbounded: true}); err != nil {
		tb.Fatal(err)
	}
	for _, id := range others {
		if err := l.OpenAccount(ctx, ledger.Account{ID: id, Asset: "PTS"}); err != nil {
			tb.Fatal(err)
		}
	}
	return l, ctx
}

func newBenchLedger(tb testing.TB) (*ledger.Ledger, context.Context) {
	tb.Helper()
	return newPTSLedger(tb, "community:c01:issuer", benchIDs...)
}

// BenchmarkPost: one goroutine, one-posting transactions with an idempotency key, everything
// on (ids, hash chain, history for BalanceAt and statements). Target: >= 0.5 of the baseline.
//
// The baseline runs interleaved with the ledger, a block of the same transactions after each
// block of the ledger's, so both see the same machine load and maps of the same size; ns/op
// counts the ledger alone.
func BenchmarkPost(b *testing.B) {
	const block = 1024
	l, ctx := newBenchLedger(b)
	bl := newBaseline()
	b.ReportAllocs()
	var base time.Duration
	i := 0
	for b.Loop() {
		if _, err := l.Post(ctx, ledger.Transaction{IdempotencyKey: benchKey(i), Postings: []ledger.Posting{benchPosting(i)}}); err != nil {
			b.Fatal(err)
		}
		i++
		if i%block == 0 {
			b.StopTimer()
			base += baselineRun(bl, i-block, i)
			b.StartTimer()
		}
	}
	if n := i - i%block; n > 0 {
		rate := float64(i) / b.Elapsed().Seconds()
		baseRate := float64(n) / base.Seconds()
		b.ReportMetric(rate, "tx/s")
		b.ReportMetric(baseRate, "baseline-tx/s")
		b.ReportMetric(rate/baseRate, "ratio-vs-baseline")
	}
}

// baselineRun posts transactions from..to-1 to the baseline and returns how long it took.
func baselineRun(bl *baseline, from, to int) time.Duration {
	start := time.Now()
	for i := from; i < to; i++ {
		if err := bl.post(benchKey(i), benchPosting(i)); err != nil {
			panic(err)
		}
	}
	return time.Since(start)
}

// BenchmarkPostBaseline is the baseline alone, for benchstat comparisons.
func BenchmarkPostBaseline(b *testing.B) {
	bl := newBaseline()
	i := 0
	for b.Loop() {
		if err := bl.post(benchKey(i), benchPosting(i)); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "tx/s")
}

// BenchmarkPostAfterBatch: single keyed Posts on a ledger that has run a PostBatch of 1,000.
// A Post must not inherit the batch's scratch memory (clearing it cost 1-4 µs a Post).
func BenchmarkPostAfterBatch(b *testing.B) {
	l, ctx := newBenchLedger(b)
	batch := make([]ledger.Transaction, 1000)
	for k := range batch {
		batch[k] = ledger.Transaction{IdempotencyKey: "batch:" + strconv.Itoa(k), Postings: []ledger.Posting{benchPosting(k)}}
	}
	if _, err := l.PostBatch(ctx, batch); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := l.Post(ctx, ledger.Transaction{IdempotencyKey: benchKey(i), Postings: []ledger.Posting{benchPosting(i)}}); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "tx/s")
}

// BenchmarkPostParallel: many goroutines posting at once (the lock is the limit).
func BenchmarkPostParallel(b *testing.B) {
	l, ctx := newBenchLedger(b)
	var mu sync.Mutex
	next := 0
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			mu.Lock()
			i := next
			next++
			mu.Unlock()
			if _, err := l.Post(ctx, ledger.Transaction{IdempotencyKey: benchKey(i), Postings: []ledger.Posting{benchPosting(i)}}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(next)/time.Since(start).Seconds(), "tx/s")
}

// BenchmarkPostBatch1000: PostBatch of 1,000 keyed one-posting transactions. Target: >= 0.8
// of the baseline posting the same 1,000 under one lock, run right after each batch (the
// same load, maps of the same size).
func BenchmarkPostBatch1000(b *testing.B) {
	const size = 1000
	l, ctx := newBenchLedger(b)
	bl := newBaseline()
	batch := make([]ledger.Transaction, size)
	keys := make([]string, size)
	postings := make([]ledger.Posting, size)
	fill := func(round int) {
		for k := range batch {
			i := round*size + k
			keys[k], postings[k] = benchKey(i), benchPosting(i)
			batch[k] = ledger.Transaction{IdempotencyKey: keys[k], Postings: []ledger.Posting{postings[k]}}
		}
	}
	b.ReportAllocs()
	var dur, baseDur time.Duration
	round := 0
	for b.Loop() {
		b.StopTimer()
		fill(round)
		b.StartTimer()
		start := time.Now()
		res, err := l.PostBatch(ctx, batch)
		dur += time.Since(start)
		if err != nil || res[size-1].Err != nil {
			b.Fatal(err, res[size-1].Err)
		}
		b.StopTimer()
		start = time.Now()
		if err := bl.postBatch(keys, postings); err != nil {
			b.Fatal(err)
		}
		baseDur += time.Since(start)
		b.StartTimer()
		round++
	}
	rate := float64(round*size) / dur.Seconds()
	base := float64(round*size) / baseDur.Seconds()
	b.ReportMetric(rate, "tx/s")
	b.ReportMetric(base, "baseline-tx/s")
	b.ReportMetric(rate/base, "ratio-vs-baseline")
}

// BenchmarkBalance shows Balance and Available cost the same with 1,000 or 1,000,000
// transactions behind them: O(1).
func BenchmarkBalance(b *testing.B) {
	for _, n := range []int{1_000, 1_000_000} {
		l, ctx := newBenchLedger(b)
		fillLedger(b, l, ctx, n, false)
		b.Run(fmt.Sprintf("Balance/txs=%d", n), func(b *testing.B) {
			i := 0
			for b.Loop() {
				if _, err := l.Balance(ctx, benchIDs[i%benchAccounts]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
		b.Run(fmt.Sprintf("Available/txs=%d", n), func(b *testing.B) {
			i := 0
			for b.Loop() {
				if _, err := l.Available(ctx, benchIDs[i%benchAccounts]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
		b.Run(fmt.Sprintf("BalanceAt/txs=%d", n), func(b *testing.B) {
			at := time.Now().Add(-time.Millisecond)
			i := 0
			for b.Loop() {
				if _, err := l.BalanceAt(ctx, benchIDs[i%benchAccounts], at); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

func fillLedger(tb testing.TB, l *ledger.Ledger, ctx context.Context, n int, keyed bool) {
	tb.Helper()
	const size = 10_000
	batch := make([]ledger.Transaction, 0, size)
	for i := 0; i < n; i++ {
		t := ledger.Transaction{Postings: []ledger.Posting{benchPosting(i)}}
		if keyed {
			t.IdempotencyKey = benchKey(i)
		}
		batch = append(batch, t)
		if len(batch) == size || i == n-1 {
			res, err := l.PostBatch(ctx, batch)
			if err != nil {
				tb.Fatal(err)
			}
			for _, r := range res {
				if r.Err != nil {
					tb.Fatal(r.Err)
				}
			}
			batch = batch[:0]
		}
	}
}

// BenchmarkMemoryPerTransaction keeps 10,000,000 one-posting transactions (no metadata) in
// memstore and reports the live heap per transaction. Target: <= 256 bytes. Run it with
// -benchtime=1x; it takes about a minute.
func BenchmarkMemoryPerTransaction(b *testing.B) {
	const n = 10_000_000
	for _, keyed := range []bool{false, true} {
		b.Run(fmt.Sprintf("keyed=%v", keyed), func(b *testing.B) {
			for b.Loop() {
				l, ctx := newBenchLedger(b)
				before := liveHeap()
				fillLedger(b, l, ctx, n, keyed)
				after := liveHeap()
				b.ReportMetric(float64(after-before)/n, "bytes/tx")
				runtime.KeepAlive(l)
			}
		})
	}
}

func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkPostWithMetadata: the shape of a points award: three postings (the award and two
// cap accounts) and eleven metadata entries.
func BenchmarkPostWithMetadata(b *testing.B) {
	l, ctx := newBenchLedger(b)
	md := map[string]string{
		"kind": "award", "demand": "0190c3f2-7d1e-7000-8000-000000000001", "provider": "0190c3f2-7d1e-7000-8000-000000000002",
		"community": "c01", "category": "repair", "hours": "2.5", "demand_kind": "wish", "audit": "approved",
		"auditor": "staff-7", "day": "2026-05-01", "month": "2026-05",
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		t := ledger.Transaction{IdempotencyKey: benchKey(i), Metadata: md, Memo: "award", Postings: []ledger.Posting{
			benchPosting(i), benchPosting(i + 1), benchPosting(i + 2),
		}}
		if _, err := l.Post(ctx, t); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "tx/s")
}

// BenchmarkVerify: Verify over a district-sized memstore ledger, 1,000,000 accounts that each
// received one posting. Verify reads a page per store view, so this is also about how long
// writers can be kept waiting: one page at a time, never the whole run.
func BenchmarkVerify(b *testing.B) {
	const accounts = 1_000_000
	l, ctx := newPTSLedger(b, "issuer")
	batch := make([]ledger.Transaction, 0, 1000)
	for i := 0; i < accounts; i++ {
		id := ledger.AccountID(fmt.Sprintf("res:r%07d:pts", i))
		if err := l.OpenAccount(ctx, ledger.Account{ID: id, Asset: "PTS"}); err != nil {
			b.Fatal(err)
		}
		batch = append(batch, ledger.Transaction{Postings: []ledger.Posting{{From: "issuer", To: id, Amount: benchAmount, Asset: "PTS"}}})
		if len(batch) == cap(batch) {
			if _, err := l.PostBatch(ctx, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	b.ResetTimer()
	for b.Loop() {
		if err := l.Verify(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/verify")
}
