package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestProgressBar runs with a progress writer, as main does when stdout is a terminal: the bar
// completes and the run ends (an earlier version waited forever for a bar that never completed).
// mpb draws nothing into a writer that is not a terminal (checked by hand under `script` with
// `stty cols 100`: "simulating day 398/398"), so the drawing itself is not checked here.
func TestProgressBar(t *testing.T) {
	cfg := smallConfig(t)
	cfg.months = 2
	cfg.report = ""
	cfg.db = memoryDB
	var out, bar bytes.Buffer
	_, err := run(context.Background(), cfg, &out, &bar)
	require.NoError(t, err)
	assert.True(t, strings.Contains(out.String(), "Ledger Verify: OK"))
	assert.False(t, strings.Contains(out.String(), "simulating day"), "the summary stream carries no bar")
}
