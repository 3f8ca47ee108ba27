package sqlstore_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/catalog/sqlstore"
)

// TestOpenSQLiteBadSynchronous: a durability setting that is neither SyncFull nor SyncNormal
// is refused, not taken silently as SyncFull, and creates no file (as the ledger's store does).
func TestOpenSQLiteBadSynchronous(t *testing.T) {
	for _, sync := range []sqlstore.Synchronous{-1, 2, 7} {
		path := filepath.Join(t.TempDir(), "c.db")
		s, err := sqlstore.OpenSQLite(context.Background(), path, sqlstore.WithSynchronous(sync))
		if err == nil {
			_ = s.Close()
		}
		assert.ErrorIs(t, err, catalog.ErrInvalid, "synchronous %d", sync)
		assert.NoFileExists(t, path)
	}
}
