package sqlbase

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// MigrateAttemptsMax bounds how often opening retries a migration that raced another process.
const MigrateAttemptsMax = 10

// versionTableLenMax bounds the version table's name (PostgreSQL truncates identifiers at 63
// bytes).
const versionTableLenMax = 63

// ErrVersionTable reports a version table name that is not a plain lower-case SQL identifier.
var ErrVersionTable = errors.New("sqlbase: version table must match [a-z_][a-z0-9_]*")

// ErrSchemaConflict reports a database that already holds a table or index a migration
// creates, not recorded in the version table, or an object of another shape under the
// version table's name, when the Schema names no Conflict error.
var ErrSchemaConflict = errors.New("sqlbase: database holds objects the migrations create")

// ErrVersionCorrupt reports a version row below zero or not an integer when the Schema names
// no Corrupt error.
var ErrVersionCorrupt = errors.New("sqlbase: schema version is negative or not an integer")

// Schema is one store's migrations and how it records their version.
type Schema struct {
	// FS holds the migrations at MigrationsGlob (an embed.FS in the store).
	FS fs.FS
	// VersionTable holds the version in one row (id = 1). Each store names its own, so that
	// stores can share a database or schema.
	VersionTable string
	// TooNew is the store's sentinel error for a database at a version above the migrations.
	TooNew error
	// Corrupt is the store's sentinel error for a version row no migration can have written
	// (below zero, or not an integer). Nil: ErrVersionCorrupt.
	Corrupt error
	// Conflict is the store's sentinel error for a database that already holds a table or
	// index that a migration creates but the version table does not record, or under the
	// version table's name a table, view or index that is not one: another program's (or
	// another store's) object of the same name. Nil: ErrSchemaConflict.
	Conflict error
	// Retryable reports an error that means another process raced this one (a duplicate
	// table always does): the migration is run again after a backoff.
	Retryable func(error) bool
}

