package points_test

import (
	"context"
	"sync"

	"github.com/tongxin/tongxin/ledger"
)

// nthCallStore runs race once, before the at-th store call (View or Update, or only Update
// when updatesOnly) after arm: another process committing at that point of this one's reads
// and writes. race's own calls go straight through.
type nthCallStore struct {
	ledger.Store
	updatesOnly bool
	mu          sync.Mutex
	n, at       int
	race        func()
}

func (s *nthCallStore) arm(at int, race func()) {
	s.mu.Lock()
	s.n, s.at, s.race = 0, at, race
	s.mu.Unlock()
}

func (s *nthCallStore) call() {
	s.mu.Lock()
	var race func()
	if s.race != nil {
		if s.n++; s.n == s.at {
			race, s.race = s.race, nil
		}
	}
	s.mu.Unlock()
	if race != nil {
		race()
	}
}

func (s *nthCallStore) View(ctx context.Context, fn func(r ledger.StoreReader) error) error {
	if !s.updatesOnly {
		s.call()
	}
	return s.Store.View(ctx, fn)
}

func (s *nthCallStore) Update(ctx context.Context, fn func(tx ledger.StoreTx) error) error {
	s.call()
	return s.Store.Update(ctx, fn)
}
