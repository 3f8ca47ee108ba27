package memstore

import (
	"encoding/binary"

	"github.com/google/uuid"
)

// chunkMax bounds one chunk of an idSet: inserting moves at most this many ids, and a set of n
// ids has about 2n/chunkMax chunks to binary-search.
const chunkMax = 256

// idSet is an ordered set of uuids in byte order: a sorted list of sorted chunks. It gives
// ordered iteration from a cursor, which the paginated queries need, at O(log n + chunkMax) per
// insert or delete, with 16 bytes per member plus slack.
type idSet struct {
	chunks [][]uuid.UUID
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
	lo, hi := 0, len(s.chunks)
	for lo < hi {
		m := (lo + hi) / 2
		c := s.chunks[m]
		if less(c[len(c)-1], id) {
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
	if len(c) <= chunkMax {
		s.chunks[ci] = c
		return
	}
	half := len(c) / 2
	right := append(make([]uuid.UUID, 0, chunkMax), c[half:]...)
	s.chunks[ci] = c[:half:half] // the left half keeps its array; it grows by reallocation
	s.chunks = append(s.chunks, nil)
	copy(s.chunks[ci+2:], s.chunks[ci+1:])
	s.chunks[ci+1] = right
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
		return
	}
	s.chunks[ci] = c
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
// false. Sets are disjoint in use (a demand has one status), so no id repeats.
func merged(sets []*idSet, after uuid.UUID, fn func(uuid.UUID) bool) {
	curs := make([]cursor, 0, len(sets))
	for _, s := range sets {
		if c := s.from(after); c.valid() {
			curs = append(curs, c)
		}
	}
	for len(curs) > 0 {
		best := 0
		for i := 1; i < len(curs); i++ {
			if less(curs[i].id(), curs[best].id()) {
				best = i
			}
		}
		if !fn(curs[best].id()) {
			return
		}
		curs[best].next()
		if !curs[best].valid() {
			curs = append(curs[:best], curs[best+1:]...)
		}
	}
}
