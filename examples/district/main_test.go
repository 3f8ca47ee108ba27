package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMainCode checks the command's exit codes and that a refused flag leaves no file behind.
// An earlier version created the -cpuprofile file before checking the other flags, so
// `-cpuprofile p -months 0` left an empty p, never closed the profile, and ignored stray
// arguments (`district 0.5` ran at scale 1).
func TestMainCode(t *testing.T) {
	dir := t.TempDir()
	stdout, err := os.Create(filepath.Join(dir, "stdout"))
	require.NoError(t, err)
	defer stdout.Close()
	prof := filepath.Join(dir, "cpu.out")

	for _, tt := range []struct {
		args []string
		code int
	}{
		{[]string{"-cpuprofile", prof, "-months", "0"}, 2},
		{[]string{"-cpuprofile", prof, "-scale", "NaN"}, 2},
		{[]string{"-cpuprofile", prof, "-db", dir}, 2},
		{[]string{"-cpuprofile", prof, "-scale", "abc"}, 2},
		{[]string{"-cpuprofile", prof, "0.5"}, 2},
		{[]string{"-h"}, 0},
	} {
		var stderr bytes.Buffer
		assert.Equal(t, tt.code, mainCode(tt.args, stdout, &stderr), "%q: %s", tt.args, stderr.String())
		assert.NotEmpty(t, stderr.String(), "%q says why", tt.args)
		_, err := os.Stat(prof)
		assert.True(t, errors.Is(err, os.ErrNotExist), "%q leaves no profile", tt.args)
	}

	var stderr bytes.Buffer
	code := mainCode([]string{"-scale", "0.01", "-months", "1", "-db", memoryDB, "-report", "", "-cpuprofile", prof}, stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	fi, err := os.Stat(prof)
	require.NoError(t, err)
	assert.Positive(t, fi.Size(), "the profile was written")
	out, err := os.ReadFile(stdout.Name())
	require.NoError(t, err)
	assert.Contains(t, string(out), "Ledger Verify: OK")
}
