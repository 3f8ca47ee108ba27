package sqlstore

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrateAttemptsMax bounds how often opening retries a migration that raced another process.
const migrateAttemptsMax = 10

// dialect is what differs between the databases: a few schema tokens, placeholders, row
// locks and which errors mean "lost a race, try again".
type dialect struct {
	name      string
	tokens    map[string]string
	dollar    bool   // placeholders are $1, $2… instead of ?
	forUpdate string // appended to a SELECT that locks its rows
	// paramsMax is the most parameters one generated statement carries. modernc.org/sqlite
	// matches each parameter to its argument by a linear scan, so a statement's binding cost
	// grows with the square of its parameters: SQLite statements stay small.
	paramsMax int
	// arrays: bulk writes and id lists go as one array parameter per column (unnest, ANY)
	// instead of multi-row VALUES: PostgreSQL plans a statement of thousands of parameters
	// afresh at every execution, which costs more than running it.
	arrays    bool
	retryable func(error) bool
}

var sqliteDialect = &dialect{
	name: "sqlite",
	tokens: map[string]string{
		"{{key}}":       "TEXT",
		"{{bytes}}":     "BLOB",
		"{{seq_pk}}":    "INTEGER PRIMARY KEY", // the rowid itself: no second b-tree
		"{{clustered}}": " WITHOUT ROWID",
		"{{zero_hash}}": "X'" + strings.Repeat("00", 32) + "'",
	},
	paramsMax: 256,
	// SQLite locks the whole database for a writer (BEGIN IMMEDIATE), so rows need no locks
	// and there is no race to retry: another process waits in the busy handler.
	retryable: func(error) bool { return false },
}

var postgresDialect = &dialect{
	name: "postgres",
	tokens: map[string]string{
		// Byte order, as Go sorts: account pages and lock order must not depend on the
		// database's locale.
		"{{key}}":       `TEXT COLLATE "C"`,
		"{{bytes}}":     "BYTEA",
		"{{seq_pk}}":    "BIGINT PRIMARY KEY",
		"{{clustered}}": "",
		"{{zero_hash}}": `'\x` + strings.Repeat("00", 32) + `'`,
	},
	dollar:    true,
	forUpdate: " FOR UPDATE",
	paramsMax: 16384,
	arrays:    true,
	retryable: pgRetryable,
}

// rebind turns ? placeholders into $n for PostgreSQL. Queries hold no literal '?'.
func (d *dialect) rebind(q string) string {
	if !d.dollar {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + len(q)/4)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

type migration struct {
	version    int
	statements []string
}

// migrations returns the embedded migrations in version order, tokens replaced.
func (d *dialect) migrations() ([]migration, error) {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	out := make([]migration, 0, len(names))
	for i, name := range names {
		base := path.Base(name)
		v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil || v != i+1 {
			return nil, fmt.Errorf("migration %s: want version %d", base, i+1)
		}
		text, err := migrationFS.ReadFile(name)
		if err != nil {
			return nil, err
		}
		m := migration{version: v}
		// Whole-line comments go first: they may contain ';'. Statements hold no ';' in
		// string literals.
		var lines []string
		for _, line := range strings.Split(string(text), "\n") {
			if t := strings.TrimSpace(line); t != "" && !strings.HasPrefix(t, "--") {
				lines = append(lines, line)
			}
		}
		for _, stmt := range strings.Split(strings.Join(lines, "\n"), ";") {
			if stmt = strings.TrimSpace(stmt); stmt == "" {
				continue
			}
			for tok, repl := range d.tokens {
				stmt = strings.ReplaceAll(stmt, tok, repl)
			}
			m.statements = append(m.statements, stmt)
		}
		out = append(out, m)
	}
	return out, nil
}

// SchemaVersion is the schema version this code writes: the number of embedded migrations.
func SchemaVersion() int {
	ms, err := sqliteDialect.migrations()
	if err != nil {
		return 0
	}
	return len(ms)
}

// migrate brings the schema up to date inside one transaction. Two processes opening a new
// database at once serialise on the schema_version row (SQLite: on the write lock); the
// loser of a race to create the table itself gets a unique or duplicate-table error and
// tries again, then finds the work done.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := s.d.migrations()
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for attempt := range migrateAttemptsMax {
		if attempt > 0 {
			if err := sleepBackoff(ctx, attempt); err != nil {
				return fmt.Errorf("migrate: %w", err)
			}
		}
		err = s.migrateOnce(ctx, ms)
		if err == nil || !(s.d.retryable(err) || isDuplicateTable(err)) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

func isDuplicateTable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "42P07" || pe.Code == "42710")
}

func (s *Store) migrateOnce(ctx context.Context, ms []migration) (err error) {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_version: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version (id, version) VALUES (1, 0) ON CONFLICT (id) DO NOTHING`); err != nil {
		return fmt.Errorf("insert schema_version: %w", err)
	}
	var current int
	if err := tx.QueryRowContext(ctx, `SELECT version FROM schema_version WHERE id = 1`+s.d.forUpdate).Scan(&current); err != nil {
		return fmt.Errorf("read schema_version: %w", err)
	}
	if current > len(ms) {
		return fmt.Errorf("database at version %d, this code knows %d: %w", current, len(ms), ErrSchemaTooNew)
	}
	for _, m := range ms[current:] {
		for _, stmt := range m.statements {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("version %d: %w", m.version, err)
			}
		}
		if _, err := tx.ExecContext(ctx, s.d.rebind(`UPDATE schema_version SET version = ? WHERE id = 1`), m.version); err != nil {
			return fmt.Errorf("version %d: %w", m.version, err)
		}
	}
	return tx.Commit()
}
