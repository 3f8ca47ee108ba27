package matching_test

import (
	"cmp"
	"context"
	"errors"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/tongxin/tongxin/matching"
)

// TestGreedyMemoryH72: Greedy needs its edge order and a counter per vertex, not Solve's
// residual graph (potentials, distances, marks, slots: about 35 bytes per edge). On a
// district of 260,000 edges it must allocate at most 16 bytes per edge (12 now: the order and
// the duplicate check), 16 per vertex, and its result.
func TestGreedyMemoryH72(t *testing.T) {
	p := instance(13_000, 26_000, 20, 7)
	if _, err := matching.Greedy(p); err != nil { // warm up
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	g, err := matching.Greedy(p)
	runtime.ReadMemStats(&after)
	noError(t, err)
	allocated := after.TotalAlloc - before.TotalAlloc
	limit := uint64(16*len(p.Edges) + 16*(len(p.LeftCap)+len(p.RightCap)) + 24*len(g.Edges) + 1<<16)
	t.Logf("%d bytes for %d edges, limit %d", allocated, len(p.Edges), limit)
	if allocated > limit {
		t.Fatalf("Greedy allocated %d bytes for %d edges (%.1f per edge), limit %d", allocated, len(p.Edges),
			float64(allocated)/float64(len(p.Edges)), limit)
	}
}

// TestGreedyRejectsLikeSolveH72: Greedy checks its input as Solve does, to the same error
// text, on random small problems full of malformed fields and duplicate pairs.
func TestGreedyRejectsLikeSolveH72(t *testing.T) {
	n := 20000
	if testing.Short() {
		n = 2000
	}
	rejected, duplicates := 0, 0
	for seed := range uint64(n) {
		rng := rand.New(rand.NewPCG(seed, 72))
		p := malformedProblemH72(rng)
		_, err := matching.Solve(context.Background(), p)
		_, gerr := matching.Greedy(p)
		if (err == nil) != (gerr == nil) || (err != nil && err.Error() != gerr.Error()) {
			t.Fatalf("seed %d: Solve: %v; Greedy: %v", seed, err, gerr)
		}
		if gerr != nil {
			rejected++
			if strings.Contains(gerr.Error(), "both join") {
				duplicates++
			}
			if !errors.Is(gerr, matching.ErrInvalidProblem) {
				t.Fatalf("seed %d: %v does not wrap ErrInvalidProblem", seed, gerr)
			}
		}
	}
	if rejected < n/10 || rejected > n*9/10 || duplicates < n/20 {
		t.Fatalf("%d of %d problems rejected, %d for a duplicate pair: the generator misses a case", rejected, n, duplicates)
	}
	t.Logf("%d of %d problems rejected, %d for a duplicate pair", rejected, n, duplicates)
}

// malformedProblemH72 is a small problem whose fields are now and then out of range and
// whose edges often join the same pair twice.
func malformedProblemH72(rng *rand.Rand) matching.Problem {
	odd := func() bool { return rng.IntN(60) == 0 }
	var p matching.Problem
	for range rng.IntN(6) {
		c := rng.IntN(3)
		if odd() {
			c = []int{-1, matching.CapacityMax + 1}[rng.IntN(2)]
		}
		p.LeftCap = append(p.LeftCap, c)
	}
	for range rng.IntN(6) {
		c := rng.IntN(3)
		if odd() {
			c = []int{-1, matching.CapacityMax + 1}[rng.IntN(2)]
		}
		p.RightCap = append(p.RightCap, c)
	}
	if rng.IntN(4) == 0 {
		p.RightLoadCost = make([]int64, max(0, len(p.RightCap)+rng.IntN(2)*(rng.IntN(3)-1)))
		for j := range p.RightLoadCost {
			p.RightLoadCost[j] = rng.Int64N(5)
			if odd() {
				p.RightLoadCost[j] = []int64{-1, matching.ScoreMax + 1}[rng.IntN(2)]
			}
		}
	}
	for range rng.IntN(12) {
		ed := matching.Edge{Left: rng.IntN(len(p.LeftCap) + 1), Right: rng.IntN(len(p.RightCap) + 1), Score: 1 + rng.Int64N(9)}
		if ed.Left == len(p.LeftCap) && !odd() {
			ed.Left = 0
		}
		if ed.Right == len(p.RightCap) && !odd() {
			ed.Right = 0
		}
		if odd() {
			ed.Left = -1
		}
		if odd() {
			ed.Score = []int64{0, -1, matching.ScoreMax + 1}[rng.IntN(3)]
		}
		p.Edges = append(p.Edges, ed)
	}
	return p
}

// greedyByRuleH72 is Greedy as it was written before it packed its sort keys: edge indices
// sorted by descending score, then ascending index.
func greedyByRuleH72(p matching.Problem) matching.Solution {
	order := make([]int32, len(p.Edges))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		if c := cmp.Compare(p.Edges[b].Score, p.Edges[a].Score); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	left, right := make([]int, len(p.LeftCap)), make([]int, len(p.RightCap))
	s := matching.Solution{Edges: []int{}}
	for _, i := range order {
		e := p.Edges[i]
		var cost int64
		if p.RightLoadCost != nil {
			cost = int64(right[e.Right]) * p.RightLoadCost[e.Right]
		}
		if left[e.Left] < p.LeftCap[e.Left] && right[e.Right] < p.RightCap[e.Right] && e.Score > cost {
			left[e.Left]++
			right[e.Right]++
			s.Edges = append(s.Edges, int(i))
			s.Score += e.Score - cost
		}
	}
	slices.Sort(s.Edges)
	return s
}

// TestGreedySameAsBeforeH72 compares Greedy with the rule on districts full of ties (scores
// 1..1000 over thousands of edges), edges in shuffled order, with and without load costs,
// and with scores at ScoreMax and 1.
func TestGreedySameAsBeforeH72(t *testing.T) {
	for seed := range uint64(40) {
		rng := rand.New(rand.NewPCG(seed, 73))
		p := instance(200+rng.IntN(2000), 100+rng.IntN(2000), 1+rng.IntN(20), seed)
		rng.Shuffle(len(p.Edges), func(i, j int) { p.Edges[i], p.Edges[j] = p.Edges[j], p.Edges[i] })
		switch seed % 4 {
		case 1:
			p.RightLoadCost = make([]int64, len(p.RightCap))
			for j := range p.RightLoadCost {
				p.RightLoadCost[j] = rng.Int64N(400)
			}
		case 2:
			for i := range p.Edges {
				if rng.IntN(3) == 0 {
					p.Edges[i].Score = []int64{1, matching.ScoreMax}[rng.IntN(2)]
				}
			}
		}
		got, err := matching.Greedy(p)
		noError(t, err)
		equal(t, greedyByRuleH72(p), got, "greedy against the rule")
	}
}
