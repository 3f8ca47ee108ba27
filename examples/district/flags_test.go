package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConfigValidateTyped: every refused flag value matches errBadFlag (main exits 2 on it).
func TestConfigValidateTyped(t *testing.T) {
	good := config{seed: 1, scale: 1, months: 12, db: "x.db", sync: "normal", validityMonths: 6}
	for _, c := range []config{
		func() config { c := good; c.scale = 0; return c }(),
		func() config { c := good; c.months = 0; return c }(),
		func() config { c := good; c.sync = "off"; return c }(),
		func() config { c := good; c.validityMonths = 0; return c }(),
		func() config { c := good; c.db = ""; return c }(),
	} {
		err := c.validate()
		require.Error(t, err)
		assert.True(t, errors.Is(err, errBadFlag), "%v matches errBadFlag", err)
	}
}

// TestDBNotReplaced: -db names something that is not a SQLite database (a directory, a symbolic
// link, a file of other content, a directory where the -wal file goes): the run refuses it with
// errBadFlag and leaves it as it was. An earlier version deleted it and put its database there
// (run as root with -db /dev/null, it deleted the device; flags_unix_test.go checks a device-like
// file, a FIFO, rather than risk /dev/null).
func TestDBNotReplaced(t *testing.T) {
	dir := t.TempDir()
	emptyDir := filepath.Join(dir, "empty")
	require.NoError(t, os.Mkdir(emptyDir, 0o755))
	text := filepath.Join(dir, "notes.txt")
	require.NoError(t, os.WriteFile(text, []byte("my notes, not a database\n"), 0o644))
	link := filepath.Join(dir, "link.db")
	require.NoError(t, os.Symlink(text, link))
	walDir := filepath.Join(dir, "w.db")
	require.NoError(t, os.Mkdir(walDir+"-wal", 0o755))

	for _, db := range []string{emptyDir, text, link, walDir} {
		t.Run(filepath.Base(db), func(t *testing.T) {
			cfg := smallConfig(t)
			cfg.months = 1
			cfg.report = ""
			cfg.db = db
			var out bytes.Buffer
			_, err := run(context.Background(), cfg, &out, nil)
			require.Error(t, err, out.String())
			assert.True(t, errors.Is(err, errBadFlag), "%v matches errBadFlag", err)
			assert.NotContains(t, out.String(), "replaced")
		})
	}
	fi, err := os.Stat(emptyDir)
	require.NoError(t, err, "the directory is still there")
	assert.True(t, fi.IsDir())
	data, err := os.ReadFile(text)
	require.NoError(t, err)
	assert.Equal(t, "my notes, not a database\n", string(data))
	fi, err = os.Lstat(link)
	require.NoError(t, err)
	assert.Equal(t, os.ModeSymlink, fi.Mode().Type())
	fi, err = os.Stat(walDir + "-wal")
	require.NoError(t, err)
	assert.True(t, fi.IsDir())
	_, err = os.Stat(walDir)
	assert.True(t, errors.Is(err, os.ErrNotExist), "no database was created")

	// An empty file and a previous run's database are replaced.
	empty := filepath.Join(dir, "empty.db")
	require.NoError(t, os.WriteFile(empty, nil, 0o644))
	cfg := smallConfig(t)
	cfg.months = 1
	cfg.report = ""
	cfg.db = empty
	_, err = run(context.Background(), cfg, io.Discard, nil)
	require.NoError(t, err)
}

// TestReportCheckedFirst: a -report the run could not write at its end (a missing directory, a
// directory, the database file itself) is refused before anything is simulated or stored. An
// earlier version simulated the whole district (25 s at scale 1) and then failed, or wrote the
// report over the open database.
func TestReportCheckedFirst(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "district.db")
	for _, report := range []string{filepath.Join(dir, "missing", "district.html"), dir, db, db + "-wal"} {
		t.Run(report, func(t *testing.T) {
			cfg := smallConfig(t)
			cfg.months = 1
			cfg.db = db
			cfg.report = report
			var out bytes.Buffer
			_, err := run(context.Background(), cfg, &out, nil)
			require.Error(t, err, out.String())
			assert.True(t, errors.Is(err, errBadFlag), "%v matches errBadFlag", err)
			assert.Empty(t, out.String(), "nothing simulated")
			_, err = os.Stat(db)
			assert.True(t, errors.Is(err, os.ErrNotExist), "no database created")
		})
	}
}

// TestPostgresDSNCheckedFirst: a postgres:// -db that is not a URL is a bad flag, refused before
// any connection is tried (an earlier version reported it as a failure to create the schema).
func TestPostgresDSNCheckedFirst(t *testing.T) {
	cfg := smallConfig(t)
	cfg.months = 1
	cfg.report = ""
	cfg.db = "postgres://user:secret%zz@localhost/x"
	_, err := run(context.Background(), cfg, io.Discard, nil)
	require.Error(t, err)
	assert.True(t, errors.Is(err, errBadFlag), "%v matches errBadFlag", err)
	assert.NotContains(t, err.Error(), "schema")
	assert.NotContains(t, err.Error(), "secret", "the message does not show the password")
}
