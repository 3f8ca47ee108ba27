package matching

// Internal tests of the source stream (beginLeftSource, beginRightSource): the stream must
// give exactly the searches of the plain scan, so these compare two engines of the same
// problem, one that never streams and one that streams every source with two units or
// more, down to potentials and the order of each right vertex's matched list.

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// randomProblemH63 draws a problem of up to size left and size right vertices, of one of a
// few shapes: dense and tied, a few high-capacity high-degree left vertices among small
// ones, or hub right vertices.
func randomProblemH63(rng *rand.Rand, size int) Problem {
	nL, nR := 1+rng.IntN(size), 1+rng.IntN(size)
	maxScore := []int64{1, 3, 20, 1000, ScoreMax}[rng.IntN(5)]
	p := Problem{LeftCap: make([]int, nL), RightCap: make([]int, nR)}
	shape := rng.IntN(3)
	for l := range p.LeftCap {
		p.LeftCap[l] = rng.IntN(4)
		if shape == 1 && rng.IntN(3) == 0 {
			p.LeftCap[l] = nR/2 + rng.IntN(nR+1)
		}
	}
	for r := range p.RightCap {
		p.RightCap[r] = rng.IntN(3)
		if shape == 2 && rng.IntN(3) == 0 {
			p.RightCap[r] = nL/2 + rng.IntN(nL+1)
		}
	}
	if rng.IntN(2) == 0 {
		p.RightLoadCost = make([]int64, nR)
		for r := range p.RightLoadCost {
			if rng.IntN(2) == 0 {
				p.RightLoadCost[r] = rng.Int64N(min(maxScore, 50) + 1)
			}
		}
	}
	density := 1 + rng.IntN(10)
	for _, pair := range rng.Perm(nL * nR) {
		if rng.IntN(10) < density {
			p.Edges = append(p.Edges, Edge{Left: pair / nR, Right: pair % nR, Score: 1 + rng.Int64N(maxScore)})
		}
	}
	return p
}

// sameEngineH63 fails unless a and b are in the same state: matching, potentials, matched
// lists in the same order, totals.
func sameEngineH63(t *testing.T, what string, a, b *engine) {
	t.Helper()
	switch {
	case !slices.Equal(a.matched, b.matched):
		t.Fatalf("%s: matched slots differ", what)
	case !slices.Equal(a.potLeft, b.potLeft) || !slices.Equal(a.potRight, b.potRight):
		t.Fatalf("%s: potentials differ:\n%v %v\n%v %v", what, a.potLeft, a.potRight, b.potLeft, b.potRight)
	case !slices.Equal(a.rightHead, b.rightHead) || !slices.Equal(a.slotNext, b.slotNext):
		t.Fatalf("%s: matched lists differ", what)
	case a.score != b.score || a.loadCost != b.loadCost || a.matchedCount != b.matchedCount:
		t.Fatalf("%s: totals differ", what)
	case !slices.Equal(a.leftMatched, b.leftMatched) || !slices.Equal(a.rightUsed, b.rightUsed):
		t.Fatalf("%s: counts differ", what)
	}
}

// TestSourceStreamSameSearchesH63 solves random problems with and without the source stream
// and checks that both engines end in the same state.
func TestSourceStreamSameSearchesH63(t *testing.T) {
	n := 10000
	if testing.Short() {
		n = 1000
	}
	for seed := range uint64(n) {
		rng := rand.New(rand.NewPCG(seed, 63))
		size := 14
		if seed%20 == 0 {
			size = 200 // degrees over srcMinDegreeDefault
		}
		p := randomProblemH63(rng, size)
		var engines [3]*engine
		for i, minDegree := range []int{math.MaxInt, 1, srcMinDegreeDefault} {
			e, err := build(p, false)
			if err != nil {
				t.Fatal(err)
			}
			e.srcMinDegree = minDegree
			if err := e.solveAll(context.Background()); err != nil {
				t.Fatal(err)
			}
			engines[i] = e
		}
		sameEngineH63(t, "solve", engines[0], engines[1])
		sameEngineH63(t, "solve", engines[0], engines[2])
	}
}

// TestSourceStreamSolverH63 grows random problems by random updates on two Solvers, one that
// never streams and one that always does, and checks that every Change and every state
// agree.
func TestSourceStreamSolverH63(t *testing.T) {
	n := 4000
	if testing.Short() {
		n = 400
	}
	for seed := range uint64(n) {
		rng := rand.New(rand.NewPCG(seed, 64))
		size := 14
		if seed%20 == 0 {
			size = 100
		}
		p := randomProblemH63(rng, size)
		var solvers [2]*Solver
		for i, minDegree := range []int{math.MaxInt, 1} {
			e, err := build(p, true)
			if err != nil {
				t.Fatal(err)
			}
			e.srcMinDegree = minDegree
			if err := e.solveAll(context.Background()); err != nil {
				t.Fatal(err)
			}
			solvers[i] = &Solver{e: e, numEdges: len(p.Edges)}
		}
		sameEngineH63(t, "new solver", solvers[0].e, solvers[1].e)
		for step := range 1 + rng.IntN(30) {
			stepSolversAlike(t, rng, fmt.Sprintf("seed %d step %d", seed, step), solvers[:], nil)
		}
	}
}

