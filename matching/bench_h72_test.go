package matching_test

import (
	"context"
	"fmt"
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
