package sqlstore

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/internal/sqltest"
)

// afterPanicWait bounds how long the write after a panicked transaction may take: it must not
// wait for a connection or a row lock that the panicked transaction still holds.
const afterPanicWait = 5 * time.Second

// TestUpdatePanicRollsBack panics inside a write transaction that has already written (so it
// holds SQLite's one write connection, or the provider's row lock on PostgreSQL). The panic
// must reach the caller, the write must be rolled back, and the next write of the same store
// to the same row must go through rather than wait for the abandoned transaction.
func TestUpdatePanicRollsBack(t *testing.T) {
	stores := map[string]func(t *testing.T) *Store{
		"SQLiteFile": func(t *testing.T) *Store {
			s, err := OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "catalog.db"))
			require.NoError(t, err)
			return s
		},
		"SQLiteMemory": func(t *testing.T) *Store {
			s, err := OpenSQLite(context.Background(), ":memory:")
			require.NoError(t, err)
			return s
		},
		"Postgres": func(t *testing.T) *Store {
			s, err := OpenPostgres(context.Background(), sqltest.FreshSchema(t), WithMaxConns(4))
			require.NoError(t, err)
			return s
		},
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() { _ = s.Close() })
			ctx := context.Background()
			now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
			p := catalog.Provider{ID: uuid.New(), Kind: catalog.Volunteer, Name: "志愿者", Home: "幸福街道/阳光社区",
				Capacity: 2, Version: 1, CreatedAt: now, UpdatedAt: now}
			require.NoError(t, s.Apply(ctx, catalog.Change{Providers: []catalog.Provider{p}}))

			renamed := p
			renamed.Name, renamed.Version = "改名", 2
			e, err := encodeChange(&catalog.Change{Providers: []catalog.Provider{renamed}})
			require.NoError(t, err)
			recovered := func() (r any) {
				defer func() { r = recover() }()
				_ = s.update(ctx, "panic test", func(w queryer) error {
					if err := s.apply(ctx, w, e); err != nil {
						return err
					}
					panic("boom inside the transaction")
				})
				return nil
			}()
			require.Equal(t, "boom inside the transaction", recovered, "the panic reaches the caller")

			// ":memory:" has one connection for reads too: the read would wait as the write does.
			wctx, cancel := context.WithTimeout(ctx, afterPanicWait)
			defer cancel()
			got, err := s.Provider(wctx, p.ID)
			require.NoError(t, err)
			assert.Equal(t, p.Name, got.Name, "the panicked transaction's write is rolled back")
			assert.Equal(t, uint64(1), got.Version)

			require.NoError(t, s.Apply(wctx, catalog.Change{Providers: []catalog.Provider{renamed}}),
				"the next write is not blocked by the panicked transaction")
			got, err = s.Provider(wctx, p.ID)
			require.NoError(t, err)
			assert.Equal(t, "改名", got.Name)
			assert.Equal(t, uint64(2), got.Version)
		})
	}
}
