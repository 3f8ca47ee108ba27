package matching_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/tongxin/tongxin/matching"
)

// bruteForce enumerates every subset of edges (len(p.Edges) <= 16) and returns the best
// feasible total score.
func bruteForce(p matching.Problem) int64 {
	var best int64
	n := len(p.Edges)
	left := make([]int, len(p.LeftCap))
	right := make([]int, len(p.RightCap))
	for mask := 0; mask < 1<<n; mask++ {
		clear(left)
		clear(right)
		var score int64
		ok := true
		for i, e := range p.Edges {
			if mask&(1<<i) == 0 {
				continue
			}
			left[e.Left]++
			right[e.Right]++
			if left[e.Left] > p.LeftCap[e.Left] || right[e.Right] > p.RightCap[e.Right] {
				ok = false
				break
			}
			score += e.Score
		}
		for r, used := range right {
			score -= loadCost(p, r, used)
		}
		if ok && score > best {
			best = score
		}
	}
	return best
}

// referenceScore is a plain min-cost flow: source → left (capacity LeftCap, cost 0) → right
// (capacity 1, cost -Score) → sink (capacity RightCap, cost 0), augmenting one unit at a
// time along a Bellman-Ford shortest path while that path has negative cost.
func referenceScore(p matching.Problem) int64 {
	type arc struct {
		to, cap int
		cost    int64
	}
	nL, nR := len(p.LeftCap), len(p.RightCap)
	source, sink := nL+nR, nL+nR+1
	n := nL + nR + 2
	var arcs []arc
	adj := make([][]int, n)
	add := func(from, to, capacity int, cost int64) {
		adj[from] = append(adj[from], len(arcs))
		arcs = append(arcs, arc{to, capacity, cost})
		adj[to] = append(adj[to], len(arcs))
		arcs = append(arcs, arc{from, 0, -cost})
	}
	for l, c := range p.LeftCap {
		add(source, l, c, 0)
	}
	for r, c := range p.RightCap {
		// One arc per unit: the k-th unit costs k times the load cost.
		for k := range c {
			var step int64
			if p.RightLoadCost != nil {
				step = p.RightLoadCost[r]
			}
			add(nL+r, sink, 1, int64(k)*step)
		}
	}
	for _, e := range p.Edges {
		add(e.Left, nL+e.Right, 1, -e.Score)
	}
	var total int64
	const inf = int64(1) << 62
	dist := make([]int64, n)
	via := make([]int, n)
	for {
		for i := range dist {
			dist[i] = inf
			via[i] = -1
		}
		dist[source] = 0
		for changed := true; changed; {
			changed = false
			for u := range n {
				if dist[u] == inf {
					continue
				}
				for _, a := range adj[u] {
					if arcs[a].cap > 0 && dist[u]+arcs[a].cost < dist[arcs[a].to] {
						dist[arcs[a].to] = dist[u] + arcs[a].cost
						via[arcs[a].to] = a
						changed = true
					}
				}
			}
		}
		if dist[sink] >= 0 {
			return total
		}
		total -= dist[sink]
		for v := sink; v != source; v = arcs[via[v]^1].to {
			arcs[via[v]].cap--
			arcs[via[v]^1].cap++
		}
	}
}

// testingT is what the helpers need from *testing.T, *testing.B and *rapid.T.
type testingT interface {
	Helper()
	Fatalf(format string, args ...any)
}

// checkFeasible fails t unless s is a valid solution of p with a consistent score.
func checkFeasible(t testingT, p matching.Problem, s matching.Solution) {
	t.Helper()
	if !slices.IsSorted(s.Edges) {
		t.Fatalf("edges not ascending: %v", s.Edges)
	}
	left := make([]int, len(p.LeftCap))
	right := make([]int, len(p.RightCap))
	var score int64
	for i, idx := range s.Edges {
		if idx < 0 || idx >= len(p.Edges) {
			t.Fatalf("edge index %d out of range", idx)
		}
		if i > 0 && s.Edges[i-1] == idx {
			t.Fatalf("edge %d chosen twice", idx)
		}
		e := p.Edges[idx]
		left[e.Left]++
		right[e.Right]++
		score += e.Score
	}
	for l, c := range p.LeftCap {
		if left[l] > c {
			t.Fatalf("left %d in %d edges, capacity %d", l, left[l], c)
		}
	}
	for r, c := range p.RightCap {
		if right[r] > c {
			t.Fatalf("right %d in %d edges, capacity %d", r, right[r], c)
		}
	}
	for r, used := range right {
		score -= loadCost(p, r, used)
	}
	if score != s.Score {
		t.Fatalf("reported score %d, chosen edges sum to %d", s.Score, score)
	}
}

