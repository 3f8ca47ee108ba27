package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	_ "modernc.org/sqlite"             // registers the "sqlite" database/sql driver

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/internal/sqlbase"
)

// Limits and tuning. The exported values are those of internal/sqlbase, which opens the
// connections; they are spelled out so that the documentation shows them, and a test in
// sqlbase checks that they agree.
const (
	// ApplyAttemptsMax bounds how often Apply runs its transaction when it loses a race to
	// another process (serialization failure or deadlock).
	ApplyAttemptsMax = 10
	// SQLiteBusyTimeout is how long a SQLite connection waits for another process's write
	// lock before it fails; Apply and OpenSQLite stop waiting sooner when their context ends.
	SQLiteBusyTimeout = 10 * time.Second
	// sqliteCacheKiB is the page cache of each SQLite connection (PRAGMA cache_size), in KiB.
	sqliteCacheKiB = 64 << 10
	// sqliteWriteConnsMax is the write pool of a SQLite file: one connection, so writers of
	// this process queue for it. ":memory:" has one connection in all.
	sqliteWriteConnsMax = 1
	// PostgresConnsDefault bounds the connections to PostgreSQL of one Store.
	PostgresConnsDefault = 32
	// PostgresConnsMax is the most WithMaxConns accepts.
	PostgresConnsMax = 1024
	// ConnMaxIdleTimeDefault is how long an idle PostgreSQL connection is kept.
	ConnMaxIdleTimeDefault = time.Minute
	// preparedMax bounds the SQLite prepared statements: only fixed statements are prepared
	// (single-row and full-batch writes, single-record reads), a few dozen in all.
	preparedMax = 256
)

var (
	// ErrSchemaTooNew reports a database whose catalog schema was written by a newer version
	// of this package: opening it is refused rather than risking writes the newer code cannot
	// read.
	ErrSchemaTooNew = errors.New("sqlstore: catalog schema is newer than this code")
	// catalog.ErrCorrupt reports a row this package cannot have written: a record whose JSON does not
	// decode, whose id or version disagrees with its columns, or that a query returned although
	// it does not match the query. It means the database was edited behind the store's back.
	// It is catalog.ErrCorrupt, so callers of catalog.Catalog match it without this package.
	ErrCorrupt = catalog.ErrCorrupt
)

// Synchronous is SQLite's durability setting (PRAGMA synchronous) in WAL mode.
type Synchronous int

// Durability settings. Both keep every acknowledged write when the process is killed (the
// WAL is written before Commit returns); they differ on power loss or an OS crash.
const (
	// SyncFull fsyncs the WAL at every commit: nothing acknowledged is lost even on power
	// loss. The default.
	SyncFull Synchronous = iota
	// SyncNormal fsyncs only at checkpoints: a process kill loses nothing, a power loss may
	// lose the last writes acknowledged before it (never corrupting the file).
	SyncNormal
)

// Option configures OpenSQLite or OpenPostgres.
type Option func(*options)

// options is shared with the other SQL stores; Option keeps this package's own name.
type options = sqlbase.Options

// WithMaxConns bounds the PostgreSQL connections of one Store (default PostgresConnsDefault).
func WithMaxConns(n int) Option { return func(o *options) { o.MaxConns = n } }

// WithConnMaxIdleTime closes PostgreSQL connections idle longer than d (default
// ConnMaxIdleTimeDefault), so that many idle Stores do not exhaust the server's connections.
func WithConnMaxIdleTime(d time.Duration) Option { return func(o *options) { o.MaxIdleTime = d } }

// WithSynchronous sets SQLite's durability setting (default SyncFull). PostgreSQL ignores it:
// its durability is the server's synchronous_commit.
func WithSynchronous(s Synchronous) Option {
	return func(o *options) { o.Sync = sqlbase.Synchronous(s) }
}

// Store is a catalog.Store on SQLite or PostgreSQL. It is safe for concurrent use; on
// PostgreSQL, Stores in several processes may share one database.
type Store struct {
	d      *dialect
	wdb    *sql.DB // writes (SQLite: one connection, so writers queue in-process)
	rdb    *sql.DB // reads; the same as wdb except for a SQLite file
	closed atomic.Bool
	q      queries
	stmts  map[stmtKey]*sql.Stmt // SQLite only: fixed statements prepared once per pool, read-only after
	// SQLite file only: checkpoints the WAL on a read connection after commits, so that the
	// writer does not (see sqlbase.Checkpointer). A ledger sharing the file runs its own.
	ckpt *sqlbase.Checkpointer
}

type stmtKey struct {
	db    *sql.DB
	query string
}

var _ catalog.Store = (*Store)(nil)

