package matching

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestEpochWrapH72: searches reset their marks by bumping epoch, and clear them once the
// epoch would overflow. Engines whose epoch starts just below the wrap must end in the
// same state as engines that start at 2, through a solve and through Solver updates.
func TestEpochWrapH72(t *testing.T) {
	wrapped := 0
	for seed := range uint64(300) {
		rng := rand.New(rand.NewPCG(seed, 72))
		p := randomProblemH63(rng, 20)
		var solvers [2]*Solver
		for i := range solvers {
			e, err := build(p, true)
			if err != nil {
				t.Fatal(err)
			}
			if i == 1 {
				// A few searches before the wrap, with marks left from earlier epochs.
				e.epoch = 1<<32 - 4 - 2*uint32(rng.IntN(8))
				for l := range e.markLeft {
					e.markLeft[l] = e.epoch - 2*uint32(rng.IntN(3)) + uint32(rng.IntN(2))
				}
				for r := range e.markRight {
					e.markRight[r] = e.epoch - 2*uint32(rng.IntN(3)) + uint32(rng.IntN(2))
				}
			}
			if err := e.solveAll(context.Background()); err != nil {
				t.Fatal(err)
			}
			solvers[i] = &Solver{e: e, numEdges: len(p.Edges)}
		}
		sameEngineH63(t, fmt.Sprintf("seed %d: solve", seed), solvers[0].e, solvers[1].e)
		for step := range 1 + rng.IntN(30) {
			stepSolversAlike(t, rng, fmt.Sprintf("seed %d step %d", seed, step), solvers[:], nil)
		}
		if solvers[1].e.epoch < 1<<31 {
			wrapped++
		}
	}
	if wrapped < 100 {
		t.Fatalf("only %d of 300 engines wrapped their epoch", wrapped)
	}
}
