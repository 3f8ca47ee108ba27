package sqltest_test

import (
	"database/sql"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/internal/sqltest"
)

// TestPostgresDSNTrimmed_h76: PostgresConfigured trims the variable but PostgresDSN returned
// it as set, so a DSN with a stray space or newline (pasted, or read from a file) made every
// PostgreSQL test fail to parse it instead of running.
func TestPostgresDSNTrimmed_h76(t *testing.T) {
	dsn := sqltest.PostgresDSN(t)
	t.Setenv(sqltest.PostgresEnv, " "+dsn+"\n")
	require.Equal(t, dsn, sqltest.PostgresDSN(t))
	db, err := sql.Open("pgx", sqltest.FreshSchema(t))
	require.NoError(t, err)
	defer db.Close()
	require.NoError(t, db.Ping())
}

// TestFreshSchemaKeywordValueDSN_h76: a DSN in PostgreSQL's keyword/value form (which pgx and
// libpq accept as well as a URL) was turned into a broken URL by FreshSchema, so no test ran
// in a schema of its own.
func TestFreshSchemaKeywordValueDSN_h76(t *testing.T) {
	sqltest.PostgresDSN(t)
	t.Setenv(sqltest.PostgresEnv, "host=127.0.0.1 port=5432 user=postgres dbname=test sslmode=disable")
	dsn := sqltest.FreshSchema(t)
	db, err := sql.Open("pgx", dsn)
	require.NoError(t, err)
	defer db.Close()
	var schema string
	require.NoError(t, db.QueryRow(`SELECT current_schema()`).Scan(&schema))
	require.True(t, strings.HasPrefix(schema, "t_"), "search_path %q", schema)
}
