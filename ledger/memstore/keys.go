package memstore

import (
	"hash/maphash"
)

// keyIndex finds transactions by idempotency key without giving the garbage collector
// anything to scan: key bytes live in a chunked arena, and the index is a hash table of its
// own (extendible hashing over pointer-free segments) whose slots hold 32 bits of the key's
// hash and the record, each hit checked against the stored bytes. A Go map of hashes cost a
// batch of 1,000 keys two probes each (one to look up, one to insert) with no overlap between
// the cache misses of different keys; here a batch touches every key's slot first (the misses
// overlap) and the insert finds the slot still in cache. A segment splits on its own when
// full, so growth never rehashes the whole table at once.
type keyIndex struct {
	seed  maphash.Seed // set by newKeyIndex: readers hash concurrently, so nothing is lazy
	tab   hashTable
	arena arena      // key bytes
	refs  [][]uint64 // per record chunk, allocated at its first key: arena ref of a key
	sink  uint64     // lookupMany's touched slots, kept so the loads are not dropped
}

const refChunkBits = chunkBits

func newKeyIndex() keyIndex { return keyIndex{seed: maphash.MakeSeed()} }

func (k *keyIndex) hash(key string) uint64 { return maphash.String(k.seed, key) }

// find returns the record index holding key.
func (k *keyIndex) find(key string) (uint32, bool) {
	return k.findTag(key, tagOf(k.hash(key)))
}

func (k *keyIndex) findTag(key string, tag uint32) (uint32, bool) {
	s := k.tab.segment(tag)
	if s == nil {
		return 0, false
	}
	mask := uint32(len(s.slots) - 1)
	for j := s.start(tag); ; j = (j + 1) & mask {
		v := s.slots[j]
		if v == 0 {
			return 0, false
		}
		if uint32(v>>32) == tag && k.keyIs(uint32(v), key) {
			return uint32(v), true
		}
	}
}

// keyLookup is one key's answer from lookupMany.
type keyLookup struct {
	i     uint32
	found bool
}

// lookupMany answers find for every key into res (len(res) == len(keys)). It touches every
// key's first slot before probing any: those loads are independent, so the CPU has many of
// their cache misses in flight at once instead of one after the other.
func (k *keyIndex) lookupMany(keys []string, res []keyLookup, tags []uint32) {
	var sink uint64
	for n, key := range keys {
		tag := tagOf(k.hash(key))
		tags[n] = tag
		if s := k.tab.segment(tag); s != nil {
			sink += s.slots[s.start(tag)]
		}
	}
	k.sink += sink
	for n, key := range keys {
		res[n].i, res[n].found = k.findTag(key, tags[n])
	}
}

// add records that record i holds key, which find reported absent.
func (k *keyIndex) add(key string, i uint32) { k.addTag(key, k.tagOf(key), i) }

// addTag is add with key's tag (tagOf) already known.
func (k *keyIndex) addTag(key string, tag, i uint32) {
	k.store(key, i)
	k.tab.insert(tag, i)
}

func (k *keyIndex) tagOf(key string) uint32 { return tagOf(k.hash(key)) }

// touch loads the first slot of each tag, as lookupMany does, so that the cache misses of a
// batch of adds overlap: a batch's own lookups ran long enough ago that their slots have left
// the cache.
func (k *keyIndex) touch(tags []uint32) {
	var sink uint64
	for _, tag := range tags {
		if s := k.tab.segment(tag); s != nil {
			sink += s.slots[s.start(tag)]
		}
	}
	k.sink += sink
}

func (k *keyIndex) store(key string, i uint32) {
	ref := k.arena.addString(key)
	c := int(i >> refChunkBits)
	for len(k.refs) <= c {
		k.refs = append(k.refs, nil)
	}
	if k.refs[c] == nil {
		k.refs[c] = make([]uint64, chunkSize)
	}
	k.refs[c][i&(chunkSize-1)] = ref
}

// keyBytes returns record i's key, nil if it has none. The caller must not change it.
func (k *keyIndex) keyBytes(i uint32) []byte {
	c := int(i >> refChunkBits)
	if c >= len(k.refs) || k.refs[c] == nil {
		return nil
	}
	return k.arena.get(k.refs[c][i&(chunkSize-1)])
}

// keyIs reports whether record i's key is key, without copying it.
func (k *keyIndex) keyIs(i uint32, key string) bool { return string(k.keyBytes(i)) == key }

// key returns record i's key, "" if it has none.
func (k *keyIndex) key(i uint32) string { return string(k.keyBytes(i)) }

// tagOf is the 32 bits of a key's hash that the table keeps: the high half, low bit set so
// that no occupied slot is zero.
func tagOf(h uint64) uint32 { return uint32(h>>32) | 1 }

