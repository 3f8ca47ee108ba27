package matching_test

import (
	"context"
	"errors"
	"testing"

	"github.com/tongxin/tongxin/matching"
)

// decodeProblem turns fuzz bytes into a small problem that may be malformed: capacities and
// indices are signed bytes (so negative and out-of-range values occur), scores two bytes.
func decodeProblem(data []byte) matching.Problem {
	next := func() int {
		if len(data) == 0 {
			return 0
		}
		b := data[0]
		data = data[1:]
		return int(int8(b))
	}
	var p matching.Problem
	nL, nR := next()&15, next()&15
	for range nL {
		p.LeftCap = append(p.LeftCap, next()%5)
	}
	for range nR {
		p.RightCap = append(p.RightCap, next()%5)
	}
	for len(data) >= 4 && len(p.Edges) < 40 {
		left, right := next()%17, next()%17
		score := int64(next())<<8 | int64(next()&0xff)
		p.Edges = append(p.Edges, matching.Edge{Left: left, Right: right, Score: score})
	}
	return p
}

func FuzzSolve(f *testing.F) {
	f.Add([]byte{2, 2, 1, 1, 1, 1, 0, 0, 0, 10, 0, 1, 0, 9, 1, 0, 0, 9})
	f.Fuzz(func(t *testing.T, data []byte) {
		p := decodeProblem(data)
		s, err := matching.Solve(context.Background(), p)
		g, gerr := matching.Greedy(p)
		solver, serr := matching.NewSolver(context.Background(), p)
		if err != nil {
			if !errors.Is(err, matching.ErrInvalidProblem) {
				t.Fatalf("error %v does not wrap ErrInvalidProblem", err)
			}
			if gerr == nil || serr == nil {
				t.Fatalf("Solve rejects (%v) but Greedy (%v) or NewSolver (%v) accepts", err, gerr, serr)
			}
			return
		}
		if gerr != nil || serr != nil {
			t.Fatalf("Solve accepts but Greedy (%v) or NewSolver (%v) rejects", gerr, serr)
		}
		checkFeasible(t, p, s)
		checkFeasible(t, p, g)
		if g.Score > s.Score {
			t.Fatalf("greedy %d beats the optimum %d", g.Score, s.Score)
		}
		equal(t, s, solver.Solution(), "solver against Solve")
		if len(p.Edges) <= 40 {
			equal(t, referenceScore(p), s.Score, "score against reference flow")
		}
	})
}
