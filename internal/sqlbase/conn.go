package sqlbase

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	_ "modernc.org/sqlite"             // registers the "sqlite" database/sql driver
)

// Limits and defaults of the connections. The stores export the same names, set from these.
const (
	// SQLiteBusyTimeout is how long a SQLite connection waits for another process's write
	// lock before it fails. A writer (RetrySQLiteBusy) stops waiting sooner when its context
	// ends.
	SQLiteBusyTimeout = 10 * time.Second
	// SQLiteWriteWaitStep is the busy timeout of the write pool's connections (OpenSQLite):
	// SQLite's busy handler ignores interrupts, so a writer waits for another process's
	// write lock in BEGINs of at most this long each, and checks its context between them
	// (RetrySQLiteBusy), for at most SQLiteBusyTimeout in all.
	SQLiteWriteWaitStep = 50 * time.Millisecond
	// SQLiteReadConnsMax bounds the read connections to a SQLite file.
	SQLiteReadConnsMax = 8
	// PostgresConnsDefault bounds the connections to PostgreSQL of one store.
	PostgresConnsDefault = 32
	// PostgresConnsMax is the most connections Options.MaxConns may ask for.
	PostgresConnsMax = 1024
	// ConnMaxIdleTimeDefault is how long an idle PostgreSQL connection is kept.
	ConnMaxIdleTimeDefault = time.Minute
)

// Synchronous is SQLite's durability setting (PRAGMA synchronous) in WAL mode. The stores
// export their own type with the same values.
type Synchronous int

// Durability settings, in the stores' order.
const (
	SyncFull Synchronous = iota
	SyncNormal
)

// Options is what a store's Option functions set.
type Options struct {
	Sync        Synchronous   // SQLite only
	MaxConns    int           // PostgreSQL only
	MaxIdleTime time.Duration // PostgreSQL only
}

// ApplyOptions returns the defaults with opts applied in order. O is a store's exported Option
// type, whose underlying type is func(*Options).
func ApplyOptions[O ~func(*Options)](opts []O) Options {
	o := Options{MaxConns: PostgresConnsDefault, MaxIdleTime: ConnMaxIdleTimeDefault}
	for _, f := range opts {
		f(&o)
	}
	return o
}

// ValidSQLitePath reports a path that can stand before the DSN's query: non-empty, without
// '?', '#' or NUL (SQLite reads a path up to its first NUL: it would open another file), and
// naming one database that every connection shares. The driver opens paths
// as URIs, and a "file:" URI whose file name is empty (a temporary database) or ":memory:"
// (also spelled with %XX escapes) gives each connection a database of its own, so a store's
// read connections would not see what its write connection migrated and wrote. The plain
// ":memory:" is valid: OpenSQLite makes it one shared in-memory database.
func ValidSQLitePath(path string) bool {
	if path == "" || strings.ContainsAny(path, "?#\x00") {
		return false
	}
	name, ok := strings.CutPrefix(path, "file:")
	if !ok {
		return true
	}
	// As SQLite reads a URI (sqlite3ParseUri): an authority after "//" ends at the next '/',
	// %XX is a byte, and a NUL ends the file name.
	if rest, ok := strings.CutPrefix(name, "//"); ok {
		name = ""
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			name = rest[i:]
		}
	}
	name = uriFileName(name)
	return name != "" && name != ":memory:"
}

// uriFileName decodes the %XX escapes of a URI's path as SQLite does: an escape is two hex
// digits (anything else stays as it is), and a decoded NUL ends the name.
func uriFileName(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '%' && i+2 < len(p) && isHex(p[i+1]) && isHex(p[i+2]) {
			c = unhex(p[i+1])<<4 | unhex(p[i+2])
			i += 2
		}
		if c == 0 {
			break
		}
		b.WriteByte(c)
	}
	return b.String()
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// SQLiteDSN returns the DSN of the SQLite database at path: busy timeout, foreign keys, the
// durability setting, then pragmas (a store's own, such as cache_size), then WAL mode (not for
// ":memory:"), and BEGIN IMMEDIATE for writers.
func SQLiteDSN(path string, sync Synchronous, pragmas ...string) string {
	return sqliteDSN(path, path != ":memory:", sync, SQLiteBusyTimeout, pragmas...)
}

// sqliteDSN is SQLiteDSN with the busy timeout busy, in WAL mode if wal.
func sqliteDSN(path string, wal bool, sync Synchronous, busy time.Duration, pragmas ...string) string {
	syncMode := "FULL"
	if sync == SyncNormal {
		syncMode = "NORMAL"
	}
	params := url.Values{}
	params.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busy.Milliseconds()))
	params.Add("_pragma", "foreign_keys(1)")
	params.Add("_pragma", "synchronous("+syncMode+")")
	for _, p := range pragmas {
		params.Add("_pragma", p)
	}
	if wal {
		params.Add("_pragma", "journal_mode(WAL)")
	}
	// Writers take the write lock at BEGIN (BEGIN IMMEDIATE): a deferred transaction that reads
	// and then writes can fail to upgrade its lock when another process wrote first. Read-only
	// transactions still begin deferred (the driver ignores _txlock for them).
	params.Set("_txlock", "immediate")
	return path + "?" + params.Encode()
}

