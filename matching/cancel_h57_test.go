package matching_test

import (
	"context"
	"testing"

	"github.com/tongxin/tongxin/matching"
)

// TestSolveCancelledDuringFewLongSearches cancels a solve right after its first look at the
// context. The problem needs only 40 searches, each scanning a left vertex with 4096 edges;
// at the size limits one such search takes tens of milliseconds or more. The solve must
// look at the context between searches, not only every 64th one, or a solve of a few long
// searches can never be cancelled.
func TestSolveCancelledDuringFewLongSearches(t *testing.T) {
	const numRight = 4096
	p := matching.Problem{LeftCap: []int{20, 20}, RightCap: make([]int, numRight)}
	for j := range p.RightCap {
		p.RightCap[j] = 1
	}
	for l := range 2 {
		for j := range numRight {
			p.Edges = append(p.Edges, matching.Edge{Left: l, Right: j, Score: int64(1 + (j*7919+l*104729)%1000)})
		}
	}
	s, err := matching.Solve(context.Background(), p)
	noError(t, err)
	equal(t, 40, len(s.Edges), "edges matched without cancellation")

	_, err = matching.Solve(&countdownContext{Context: context.Background(), left: 1}, p)
	errorIs(t, err, context.Canceled)
	_, err = matching.NewSolver(&countdownContext{Context: context.Background(), left: 1}, p)
	errorIs(t, err, context.Canceled)
}
