package matching_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/tongxin/tongxin/matching"
)

// hubRightH67 is one right vertex 0 whose capacity equals its degree, joined to degree left
// vertices of capacity 1 by scores 1..1000 (many ties). With loadCost > 0 each further
// demand at the hub costs that much more, so the later ones displace earlier, weaker ones;
// with private, every other left vertex also has a private right vertex of capacity 1.
func hubRightH67(degree int, loadCost int64, private bool) matching.Problem {
	rng := rand.New(rand.NewPCG(uint64(degree), 67))
	p := matching.Problem{LeftCap: make([]int, degree), RightCap: []int{degree}}
	for l := range degree {
		p.LeftCap[l] = 1
		p.Edges = append(p.Edges, matching.Edge{Left: l, Right: 0, Score: 1 + rng.Int64N(1000)})
		if private && l%2 == 0 {
			p.RightCap = append(p.RightCap, 1)
			p.Edges = append(p.Edges, matching.Edge{Left: l, Right: len(p.RightCap) - 1, Score: 1 + rng.Int64N(1000)})
		}
	}
	if loadCost > 0 {
		p.RightLoadCost = make([]int64, len(p.RightCap))
		p.RightLoadCost[0] = loadCost
	}
	return p
}

// BenchmarkHighDegreeRightH67 shows how Solve scales with one high-degree right vertex
// whose capacity equals its degree: every left vertex's search reaches it. ms/solve should
// grow about linearly (n log n) with the degree. Run with -benchtime 1x to stay short.
func BenchmarkHighDegreeRightH67(b *testing.B) {
	shapes := []struct {
		name     string
		loadCost int64
		private  bool
	}{
		{"plain", 0, false},
		{"private", 0, true},
	}
	for _, sh := range shapes {
		for _, degree := range []int{4096, 16384, 32768} {
			b.Run(fmt.Sprintf("%s/deg=%d", sh.name, degree), func(b *testing.B) {
				p := hubRightH67(degree, sh.loadCost, sh.private)
				benchSolveH63(b, p)
			})
		}
	}
}

// highDegreeLeftH67 is one left vertex of capacity degree/2 joined to degree right vertices
// of capacity 1, and degree/2 left vertices of capacity 1 with one edge each to a random one
// of them: their searches reach the big left vertex through the right vertices it holds,
// in the middle of the search, and settle it.
func highDegreeLeftH67(degree int) matching.Problem {
	rng := rand.New(rand.NewPCG(uint64(degree), 68))
	p := matching.Problem{LeftCap: []int{degree / 2}, RightCap: make([]int, degree)}
	for r := range degree {
		p.RightCap[r] = 1
		p.Edges = append(p.Edges, matching.Edge{Left: 0, Right: r, Score: 1 + rng.Int64N(1000)})
	}
	for range degree / 2 {
		l := len(p.LeftCap)
		p.LeftCap = append(p.LeftCap, 1)
		p.Edges = append(p.Edges, matching.Edge{Left: l, Right: rng.IntN(degree), Score: 1 + rng.Int64N(1000)})
	}
	return p
}

// BenchmarkHighDegreeLeftMidSearchH67 shows how Solve scales with one high-degree left
// vertex settled in the middle of many searches. It grows with the degree squared: each
// search that settles the big left vertex relaxes (pushes) its arc to every free right
// vertex. Streaming those arcs lazily (tried by helper 72, results identical) removes only
// that part, about two thirds of the time: the searches that reach it pop about 1,500
// entries each at degree 16,384, a number that grows with the degree, so the rest stays
// quadratic. Run with -benchtime 1x to stay short.
func BenchmarkHighDegreeLeftMidSearchH67(b *testing.B) {
	for _, degree := range []int{4096, 8192, 16384} {
		b.Run(fmt.Sprintf("deg=%d", degree), func(b *testing.B) {
			p := highDegreeLeftH67(degree)
			benchSolveH63(b, p)
		})
	}
}
