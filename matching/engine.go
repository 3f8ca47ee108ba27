package matching

import (
	"context"
	"fmt"
	"slices"
)

// engine holds the residual graph of the min-cost-flow form of a b-matching and the node
// potentials that keep every residual reduced cost non-negative.
//
// The flow network: each left vertex l has a supply of leftCap[l] units; an unmatched edge
// (l, r) is an arc l→r of cost -score; right vertex r sends up to rightCap[r] units to the
// sink t at cost 0; and every left vertex has a bypass arc l→t of cost 0, the "stay
// unmatched" option, so every unit can always be routed. A minimum-cost routing of all
// units is a maximum-weight b-matching.
//
// Edges live in slots: the edges of left vertex l occupy slots leftStart[l]..leftStart[l+1]-1
// (compressed sparse rows). The matched slots of right vertex r form a singly linked list
// through slotNext, so a right vertex's back arcs are found without scanning its edges.
//
// Potentials: potLeft, potRight, and 0 for the sink. Invariants between searches:
//   - reduced cost of every residual arc ≥ 0, i.e. for an unmatched slot (l, r):
//     potLeft[l] - score - potRight[r] ≥ 0; for a matched one: score - potLeft[l] + potRight[r] ≥ 0;
//     potLeft[l] ≥ 0 (bypass arc); potRight[r] ≥ 0 when r has free capacity (arc r→t);
//     potRight[r] ≤ 0 when r has a matched edge (arc t→r); potLeft[l] ≤ 0 when l has a
//     bypassed unit (arc t→l).
//
// Searches reset only what they touched, by bumping epoch.
type engine struct {
	numLeft, numRight int

	leftCap  []int32 // min(capacity, degree): units the search will route
	rightCap []int32
	// rightStep: the k-th unit through right vertex r costs k*rightStep[r] (parallel arcs
	// r→t of increasing cost, a convex cost that successive shortest paths handle exactly).
	rightStep []int64

	leftStart []int32 // len numLeft+1
	slotRight []int32
	slotLeft  []int32
	slotScore []int64
	slotEdge  []int32 // index of the edge in the caller's numbering
	matched   []bool
	slotNext  []int32 // next matched slot of the same right vertex, -1 at the end

	rightHead   []int32 // first matched slot of each right vertex, -1 when none
	rightUsed   []int32 // matched edges per right vertex
	leftMatched []int32 // matched edges per left vertex

	potLeft, potRight []int64
	score             int64 // sum of matched edge scores
	loadCost          int64 // sum of the right vertices' load costs
	matchedCount      int

	// Reverse adjacency (all slots of a right vertex), kept only by Solver for the
	// capacity-increase search: rightAll heads a list through slotAllNext.
	reverse     bool
	rightAll    []int32
	slotAllNext []int32

	// Search scratch, reused by every search.
	distLeft, distRight []int64
	markLeft, markRight []uint32 // == epoch: reached; == epoch+1: settled
	viaLeft, viaRight   []int32  // slot through which the vertex was reached
	epoch               uint32
	heap                minHeap
	settled             []int32 // encoded vertices settled by the current search
	searches            int

	// toggled collects slots whose matched flag changed, for Solver's Change reports.
	trackToggles bool
	toggled      []int32

	// Source stream. When one vertex runs many searches in a row (insertLeft of a left
	// vertex with many units, AddRightCapacity by many units), scanning all its arcs in
	// every search would cost degree × units. Instead its arcs wait in srcHeap, keyed by
	// the part of their reduced cost that does not depend on the source's own potential,
	// and each search takes from srcHeap only what it would have popped from the heap. See
	// beginLeftSource.
	srcOn     bool    // searches from src read its arcs from srcHeap
	srcRight  bool    // src is a right vertex (improveAtRight); else a left one (augmentFrom)
	src       int32   // the source vertex
	srcHeap   minHeap // one entry per unmatched slot of src: (srcKey, the other end's code)
	srcTaken  []int32 // codes the current search took from srcHeap, put back after it
	srcSlotOf []int32 // other end's index → its slot with src; checked on use, never cleared
	srcLive   bool    // the current search has settled src, so its arcs are in play
	srcBound  int64   // bound when src was settled: only arcs shorter than it are in play
	srcOffset int64   // distance of an arc from src = srcOffset + its key, this search
	// srcMinDegree: a source of lower degree is scanned as before (same result either way).
	srcMinDegree int

	// Hub heaps. A search that settles right vertex r relaxes the back arc of each matched
	// slot s of r whose reduced length d + key(s) + potRight[r] is below the bound, where
	// key(s) = slotScore[s] - potLeft[slotLeft[s]]; the rest are skipped. For a right vertex
	// with many matched slots (a hub), walking all of them in every search that reaches it
	// costs used × searches, while few pass. So once r has hubMinUsed matched slots, they
	// are also kept in a min-heap of (key, slot), and the search visits only the entries
	// below its limit (a subtree at the root). See relaxHub for why the searches are the
	// same.
	//
	// An entry's key is never above key(s): augmentFrom only lowers potentials, so keys
	// only rise and a stale entry is re-keyed when a search visits it; improveAtRight
	// raises potentials, and updates the entries of the left vertices it settles.
	hubMinUsed int
	hubIndex   []int32   // right vertex → index in hubHeaps, -1 none; may be shorter than numRight
	hubHeaps   []minHeap // (key lower bound, slot) of every matched slot of the hub
	hubPos     []int32   // slot → index of its entry in its hub's heap, while matched
	hubPrev    []int32   // slot → previous slot in its hub's matched list, -1 at the head
	hubStack   []int32   // scratch of relaxHub
	hubStale   []int32   // scratch of relaxHub
}

