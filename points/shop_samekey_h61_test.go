package points_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/internal/sqltest"
	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/points"
)

// viewHookStore is a replica's store that calls onView before each read view, so a test can
// let another replica act between two reads of this one.
type viewHookStore struct {
	ledger.Store
	mu     sync.Mutex
	views  int
	onView func(n int) // n counts views from 1
}

func (s *viewHookStore) View(ctx context.Context, fn func(r ledger.StoreReader) error) error {
	s.mu.Lock()
	s.views++
	n, hook := s.views, s.onView
	s.mu.Unlock()
	if hook != nil {
		hook(n)
	}
	return s.Store.View(ctx, fn)
}

func (s *viewHookStore) setHook(f func(n int)) {
	s.mu.Lock()
	s.views, s.onView = 0, f
	s.mu.Unlock()
}

// TestH61RedeemSameKeyAnsweredAlike: a client's order reaches two replicas (a retry through
// the load balancer). Replica b reads that nothing is held under the key, then replica a
// makes the whole redemption, then b checks stock and points before reserving. a's
// redemption took the last unit (or the holder's last points), so b's check alone would
// refuse it, yet the order was made: b must answer with a's redemption, as a retry does.
func TestH61RedeemSameKeyAnsweredAlike(t *testing.T) {
	for _, tc := range []struct {
		name  string
		hours string // of the holder's award: 20 base + 5 per hour
		stock int64
	}{
		{"last unit", "10", 1},
		{"last points", "1", 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := newClock()
			ctx := context.Background()
			dsn := sqltest.FreshSchema(t)
			a := openReplica(t, dsn, uncapped(), clk.Now, nil)
			var hooked *viewHookStore
			b := openReplica(t, dsn, uncapped(), clk.Now, func(s ledger.Store) ledger.Store {
				hooked = &viewHookStore{Store: s}
				return hooked
			})
			shs := shops(t, []*replica{a, b}, "25")
			v := volunteerOf("wang")
			h := points.ProviderHolder(v)
			_, err := a.inc.Award(ctx, h61Completion(v, "r1", tc.hours, clk.Now()))
			require.NoError(t, err)
			require.NoError(t, shs[0].Restock(ctx, "rice", tc.stock, "n1"))

			var made points.Redemption
			var aerr error
			hooked.setHook(func(n int) {
				if n == 2 { // b has read the key unused; its check comes next
					made, aerr = shs[0].Redeem(ctx, "order-1", h, "rice", 1)
				}
			})
			got, err := shs[1].Redeem(ctx, "order-1", h, "rice", 1)
			hooked.setHook(nil)
			require.NoError(t, aerr)
			require.NoError(t, err, "the order was made under the key: b must not refuse it")
			assert.Equal(t, made, got)
			again, err := shs[1].Redeem(ctx, "order-1", h, "rice", 1)
			require.NoError(t, err)
			assert.Equal(t, made, again)
			left, err := shs[1].Stock(ctx, "rice")
			require.NoError(t, err)
			assert.Equal(t, tc.stock-1, left, "one unit reserved")
			require.NoError(t, a.l.Verify(ctx))
		})
	}
}
