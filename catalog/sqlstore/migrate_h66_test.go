package sqlstore_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog/sqlstore"
)

// TestOpenRefusesForeignTables_h66: a database that holds another program's catalog_boards
// table is refused with ErrSchemaConflict and left as it is.
func TestOpenRefusesForeignTables_h66(t *testing.T) {
	path := t.TempDir() + "/c.db"
	db := rawSQLite(t, path)
	_, err := db.Exec(`CREATE TABLE catalog_boards (id TEXT PRIMARY KEY)`)
	require.NoError(t, err)
	_, err = sqlstore.OpenSQLite(context.Background(), path)
	require.ErrorIs(t, err, sqlstore.ErrSchemaConflict)
	for _, table := range []string{"catalog_schema_version", "catalog_demands"} {
		_, err = db.Exec(`SELECT count(*) FROM ` + table)
		require.Error(t, err, "%s was created", table)
	}
}
