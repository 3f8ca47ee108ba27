package matching_test

import (
	"context"
	"math/rand/v2"
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

// TestSolverLongSequencesH72 grows larger problems (up to 40 x 40, capacities up to 6, half
// of them with load costs) over longer update sequences than TestSolverSequencesBySeed,
// checking every step against a full Solve, and every tenth against the reference flow.
func TestSolverLongSequencesH72(t *testing.T) {
	sequences := 300
	if testing.Short() {
		sequences = 30
	}
	gen := problemGen(40, 40, 400, 6, 1000)
	for seed := range uint64(sequences) {
		rng := rand.New(rand.NewPCG(seed, 72))
		p := gen.Example(int(seed))
		solver, err := matching.NewSolver(context.Background(), p)
		noError(t, err)
		for step := range 1 + rng.IntN(80) {
			switch rng.IntN(4) {
			case 0, 1:
				capacity := rng.IntN(7)
				var edges []matching.Edge
				for _, r := range rng.Perm(len(p.RightCap))[:rng.IntN(len(p.RightCap)+1)] {
					edges = append(edges, matching.Edge{Left: len(p.LeftCap), Right: r, Score: 1 + rng.Int64N(1000)})
				}
				_, err = solver.AddLeft(capacity, edges)
				noError(t, err)
				p.LeftCap = append(p.LeftCap, capacity)
				p.Edges = append(p.Edges, edges...)
			case 2:
				capacity := rng.IntN(7)
				_, err = solver.AddRight(capacity)
				noError(t, err)
				p.RightCap = append(p.RightCap, capacity)
				if p.RightLoadCost != nil {
					p.RightLoadCost = append(p.RightLoadCost, 0)
				}
			case 3:
				if len(p.RightCap) == 0 {
					continue
				}
				j, delta := rng.IntN(len(p.RightCap)), rng.IntN(8)
				_, err = solver.AddRightCapacity(j, delta)
				noError(t, err)
				p.RightCap[j] += delta
			}
			got := solver.Solution()
			checkFeasible(t, p, got)
			want, err := matching.Solve(context.Background(), p)
			noError(t, err)
			if want.Score != got.Score {
				t.Fatalf("seed %d step %d: solver %d, Solve %d", seed, step, got.Score, want.Score)
			}
			if step%10 == 0 {
				equal(t, referenceScore(p), got.Score, "score against reference flow")
			}
		}
	}
}
