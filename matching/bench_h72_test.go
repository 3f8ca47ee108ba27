package matching_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/tongxin/tongxin/matching"
)

// BenchmarkGreedyH72 reports the time and memory Greedy takes on each instance.
func BenchmarkGreedyH72(b *testing.B) {
	for _, bc := range benchCases {
		b.Run(bc.name, func(b *testing.B) {
			p := instance(bc.numLeft, bc.numRight, bc.degree, 1)
			b.ReportAllocs()
			var g matching.Solution
			for b.Loop() {
				var err error
				g, err = matching.Greedy(p)
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/1e6/float64(b.N), "ms/greedy")
			b.ReportMetric(float64(len(g.Edges)), "matched")
		})
	}
}

// BenchmarkSolveCPUH72 is BenchmarkSolve measured in process CPU time (cpu-ms/solve), which
// a loaded shared machine disturbs less than wall time.
func BenchmarkSolveCPUH72(b *testing.B) {
	for _, bc := range benchCases {
		b.Run(bc.name, func(b *testing.B) {
			p := instance(bc.numLeft, bc.numRight, bc.degree, 1)
			benchSolveCPUH72(b, p)
		})
	}
}

// BenchmarkHighDegreeLeftMidSearchCPUH72 is BenchmarkHighDegreeLeftMidSearchH67 in process
// CPU time. Run with -benchtime 1x to stay short.
func BenchmarkHighDegreeLeftMidSearchCPUH72(b *testing.B) {
	for _, degree := range []int{4096, 8192, 16384} {
		b.Run(fmt.Sprintf("deg=%d", degree), func(b *testing.B) {
			benchSolveCPUH72(b, highDegreeLeftH67(degree))
		})
	}
}

func benchSolveCPUH72(b *testing.B, p matching.Problem) {
	b.Helper()
	cpuStart, cpuOK := processCPU()
	for b.Loop() {
		if _, err := matching.Solve(context.Background(), p); err != nil {
			b.Fatal(err)
		}
	}
	if cpuEnd, ok := processCPU(); ok && cpuOK {
		b.ReportMetric(float64((cpuEnd-cpuStart).Nanoseconds())/1e6/float64(b.N), "cpu-ms/solve")
	}
}

// districtWithHubsH72 is the district instance with hubs extra left vertices inserted
// first, each of capacity degree/3 joined to degree random providers: the district's
// searches reach them through the providers they hold and settle them mid-search, then go
// on touching the district's providers.
func districtWithHubsH72(hubs, degree int) matching.Problem {
	base := instance(10_000, 20_000, 20, 1)
	rng := rand.New(rand.NewPCG(uint64(hubs), 72))
	p := matching.Problem{RightCap: base.RightCap}
	for h := range hubs {
		p.LeftCap = append(p.LeftCap, degree/3)
		for _, r := range rng.Perm(len(base.RightCap))[:degree] {
			p.Edges = append(p.Edges, matching.Edge{Left: h, Right: r, Score: 1 + rng.Int64N(1000)})
		}
	}
	p.LeftCap = append(p.LeftCap, base.LeftCap...)
	for _, ed := range base.Edges {
		ed.Left += hubs
		p.Edges = append(p.Edges, ed)
	}
	return p
}

// BenchmarkDistrictWithHubsCPUH72: the district with a few high-degree left vertices, in
// process CPU time.
func BenchmarkDistrictWithHubsCPUH72(b *testing.B) {
	for _, sh := range []struct{ hubs, degree int }{{20, 600}, {20, 4000}, {200, 1000}} {
		b.Run(fmt.Sprintf("hubs=%d/deg=%d", sh.hubs, sh.degree), func(b *testing.B) {
			benchSolveCPUH72(b, districtWithHubsH72(sh.hubs, sh.degree))
		})
	}
}
