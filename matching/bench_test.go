package matching_test

import (
	"context"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/tongxin/tongxin/matching"
)

// instance builds a deterministic district-like problem: numLeft demands and numRight
// providers laid out on one line (an index space standing for the map), each demand joined
// to about degree providers chosen among the 2*degree+1 nearest to it; nearer providers tend
// to score higher (scores 1..1000). 10% of demands need two providers (headcount 2);
// providers take 1 to 3 demands.
func instance(numLeft, numRight, degree int, seed uint64) matching.Problem {
	rng := rand.New(rand.NewPCG(seed, 0x7a6e78696e))
	p := matching.Problem{
		LeftCap:  make([]int, numLeft),
		RightCap: make([]int, numRight),
		Edges:    make([]matching.Edge, 0, numLeft*degree),
	}
	for i := range p.LeftCap {
		p.LeftCap[i] = 1
		if rng.IntN(10) == 0 {
			p.LeftCap[i] = 2
		}
	}
	for j := range p.RightCap {
		p.RightCap[j] = 1 + rng.IntN(3)
	}
	if numRight == 0 {
		return p
	}
	window := make([]int, 0, 2*degree+1)
	for i := range numLeft {
		center := int(int64(i) * int64(numRight) / int64(numLeft))
		window = window[:0]
		for j := max(0, center-degree); j <= min(numRight-1, center+degree); j++ {
			window = append(window, j)
		}
		take := min(degree, len(window))
		for k := range take {
			m := k + rng.IntN(len(window)-k)
			window[k], window[m] = window[m], window[k]
		}
		chosen := window[:take]
		slices.Sort(chosen)
		for _, j := range chosen {
			distance := j - center
			if distance < 0 {
				distance = -distance
			}
			top := max(1000-20*distance, 50)
			p.Edges = append(p.Edges, matching.Edge{Left: i, Right: j, Score: 1 + rng.Int64N(int64(top))})
		}
	}
	return p
}

type benchCase struct {
	name                      string
	numLeft, numRight, degree int
}

var benchCases = []benchCase{
	{"district_10k_x_20k", 10_000, 20_000, 20},
	{"scarce_10k_x_5k", 10_000, 5_000, 19},
	{"province_100k_x_200k", 100_000, 200_000, 20},
}

func BenchmarkSolve(b *testing.B) {
	for _, bc := range benchCases {
		b.Run(bc.name, func(b *testing.B) {
			p := instance(bc.numLeft, bc.numRight, bc.degree, 1)
			b.ReportAllocs()
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			var s matching.Solution
			for b.Loop() {
				var err error
				s, err = matching.Solve(context.Background(), p)
				if err != nil {
					b.Fatal(err)
				}
			}
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/1e6/float64(b.N), "ms/solve")
			b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/(1<<20), "MB-alloc/solve")
			b.ReportMetric(float64(len(p.Edges)), "edges")
			b.ReportMetric(float64(len(s.Edges)), "matched")
		})
	}
}

// BenchmarkGreedyQuality runs the greedy baseline on each instance and reports its total
// score and its matched count as percentages of the optimum's.
func BenchmarkGreedyQuality(b *testing.B) {
	for _, bc := range benchCases {
		b.Run(bc.name, func(b *testing.B) {
			p := instance(bc.numLeft, bc.numRight, bc.degree, 1)
			best, err := matching.Solve(context.Background(), p)
			if err != nil {
				b.Fatal(err)
			}
			var g matching.Solution
			for b.Loop() {
				g, err = matching.Greedy(p)
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/1e6/float64(b.N), "ms/greedy")
			b.ReportMetric(100*float64(g.Score)/float64(best.Score), "greedy-score-%")
			b.ReportMetric(100*float64(len(g.Edges))/float64(len(best.Edges)), "greedy-served-%")
		})
	}
}

// BenchmarkSolverAddLeft inserts one new demand into a solved district and reports the
// 99th percentile latency of an insertion.
func BenchmarkSolverAddLeft(b *testing.B) {
	const numLeft, numRight, degree = 10_000, 20_000, 20
	full := instance(numLeft+4096, numRight, degree, 1)
	base := matching.Problem{LeftCap: full.LeftCap[:numLeft], RightCap: full.RightCap}
	split := 0
	for split < len(full.Edges) && full.Edges[split].Left < numLeft {
		split++
	}
	base.Edges = full.Edges[:split]
	// Edges of the later demands, grouped by demand.
	var extra [][]matching.Edge
	for _, e := range full.Edges[split:] {
		k := e.Left - numLeft
		for len(extra) <= k {
			extra = append(extra, nil)
		}
		extra[k] = append(extra[k], e)
	}
	var solver *matching.Solver
	next := 0
	reset := func() {
		var err error
		solver, err = matching.NewSolver(context.Background(), base)
		if err != nil {
			b.Fatal(err)
		}
		next = 0
	}
	reset()
	latencies := make([]time.Duration, 0, 1<<16)
	for b.Loop() {
		if next == len(extra) {
			b.StopTimer()
			reset()
			b.StartTimer()
		}
		edges := make([]matching.Edge, len(extra[next]))
		for i, e := range extra[next] {
			e.Left = solver.NumLeft()
			edges[i] = e
		}
		start := time.Now()
		if _, err := solver.AddLeft(full.LeftCap[numLeft+next], edges); err != nil {
			b.Fatal(err)
		}
		latencies = append(latencies, time.Since(start))
		next++
	}
	slices.Sort(latencies)
	p99 := latencies[len(latencies)*99/100]
	b.ReportMetric(float64(p99.Nanoseconds())/1e6, "ms-p99/insert")
	b.ReportMetric(float64(latencies[len(latencies)/2].Nanoseconds())/1e6, "ms-p50/insert")
}
