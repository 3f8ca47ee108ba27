package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver, to make and read the other program's database
)

// TestDBURIRefusedH75: -db takes a plain file path. A SQLite URI (file:...) or a path with '?'
// or '#' is a bad flag, refused before anything runs. An earlier version checked the URI's text
// as if it were a path (nothing there, so nothing to refuse) and then let SQLite open the file
// the URI names: -db file:/path/other.db wrote the district's tables into another program's
// database without the checks a plain path gets; a '?' failed only when the store opened, with
// exit 1.
func TestDBURIRefusedH75(t *testing.T) {
	dir := t.TempDir()
	other := filepath.Join(dir, "other.db")
	db, err := sql.Open("sqlite", other)
	require.NoError(t, err)
	defer db.Close()
	_, err = db.Exec("CREATE TABLE mine(x); INSERT INTO mine VALUES (42)")
	require.NoError(t, err)
	tables := func() int {
		var n int
		require.NoError(t, db.QueryRow("SELECT count(*) FROM sqlite_schema WHERE type = 'table'").Scan(&n))
		return n
	}
	require.Equal(t, 1, tables())

	for _, path := range []string{"file:" + other, "file://" + other, filepath.Join(dir, "x.db?mode=rwc"), filepath.Join(dir, "x.db#1")} {
		t.Run(path, func(t *testing.T) {
			cfg := smallConfig(t)
			cfg.months = 1
			cfg.report = ""
			cfg.db = path
			var out bytes.Buffer
			_, err := run(context.Background(), cfg, &out, nil)
			require.Error(t, err, out.String())
			assert.True(t, errors.Is(err, errBadFlag), "%v matches errBadFlag", err)
			assert.Empty(t, out.String(), "nothing ran")
		})
	}
	assert.Equal(t, 1, tables(), "the other program's database is as it was")
}
