package matching

import (
	"context"
	"errors"
	"fmt"
)

// Limits on a [Problem]. They bound memory (about 40 bytes per edge while solving) and keep
// every sum of scores and every node potential far from int64 overflow: EdgesMax*ScoreMax is
// below 2^54.
const (
	// VerticesMax is the largest number of left (or of right) vertices.
	VerticesMax = 1 << 22
	// EdgesMax is the largest number of edges.
	EdgesMax = 1 << 23
	// CapacityMax is the largest capacity of one vertex.
	CapacityMax = 1 << 24
	// ScoreMax is the largest score of one edge.
	ScoreMax = 1<<31 - 1
)

// cancelCheckInterval is how many augmentations run between two looks at ctx.Err(). It is
// 1: one search can scan millions of edges (about 100 ms at EdgesMax), so a solve of a few
// dozen long searches looking only every 64th would never see a cancellation, while a look
// costs a few nanoseconds against at least a heap push and pop per search.
const cancelCheckInterval = 1

// ErrInvalidProblem reports a malformed problem: an index out of range, a negative capacity,
// a score outside 1..ScoreMax, two edges joining the same pair, or a size over a limit.
var ErrInvalidProblem = errors.New("matching: invalid problem")

// Edge joins left vertex Left (a demand) and right vertex Right (a provider) with a
// positive Score.
type Edge struct {
	Left, Right int
	Score       int64
}

// Problem is a bipartite b-matching instance: left vertex i may be in at most LeftCap[i]
// chosen edges, right vertex j in at most RightCap[j], and each edge is chosen at most once.
//
// RightLoadCost is optional (nil, or one entry per right vertex, each 0..ScoreMax): the k-th
// edge chosen at right vertex j (k = 0, 1, ...) costs k*RightLoadCost[j], subtracted from the
// total. It spreads work out (each further concurrent demand of a provider is worth less)
// while the solution stays exactly optimal.
type Problem struct {
	LeftCap, RightCap []int
	Edges             []Edge
	RightLoadCost     []int64
}

// Solution is a set of chosen edges, as ascending indices into Problem.Edges, and their
// total score: the sum of their scores minus the load costs of Problem.RightLoadCost.
type Solution struct {
	Edges []int
	Score int64
}

// Solve returns a maximum-weight b-matching of p: a set of edges of maximal total score that
// respects every capacity. It does not try to match as many edges as possible; an edge is
// left out when taking it would not raise the total. The same input always gives the same
// output.
//
// The method is successive shortest paths on the min-cost-flow form of the problem: each
// unit of left capacity in turn runs one Dijkstra search over reduced costs (node
// potentials), which stops at the best augmenting path or at the "stay unmatched" option,
// whichever is cheaper. Edges are kept in flat arrays; the work per search is proportional
// to the part of the graph it reaches.
//
// Errors: [ErrInvalidProblem] (wrapped with the offending index) for malformed input; the
// context's error (wrapped) when ctx is cancelled before or during the solve.
func Solve(ctx context.Context, p Problem) (Solution, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if err := ctx.Err(); err != nil {
		return Solution{}, fmt.Errorf("matching: solve: %w", err)
	}
	e, err := build(p, false)
	if err != nil {
		return Solution{}, err
	}
	if err := e.solveAll(ctx); err != nil {
		return Solution{}, fmt.Errorf("matching: solve: %w", err)
	}
	return e.solution(), nil
}

// validateSizes checks the sizes and capacities of p.
func validateSizes(p Problem) error {
	if len(p.LeftCap) > VerticesMax {
		return fmt.Errorf("%d left vertices, limit %d: %w", len(p.LeftCap), VerticesMax, ErrInvalidProblem)
	}
	if len(p.RightCap) > VerticesMax {
		return fmt.Errorf("%d right vertices, limit %d: %w", len(p.RightCap), VerticesMax, ErrInvalidProblem)
	}
	if len(p.Edges) > EdgesMax {
		return fmt.Errorf("%d edges, limit %d: %w", len(p.Edges), EdgesMax, ErrInvalidProblem)
	}
	for i, c := range p.LeftCap {
		if err := validateCapacity(c); err != nil {
			return fmt.Errorf("left %d: %w", i, err)
		}
	}
	for j, c := range p.RightCap {
		if err := validateCapacity(c); err != nil {
			return fmt.Errorf("right %d: %w", j, err)
		}
	}
	if p.RightLoadCost != nil && len(p.RightLoadCost) != len(p.RightCap) {
		return fmt.Errorf("%d load costs for %d right vertices: %w", len(p.RightLoadCost), len(p.RightCap), ErrInvalidProblem)
	}
	for j, c := range p.RightLoadCost {
		if c < 0 || c > ScoreMax {
			return fmt.Errorf("right %d: load cost %d outside 0..%d: %w", j, c, ScoreMax, ErrInvalidProblem)
		}
	}
	return nil
}

func validateCapacity(c int) error {
	if c < 0 || c > CapacityMax {
		return fmt.Errorf("capacity %d outside 0..%d: %w", c, CapacityMax, ErrInvalidProblem)
	}
	return nil
}

// validateEdge checks one edge against the vertex counts.
func validateEdge(i int, e Edge, numLeft, numRight int) error {
	if e.Left < 0 || e.Left >= numLeft {
		return fmt.Errorf("edge %d: left %d outside 0..%d: %w", i, e.Left, numLeft-1, ErrInvalidProblem)
	}
	if e.Right < 0 || e.Right >= numRight {
		return fmt.Errorf("edge %d: right %d outside 0..%d: %w", i, e.Right, numRight-1, ErrInvalidProblem)
	}
	if e.Score <= 0 || e.Score > ScoreMax {
		return fmt.Errorf("edge %d: score %d outside 1..%d: %w", i, e.Score, ScoreMax, ErrInvalidProblem)
	}
	return nil
}

// validate runs the checks of build (the same errors, in the same order) without laying out
// the residual graph: for Greedy, which needs none of it. The duplicate-pair check groups
// the edges by left vertex, in ascending edge order within each, as build's slots are, so
// it names the same pair of edges.
func validate(p Problem) error {
	if err := validateSizes(p); err != nil {
		return err
	}
	numLeft, numRight := len(p.LeftCap), len(p.RightCap)
	for i, ed := range p.Edges {
		if err := validateEdge(i, ed, numLeft, numRight); err != nil {
			return err
		}
	}
	// Counting sort of edge indices by left vertex (stable).
	start := make([]int32, numLeft+1)
	for _, ed := range p.Edges {
		start[ed.Left+1]++
	}
	for l := range numLeft {
		start[l+1] += start[l]
	}
	byLeft := make([]int32, len(p.Edges))
	for i, ed := range p.Edges {
		byLeft[start[ed.Left]] = int32(i)
		start[ed.Left]++
	}
	// start[l] is now where l's edges end; last[r] is the position in byLeft of the last
	// edge seen to r, which is l's own when at or after l's first position.
	last := make([]int32, numRight)
	for r := range last {
		last[r] = -1
	}
	first := int32(0)
	for l := range numLeft {
		for k := first; k < start[l]; k++ {
			r := p.Edges[byLeft[k]].Right
			if prev := last[r]; prev >= first {
				return fmt.Errorf("edges %d and %d both join left %d and right %d: %w",
					byLeft[prev], byLeft[k], l, r, ErrInvalidProblem)
			}
			last[r] = k
		}
		first = start[l]
	}
	return nil
}