// OpenSQLite opens (creating if needed) the SQLite database at path, in WAL mode with foreign
// keys on and a busy timeout of SQLiteBusyTimeout, and applies pending migrations. ":memory:"
// opens a private in-memory database that lives until Close.
//
// Errors: ErrSchemaTooNew, ErrSchemaConflict (a table of another program in the way),
// catalog.ErrCorrupt (an unreadable schema version), catalog.ErrInvalid (an empty path, one
// containing '?', '#' or NUL, a "file:" URI that would give each connection a database of its
// own, a Synchronous other than SyncFull and SyncNormal), or the driver's error wrapped with
// the operation.
func OpenSQLite(ctx context.Context, path string, opts ...Option) (*Store, error) {
	o := sqlbase.ApplyOptions(opts)
	if !sqlbase.ValidSQLitePath(path) {
		return nil, fmt.Errorf("sqlstore: open sqlite %q: path must be non-empty without '?' or '#': %w", path, catalog.ErrInvalid)
	}
	if o.Sync != sqlbase.SyncFull && o.Sync != sqlbase.SyncNormal {
		return nil, fmt.Errorf("sqlstore: open sqlite %q: synchronous %d is neither SyncFull nor SyncNormal: %w", path, o.Sync, catalog.ErrInvalid)
	}
	// One write connection: writers of this process queue for it instead of spinning on
	// SQLite's busy handler.
	wdb, rdb, err := sqlbase.OpenSQLite(path, o, sqliteWriteConnsMax,
		// A large write (an import of a district's list) touches every index; with SQLite's
		// default 2 MiB cache its dirty pages spill to the WAL mid-transaction, page by page.
		fmt.Sprintf("cache_size(-%d)", sqliteCacheKiB),
		// Each multi-row INSERT keeps a statement journal of the pages it changes, to undo
		// itself alone on a constraint error; in a temporary file that is one write() per page.
		"temp_store(MEMORY)")
	if err != nil {
		return nil, fmt.Errorf("sqlstore: open sqlite %q: %w", path, err)
	}
	s := &Store{d: sqliteDialect, wdb: wdb, rdb: rdb}
	if err := s.init(ctx); err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("sqlstore: open sqlite %q: %w", path, err)
	}
	if rdb != wdb {
		s.ckpt = sqlbase.StartCheckpointer(rdb, sqlbase.CheckpointInterval)
	}
	return s, nil
}

// OpenPostgres connects to PostgreSQL (or a compatible engine) through pgx and applies pending
// migrations. The schema is the DSN's search_path, e.g.
// "postgres://u@host/db?sslmode=disable&search_path=catalog".
//
// Errors: ErrSchemaTooNew, ErrSchemaConflict (a table of another program in the way),
// catalog.ErrCorrupt (an unreadable schema version), catalog.ErrInvalid (options out of range,
// a DSN that does not parse), or the driver's error wrapped with the operation.
func OpenPostgres(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	db, err := sqlbase.OpenPostgres(dsn, sqlbase.ApplyOptions(opts), catalog.ErrInvalid)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: open postgres: %w", err)
	}
	s := &Store{d: postgresDialect, wdb: db, rdb: db}
	if err := s.init(ctx); err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("sqlstore: open postgres: %w", err)
	}
	return s, nil
}

func (s *Store) init(ctx context.Context) error {
	err := sqlbase.Ping(ctx, s.wdb)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	if err := s.migrate(ctx); err != nil {
		return err
	}
	s.q = buildQueries(s.d)
	return s.prepareAll(ctx)
}

// Close closes the database connections; later calls return catalog.ErrClosed. Closing twice
// is not an error.
//
// Errors: the driver's error on closing, wrapped.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	if s.ckpt != nil {
		s.ckpt.Stop()
	}
	for _, st := range s.stmts {
		_ = st.Close()
	}
	err := s.wdb.Close()
	if s.rdb != s.wdb {
		err = errors.Join(err, s.rdb.Close())
	}
	if err != nil {
		return fmt.Errorf("sqlstore: close: %w", err)
	}
	return nil
}

func errClosed(op string) error { return fmt.Errorf("sqlstore %s: %w", op, catalog.ErrClosed) }

// closedErr turns the driver's "database is closed" after a concurrent Close into ErrClosed,
// and makes a database failure whose context has ended wrap the context's error (ctxErr).
func (s *Store) closedErr(ctx context.Context, op string, err error) error {
	if err != nil && s.closed.Load() && !errors.Is(err, catalog.ErrClosed) {
		return errClosed(op)
	}
	return ctxErr(ctx, err)
}

// verdicts are the catalog's error kinds that this store returns for a reason other than the
// database's own failure.
var verdicts = []error{catalog.ErrInvalid, catalog.ErrNotFound, catalog.ErrAlreadyExists,
	catalog.ErrVersionConflict, catalog.ErrClosed, catalog.ErrCorrupt}

// ctxErr makes a database failure of a call whose context has ended wrap the context's error
// (see sqlbase.CtxErr); a verdict (ErrVersionConflict, ...) stands as it is.
func ctxErr(ctx context.Context, err error) error { return sqlbase.CtxErr(ctx, err, verdicts) }

