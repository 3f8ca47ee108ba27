package ledger

import (
	"fmt"
	"testing"

	"pgregory.net/rapid"
)

// TestBatchKeysModel runs commitTx's use of the table (find, then add if absent) against a
// map. Keys come from a small set, so batches repeat keys and small tables collide.
func TestBatchKeysModel(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		var tab batchKeys
		for round := range rapid.IntRange(1, 3).Draw(rt, "rounds") { // reuse, as a pooled scratch does
			n := rapid.IntRange(1, 300).Draw(rt, "n")
			tab.reset(n)
			var recs []TxRecord
			model := map[string]int{}
			for i := range n {
				k := fmt.Sprint("k", rapid.IntRange(0, 2*n).Draw(rt, "key"))
				h := batchKeyHash(k)
				got := tab.find(h, k, recs)
				want, ok := model[k]
				if !ok {
					want = -1
				}
				if got != want {
					rt.Fatalf("round %d item %d: find(%q) = %d, want %d", round, i, k, got, want)
				}
				if got < 0 {
					recs = append(recs, TxRecord{IdempotencyKey: k})
					tab.add(h, len(recs)-1)
					model[k] = len(recs) - 1
				}
			}
			if used := countSlots(tab.slots); used != len(model) || 2*used > len(tab.slots) {
				rt.Fatalf("%d slots used for %d keys in a table of %d", used, len(model), len(tab.slots))
			}
		}
	})
}

func countSlots(slots []uint64) int {
	n := 0
	for _, s := range slots {
		if s != 0 {
			n++
		}
	}
	return n
}
