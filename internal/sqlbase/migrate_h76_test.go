package sqlbase_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
