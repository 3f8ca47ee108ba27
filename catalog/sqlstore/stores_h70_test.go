package sqlstore_test

import (
	"os"
	"testing"

	"github.com/tongxin/tongxin/catalog/memstore"
	"github.com/tongxin/tongxin/catalog/storetest"
)

// eachStore runs fn against memstore, a SQLite file and, with TONGXIN_POSTGRES_DSN set, a fresh
// PostgreSQL schema: the catalog must answer the same on all of them.
func eachStore(t *testing.T, fn func(t *testing.T, f *storetest.Fixture)) {
	t.Helper()
	t.Run("memstore", func(t *testing.T) { fn(t, storetest.NewFixture(t, memstore.New())) })
	t.Run("sqlite", func(t *testing.T) {
		s, _ := openSQLite(t)
		fn(t, storetest.NewFixture(t, s))
	})
	t.Run("postgres", func(t *testing.T) {
		if os.Getenv("TONGXIN_POSTGRES_DSN") == "" {
			t.Skip("TONGXIN_POSTGRES_DSN not set")
		}
		s, _ := openPostgres(t)
		fn(t, storetest.NewFixture(t, s))
	})
}
