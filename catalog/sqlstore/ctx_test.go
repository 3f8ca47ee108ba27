package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
)

// TestEndedContextErrors: a call that fails because its context ended says so: the error
// wraps the context's error. SQLite answered an interrupted statement with "interrupted (9)"
// and pgx one on an ended context with "driver: bad connection" or a dial timeout, neither
// matching context.DeadlineExceeded. Deadlines fall at varied points of large writes and
// reads, so some end mid-statement.
func TestEndedContextErrors(t *testing.T) {
	const rounds, demands = 60, 3000
	for name, s := range stores(t) {
		if name == "memstore" || name == "sqlite memory" {
			continue // see TestMemoryOutlivesEndedContexts
		}
		t.Run(name, func(t *testing.T) {
			newChange := func() catalog.Change {
				var ch catalog.Change
				for range demands {
					ch.Demands = append(ch.Demands, catalog.Demand{ID: uuid.New(), Kind: catalog.Wish, Title: "t",
						Category: "haircut", Location: catalog.Location{Grid: "s/c"}, Status: catalog.StatusOpen, Version: 1})
				}
				return ch
			}
			require.NoError(t, s.Apply(context.Background(), newChange()))
			// How long one write and one read take here, so that the deadlines fall inside them.
			start := time.Now()
			require.NoError(t, s.Apply(context.Background(), newChange()))
			write := time.Since(start)
			start = time.Now()
			q := catalog.DemandQuery{Kind: catalog.Project, Limit: 10} // reads every demand, returns none
			_, err := s.Demands(context.Background(), q)
			require.NoError(t, err)
			read := time.Since(start)
			failures := 0
			for i := range rounds {
				ctx, cancel := context.WithTimeout(context.Background(), write*time.Duration(i)/rounds)
				err := s.Apply(ctx, newChange())
				cancel()
				if err != nil {
					failures++
					assert.ErrorIs(t, err, context.DeadlineExceeded, "apply")
				}
				ctx, cancel = context.WithTimeout(context.Background(), read*time.Duration(i)/rounds)
				_, err = s.Demands(ctx, q)
				cancel()
				if err != nil {
					failures++
					assert.ErrorIs(t, err, context.DeadlineExceeded, "demands")
				}
			}
			assert.Positive(t, failures, "the test asks something")
			_, err = s.Demands(context.Background(), q)
			require.NoError(t, err, "the store works after")
		})
	}
}