// loadCost is what used units at right vertex r cost: 0 + 1 + ... + (used-1) steps.
func loadCost(p matching.Problem, r, used int) int64 {
	if p.RightLoadCost == nil || used == 0 {
		return 0
	}
	return p.RightLoadCost[r] * int64(used) * int64(used-1) / 2
}

// noError fails t when err is not nil.
func noError(t testingT, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

// errorIs fails t unless errors.Is(err, target).
func errorIs(t testingT, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error %v, want %v", err, target)
	}
}

// equal fails t unless got and want are deeply equal.
func equal[T any](t testingT, want, got T, what string) {
	t.Helper()
	if !reflect.DeepEqual(want, got) {
		t.Fatalf("%s: got %v, want %v", what, got, want)
	}
}

// problemGen draws a valid problem with at most maxLeft x maxRight vertices and maxEdges
// edges, capacities in 0..maxCap, scores in 1..maxScore, no duplicate pairs. Everything comes
// from a generator seeded by rapid: rapid's own draws stay too small to find subtle bugs.
func problemGen(maxLeft, maxRight, maxEdges, maxCap int, maxScore int64) *rapid.Generator[matching.Problem] {
	return rapid.Custom(func(t *rapid.T) matching.Problem {
		seed := rapid.Uint64().Draw(t, "seed")
		rng := rand.New(rand.NewPCG(seed, 1))
		nL, nR := rng.IntN(maxLeft+1), rng.IntN(maxRight+1)
		p := matching.Problem{LeftCap: make([]int, nL), RightCap: make([]int, nR)}
		for i := range p.LeftCap {
			p.LeftCap[i] = rng.IntN(maxCap + 1)
		}
		for j := range p.RightCap {
			p.RightCap[j] = rng.IntN(maxCap + 1)
		}
		if rng.IntN(3) == 0 {
			p.RightLoadCost = make([]int64, nR)
			for j := range p.RightLoadCost {
				p.RightLoadCost[j] = rng.Int64N(maxScore/2 + 1)
			}
		}
		if nL == 0 || nR == 0 {
			return p
		}
		numEdges := rng.IntN(min(maxEdges, nL*nR) + 1)
		for _, pair := range rng.Perm(nL * nR)[:numEdges] {
			p.Edges = append(p.Edges, matching.Edge{
				Left:  pair / nR,
				Right: pair % nR,
				Score: 1 + rng.Int64N(maxScore),
			})
		}
		return p
	})
}

func TestSolveMatchesBruteForce(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := problemGen(4, 4, 8, 3, 20).Draw(t, "problem")
		s, err := matching.Solve(context.Background(), p)
		noError(t, err)
		checkFeasible(t, p, s)
		equal(t, bruteForce(p), s.Score, "score against brute force")
	})
}

func TestSolveMatchesReferenceFlow(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := problemGen(25, 25, 150, 4, 1000).Draw(t, "problem")
		s, err := matching.Solve(context.Background(), p)
		noError(t, err)
		checkFeasible(t, p, s)
		equal(t, referenceScore(p), s.Score, "score against reference flow")
	})
}

// Many equal scores make ties everywhere: the answer must still be optimal and repeatable.
func TestSolveTiesDeterministic(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := problemGen(15, 15, 80, 3, 3).Draw(t, "problem")
		first, err := matching.Solve(context.Background(), p)
		noError(t, err)
		checkFeasible(t, p, first)
		equal(t, referenceScore(p), first.Score, "score against reference flow")
		for range 3 {
			again, err := matching.Solve(context.Background(), p)
			noError(t, err)
			equal(t, first, again, "second solve")
		}
	})
}