// TestHighDegreeSourceNearLinearH63: one left vertex whose capacity equals its degree
// (2^17), and a hub right vertex raised by its degree (2^16), each finish in seconds. Each
// search used to scan every arc of the source, so these took minutes (degree squared).
func TestHighDegreeSourceNearLinearH63(t *testing.T) {
	const budget = 5 * time.Second
	const starDegree, hubDegree = 1 << 17, 1 << 16
	rng := rand.New(rand.NewPCG(1, 63))

	star := Problem{LeftCap: []int{starDegree}, RightCap: make([]int, starDegree)}
	for r := range starDegree {
		star.RightCap[r] = 1
		star.Edges = append(star.Edges, Edge{Left: 0, Right: r, Score: 1 + rng.Int64N(1000)})
	}
	ctx, cancel := context.WithTimeout(context.Background(), budget)
	defer cancel()
	s, err := Solve(ctx, star)
	if err != nil {
		t.Fatalf("star of degree %d: %v (budget %v)", starDegree, err, budget)
	}
	if len(s.Edges) != starDegree {
		t.Fatalf("star: %d edges matched, want %d", len(s.Edges), starDegree)
	}

	hub := Problem{LeftCap: make([]int, hubDegree), RightCap: []int{0}}
	for l := range hubDegree {
		hub.LeftCap[l] = 1
		hub.Edges = append(hub.Edges, Edge{Left: l, Right: 0, Score: 500 + rng.Int64N(500)})
		if l%2 == 0 {
			hub.RightCap = append(hub.RightCap, 1)
			hub.Edges = append(hub.Edges, Edge{Left: l, Right: len(hub.RightCap) - 1, Score: 1 + rng.Int64N(1000)})
		}
	}
	solver, err := NewSolver(context.Background(), hub)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := solver.AddRightCapacity(0, hubDegree)
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(budget):
		t.Fatalf("hub of degree %d: AddRightCapacity not done after %v", hubDegree, budget)
	}
	// With room for everyone at the hub, each left vertex takes its better edge.
	best := make([]int64, hubDegree)
	for _, ed := range hub.Edges {
		best[ed.Left] = max(best[ed.Left], ed.Score)
	}
	var want int64
	for _, b := range best {
		want += b
	}
	if got := solver.Score(); got != want {
		t.Fatalf("hub: score %d, want %d", got, want)
	}
}

// stepSolversAlike draws one random Solver update (AddLeft, AddRight or AddRightCapacity),
// applies it to every solver (after, when not nil, checks each one after its update), and
// requires the same Change from all and the same engine state as the first.
func stepSolversAlike(t *testing.T, rng *rand.Rand, what string, solvers []*Solver, after func(*Solver)) {
	t.Helper()
	changes := make([]Change, len(solvers))
	op := rng.IntN(3)
	capacity := rng.IntN(3)
	if rng.IntN(3) == 0 {
		capacity = rng.IntN(solvers[0].NumRight() + 2)
	}
	var edges []Edge
	for _, r := range rng.Perm(solvers[0].NumRight())[:rng.IntN(solvers[0].NumRight()+1)] {
		edges = append(edges, Edge{Left: solvers[0].NumLeft(), Right: r, Score: 1 + rng.Int64N(30)})
	}
	right := rng.IntN(solvers[0].NumRight())
	delta := rng.IntN(3)
	if rng.IntN(2) == 0 {
		delta = rng.IntN(solvers[0].NumLeft() + 3)
	}
	for i, s := range solvers {
		var err error
		switch op {
		case 0:
			changes[i], err = s.AddLeft(capacity, edges)
		case 1:
			_, err = s.AddRight(capacity)
		case 2:
			changes[i], err = s.AddRightCapacity(right, delta)
		}
		if err != nil {
			t.Fatal(err)
		}
		if after != nil {
			after(s)
		}
	}
	for i := 1; i < len(solvers); i++ {
		if !slices.Equal(changes[0].Added, changes[i].Added) || !slices.Equal(changes[0].Removed, changes[i].Removed) ||
			changes[0].Score != changes[i].Score {
			t.Fatalf("%s op %d: changes differ: %+v, %+v", what, op, changes[0], changes[i])
		}
		sameEngineH63(t, "update", solvers[0].e, solvers[i].e)
	}
}
