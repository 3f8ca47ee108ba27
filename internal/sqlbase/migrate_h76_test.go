package sqlbase_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/internal/sqlbase"
	ledgersql "github.com/tongxin/tongxin/ledger/sqlstore"
)

// TestMigrateRefusesVersionNotAnInteger_h76: a version row that holds no integer (SQLite keeps
// text or a real in a BIGINT column; on PostgreSQL a version table of the same name with a
// text column) failed with database/sql's untyped conversion error, and PostgreSQL text
// reading as a number ("1") was taken as that version. It is the schema's Corrupt error and nothing
// changes.
func TestMigrateRefusesVersionNotAnInteger_h76(t *testing.T) {
	ctx := context.Background()
	for _, b := range migrateBackends(t) {
		for _, value := range []string{"'x'", "'1'", "''", "'1.5'", "2.5"} {
			if b.name == "sqlite" && value == "'1'" {
				continue // SQLite stores it as the integer 1 in a BIGINT column
			}
			t.Run(b.name+" "+value, func(t *testing.T) {
				db := b.open(t)
				_, err := db.Exec(`CREATE TABLE v (id INTEGER PRIMARY KEY, version TEXT NOT NULL)`)
				require.NoError(t, err)
				if b.name == "sqlite" {
					// The table Migrate creates, holding what SQLite lets a BIGINT column hold.
					_, err = db.Exec(`DROP TABLE v`)
					require.NoError(t, err)
					_, err = db.Exec(`CREATE TABLE v (id INTEGER PRIMARY KEY CHECK (id = 1), version BIGINT NOT NULL)`)
					require.NoError(t, err)
				}
				_, err = db.Exec(`INSERT INTO v (id, version) VALUES (1, ` + value + `)`)
				require.NoError(t, err)
				s := schema("v")
				s.Corrupt = errCorrupt
				err = b.d.Migrate(ctx, db, s)
				require.ErrorIs(t, err, errCorrupt)
				assert.False(t, tableExists(t, b, db, "a"))
			})
		}
	}
}

// TestMigrateForeignVersionTableIsConflict_h76: a table of another program under the version
// table's name (Flyway's schema_version, say) made Migrate fail with the database's untyped
// error (no column id, no unique id for ON CONFLICT, another NOT NULL column, a view). It is
// the schema's Conflict error, not retried, and nothing changes.
func TestMigrateForeignVersionTableIsConflict_h76(t *testing.T) {
	ctx := context.Background()
	foreign := map[string]string{
		"flyway":       `CREATE TABLE v (installed_rank INTEGER PRIMARY KEY, version VARCHAR(50), description VARCHAR(200) NOT NULL)`,
		"id not key":   `CREATE TABLE v (id INTEGER, version BIGINT)`,
		"not null":     `CREATE TABLE v (id INTEGER PRIMARY KEY, version BIGINT NOT NULL, owner TEXT NOT NULL)`,
		"check":        `CREATE TABLE v (id INTEGER PRIMARY KEY CHECK (id > 1), version BIGINT NOT NULL)`,
		"view":         `CREATE VIEW v AS SELECT 1 AS id, 0 AS version`,
		"version type": `CREATE TABLE v (id INTEGER PRIMARY KEY, version DATE)`,
		"index":        `CREATE TABLE other (x INTEGER); CREATE INDEX v ON other (x)`,
	}
	for _, b := range migrateBackends(t) {
		for name, create := range foreign {
			if b.name == "sqlite" && name == "version type" {
				continue // a DATE column holds the integer 0 in SQLite
			}
			t.Run(b.name+" "+name, func(t *testing.T) {
				db := b.open(t)
				_, err := db.Exec(create)
				require.NoError(t, err)
				calls := 0
				s := schema("v")
				s.Conflict = errConflict
				s.Retryable = func(error) bool { calls++; return true }
				err = b.d.Migrate(ctx, db, s)
				require.ErrorIs(t, err, errConflict)
				assert.Zero(t, calls, "a conflict is not a race")
				assert.False(t, tableExists(t, b, db, "a"))
			})
		}
	}
}

// TestMigrateConcurrentOpeners_h76: migrators racing on a new database all succeed (the
// losers of the race to create the version table retry; none takes the race for a foreign
// version table) and the migrations run once.
func TestMigrateConcurrentOpeners_h76(t *testing.T) {
	ctx := context.Background()
	for _, b := range migrateBackends(t) {
		t.Run(b.name, func(t *testing.T) {
			for round := 0; round < 5; round++ {
				db := b.open(t)
				db.SetMaxOpenConns(8)
				const openers = 8
				errs := make(chan error, openers)
				for range openers {
					go func() {
						s := schema("v")
						s.Retryable = func(err error) bool {
							return sqlbase.PGRaceLost(err) || sqlbase.PGCode(err) == sqlbase.PGUniqueViolation
						}
						errs <- b.d.Migrate(ctx, db, s)
					}()
				}
				for range openers {
					require.NoError(t, <-errs)
				}
				assert.Equal(t, 2, version(t, db, "v"))
				var n int
				require.NoError(t, db.QueryRow(`SELECT count(*) FROM b`).Scan(&n))
				assert.Equal(t, 1, n)
			}
		})
	}
}

// TestMigrateLosesRaceToCreateVersionTable_h76: on PostgreSQL, a migrator whose CREATE TABLE
// IF NOT EXISTS waited for another transaction creating the version table fails with a
// duplicate (unique violation on the catalog, or duplicate table) once that one commits. That
// is a race, retried, and never the foreign version table's Conflict.
func TestMigrateLosesRaceToCreateVersionTable_h76(t *testing.T) {
	ctx := context.Background()
	for _, b := range migrateBackends(t) {
		if b.name != "postgres" {
			continue // SQLite's writers are serialised by BEGIN IMMEDIATE
		}
		db := b.open(t)
		other, err := db.BeginTx(ctx, nil)
		require.NoError(t, err)
		_, err = other.Exec(`CREATE TABLE v (id INTEGER PRIMARY KEY CHECK (id = 1), version BIGINT NOT NULL)`)
		require.NoError(t, err)
		var raced error
		s := schema("v")
		s.Conflict = errConflict
		s.Retryable = func(err error) bool {
			raced = err
			return sqlbase.PGRaceLost(err) || sqlbase.PGCode(err) == sqlbase.PGUniqueViolation
		}
		done := make(chan error, 1)
		go func() { done <- b.d.Migrate(ctx, db, s) }()
		time.Sleep(200 * time.Millisecond) // Migrate waits on the uncommitted table
		require.NoError(t, other.Commit())
		require.NoError(t, <-done)
		require.Error(t, raced, "the migrator lost the race once")
		assert.Equal(t, 2, version(t, db, "v"))
	}
}

// TestOpenRefusesFlywayVersionTable_h76: the ledger's version table is named schema_version,
// as Flyway (up to version 5) names its own; a ledger opened on such a database is refused
// with ledgersql.ErrSchemaConflict and creates nothing.
func TestOpenRefusesFlywayVersionTable_h76(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "f.db")
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	_, err = db.Exec(`CREATE TABLE schema_version (installed_rank INT NOT NULL PRIMARY KEY,
    version VARCHAR(50), description VARCHAR(200) NOT NULL, script VARCHAR(1000) NOT NULL)`)
	require.NoError(t, err)
	require.NoError(t, db.Close())
	_, err = ledgersql.OpenSQLite(ctx, path)
	require.ErrorIs(t, err, ledgersql.ErrSchemaConflict)
}