// hubMinUsedDefault is the number of matched slots from which a right vertex keeps a hub
// heap; below it the plain walk of its matched list is as fast.
const hubMinUsedDefault = 32

// srcMinDegreeDefault is the degree from which a source with several units uses the source
// stream; below it the plain scan is as fast.
const srcMinDegreeDefault = 64

// Encoded vertices in the heap and the settled list: left l is 2l, right r is 2r+1, so
// comparing codes breaks ties by side and index, deterministically.
func encLeft(l int32) int32  { return l << 1 }
func encRight(r int32) int32 { return r<<1 | 1 }

// sinkNone marks "no path end found" in the reverse search.
const sinkNone = int32(-1)

// build validates p and lays out its residual graph with zero flow.
func build(p Problem, reverse bool) (*engine, error) {
	if err := validateSizes(p); err != nil {
		return nil, err
	}
	numLeft, numRight := len(p.LeftCap), len(p.RightCap)
	for i, ed := range p.Edges {
		if err := validateEdge(i, ed, numLeft, numRight); err != nil {
			return nil, err
		}
	}
	numEdges := len(p.Edges)
	e := &engine{numLeft: numLeft, numRight: numRight, reverse: reverse}

	// Counting sort of edges by left vertex; stable, so slots of one left vertex are in
	// ascending edge order.
	e.leftStart = make([]int32, numLeft+1)
	for _, ed := range p.Edges {
		e.leftStart[ed.Left+1]++
	}
	for l := range numLeft {
		e.leftStart[l+1] += e.leftStart[l]
	}
	e.slotRight = make([]int32, numEdges)
	e.slotLeft = make([]int32, numEdges)
	e.slotScore = make([]int64, numEdges)
	e.slotEdge = make([]int32, numEdges)
	fill := make([]int32, numLeft)
	copy(fill, e.leftStart[:numLeft])
	for i, ed := range p.Edges {
		s := fill[ed.Left]
		fill[ed.Left]++
		e.slotRight[s] = int32(ed.Right)
		e.slotLeft[s] = int32(ed.Left)
		e.slotScore[s] = ed.Score
		e.slotEdge[s] = int32(i)
	}

	// Duplicate pairs: within one left vertex's slots, remember the last slot seen per
	// right vertex. A remembered slot at or after leftStart[l] belongs to l itself.
	e.rightHead = make([]int32, numRight) // used as scratch here, reset below
	for r := range e.rightHead {
		e.rightHead[r] = -1
	}
	for l := range numLeft {
		for s := e.leftStart[l]; s < e.leftStart[l+1]; s++ {
			r := e.slotRight[s]
			if prev := e.rightHead[r]; prev >= e.leftStart[l] {
				return nil, fmt.Errorf("edges %d and %d both join left %d and right %d: %w",
					e.slotEdge[prev], e.slotEdge[s], l, r, ErrInvalidProblem)
			}
			e.rightHead[r] = s
		}
	}
	for r := range e.rightHead {
		e.rightHead[r] = -1
	}

	e.leftCap = make([]int32, numLeft)
	for l, c := range p.LeftCap {
		e.leftCap[l] = int32(min(c, int(e.leftStart[l+1]-e.leftStart[l])))
	}
	e.rightCap = make([]int32, numRight)
	for r, c := range p.RightCap {
		e.rightCap[r] = int32(c)
	}
	e.rightStep = make([]int64, numRight)
	copy(e.rightStep, p.RightLoadCost)
	e.matched = make([]bool, numEdges)
	e.slotNext = make([]int32, numEdges)
	e.rightUsed = make([]int32, numRight)
	e.leftMatched = make([]int32, numLeft)
	e.potLeft = make([]int64, numLeft)
	e.potRight = make([]int64, numRight)
	e.distLeft = make([]int64, numLeft)
	e.distRight = make([]int64, numRight)
	e.markLeft = make([]uint32, numLeft)
	e.markRight = make([]uint32, numRight)
	e.viaLeft = make([]int32, numLeft)
	e.viaRight = make([]int32, numRight)
	e.epoch = 2
	e.srcMinDegree = srcMinDegreeDefault
	e.hubMinUsed = hubMinUsedDefault
	if reverse {
		e.rightAll = make([]int32, numRight)
		for r := range e.rightAll {
			e.rightAll[r] = -1
		}
		e.slotAllNext = make([]int32, numEdges)
		for s := numEdges - 1; s >= 0; s-- {
			r := e.slotRight[s]
			e.slotAllNext[s] = e.rightAll[r]
			e.rightAll[r] = int32(s)
		}
	}
	return e, nil
}

