package memstore

import (
	"math/rand/v2"
	"testing"
)

// TestKeyIndexCollision forces two keys onto one hash slot: both must still be found.
func TestKeyIndexCollision(t *testing.T) {
	var k keyIndex
	k.add("award:a", 0)
	// Occupy the slot key "award:b" hashes to with record 0, as a collision would.
	k.byHash[k.hash("award:b")] = 0
	k.add("award:b", 1)
	if i, ok := k.find("award:a"); !ok || i != 0 {
		t.Fatalf("award:a -> %d %v", i, ok)
	}
	if i, ok := k.find("award:b"); !ok || i != 1 {
		t.Fatalf("award:b -> %d %v", i, ok)
	}
	if _, ok := k.find("award:c"); ok {
		t.Fatal("award:c found")
	}
	if got := k.key(1); got != "award:b" {
		t.Fatalf("key(1) = %q", got)
	}
	if got := k.key(7); got != "" {
		t.Fatalf("key(7) = %q, want none", got)
	}
}

// TestKeyIndexManyChunks stores keys across arena and record chunks and reads them back.
func TestKeyIndexManyChunks(t *testing.T) {
	var k keyIndex
	long := make([]byte, 128)
	for i := range long {
		long[i] = 'k'
	}
	const n = 3*chunkSize + 17
	for i := uint32(0); i < n; i += 3 {
		key := string(long[:100]) + string(rune('a'+i%26)) + itoa(i)
		k.add(key, i)
	}
	for i := uint32(0); i < n; i++ {
		want := ""
		if i%3 == 0 {
			want = string(long[:100]) + string(rune('a'+i%26)) + itoa(i)
		}
		if got := k.key(i); got != want {
			t.Fatalf("key(%d) = %q, want %q", i, got, want)
		}
		if want != "" {
			if j, ok := k.find(want); !ok || j != i {
				t.Fatalf("find(key %d) = %d %v", i, j, ok)
			}
		}
	}
	if len(k.arena.chunks) < 2 {
		t.Fatalf("expected several arena chunks, got %d", len(k.arena.chunks))
	}
}

func itoa(i uint32) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

// TestKeyIndexLookupFree checks the free flag addFree relies on: free only when no key has
// the hash, so a key whose slot a collision took goes through add and both stay findable.
func TestKeyIndexLookupFree(t *testing.T) {
	var k keyIndex
	_, ok, h, free := k.lookup("award:a")
	if ok || !free {
		t.Fatalf("empty index: found %v free %v", ok, free)
	}
	k.addFree("award:a", h, 0)
	if i, ok, _, free := k.lookup("award:a"); !ok || i != 0 || free {
		t.Fatalf("award:a -> %d found %v free %v", i, ok, free)
	}
	k.byHash[k.hash("award:b")] = 0 // a collision with award:a
	_, ok, _, free = k.lookup("award:b")
	if ok || free {
		t.Fatalf("collided award:b: found %v free %v, want neither", ok, free)
	}
	k.add("award:b", 1)
	for key, want := range map[string]uint32{"award:a": 0, "award:b": 1} {
		if i, ok := k.find(key); !ok || i != want {
			t.Fatalf("%s -> %d %v, want %d", key, i, ok, want)
		}
	}
}

func TestHasDuplicate(t *testing.T) {
	var set []uint64
	for _, tc := range []struct {
		hs   []uint64
		want bool
	}{
		{nil, false},
		{[]uint64{7}, false},
		{[]uint64{7, 7}, true},
		{[]uint64{0, 1, 2}, false},
		{[]uint64{0, 1, 0}, true},
		{[]uint64{1, 1<<32 | 1, 1<<40 | 1, 3}, false}, // one slot, three values
		{[]uint64{5, 1<<32 | 5, 9, 1<<32 | 5}, true},
	} {
		if got := hasDuplicate(tc.hs, &set); got != tc.want {
			t.Errorf("hasDuplicate(%v) = %v, want %v", tc.hs, got, tc.want)
		}
	}
}

func TestSortDeltas(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 70 {
		ds := make([]accountDelta, n)
		for i := range ds {
			ds[i] = accountDelta{ai: uint32(rng.IntN(20)), d: int64(i)}
		}
		sortDeltas(ds)
		for i := 1; i < n; i++ {
			if ds[i-1].ai > ds[i].ai {
				t.Fatalf("n=%d: %v not sorted", n, ds)
			}
		}
	}
}
