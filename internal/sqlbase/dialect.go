package sqlbase

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
)

// MigrationsGlob is where a store's migration files stand in the file system it embeds:
// migrations/0001_name.sql, migrations/0002_name.sql, numbered from 1 without gaps.
const MigrationsGlob = "migrations/*.sql"

// Dialect is what differs between the databases for every store: schema tokens, placeholders
// and row locks. A store embeds it in its own dialect, which adds what only that store needs.
type Dialect struct {
	Name      string            // "sqlite" or "postgres"
	Tokens    map[string]string // replaced in migrations, e.g. "{{key}}" -> `TEXT COLLATE "C"`
	Dollar    bool              // placeholders are $1, $2… instead of ?
	ForUpdate string            // appended to a SELECT that locks its rows
}

// Rebind turns ? placeholders into $n for PostgreSQL. Queries hold no literal '?'.
func (d *Dialect) Rebind(q string) string {
	if !d.Dollar {
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

// Migration is one migration file: its version and its statements, tokens replaced.
type Migration struct {
	Version    int
	Statements []string
}

// Migrations returns the migrations in fsys (at MigrationsGlob) in version order, tokens
// replaced.
//
// Errors: a file whose number is not the next version, or fsys's error.
func (d *Dialect) Migrations(fsys fs.FS) ([]Migration, error) {
	names, err := fs.Glob(fsys, MigrationsGlob)
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	out := make([]Migration, 0, len(names))
	for i, name := range names {
		base := path.Base(name)
		v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil || v != i+1 {
			return nil, fmt.Errorf("migration %s: want version %d", base, i+1)
		}
		text, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		m := Migration{Version: v}
		for _, stmt := range SplitStatements(string(text)) {
			for tok, repl := range d.Tokens {
				stmt = strings.ReplaceAll(stmt, tok, repl)
			}
			// A statement that is only a token one database has no use for is left out.
			if stmt = strings.TrimSpace(stmt); stmt != "" {
				m.Statements = append(m.Statements, stmt)
			}
		}
		out = append(out, m)
	}
	return out, nil
}

// SplitStatements splits a migration file into its statements, trimmed, empty ones left out.
// Whole-line comments (--) go first: they may contain ';'. Statements hold no ';' in string
// literals.
func SplitStatements(text string) []string {
	var lines []string
	for _, line := range strings.Split(text, "\n") {
		if t := strings.TrimSpace(line); t != "" && !strings.HasPrefix(t, "--") {
			lines = append(lines, line)
		}
	}
	var out []string
	for _, stmt := range strings.Split(strings.Join(lines, "\n"), ";") {
		if stmt = strings.TrimSpace(stmt); stmt != "" {
			out = append(out, stmt)
		}
	}
	return out
}
