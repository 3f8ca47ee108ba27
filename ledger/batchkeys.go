package ledger

import (
	"hash/maphash"
	"math/bits"
)

// batchKeys finds an idempotency key posted earlier in the same store transaction (a batch
// may name one key twice: the second is a replay of the first). It is an open-addressed table
// of slots tag<<32 | index+1 into the records posted so far, at most half full, cleared per
// batch. A Go map cleared and refilled per batch cost about 60 ns a key, a twentieth of a
// batched transaction; this costs a hash and, almost always, one probe into a few KiB.
type batchKeys struct {
	slots []uint64
	mask  uint64
}

// batchKeySeed is fixed at start-up: the table is private to one call, so one seed serves all.
var batchKeySeed = maphash.MakeSeed()

// batchKeysKeepMax bounds the table a pooled scratch keeps (slots; 8 bytes each).
const batchKeysKeepMax = 4 * scratchKeepMax

// reset empties the table and sizes it for n keys.
func (t *batchKeys) reset(n int) {
	size := 1 << bits.Len(uint(2*n-1)) // a power of two >= 2n
	if size < 16 {
		size = 16
	}
	if cap(t.slots) < size {
		t.slots = make([]uint64, size)
	} else {
		t.slots = t.slots[:size]
		clear(t.slots)
	}
	t.mask = uint64(size - 1)
}

func batchKeyHash(k string) uint64 { return maphash.String(batchKeySeed, k) }

// find returns the index in recs of the record with key k (of hash h), or -1.
func (t *batchKeys) find(h uint64, k string, recs []TxRecord) int {
	tag := h >> 32
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		s := t.slots[i]
		if s == 0 {
			return -1
		}
		if s>>32 == tag {
			if j := int(uint32(s)) - 1; recs[j].IdempotencyKey == k {
				return j
			}
		}
	}
}

// add records that recs[j] has the key of hash h. The caller has checked find returned -1,
// and adds at most the n keys reset sized the table for.
func (t *batchKeys) add(h uint64, j int) {
	i := h & t.mask
	for t.slots[i] != 0 {
		i = (i + 1) & t.mask
	}
	t.slots[i] = h>>32<<32 | uint64(uint32(j+1))
}
