package sqlstore_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
)

// TestBackgroundCheckpoint: an import goes to the WAL and reaches the database file only
// through checkpoints. The writer's own checkpoint waits for sqlbase.WALBackstopPages, which
// this import stays under, so the file grows only if the background checkpointer runs.
func TestBackgroundCheckpoint(t *testing.T) {
	ctx := context.Background()
	s, path := openSQLite(t)
	c, err := catalog.New(s)
	require.NoError(t, err)
	start := fileSize(t, path)
	const rows = 5000
	got, err := c.ImportDemands(ctx, strings.NewReader(demandSheet(rows)), "street-office")
	require.NoError(t, err)
	require.Len(t, got, rows)
	want := start + 512<<10 // 5,000 demands, their events and index entries: well over this
	deadline := time.Now().Add(20 * time.Second)
	for fileSize(t, path) < want {
		if time.Now().After(deadline) {
			t.Fatalf("database file %d bytes (started at %d): the WAL was not checkpointed", fileSize(t, path), start)
		}
		time.Sleep(20 * time.Millisecond)
	}
	d, err := c.Demand(ctx, got[rows-1].ID)
	require.NoError(t, err)
	require.Equal(t, got[rows-1].Title, d.Title)
	require.NoError(t, s.Close())
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	require.NoError(t, err)
	return fi.Size()
}