// solveAll routes every left vertex's units, in index order.
func (e *engine) solveAll(ctx context.Context) error {
	for l := range e.numLeft {
		if err := e.insertLeft(ctx, int32(l)); err != nil {
			return err
		}
	}
	return nil
}

// insertLeft routes the units of left vertex x, which no search has reached yet (it has no
// matched edge and no bypassed unit, hence no incoming residual arc). It stops at the first
// unit that stays unmatched: path costs never decrease, so the later units would too.
func (e *engine) insertLeft(ctx context.Context, x int32) error {
	units := e.leftCap[x]
	if units == 0 {
		return nil
	}
	// The tightest potential that keeps x's outgoing arcs non-negative: the best reduced
	// gain of its edges. Arcs into x do not exist yet, so no other constraint applies.
	var pot int64
	for s := e.leftStart[x]; s < e.leftStart[x+1]; s++ {
		pot = max(pot, e.slotScore[s]+e.potRight[e.slotRight[s]])
	}
	e.potLeft[x] = pot
	if units >= 2 && int(e.leftStart[x+1]-e.leftStart[x]) >= e.srcMinDegree {
		e.beginLeftSource(x)
	}
	var err error
	for range units {
		if ctx != nil {
			e.searches++
			if e.searches%cancelCheckInterval == 0 {
				if err = ctx.Err(); err != nil {
					break
				}
			}
		}
		if !e.augmentFrom(x) {
			break
		}
	}
	e.endSource()
	return err
}

// beginLeftSource puts the arcs of left vertex x into the source stream, for a run of
// augmentFrom(x) with nothing else between them.
//
// Why the stream gives the same searches: a search from x settles x first, at distance 0,
// and the scan of x then pushes every unmatched slot (x, r) with nd = potLeft[x] - score -
// potRight[r] below the bound, before anything else is in the heap. The search keeps those
// entries in srcHeap instead, keyed by -score - potRight[r] (nd minus potLeft[x]), and pops
// the smaller of the heap's and srcHeap's tops in the same (key, code) order, so vertices
// are settled in exactly the same order. Where the scan would have marked r reached (its
// distance and via slot), that state is written when first needed: when srcHeap's entry
// for r is popped or another vertex relaxes an arc into r (srcReach). Between the
// searches of one run potentials only fall (a search lowers the potentials it settles), so
// keys only rise: a stale entry is re-keyed when it reaches the top, and x's slots only
// become matched, after which their entries are dropped.
func (e *engine) beginLeftSource(x int32) {
	e.srcOn, e.srcRight, e.src = true, false, x
	if len(e.srcSlotOf) < e.numRight {
		e.srcSlotOf = make([]int32, e.numRight)
	}
	e.srcHeap.items = e.srcHeap.items[:0]
	for s := e.leftStart[x]; s < e.leftStart[x+1]; s++ {
		if e.matched[s] {
			continue
		}
		r := e.slotRight[s]
		e.srcSlotOf[r] = s
		e.srcHeap.items = append(e.srcHeap.items, heapItem{e.srcKey(s), encRight(r)})
	}
	e.srcHeap.init()
}

