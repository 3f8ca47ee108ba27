package sqlstore

import (
	"context"
	"embed"
	"errors"
	"strings"

	"github.com/tongxin/tongxin/internal/sqlbase"
	"github.com/tongxin/tongxin/ledger"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// versionTable holds the ledger's schema version.
const versionTable = "schema_version"

// dialect is what differs between the databases: a few schema tokens, placeholders, row
// locks and which errors mean "lost a race, try again".
type dialect struct {
	sqlbase.Dialect
	// paramsMax is the most parameters one generated statement carries. modernc.org/sqlite
	// matches each parameter to its argument by a linear scan, so a statement's binding cost
	// grows with the square of its parameters: SQLite statements stay small. 64 measured best
	// for a batch of 1,000 transactions (32 to 64 alike; 256 was 8-10 % slower: the binding
	// cost more than the four times as many statements).
	paramsMax int
	// arrays: bulk writes and id lists go as one array parameter per column (unnest, ANY)
	// instead of multi-row VALUES: PostgreSQL plans a statement of thousands of parameters
	// afresh at every execution, which costs more than running it.
	arrays bool
	// orRollback goes after INSERT or UPDATE in the bulk statements. SQLite: OR ROLLBACK, so
	// that a failing row rolls the whole transaction back (as Update would anyway): a statement
	// that may abort alone must journal every page it changes before changing it, and a
	// multi-row INSERT of a batch changes hundreds.
	orRollback string
	retryable  func(error) bool
}

var sqliteDialect = &dialect{
	Dialect: sqlbase.Dialect{Name: "sqlite", Tokens: map[string]string{
		"{{key}}":       "TEXT",
		"{{bytes}}":     "BLOB",
		"{{seq_pk}}":    "INTEGER PRIMARY KEY", // the rowid itself: no second b-tree
		"{{clustered}}": " WITHOUT ROWID",
		"{{zero_hash}}": "X'" + strings.Repeat("00", 32) + "'",
	}},
	paramsMax:  64,
	orRollback: " OR ROLLBACK",
	// SQLite locks the whole database for a writer (BEGIN IMMEDIATE), so rows need no locks
	// and there is no race to retry: another process waits in the busy handler.
	retryable: func(error) bool { return false },
}

var postgresDialect = &dialect{
	Dialect: sqlbase.Dialect{Name: "postgres", Tokens: map[string]string{
		// Byte order, as Go sorts: account pages and lock order must not depend on the
		// database's locale.
		"{{key}}":       `TEXT COLLATE "C"`,
		"{{bytes}}":     "BYTEA",
		"{{seq_pk}}":    "BIGINT PRIMARY KEY",
		"{{clustered}}": "",
		"{{zero_hash}}": `'\x` + strings.Repeat("00", 32) + `'`,
	}, Dollar: true, ForUpdate: " FOR UPDATE"},
	paramsMax: 16384,
	arrays:    true,
	retryable: pgRetryable,
}

// ErrSchemaConflict reports a database that already holds a table or index that the ledger's
// migrations create (assets, accounts, transactions, postings, entries, holds, head and their
// indexes) but its version table (schema_version) does not record: another program's objects
// of the same names. Opening changes nothing.
var ErrSchemaConflict = errors.New("sqlstore: database holds tables of the same names that the ledger did not create")

// SchemaVersion is the schema version this code writes: the number of embedded migrations.
func SchemaVersion() int {
	ms, err := sqliteDialect.Migrations(migrationFS)
	if err != nil {
		return 0
	}
	return len(ms)
}

// migrate brings the schema up to date; a unique violation or a serialization failure means
// another process raced this one (the dialect's retryable).
func (s *Store) migrate(ctx context.Context) error {
	return s.d.Migrate(ctx, s.wdb, sqlbase.Schema{
		FS:           migrationFS,
		VersionTable: versionTable,
		TooNew:       ErrSchemaTooNew,
		Conflict:     ErrSchemaConflict,
		Corrupt:      ledger.ErrCorrupt,
		Retryable:    s.d.retryable,
	})
}
