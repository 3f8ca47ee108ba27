package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCPUProfileNotAnotherOutputH75: -cpuprofile naming the -report file or the -db file (or its
// -wal or -shm) is a bad flag, refused before anything is created. An earlier version wrote both
// into one file: the profile written at exit overwrote the report, which the run said it had
// written, and a profile in the -db file was deleted with the old database, exit 0 both times.
func TestCPUProfileNotAnotherOutputH75(t *testing.T) {
	dir := t.TempDir()
	stdout, err := os.Create(filepath.Join(dir, "stdout"))
	require.NoError(t, err)
	defer stdout.Close()
	db := filepath.Join(dir, "d.db")
	report := filepath.Join(dir, "r.html")
	for _, prof := range []string{report, filepath.Join(dir, ".", "r.html"), db, db + "-wal", db + "-shm"} {
		var stderr bytes.Buffer
		code := mainCode([]string{"-scale", "0.005", "-months", "1", "-db", db, "-report", report, "-cpuprofile", prof}, stdout, &stderr)
		assert.Equal(t, 2, code, "-cpuprofile %s: %s", prof, stderr.String())
		assert.Contains(t, stderr.String(), "-cpuprofile")
		for _, f := range []string{db, report, db + "-wal", db + "-shm"} {
			_, err := os.Stat(f)
			assert.True(t, os.IsNotExist(err), "-cpuprofile %s: %s not created", prof, f)
		}
	}
	// With :memory: there is no database file to collide with.
	var stderr bytes.Buffer
	prof := filepath.Join(dir, "cpu.out")
	require.Equal(t, 0, mainCode([]string{"-scale", "0.005", "-months", "1", "-db", memoryDB, "-report", report, "-cpuprofile", prof}, stdout, &stderr), stderr.String())
	data, err := os.ReadFile(report)
	require.NoError(t, err)
	assert.True(t, bytes.HasPrefix(data, []byte("<!DOCTYPE html>")))
}
