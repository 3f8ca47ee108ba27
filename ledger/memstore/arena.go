package memstore

import "encoding/binary"

// arena keeps byte strings in append-only 1 MiB chunks and hands out a uint64 reference to
// each: the memory holds no pointers the garbage collector would have to scan, however many
// transactions the store keeps, and appending never copies what is already stored.
type arena struct {
	chunks [][]byte
	cur    int // the shared chunk being filled, plus one; 0 before the first
}

const (
	arenaChunkBytes = 1 << 20
	// arenaOwnChunkBytes: an entry this large gets a chunk of its own rather than leaving
	// most of a shared chunk unused. The Ledger never stores one (its limits keep a
	// transaction's rare fields to a few KiB); a Store driven directly might.
	arenaOwnChunkBytes = arenaChunkBytes / 4
)

// addString stores s and returns its reference, never zero. A reference is the chunk number
// plus one (high 32 bits) and the offset in the chunk (low 32 bits), where s is stored after
// its length as a uvarint.
func (a *arena) addString(s string) uint64 { return arenaAdd(a, s) }

// add is addString for bytes, without converting them to a string first.
func (a *arena) add(b []byte) uint64 { return arenaAdd(a, b) }

func arenaAdd[T string | []byte](a *arena, s T) uint64 {
	need := binary.MaxVarintLen64 + len(s)
	if need > arenaOwnChunkBytes {
		a.chunks = append(a.chunks, make([]byte, 0, need))
		return arenaPut(a, len(a.chunks), s)
	}
	if a.cur == 0 || len(a.chunks[a.cur-1])+need > cap(a.chunks[a.cur-1]) {
		a.chunks = append(a.chunks, make([]byte, 0, arenaChunkBytes))
		a.cur = len(a.chunks)
	}
	return arenaPut(a, a.cur, s)
}

// arenaPut appends s to chunk n-1, which has room for it.
func arenaPut[T string | []byte](a *arena, n int, s T) uint64 {
	chunk := &a.chunks[n-1]
	ref := uint64(n)<<32 | uint64(len(*chunk))
	*chunk = binary.AppendUvarint(*chunk, uint64(len(s)))
	*chunk = append(*chunk, s...)
	return ref
}

// get returns the bytes stored under ref, nil for the zero ref. The caller must not change
// them.
func (a *arena) get(ref uint64) []byte {
	if ref == 0 {
		return nil
	}
	chunk := a.chunks[ref>>32-1][ref&(1<<32-1):]
	n, w := binary.Uvarint(chunk)
	return chunk[w : w+int(n) : w+int(n)]
}