// beginRightSource puts the arcs of right vertex r into the source stream, for a run of
// improveAtRight(r) with nothing else between them; it reports false (and does nothing)
// when r has fewer than srcMinDegree edges. It mirrors beginLeftSource: the search from r
// settles r first at distance 0 and would push every unmatched slot (l, r) at nd =
// potLeft[l] - score - potRight[r]; the key is potLeft[l] - score, and since
// improveAtRight only raises potentials, keys only rise between the searches of a run.
func (e *engine) beginRightSource(r int32) bool {
	degree := 0
	for s := e.rightAll[r]; s >= 0 && degree < e.srcMinDegree; s = e.slotAllNext[s] {
		degree++
	}
	if degree < e.srcMinDegree {
		return false
	}
	e.srcOn, e.srcRight, e.src = true, true, r
	if len(e.srcSlotOf) < e.numLeft {
		e.srcSlotOf = make([]int32, e.numLeft)
	}
	e.srcHeap.items = e.srcHeap.items[:0]
	for s := e.rightAll[r]; s >= 0; s = e.slotAllNext[s] {
		if e.matched[s] {
			continue
		}
		l := e.slotLeft[s]
		e.srcSlotOf[l] = s
		e.srcHeap.items = append(e.srcHeap.items, heapItem{e.srcKey(s), encLeft(l)})
	}
	e.srcHeap.init()
	return true
}

// endSource ends a run of searches from one source.
func (e *engine) endSource() {
	e.srcOn, e.srcLive = false, false
	e.srcHeap.items = e.srcHeap.items[:0]
	e.srcTaken = e.srcTaken[:0]
}

// srcKey is the key of slot s of the source in srcHeap: its reduced cost from the source
// without the source's own potential (and distance, which is 0).
func (e *engine) srcKey(s int32) int64 {
	if e.srcRight {
		return e.potLeft[e.slotLeft[s]] - e.slotScore[s]
	}
	return -e.slotScore[s] - e.potRight[e.slotRight[s]]
}

// srcSlot returns the unmatched slot joining the source to the vertex of the other side
// with index v, or -1.
func (e *engine) srcSlot(v int32) int32 {
	if int(v) >= len(e.srcSlotOf) {
		return -1
	}
	s := e.srcSlotOf[v]
	if s < 0 || int(s) >= len(e.slotRight) || e.matched[s] {
		return -1
	}
	if e.srcRight {
		if e.slotRight[s] != e.src || e.slotLeft[s] != v {
			return -1
		}
	} else if e.slotLeft[s] != e.src || e.slotRight[s] != v {
		return -1
	}
	return s
}

// srcTop returns the smallest valid entry of srcHeap, as the heap entry (distance, code)
// the scan of the source would have pushed; it drops entries of matched slots and re-keys
// stale ones on the way.
func (e *engine) srcTop() (heapItem, bool) {
	h := &e.srcHeap
	for len(h.items) > 0 {
		it := h.items[0]
		s := e.srcSlotOf[it.node>>1]
		if e.matched[s] {
			h.pop()
			continue
		}
		if k := e.srcKey(s); k != it.key {
			h.pop()
			h.push(k, it.node)
			continue
		}
		return heapItem{e.srcOffset + it.key, it.node}, true
	}
	return heapItem{}, false
}

// popNext pops the next entry of a search in which the source is live: the smaller of the
// heap's top and srcHeap's. It reports false when both are empty.
// next takes the vertex a search settles next: the nearest in its heap, merged with the
// source's arcs while they are live (popNext).
func (e *engine) next() (int64, int32, bool) {
	if e.srcLive {
		return e.popNext()
	}
	if len(e.heap.items) == 0 {
		return 0, 0, false
	}
	d, v := e.heap.pop()
	return d, v, true
}

func (e *engine) popNext() (int64, int32, bool) {
	if it, ok := e.srcTop(); ok && (len(e.heap.items) == 0 || itemLess(it, e.heap.items[0])) {
		e.srcHeap.pop()
		e.srcTaken = append(e.srcTaken, it.node)
		return it.key, it.node, true
	}
	if len(e.heap.items) == 0 {
		return 0, 0, false
	}
	d, v := e.heap.pop()
	return d, v, true
}

// settleSource stands for the scan of the source's arcs: they come into play, at distance
// d from the source's settling (always 0) plus srcOffset, below the current bound.
func (e *engine) settleSource(offset, bound int64) {
	e.srcLive, e.srcOffset, e.srcBound = true, offset, bound
}

