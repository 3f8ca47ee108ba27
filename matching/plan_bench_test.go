package matching_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/tongxin/tongxin/matching"
)

// BenchmarkPlan plans a district of 10,000 open demands and 20,000 providers end to end:
// index building, candidate generation, scoring, the exact solve and the explanations.
// cpu-ms/plan is the process's CPU time per plan (garbage collection included), steadier
// than ms/plan on a loaded machine.
func BenchmarkPlan(b *testing.B) {
	demands, providers := district(10_000, 20_000, 20, 1)
	b.ReportAllocs()
	var res matching.PlanResult
	cpuStart, cpuOK := processCPU()
	for b.Loop() {
		var err error
		res, err = matching.Plan(context.Background(), demands, providers, matching.Options{})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/1e6/float64(b.N), "ms/plan")
	if cpuEnd, ok := processCPU(); ok && cpuOK {
		b.ReportMetric(float64((cpuEnd-cpuStart).Nanoseconds())/1e6/float64(b.N), "cpu-ms/plan")
	}
	b.ReportMetric(float64(res.Served), "served")
	b.ReportMetric(float64(len(res.Unmatched)), "unmatched")
}

// BenchmarkSuggest reports the 99th percentile latency of SuggestProviders and
// SuggestDemands (k = 10) on the district.
func BenchmarkSuggest(b *testing.B) {
	demands, providers := district(10_000, 20_000, 20, 1)
	m, err := matching.NewMatcher(demands, providers, matching.Options{})
	if err != nil {
		b.Fatal(err)
	}
	latencies := make([]time.Duration, 0, 1<<16)
	n := 0
	cpuStart, cpuOK := processCPU()
	for b.Loop() {
		start := time.Now()
		if n%2 == 0 {
			_, err = m.SuggestProviders(demands[(n/2)%len(demands)].ID, 10)
		} else {
			_, err = m.SuggestDemands(providers[(n/2)%len(providers)].ID, 10)
		}
		if err != nil {
			b.Fatal(err)
		}
		latencies = append(latencies, time.Since(start))
		n++
	}
	cpuEnd, ok := processCPU()
	slices.Sort(latencies)
	if ok && cpuOK {
		b.ReportMetric(float64((cpuEnd-cpuStart).Nanoseconds())/1e3/float64(b.N), "cpu-us/suggest")
	}
	b.ReportMetric(float64(latencies[len(latencies)*99/100].Nanoseconds())/1e6, "ms-p99/suggest")
	b.ReportMetric(float64(latencies[len(latencies)/2].Nanoseconds())/1e6, "ms-p50/suggest")
}
