package matching

// heapItem is a tentative distance and an encoded vertex.
type heapItem struct {
	key  int64
	node int32
}

// minHeap is a binary min-heap of (key, node) ordered by key, then node, so equal
// distances pop in a fixed order. Entries are never decreased in place: a shorter
// distance pushes a new entry and the stale one is skipped when popped.
type minHeap struct {
	items []heapItem
}

func (h *minHeap) push(key int64, node int32) {
	h.items = append(h.items, heapItem{key, node})
	items := h.items
	i := len(items) - 1
	it := items[i]
	for i > 0 {
		p := (i - 1) / 2
		if !itemLess(it, items[p]) {
			break
		}
		items[i] = items[p]
		i = p
	}
	items[i] = it
}

func (h *minHeap) pop() (int64, int32) {
	items := h.items
	top := items[0]
	n := len(items) - 1
	last := items[n]
	h.items = items[:n]
	if n > 0 {
		siftDown(items[:n], 0, last)
	}
	return top.key, top.node
}

// siftDown places it, the entry for index i, at or below i in items, whose entries below i
// are in heap order.
func siftDown(items []heapItem, i int, it heapItem) {
	n := len(items)
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if c+1 < n && itemLess(items[c+1], items[c]) {
			c++
		}
		if !itemLess(items[c], it) {
			break
		}
		items[i] = items[c]
		i = c
	}
	items[i] = it
}

func itemLess(a, b heapItem) bool {
	return a.key < b.key || (a.key == b.key && a.node < b.node)
}

// init orders items, filled in any order, into a heap in linear time.
func (h *minHeap) init() {
	for i := len(h.items)/2 - 1; i >= 0; i-- {
		siftDown(h.items, i, h.items[i])
	}
}

// up and down restore the heap order after the key at i fell (up) or rose (down), keeping
// pos[node] equal to each moved entry's index. They serve the hub heaps, whose nodes are
// slots (see engine.hubHeap).
func (h *minHeap) up(i int, pos []int32) {
	items := h.items
	it := items[i]
	for i > 0 {
		p := (i - 1) / 2
		if !itemLess(it, items[p]) {
			break
		}
		items[i] = items[p]
		pos[items[i].node] = int32(i)
		i = p
	}
	items[i] = it
	pos[it.node] = int32(i)
}

func (h *minHeap) down(i int, pos []int32) {
	items := h.items
	n := len(items)
	it := items[i]
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if c+1 < n && itemLess(items[c+1], items[c]) {
			c++
		}
		if !itemLess(items[c], it) {
			break
		}
		items[i] = items[c]
		pos[items[i].node] = int32(i)
		i = c
	}
	items[i] = it
	pos[it.node] = int32(i)
}
