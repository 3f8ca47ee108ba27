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
	arena   arena      // key bytes
	refs    [][]uint64 // per record chunk, allocated at its first key: arena ref of a key
}

const refChunkBits = chunkBits

func (k *keyIndex) hash(key string) uint64 {
	if !k.seeded {
		k.seed, k.seeded = maphash.MakeSeed(), true
		k.byHash = make(map[uint64]uint32)
	}
	return maphash.String(k.seed, key)
}

// find returns the record index holding key.
func (k *keyIndex) find(key string) (uint32, bool) {
	i, ok, _, _ := k.lookup(key)
	return i, ok
}

// lookup is find that also returns key's hash and whether no key has that hash, in which case
// addFree may store key without looking again.
func (k *keyIndex) lookup(key string) (i uint32, ok bool, h uint64, free bool) {
	h = k.hash(key)
	i, taken := k.byHash[h]
	if taken && k.key(i) == key {
		return i, true, h, false
	}
	i, ok = k.collide[key]
	return i, ok, h, !taken
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

// addFree is add for a key whose hash h lookup found free, with no key added since.
func (k *keyIndex) addFree(key string, h uint64, i uint32) {
	k.store(key, i)
	k.byHash[h] = i
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

// key returns record i's key, "" if it has none.
func (k *keyIndex) key(i uint32) string {
	c := int(i >> refChunkBits)
	if c >= len(k.refs) || k.refs[c] == nil {
		return ""
	}
	return string(k.arena.get(k.refs[c][i&(chunkSize-1)]))
}