// prepareAll prepares the fixed statements once (SQLite only: pgx caches prepared statements
// per connection itself). It runs before any transaction: with one write connection, preparing
// on the pool inside a transaction would wait for the connection the transaction holds.
func (s *Store) prepareAll(ctx context.Context) error {
	if s.d != sqliteDialect {
		return nil
	}
	s.stmts = make(map[stmtKey]*sql.Stmt)
	add := func(db *sql.DB, queries []string) error {
		for _, q := range queries {
			k := stmtKey{db, q}
			if _, ok := s.stmts[k]; ok {
				continue
			}
			if len(s.stmts) >= preparedMax {
				return fmt.Errorf("prepare: more than %d statements", preparedMax)
			}
			st, err := db.PrepareContext(ctx, q)
			if err != nil {
				return fmt.Errorf("prepare %q: %w", q, err)
			}
			s.stmts[k] = st
		}
		return nil
	}
	if err := add(s.wdb, append(s.q.writes(), s.q.reads()...)); err != nil {
		return err
	}
	return add(s.rdb, s.q.reads())
}

// prepared returns the statement for query prepared on db, nil if it is not a fixed one. The
// map is read-only after prepareAll.
func (s *Store) prepared(db *sql.DB, query string) *sql.Stmt {
	if s.stmts == nil {
		return nil
	}
	return s.stmts[stmtKey{db, query}]
}

// queryer runs statements on a pool or inside a transaction, through the prepared-statement
// cache where the store has one.
type queryer struct {
	s  *Store
	db *sql.DB // the pool the statements are prepared on
	tx *sql.Tx // nil outside a transaction
}

func (r queryer) stmt(ctx context.Context, query string) *sql.Stmt {
	st := r.s.prepared(r.db, query)
	if st == nil || r.tx == nil {
		return st
	}
	return r.tx.StmtContext(ctx, st)
}

func (r queryer) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := r.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	if r.tx != nil {
		return r.tx.QueryContext(ctx, query, args...)
	}
	return r.db.QueryContext(ctx, query, args...)
}

// queryText runs a generated query that is not cached (its shape depends on the filters).
func (r queryer) queryText(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if r.tx != nil {
		return r.tx.QueryContext(ctx, query, args...)
	}
	return r.db.QueryContext(ctx, query, args...)
}

func (r queryer) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if st := r.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	if r.tx != nil {
		return r.tx.QueryRowContext(ctx, query, args...)
	}
	return r.db.QueryRowContext(ctx, query, args...)
}

func (r queryer) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := r.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	if r.tx != nil {
		return r.tx.ExecContext(ctx, query, args...)
	}
	return r.db.ExecContext(ctx, query, args...)
}

// update runs fn in one read-write transaction. On PostgreSQL a serialization failure or
// deadlock (another process won a race) rolls back and runs fn again, at most
// ApplyAttemptsMax times in all, after a short jittered sleep.
func (s *Store) update(ctx context.Context, op string, fn func(w queryer) error) error {
	var err error
	for attempt := range ApplyAttemptsMax {
		if attempt > 0 {
			if werr := sqlbase.SleepBackoff(ctx, attempt); werr != nil {
				return fmt.Errorf("sqlstore %s: %w (after %w)", op, werr, err)
			}
		}
		err = s.updateOnce(ctx, op, fn)
		if err == nil || !s.d.retryable(err) {
			return err
		}
	}
	return fmt.Errorf("sqlstore %s: gave up after %d attempts: %w", op, ApplyAttemptsMax, err)
}

// updateOnce runs fn in one transaction and commits it. A panic in fn (a bug, or a driver's)
// rolls the transaction back before it goes on up: left open, it would hold SQLite's one write
// connection, or PostgreSQL's row locks, for good, and every later write of the store would
// wait for it.
func (s *Store) updateOnce(ctx context.Context, op string, fn func(w queryer) error) error {
	if s.closed.Load() {
		return errClosed(op)
	}
	// On SQLite, waits for another process's write lock in steps, so that ctx ends the wait
	// (the busy handler of one long BEGIN would not look at it).
	var tx *sql.Tx
	err := sqlbase.RetrySQLiteBusy(ctx, func() (err error) {
		tx, err = s.wdb.BeginTx(ctx, nil)
		return err
	})
	if err != nil {
		return s.closedErr(ctx, op, fmt.Errorf("sqlstore %s: begin: %w", op, err))
	}
	// Deferred, so that it runs when fn fails and when fn panics; the panic is not recovered
	// and goes on up unchanged once the transaction is rolled back.
	committed := false
	defer func() {
		if !committed {
			_ = tx.Rollback()
		}
	}()
	if err := fn(queryer{s: s, db: s.wdb, tx: tx}); err != nil {
		return s.closedErr(ctx, op, err)
	}
	committed = true
	if err := tx.Commit(); err != nil {
		return s.closedErr(ctx, op, fmt.Errorf("sqlstore %s: commit: %w", op, err))
	}
	if s.ckpt != nil {
		s.ckpt.Kick()
	}
	return nil
}

// reader returns the queryer for reads outside a transaction: every read is one statement,
// which both databases run on a consistent snapshot.
func (s *Store) reader() queryer { return queryer{s: s, db: s.rdb} }