func TestSolveDoesNotModifyInput(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := problemGen(10, 10, 40, 3, 100).Draw(t, "problem")
		saved := matching.Problem{
			LeftCap:  slices.Clone(p.LeftCap),
			RightCap: slices.Clone(p.RightCap),
			Edges:    slices.Clone(p.Edges),
		}
		saved.RightLoadCost = slices.Clone(p.RightLoadCost)
		_, err := matching.Solve(context.Background(), p)
		noError(t, err)
		equal(t, saved, p, "problem after solve")
	})
}

func TestSolveSmallCases(t *testing.T) {
	tests := []struct {
		name  string
		p     matching.Problem
		edges []int
		score int64
	}{
		{name: "empty", p: matching.Problem{}, edges: []int{}, score: 0},
		{
			name:  "vertices without edges",
			p:     matching.Problem{LeftCap: []int{1, 2}, RightCap: []int{3}},
			edges: []int{}, score: 0,
		},
		{
			name: "single edge",
			p: matching.Problem{LeftCap: []int{1}, RightCap: []int{1},
				Edges: []matching.Edge{{0, 0, 5}}},
			edges: []int{0}, score: 5,
		},
		{
			name: "zero capacity blocks",
			p: matching.Problem{LeftCap: []int{0}, RightCap: []int{1},
				Edges: []matching.Edge{{0, 0, 5}}},
			edges: []int{}, score: 0,
		},
		{
			// Greedy would take the 10 and stop at 10; the optimum takes both 9s.
			name: "greedy trap",
			p: matching.Problem{LeftCap: []int{1, 1}, RightCap: []int{1, 1},
				Edges: []matching.Edge{{0, 0, 10}, {0, 1, 9}, {1, 0, 9}}},
			edges: []int{1, 2}, score: 18,
		},
		{
			// Maximum weight, not maximum cardinality: one edge of 10 beats two of 4.
			name: "weight over cardinality",
			p: matching.Problem{LeftCap: []int{1, 1}, RightCap: []int{1, 1},
				Edges: []matching.Edge{{0, 0, 10}, {0, 1, 4}, {1, 0, 4}}},
			edges: []int{0}, score: 10,
		},
		{
			name: "headcount and capacity",
			p: matching.Problem{LeftCap: []int{2, 1}, RightCap: []int{1, 2},
				Edges: []matching.Edge{{0, 0, 3}, {0, 1, 3}, {1, 1, 3}}},
			edges: []int{0, 1, 2}, score: 9,
		},
		{
			// The second demand at provider 0 would cost 6 in load: provider 1 is better.
			name: "load cost spreads work",
			p: matching.Problem{LeftCap: []int{1, 1}, RightCap: []int{2, 1},
				Edges:         []matching.Edge{{0, 0, 10}, {1, 0, 10}, {1, 1, 5}},
				RightLoadCost: []int64{6, 0}},
			edges: []int{0, 2}, score: 15,
		},
		{
			name: "capacity above degree",
			p: matching.Problem{LeftCap: []int{100}, RightCap: []int{100, 100},
				Edges: []matching.Edge{{0, 1, 7}, {0, 0, 2}}},
			edges: []int{0, 1}, score: 9,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := matching.Solve(context.Background(), tt.p)
			noError(t, err)
			checkFeasible(t, tt.p, s)
			equal(t, tt.score, s.Score, "score")
			equal(t, tt.edges, append([]int{}, s.Edges...), "edges")
		})
	}
}

