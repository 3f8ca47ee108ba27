package memstore

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// TestKeyIndexSameTag gives a slot of another record the tag a key hashes to, as two keys
// whose hashes agree in the kept 32 bits would: every key must still be found by its bytes.
func TestKeyIndexSameTag(t *testing.T) {
	k := newKeyIndex()
	k.add("award:a", 0)
	k.tab.insert(tagOf(k.hash("award:b")), 0) // record 0 under award:b's tag
	k.add("award:b", 1)
	keys := []string{"award:a", "award:b", "award:c"}
	want := []keyLookup{{0, true}, {1, true}, {0, false}}
	for n, key := range keys {
		i, ok := k.find(key)
		if (keyLookup{i, ok}) != want[n] {
			t.Fatalf("find(%s) = %d %v, want %v", key, i, ok, want[n])
		}
	}
	res, tags := make([]keyLookup, len(keys)), make([]uint32, len(keys))
	k.lookupMany(keys, res, tags)
	if !slices.Equal(res, want) {
		t.Fatalf("lookupMany = %v, want %v", res, want)
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
	k := newKeyIndex()
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

// TestHashTableGrowth fills the index far past one segment, with the directory allowed to
// grow as usual and with it capped low (segments then double instead of splitting): every key
// is found, no absent key is, and the table keeps its invariants.
func TestHashTableGrowth(t *testing.T) {
	for _, depthMax := range []uint8{1, 3, dirDepthMax} {
		t.Run(fmt.Sprint("depthMax=", depthMax), func(t *testing.T) {
			k := newKeyIndex()
			k.tab.depthMax = depthMax
			const n = 60_000
			for i := range uint32(n) {
				k.add(fmt.Sprint("award:", i), i)
			}
			checkTable(t, &k.tab, n)
			if k.tab.depth > depthMax {
				t.Fatalf("depth %d past %d", k.tab.depth, depthMax)
			}
			for i := range uint32(n + 5_000) {
				got, ok := k.find(fmt.Sprint("award:", i))
				if ok != (i < n) || ok && got != i {
					t.Fatalf("find(award:%d) = %d %v", i, got, ok)
				}
			}
		})
	}
}

// checkTable checks what hashTable promises itself: each segment no fuller than 3/4, serving
// only tags with its directory prefix, from a contiguous run of directory entries of the
// length its depth implies; n entries in all.
func checkTable(t interface {
	Helper()
	Fatalf(string, ...any)
}, tab *hashTable, n int) {
	t.Helper()
	total := 0
	for j := 0; j < len(tab.dir); {
		s := tab.dir[j]
		if s.depth > tab.depth || s.n*4 > len(s.slots)*3 {
			t.Fatalf("segment at %d: depth %d of %d, %d of %d slots", j, s.depth, tab.depth, s.n, len(s.slots))
		}
		span := 1 << (tab.depth - s.depth)
		for r := j; r < j+span; r++ {
			if tab.dir[r] != s {
				t.Fatalf("entries %d..%d: %d points elsewhere", j, j+span-1, r)
			}
		}
		occupied := 0
		for _, v := range s.slots {
			if v == 0 {
				continue
			}
			occupied++
			if tab.depth > 0 && int(uint32(v>>32)>>(32-uint32(tab.depth)))>>(tab.depth-s.depth) != j>>(tab.depth-s.depth) {
				t.Fatalf("segment at %d holds tag %#x", j, uint32(v>>32))
			}
		}
		if occupied != s.n {
			t.Fatalf("segment at %d: %d occupied, n %d", j, occupied, s.n)
		}
		total += s.n
		j += span
	}
	if total != n {
		t.Fatalf("%d entries, want %d", total, n)
	}
}

// TestKeyIndexModel checks find and lookupMany against a map over random runs of adds and
// lookups, keys from a small alphabet (so that lookups often hit) and a low directory cap.
func TestKeyIndexModel(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		k := newKeyIndex()
		k.tab.depthMax = uint8(rapid.IntRange(1, dirDepthMax).Draw(rt, "depthMax"))
		model := map[string]uint32{}
		genKey := rapid.StringMatching(`[ab:]{0,12}`)
		next := uint32(0)
		rt.Repeat(map[string]func(*rapid.T){
			"add": func(rt *rapid.T) {
				key := genKey.Draw(rt, "key")
				if _, ok := model[key]; ok || key == "" {
					rt.Skip("present")
				}
				k.add(key, next)
				model[key] = next
				next++
			},
			"addMany": func(rt *rapid.T) {
				// Enough keys to split segments now and then.
				for range rapid.IntRange(1, 3*segmentSlots).Draw(rt, "n") {
					key := fmt.Sprint("bulk:", next)
					k.add(key, next)
					model[key] = next
					next++
				}
			},
			"lookupMany": func(rt *rapid.T) {
				keys := rapid.SliceOfN(genKey, 0, 40).Draw(rt, "keys")
				res, tags := make([]keyLookup, len(keys)), make([]uint32, len(keys))
				k.lookupMany(keys, res, tags)
				for n, key := range keys {
					i, ok := model[key]
					if res[n] != (keyLookup{i, ok}) {
						rt.Fatalf("lookupMany %q = %v, model %d %v", key, res[n], i, ok)
					}
					if gi, gok := k.find(key); gi != i || gok != ok {
						rt.Fatalf("find %q = %d %v, model %d %v", key, gi, gok, i, ok)
					}
				}
			},
			"": func(rt *rapid.T) { checkTable(rt, &k.tab, len(model)) },
		})
	})
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
