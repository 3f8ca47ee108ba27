package memstore

import (
	"hash/maphash"
)

// keyIndex finds transactions by idempotency key without giving the garbage collector
// anything to scan: key bytes live in a chunked arena, the index maps a 64-bit hash of the key
// to the record, and every hit is checked against the stored bytes. Two keys with one hash (a
// one-in-2^64 event per pair) fall back to a small map of strings.
type keyIndex struct {
	seed    maphash.Seed
	seeded  bool
	byHash  map[uint64]uint32
	collide map[string]uint32
	arena   [][]byte   // append-only chunks of key bytes
	refs    [][]uint64 // per record chunk, allocated at its first key: arena position of a key
}

const (
	arenaChunkBytes = 1 << 20
	refChunkBits    = chunkBits
	// A ref packs the arena chunk (bits 28..63), the offset in it (8..27) and the length
	// (0..7): keys are at most 128 bytes, chunks 1 MiB. Zero means "no key".
	refOffsetBits = 20
	refLenBits    = 8
)

func (k *keyIndex) hash(key string) uint64 {
	if !k.seeded {
		k.seed, k.seeded = maphash.MakeSeed(), true
		k.byHash = make(map[uint64]uint32)
	}
	return maphash.String(k.seed, key)
}

// find returns the record index holding key.
func (k *keyIndex) find(key string) (uint32, bool) {
	if k.byHash == nil {
		return 0, false
	}
	if i, ok := k.byHash[k.hash(key)]; ok && k.key(i) == key {
		return i, true
	}
	i, ok := k.collide[key]
	return i, ok
}

// add records that record i holds key, which find reported absent.
func (k *keyIndex) add(key string, i uint32) {
	h := k.hash(key)
	k.store(key, i)
	if _, taken := k.byHash[h]; taken {
		if k.collide == nil {
			k.collide = make(map[string]uint32)
		}
		k.collide[key] = i
		return
	}
	k.byHash[h] = i
}

func (k *keyIndex) store(key string, i uint32) {
	n := len(k.arena)
	if n == 0 || len(k.arena[n-1])+len(key) > arenaChunkBytes {
		k.arena = append(k.arena, make([]byte, 0, arenaChunkBytes))
		n++
	}
	chunk := &k.arena[n-1]
	ref := uint64(n)<<(refOffsetBits+refLenBits) | uint64(len(*chunk))<<refLenBits | uint64(len(key))
	*chunk = append(*chunk, key...)
	c := int(i >> refChunkBits)
	for len(k.refs) <= c {
		k.refs = append(k.refs, nil)
	}
	if k.refs[c] == nil {
		k.refs[c] = make([]uint64, chunkSize)
	}
	k.refs[c][i&(chunkSize-1)] = ref
}

// key returns record i's key, "" if it has none.
func (k *keyIndex) key(i uint32) string {
	c := int(i >> refChunkBits)
	if c >= len(k.refs) || k.refs[c] == nil {
		return ""
	}
	ref := k.refs[c][i&(chunkSize-1)]
	if ref == 0 {
		return ""
	}
	chunk := k.arena[ref>>(refOffsetBits+refLenBits)-1]
	off := (ref >> refLenBits) & (1<<refOffsetBits - 1)
	return string(chunk[off : off+ref&(1<<refLenBits-1)])
}
