package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/catalog/sqlstore"
)

// TestEndedContextErrors: a call that fails because its context ended says so: the error
// wraps the context's error. SQLite answered an interrupted statement with "interrupted (9)"
// and pgx one on an ended context with "driver: bad connection" or a dial timeout, neither
// matching context.DeadlineExceeded. Deadlines fall at varied points of large writes and
// reads, so some end mid-statement.
func TestEndedContextErrors(t *testing.T) {
	const rounds, demands = 60, 3000
	for name, s := range stores(t) {
		if name == "memstore" {
			continue
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

// TestMemoryOutlivesEndedContexts: a ":memory:" store keeps its data when reads and writes
// are cut short by their deadlines. The driver deems a connection unusable after a statement
// interrupted when its context ended, database/sql then closed it, and that connection was
// the whole database: the next call found no table.
func TestMemoryOutlivesEndedContexts(t *testing.T) {
	const rounds, demands = 60, 3000
	ctx := context.Background()
	s, err := sqlstore.OpenSQLite(ctx, ":memory:")
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	newChange := func() catalog.Change {
		var ch catalog.Change
		for range demands {
			ch.Demands = append(ch.Demands, catalog.Demand{ID: uuid.New(), Kind: catalog.Wish, Title: "t",
				Category: "haircut", Location: catalog.Location{Grid: "s/c"}, Status: catalog.StatusOpen, Version: 1})
		}
		return ch
	}
	kept := newChange()
	require.NoError(t, s.Apply(ctx, kept))
	start := time.Now()
	require.NoError(t, s.Apply(ctx, newChange()))
	write := time.Since(start)
	q := catalog.DemandQuery{Kind: catalog.Project, Limit: 10} // reads every demand, returns none
	start = time.Now()
	_, err = s.Demands(ctx, q)
	require.NoError(t, err)
	read := time.Since(start)
	for i := range rounds {
		dctx, cancel := context.WithTimeout(ctx, write*time.Duration(i)/rounds)
		err := s.Apply(dctx, newChange())
		cancel()
		if err != nil {
			require.ErrorIs(t, err, context.DeadlineExceeded, "apply")
		}
		dctx, cancel = context.WithTimeout(ctx, read*time.Duration(i)/rounds)
		_, err = s.Demands(dctx, q)
		cancel()
		if err != nil {
			require.ErrorIs(t, err, context.DeadlineExceeded, "demands")
		}
		_, err = s.Demand(ctx, kept.Demands[0].ID)
		require.NoError(t, err, "round %d", i)
	}
}
