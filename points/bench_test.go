package points_test

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/memstore"
	"github.com/tongxin/tongxin/points"
)

// BenchmarkAward measures Award on memstore: pricing an audited completion, the cap accounts
// of a day and a month, the debt check and the posting, for 10,000 providers in turn.
func BenchmarkAward(b *testing.B) {
	ctx := context.Background()
	l, err := ledger.New(ctx, memstore.New())
	require.NoError(b, err)
	s := testScheme()
	s.DailyCap, s.MonthlyCap = dec("1000000"), dec("1000000000")
	inc, err := points.New(ctx, l, s)
	require.NoError(b, err)
	const providers = 10_000
	cs := make([]points.Completion, providers)
	at := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	for i := range cs {
		p := catalog.Provider{ID: uuid.New(), Kind: catalog.Volunteer, PersonID: fmt.Sprint("v", i)}
		d := catalog.Demand{ID: uuid.New(), Kind: catalog.Wish, Category: "haircut", Title: "上门理发",
			Requester: catalog.RequesterRef{ID: "r"}, Status: catalog.StatusAudited}
		cs[i] = points.Completion{Demand: d, Provider: p, Audits: []catalog.Audit{{DemandID: d.ID, ProviderID: p.ID, Approved: true, Hours: dec("2"), Auditor: "li", At: at}}}
	}
	n := 0
	cpu := cpuSeconds()
	for b.Loop() {
		c := cs[n%providers]
		c.Demand.ID = uuid.New() // a new demand each time: every award posts
		c.Audits = []catalog.Audit{c.Audits[0]}
		c.Audits[0].DemandID = c.Demand.ID
		if _, err := inc.Award(ctx, c); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "awards/s")
	if used := cpuSeconds() - cpu; used > 0 {
		// Awards per CPU second of the process (GC included): steadier than wall time on a
		// machine shared with other programs.
		b.ReportMetric(float64(b.N)/used, "awards/cpu-s")
	}
}

// BenchmarkAwardParallel measures Award from GOMAXPROCS goroutines at once, each a new
// demand of one of 10,000 providers: the throughput of one process using every core.
func BenchmarkAwardParallel(b *testing.B) {
	ctx := context.Background()
	l, err := ledger.New(ctx, memstore.New())
	require.NoError(b, err)
	s := testScheme()
	s.DailyCap, s.MonthlyCap = dec("1000000"), dec("1000000000")
	inc, err := points.New(ctx, l, s)
	require.NoError(b, err)
	const providers = 10_000
	ps := make([]catalog.Provider, providers)
	for i := range ps {
		ps[i] = catalog.Provider{ID: uuid.New(), Kind: catalog.Volunteer, PersonID: fmt.Sprint("v", i)}
	}
	at := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	var next atomic.Int64
	start, cpu := time.Now(), cpuSeconds()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			p := ps[next.Add(1)%providers]
			d := catalog.Demand{ID: uuid.New(), Kind: catalog.Wish, Category: "haircut", Title: "上门理发",
				Requester: catalog.RequesterRef{ID: "r"}, Status: catalog.StatusAudited}
			c := points.Completion{Demand: d, Provider: p, Audits: []catalog.Audit{{DemandID: d.ID, ProviderID: p.ID, Approved: true, Hours: dec("2"), Auditor: "li", At: at}}}
			if _, err := inc.Award(ctx, c); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(next.Load())/time.Since(start).Seconds(), "awards/s")
	if used := cpuSeconds() - cpu; used > 0 {
		b.ReportMetric(float64(next.Load())/used, "awards/cpu-s")
	}
}

// BenchmarkAwardPosting measures the ledger's part of an award alone: a Post of exactly the
// transaction Award posts (postings, memo, metadata), under a new key each time. Award's
// throughput cannot exceed this; the difference between the two is what points spends.
func BenchmarkAwardPosting(b *testing.B) {
	ctx := context.Background()
	l, err := ledger.New(ctx, memstore.New())
	require.NoError(b, err)
	s := testScheme()
	s.DailyCap, s.MonthlyCap = dec("1000000"), dec("1000000000")
	inc, err := points.New(ctx, l, s)
	require.NoError(b, err)
	const providers = 10_000
	txs := make([]ledger.Transaction, providers)
	at := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	for i := range txs {
		p := catalog.Provider{ID: uuid.New(), Kind: catalog.Volunteer, PersonID: fmt.Sprint("v", i)}
		d := catalog.Demand{ID: uuid.New(), Kind: catalog.Wish, Category: "haircut", Title: "上门理发",
			Requester: catalog.RequesterRef{ID: "r"}, Status: catalog.StatusAudited}
		r, err := inc.Award(ctx, points.Completion{Demand: d, Provider: p, Audits: []catalog.Audit{{DemandID: d.ID, ProviderID: p.ID, Approved: true, Hours: dec("2"), Auditor: "li", At: at}}})
		require.NoError(b, err)
		txs[i] = ledger.Transaction{Postings: r.Transaction.Postings, Memo: r.Transaction.Memo, Metadata: r.Transaction.Metadata}
	}
	keys := make([]string, 1<<16)
	for i := range keys {
		keys[i] = points.AwardKey(uuid.New(), uuid.New())
	}
	n := 0
	cpu := cpuSeconds()
	for b.Loop() {
		t := txs[n%providers]
		t.IdempotencyKey = keys[n%len(keys)] + strconv.Itoa(n/len(keys))
		if _, err := l.Post(ctx, t); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "posts/s")
	if used := cpuSeconds() - cpu; used > 0 {
		b.ReportMetric(float64(b.N)/used, "posts/cpu-s")
	}
}

// BenchmarkExpire measures one Expire run over 1,000,000 holder accounts that each received
// points four years ago (all of them expire). The setup builds the data with PostBatch.
func BenchmarkExpire(b *testing.B) {
	if testing.Short() {
		b.Skip("builds 1,000,000 accounts")
	}
	const accounts = 1_000_000
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		clk := newClock()
		l, err := ledger.New(ctx, memstore.New(), ledger.WithClock(clk.Now))
		require.NoError(b, err)
		inc, err := points.New(ctx, l, testScheme())
		require.NoError(b, err)
		long := clk.Now().AddDate(-4, 0, 0)
		batch := make([]ledger.Transaction, 0, ledger.BatchMax)
		for i := range accounts {
			id := inc.HolderAccount(fmt.Sprint("p-", i))
			require.NoError(b, l.OpenAccount(ctx, ledger.Account{ID: id, Asset: "PTS"}))
			batch = append(batch, ledger.Transaction{EffectiveAt: long, Postings: []ledger.Posting{{From: inc.IssuerAccount(), To: id, Amount: decimal.NewFromInt(30), Asset: "PTS"}}})
			if len(batch) == ledger.BatchMax {
				res, err := l.PostBatch(ctx, batch)
				require.NoError(b, err)
				require.NoError(b, res[0].Err)
				batch = batch[:0]
			}
		}
		runtime.GC() // the setup's garbage is not Expire's
		b.StartTimer()
		start, cpu := time.Now(), cpuSeconds()
		rep, err := inc.Expire(ctx, clk.Now())
		require.NoError(b, err)
		b.ReportMetric(time.Since(start).Seconds(), "seconds")
		// CPU time of the process (all threads, GC included): on a shared machine the wall
		// time also counts other programs.
		b.ReportMetric(cpuSeconds()-cpu, "cpu-seconds")
		if rep.Accounts != accounts {
			b.Fatalf("%d accounts expired, want %d", rep.Accounts, accounts)
		}
	}
}
