package sqlstore_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/sqlstore"
)

// Tests in this file re-execute the test binary as separate OS processes: TestHelperProcess
// is their entry point, selected by environment variables.
const (
	helperEnv       = "TONGXIN_SQLSTORE_HELPER" // "crash-writer" or "pg-hammer"
	helperTargetEnv = "TONGXIN_SQLSTORE_TARGET" // SQLite path or PostgreSQL DSN
	helperIndexEnv  = "TONGXIN_SQLSTORE_INDEX"  // process index, for distinct keys

	hammerHot       = 4   // hot accounts the processes fight over
	hammerPosts     = 150 // transfers per process
	hammerShared    = 20  // idempotency keys every process posts
	hammerProcesses = 4
	crashRounds     = 5
)

var hotAccounts = func() []ledger.AccountID {
	ids := make([]ledger.AccountID, hammerHot)
	for i := range ids {
		ids[i] = ledger.AccountID(fmt.Sprintf("hot:%d", i))
	}
	return ids
}()

// setupHot creates PTS, the issuer and the hot accounts; it is idempotent, so every process
// may run it.
func setupHot(ctx context.Context, l *ledger.Ledger) error {
	if err := l.CreateAsset(ctx, ledger.Asset{Code: "PTS", Scale: 2}); err != nil {
		return err
	}
	if err := l.OpenAccount(ctx, ledger.Account{ID: "issuer", Asset: "PTS", Unbounded: true}); err != nil {
		return err
	}
	for _, id := range hotAccounts {
		if err := l.OpenAccount(ctx, ledger.Account{ID: id, Asset: "PTS"}); err != nil {
			return err
		}
	}
	return nil
}

