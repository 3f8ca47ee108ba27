package sqlstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/internal/sqltest"
)

// TestBackgroundCheckpoint: an import goes to the WAL and reaches the database file only
// through checkpoints. The writer's own checkpoint waits for sqlbase.WALBackstopPages, which
// this import stays under, so the file grows only if the background checkpointer runs.
func TestBackgroundCheckpoint(t *testing.T) {
	ctx := context.Background()
	s, path := openSQLite(t)
	c, err := catalog.New(s)
	require.NoError(t, err)
	start := sqltest.FileSize(t, path)
	const rows = 5000
	got, err := c.ImportDemands(ctx, strings.NewReader(demandSheet(rows)), "street-office")
	require.NoError(t, err)
	require.Len(t, got, rows)
	// 5,000 demands, their events and index entries: well over 512 KiB.
	sqltest.WaitForCheckpoint(t, path, start, 512<<10, 20*time.Second)
	d, err := c.Demand(ctx, got[rows-1].ID)
	require.NoError(t, err)
	require.Equal(t, got[rows-1].Title, d.Title)
	require.NoError(t, s.Close())
}