// srcReach writes the state the scan of the source would have left for the vertex of the
// other side with index v (distance and via slot, marked reached), if the scan would have
// reached it and nothing has yet. It returns v's mark afterwards.
func (e *engine) srcReach(v int32) uint32 {
	mark, dist, via := e.markRight, e.distRight, e.viaRight
	if e.srcRight {
		mark, dist, via = e.markLeft, e.distLeft, e.viaLeft
	}
	m := mark[v]
	if !e.srcLive || m == e.epoch || m == e.epoch+1 {
		return m
	}
	s := e.srcSlot(v)
	if s < 0 {
		return m
	}
	nd := e.srcOffset + e.srcKey(s)
	if nd >= e.srcBound {
		return m
	}
	mark[v], dist[v], via[v] = e.epoch, nd, s
	return e.epoch
}

// restoreSource puts the entries the search took from srcHeap back, re-keyed, except those
// whose slot it matched.
func (e *engine) restoreSource() {
	for _, node := range e.srcTaken {
		if s := e.srcSlotOf[node>>1]; !e.matched[s] {
			e.srcHeap.push(e.srcKey(s), node)
		}
	}
	e.srcTaken = e.srcTaken[:0]
	e.srcLive = false
}

// nextEpoch starts a search: every vertex becomes unreached without touching the arrays,
// except once every 2^31 searches.
func (e *engine) nextEpoch() {
	if e.epoch >= 1<<32-4 {
		clear(e.markLeft)
		clear(e.markRight)
		e.epoch = 0
	}
	e.epoch += 2
	e.heap.items = e.heap.items[:0]
	e.settled = e.settled[:0]
	e.srcLive = false
	e.srcTaken = e.srcTaken[:0]
}

// augmentFrom runs one Dijkstra search from left vertex x for one more unit and applies the
// best augmenting path. It reports whether the unit was matched (false: the best option was
// to leave it unmatched, and nothing changed but potentials).
func (e *engine) augmentFrom(x int32) bool {
	e.nextEpoch()
	epoch := e.epoch
	done := epoch + 1

	// bound is the reduced length of the best path to the sink found so far; x's own
	// bypass (stay unmatched) is the first. Nothing at or beyond bound is explored.
	bound := e.potLeft[x]
	end := encLeft(x)

	e.distLeft[x] = 0
	e.markLeft[x] = epoch
	e.heap.push(0, encLeft(x))
	stream := e.srcOn && !e.srcRight && e.src == x
	for {
		d, v, ok := e.next()
		if !ok {
			break
		}
		if d >= bound {
			break
		}
		if v&1 == 0 {
			l := v >> 1
			if e.markLeft[l] == done || d > e.distLeft[l] {
				continue
			}
			e.markLeft[l] = done
			e.settled = append(e.settled, v)
			pl := e.potLeft[l]
			if l != x {
				// l gives up the edge it was reached by and stays unmatched.
				if nd := d + pl; nd < bound {
					bound, end = nd, v
				}
			} else if stream {
				e.settleSource(d+pl, bound)
				continue
			}
			for s := e.leftStart[l]; s < e.leftStart[l+1]; s++ {
				if e.matched[s] {
					continue
				}
				r := e.slotRight[s]
				nd := d + pl - e.slotScore[s] - e.potRight[r]
				if nd >= bound {
					continue
				}
				m := e.markRight[r]
				if stream {
					m = e.srcReach(r)
				}
				if m == done || (m == epoch && nd >= e.distRight[r]) {
					continue
				}
				e.markRight[r] = epoch
				e.distRight[r] = nd
				e.viaRight[r] = s
				e.heap.push(nd, encRight(r))
			}
		} else {
			r := v >> 1
			if stream {
				e.srcReach(r)
			}
			if e.markRight[r] == done || d > e.distRight[r] {
				continue
			}
			e.markRight[r] = done
			e.settled = append(e.settled, v)
			pr := e.potRight[r]
			if u := e.rightUsed[r]; u < e.rightCap[r] {
				if nd := d + int64(u)*e.rightStep[r] + pr; nd < bound {
					bound, end = nd, v
				}
			}
			if h := e.hubHeap(r); h != nil {
				e.relaxHub(h, d, pr, bound)
				continue
			}
			for s := e.rightHead[r]; s >= 0; s = e.slotNext[s] {
				l := e.slotLeft[s]
				nd := d + e.slotScore[s] - e.potLeft[l] + pr
				if nd >= bound {
					continue
				}
				m := e.markLeft[l]
				if m == done || (m == epoch && nd >= e.distLeft[l]) {
					continue
				}
				e.markLeft[l] = epoch
				e.distLeft[l] = nd
				e.viaLeft[l] = s
				e.heap.push(nd, encLeft(l))
			}
		}
	}

	// Potentials: every settled vertex v (distance d(v) < bound) drops by bound - d(v).
	// This keeps all reduced costs non-negative and makes the chosen path's arcs zero.
	for _, v := range e.settled {
		if v&1 == 0 {
			l := v >> 1
			e.potLeft[l] -= bound - e.distLeft[l]
		} else {
			r := v >> 1
			e.potRight[r] -= bound - e.distRight[r]
		}
	}
	if stream {
		e.restoreSource()
	}

	if end == encLeft(x) {
		return false
	}
	// Walk the path back from its end to x, flipping matched and unmatched slots.
	v := end
	for {
		if v&1 == 1 {
			r := v >> 1
			s := e.viaRight[r]
			e.match(s)
			v = encLeft(e.slotLeft[s])
			continue
		}
		l := v >> 1
		if l == x {
			return true
		}
		s := e.viaLeft[l]
		e.unmatch(s)
		v = encRight(e.slotRight[s])
	}
}