func TestHelperProcess(t *testing.T) {
	mode := os.Getenv(helperEnv)
	if mode == "" {
		t.Skip("entry point of the helper processes of the crash and multi-process tests")
	}
	var err error
	switch mode {
	case "crash-writer":
		err = crashWriter(os.Getenv(helperTargetEnv), os.Getenv(helperIndexEnv))
	case "pg-hammer":
		err = pgHammer(os.Getenv(helperTargetEnv), os.Getenv(helperIndexEnv))
	default:
		err = fmt.Errorf("unknown helper mode %q", mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// crashWriter posts until it is killed, printing "ok <key> <id>" after each acknowledged
// transaction, in one write per line (os.Stdout is unbuffered).
func crashWriter(path, run string) error {
	ctx := context.Background()
	s, err := sqlstore.OpenSQLite(ctx, path)
	if err != nil {
		return err
	}
	l, err := ledger.New(ctx, s)
	if err != nil {
		return err
	}
	if err := setupHot(ctx, l); err != nil {
		return err
	}
	for i := 0; ; i++ {
		key := fmt.Sprintf("crash:%s:%d", run, i)
		to := hotAccounts[i%len(hotAccounts)]
		if i%5 == 4 { // every fifth round is a batch
			ts := make([]ledger.Transaction, 20)
			for k := range ts {
				ts[k] = ledger.Transaction{IdempotencyKey: fmt.Sprintf("%s.%d", key, k), Postings: []ledger.Posting{pts("issuer", to, "1")}}
			}
			res, err := l.PostBatch(ctx, ts)
			if err != nil {
				return err
			}
			var b strings.Builder
			for k, r := range res {
				if r.Err != nil {
					return r.Err
				}
				fmt.Fprintf(&b, "ok %s %s\n", ts[k].IdempotencyKey, r.Transaction.ID)
			}
			_, _ = os.Stdout.WriteString(b.String())
			continue
		}
		tx, err := l.Post(ctx, ledger.Transaction{IdempotencyKey: key, Postings: []ledger.Posting{pts("issuer", to, "1")}})
		if err != nil {
			return err
		}
		_, _ = os.Stdout.WriteString("ok " + key + " " + tx.ID.String() + "\n")
	}
}

// TestCrashSQLite kills a writer with SIGKILL at random points, several times, and checks
// that the reopened database verifies and holds every transaction the writer acknowledged.
func TestCrashSQLite(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	acked := map[string]uuid.UUID{}
	for round := range crashRounds {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
		cmd.Env = append(os.Environ(), helperEnv+"=crash-writer", helperTargetEnv+"="+path, helperIndexEnv+"="+strconv.Itoa(round))
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		first := make(chan struct{})
		done := make(chan map[string]uuid.UUID)
		go func() {
			got := map[string]uuid.UUID{}
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				f := strings.Fields(sc.Text())
				if len(f) != 3 || f[0] != "ok" {
					continue
				}
				id, err := uuid.Parse(f[2])
				if err != nil {
					continue // a line cut by the kill is not an acknowledgement
				}
				if len(got) == 0 {
					close(first)
				}
				got[f[1]] = id
			}
			done <- got
		}()
		select {
		case <-first:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			t.Fatalf("round %d: writer acknowledged nothing; stderr: %s", round, stderr.String())
		}
		time.Sleep(time.Duration(50+rand.IntN(400)) * time.Millisecond)
		require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
		_ = cmd.Wait()
		got := <-done
		t.Logf("round %d: %d acknowledged before the kill", round, len(got))
		for k, v := range got {
			acked[k] = v
		}
	}
	ctx := context.Background()
	s, err := sqlstore.OpenSQLite(ctx, path)
	require.NoError(t, err)
	defer s.Close()
	l, err := ledger.New(ctx, s)
	require.NoError(t, err)
	require.NoError(t, l.Verify(ctx))
	missing := 0
	require.NoError(t, s.View(ctx, func(r ledger.StoreReader) error {
		for key, id := range acked {
			rec, err := r.TransactionByKey(ctx, key)
			if errors.Is(err, ledger.ErrNotFound) || (err == nil && rec.ID != id) {
				missing++
				continue
			}
			if err != nil {
				return err
			}
		}
		return nil
	}))
	assert.Zero(t, missing, "acknowledged transactions lost or changed")
	assert.NotEmpty(t, acked)
}

// pgHammer is one of several processes moving points between the hot accounts and racing the
// shared keys. It prints "shared <key> <id>" per shared key and "done <posted> <rejected>".
func pgHammer(dsn, index string) error {
	ctx := context.Background()
	s, err := sqlstore.OpenPostgres(ctx, dsn, sqlstore.WithMaxConns(4))
	if err != nil {
		return err
	}
	defer s.Close()
	l, err := ledger.New(ctx, s)
	if err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	posted, rejected := 0, 0
	var out strings.Builder
	for i := range hammerPosts {
		if i%(hammerPosts/hammerShared) == 0 && i/(hammerPosts/hammerShared) < hammerShared {
			k := i / (hammerPosts / hammerShared)
			key := fmt.Sprintf("shared:%d", k)
			tx, err := l.Post(ctx, ledger.Transaction{IdempotencyKey: key, Postings: []ledger.Posting{pts("issuer", hotAccounts[k%hammerHot], "1")}})
			if err != nil {
				return fmt.Errorf("shared %s: %w", key, err)
			}
			fmt.Fprintf(&out, "shared %s %s\n", key, tx.ID)
		}
		a := r.IntN(hammerHot)
		b := (a + 1 + r.IntN(hammerHot-1)) % hammerHot
		amount := decimal.New(int64(1+r.IntN(900)), -2)
		_, err := l.Post(ctx, ledger.Transaction{IdempotencyKey: fmt.Sprintf("p%s:%d", index, i),
			Postings: []ledger.Posting{{From: hotAccounts[a], To: hotAccounts[b], Amount: amount, Asset: "PTS"}}})
		switch {
		case err == nil:
			posted++
		case errors.Is(err, ledger.ErrInsufficientBalance):
			rejected++
		default:
			return err
		}
	}
	fmt.Fprintf(&out, "done %d %d\n", posted, rejected)
	_, err = os.Stdout.WriteString(out.String())
	return err
}

// TestMultiProcessPostgres runs several OS processes, each with its own Ledger and Store, on
// one PostgreSQL schema: no points created or lost, no account below zero, each shared key
// one transaction, and Verify passes.
func TestMultiProcessPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	s, dsn := openPostgres(t)
	ctx := context.Background()
	l, err := ledger.New(ctx, s)
	require.NoError(t, err)
	require.NoError(t, setupHot(ctx, l))
	for _, id := range hotAccounts {
		_, err := l.Post(ctx, ledger.Transaction{Postings: []ledger.Posting{pts("issuer", id, "20")}})
		require.NoError(t, err)
	}
	type result struct {
		out, errOut string
		err         error
	}
	results := make([]result, hammerProcesses)
	var wg sync.WaitGroup
	for p := range hammerProcesses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
			cmd.Env = append(os.Environ(), helperEnv+"=pg-hammer", helperTargetEnv+"="+dsn, helperIndexEnv+"="+strconv.Itoa(p))
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			results[p] = result{stdout.String(), stderr.String(), err}
		}()
	}
	wg.Wait()
	shared := map[string]map[string]bool{}
	posted := 0
	for p, r := range results {
		require.NoError(t, r.err, "process %d: %s", p, r.errOut)
		for _, line := range strings.Split(strings.TrimSpace(r.out), "\n") {
			f := strings.Fields(line)
			switch {
			case len(f) == 3 && f[0] == "shared":
				if shared[f[1]] == nil {
					shared[f[1]] = map[string]bool{}
				}
				shared[f[1]][f[2]] = true
			case len(f) == 3 && f[0] == "done":
				n, err := strconv.Atoi(f[1])
				require.NoError(t, err)
				posted += n
				t.Logf("process %d: posted %s, rejected for balance %s", p, f[1], f[2])
			}
		}
	}
	require.Len(t, shared, hammerShared)
	for key, ids := range shared {
		assert.Len(t, ids, 1, "key %s produced several transactions", key)
	}
	require.NoError(t, l.Verify(ctx))
	total := decimal.Zero
	for _, id := range hotAccounts {
		b, err := l.Balance(ctx, id)
		require.NoError(t, err)
		assert.False(t, b.IsNegative(), "%s below zero: %s", id, b)
		total = total.Add(b)
	}
	assert.Equal(t, decimal.NewFromInt(int64(20*hammerHot+hammerShared)).String(), total.String())
	head, err := l.Head(ctx)
	require.NoError(t, err)
	assert.Equal(t, uint64(hammerHot+hammerShared+posted), head.Seq)
}