func TestSolveInvalid(t *testing.T) {
	ok := func() matching.Problem {
		return matching.Problem{
			LeftCap: []int{1, 1}, RightCap: []int{1, 1},
			Edges: []matching.Edge{{0, 0, 1}, {1, 1, 2}},
		}
	}
	tests := []struct {
		name   string
		mutate func(p *matching.Problem)
	}{
		{"negative left capacity", func(p *matching.Problem) { p.LeftCap[1] = -1 }},
		{"negative right capacity", func(p *matching.Problem) { p.RightCap[0] = -1 }},
		{"left capacity over limit", func(p *matching.Problem) { p.LeftCap[0] = matching.CapacityMax + 1 }},
		{"right capacity over limit", func(p *matching.Problem) { p.RightCap[1] = matching.CapacityMax + 1 }},
		{"left index negative", func(p *matching.Problem) { p.Edges[0].Left = -1 }},
		{"left index too large", func(p *matching.Problem) { p.Edges[1].Left = 2 }},
		{"right index negative", func(p *matching.Problem) { p.Edges[0].Right = -1 }},
		{"right index too large", func(p *matching.Problem) { p.Edges[1].Right = 2 }},
		{"zero score", func(p *matching.Problem) { p.Edges[0].Score = 0 }},
		{"negative score", func(p *matching.Problem) { p.Edges[1].Score = -5 }},
		{"score over limit", func(p *matching.Problem) { p.Edges[1].Score = matching.ScoreMax + 1 }},
		{"load cost negative", func(p *matching.Problem) { p.RightLoadCost = []int64{0, -1} }},
		{"load cost over limit", func(p *matching.Problem) { p.RightLoadCost = []int64{matching.ScoreMax + 1, 0} }},
		{"load costs too few", func(p *matching.Problem) { p.RightLoadCost = []int64{1} }},
		{"duplicate edge", func(p *matching.Problem) {
			p.Edges = append(p.Edges, matching.Edge{Left: 1, Right: 1, Score: 9})
		}},
		{"duplicate edge not adjacent", func(p *matching.Problem) {
			p.Edges = append(p.Edges, matching.Edge{0, 1, 1}, matching.Edge{1, 0, 1}, matching.Edge{0, 0, 4})
		}},
		{"edges without vertices", func(p *matching.Problem) { p.LeftCap, p.RightCap = nil, nil }},
		{"too many left vertices", func(p *matching.Problem) {
			p.LeftCap = make([]int, matching.VerticesMax+1)
		}},
		{"too many right vertices", func(p *matching.Problem) {
			p.RightCap = make([]int, matching.VerticesMax+1)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := ok()
			tt.mutate(&p)
			_, err := matching.Solve(context.Background(), p)
			errorIs(t, err, matching.ErrInvalidProblem)
			_, err = matching.NewSolver(context.Background(), p)
			errorIs(t, err, matching.ErrInvalidProblem)
			_, err = matching.Greedy(p)
			errorIs(t, err, matching.ErrInvalidProblem)
		})
	}
	t.Run("valid base", func(t *testing.T) {
		_, err := matching.Solve(context.Background(), ok())
		noError(t, err)
	})
}

// The edge limit needs a 200 MB slice to test, so it does not run with -short.
func TestSolveTooManyEdges(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates 200 MB")
	}
	p := matching.Problem{LeftCap: []int{1}, RightCap: []int{1}, Edges: make([]matching.Edge, matching.EdgesMax+1)}
	_, err := matching.Solve(context.Background(), p)
	errorIs(t, err, matching.ErrInvalidProblem)
	_, err = matching.Greedy(p)
	errorIs(t, err, matching.ErrInvalidProblem)
}

func TestSolveCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p := instance(200, 400, 10, 1)
	_, err := matching.Solve(ctx, p)
	errorIs(t, err, context.Canceled)

	// Cancelled while running: a context that reports cancellation after a few looks.
	_, err = matching.Solve(&countdownContext{Context: context.Background(), left: 3}, p)
	errorIs(t, err, context.Canceled)
}

// countdownContext reports context.Canceled from the (left+1)-th call to Err on.
type countdownContext struct {
	context.Context
	left int
}

func (c *countdownContext) Err() error {
	if c.left <= 0 {
		return context.Canceled
	}
	c.left--
	return nil
}

func TestSolveNilContext(t *testing.T) {
	//nolint:staticcheck // a nil context must not panic either
	s, err := matching.Solve(nil, matching.Problem{LeftCap: []int{1}, RightCap: []int{1},
		Edges: []matching.Edge{{0, 0, 3}}})
	noError(t, err)
	equal(t, int64(3), s.Score, "score")
}

func TestSolveInstanceAgainstReference(t *testing.T) {
	p := instance(120, 60, 8, 7)
	s, err := matching.Solve(context.Background(), p)
	noError(t, err)
	checkFeasible(t, p, s)
	equal(t, referenceScore(p), s.Score, "score against reference flow")
}

func TestErrorsAreDistinct(t *testing.T) {
	_, err := matching.Solve(context.Background(), matching.Problem{LeftCap: []int{-1}})
	errorIs(t, err, matching.ErrInvalidProblem)
	if errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "left 0") {
		t.Fatalf("error %q: want the invalid problem naming left 0", err)
	}
}
