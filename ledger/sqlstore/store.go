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

	"github.com/tongxin/tongxin/internal/sqlbase"
	"github.com/tongxin/tongxin/ledger"
)

// Limits and tuning. The exported values are those of internal/sqlbase, which opens the
// connections; they are spelled out so that the documentation shows them, and a test in
// sqlbase checks that they agree.
const (
	// UpdateAttemptsMax bounds how often Update runs fn when it loses a race to another
	// process (serialization failure, deadlock, unique violation).
	UpdateAttemptsMax = 10
	// SQLiteBusyTimeout is how long a SQLite connection waits for another process's write
	// lock before it fails; an Update, and the migration OpenSQLite runs, stop waiting sooner
	// when their context ends (they wait in steps of 50 ms).
	SQLiteBusyTimeout = 10 * time.Second
	// sqliteWriteConnsMax is the write pool of a SQLite file: the connection pinned for
	// writers and one that only prepares statements (database/sql then prepares each once more
	// on the pinned connection). ":memory:" has one connection in all.
	sqliteWriteConnsMax = 2
	// PostgresConnsDefault bounds the connections to PostgreSQL of one Store.
	PostgresConnsDefault = 32
	// PostgresConnsMax is the most WithMaxConns accepts.
	PostgresConnsMax = 1024
	// ConnMaxIdleTimeDefault is how long an idle PostgreSQL connection is kept.
	ConnMaxIdleTimeDefault = time.Minute
)

// ErrSchemaTooNew reports a database whose schema was written by a newer version of this
// package: opening it is refused rather than risking writes the newer code cannot read.
var ErrSchemaTooNew = errors.New("sqlstore: database schema is newer than this code")

// Synchronous is SQLite's durability setting (PRAGMA synchronous) in WAL mode.
type Synchronous int

// Durability settings. Both keep every acknowledged transaction when the process is killed
// (the WAL is written before Commit returns); they differ on power loss or an OS crash.
const (
	// SyncFull fsyncs the WAL at every commit: nothing acknowledged is lost even on power
	// loss. The default.
	SyncFull Synchronous = iota
	// SyncNormal fsyncs only at checkpoints: a process kill loses nothing, a power loss may
	// lose the last transactions acknowledged before it (never corrupting the file).
	SyncNormal
)

// Option configures OpenSQLite or OpenPostgres.
type Option func(*options)

// options is shared with the other SQL stores; Option keeps this package's own name.
type options = sqlbase.Options

// WithMaxConns bounds the PostgreSQL connections of one Store (default PostgresConnsDefault).
// Writers serialise on the head row, so more connections than concurrent writers plus
// readers buy nothing.
func WithMaxConns(n int) Option { return func(o *options) { o.MaxConns = n } }

// WithConnMaxIdleTime closes PostgreSQL connections idle longer than d (default
// ConnMaxIdleTimeDefault), so that many idle Stores do not exhaust the server's connections.
func WithConnMaxIdleTime(d time.Duration) Option { return func(o *options) { o.MaxIdleTime = d } }

// WithSynchronous sets SQLite's durability setting (default SyncFull). PostgreSQL ignores
// it: its durability is the server's synchronous_commit.
func WithSynchronous(s Synchronous) Option {
	return func(o *options) { o.Sync = sqlbase.Synchronous(s) }
}

// Store is a ledger.Store on SQLite or PostgreSQL. It is safe for concurrent use; on
// PostgreSQL, Stores in several processes may share one database.
type Store struct {
	d      *dialect
	wdb    *sql.DB // writes (SQLite: one connection, so writers queue in-process)
	rdb    *sql.DB // reads; the same as wdb except for a SQLite file
	closed atomic.Bool
	q      queries

	// SQLite file only: the one write connection, pinned, and statements prepared once, so
	// that a Post does not parse its ten statements again. wdb has a second connection that
	// only prepares them (database/sql then prepares each once more on the pinned
	// connection and keeps it there). wlock (a semaphore of one, so that a writer waiting
	// for it gives up when its context ends) is held by the writer and guards wstmts.
	wlock  chan struct{}
	wconn  *sql.Conn
	wstmts map[string]*sql.Stmt
	// SQLite file only: checkpoints the WAL on a read connection after commits, so that the
	// writer does not (see sqlbase.Checkpointer).
	ckpt *sqlbase.Checkpointer
}

