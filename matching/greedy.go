package matching

import "slices"

// Greedy is the baseline matcher: it takes edges by descending score (ties: lower edge index
// first) whenever both ends still have capacity and the edge's score exceeds the load cost
// it would add. It runs in O(E log E) and is what an
// urgent single request or a comparison needs; it can lose score against [Solve] when a
// high-scoring edge blocks two good ones.
//
// Errors: [ErrInvalidProblem] (wrapped with the offending index) for malformed input, the
// same checks as Solve.
func Greedy(p Problem) (Solution, error) {
	if err := validate(p); err != nil {
		return Solution{}, err
	}
	// order[k] packs the k-th edge to try: ScoreMax-score in the high 32 bits, the edge
	// index (below EdgesMax = 2^23) in the low ones, so ascending keys are descending
	// scores, ties by lower index, and sorting them needs no lookups into p.Edges.
	order := make([]uint64, len(p.Edges))
	for i, ed := range p.Edges {
		order[i] = uint64(ScoreMax-ed.Score)<<32 | uint64(i)
	}
	slices.Sort(order)
	left := make([]int, len(p.LeftCap))
	right := make([]int, len(p.RightCap))
	var s Solution
	for _, key := range order {
		i := int(uint32(key))
		e := p.Edges[i]
		var cost int64 // load cost of one more unit at the right vertex
		if p.RightLoadCost != nil {
			cost = int64(right[e.Right]) * p.RightLoadCost[e.Right]
		}
		if left[e.Left] < p.LeftCap[e.Left] && right[e.Right] < p.RightCap[e.Right] && e.Score > cost {
			left[e.Left]++
			right[e.Right]++
			s.Edges = append(s.Edges, i)
			s.Score += e.Score - cost
		}
	}
	slices.Sort(s.Edges)
	if s.Edges == nil {
		s.Edges = []int{}
	}
	return s, nil
}