// match marks slot s matched and links it into its right vertex's list.
func (e *engine) match(s int32) {
	r, l := e.slotRight[s], e.slotLeft[s]
	e.matched[s] = true
	head := e.rightHead[r]
	e.slotNext[s] = head
	e.rightHead[r] = s
	if int(r) < len(e.hubIndex) && e.hubIndex[r] >= 0 {
		e.hubSlots()
		e.hubPrev[s] = -1
		if head >= 0 {
			e.hubPrev[head] = s
		}
		e.hubInsert(&e.hubHeaps[e.hubIndex[r]], s)
	}
	e.loadCost += int64(e.rightUsed[r]) * e.rightStep[r]
	e.rightUsed[r]++
	e.leftMatched[l]++
	e.score += e.slotScore[s]
	e.matchedCount++
	if e.trackToggles {
		e.toggled = append(e.toggled, s)
	}
}

// unmatch clears slot s and unlinks it from its right vertex's list: through hubPrev at a
// hub, else by walking the list from its head (short unless searches never settled r).
func (e *engine) unmatch(s int32) {
	r, l := e.slotRight[s], e.slotLeft[s]
	e.matched[s] = false
	if int(r) < len(e.hubIndex) && e.hubIndex[r] >= 0 {
		next, prev := e.slotNext[s], e.hubPrev[s]
		if prev < 0 {
			e.rightHead[r] = next
		} else {
			e.slotNext[prev] = next
		}
		if next >= 0 {
			e.hubPrev[next] = prev
		}
		e.hubRemove(&e.hubHeaps[e.hubIndex[r]], s)
	} else if e.rightHead[r] == s {
		e.rightHead[r] = e.slotNext[s]
	} else {
		for p := e.rightHead[r]; p >= 0; p = e.slotNext[p] {
			if e.slotNext[p] == s {
				e.slotNext[p] = e.slotNext[s]
				break
			}
		}
	}
	e.rightUsed[r]--
	e.loadCost -= int64(e.rightUsed[r]) * e.rightStep[r]
	e.leftMatched[l]--
	e.score -= e.slotScore[s]
	e.matchedCount--
	if e.trackToggles {
		e.toggled = append(e.toggled, s)
	}
}

// solution lists the matched edges in ascending edge order.
func (e *engine) solution() Solution {
	edges := make([]int, 0, e.matchedCount)
	for s, m := range e.matched {
		if m {
			edges = append(edges, int(e.slotEdge[s]))
		}
	}
	slices.Sort(edges)
	return Solution{Edges: edges, Score: e.score - e.loadCost}
}

