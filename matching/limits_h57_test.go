package matching_test

import (
	"cmp"
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"pgregory.net/rapid"

	"github.com/tongxin/tongxin/matching"
)

// limitGen draws a valid problem whose scores and load costs mix the extremes: near
// ScoreMax, near 1, and anything between, with capacities 0..maxCap (often above the degree),
// isolated vertices and, half of the time, load costs.
func limitGen(maxLeft, maxRight, maxEdges, maxCap int, maxScore, maxLoad int64) *rapid.Generator[matching.Problem] {
	return rapid.Custom(func(t *rapid.T) matching.Problem {
		rng := rand.New(rand.NewPCG(rapid.Uint64().Draw(t, "seed"), 57))
		nL, nR := 1+rng.IntN(maxLeft), 1+rng.IntN(maxRight)
		if rng.IntN(10) == 0 {
			nL, nR = rng.IntN(2)*nL, rng.IntN(2)*nR
		}
		p := matching.Problem{LeftCap: make([]int, nL), RightCap: make([]int, nR)}
		for i := range p.LeftCap {
			p.LeftCap[i] = rng.IntN(maxCap + 1)
		}
		for j := range p.RightCap {
			p.RightCap[j] = rng.IntN(maxCap + 1)
		}
		if rng.IntN(2) == 0 {
			p.RightLoadCost = make([]int64, nR)
			for j := range p.RightLoadCost {
				switch rng.IntN(3) {
				case 1:
					p.RightLoadCost[j] = rng.Int64N(maxLoad + 1)
				case 2:
					p.RightLoadCost[j] = maxLoad - rng.Int64N(3)
				}
			}
		}
		if nL == 0 || nR == 0 {
			return p
		}
		most := min(maxEdges, nL*nR)
		for _, pair := range rng.Perm(nL * nR)[:most/2+rng.IntN(most-most/2+1)] {
			score := 1 + rng.Int64N(maxScore)
			switch rng.IntN(3) {
			case 1:
				score = maxScore - rng.Int64N(min(3, maxScore))
			case 2:
				score = 1 + rng.Int64N(min(3, maxScore))
			}
			p.Edges = append(p.Edges, matching.Edge{Left: pair / nR, Right: pair % nR, Score: score})
		}
		return p
	})
}

// TestSolveAtLimitsMatchesBruteForce: scores and load costs up to ScoreMax, and tiny ones
// full of ties, against exhaustive search; Greedy and NewSolver agree on feasibility and
// never beat the optimum.
func TestSolveAtLimitsMatchesBruteForce(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		maxScore := rapid.SampledFrom([]int64{matching.ScoreMax, 5}).Draw(t, "max score")
		p := limitGen(5, 5, 12, 6, maxScore, min(maxScore, 3+maxScore/2)).Draw(t, "problem")
		s, err := matching.Solve(context.Background(), p)
		noError(t, err)
		checkFeasible(t, p, s)
		equal(t, bruteForce(p), s.Score, "score against brute force")
		solver, err := matching.NewSolver(context.Background(), p)
		noError(t, err)
		equal(t, s, solver.Solution(), "NewSolver against Solve")
		g, err := matching.Greedy(p)
		noError(t, err)
		checkFeasible(t, p, g)
		if g.Score > s.Score {
			t.Fatalf("greedy %d beats the optimum %d", g.Score, s.Score)
		}
	})
}

// TestSolverAtLimitsMatchesReference grows problems with scores near ScoreMax and near 1
// and with large capacity increases, checking each step against the reference flow.
func TestSolverAtLimitsMatchesReference(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := limitGen(8, 8, 30, 4, matching.ScoreMax, matching.ScoreMax).Draw(t, "problem")
		rng := rand.New(rand.NewPCG(rapid.Uint64().Draw(t, "steps seed"), 58))
		solver, err := matching.NewSolver(context.Background(), p)
		noError(t, err)
		for range 1 + rng.IntN(20) {
			switch rng.IntN(3) {
			case 0:
				capacity := rng.IntN(4)
				var edges []matching.Edge
				for _, r := range rng.Perm(len(p.RightCap))[:rng.IntN(len(p.RightCap)+1)] {
					score := matching.ScoreMax - rng.Int64N(3)
					if rng.IntN(2) == 0 {
						score = 1 + rng.Int64N(3)
					}
					edges = append(edges, matching.Edge{Left: len(p.LeftCap), Right: r, Score: score})
				}
				_, err = solver.AddLeft(capacity, edges)
				noError(t, err)
				p.LeftCap = append(p.LeftCap, capacity)
				p.Edges = append(p.Edges, edges...)
			case 1:
				capacity := rng.IntN(3)
				_, err = solver.AddRight(capacity)
				noError(t, err)
				p.RightCap = append(p.RightCap, capacity)
				if p.RightLoadCost != nil {
					p.RightLoadCost = append(p.RightLoadCost, 0)
				}
			case 2:
				if len(p.RightCap) == 0 {
					continue
				}
				j, delta := rng.IntN(len(p.RightCap)), rng.IntN(12)
				_, err = solver.AddRightCapacity(j, delta)
				noError(t, err)
				p.RightCap[j] += delta
			}
			got := solver.Solution()
			checkFeasible(t, p, got)
			equal(t, referenceScore(p), got.Score, "score after update against reference flow")
		}
	})
}

// TestGreedyFollowsItsRule checks Greedy against its documented rule, written out plainly:
// edges by descending score, ties by lower index, each taken while both ends have capacity
// and its score exceeds the load cost it adds. Without load costs the result is also at
// least half the optimum (greedy on two partition matroids).
func TestGreedyFollowsItsRule(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := limitGen(6, 6, 20, 4, 6, 3).Draw(t, "problem")
		order := make([]int, len(p.Edges))
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(p.Edges[b].Score, p.Edges[a].Score) })
		left, right := make([]int, len(p.LeftCap)), make([]int, len(p.RightCap))
		want := matching.Solution{Edges: []int{}}
		for _, i := range order {
			e := p.Edges[i]
			var cost int64
			if p.RightLoadCost != nil {
				cost = int64(right[e.Right]) * p.RightLoadCost[e.Right]
			}
			if left[e.Left] < p.LeftCap[e.Left] && right[e.Right] < p.RightCap[e.Right] && e.Score > cost {
				left[e.Left]++
				right[e.Right]++
				want.Edges = append(want.Edges, i)
				want.Score += e.Score - cost
			}
		}
		slices.Sort(want.Edges)
		got, err := matching.Greedy(p)
		noError(t, err)
		equal(t, want, got, "greedy")
		checkFeasible(t, p, got)
		if p.RightLoadCost == nil {
			best, err := matching.Solve(context.Background(), p)
			noError(t, err)
			if 2*got.Score < best.Score {
				t.Fatalf("greedy %d below half the optimum %d", got.Score, best.Score)
			}
		}
	})
}
