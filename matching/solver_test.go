package matching_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"pgregory.net/rapid"

	"github.com/tongxin/tongxin/matching"
)

// TestSolverMatchesFullSolve grows a problem by random updates and checks after each that the
// Solver's matching is feasible, its score equals a full Solve of the grown problem, and the
// reported Change is exactly the difference from the previous matching.
func TestSolverMatchesFullSolve(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := problemGen(12, 12, 60, 3, 50).Draw(t, "problem")
		runSolverSequence(t, p, rand.New(rand.NewPCG(rapid.Uint64().Draw(t, "seed"), 2)))
	})
}

// TestSolverSequencesBySeed runs many more update sequences than rapid's default budget:
// a wrong potential update shows up only in a few percent of sequences.
func TestSolverSequencesBySeed(t *testing.T) {
	sequences := 3000
	if testing.Short() {
		sequences = 300
	}
	gen := problemGen(12, 12, 60, 3, 50)
	for seed := range uint64(sequences) {
		rng := rand.New(rand.NewPCG(seed, 3))
		p := gen.Example(int(seed))
		runSolverSequence(t, p, rng)
	}
}

// runSolverSequence applies random updates to a Solver of p and checks after each that the
// matching is feasible, its score equals a full Solve of the grown problem, and the reported
// Change is exactly the difference from the previous matching.
func runSolverSequence(t testingT, p matching.Problem, rng *rand.Rand) {
	t.Helper()
	solver, err := matching.NewSolver(context.Background(), p)
	noError(t, err)
	want, err := matching.Solve(context.Background(), p)
	noError(t, err)
	equal(t, want, solver.Solution(), "initial solution")

	steps := 1 + rng.IntN(40)
	for range steps {
		before := solver.Solution()
		var change matching.Change
		switch rng.IntN(3) {
		case 0: // a new demand
			capacity := rng.IntN(3)
			var edges []matching.Edge
			for _, r := range rng.Perm(len(p.RightCap))[:rng.IntN(len(p.RightCap)+1)] {
				edges = append(edges, matching.Edge{Left: len(p.LeftCap), Right: r, Score: 1 + rng.Int64N(50)})
			}
			change, err = solver.AddLeft(capacity, edges)
			noError(t, err)
			p.LeftCap = append(p.LeftCap, capacity)
			p.Edges = append(p.Edges, edges...)
		case 1: // a new provider
			capacity := rng.IntN(3)
			j, err := solver.AddRight(capacity)
			noError(t, err)
			equal(t, len(p.RightCap), j, "new right index")
			p.RightCap = append(p.RightCap, capacity)
			if p.RightLoadCost != nil {
				p.RightLoadCost = append(p.RightLoadCost, 0)
			}
			change = matching.Change{Added: []int{}, Removed: []int{}, Score: solver.Score()}
		case 2: // a provider freed
			if len(p.RightCap) == 0 {
				continue
			}
			j := rng.IntN(len(p.RightCap))
			delta := rng.IntN(3)
			change, err = solver.AddRightCapacity(j, delta)
			noError(t, err)
			p.RightCap[j] += delta
		}
		got := solver.Solution()
		checkFeasible(t, p, got)
		want, err := matching.Solve(context.Background(), p)
		noError(t, err)
		equal(t, want.Score, got.Score, "score after update against full solve")
		equal(t, got.Score, change.Score, "change score")
		equal(t, got.Score, solver.Score(), "solver score")
		equal(t, len(p.Edges), solver.NumEdges(), "edge count")
		added, removed := diff(before.Edges, got.Edges)
		equal(t, added, change.Added, "added edges")
		equal(t, removed, change.Removed, "removed edges")
	}
}

// diff returns the elements only in b and those only in a (both ascending).
func diff(a, b []int) (added, removed []int) {
	added, removed = []int{}, []int{}
	for _, x := range b {
		if _, found := slices.BinarySearch(a, x); !found {
			added = append(added, x)
		}
	}
	for _, x := range a {
		if _, found := slices.BinarySearch(b, x); !found {
			removed = append(removed, x)
		}
	}
	return added, removed
}