// improveAtRight is called after right vertex r, which was saturated, got one more unit of
// capacity. That opens an arc r→t with reduced cost used*step + potRight[r]; if negative, the best
// negative cycle through it (t → ... → r → t) is the best improving exchange. The search
// runs backwards from r over reversed arcs and stops at the sink. It reports whether the
// matching changed.
func (e *engine) improveAtRight(r int32) bool {
	limit := -(int64(e.rightUsed[r])*e.rightStep[r] + e.potRight[r])
	if limit <= 0 {
		return false
	}
	e.nextEpoch()
	epoch := e.epoch
	done := epoch + 1
	bound := limit
	end := sinkNone // the vertex the cycle enters from the sink

	e.distRight[r] = 0
	e.markRight[r] = epoch
	e.heap.push(0, encRight(r))
	stream := e.srcOn && e.srcRight && e.src == r
	for {
		d, v, ok := e.next()
		if !ok {
			break
		}
		if d >= bound {
			break
		}
		if v&1 == 1 {
			rv := v >> 1
			if e.markRight[rv] == done || d > e.distRight[rv] {
				continue
			}
			e.markRight[rv] = done
			e.settled = append(e.settled, v)
			pr := e.potRight[rv]
			if u := e.rightUsed[rv]; u > 0 {
				// Arc t→rv: rv hands its last unit back to the sink.
				if nd := d - int64(u-1)*e.rightStep[rv] - pr; nd < bound {
					bound, end = nd, v
				}
			}
			if stream && rv == r {
				e.settleSource(d-pr, bound)
				continue
			}
			// Arcs l→rv over unmatched slots, walked backwards.
			for s := e.rightAll[rv]; s >= 0; s = e.slotAllNext[s] {
				if e.matched[s] {
					continue
				}
				l := e.slotLeft[s]
				nd := d + e.potLeft[l] - e.slotScore[s] - pr
				if nd >= bound {
					continue
				}
				m := e.markLeft[l]
				if stream {
					m = e.srcReach(l)
				}
				if m == done || (m == epoch && nd >= e.distLeft[l]) {
					continue
				}
				e.markLeft[l] = epoch
				e.distLeft[l] = nd
				e.viaLeft[l] = s
				e.heap.push(nd, encLeft(l))
			}
		} else {
			l := v >> 1
			if stream {
				e.srcReach(l)
			}
			if e.markLeft[l] == done || d > e.distLeft[l] {
				continue
			}
			e.markLeft[l] = done
			e.settled = append(e.settled, v)
			pl := e.potLeft[l]
			if e.leftMatched[l] < e.leftCap[l] {
				// Arc t→l: one of l's unmatched units.
				if nd := d - pl; nd < bound {
					bound, end = nd, v
				}
			}
			// Arcs rv→l over matched slots (back arcs), walked backwards.
			for s := e.leftStart[l]; s < e.leftStart[l+1]; s++ {
				if !e.matched[s] {
					continue
				}
				rv := e.slotRight[s]
				nd := d + e.slotScore[s] - pl + e.potRight[rv]
				if nd >= bound {
					continue
				}
				m := e.markRight[rv]
				if m == done || (m == epoch && nd >= e.distRight[rv]) {
					continue
				}
				e.markRight[rv] = epoch
				e.distRight[rv] = nd
				e.viaRight[rv] = s
				e.heap.push(nd, encRight(rv))
			}
		}
	}

	// Potentials: every settled vertex rises by bound - d(v), d(v) being its distance to r.
	hubs := len(e.hubHeaps) > 0
	for _, v := range e.settled {
		if v&1 == 0 {
			l := v >> 1
			e.potLeft[l] += bound - e.distLeft[l]
			if hubs {
				// The keys of l's matched slots fall: hub entries must not stay above them.
				e.rekeyHubs(l)
			}
		} else {
			rv := v >> 1
			e.potRight[rv] += bound - e.distRight[rv]
		}
	}
	if stream {
		e.restoreSource()
	}
	if end == sinkNone {
		return false
	}
	// Walk the cycle forwards from the sink to r.
	v := end
	for {
		if v&1 == 0 {
			s := e.viaLeft[v>>1]
			e.match(s)
			if e.slotRight[s] == r {
				return true
			}
			v = encRight(e.slotRight[s])
			continue
		}
		s := e.viaRight[v>>1]
		e.unmatch(s)
		v = encLeft(e.slotLeft[s])
	}
}

// hubKey is the key of matched slot s in its right vertex's hub heap: the reduced length of
// its back arc without the right vertex's potential.
func (e *engine) hubKey(s int32) int64 {
	return e.slotScore[s] - e.potLeft[e.slotLeft[s]]
}

// hubHeap returns the hub heap of right vertex r, building it when r has at least
// hubMinUsed matched slots, or nil.
func (e *engine) hubHeap(r int32) *minHeap {
	if int(r) < len(e.hubIndex) && e.hubIndex[r] >= 0 {
		return &e.hubHeaps[e.hubIndex[r]]
	}
	if int(e.rightUsed[r]) < e.hubMinUsed {
		return nil
	}
	for len(e.hubIndex) < e.numRight {
		e.hubIndex = append(e.hubIndex, -1)
	}
	e.hubSlots()
	h := minHeap{items: make([]heapItem, 0, e.rightUsed[r])}
	prev := int32(-1)
	for s := e.rightHead[r]; s >= 0; s = e.slotNext[s] {
		h.items = append(h.items, heapItem{e.hubKey(s), s})
		e.hubPrev[s] = prev
		prev = s
	}
	h.init()
	for i, it := range h.items {
		e.hubPos[it.node] = int32(i)
	}
	e.hubIndex[r] = int32(len(e.hubHeaps))
	e.hubHeaps = append(e.hubHeaps, h)
	return &e.hubHeaps[len(e.hubHeaps)-1]
}