var (
	_ ledger.Store            = (*Store)(nil)
	_ ledger.StoreGroupCommit = (*Store)(nil)
	_ ledger.StoreKeyLookup   = (*storeTx)(nil)
)

// GroupCommit reports true: every commit costs a disk flush (and on PostgreSQL a round trip),
// so the Ledger should gather concurrent Post calls into one store transaction.
func (s *Store) GroupCommit() bool { return true }

// OpenSQLite opens (creating if needed) the SQLite database at path, in WAL mode with
// foreign keys on and a busy timeout of SQLiteBusyTimeout, and applies pending migrations.
// ":memory:" opens a private in-memory database that lives until Close.
//
// Errors: ErrSchemaTooNew, ErrSchemaConflict (a table of another program in the way),
// ledger.ErrCorrupt (an unreadable schema version), ledger.ErrInvalid (an empty path, one
// containing '?', '#' or NUL, a "file:" URI that would give each connection a database of its
// own, a Synchronous other than SyncFull and SyncNormal), or the driver's error wrapped with
// the operation.
func OpenSQLite(ctx context.Context, path string, opts ...Option) (*Store, error) {
	o := sqlbase.ApplyOptions(opts)
	if !sqlbase.ValidSQLitePath(path) {
		return nil, fmt.Errorf("sqlstore: open sqlite %q: path must be non-empty without '?' or '#': %w", path, ledger.ErrInvalid)
	}
	if o.Sync != sqlbase.SyncFull && o.Sync != sqlbase.SyncNormal {
		return nil, fmt.Errorf("sqlstore: open sqlite %q: synchronous %d is neither SyncFull nor SyncNormal: %w", path, o.Sync, ledger.ErrInvalid)
	}
	// One write connection (pinned in init, writers of this process queue on wlock for it
	// instead of spinning on SQLite's busy handler) plus one that only prepares statements.
	wdb, rdb, err := sqlbase.OpenSQLite(path, o, sqliteWriteConnsMax)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: open sqlite %q: %w", path, err)
	}
	s := &Store{d: sqliteDialect, wdb: wdb, rdb: rdb}
	if err := s.init(ctx); err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("sqlstore: open sqlite %q: %w", path, err)
	}
	return s, nil
}

// OpenPostgres connects to PostgreSQL (or a compatible engine) through pgx and applies
// pending migrations. The schema is the DSN's search_path, e.g.
// "postgres://u@host/db?sslmode=disable&search_path=ledger".
//
// Errors: ErrSchemaTooNew, ErrSchemaConflict (a table of another program in the way),
// ledger.ErrCorrupt (an unreadable schema version), ledger.ErrInvalid (options out of range,
// a DSN that does not parse), or the driver's error wrapped with the operation.
func OpenPostgres(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	db, err := sqlbase.OpenPostgres(dsn, sqlbase.ApplyOptions(opts), ledger.ErrInvalid)
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
	if err := sqlbase.Ping(ctx, s.wdb); err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	if err := s.migrate(ctx); err != nil {
		return err
	}
	s.q = buildQueries(s.d)
	if s.d.Name == "sqlite" && s.rdb != s.wdb {
		conn, err := s.wdb.Conn(ctx)
		if err != nil {
			return fmt.Errorf("pin write connection: %w", err)
		}
		s.wconn, s.wstmts, s.wlock = conn, make(map[string]*sql.Stmt), make(chan struct{}, 1)
		// The writer checkpoints only as a backstop (sqlbase.OpenSQLite); this does it beside it.
		s.ckpt = sqlbase.StartCheckpointer(s.rdb, sqlbase.CheckpointInterval)
	}
	return nil
}

// Close closes the database connections; later calls return ledger.ErrClosed. Closing twice
// is not an error.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	var err error
	if s.ckpt != nil {
		s.ckpt.Stop()
	}
	if s.wconn != nil {
		s.wlock <- struct{}{} // waits for the writer in progress
		for _, st := range s.wstmts {
			err = errors.Join(err, st.Close())
		}
		err = errors.Join(err, s.wconn.Close())
		<-s.wlock
	}
	err = errors.Join(err, s.wdb.Close())
	if s.rdb != s.wdb {
		err = errors.Join(err, s.rdb.Close())
	}
	if err != nil {
		return fmt.Errorf("sqlstore: close: %w", err)
	}
	return nil
}

