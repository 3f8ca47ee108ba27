package matching_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/tongxin/tongxin/matching"
)

// FuzzSolverOpsH84 drives a Solver through AddRight, AddLeft and AddRightCapacity decoded from
// bytes, with capacities, indices and scores out of range among them. An operation the solver
// refuses is ErrInvalidProblem, exactly when Solve refuses the problem with it (for
// AddRightCapacity: a right out of range, a negative delta or a capacity over CapacityMax),
// and changes nothing; after each operation the solver's solution is a valid optimal one: its
// score is Solve's on the same problem, and its edges respect every capacity.
func FuzzSolverOpsH84(f *testing.F) {
	f.Add([]byte{0, 10, 0, 10, 1, 9, 2, 1, 50, 2, 60})
	f.Add([]byte{0, 9, 1, 9, 1, 0, 5, 2, 0, 3})                 // an edge to a missing right
	f.Add([]byte{0, 0, 1, 9, 1, 1, 0, 2, 0, 255})               // score 0, capacity over the limit
	f.Add([]byte{0, 9, 1, 9, 2, 1, 7, 1, 8, 2, 5, 1})           // two edges to one right
	f.Add([]byte{0, 255, 0, 7, 1, 255, 1, 1, 255, 2, 9, 9})     // capacities and scores beyond the limits
	f.Add([]byte{0, 9, 1, 10, 1, 129, 3, 2, 0, 0, 2, 255, 200}) // an edge naming another left
	f.Fuzz(func(t *testing.T, ops []byte) {
		ctx := context.Background()
		s, err := matching.NewSolver(ctx, matching.Problem{})
		if err != nil {
			t.Fatalf("NewSolver of the empty problem: %v", err)
		}
		var p matching.Problem
		next := func() int {
			if len(ops) == 0 {
				return 0
			}
			b := ops[0]
			ops = ops[1:]
			return int(b)
		}
		capOf := func(b int) int {
			switch b {
			case 255:
				return matching.CapacityMax + 1
			case 254:
				return matching.CapacityMax
			}
			return b - 8 // a few negative capacities
		}
		for steps := 0; len(ops) > 0 && steps < 64; steps++ {
			before := s.Solution()
			nl, nr, ne := s.NumLeft(), s.NumRight(), s.NumEdges()
			var (
				opErr error
				want  bool // whether the operation is valid
				q     matching.Problem
				what  string
			)
			switch next() % 3 {
			case 0:
				c := capOf(next())
				q = cloneProblemH84(p)
				q.RightCap = append(q.RightCap, c)
				want = solveErrH84(ctx, q) == nil
				var idx int
				idx, opErr = s.AddRight(c)
				if opErr == nil && idx != nr {
					t.Fatalf("AddRight gave index %d, want %d", idx, nr)
				}
				what = "AddRight"
			case 1:
				c := capOf(next())
				n := next() % 4
				var edges []matching.Edge
				for range n {
					b := next()
					left := nl
					if b&0x80 != 0 {
						left = nl - 1 // an existing left, or -1
					}
					right := b&0x7f - 1 // -1 .. 126
					score := int64(next())
					switch score {
					case 255:
						score = matching.ScoreMax + 1
					case 254:
						score = matching.ScoreMax
					}
					edges = append(edges, matching.Edge{Left: left, Right: right, Score: score})
				}
				q = cloneProblemH84(p)
				q.LeftCap = append(q.LeftCap, c)
				q.Edges = append(q.Edges, edges...)
				want = solveErrH84(ctx, q) == nil
				// Solve accepts an edge of an earlier left; AddLeft may not.
				for _, e := range edges {
					if e.Left != nl {
						want = false
					}
				}
				_, opErr = s.AddLeft(c, slices.Clone(edges))
				what = "AddLeft"
			case 2:
				right := next() - 1
				delta := next() - 8
				if delta == 247 {
					delta = matching.CapacityMax
				}
				want = right >= 0 && right < len(p.RightCap) && delta >= 0 && p.RightCap[right]+delta <= matching.CapacityMax
				if want {
					q = cloneProblemH84(p)
					q.RightCap[right] += delta
				}
				_, opErr = s.AddRightCapacity(right, delta)
				what = "AddRightCapacity"
			}
			if opErr != nil {
				if !errors.Is(opErr, matching.ErrInvalidProblem) {
					t.Fatalf("%s refused without ErrInvalidProblem: %v", what, opErr)
				}
				if want {
					t.Fatalf("%s refused a valid operation: %v", what, opErr)
				}
				after := s.Solution()
				if s.NumLeft() != nl || s.NumRight() != nr || s.NumEdges() != ne ||
					after.Score != before.Score || !slices.Equal(after.Edges, before.Edges) {
					t.Fatalf("refused %s changed the solver", what)
				}
				continue
			}
			if !want {
				t.Fatalf("%s accepted an invalid operation (problem %+v)", what, q)
			}
			p = q
			checkSolverH84(t, ctx, s, p, what)
		}
	})
}

func cloneProblemH84(p matching.Problem) matching.Problem {
	return matching.Problem{LeftCap: slices.Clone(p.LeftCap), RightCap: slices.Clone(p.RightCap),
		Edges: slices.Clone(p.Edges), RightLoadCost: slices.Clone(p.RightLoadCost)}
}

func solveErrH84(ctx context.Context, p matching.Problem) error {
	_, err := matching.Solve(ctx, p)
	return err
}

func checkSolverH84(t *testing.T, ctx context.Context, s *matching.Solver, p matching.Problem, what string) {
	t.Helper()
	ref, err := matching.Solve(ctx, p)
	if err != nil {
		t.Fatalf("after %s: Solve refuses the solver's problem: %v", what, err)
	}
	sol := s.Solution()
	if sol.Score != ref.Score || s.Score() != ref.Score {
		t.Fatalf("after %s: solver score %d (Score %d), Solve %d", what, sol.Score, s.Score(), ref.Score)
	}
	if s.NumLeft() != len(p.LeftCap) || s.NumRight() != len(p.RightCap) || s.NumEdges() != len(p.Edges) {
		t.Fatalf("after %s: solver has %d/%d/%d, problem %d/%d/%d", what, s.NumLeft(), s.NumRight(), s.NumEdges(),
			len(p.LeftCap), len(p.RightCap), len(p.Edges))
	}
	usedL, usedR := make([]int, len(p.LeftCap)), make([]int, len(p.RightCap))
	var sum int64
	for i, e := range sol.Edges {
		if e < 0 || e >= len(p.Edges) || i > 0 && sol.Edges[i-1] >= e {
			t.Fatalf("after %s: solution edges %v", what, sol.Edges)
		}
		ed := p.Edges[e]
		usedL[ed.Left]++
		usedR[ed.Right]++
		sum += ed.Score
	}
	for i, u := range usedL {
		if u > p.LeftCap[i] {
			t.Fatalf("after %s: left %d used %d times, capacity %d", what, i, u, p.LeftCap[i])
		}
	}
	for j, u := range usedR {
		if u > p.RightCap[j] {
			t.Fatalf("after %s: right %d used %d times, capacity %d", what, j, u, p.RightCap[j])
		}
	}
	if sum != sol.Score {
		t.Fatalf("after %s: edges score %d, solution says %d", what, sum, sol.Score)
	}
}
