package sqlbase_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	catalogsql "github.com/tongxin/tongxin/catalog/sqlstore"
	"github.com/tongxin/tongxin/internal/sqlbase"
	"github.com/tongxin/tongxin/internal/sqltest"
	ledgersql "github.com/tongxin/tongxin/ledger/sqlstore"
)

func TestSQLiteDSN(t *testing.T) {
	tests := []struct {
		name, path string
		sync       sqlbase.Synchronous
		pragmas    []string
		want       string
	}{
		{"file full", "/x/l.db", sqlbase.SyncFull, nil,
			"/x/l.db?_pragma=busy_timeout%2810000%29&_pragma=foreign_keys%281%29&_pragma=synchronous%28FULL%29&_pragma=journal_mode%28WAL%29&_txlock=immediate"},
		{"memory normal with pragmas", ":memory:", sqlbase.SyncNormal, []string{"cache_size(-65536)", "temp_store(MEMORY)"},
			":memory:?_pragma=busy_timeout%2810000%29&_pragma=foreign_keys%281%29&_pragma=synchronous%28NORMAL%29&_pragma=cache_size%28-65536%29&_pragma=temp_store%28MEMORY%29&_txlock=immediate"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, sqlbase.SQLiteDSN(tc.path, tc.sync, tc.pragmas...))
		})
	}
}

func TestValidSQLitePath(t *testing.T) {
	for path, want := range map[string]bool{"": false, "a.db": true, ":memory:": true, "a.db?x=1": false, "a#b": false} {
		assert.Equal(t, want, sqlbase.ValidSQLitePath(path), path)
	}
}

type option func(*sqlbase.Options)

func TestApplyOptions(t *testing.T) {
	assert.Equal(t, sqlbase.Options{MaxConns: sqlbase.PostgresConnsDefault, MaxIdleTime: sqlbase.ConnMaxIdleTimeDefault},
		sqlbase.ApplyOptions[option](nil))
	got := sqlbase.ApplyOptions([]option{
		func(o *sqlbase.Options) { o.MaxConns = 3 },
		func(o *sqlbase.Options) { o.Sync = sqlbase.SyncNormal },
		func(o *sqlbase.Options) { o.MaxConns = 4 },
	})
	assert.Equal(t, sqlbase.Options{Sync: sqlbase.SyncNormal, MaxConns: 4, MaxIdleTime: sqlbase.ConnMaxIdleTimeDefault}, got)
}

func TestOpenSQLite(t *testing.T) {
	ctx := context.Background()
	t.Run("file", func(t *testing.T) {
		wdb, rdb, err := sqlbase.OpenSQLite(filepath.Join(t.TempDir(), "a.db"), sqlbase.Options{}, 2, "temp_store(MEMORY)")
		require.NoError(t, err)
		defer wdb.Close()
		defer rdb.Close()
		require.NotSame(t, wdb, rdb)
		assert.Equal(t, 2, wdb.Stats().MaxOpenConnections)
		assert.Equal(t, sqlbase.SQLiteReadConnsMax, rdb.Stats().MaxOpenConnections)
		pragmas := map[string]string{"journal_mode": "wal", "foreign_keys": "1", "busy_timeout": "10000", "synchronous": "2", "temp_store": "2"}
		for name, want := range pragmas {
			var got string
			require.NoError(t, rdb.QueryRowContext(ctx, "PRAGMA "+name).Scan(&got))
			assert.Equal(t, want, got, name)
		}
		// Writers wait for another process's write lock in steps (RetrySQLiteBusy).
		var busy int64
		require.NoError(t, wdb.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&busy))
		assert.Equal(t, sqlbase.SQLiteWriteWaitStep.Milliseconds(), busy)
		// The writer checkpoints only as a backstop: the stores run a Checkpointer.
		var backstop int
		require.NoError(t, wdb.QueryRowContext(ctx, "PRAGMA wal_autocheckpoint").Scan(&backstop))
		assert.Equal(t, sqlbase.WALBackstopPages, backstop)
	})
	t.Run("memory", func(t *testing.T) {
		wdb, rdb, err := sqlbase.OpenSQLite(":memory:", sqlbase.Options{Sync: sqlbase.SyncNormal}, 2)
		require.NoError(t, err)
		defer wdb.Close()
		require.Same(t, wdb, rdb, "every connection to :memory: is a database of its own")
		assert.Equal(t, 1, wdb.Stats().MaxOpenConnections)
		var got string
		require.NoError(t, wdb.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&got))
		assert.Equal(t, "1", got)
	})
	// The in-memory database outlives the pool's connection: database/sql closes a connection
	// the driver deems unusable (as modernc.org/sqlite does after a statement interrupted when
	// its context ended), and that connection used to be the whole database.
	t.Run("memory outlives its connection", func(t *testing.T) {
		wdb, _, err := sqlbase.OpenSQLite(":memory:", sqlbase.Options{}, 1)
		require.NoError(t, err)
		defer wdb.Close()
		_, err = wdb.ExecContext(ctx, "CREATE TABLE t (v INTEGER)")
		require.NoError(t, err)
		_, err = wdb.ExecContext(ctx, "INSERT INTO t VALUES (7)")
		require.NoError(t, err)
		conn, err := wdb.Conn(ctx)
		require.NoError(t, err)
		// ErrBadConn from Raw makes database/sql close the connection.
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		_ = conn.Close()
		var v int
		require.NoError(t, wdb.QueryRowContext(ctx, "SELECT v FROM t").Scan(&v))
		assert.Equal(t, 7, v)

		other, _, err := sqlbase.OpenSQLite(":memory:", sqlbase.Options{}, 1)
		require.NoError(t, err)
		defer other.Close()
		err = other.QueryRowContext(ctx, "SELECT v FROM t").Scan(&v)
		require.Error(t, err, "each :memory: store is a database of its own")
	})
}

