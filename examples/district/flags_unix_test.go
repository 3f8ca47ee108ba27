//go:build unix

package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDBSpecialFileNotReplaced: -db naming a special file (here a FIFO; /dev/null is one too)
// is refused and the file stays.
func TestDBSpecialFileNotReplaced(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	cfg := smallConfig(t)
	cfg.months = 1
	cfg.report = ""
	cfg.db = fifo
	var out bytes.Buffer
	_, err := run(context.Background(), cfg, &out, nil)
	require.Error(t, err, out.String())
	assert.True(t, errors.Is(err, errBadFlag), "%v matches errBadFlag", err)
	fi, err := os.Lstat(fifo)
	require.NoError(t, err)
	assert.Equal(t, os.ModeNamedPipe, fi.Mode().Type(), "the FIFO is still there")
}
