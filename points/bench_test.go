package points_test

import (
	"context"
	"encoding/binary"
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
	// A new demand each time, so that every award posts. The ids count up from a random
	// prefix and each provider's one audit is updated in place: uuid.New (crypto/rand) and a
	// fresh audits slice were about 130 ns of every op, the harness's cost and not Award's.
	demandID := uuid.New()
	n := 0
	cpu := cpuSeconds()
	for b.Loop() {
		c := cs[n%providers]
		binary.BigEndian.PutUint64(demandID[8:], uint64(n))
		c.Demand.ID = demandID
		c.Audits[0].DemandID = demandID
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

// BenchmarkExpireAll measures the year-end expiry of a district: 66 schemes (communities) on
// one ledger, 1,000 holders each, every holder's points four years old. ExpireAll reads the
// ledger once; "each" runs Expire on every scheme in turn (one read per scheme), for
// comparison.
func BenchmarkExpireAll(b *testing.B) {
	const schemes, holders = 66, 1_000
	ctx := context.Background()
	setup := func(b *testing.B) (*clock, []*points.Incentive) {
		clk := newClock()
		l, err := ledger.New(ctx, memstore.New(), ledger.WithClock(clk.Now))
		require.NoError(b, err)
		long := clk.Now().AddDate(-4, 0, 0)
		incs := make([]*points.Incentive, schemes)
		batch := make([]ledger.Transaction, 0, ledger.BatchMax)
		for s := range incs {
			sc := testScheme()
			sc.Community = fmt.Sprint("c", s)
			incs[s], err = points.New(ctx, l, sc)
			require.NoError(b, err)
			for i := range holders {
				id := incs[s].HolderAccount(fmt.Sprint("p-", i))
				require.NoError(b, l.OpenAccount(ctx, ledger.Account{ID: id, Asset: "PTS"}))
				batch = append(batch, ledger.Transaction{EffectiveAt: long, Postings: []ledger.Posting{{From: incs[s].IssuerAccount(), To: id, Amount: decimal.NewFromInt(30), Asset: "PTS"}}})
				if len(batch) == ledger.BatchMax {
					res, err := l.PostBatch(ctx, batch)
					require.NoError(b, err)
					require.NoError(b, res[0].Err)
					batch = batch[:0]
				}
			}
		}
		res, err := l.PostBatch(ctx, batch)
		require.NoError(b, err)
		require.NoError(b, res[0].Err)
		return clk, incs
	}
	for _, c := range []struct {
		name string
		run  func(asOf time.Time, incs []*points.Incentive) (int, error)
	}{
		{"all", func(asOf time.Time, incs []*points.Incentive) (int, error) {
			reps, err := points.ExpireAll(ctx, asOf, incs...)
			n := 0
			for _, r := range reps {
				n += r.Accounts
			}
			return n, err
		}},
		{"each", func(asOf time.Time, incs []*points.Incentive) (int, error) {
			n := 0
			for _, inc := range incs {
				r, err := inc.Expire(ctx, asOf)
				if err != nil {
					return n, err
				}
				n += r.Accounts
			}
			return n, nil
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			var secs, cpus float64
			for b.Loop() {
				b.StopTimer()
				clk, incs := setup(b)
				runtime.GC() // the setup's garbage is not the expiry's
				b.StartTimer()
				start, cpu := time.Now(), cpuSeconds()
				n, err := c.run(clk.Now(), incs)
				require.NoError(b, err)
				secs += time.Since(start).Seconds()
				cpus += cpuSeconds() - cpu
				if n != schemes*holders {
					b.Fatalf("%d accounts expired, want %d", n, schemes*holders)
				}
			}
			b.ReportMetric(secs/float64(b.N), "seconds")
			b.ReportMetric(cpus/float64(b.N), "cpu-seconds")
		})
	}
}

// BenchmarkRedeem measures Redeem on memstore: a new key each time, one unit of an item in
// stock, from a holder with points to spare (the reads that let a refusal write nothing, the
// units' hold, the points' hold).
func BenchmarkRedeem(b *testing.B) {
	s := testScheme()
	s.DailyCap, s.MonthlyCap = dec("0"), dec("0")
	e := newEnv(b, s)
	p := catalog.Provider{ID: uuid.New(), Kind: catalog.Volunteer, PersonID: "v1"}
	at := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	for i := range 2000 {
		d := catalog.Demand{ID: uuid.New(), Kind: catalog.Wish, Category: "haircut", Title: "上门理发",
			Requester: catalog.RequesterRef{ID: "r"}, Status: catalog.StatusAudited}
		c := points.Completion{Demand: d, Provider: p, Audits: []catalog.Audit{{DemandID: d.ID, ProviderID: p.ID, Approved: true, Hours: dec("2"), Auditor: "li", At: at}}}
		if _, err := e.inc.Award(e.ctx, c); err != nil {
			b.Fatal(i, err)
		}
	}
	sh, err := points.NewShop(e.ctx, e.inc)
	require.NoError(b, err)
	require.NoError(b, sh.AddItem(e.ctx, points.Item{SKU: "soap", Name: "肥皂", Price: dec("0.01")}))
	for k := range 100 {
		require.NoError(b, sh.Restock(e.ctx, "soap", 1_000_000, "n"+strconv.Itoa(k)))
	}
	holder := points.ProviderHolder(p)
	n := 0
	for b.Loop() {
		if _, err := sh.Redeem(e.ctx, "r"+strconv.Itoa(n), holder, "soap", 1); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "redemptions/s")
}
