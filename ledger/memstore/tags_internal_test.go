package memstore

import (
	"fmt"
	"testing"
)

// TestHashTableEqualTags fills segments with entries whose tags are all equal, or agree in
// every bit the directory can use: splits cannot separate them, so the table must reach its
// depth cap and double the segment instead, and still find every record.
func TestHashTableEqualTags(t *testing.T) {
	for _, depthMax := range []uint8{1, 4, dirDepthMax} {
		for _, mask := range []uint32{0, 0xfff} { // equal tags; tags differing only in low bits
			t.Run(fmt.Sprint("depthMax=", depthMax, ",mask=", mask), func(t *testing.T) {
				var tab hashTable
				tab.depthMax = depthMax
				const n = 3 * segmentSlots
				for i := range uint32(n) {
					tab.insert(0xdead0001|(i*2)&mask, i)
				}
				checkTable(t, &tab, n)
				if tab.depth > depthMax {
					t.Fatalf("depth %d past %d", tab.depth, depthMax)
				}
				seen := make([]bool, n)
				s := tab.segment(0xdead0001)
				for _, v := range s.slots {
					if v != 0 {
						seen[uint32(v)] = true
					}
				}
				for i, ok := range seen {
					if !ok {
						t.Fatalf("record %d missing from its segment", i)
					}
				}
			})
		}
	}
}
