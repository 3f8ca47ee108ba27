package sqlstore_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/internal/sqltest"
	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/sqlstore"
	"github.com/tongxin/tongxin/ledger/storetest"
)

func TestConformanceSQLite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) ledger.Store {
		s, _ := openSQLite(t)
		return s
	})
}

func TestConformanceSQLiteMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T) ledger.Store {
		s, err := sqlstore.OpenSQLite(context.Background(), ":memory:")
		require.NoError(t, err)
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}

func TestConformancePostgres(t *testing.T) {
	sqltest.PostgresDSN(t)
	storetest.Run(t, func(t *testing.T) ledger.Store {
		s, _ := openPostgres(t)
		return s
	})
}
