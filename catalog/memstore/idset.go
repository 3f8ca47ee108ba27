package memstore

import (
	"encoding/binary"

	"github.com/google/uuid"
)

// chunkMax bounds one chunk of an idSet: inserting moves at most this many ids, and a set of n
// ids has about 2n/chunkMax chunks to binary-search.
const chunkMax = 128

// idSet is an ordered set of uuids in byte order: a sorted list of sorted chunks. It gives
// ordered iteration from a cursor, which the paginated queries need, at O(log n + chunkMax) per
// insert or delete, with 16 bytes per member plus slack.
type idSet struct {
	chunks [][]uuid.UUID
	lasts  []uuid.UUID // lasts[i] is the last id of chunks[i]: a dense array to binary-search
	n      int
}

func less(a, b uuid.UUID) bool {
	a0, b0 := binary.BigEndian.Uint64(a[:8]), binary.BigEndian.Uint64(b[:8])
	if a0 != b0 {
		return a0 < b0
	}
	return binary.BigEndian.Uint64(a[8:]) < binary.BigEndian.Uint64(b[8:])
}

// chunkFor returns the index of the first chunk whose last id is >= id (len(chunks) if none).
func (s *idSet) chunkFor(id uuid.UUID) int {
	lo, hi := 0, len(s.lasts)
	for lo < hi {
		m := (lo + hi) / 2
		if less(s.lasts[m], id) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// search returns the first index in c whose id is >= id.
func search(c []uuid.UUID, id uuid.UUID) int {
	lo, hi := 0, len(c)
	for lo < hi {
		m := (lo + hi) / 2
		if less(c[m], id) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

func (s *idSet) insert(id uuid.UUID) {
	ci := s.chunkFor(id)
	if ci == len(s.chunks) {
		if ci == 0 {
			s.chunks = append(s.chunks, make([]uuid.UUID, 0, 8))
			s.lasts = append(s.lasts, uuid.Nil)
		}
		ci = len(s.chunks) - 1
	}
	c := s.chunks[ci]
	i := search(c, id)
	if i < len(c) && c[i] == id {
		return
	}
	c = append(c, uuid.Nil)
	copy(c[i+1:], c[i:])
	c[i] = id
	s.n++
	s.chunks[ci] = c
	s.lasts[ci] = c[len(c)-1]
	if len(c) <= chunkMax {
		return
	}
	half := len(c) / 2
	right := append(make([]uuid.UUID, 0, chunkMax), c[half:]...)
	s.chunks[ci] = c[:half:half] // the left half keeps its array; it grows by reallocation
	s.lasts[ci] = c[half-1]
	s.chunks = append(s.chunks, nil)
	copy(s.chunks[ci+2:], s.chunks[ci+1:])
	s.chunks[ci+1] = right
	s.lasts = append(s.lasts, uuid.Nil)
	copy(s.lasts[ci+2:], s.lasts[ci+1:])
	s.lasts[ci+1] = right[len(right)-1]
}

func (s *idSet) remove(id uuid.UUID) {
	ci := s.chunkFor(id)
	if ci == len(s.chunks) {
		return
	}
	c := s.chunks[ci]
	i := search(c, id)
	if i == len(c) || c[i] != id {
		return
	}
	c = append(c[:i], c[i+1:]...)
	s.n--
	if len(c) == 0 {
		s.chunks = append(s.chunks[:ci], s.chunks[ci+1:]...)
		s.lasts = append(s.lasts[:ci], s.lasts[ci+1:]...)
		return
	}
	s.chunks[ci] = c
	s.lasts[ci] = c[len(c)-1]
}

// cursor iterates an idSet in order. It is invalid once the set changes.
type cursor struct {
	s      *idSet
	ci, i  int
	exists bool
}

// from positions a cursor at the first id > after (the first id when after is uuid.Nil).
func (s *idSet) from(after uuid.UUID) cursor {
	if s == nil || s.n == 0 {
		return cursor{}
	}
	if after == uuid.Nil {
		return cursor{s: s, exists: true}
	}
	ci := s.chunkFor(after)
	if ci == len(s.chunks) {
		return cursor{}
	}
	c := s.chunks[ci]
	i := search(c, after)
	if i < len(c) && c[i] == after {
		i++
	}
	cur := cursor{s: s, ci: ci, i: i, exists: true}
	cur.fix()
	return cur
}

func (c *cursor) fix() {
	for c.exists && c.i >= len(c.s.chunks[c.ci]) {
		c.ci, c.i = c.ci+1, 0
		if c.ci >= len(c.s.chunks) {
			c.exists = false
		}
	}
}

func (c *cursor) valid() bool { return c.exists }

func (c *cursor) id() uuid.UUID { return c.s.chunks[c.ci][c.i] }

func (c *cursor) next() {
	c.i++
	c.fix()
}

// merged walks several sets in id order as one (their union), calling fn until it returns
// false. Sets are disjoint in use (a demand has one status and one category), so no id repeats.
// The cursors form a binary min-heap on their current id, so each step costs O(log k).
func merged(sets []*idSet, after uuid.UUID, fn func(uuid.UUID) bool) {
	h := make([]cursor, 0, len(sets))
	for _, s := range sets {
		if c := s.from(after); c.valid() {
			h = append(h, c)
		}
	}
	for i := len(h)/2 - 1; i >= 0; i-- {
		siftDown(h, i)
	}
	for len(h) > 0 {
		if !fn(h[0].id()) {
			return
		}
		h[0].next()
		if !h[0].valid() {
			h[0] = h[len(h)-1]
			h = h[:len(h)-1]
		}
		siftDown(h, 0)
	}
}

func siftDown(h []cursor, i int) {
	for {
		l, small := 2*i+1, i
		if l < len(h) && less(h[l].id(), h[small].id()) {
			small = l
		}
		if r := l + 1; r < len(h) && less(h[r].id(), h[small].id()) {
			small = r
		}
		if small == i {
			return
		}
		h[i], h[small] = h[small], h[i]
		i = small
	}
}
