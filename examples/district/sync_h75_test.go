package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSyncOnlyForSQLiteFileH75: -sync sets a SQLite file's durability; given with -db :memory:
// or a PostgreSQL DSN it would do nothing, so it is refused as a bad flag (exit 2) before
// anything runs. An earlier version accepted it and ignored it silently.
func TestSyncOnlyForSQLiteFileH75(t *testing.T) {
	dir := t.TempDir()
	stdout, err := os.Create(filepath.Join(dir, "stdout"))
	require.NoError(t, err)
	defer stdout.Close()
	for _, args := range [][]string{
		{"-sync", "full", "-db", memoryDB},
		{"-sync", "normal", "-db", memoryDB},
		{"-sync=full", "-db", "postgres://u:secret@127.0.0.1:1/x"},
		{"-db", "postgresql://127.0.0.1:1/x", "-sync", "normal"},
	} {
		var stderr bytes.Buffer
		assert.Equal(t, 2, mainCode(append(args, "-scale", "0.01", "-months", "1", "-report", ""), stdout, &stderr), "%q: %s", args, stderr.String())
		assert.Contains(t, stderr.String(), "-sync", "%q names the flag", args)
		assert.NotContains(t, stderr.String(), "secret", "%q: the message does not show the password", args)
	}
	out, err := os.ReadFile(stdout.Name())
	require.NoError(t, err)
	assert.Empty(t, string(out), "nothing ran")

	c := config{seed: 1, scale: 1, months: 12, db: memoryDB, sync: "normal", syncSet: true, validityMonths: 6}
	err = c.validate()
	require.Error(t, err)
	assert.True(t, errors.Is(err, errBadFlag), "%v matches errBadFlag", err)
	c.syncSet = false
	assert.NoError(t, c.validate(), "the default -sync is no choice of the user's")

	// With a SQLite file -sync is taken, and said.
	var stderr bytes.Buffer
	db := filepath.Join(dir, "d.db")
	require.Equal(t, 0, mainCode([]string{"-sync", "full", "-db", db, "-scale", "0.01", "-months", "1", "-report", ""}, stdout, &stderr), stderr.String())
	out, err = os.ReadFile(stdout.Name())
	require.NoError(t, err)
	assert.True(t, strings.Contains(string(out), "synchronous=FULL"), string(out))
}
