package sqlstore_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/catalog/sqlstore"
)

// holdWriteLock takes the write lock of the SQLite file at path on a connection of its own,
// as another process would, and returns the function that releases it.
func holdWriteLock(t *testing.T, path string) (release func()) {
	t.Helper()
	conn, err := rawSQLite(t, path).Conn(context.Background())
	require.NoError(t, err)
	_, err = conn.ExecContext(context.Background(), "BEGIN IMMEDIATE")
	require.NoError(t, err)
	var once sync.Once
	release = func() {
		once.Do(func() {
			_, _ = conn.ExecContext(context.Background(), "ROLLBACK")
			_ = conn.Close()
		})
	}
	t.Cleanup(release)
	return release
}

func lockWish() catalog.Demand {
	return catalog.Demand{ID: uuid.New(), Kind: catalog.Wish, Title: "t", Category: "haircut",
		Location: catalog.Location{Grid: "s/c"}, Status: catalog.StatusOpen, Version: 1}
}

// TestSQLiteOtherProcessLockHonoursContext: Apply and OpenSQLite waiting for another
// process's write lock give up when their context ends. They waited in SQLite's busy handler,
// which no interrupt ends, for the full SQLiteBusyTimeout (10 s) whatever the deadline.
func TestSQLiteOtherProcessLockHonoursContext(t *testing.T) {
	const deadline = 100 * time.Millisecond
	s, path := openSQLite(t)
	release := holdWriteLock(t, path)

	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	start := time.Now()
	err := s.Apply(ctx, catalog.Change{Demands: []catalog.Demand{lockWish()}})
	elapsed := time.Since(start)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, elapsed, 20*deadline, "Apply waited past its deadline")

	ctx, cancel = context.WithTimeout(context.Background(), deadline)
	defer cancel()
	start = time.Now()
	other, err := sqlstore.OpenSQLite(ctx, path)
	elapsed = time.Since(start)
	if other != nil {
		_ = other.Close()
	}
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, elapsed, 20*deadline, "OpenSQLite waited past its deadline")

	// Once the lock is released the store writes again.
	release()
	d := lockWish()
	require.NoError(t, s.Apply(context.Background(), catalog.Change{Demands: []catalog.Demand{d}}))
	_, err = s.Demand(context.Background(), d.ID)
	require.NoError(t, err)
}

// TestSQLiteWaitsForOtherProcessLock: a writer without a deadline still waits for another
// process's write lock (in steps, not in one busy timeout) and writes once it is released.
func TestSQLiteWaitsForOtherProcessLock(t *testing.T) {
	s, path := openSQLite(t)
	release := holdWriteLock(t, path)
	time.AfterFunc(300*time.Millisecond, release)
	d := lockWish()
	require.NoError(t, s.Apply(context.Background(), catalog.Change{Demands: []catalog.Demand{d}}))
	_, err := s.Demand(context.Background(), d.ID)
	require.NoError(t, err)

	release = holdWriteLock(t, path)
	time.AfterFunc(300*time.Millisecond, release)
	other, err := sqlstore.OpenSQLite(context.Background(), path)
	require.NoError(t, err)
	require.NoError(t, other.Close())
}
