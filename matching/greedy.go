package matching

import (
	"cmp"
	"slices"
)

// Greedy is the baseline matcher: it takes edges by descending score (ties: lower edge index
// first) whenever both ends still have capacity and the edge's score exceeds the load cost
// it would add. It runs in O(E log E) and is what an
// urgent single request or a comparison needs; it can lose score against [Solve] when a
// high-scoring edge blocks two good ones.
//
// Errors: [ErrInvalidProblem] (wrapped with the offending index) for malformed input, the
// same checks as Solve.
func Greedy(p Problem) (Solution, error) {
	// build runs the same validation as Solve; its graph is not needed here.
	if _, err := build(p, false); err != nil {
		return Solution{}, err
	}
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
	left := make([]int, len(p.LeftCap))
	right := make([]int, len(p.RightCap))
	var s Solution
	for _, i := range order {
		e := p.Edges[i]
		var cost int64 // load cost of one more unit at the right vertex
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
	if s.Edges == nil {
		s.Edges = []int{}
	}
	return s, nil
}
