package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDBDirectoryCheckedFirstH75: a -db in a directory that does not exist is a bad flag,
// refused before anything runs, as a -report there is. An earlier version built the district
// and then failed to open the store with exit 1 and SQLite's "unable to open database file:
// out of memory (14)".
func TestDBDirectoryCheckedFirstH75(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "missing", "district.db")
	cfg := smallConfig(t)
	cfg.months = 1
	cfg.report = ""
	cfg.db = db
	var out bytes.Buffer
	_, err := run(context.Background(), cfg, &out, nil)
	require.Error(t, err)
	assert.True(t, errors.Is(err, errBadFlag), "%v matches errBadFlag", err)
	assert.True(t, errors.Is(err, os.ErrNotExist), "%v says what is missing", err)
	assert.Empty(t, out.String(), "nothing ran")
	_, err = os.Stat(filepath.Dir(db))
	assert.True(t, errors.Is(err, os.ErrNotExist), "no directory created")
}
