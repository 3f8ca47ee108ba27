package matching

import (
	"context"
	"fmt"
	"slices"
)

// Solver keeps an optimal b-matching up to date while the problem grows: a new demand
// (left vertex), a new provider (right vertex), or more capacity for a provider (a provider
// freed from earlier work). Each change re-optimises with a few augmenting-path searches
// from the changed vertex instead of a full re-solve, and the result always has the same
// total score as [Solve] on the grown problem.
//
// The zero Solver is ready to use: it solves the empty problem, as NewSolver with
// Problem{} does, and grows from there.
//
// A Solver is not safe for concurrent use.
type Solver struct {
	e        *engine // nil in the zero Solver until a method needs it (see engine)
	numEdges int
}

// engine returns the solver's engine, built for the empty problem in the zero Solver.
func (s *Solver) engine() *engine {
	if s.e == nil {
		// The empty problem passes every check, so build cannot fail.
		s.e, _ = build(Problem{}, true)
	}
	return s.e
}

// Change reports what one update did to the matching: the edges that entered and left it
// (ascending edge indices) and the total score afterwards.
type Change struct {
	Added, Removed []int
	Score          int64
}

// NewSolver solves p like [Solve] and keeps the residual graph and node potentials for
// later updates. Edges added later are numbered after p's, in the order given.
//
// Errors: [ErrInvalidProblem] (wrapped) for malformed input; the context's error (wrapped)
// when ctx is cancelled.
func NewSolver(ctx context.Context, p Problem) (*Solver, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("matching: new solver: %w", err)
	}
	e, err := build(p, true)
	if err != nil {
		return nil, err
	}
	if err := e.solveAll(ctx); err != nil {
		return nil, fmt.Errorf("matching: new solver: %w", err)
	}
	return &Solver{e: e, numEdges: len(p.Edges)}, nil
}

// Solution returns the current matching.
func (s *Solver) Solution() Solution { return s.engine().solution() }

// Score returns the total score of the current matching.
func (s *Solver) Score() int64 {
	e := s.engine()
	return e.score - e.loadCost
}

// NumLeft returns the number of left vertices (demands).
func (s *Solver) NumLeft() int { return s.engine().numLeft }

// NumRight returns the number of right vertices (providers).
func (s *Solver) NumRight() int { return s.engine().numRight }

// NumEdges returns the number of edges, including those added since NewSolver.
func (s *Solver) NumEdges() int { return s.numEdges }

// AddLeft adds left vertex NumLeft() with the given capacity and edges, and re-optimises.
// Every edge's Left must be NumLeft(); the new edges get indices NumEdges(),
// NumEdges()+1, ... in the order given.
//
// Errors: [ErrInvalidProblem] (wrapped) for a capacity outside 0..CapacityMax, an edge with
// another Left, a Right out of range, a score outside 1..ScoreMax, two edges to the same
// right vertex, or a limit exceeded. On error nothing changes.
func (s *Solver) AddLeft(capacity int, edges []Edge) (Change, error) {
	e := s.engine()
	x := e.numLeft
	if x+1 > VerticesMax {
		return Change{}, fmt.Errorf("add left: %d left vertices, limit %d: %w", x+1, VerticesMax, ErrInvalidProblem)
	}
	if err := validateCapacity(capacity); err != nil {
		return Change{}, fmt.Errorf("add left: %w", err)
	}
	if s.numEdges+len(edges) > EdgesMax {
		return Change{}, fmt.Errorf("add left: %d edges, limit %d: %w", s.numEdges+len(edges), EdgesMax, ErrInvalidProblem)
	}
	rights := make([]int32, len(edges))
	for i, ed := range edges {
		if ed.Left != x {
			return Change{}, fmt.Errorf("add left: edge %d: left %d, want %d: %w", i, ed.Left, x, ErrInvalidProblem)
		}
		if err := validateEdge(i, ed, x+1, e.numRight); err != nil {
			return Change{}, fmt.Errorf("add left: %w", err)
		}
		rights[i] = int32(ed.Right)
	}
	slices.Sort(rights)
	for i := 1; i < len(rights); i++ {
		if rights[i] == rights[i-1] {
			return Change{}, fmt.Errorf("add left: two edges to right %d: %w", rights[i], ErrInvalidProblem)
		}
	}

	e.leftCap = append(e.leftCap, int32(min(capacity, len(edges))))
	e.leftMatched = append(e.leftMatched, 0)
	e.potLeft = append(e.potLeft, 0)
	e.distLeft = append(e.distLeft, 0)
	e.markLeft = append(e.markLeft, 0)
	e.viaLeft = append(e.viaLeft, 0)
	for i, ed := range edges {
		slot := int32(len(e.slotRight))
		r := int32(ed.Right)
		e.slotRight = append(e.slotRight, r)
		e.slotLeft = append(e.slotLeft, int32(x))
		e.slotScore = append(e.slotScore, ed.Score)
		e.slotEdge = append(e.slotEdge, int32(s.numEdges+i))
		e.matched = append(e.matched, false)
		e.slotNext = append(e.slotNext, -1)
		e.slotAllNext = append(e.slotAllNext, e.rightAll[r])
		e.rightAll[r] = slot
	}
	e.leftStart = append(e.leftStart, int32(len(e.slotRight)))
	e.numLeft++
	s.numEdges += len(edges)

	s.beginChange()
	// A nil context: the search count is bounded by the new vertex's capacity.
	_ = e.insertLeft(nil, int32(x))
	return s.endChange(), nil
}

