package sqlbase_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	catalogsql "github.com/tongxin/tongxin/catalog/sqlstore"
	"github.com/tongxin/tongxin/internal/sqlbase"
	"github.com/tongxin/tongxin/ledger"
	ledgersql "github.com/tongxin/tongxin/ledger/sqlstore"
)

// privateURIs are SQLite URIs that open a database of each connection's own: an empty file
// name is a temporary database, ":memory:" (also spelled with %XX escapes, or cut short by
// %00) an in-memory one. A store's write pool and read pool would each see another database.
var privateURIs = []string{
	"file:", "file::memory:", "file:%3Amemory%3A", "file:%3amemory%3a", "file::memory:%00x",
	"file:%00", "file://localhost", "file://", "file://localhost:memory:",
}

// TestValidSQLitePathRefusesPrivateURIs_h76: "file::memory:" passed the check, so a store
// opened on it migrated its write connection's database and then read from read
// connections that each had an empty database of their own ("no such table").
func TestValidSQLitePathRefusesPrivateURIs_h76(t *testing.T) {
	for _, p := range privateURIs {
		assert.False(t, sqlbase.ValidSQLitePath(p), p)
	}
	for _, p := range []string{"file:a.db", "file:///tmp/a.db", "file::memory:x", "file:%", "FILE::memory:", "file:/:memory:", ":memory:"} {
		assert.True(t, sqlbase.ValidSQLitePath(p), p)
	}
}

func TestStoresRefusePrivateURIs_h76(t *testing.T) {
	ctx := context.Background()
	for _, p := range privateURIs {
		s, err := ledgersql.OpenSQLite(ctx, p)
		if !assert.ErrorIs(t, err, ledger.ErrInvalid, p) && err == nil {
			_ = s.Close()
		}
		c, err := catalogsql.OpenSQLite(ctx, p)
		if !assert.ErrorIs(t, err, catalog.ErrInvalid, p) && err == nil {
			_ = c.Close()
		}
	}
	// A file: URI naming a file still opens that file, shared by every connection.
	path := filepath.Join(t.TempDir(), "l.db")
	s, err := ledgersql.OpenSQLite(ctx, "file:"+path)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	assert.FileExists(t, path)
}

// TestStoresRefuseNULInPath_h76: a path holding NUL reached SQLite's C API, which reads it up
// to the NUL: "dir/a.db\x00x" opened (and created) dir/a.db, another file than the one named.
func TestStoresRefuseNULInPath_h76(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	assert.False(t, sqlbase.ValidSQLitePath("a.db\x00x"))
	s, err := ledgersql.OpenSQLite(ctx, filepath.Join(dir, "l.db")+"\x00x")
	if !assert.ErrorIs(t, err, ledger.ErrInvalid) && err == nil {
		_ = s.Close()
	}
	c, err := catalogsql.OpenSQLite(ctx, filepath.Join(dir, "c.db")+"\x00x")
	if !assert.ErrorIs(t, err, catalog.ErrInvalid) && err == nil {
		_ = c.Close()
	}
	assert.NoFileExists(t, filepath.Join(dir, "l.db"))
	assert.NoFileExists(t, filepath.Join(dir, "c.db"))
}