var errInvalid = errors.New("test: invalid")

func TestOpenPostgresRejectsOptions(t *testing.T) {
	ok := sqlbase.Options{MaxConns: 1, MaxIdleTime: time.Second}
	tests := map[string]sqlbase.Options{
		"no connections": {MaxConns: 0, MaxIdleTime: time.Second},
		"too many":       {MaxConns: sqlbase.PostgresConnsMax + 1, MaxIdleTime: time.Second},
		"zero idle time": {MaxConns: 1},
		"negative idle":  {MaxConns: 1, MaxIdleTime: -time.Second},
		"negative conns": {MaxConns: -1, MaxIdleTime: time.Second},
	}
	for name, o := range tests {
		t.Run(name, func(t *testing.T) {
			db, err := sqlbase.OpenPostgres("postgres://127.0.0.1/none", o, errInvalid)
			assert.ErrorIs(t, err, errInvalid)
			assert.Nil(t, db)
		})
	}
	db, err := sqlbase.OpenPostgres("postgres://127.0.0.1/none", ok, errInvalid)
	require.NoError(t, err, "opening connects to nothing yet")
	assert.Equal(t, 1, db.Stats().MaxOpenConnections)
	require.NoError(t, db.Close())
}

func TestOpenPostgresConnects(t *testing.T) {
	db, err := sqlbase.OpenPostgres(sqltest.FreshSchema(t), sqlbase.Options{MaxConns: 2, MaxIdleTime: time.Second}, errInvalid)
	require.NoError(t, err)
	defer db.Close()
	require.NoError(t, db.PingContext(context.Background()))
	assert.Equal(t, 2, db.Stats().MaxOpenConnections)
}

// The stores spell out the limits they export so that their documentation shows the values;
// the connections are opened here, with this package's. They must agree.
func TestStoresExportTheseLimits(t *testing.T) {
	tests := []struct {
		name      string
		got, want any
	}{
		{"ledger SQLiteBusyTimeout", ledgersql.SQLiteBusyTimeout, sqlbase.SQLiteBusyTimeout},
		{"ledger PostgresConnsDefault", ledgersql.PostgresConnsDefault, sqlbase.PostgresConnsDefault},
		{"ledger PostgresConnsMax", ledgersql.PostgresConnsMax, sqlbase.PostgresConnsMax},
		{"ledger ConnMaxIdleTimeDefault", ledgersql.ConnMaxIdleTimeDefault, sqlbase.ConnMaxIdleTimeDefault},
		{"ledger SyncFull", int(ledgersql.SyncFull), int(sqlbase.SyncFull)},
		{"ledger SyncNormal", int(ledgersql.SyncNormal), int(sqlbase.SyncNormal)},
		{"catalog SQLiteBusyTimeout", catalogsql.SQLiteBusyTimeout, sqlbase.SQLiteBusyTimeout},
		{"catalog PostgresConnsDefault", catalogsql.PostgresConnsDefault, sqlbase.PostgresConnsDefault},
		{"catalog PostgresConnsMax", catalogsql.PostgresConnsMax, sqlbase.PostgresConnsMax},
		{"catalog ConnMaxIdleTimeDefault", catalogsql.ConnMaxIdleTimeDefault, sqlbase.ConnMaxIdleTimeDefault},
		{"catalog SyncFull", int(catalogsql.SyncFull), int(sqlbase.SyncFull)},
		{"catalog SyncNormal", int(catalogsql.SyncNormal), int(sqlbase.SyncNormal)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { assert.Equal(t, tc.want, tc.got) })
	}
}