// OpenSQLite opens the write pool and the read pool of the SQLite database at path (see
// SQLiteDSN). The write pool has writeConnsMax connections that never expire, so writers of
// this process queue for them instead of spinning on SQLite's busy handler; for ":memory:" it
// has one, which is also the read pool (rdb == wdb). The read pool of a file has
// SQLiteReadConnsMax connections. Opening connects to nothing yet (the caller pings), except
// for ":memory:" (see openMemory).
//
// For a file, every connection's wal_autocheckpoint is WALBackstopPages: the caller runs a
// Checkpointer on rdb, and the writer checkpoints only as a backstop.
//
// The write pool's busy timeout is SQLiteWriteWaitStep, not SQLiteBusyTimeout: its callers
// begin write transactions through RetrySQLiteBusy, which waits for another process's write
// lock as long, but gives up when the caller's context ends.
//
// Errors: the driver's error.
func OpenSQLite(path string, o Options, writeConnsMax int, pragmas ...string) (wdb, rdb *sql.DB, err error) {
	memory := path == ":memory:"
	if !memory {
		pragmas = append(pragmas[:len(pragmas):len(pragmas)], fmt.Sprintf("wal_autocheckpoint(%d)", WALBackstopPages))
	}
	if memory {
		if wdb, err = openMemory(sqliteDSN(memoryName(), false, o.Sync, SQLiteWriteWaitStep, pragmas...) + "&vfs=memdb"); err != nil {
			return nil, nil, err
		}
		writeConnsMax = 1
	} else if wdb, err = sql.Open("sqlite", sqliteDSN(path, true, o.Sync, SQLiteWriteWaitStep, pragmas...)); err != nil {
		return nil, nil, err
	}
	wdb.SetMaxOpenConns(writeConnsMax)
	wdb.SetConnMaxLifetime(0)
	wdb.SetConnMaxIdleTime(0)
	if memory {
		return wdb, wdb, nil
	}
	if rdb, err = sql.Open("sqlite", SQLiteDSN(path, o.Sync, pragmas...)); err != nil {
		_ = wdb.Close()
		return nil, nil, err
	}
	rdb.SetMaxOpenConns(SQLiteReadConnsMax)
	rdb.SetMaxIdleConns(SQLiteReadConnsMax)
	return wdb, rdb, nil
}

// OpenPostgres opens a pool of o.MaxConns connections to PostgreSQL through pgx, closing
// connections idle longer than o.MaxIdleTime. Opening parses dsn but connects to nothing yet:
// the caller pings.
//
// Errors: invalid (the store's sentinel) wrapped when o is out of range or dsn does not parse
// (the error says why without repeating dsn, which may hold a password), or the driver's
// error.
func OpenPostgres(dsn string, o Options, invalid error) (*sql.DB, error) {
	if o.MaxConns < 1 || o.MaxConns > PostgresConnsMax || o.MaxIdleTime <= 0 {
		return nil, fmt.Errorf("%d connections (1..%d), idle time %s (> 0): %w",
			o.MaxConns, PostgresConnsMax, o.MaxIdleTime, invalid)
	}
	// The driver parses dsn again for each connection; a DSN that does not parse would fail
	// only there, with pgx's error, which repeats the DSN and misses some passwords in it (one
	// holding ':' or '@' in a URL that does not parse, a password= query parameter, spaces
	// around '=').
	if _, err := pgx.ParseConfig(dsn); err != nil {
		return nil, fmt.Errorf("PostgreSQL DSN does not parse: %s: %w", dsnError(err), invalid)
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(o.MaxConns)
	db.SetMaxIdleConns(o.MaxConns)
	db.SetConnMaxIdleTime(o.MaxIdleTime)
	return db, nil
}

// dsnError is what pgx says of a DSN that does not parse, without the DSN.
func dsnError(err error) string {
	var pe *pgconn.ParseConfigError
	if !errors.As(err, &pe) {
		return "unknown reason"
	}
	bare := *pe
	bare.ConnString = ""
	return strings.TrimPrefix(bare.Error(), "cannot parse ``: ")
}

// memoryDBs numbers the in-memory databases of this process.
var memoryDBs atomic.Int64

// memoryName is the URI of a new in-memory database of the memdb VFS: private to this
// process, shared by its connections, and alive while one of them is open.
func memoryName() string { return fmt.Sprintf("file:/sqlbase-memory-%d", memoryDBs.Add(1)) }

// openMemory opens a pool on the memdb database at dsn and a connection of its own that keeps
// the database alive until the pool closes. With ":memory:" the database was the pool's one
// connection, and database/sql closes a connection whenever the driver deems it unusable:
// the driver does so after a statement interrupted when its context ended, so a read or
// write cut short by its deadline lost every table and row of the store.
func openMemory(dsn string) (*sql.DB, error) {
	probe, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	drv := probe.Driver()
	_ = probe.Close()
	keeper, err := drv.Open(dsn)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(&memoryConnector{drv: drv, dsn: dsn, keeper: keeper}), nil
}

// memoryConnector connects to an in-memory database and keeps it alive while the pool is
// open: database/sql calls Close when the pool closes.
type memoryConnector struct {
	drv    driver.Driver
	dsn    string
	keeper driver.Conn
}

func (c *memoryConnector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open(c.dsn) }

func (c *memoryConnector) Driver() driver.Driver { return c.drv }

func (c *memoryConnector) Close() error { return c.keeper.Close() }
