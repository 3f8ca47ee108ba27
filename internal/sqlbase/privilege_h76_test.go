package sqlbase_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	catalogsql "github.com/tongxin/tongxin/catalog/sqlstore"
	"github.com/tongxin/tongxin/internal/sqlbase"
	"github.com/tongxin/tongxin/internal/sqltest"
	ledgersql "github.com/tongxin/tongxin/ledger/sqlstore"
)

// dmlRole creates a login role that may read and write the tables of the schema of dsn but
// not create anything (the role an application runs as when an owner role migrates), and
// returns dsn logged in as that role. The role is dropped when the test ends.
func dmlRole(t *testing.T, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	require.NoError(t, err)
	schema := u.Query().Get("search_path")
	var b [4]byte
	_, _ = rand.Read(b[:])
	role := "app_" + hex.EncodeToString(b[:])
	db, err := sql.Open("pgx", dsn)
	require.NoError(t, err)
	t.Cleanup(func() {
		_, _ = db.Exec("DROP OWNED BY " + role)
		_, _ = db.Exec("DROP ROLE " + role)
		_ = db.Close()
	})
	for _, q := range []string{
		"CREATE ROLE " + role + " LOGIN",
		"GRANT USAGE ON SCHEMA " + schema + " TO " + role,
		"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA " + schema + " TO " + role,
	} {
		_, err := db.Exec(q)
		require.NoError(t, err, q)
	}
	u.User = url.User(role)
	return u.String()
}

// TestOpenMigratedWithoutCreatePrivilege_h76: a PostgreSQL database already at the code's
// schema version opens for a role that may read and write its tables but create nothing.
// Migrate began every open with CREATE TABLE IF NOT EXISTS on the version table, which
// PostgreSQL refuses without CREATE on the schema even when the table exists ("permission
// denied for schema", SQLSTATE 42501), so no store opened as a least-privilege role.
func TestOpenMigratedWithoutCreatePrivilege_h76(t *testing.T) {
	ctx := context.Background()
	dsn := sqltest.FreshSchema(t)
	l, err := ledgersql.OpenPostgres(ctx, dsn)
	require.NoError(t, err)
	require.NoError(t, l.Close())
	c, err := catalogsql.OpenPostgres(ctx, dsn)
	require.NoError(t, err)
	require.NoError(t, c.Close())

	app := dmlRole(t, dsn)
	l, err = ledgersql.OpenPostgres(ctx, app)
	if assert.NoError(t, err) {
		require.NoError(t, l.Close())
	}
	c, err = catalogsql.OpenPostgres(ctx, app)
	if assert.NoError(t, err) {
		require.NoError(t, c.Close())
	}
}

// TestMigratePendingNeedsCreatePrivilege_h76: with migrations pending, a role that may not
// create tables still fails (and changes nothing): the fast path only skips work that is done.
func TestMigratePendingNeedsCreatePrivilege_h76(t *testing.T) {
	ctx := context.Background()
	dsn := sqltest.FreshSchema(t)
	owner, err := sql.Open("pgx", dsn)
	require.NoError(t, err)
	defer owner.Close()
	require.NoError(t, postgresDialect.Migrate(ctx, owner, schema("v")))
	_, err = owner.Exec(`UPDATE v SET version = 1 WHERE id = 1`)
	require.NoError(t, err)
	_, err = owner.Exec(`DROP TABLE b`)
	require.NoError(t, err)

	db, err := sql.Open("pgx", dmlRole(t, dsn))
	require.NoError(t, err)
	defer db.Close()
	err = postgresDialect.Migrate(ctx, db, schema("v"))
	require.Error(t, err)
	assert.NotErrorIs(t, err, sqlbase.ErrSchemaConflict, "a missing privilege is not another program's table")
	assert.Equal(t, 1, version(t, owner, "v"))
}
