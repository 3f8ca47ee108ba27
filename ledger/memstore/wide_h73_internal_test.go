package memstore

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// TestWideMatchesBigH73 checks wide's sums, and whether they fit in int64, against math/big
// over random and extreme terms.
func TestWideMatchesBigH73(t *testing.T) {
	rng := rand.New(rand.NewPCG(73, 1))
	extremes := []int64{math.MinInt64, math.MaxInt64, -1, 0, 1, math.MinInt64 + 1, math.MaxInt64 - 1}
	minI, maxI := big.NewInt(math.MinInt64), big.NewInt(math.MaxInt64)
	for round := range 2000 {
		var w, part wide
		want, wantPart := new(big.Int), new(big.Int)
		for k := range 1 + rng.IntN(40) {
			var d int64
			if rng.IntN(3) == 0 {
				d = extremes[rng.IntN(len(extremes))]
			} else {
				d = int64(rng.Uint64())
			}
			if k%2 == 0 {
				w.add(d)
				want.Add(want, big.NewInt(d))
			} else {
				part.add(d)
				wantPart.Add(wantPart, big.NewInt(d))
			}
		}
		sum := w.plus(part)
		want.Add(want, wantPart)
		v, ok := sum.int64()
		fits := want.Cmp(minI) >= 0 && want.Cmp(maxI) <= 0
		if ok != fits || (fits && v != want.Int64()) {
			t.Fatalf("round %d: sum %v: got %d, fits %v; want fits %v", round, want, v, ok, fits)
		}
	}
}
