package sqlbase

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
	"time"
)

// Checkpointing of a SQLite file in WAL mode.
const (
	// CheckpointInterval is the shortest time between two background checkpoints: under a
	// steady stream of small commits a checkpoint (and its fsync of the database file) runs at
	// most this often; after a big commit the next one starts at once if the interval has
	// passed.
	CheckpointInterval = 10 * time.Millisecond
	// WALBackstopPages is the write connection's wal_autocheckpoint when a Checkpointer runs:
	// the writer checkpoints itself only if the WAL grows past it (about 40 MiB of 4 KiB
	// pages), which happens only when the background checkpoints cannot keep up or cannot run
	// (a long reader pins the WAL). SQLite's own default is 1,000 pages.
	WALBackstopPages = 10_000
)

// Checkpointer copies a SQLite file's write-ahead log back into the database on a goroutine
// of its own, so that the writer does not. With SQLite's default (wal_autocheckpoint 1,000
// pages) the commit that takes the WAL past 1,000 pages checkpoints before it returns: for a
// ledger batch of 1,000 transactions, which dirties about a thousand pages, that was every
// commit, and an eighth of its time. A PASSIVE checkpoint on another connection runs beside
// the next write (it never takes the write lock), and a checkpoint that finishes before the
// next write starts lets SQLite reuse the WAL from its beginning. Durability does not change:
// a commit is durable once its WAL frames are (synchronous FULL), whatever the checkpoints do.
type Checkpointer struct {
	db       *sql.DB
	interval time.Duration
	kick     chan struct{}
	cancel   context.CancelFunc
	done     chan struct{}
	stopOnce sync.Once

	runs    atomic.Int64
	lastErr atomic.Pointer[error]
}

// StartCheckpointer starts checkpointing the SQLite database of db (a pool of connections to
// it that can spare one now and then), at most once per interval and only after Kick.
func StartCheckpointer(db *sql.DB, interval time.Duration) *Checkpointer {
	ctx, cancel := context.WithCancel(context.Background())
	c := &Checkpointer{db: db, interval: interval, kick: make(chan struct{}, 1), cancel: cancel, done: make(chan struct{})}
	go c.loop(ctx)
	return c
}

// Kick tells the checkpointer that a write committed. It never blocks.
func (c *Checkpointer) Kick() {
	select {
	case c.kick <- struct{}{}:
	default: // one is pending already
	}
}

// Stop ends the goroutine and waits for a checkpoint in progress. Later Kicks do nothing.
func (c *Checkpointer) Stop() {
	c.stopOnce.Do(func() {
		c.cancel()
		<-c.done
	})
}

// Runs is the number of checkpoints run so far.
func (c *Checkpointer) Runs() int64 { return c.runs.Load() }

// Err is the last checkpoint's error, nil if it succeeded. SQLITE_BUSY (another process's
// checkpoint in progress) is not an error: the next Kick tries again. A failing checkpoint
// loses nothing; the WAL grows until the writer's backstop checkpoint or a later success.
func (c *Checkpointer) Err() error {
	if p := c.lastErr.Load(); p != nil {
		return *p
	}
	return nil
}

func (c *Checkpointer) loop(ctx context.Context) {
	defer close(c.done)
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.kick:
		}
		var busy, logFrames, done int64
		err := c.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &logFrames, &done)
		if ctx.Err() != nil {
			return
		}
		if err != nil && IsSQLiteBusy(err) {
			err = nil
		}
		c.lastErr.Store(&err)
		c.runs.Add(1)
		t := time.NewTimer(c.interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}
