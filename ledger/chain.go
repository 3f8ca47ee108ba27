package ledger

import (
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// chainAheadMin is the smallest batch whose hash chain is computed ahead on a second
// goroutine (below it starting the goroutine costs about what it saves), and
// chainAheadProcsMin the GOMAXPROCS it needs. Variables so that tests can force either path.
var (
	chainAheadMin      = 32
	chainAheadProcsMin = 2
)

// chainAhead computes a batch's hash chain on its own goroutine while commitTx checks the
// batch, on the bet that every request will be posted. Hashing is about a fifth of a batch's
// CPU and strictly sequential, so it is the part worth taking off the checking path. The
// first request not posted ends the bet: hashes from there on are void, and finish seals the
// rest one by one as commitTx would have.
type chainAhead struct {
	wg     sync.WaitGroup
	void   atomic.Int64 // the first request not posted (len(reqs) while all are)
	hashes [][32]byte   // hashes[k]: the head's hash after reqs[k], if reqs[0..k] are all posted
	done   int          // how many of hashes the goroutine computed; read after wg.Wait
	buf    []byte       // the goroutine's encoding buffer
}

// chainAheadOn reports whether a batch of n requests is hashed ahead: only when a second
// processor can run the goroutine.
func chainAheadOn(n int) bool {
	return n >= chainAheadMin && runtime.GOMAXPROCS(0) >= chainAheadProcsMin
}

// start begins hashing reqs after head. Every field the hash covers except Seq must be final.
func (c *chainAhead) start(head Head, reqs []*request) {
	c.hashes = slices.Grow(c.hashes[:0], len(reqs))[:len(reqs)]
	c.void.Store(int64(len(reqs)))
	c.done = 0
	c.wg.Add(1)
	go c.run(head, reqs)
}

func (c *chainAhead) run(head Head, reqs []*request) {
	defer c.wg.Done()
	h, k := head.Hash, 0
	for ; k < len(reqs) && int64(k) < c.void.Load(); k++ {
		r := reqs[k]
		h, c.buf = chainHash(h, head.Seq+uint64(k)+1, &r.rec, r.rec.MetadataSorted, c.buf)
		c.hashes[k] = h
	}
	c.done = k
}

// notPosted tells the goroutine that reqs[k] will not be posted, so it can stop there.
// Only commitTx's goroutine calls it, in increasing k.
func (c *chainAhead) notPosted(k int) {
	if int64(k) < c.void.Load() {
		c.void.Store(int64(k))
	}
}

// abort stops the goroutine and waits for it; commitTx defers it for its error returns.
func (c *chainAhead) abort() {
	c.void.Store(0)
	c.wg.Wait()
}

// finish waits for the goroutine, then numbers and hashes the posted requests and their
// copies in recs (in the same order): from the hashes computed ahead while they hold, then by
// seal. It leaves head at the last posted request. A request that replays one posted earlier
// in the batch holds a copy made before the numbering (Seq 0, which no stored record has):
// finish completes it from recs, found through sc.keys.
func (c *chainAhead) finish(head *Head, reqs []*request, recs []TxRecord, sc *scratch) {
	c.wg.Wait()
	valid := min(c.done, int(c.void.Load()))
	j := 0
	for k, r := range reqs {
		if !r.done {
			if p := r.prior; p != nil && p.Seq == 0 {
				key := r.rec.IdempotencyKey
				i := sc.keys.find(batchKeyHash(key), key, recs)
				p.Seq, p.Hash = recs[i].Seq, recs[i].Hash
			}
			continue
		}
		if k < valid { // reqs[0..k] are all posted, so j == k
			head.Seq++
			head.Hash = c.hashes[k]
			r.rec.Seq, r.rec.Hash = head.Seq, head.Hash
		} else {
			seal(head, r, sc)
		}
		recs[j].Seq, recs[j].Hash = r.rec.Seq, r.rec.Hash
		j++
	}
}