func (s *Store) closedErr(err error) error {
	if s.closed.Load() {
		return fmt.Errorf("sqlstore: %w", ledger.ErrClosed)
	}
	return err
}

// Update runs fn in one read-write transaction. On PostgreSQL a serialization failure,
// deadlock or unique violation (another process won a race) rolls back and runs fn again, at
// most UpdateAttemptsMax times in all, after a short jittered sleep.
//
// Errors: ledger.ErrClosed, fn's error, or the database's error wrapped with the operation
// (and, when ctx has ended, with ctx.Err()).
func (s *Store) Update(ctx context.Context, fn func(tx ledger.StoreTx) error) error {
	var err error
	for attempt := range UpdateAttemptsMax {
		if attempt > 0 {
			if werr := sqlbase.SleepBackoff(ctx, attempt); werr != nil {
				return fmt.Errorf("sqlstore: update: %w (after %w)", werr, err)
			}
		}
		err = s.updateOnce(ctx, fn)
		if err == nil || !s.d.retryable(err) {
			return ctxErr(ctx, err)
		}
	}
	return fmt.Errorf("sqlstore: update: gave up after %d attempts: %w", UpdateAttemptsMax, err)
}

func (s *Store) updateOnce(ctx context.Context, fn func(tx ledger.StoreTx) error) error {
	if s.closed.Load() {
		return fmt.Errorf("sqlstore: %w", ledger.ErrClosed)
	}
	if s.d.Name == "postgres" {
		return s.updatePostgres(ctx, fn)
	}
	var sqlTx *sql.Tx
	var err error
	if s.wconn != nil {
		select {
		case s.wlock <- struct{}{}:
		case <-ctx.Done():
			return fmt.Errorf("sqlstore: wait for the write connection: %w", ctx.Err())
		}
		defer func() { <-s.wlock }()
		if s.closed.Load() {
			return fmt.Errorf("sqlstore: %w", ledger.ErrClosed)
		}
		// Not ctx itself: database/sql would roll back on cancellation from a goroutine of
		// its own, racing the next BEGIN on this pinned connection, and when that ROLLBACK was
		// interrupted too the connection stayed in the transaction, failing every later
		// write. Statements still run under ctx; a failure is rolled back here, in order.
		sqlTx, err = s.beginPinned(ctx)
	} else {
		sqlTx, err = s.wdb.BeginTx(context.WithoutCancel(ctx), nil)
	}
	if err != nil {
		return s.closedErr(fmt.Errorf("sqlstore: begin: %w", err))
	}
	tx := &storeTx{reader: reader{s: s, tx: sqlTx}}
	if s.wconn != nil {
		tx.stmts, tx.pinned = make(map[string]*sql.Stmt), true
	}
	if err := runFn(fn, tx, func() { s.rollback(sqlTx) }); err != nil {
		s.rollback(sqlTx)
		return s.closedErr(err)
	}
	if err := sqlTx.Commit(); err != nil {
		s.rollback(sqlTx)
		return s.closedErr(fmt.Errorf("sqlstore: commit: %w", err))
	}
	if s.ckpt != nil {
		s.ckpt.Kick()
	}
	return nil
}

// beginPinned begins a write transaction (BEGIN IMMEDIATE) on the pinned SQLite connection,
// waiting for another process's write lock until ctx ends or SQLiteBusyTimeout has passed
// (sqlbase.RetrySQLiteBusy: the pool's busy timeout is sqlbase.SQLiteWriteWaitStep).
func (s *Store) beginPinned(ctx context.Context) (*sql.Tx, error) {
	var sqlTx *sql.Tx
	err := sqlbase.RetrySQLiteBusy(ctx, func() error {
		var err error
		sqlTx, err = s.wconn.BeginTx(context.WithoutCancel(ctx), nil)
		return err
	})
	if err != nil {
		return nil, err
	}
	return sqlTx, nil
}