func TestSolverInvalidUpdates(t *testing.T) {
	base := matching.Problem{
		LeftCap: []int{1}, RightCap: []int{1, 1},
		Edges: []matching.Edge{{0, 0, 5}},
	}
	tests := []struct {
		name string
		run  func(s *matching.Solver) error
	}{
		{"left capacity negative", func(s *matching.Solver) error {
			_, err := s.AddLeft(-1, nil)
			return err
		}},
		{"left capacity over limit", func(s *matching.Solver) error {
			_, err := s.AddLeft(matching.CapacityMax+1, nil)
			return err
		}},
		{"edge for another left", func(s *matching.Solver) error {
			_, err := s.AddLeft(1, []matching.Edge{{0, 0, 3}})
			return err
		}},
		{"edge right out of range", func(s *matching.Solver) error {
			_, err := s.AddLeft(1, []matching.Edge{{1, 2, 3}})
			return err
		}},
		{"edge right negative", func(s *matching.Solver) error {
			_, err := s.AddLeft(1, []matching.Edge{{1, -1, 3}})
			return err
		}},
		{"edge score zero", func(s *matching.Solver) error {
			_, err := s.AddLeft(1, []matching.Edge{{1, 0, 0}})
			return err
		}},
		{"edge score over limit", func(s *matching.Solver) error {
			_, err := s.AddLeft(1, []matching.Edge{{1, 0, matching.ScoreMax + 1}})
			return err
		}},
		{"duplicate edge", func(s *matching.Solver) error {
			_, err := s.AddLeft(1, []matching.Edge{{1, 1, 3}, {1, 0, 2}, {1, 1, 4}})
			return err
		}},
		{"right capacity negative", func(s *matching.Solver) error {
			_, err := s.AddRight(-1)
			return err
		}},
		{"right capacity over limit", func(s *matching.Solver) error {
			_, err := s.AddRight(matching.CapacityMax + 1)
			return err
		}},
		{"capacity for unknown right", func(s *matching.Solver) error {
			_, err := s.AddRightCapacity(2, 1)
			return err
		}},
		{"capacity for negative right", func(s *matching.Solver) error {
			_, err := s.AddRightCapacity(-1, 1)
			return err
		}},
		{"negative capacity delta", func(s *matching.Solver) error {
			_, err := s.AddRightCapacity(0, -1)
			return err
		}},
		{"capacity delta over limit", func(s *matching.Solver) error {
			_, err := s.AddRightCapacity(0, matching.CapacityMax)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := matching.NewSolver(context.Background(), base)
			noError(t, err)
			before := s.Solution()
			errorIs(t, tt.run(s), matching.ErrInvalidProblem)
			equal(t, before, s.Solution(), "solution after a rejected update")
			equal(t, 1, s.NumLeft(), "left count after a rejected update")
			equal(t, 2, s.NumRight(), "right count after a rejected update")
			equal(t, 1, s.NumEdges(), "edge count after a rejected update")
			// The solver still works after a rejection.
			c, err := s.AddLeft(1, []matching.Edge{{1, 1, 4}})
			noError(t, err)
			equal(t, int64(9), c.Score, "score after a later valid update")
		})
	}
}

func TestNewSolverCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := matching.NewSolver(ctx, instance(100, 100, 5, 3))
	errorIs(t, err, context.Canceled)
	_, err = matching.NewSolver(&countdownContext{Context: context.Background(), left: 1}, instance(500, 500, 5, 3))
	errorIs(t, err, context.Canceled)
}

// A freed provider serves a demand that was left unmatched.
func TestSolverAddRightCapacityServesUnmatched(t *testing.T) {
	p := matching.Problem{
		LeftCap:  []int{1, 1},
		RightCap: []int{0, 1},
		Edges:    []matching.Edge{{0, 0, 10}, {0, 1, 3}, {1, 1, 8}},
	}
	s, err := matching.NewSolver(context.Background(), p)
	noError(t, err)
	equal(t, int64(8), s.Score(), "score before")
	c, err := s.AddRightCapacity(0, 1)
	noError(t, err)
	equal(t, matching.Change{Added: []int{0}, Removed: []int{}, Score: 18}, c, "change")
}

// A freed provider takes over a demand from a worse provider, which is left idle.
func TestSolverAddRightCapacityExchange(t *testing.T) {
	p := matching.Problem{
		LeftCap:  []int{1},
		RightCap: []int{0, 1},
		Edges:    []matching.Edge{{0, 0, 10}, {0, 1, 3}},
	}
	s, err := matching.NewSolver(context.Background(), p)
	noError(t, err)
	equal(t, int64(3), s.Score(), "score before")
	c, err := s.AddRightCapacity(0, 2)
	noError(t, err)
	equal(t, matching.Change{Added: []int{0}, Removed: []int{1}, Score: 10}, c, "change")
}
