package memstore

import "testing"

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
