package sqltest_test

import (
	"database/sql"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/internal/sqltest"
)

func TestPostgresDSNSkipsWhenUnset(t *testing.T) {
	t.Setenv(sqltest.PostgresEnv, " ")
	assert.False(t, sqltest.PostgresConfigured())
	skipped := false
	t.Run("inner", func(t *testing.T) {
		defer func() { skipped = t.Skipped() }()
		sqltest.PostgresDSN(t)
	})
	assert.True(t, skipped, "PostgresDSN skips a test when the DSN is blank")
}

func TestFreshSchemaIsPrivateAndDropped(t *testing.T) {
	sqltest.PostgresDSN(t)
	var schemas [2]string
	t.Run("create", func(t *testing.T) {
		for i := range schemas {
			dsn := sqltest.FreshSchema(t)
			u, err := url.Parse(dsn)
			require.NoError(t, err)
			schemas[i] = u.Query().Get("search_path")
			require.True(t, strings.HasPrefix(schemas[i], "t_"), schemas[i])
			db, err := sql.Open("pgx", dsn)
			require.NoError(t, err)
			defer db.Close()
			_, err = db.Exec(`CREATE TABLE probe (id INTEGER PRIMARY KEY)`)
			require.NoError(t, err, "each schema is empty: the same table name is created in both")
		}
		assert.NotEqual(t, schemas[0], schemas[1])
	})
	db, err := sql.Open("pgx", sqltest.PostgresDSN(t))
	require.NoError(t, err)
	defer db.Close()
	for _, schema := range schemas {
		var n int
		require.NoError(t, db.QueryRow(`SELECT count(*) FROM information_schema.schemata WHERE schema_name = $1`, schema).Scan(&n))
		assert.Zero(t, n, "schema %s is dropped when its test ends", schema)
	}
}
