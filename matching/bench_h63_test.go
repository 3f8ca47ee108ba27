package matching_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/tongxin/tongxin/matching"
)

// starH63 is one left vertex whose capacity equals its degree, joined to degree right
// vertices of capacity 1 by scores 1..1000 (many ties).
func starH63(degree int) matching.Problem {
	rng := rand.New(rand.NewPCG(uint64(degree), 63))
	p := matching.Problem{LeftCap: []int{degree}, RightCap: make([]int, degree)}
	for r := range degree {
		p.RightCap[r] = 1
		p.Edges = append(p.Edges, matching.Edge{Left: 0, Right: r, Score: 1 + rng.Int64N(1000)})
	}
	return p
}

// hubH63 is a hub right vertex 0 of capacity 0 joined to degree left vertices of capacity 1;
// half of them also have a private right vertex of capacity 1 and a lower score, so raising
// the hub's capacity by degree moves some of them and matches the others.
func hubH63(degree int) matching.Problem {
	rng := rand.New(rand.NewPCG(uint64(degree), 64))
	p := matching.Problem{LeftCap: make([]int, degree), RightCap: []int{0}}
	for l := range degree {
		p.LeftCap[l] = 1
		p.Edges = append(p.Edges, matching.Edge{Left: l, Right: 0, Score: 500 + rng.Int64N(500)})
		if l%2 == 0 {
			p.RightCap = append(p.RightCap, 1)
			p.Edges = append(p.Edges, matching.Edge{Left: l, Right: len(p.RightCap) - 1, Score: 1 + rng.Int64N(1000)})
		}
	}
	return p
}

// BenchmarkHighDegreeH63 shows how one high-capacity, high-degree vertex scales: Solve of a
// star (one left vertex, capacity = degree) and Solver.AddRightCapacity of a hub right
// vertex by its degree. ms/solve should grow about linearly with the degree.
func BenchmarkHighDegreeH63(b *testing.B) {
	for _, degree := range []int{4096, 16384, 65536} {
		b.Run(fmt.Sprintf("star-solve/deg=%d", degree), func(b *testing.B) {
			p := starH63(degree)
			benchSolveH63(b, p)
		})
		b.Run(fmt.Sprintf("hub-add-right-capacity/deg=%d", degree), func(b *testing.B) {
			p := hubH63(degree)
			var total time.Duration
			var c matching.Change
			for b.Loop() {
				b.StopTimer()
				solver, err := matching.NewSolver(context.Background(), p)
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				start := time.Now()
				if c, err = solver.AddRightCapacity(0, degree); err != nil {
					b.Fatal(err)
				}
				total += time.Since(start)
			}
			b.ReportMetric(float64(total.Nanoseconds())/1e6/float64(b.N), "ms/solve")
			b.ReportMetric(float64(len(c.Added)), "added")
		})
	}
}

// benchSolveH63 solves p once per iteration and reports ms per solve and the edges matched.
func benchSolveH63(b *testing.B, p matching.Problem) {
	b.Helper()
	var s matching.Solution
	for b.Loop() {
		var err error
		if s, err = matching.Solve(context.Background(), p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/1e6/float64(b.N), "ms/solve")
	b.ReportMetric(float64(len(s.Edges)), "matched")
}
