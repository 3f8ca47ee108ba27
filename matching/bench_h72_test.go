package matching_test

import (
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