// hubSlots sizes the per-slot arrays of the hubs to the slots (Solver.AddLeft adds slots).
func (e *engine) hubSlots() {
	if n := len(e.slotRight) - len(e.hubPos); n > 0 {
		e.hubPos = append(e.hubPos, make([]int32, n)...)
		e.hubPrev = append(e.hubPrev, make([]int32, n)...)
	}
}

// hubInsert adds the entry of slot s, just matched, to its hub's heap h.
func (e *engine) hubInsert(h *minHeap, s int32) {
	h.items = append(h.items, heapItem{e.hubKey(s), s})
	h.up(len(h.items)-1, e.hubPos)
}

// hubRemove takes the entry of slot s, just unmatched, out of its hub's heap h.
func (e *engine) hubRemove(h *minHeap, s int32) {
	i := int(e.hubPos[s])
	last := len(h.items) - 1
	moved := h.items[last]
	h.items = h.items[:last]
	if i == last {
		return
	}
	old := h.items[i]
	h.items[i] = moved
	e.hubPos[moved.node] = int32(i)
	if itemLess(moved, old) {
		h.up(i, e.hubPos)
	} else {
		h.down(i, e.hubPos)
	}
}

// rekeyHubs gives the hub entries of left vertex l's matched slots their exact keys, after
// l's potential rose.
func (e *engine) rekeyHubs(l int32) {
	if e.leftMatched[l] == 0 {
		return
	}
	for s := e.leftStart[l]; s < e.leftStart[l+1]; s++ {
		if !e.matched[s] {
			continue
		}
		r := e.slotRight[s]
		if int(r) >= len(e.hubIndex) || e.hubIndex[r] < 0 {
			continue
		}
		h := &e.hubHeaps[e.hubIndex[r]]
		i := int(e.hubPos[s])
		old := h.items[i]
		h.items[i].key = e.hubKey(s)
		if itemLess(h.items[i], old) {
			h.up(i, e.hubPos)
		} else {
			h.down(i, e.hubPos)
		}
	}
}

// relaxHub relaxes the back arcs of the hub whose heap is h, settled at distance d with
// potential pr while the bound is bound: exactly those of the plain walk of its matched
// list that pass nd < bound, i.e. whose key is below limit = bound - d - pr.
//
// Why the search stays the same: every matched slot of the hub joins a different left
// vertex, so each relaxation writes only its own left vertex's state and one heap entry,
// whatever the order; and the search heap pops the same entries in the same (distance,
// code) order whatever order they were pushed in. Since no entry's key is above its
// slot's key, every slot whose key is below limit has an entry below limit, and the
// entries below limit form a subtree at the heap's root: visiting that subtree finds all
// of them. Visited entries whose key has gone stale are re-keyed afterwards, from the
// deepest up, so that each sift-down moves only entries below the ones still to fix.
func (e *engine) relaxHub(h *minHeap, d, pr, bound int64) {
	items := h.items
	limit := bound - d - pr
	if len(items) == 0 || items[0].key >= limit {
		return
	}
	epoch := e.epoch
	done := epoch + 1
	stack := append(e.hubStack[:0], 0)
	stale := e.hubStale[:0]
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if c := 2*i + 1; int(c) < len(items) && items[c].key < limit {
			stack = append(stack, c)
			if c+1 < int32(len(items)) && items[c+1].key < limit {
				stack = append(stack, c+1)
			}
		} else if int(c+1) < len(items) && items[c+1].key < limit {
			stack = append(stack, c+1)
		}
		s := items[i].node
		l := e.slotLeft[s]
		k := e.slotScore[s] - e.potLeft[l]
		if k != items[i].key {
			stale = append(stale, i)
		}
		if k >= limit {
			continue
		}
		nd := d + k + pr
		m := e.markLeft[l]
		if m == done || (m == epoch && nd >= e.distLeft[l]) {
			continue
		}
		e.markLeft[l] = epoch
		e.distLeft[l] = nd
		e.viaLeft[l] = s
		e.heap.push(nd, encLeft(l))
	}
	if len(stale) > 0 {
		slices.Sort(stale)
		for j := len(stale) - 1; j >= 0; j-- {
			i := stale[j]
			items[i].key = e.hubKey(items[i].node)
			h.down(int(i), e.hubPos)
		}
	}
	e.hubStack, e.hubStale = stack, stale
}
