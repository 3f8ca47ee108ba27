package sqlstore

import (
	"context"
	"embed"
	"errors"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/internal/sqlbase"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// versionTable holds the schema version. It is named for the catalog so that the catalog and
// the ledger (whose table is schema_version) can share one database or schema.
const versionTable = "catalog_schema_version"

// dialect is what differs between the databases: a few schema tokens, placeholders, and how
// errors are classified.
type dialect struct {
	sqlbase.Dialect
	// paramsMax is the most parameters one generated statement carries. modernc.org/sqlite
	// matches each parameter to its argument by a linear scan, so binding costs grow with the
	// square of the parameters: SQLite statements stay small.
	paramsMax int
	// retryable reports an error that means another transaction won a race: run it again.
	retryable func(error) bool
	// constraint classifies a constraint violation.
	constraint func(error) constraintKind
}

type constraintKind int

const (
	constraintNone constraintKind = iota
	constraintUnique
	constraintForeignKey
)

var sqliteDialect = &dialect{
	Dialect: sqlbase.Dialect{Name: "sqlite", Tokens: map[string]string{
		"{{id}}":   "BLOB",
		"{{key}}":  "TEXT",
		"{{bool}}": "BOOLEAN",
		// Small rows keyed by their primary key: one b-tree instead of a table and an index.
		"{{without_rowid}}": "WITHOUT ROWID",
	}},
	paramsMax: 256,
	// SQLite locks the whole database for a writer (BEGIN IMMEDIATE): another process waits in
	// the busy handler, so there is no race to retry.
	retryable: func(error) bool { return false },
	constraint: func(err error) constraintKind {
		var se *sqlite.Error
		if !errors.As(err, &se) {
			return constraintNone
		}
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_UNIQUE:
			return constraintUnique
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return constraintForeignKey
		}
		return constraintNone
	},
}

var postgresDialect = &dialect{
	Dialect: sqlbase.Dialect{Name: "postgres", Tokens: map[string]string{
		"{{id}}": "BYTEA",
		// Byte order, as Go sorts: grid subtrees are ranges and pages must not depend on the
		// database's locale.
		"{{key}}":           `TEXT COLLATE "C"`,
		"{{bool}}":          "BOOLEAN",
		"{{without_rowid}}": "",
	}, Dollar: true, ForUpdate: " FOR UPDATE"},
	paramsMax:  16384,
	retryable:  pgRetryable,
	constraint: pgConstraint,
}

// pgRetryable reports PostgreSQL errors that mean another transaction won a race:
// serialization failure and deadlock. A unique violation is not among them: in the catalog it
// has a meaning of its own (the record exists), see pgConstraint.
func pgRetryable(err error) bool { return sqlbase.PGRaceLost(err) }

func pgConstraint(err error) constraintKind {
	switch sqlbase.PGCode(err) {
	case sqlbase.PGUniqueViolation:
		return constraintUnique
	case sqlbase.PGForeignKeyViolation:
		return constraintForeignKey
	}
	return constraintNone
}

// ErrSchemaConflict reports a database that already holds a table or index that the
// catalog's migrations create (the catalog_ tables and indexes) but its version table
// (catalog_schema_version) does not record: another program's objects of the same names.
// Opening changes nothing.
var ErrSchemaConflict = errors.New("sqlstore: database holds tables of the same names that the catalog did not create")

// SchemaVersion is the schema version this code writes: the number of embedded migrations.
func SchemaVersion() int {
	ms, err := sqliteDialect.Migrations(migrationFS)
	if err != nil {
		return 0
	}
	return len(ms)
}

// migrate brings the schema up to date. Besides the dialect's retryable errors, a unique
// violation on the version row means another process raced this one.
func (s *Store) migrate(ctx context.Context) error {
	return s.d.Migrate(ctx, s.wdb, sqlbase.Schema{
		FS:           migrationFS,
		VersionTable: versionTable,
		TooNew:       ErrSchemaTooNew,
		Conflict:     ErrSchemaConflict,
		Corrupt:      catalog.ErrCorrupt,
		Retryable: func(err error) bool {
			return s.d.retryable(err) || s.d.constraint(err) == constraintUnique
		},
	})
}