// Limits of hashTable.
const (
	// segmentSlots is a new segment's size: 32 KiB of slots, so a split copies little.
	segmentSlots = 1 << 12
	// dirDepthMax bounds the directory at 2^20 segments (8 MiB of pointers). Below it every
	// segment holds hashes that agree in their top depth bits and differ in enough of the
	// other tag bits to spread over the segment; a segment already at this depth doubles its
	// slots instead of splitting. It is reached only past about a billion keys.
	dirDepthMax = 20
)

// hashTable maps a 32-bit tag to record indexes, several records to one tag allowed (the
// caller tells them apart by their keys). Extendible hashing: the directory has 2^depth
// entries, each pointing at the segment for the tags whose top depth bits are its index; a
// segment of local depth d serves 2^(depth-d) consecutive entries. A segment is a power-of-
// two array of slots probed linearly, never fuller than 3/4, each slot tag<<32 | record, 0
// when empty.
type hashTable struct {
	depth    uint8
	depthMax uint8 // dirDepthMax; tests lower it
	dir      []*segment
}

type segment struct {
	depth uint8 // local depth: every tag in it has the same top depth bits
	shift uint8 // 32 - log2(len(slots))
	n     int   // occupied slots
	slots []uint64
}

func newSegment(depth uint8, slots int) *segment {
	shift := uint8(32)
	for s := slots; s > 1; s >>= 1 {
		shift--
	}
	return &segment{depth: depth, shift: shift, slots: make([]uint64, slots)}
}

// segment returns the segment of tag, nil when the table is empty.
func (t *hashTable) segment(tag uint32) *segment {
	if t.dir == nil {
		return nil
	}
	return t.dir[tag>>(32-uint32(t.depth))] // a shift by 32 is 0: depth 0 has one entry
}

// start is tag's first slot: Fibonacci hashing of the whole tag, since its top bits are the
// same throughout the segment.
func (s *segment) start(tag uint32) uint32 { return (tag * 0x9E3779B9) >> s.shift }

// full reports whether one more slot would take s past 3/4.
func (s *segment) full() bool { return (s.n+1)*4 > len(s.slots)*3 }

// put stores v in the first free slot of its tag's probe sequence.
func (s *segment) put(v uint64) {
	mask := uint32(len(s.slots) - 1)
	for j := s.start(uint32(v >> 32)); ; j = (j + 1) & mask {
		if s.slots[j] == 0 {
			s.slots[j] = v
			s.n++
			return
		}
	}
}

// insert adds tag -> i.
func (t *hashTable) insert(tag, i uint32) {
	if t.dir == nil {
		if t.depthMax == 0 {
			t.depthMax = dirDepthMax
		}
		t.dir = []*segment{newSegment(0, segmentSlots)}
	}
	s := t.segment(tag)
	for s.full() {
		t.grow(s, tag)
		s = t.segment(tag)
	}
	s.put(uint64(tag)<<32 | uint64(i))
}

// grow makes room in s, the segment of tag: it splits s in two by the next bit of the tag,
// doubling the directory first when s already uses all of its bits, or at depthMax doubles
// s's slots.
func (t *hashTable) grow(s *segment, tag uint32) {
	if s.depth >= t.depthMax {
		bigger := newSegment(s.depth, 2*len(s.slots))
		for _, v := range s.slots {
			if v != 0 {
				bigger.put(v)
			}
		}
		t.replace(s, tag, bigger, bigger)
		return
	}
	if s.depth == t.depth {
		dir := make([]*segment, 2*len(t.dir))
		for j := range dir {
			dir[j] = t.dir[j>>1]
		}
		t.dir, t.depth = dir, t.depth+1
	}
	lo, hi := newSegment(s.depth+1, len(s.slots)), newSegment(s.depth+1, len(s.slots))
	bit := uint32(1) << (31 - s.depth)
	for _, v := range s.slots {
		switch {
		case v == 0:
		case uint32(v>>32)&bit == 0:
			lo.put(v)
		default:
			hi.put(v)
		}
	}
	t.replace(s, tag, lo, hi)
}

// replace points the directory entries of s (the segment of tag) at lo (first half) and hi.
func (t *hashTable) replace(s *segment, tag uint32, lo, hi *segment) {
	span := uint32(1) << (t.depth - s.depth)
	first := (tag >> (32 - uint32(t.depth))) &^ (span - 1)
	for j := first; j < first+span; j++ {
		if j-first < span/2 || span == 1 {
			t.dir[j] = lo
		} else {
			t.dir[j] = hi
		}
	}
}
