package matching

// Internal tests of the hub heaps (relaxHub): a search that settles a right vertex with many
// matched slots must relax exactly the back arcs the plain walk of its matched list would,
// so these compare engines of the same problem with and without hub heaps, down to
// potentials and the order of each right vertex's matched list.

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// checkHubsH67 fails unless every hub heap of e holds exactly the matched slots of its right
// vertex, in heap order, with positions recorded and no key above its slot's key, and the
// hub's matched list is linked back correctly.
func checkHubsH67(t *testing.T, what string, e *engine) {
	t.Helper()
	for r, idx := range e.hubIndex {
		if idx < 0 {
			continue
		}
		prev := int32(-1)
		for s := e.rightHead[r]; s >= 0; s = e.slotNext[s] {
			if e.hubPrev[s] != prev {
				t.Fatalf("%s: hub %d: slot %d after %d, recorded after %d", what, r, s, prev, e.hubPrev[s])
			}
			prev = s
		}
		items := e.hubHeaps[idx].items
		if len(items) != int(e.rightUsed[r]) {
			t.Fatalf("%s: hub %d: %d entries, %d matched", what, r, len(items), e.rightUsed[r])
		}
		for i, it := range items {
			s := it.node
			switch {
			case !e.matched[s] || e.slotRight[s] != int32(r):
				t.Fatalf("%s: hub %d: entry of slot %d, not matched there", what, r, s)
			case e.hubPos[s] != int32(i):
				t.Fatalf("%s: hub %d: slot %d at %d, recorded at %d", what, r, s, i, e.hubPos[s])
			case it.key > e.hubKey(s):
				t.Fatalf("%s: hub %d: slot %d keyed %d above its key %d", what, r, s, it.key, e.hubKey(s))
			case i > 0 && itemLess(it, items[(i-1)/2]):
				t.Fatalf("%s: hub %d: heap order broken at %d", what, r, i)
			}
		}
	}
}

// settings of the engines compared: the first is the plain engine.
var settingsH67 = []struct{ srcMinDegree, hubMinUsed int }{
	{math.MaxInt, math.MaxInt},
	{math.MaxInt, 1},
	{1, 1},
	{srcMinDegreeDefault, hubMinUsedDefault},
}

// TestHubHeapSameSearchesH67 solves random problems with and without hub heaps and checks
// that all engines end in the same state.
func TestHubHeapSameSearchesH67(t *testing.T) {
	n := 10000
	if testing.Short() {
		n = 1000
	}
	for seed := range uint64(n) {
		rng := rand.New(rand.NewPCG(seed, 67))
		size := 14
		if seed%20 == 0 {
			size = 200 // hubs over hubMinUsedDefault
		}
		p := randomProblemH63(rng, size)
		engines := make([]*engine, len(settingsH67))
		for i, st := range settingsH67 {
			e, err := build(p, false)
			if err != nil {
				t.Fatal(err)
			}
			e.srcMinDegree, e.hubMinUsed = st.srcMinDegree, st.hubMinUsed
			if err := e.solveAll(context.Background()); err != nil {
				t.Fatal(err)
			}
			checkHubsH67(t, "solve", e)
			engines[i] = e
		}
		for _, e := range engines[1:] {
			sameEngineH63(t, "solve", engines[0], e)
		}
	}
}

// TestHubHeapSolverH67 grows random problems by random updates on Solvers with and without
// hub heaps and checks that every Change and every state agree.
func TestHubHeapSolverH67(t *testing.T) {
	n := 4000
	if testing.Short() {
		n = 400
	}
	for seed := range uint64(n) {
		rng := rand.New(rand.NewPCG(seed, 68))
		size := 14
		if seed%20 == 0 {
			size = 100
		}
		p := randomProblemH63(rng, size)
		solvers := make([]*Solver, len(settingsH67))
		for i, st := range settingsH67 {
			e, err := build(p, true)
			if err != nil {
				t.Fatal(err)
			}
			e.srcMinDegree, e.hubMinUsed = st.srcMinDegree, st.hubMinUsed
			if err := e.solveAll(context.Background()); err != nil {
				t.Fatal(err)
			}
			solvers[i] = &Solver{e: e, numEdges: len(p.Edges)}
		}
		for _, s := range solvers[1:] {
			sameEngineH63(t, "new solver", solvers[0].e, s.e)
		}
		for step := range 1 + rng.IntN(40) {
			stepSolversAlike(t, rng, fmt.Sprintf("seed %d step %d", seed, step), solvers, func(s *Solver) { checkHubsH67(t, "update", s.e) })
		}
	}
}

// TestHighDegreeRightNearLinearH67: one right vertex whose capacity equals its degree (2^17),
// joined to left vertices of capacity 1 (half of them with a private right vertex too),
// solves in well under the budget. Every search used to walk the hub's whole matched list,
// so this took about 20 s (degree squared).
func TestHighDegreeRightNearLinearH67(t *testing.T) {
	const budget = 5 * time.Second
	const degree = 1 << 17
	rng := rand.New(rand.NewPCG(1, 67))
	p := Problem{LeftCap: make([]int, degree), RightCap: []int{degree}}
	for l := range degree {
		p.LeftCap[l] = 1
		p.Edges = append(p.Edges, Edge{Left: l, Right: 0, Score: 1 + rng.Int64N(1000)})
		if l%2 == 0 {
			p.RightCap = append(p.RightCap, 1)
			p.Edges = append(p.Edges, Edge{Left: l, Right: len(p.RightCap) - 1, Score: 1 + rng.Int64N(1000)})
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), budget)
	defer cancel()
	s, err := Solve(ctx, p)
	if err != nil {
		t.Fatalf("hub of degree %d: %v (budget %v)", degree, err, budget)
	}
	// Everyone fits at the hub, so each left vertex takes its better edge.
	best := make([]int64, degree)
	for _, ed := range p.Edges {
		best[ed.Left] = max(best[ed.Left], ed.Score)
	}
	var want int64
	for _, b := range best {
		want += b
	}
	if s.Score != want || len(s.Edges) != degree {
		t.Fatalf("hub: score %d with %d edges, want %d with %d", s.Score, len(s.Edges), want, degree)
	}
}

// TestRelaxHubRekeysStaleH67: a search that visits hub entries whose keys went stale (their
// left vertices' potentials fell) leaves them with their exact keys, so the next searches do
// not visit them again.
func TestRelaxHubRekeysStaleH67(t *testing.T) {
	const degree = 300
	rng := rand.New(rand.NewPCG(2, 67))
	p := Problem{LeftCap: make([]int, degree), RightCap: []int{degree}}
	for l := range degree {
		p.LeftCap[l] = 1
		p.Edges = append(p.Edges, Edge{Left: l, Right: 0, Score: 1 + rng.Int64N(1000)})
	}
	e, err := build(p, false)
	if err != nil {
		t.Fatal(err)
	}
	e.hubMinUsed = 1
	if err := e.solveAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	h := e.hubHeap(0)
	if h == nil || len(h.items) != degree {
		t.Fatalf("no hub heap of %d entries", degree)
	}
	for l := range e.potLeft {
		e.potLeft[l] -= 1 + rng.Int64N(7) // keys rise: every entry is stale
	}
	e.nextEpoch()
	e.relaxHub(h, 0, 0, math.MaxInt64/2)
	checkHubsH67(t, "after relaxHub", e)
	for _, it := range h.items {
		if it.key != e.hubKey(it.node) {
			t.Fatalf("slot %d keyed %d after the visit, key %d", it.node, it.key, e.hubKey(it.node))
		}
	}
}