// runFn runs fn, and abort as well if fn panics, before the panic goes on: a transaction left
// open would keep SQLite's pinned connection inside it (every later BEGIN failing, Close
// waiting for ever) or PostgreSQL's connection out of the pool holding the head lock (every
// writer of every process waiting for ever), for a caller that recovers (as net/http does).
func runFn(fn func(tx ledger.StoreTx) error, tx ledger.StoreTx, abort func()) error {
	panicked := true
	defer func() {
		if panicked {
			abort()
		}
	}()
	err := fn(tx)
	panicked = false
	return err
}

// rollback ends a failed SQLite write transaction. A ROLLBACK that fails (or a COMMIT that
// failed) may leave the pinned connection inside the transaction, so it is rolled back once
// more; "no transaction is active" is the usual, harmless answer.
func (s *Store) rollback(sqlTx *sql.Tx) {
	if err := sqlTx.Rollback(); err != nil && s.wconn != nil {
		_, _ = s.wconn.ExecContext(context.Background(), "ROLLBACK")
	}
}

// updatePostgres is updateOnce on PostgreSQL, with the transaction run by hand (pgTx).
func (s *Store) updatePostgres(ctx context.Context, fn func(tx ledger.StoreTx) error) error {
	conn, err := s.wdb.Conn(ctx)
	if err != nil {
		return s.closedErr(fmt.Errorf("sqlstore: begin: %w", err))
	}
	pg := &pgTx{conn: conn}
	tx := &storeTx{reader: reader{s: s, pg: pg}}
	if err := runFn(fn, tx, func() { _ = pg.end(ctx, false) }); err != nil {
		// Under ctx, not without its cancellation: a rollback on a stalled network would
		// otherwise outlive the caller's deadline by as long as TCP takes to give up. One
		// that fails (ctx ended before or during it) discards the connection, and the
		// server rolls back when it closes.
		_ = pg.end(ctx, false)
		return s.closedErr(err)
	}
	if err := pg.end(ctx, true); err != nil {
		return s.closedErr(fmt.Errorf("sqlstore: commit: %w", err))
	}
	return nil
}

// View runs fn in one read-only transaction: a consistent snapshot (REPEATABLE READ on
// PostgreSQL; a WAL read transaction on SQLite).
//
// Errors: ledger.ErrClosed, fn's error, or the database's error wrapped with the operation
// (and, when ctx has ended, with ctx.Err()).
func (s *Store) View(ctx context.Context, fn func(r ledger.StoreReader) error) error {
	if s.closed.Load() {
		return fmt.Errorf("sqlstore: %w", ledger.ErrClosed)
	}
	opts := &sql.TxOptions{ReadOnly: true}
	if s.d.Name == "postgres" {
		opts.Isolation = sql.LevelRepeatableRead
	}
	r := reader{s: s}
	var err error
	if r.tx, err = s.rdb.BeginTx(ctx, opts); err != nil {
		return ctxErr(ctx, s.closedErr(fmt.Errorf("sqlstore: begin read: %w", err)))
	}
	defer func() { _ = r.tx.Rollback() }()
	if err := fn(r); err != nil {
		return ctxErr(ctx, s.closedErr(err))
	}
	return nil
}

// ledgerErrs are the ledger's error kinds, of which every error a store returns for a
// reason other than the database's own failure wraps one.
var ledgerErrs = []error{
	ledger.ErrInvalid, ledger.ErrUnknownAsset, ledger.ErrUnknownAccount, ledger.ErrAssetMismatch,
	ledger.ErrInsufficientBalance, ledger.ErrAboveMaxBalance, ledger.ErrIdempotencyConflict,
	ledger.ErrAlreadyReversed, ledger.ErrConflict, ledger.ErrHoldClosed, ledger.ErrNotFound,
	ledger.ErrClosed, ledger.ErrCorrupt,
}

// ctxErr makes a database failure of a call whose context has ended wrap the context's error
// (see sqlbase.CtxErr); a ledger verdict (insufficient balance, ...) stands as it is.
func ctxErr(ctx context.Context, err error) error { return sqlbase.CtxErr(ctx, err, ledgerErrs) }

// pgRetryable reports PostgreSQL errors that mean another transaction won a race:
// serialization failure, deadlock, and a unique violation (another process inserted the same
// row first).
func pgRetryable(err error) bool {
	return sqlbase.PGRaceLost(err) || sqlbase.PGCode(err) == sqlbase.PGUniqueViolation
}
