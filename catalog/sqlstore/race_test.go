package sqlstore_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog/sqlstore"
	"github.com/tongxin/tongxin/catalog/storetest"
)

// TestRaceTwoHandles races two catalogs, each over its own handle on one database (two
// processes sharing one SQLite file, two app instances on one PostgreSQL), through the whole
// lifecycle and checks the capacity, headcount, rating, event and audit accounting after.
func TestRaceTwoHandles(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		for seed := uint64(1); seed <= 3; seed++ {
			a, path := openSQLite(t)
			b, err := sqlstore.OpenSQLite(context.Background(), path)
			require.NoError(t, err)
			t.Cleanup(func() { _ = b.Close() })
			storetest.RaceLifecycle(t, a, b, seed, 150)
		}
	})
	t.Run("postgres", func(t *testing.T) {
		for seed := uint64(1); seed <= 2; seed++ {
			a, dsn := openPostgres(t)
			b := openPostgresAt(t, dsn)
			storetest.RaceLifecycle(t, a, b, seed, 150)
		}
	})
}
