package embed_test

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/internal/sqltest"
)

// h78ChildEnv names the database a child process of TestLoopKilledProcess*_h78 works on.
const (
	h78ChildEnv  = "TONGXIN_H78_CHILD_DB"
	h78ChildKind = "TONGXIN_H78_CHILD_KIND"
)

// h78Load reads the world back from the catalog, as a restarted service would.
func h78Load(ctx context.Context, in *h78Inst) (*h78World, error) {
	w := &h78World{}
	var err error
	if w.providers, err = h78Providers(ctx, in); err != nil {
		return nil, err
	}
	bp, err := in.cat.Boards(ctx, catalog.BoardQuery{Limit: 10})
	if err != nil {
		return nil, err
	}
	if len(bp.Boards) != 1 {
		return nil, fmt.Errorf("%d boards", len(bp.Boards))
	}
	w.board = bp.Boards[0].ID
	q := catalog.DemandQuery{Limit: 100}
	for {
		pg, err := in.cat.Demands(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, d := range pg.Demands {
			w.demands = append(w.demands, d.ID)
		}
		if pg.Next == uuid.Nil {
			return w, nil
		}
		q.After = pg.Next
	}
}

// TestMain runs a child's work when the parent test started this binary as a child, and the
// tests otherwise.
func TestMain(m *testing.M) {
	if db := os.Getenv(h78ChildEnv); db != "" {
		h78Child(db, os.Getenv(h78ChildKind))
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// h78Child drives every demand with several goroutines through two instances until it is
// killed (or done).
func h78Child(db, kind string) {
	ctx := context.Background()
	open := h78SQLite(db)
	if kind == "postgres" {
		open = h78Postgres(db)
	}
	a, err := h78Open(ctx, open)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child open:", err)
		os.Exit(3)
	}
	b, err := h78Open(ctx, open)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child open:", err)
		os.Exit(3)
	}
	w, err := h78Load(ctx, a)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child load:", err)
		os.Exit(3)
	}
	w.withdraws = true
	const g = 6
	var wg sync.WaitGroup
	for gi := range g {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewSource(time.Now().UnixNano() + int64(gi)))
			pick := func() *h78Inst {
				if r.Intn(2) == 0 {
					return a
				}
				return b
			}
			// Each child starts at another place in the list, so that kills land in every step.
			off := r.Intn(len(w.demands))
			for k := range w.demands {
				i := (off + k) % len(w.demands)
				if i%g != gi {
					continue
				}
				if err := h78Drive(ctx, pick, w, w.demands[i], r); err != nil {
					fmt.Fprintln(os.Stderr, "child drive:", err)
					os.Exit(4)
				}
			}
		}()
	}
	wg.Wait()
	_ = a.Close()
	_ = b.Close()
}

// h78Killed sets up a database, then runs child processes that drive the loop and kills each
// (SIGKILL) at a random moment; a child that fails for another reason fails the test. Then the
// parent finishes what is left and checks every invariant: a killed process loses or doubles
// nothing.
func h78Killed(t *testing.T, kind, db string, open h78Opener, kills int) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	ctx := context.Background()
	in, err := h78Open(ctx, open)
	h78NoErr(t, err)
	h78Setup(ctx, t, in, 12, 120)
	h78NoErr(t, in.Close())
	rng := rand.New(rand.NewSource(780))
	finished := 0
	for k := range kills {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), h78ChildEnv+"="+db, h78ChildKind+"="+kind)
		out := &lockedBuf{}
		cmd.Stdout, cmd.Stderr = out, out
		h78NoErr(t, cmd.Start())
		time.Sleep(time.Duration(40+rng.Intn(450)) * time.Millisecond)
		_ = cmd.Process.Kill()
		err := cmd.Wait()
		if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() > 0 {
			t.Fatalf("child %d failed (%v):\n%s", k, err, out.String())
		}
		if err == nil {
			finished++
		}
	}
	a, err := h78Open(ctx, open)
	h78NoErr(t, err)
	b, err := h78Open(ctx, open)
	h78NoErr(t, err)
	w, err := h78Load(ctx, a)
	h78NoErr(t, err)
	left := 0
	r := rand.New(rand.NewSource(1))
	pick := func() *h78Inst {
		if r.Intn(2) == 0 {
			return a
		}
		return b
	}
	for _, id := range w.demands {
		d, err := a.cat.Demand(ctx, id)
		h78NoErr(t, err)
		if d.Status != catalog.StatusAwarded {
			left++
		}
		h78NoErr(t, h78Drive(ctx, pick, w, id, r))
	}
	t.Logf("%d children, %d finished before the kill; %d of %d demands were left before the awarded state", kills, finished, left, len(w.demands))
	h78Check(ctx, t, b, w)
	h78NoErr(t, a.Close())
	h78NoErr(t, b.Close())
}

func TestLoopKilledProcessSQLite_h78(t *testing.T) {
	db := filepath.Join(t.TempDir(), "tongxin.db")
	h78Killed(t, "sqlite", db, h78SQLite(db), 10)
}

func TestLoopKilledProcessPostgres_h78(t *testing.T) {
	dsn := sqltest.FreshSchema(t)
	h78Killed(t, "postgres", dsn, h78Postgres(dsn), 10)
}

type lockedBuf struct {
	mu sync.Mutex
	b  []byte
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b = append(l.b, p...)
	return len(p), nil
}

func (l *lockedBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.b)
}
