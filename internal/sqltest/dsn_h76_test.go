package sqltest_test

import (
	"database/sql"
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
