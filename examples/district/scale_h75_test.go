package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestScaleRangeBuildsH75: every -scale the flag check accepts builds a district, and one step
// above the limit is a bad flag (exit 2). An earlier version accepted up to -scale 4, but the
// synthetic district has names for 12 streets of 6 communities only, so -scale 1.1 and above
// failed with exit 1 ("scale 4: 44 streets, at most 12") after the flags were taken.
func TestScaleRangeBuildsH75(t *testing.T) {
	for _, scale := range []float64{scaleMin, 1, scaleMax} {
		c := config{seed: 1, scale: scale, months: 12, db: "x.db", sync: "normal", validityMonths: 6}
		require.NoError(t, c.validate(), "scale %g", scale)
		_, err := buildWorld(1, scale)
		assert.NoError(t, err, "scale %g is accepted and builds", scale)
	}
	stdout, err := os.Create(filepath.Join(t.TempDir(), "stdout"))
	require.NoError(t, err)
	defer stdout.Close()
	for _, scale := range []string{"1.1", "4"} {
		var stderr bytes.Buffer
		assert.Equal(t, 2, mainCode([]string{"-scale", scale, "-db", memoryDB, "-report", ""}, stdout, &stderr), "-scale %s: %s", scale, stderr.String())
		assert.Contains(t, stderr.String(), "-scale")
	}
}