// AddRight adds right vertex NumRight() with the given capacity, no load cost and no edges
// (edges reach it through later AddLeft calls) and returns its index.
//
// Errors: [ErrInvalidProblem] (wrapped) for a capacity outside 0..CapacityMax or too many
// right vertices. On error nothing changes.
func (s *Solver) AddRight(capacity int) (int, error) {
	e := s.engine()
	if e.numRight+1 > VerticesMax {
		return 0, fmt.Errorf("add right: %d right vertices, limit %d: %w", e.numRight+1, VerticesMax, ErrInvalidProblem)
	}
	if err := validateCapacity(capacity); err != nil {
		return 0, fmt.Errorf("add right: %w", err)
	}
	e.rightCap = append(e.rightCap, int32(capacity))
	e.rightStep = append(e.rightStep, 0)
	e.rightHead = append(e.rightHead, -1)
	e.rightUsed = append(e.rightUsed, 0)
	e.potRight = append(e.potRight, 0)
	e.distRight = append(e.distRight, 0)
	e.markRight = append(e.markRight, 0)
	e.viaRight = append(e.viaRight, 0)
	e.rightAll = append(e.rightAll, -1)
	e.numRight++
	return e.numRight - 1, nil
}

// AddRightCapacity raises the capacity of right vertex right by delta (a provider finished
// earlier work, 释放) and re-optimises: each new unit runs at most one search for the best
// improving exchange through that vertex.
//
// Errors: [ErrInvalidProblem] (wrapped) for right out of range, a negative delta, or a
// resulting capacity over CapacityMax. On error nothing changes.
func (s *Solver) AddRightCapacity(right, delta int) (Change, error) {
	e := s.engine()
	if right < 0 || right >= e.numRight {
		return Change{}, fmt.Errorf("add right capacity: right %d outside 0..%d: %w", right, e.numRight-1, ErrInvalidProblem)
	}
	if delta < 0 || delta > CapacityMax-int(e.rightCap[right]) {
		return Change{}, fmt.Errorf("add right capacity: right %d: delta %d makes capacity leave 0..%d: %w",
			right, delta, CapacityMax, ErrInvalidProblem)
	}
	s.beginChange()
	r := int32(right)
	streamed := false
	for i := range delta {
		saturated := e.rightUsed[r] >= e.rightCap[r]
		e.rightCap[r]++
		if saturated && !streamed && delta-i >= 2 {
			// Several searches from r in a row: r's arcs go through the source stream
			// rather than being scanned by each search (same results, see beginLeftSource).
			streamed = e.beginRightSource(r)
		}
		if !saturated || !e.improveAtRight(r) {
			// r has free capacity now and a potential that allows it: the remaining units
			// offer nothing a search could use.
			e.rightCap[r] += int32(delta - 1 - i)
			break
		}
	}
	if streamed {
		e.endSource()
	}
	return s.endChange(), nil
}

func (s *Solver) beginChange() {
	e := s.engine()
	e.trackToggles = true
	e.toggled = e.toggled[:0]
}

// endChange turns the toggled slots into the net change.
func (s *Solver) endChange() Change {
	e := s.engine()
	e.trackToggles = false
	c := Change{Added: []int{}, Removed: []int{}, Score: e.score - e.loadCost}
	slices.Sort(e.toggled)
	for i := 0; i < len(e.toggled); {
		j := i
		for j < len(e.toggled) && e.toggled[j] == e.toggled[i] {
			j++
		}
		if (j-i)%2 == 1 {
			slot := e.toggled[i]
			if e.matched[slot] {
				c.Added = append(c.Added, int(e.slotEdge[slot]))
			} else {
				c.Removed = append(c.Removed, int(e.slotEdge[slot]))
			}
		}
		i = j
	}
	slices.Sort(c.Added)
	slices.Sort(c.Removed)
	return c
}
