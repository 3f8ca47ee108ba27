package points_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/internal/sqltest"
	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/points"
)

// updateHookStore calls onUpdate before each read-write transaction.
type updateHookStore struct {
	ledger.Store
	mu       sync.Mutex
	onUpdate func()
}

func (s *updateHookStore) Update(ctx context.Context, fn func(tx ledger.StoreTx) error) error {
	s.mu.Lock()
	hook := s.onUpdate
	s.onUpdate = nil
	s.mu.Unlock()
	if hook != nil {
		hook()
	}
	return s.Store.Update(ctx, fn)
}

// TestH61ExpireRacedAcrossMidnight: two replicas whose clocks straddle midnight run the
// daily expiry at once, so their runs are of two periods. Both scan before either posts.
func TestH61ExpireRacedAcrossMidnight(t *testing.T) {
	clk := newClock()
	clk.t = time.Date(2023, 4, 10, 2, 0, 0, 0, time.UTC)
	ctx := context.Background()
	dsn := sqltest.FreshSchema(t)
	a := openReplica(t, dsn, uncapped(), clk.Now, nil)
	var hooked *updateHookStore
	b := openReplica(t, dsn, uncapped(), clk.Now, func(s ledger.Store) ledger.Store {
		hooked = &updateHookStore{Store: s}
		return hooked
	})
	v := volunteerOf("wang")
	h := points.ProviderHolder(v)
	_, err := a.inc.Award(ctx, h61Completion(v, "r1", "2", clk.Now())) // 30, expiring
	require.NoError(t, err)
	clk.t = time.Date(2026, 4, 10, 2, 0, 0, 0, time.UTC)
	for range 4 {
		_, err = a.inc.Award(ctx, h61Completion(v, "r1", "1", clk.Now())) // 25 each, fresh
		require.NoError(t, err)
	}
	sameBalance(t, []*replica{a, b}, h, "130")
	dayA := time.Date(2026, 5, 1, 23, 59, 59, 0, time.FixedZone("CST", 8*3600))
	dayB := dayA.Add(2 * time.Second)
	hooked.onUpdate = func() {
		_, aerr := a.inc.Expire(ctx, dayA)
		assert.NoError(t, aerr)
	}
	_, err = b.inc.Expire(ctx, dayB)
	require.NoError(t, err)
	expired, err := a.l.Balance(ctx, a.inc.ExpiryAccount())
	require.NoError(t, err)
	assert.Equal(t, "30", expired.String(), "the old lot expires once, whatever the period of the run")
	sameBalance(t, []*replica{a}, h, "100")
}
