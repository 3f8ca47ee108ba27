package matching_test

import (
	"context"
	"testing"

	"github.com/tongxin/tongxin/matching"
)

// TestSolverZeroValueH72: the zero Solver is a solver of the empty problem, as
// NewSolver(ctx, Problem{}) is: every method works on it (none panics) and a sequence of
// updates gives the same changes and matching on both.
func TestSolverZeroValueH72(t *testing.T) {
	var zero matching.Solver
	fresh, err := matching.NewSolver(context.Background(), matching.Problem{})
	noError(t, err)

	equal(t, fresh.Solution(), zero.Solution(), "solution of the zero solver")
	equal(t, int64(0), zero.Score(), "score of the zero solver")
	equal(t, 0, zero.NumLeft(), "left count of the zero solver")
	equal(t, 0, zero.NumRight(), "right count of the zero solver")
	equal(t, 0, zero.NumEdges(), "edge count of the zero solver")

	// Rejections on the zero value are typed and change nothing.
	var rejecting matching.Solver
	_, err = rejecting.AddRightCapacity(0, 1)
	errorIs(t, err, matching.ErrInvalidProblem)
	_, err = rejecting.AddLeft(1, []matching.Edge{{Left: 0, Right: 0, Score: 3}})
	errorIs(t, err, matching.ErrInvalidProblem)
	_, err = rejecting.AddRight(-1)
	errorIs(t, err, matching.ErrInvalidProblem)
	equal(t, 0, rejecting.NumRight(), "right count after rejections")

	run := func(s *matching.Solver) []any {
		var got []any
		c, err := s.AddLeft(2, nil)
		noError(t, err)
		got = append(got, c)
		for _, capacity := range []int{1, 0, 2} {
			j, err := s.AddRight(capacity)
			noError(t, err)
			got = append(got, j)
		}
		c, err = s.AddLeft(2, []matching.Edge{{Left: 1, Right: 0, Score: 5}, {Left: 1, Right: 1, Score: 9}, {Left: 1, Right: 2, Score: 4}})
		noError(t, err)
		got = append(got, c)
		c, err = s.AddRightCapacity(1, 1)
		noError(t, err)
		got = append(got, c)
		c, err = s.AddLeft(1, []matching.Edge{{Left: 2, Right: 0, Score: 7}})
		noError(t, err)
		return append(got, c, s.Solution(), s.Score(), s.NumLeft(), s.NumRight(), s.NumEdges())
	}
	equal(t, run(fresh), run(&zero), "zero solver against NewSolver")
	// Left 2 takes right 0 (7); left 1 keeps rights 1 and 2 (9 + 4).
	equal(t, int64(20), zero.Score(), "score after the updates")
}