// Migrate brings the schema up to date inside one transaction on db. On PostgreSQL a
// database already at the migrations' version is only read (a role without CREATE on the
// schema may open it). Two processes opening a new database at once serialise on the version
// row (SQLite: on the write lock, waited for
// through RetrySQLiteBusy, so ctx ends the wait on OpenSQLite's write pool); the loser of a
// race to create the version table itself gets a unique or duplicate-table error and tries
// again, at most MigrateAttemptsMax times, then finds the work done.
//
// Errors, wrapped with "migrate": ErrVersionTable, s.TooNew, s.Corrupt (or ErrVersionCorrupt)
// for a version below zero or not an integer, s.Conflict (or ErrSchemaConflict) when a
// migration creates an object that exists or the version table's name is taken by an object
// of another shape (not retried), ctx's error while waiting, a
// migration file out of order, or the database's error.
func (d *Dialect) Migrate(ctx context.Context, db *sql.DB, s Schema) error {
	if !validTable(s.VersionTable) {
		return fmt.Errorf("migrate: %q: %w", s.VersionTable, ErrVersionTable)
	}
	ms, err := d.Migrations(s.FS)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if d.Name == "postgres" && d.atVersion(ctx, db, s.VersionTable, len(ms)) {
		return nil
	}
	conflict := s.Conflict
	if conflict == nil {
		conflict = ErrSchemaConflict
	}
	for attempt := range MigrateAttemptsMax {
		if attempt > 0 {
			if err := SleepBackoff(ctx, attempt); err != nil {
				return fmt.Errorf("migrate: %w", err)
			}
		}
		err = d.migrateOnce(ctx, db, s, ms)
		// Migrations run under the version row's lock, so no other migrator races them: an
		// object that a migration creates and that exists was there before.
		if se := (*stmtError)(nil); errors.As(err, &se) && alreadyExists(se.err) {
			err = fmt.Errorf("%w: %w", err, conflict)
			break
		}
		// A version table that our statements do not fit is another program's.
		if ve := (*versionTableError)(nil); errors.As(err, &ve) && foreignVersionTable(ve.err) {
			err = fmt.Errorf("%w: %w", err, conflict)
			break
		}
		if err == nil || !(s.Retryable(err) || IsDuplicateTable(err)) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// atVersion reports a database whose version table exists and records version: nothing to
// do. Reading it needs only SELECT on the table, where migrateOnce begins by creating the
// table if it is missing, which PostgreSQL refuses a role without CREATE on the schema even
// when the table exists (SQLSTATE 42501): an application role that may read and write the
// tables an owner role migrated could not open them. Any error (no such table yet) or
// another version leaves it to migrateOnce. SQLite has no privileges, and there every open
// checks under the write lock.
func (d *Dialect) atVersion(ctx context.Context, db *sql.DB, table string, version int) bool {
	var stored any
	if err := db.QueryRowContext(ctx, `SELECT version FROM `+table+` WHERE id = 1`).Scan(&stored); err != nil {
		return false
	}
	v, ok := stored.(int64)
	return ok && v == int64(version)
}

func (d *Dialect) migrateOnce(ctx context.Context, db *sql.DB, s Schema, ms []Migration) (err error) {
	table := s.VersionTable
	// On SQLite, BEGIN IMMEDIATE waits for another process's write lock (one migrating the
	// same file) in steps, so that ctx can end the wait.
	var tx *sql.Tx
	if err := RetrySQLiteBusy(ctx, func() (err error) {
		tx, err = db.BeginTx(ctx, nil)
		return err
	}); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+table+` (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL)`); err != nil {
		return &versionTableError{op: "create", table: table, err: err}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO `+table+` (id, version) VALUES (1, 0) ON CONFLICT (id) DO NOTHING`); err != nil {
		return &versionTableError{op: "insert", table: table, err: err}
	}
	// Read as it is stored: SQLite keeps text or a real in a BIGINT column, and Scan into an
	// int would fail untyped on those, or read text such as "1" as a number.
	var stored any
	if err := tx.QueryRowContext(ctx, `SELECT version FROM `+table+` WHERE id = 1`+d.ForUpdate).Scan(&stored); err != nil {
		return &versionTableError{op: "read", table: table, err: err}
	}
	corrupt := s.Corrupt
	if corrupt == nil {
		corrupt = ErrVersionCorrupt
	}
	current, ok := stored.(int64)
	if !ok {
		return fmt.Errorf("version %q (%T) in %s is not an integer: %w", fmt.Sprint(stored), stored, table, corrupt)
	}
	if current > int64(len(ms)) {
		return fmt.Errorf("database at version %d, this code knows %d: %w", current, len(ms), s.TooNew)
	}
	if current < 0 {
		return fmt.Errorf("database at version %d in %s: %w", current, table, corrupt)
	}
	for _, m := range ms[current:] {
		for _, stmt := range m.Statements {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return &stmtError{version: m.Version, err: err}
			}
		}
		if _, err := tx.ExecContext(ctx, d.Rebind(`UPDATE `+table+` SET version = ? WHERE id = 1`), m.Version); err != nil {
			return fmt.Errorf("version %d: %w", m.Version, err)
		}
	}
	return tx.Commit()
}

// stmtError is a migration statement's error: the version table was there and locked.
type stmtError struct {
	version int
	err     error
}

func (e *stmtError) Error() string { return fmt.Sprintf("version %d: %v", e.version, e.err) }
func (e *stmtError) Unwrap() error { return e.err }

// versionTableError is the error of a statement creating, filling or reading the version
// table.
type versionTableError struct {
	op, table string
	err       error
}

func (e *versionTableError) Error() string { return fmt.Sprintf("%s %s: %v", e.op, e.table, e.err) }
func (e *versionTableError) Unwrap() error { return e.err }

// foreignVersionTable reports an error that the version table's statements, valid on the
// table Migrate creates, get only from an object of another shape under its name: no such
// column, no unique id for ON CONFLICT, a constraint or type the row (1, 0) does not meet, a
// view or an index. SQLite: SQLITE_ERROR, SQLITE_CONSTRAINT or SQLITE_MISMATCH (its writers
// are serialised, so no race). PostgreSQL: syntax or access rule (class 42) but for a
// missing privilege, a data exception (22), an integrity constraint (23), or 55000 (not an
// insertable relation); never a duplicate table or unique violation, which is a race to
// create the table.
func foreignVersionTable(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_ERROR, sqlite3.SQLITE_CONSTRAINT, sqlite3.SQLITE_MISMATCH:
			return true
		}
		return false
	}
	code := PGCode(err)
	if len(code) != 5 || IsDuplicateTable(err) || code == PGUniqueViolation {
		return false // a duplicate: another process created the version table first
	}
	switch code[:2] {
	case "42":
		return code != pgInsufficientPrivilege
	case "22", "23":
		return true
	}
	return code == pgObjectNotInPrerequisiteState
}

// alreadyExists reports a CREATE of a table, index or other object whose name is taken.
// SQLite gives it no code of its own (SQLITE_ERROR), only the message.
func alreadyExists(err error) bool {
	if IsDuplicateTable(err) {
		return true
	}
	var se *sqlite.Error
	return errors.As(err, &se) && strings.Contains(se.Error(), " already exists")
}

// validTable reports a name that is safe to splice into SQL unquoted.
func validTable(name string) bool {
	if name == "" || len(name) > versionTableLenMax {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c == '_' || 'a' <= c && c <= 'z' || i > 0 && '0' <= c && c <= '9' {
			continue
		}
		return false
	}
	return true
}
