package ledger

import (
	"context"
	"runtime"
	"slices"
	"sync"
)

// GroupCommitMax bounds how many Post calls one group commit gathers.
const GroupCommitMax = 1000

// groupCommitter gathers concurrent Post calls into shared store transactions. There is no
// background goroutine: the first caller to find no commit under way becomes the leader and
// commits everything queued, round after round, until the queue is empty; the others wait for
// their own request's outcome. One caller alone therefore commits at once, as without it.
type groupCommitter struct {
	mu      sync.Mutex
	queue   []*groupItem
	leading bool
}

type groupItem struct {
	req  *request
	done chan struct{}
	err  error // the store transaction's failure; the request's own outcome is in req.err
}

func (g *groupCommitter) post(ctx context.Context, l *Ledger, r *request) error {
	// A caller that already gave up posts nothing, as without group commit (the leader
	// commits under a context without cancellation).
	if err := ctx.Err(); err != nil {
		return err
	}
	item := &groupItem{req: r, done: make(chan struct{})}
	g.mu.Lock()
	g.queue = append(g.queue, item)
	if g.leading {
		g.mu.Unlock()
		select {
		case <-item.done:
			return item.err
		case <-ctx.Done():
		}
		// Still queued: leave without posting. Taken into a round: its outcome stands.
		g.mu.Lock()
		if k := slices.Index(g.queue, item); k >= 0 {
			g.queue = slices.Delete(g.queue, k, k+1)
			g.mu.Unlock()
			return ctx.Err()
		}
		g.mu.Unlock()
		<-item.done
		return item.err
	}
	g.leading = true
	// The leader commits for others too: its own cancellation must not fail their requests.
	bctx := context.WithoutCancel(ctx)
	sc := getBatchScratch()
	defer putScratch(sc)
	reqs := make([]*request, 0, GroupCommitMax)
	for len(g.queue) > 0 {
		n := min(len(g.queue), GroupCommitMax)
		round := g.queue[:n:n]
		g.queue = g.queue[n:]
		g.mu.Unlock()

		reqs = reqs[:0]
		for _, it := range round {
			reqs = append(reqs, it.req)
		}
		err := l.commit(bctx, reqs, l.clock(), sc)
		for _, it := range round {
			it.err = err
			close(it.done)
		}
		if len(round) > 1 {
			// Callers just woken post again within microseconds: yield once so they join the
			// next round instead of splitting the writers into two alternating halves.
			runtime.Gosched()
		}
		g.mu.Lock()
	}
	g.leading = false
	g.queue = nil
	g.mu.Unlock()
	return item.err
}
