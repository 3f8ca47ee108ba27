package ledger

import "testing"

// TestScratchPools: a scratch that served a batch goes back to the batch pool, never to the
// pool of single-transaction calls, which would clear its quarter-megabyte of buffers on every
// Post after it (a Post after a batch took 2-5 µs instead of 1); a small one goes back to
// that pool.
func TestScratchPools(t *testing.T) {
	big := getBatchScratch()
	big.recs = make([]TxRecord, 1, 1000)
	big.bal.ids = make([]AccountID, 2, 2000)
	if big.small() {
		t.Fatal("a scratch with 1,000-record buffers counts as small")
	}
	putScratch(big)
	for range 100 {
		sc := getScratch()
		if sc == big {
			t.Fatal("a single-transaction call got the batch's scratch")
		}
		if !sc.small() {
			t.Fatalf("scratchPool held a scratch with buffers of %d records", cap(sc.recs))
		}
		defer putScratch(sc)
	}
	small := getScratch()
	small.recs = make([]TxRecord, 1, scratchSmallMax)
	if !small.small() {
		t.Fatalf("a scratch with %d-record buffers does not count as small", scratchSmallMax)
	}
	for _, grown := range []func(*scratch){
		func(sc *scratch) { sc.updates = make([]BalanceUpdate, 0, 2*scratchSmallMax+1) },
		func(sc *scratch) { sc.postings = make([]PostingRecord, 0, 2*scratchSmallMax+1) },
		func(sc *scratch) { sc.meta = make([][2]string, 0, 2*scratchSmallMax+1) },
	} {
		sc := new(scratch)
		grown(sc)
		if sc.small() {
			t.Fatal("a scratch with one grown buffer counts as small")
		}
	}
	putScratch(small)
}
