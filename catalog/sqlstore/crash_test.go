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

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/catalog/sqlstore"
	"github.com/tongxin/tongxin/catalog/storetest"
)

// TestCrashSQLite re-executes the test binary as a child process (TestCrashHelper), told by
// these environment variables which file to drive and with which seed.
const (
	crashHelperEnv = "TONGXIN_CATALOG_CRASH_HELPER" // the SQLite path: set only in the child
	crashSeedEnv   = "TONGXIN_CATALOG_CRASH_SEED"   // replay a logged seed
	crashRoundEnv  = "TONGXIN_CATALOG_CRASH_ROUND"

	crashRounds     = 8
	crashGoroutines = 6
	crashKillMinMs  = 100 // the kill comes this long after the child's first acknowledgement ...
	crashKillMaxMs  = 700 // ... at most this long
	crashSetupMax   = 30 * time.Second
)

// crashRefusals are the errors a move may be refused with in the child's workload; any other
// error stops the child, which the parent reports.
var crashRefusals = []error{catalog.ErrInvalidTransition, catalog.ErrNotFound, catalog.ErrHeadcountFull, catalog.ErrCapacity,
	catalog.ErrDuplicateClaim, catalog.ErrBoardClosed, catalog.ErrIneligible, catalog.ErrInvalid, catalog.ErrDeadlinePassed}

func TestCrashHelper(t *testing.T) {
	path := os.Getenv(crashHelperEnv)
	if path == "" {
		t.Skip("entry point of the child process of TestCrashSQLite")
	}
	seed, err := strconv.ParseUint(os.Getenv(crashSeedEnv), 10, 64)
	if err == nil {
		var round int
		round, err = strconv.Atoi(os.Getenv(crashRoundEnv))
		if err == nil {
			err = crashChild(path, seed, round)
		}
	}
	fmt.Fprintln(os.Stderr, "crash child:", err)
	os.Exit(1) // crashChild runs until it is killed
}

// crashOut prints one acknowledgement line in one write (os.Stdout is unbuffered; a line is
// far below PIPE_BUF, so lines of several goroutines never interleave).
func crashOut(format string, args ...any) {
	_, _ = os.Stdout.WriteString(fmt.Sprintf(format, args...) + "\n")
}

// crashAckDemand acknowledges a demand as a move returned it: "d <id> <version> <status>".
func crashAckDemand(d catalog.Demand) { crashOut("d %s %d %d", d.ID, d.Version, uint8(d.Status)) }

// crashChild drives the catalog on path until it is killed. Odd rounds run with SyncNormal,
// which also promises to lose nothing on a process kill.
func crashChild(path string, seed uint64, round int) error {
	ctx := context.Background()
	var opts []sqlstore.Option
	if round%2 == 1 {
		opts = append(opts, sqlstore.WithSynchronous(sqlstore.SyncNormal))
	}
	s, err := sqlstore.OpenSQLite(ctx, path, opts...)
	if err != nil {
		return err
	}
	c, err := catalog.New(s)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(seed, uint64(round)))
	var mu sync.Mutex // guards demands, providers and boards
	demands, providers, boards, err := crashExisting(ctx, c)
	if err != nil {
		return err
	}
	newWish := func(rng *rand.Rand, requester string) (catalog.Demand, error) {
		w := storetest.Wish(requester)
		w.Headcount = 1 + rng.IntN(3)
		if rng.IntN(4) > 0 {
			w.Status = catalog.StatusOpen
		}
		if rng.IntN(3) == 0 {
			w.Deadline = time.Now().Add(time.Duration(50+rng.IntN(1500)) * time.Millisecond)
		}
		d, err := c.CreateDemand(ctx, w, "operator")
		if err != nil {
			return d, err
		}
		crashAckDemand(d)
		mu.Lock()
		demands = append(demands, d.ID)
		mu.Unlock()
		return d, nil
	}
	newBoard := func(ids []uuid.UUID) error {
		now := time.Now()
		b, err := c.PublishBoard(ctx, catalog.BoardSpec{Name: fmt.Sprintf("微心愿榜 %d", round), Kind: catalog.BoardWishes,
			Scope: storetest.CommunityA, OpensAt: now, ClosesAt: now.Add(time.Hour), Demands: ids, Actor: "community"})
		if err != nil {
			return err
		}
		crashOut("b %s", b.ID)
		mu.Lock()
		boards = append(boards, b.ID)
		mu.Unlock()
		return nil
	}

	for i := range 6 {
		p := storetest.Volunteer(fmt.Sprintf("v%d.%d", round, i))
		p.Capacity = 1 + rng.IntN(3)
		p, err := c.RegisterProvider(ctx, p, "operator")
		if err != nil {
			return err
		}
		crashOut("p %s", p.ID)
		providers = append(providers, p.ID)
	}
	var open []uuid.UUID
	for i := range 8 {
		d, err := newWish(rng, fmt.Sprintf("r%d.%d", round, i))
		if err != nil {
			return err
		}
		if d.Status == catalog.StatusOpen && d.Deadline.IsZero() {
			open = append(open, d.ID)
		}
	}
	if err := newBoard(open); err != nil {
		return err
	}

	var wg sync.WaitGroup
	for g := range crashGoroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(round)<<8|uint64(g+1)))
			for i := 0; ; i++ {
				mu.Lock()
				d, p, b := crashPick(rng, demands), crashPick(rng, providers), crashPick(rng, boards)
				mu.Unlock()
				err := crashMove(ctx, c, rng, d, p, b, func() error {
					_, err := newWish(rng, fmt.Sprintf("r%d.%d.%d", round, g, i))
					return err
				}, func() error { return newBoard(nil) })
				expected := err == nil
				for _, r := range crashRefusals {
					expected = expected || errors.Is(err, r)
				}
				if !expected {
					fmt.Fprintf(os.Stderr, "crash child: goroutine %d move %d: %v\n", g, i, err)
					os.Exit(2)
				}
			}
		}()
	}
	wg.Wait()
	return nil
}

// crashPick picks one of ids, mostly one of the newest few, so that the goroutines race on the
// same demands and carry them far through the lifecycle.
func crashPick(rng *rand.Rand, ids []uuid.UUID) uuid.UUID {
	const hot = 12
	if len(ids) > hot && rng.IntN(8) > 0 {
		return ids[len(ids)-hot+rng.IntN(hot)]
	}
	return ids[rng.IntN(len(ids))]
}

// crashExisting lists what earlier rounds left in the file, so that this round carries their
// demands on through the lifecycle.
func crashExisting(ctx context.Context, c *catalog.Catalog) (demands, providers, boards []uuid.UUID, err error) {
	demands, providers, err = crashAll(ctx, c)
	if err != nil {
		return nil, nil, nil, err
	}
	q := catalog.BoardQuery{Limit: catalog.PageSizeMax}
	for {
		page, err := c.Boards(ctx, q)
		if err != nil {
			return nil, nil, nil, err
		}
		for _, b := range page.Boards {
			boards = append(boards, b.ID)
		}
		if page.Next == uuid.Nil {
			return demands, providers, boards, nil
		}
		q.After = page.Next
	}
}

// crashAll lists the ids of every demand and provider in the store.
func crashAll(ctx context.Context, c *catalog.Catalog) (demands, providers []uuid.UUID, err error) {
	dq := catalog.DemandQuery{Limit: catalog.PageSizeMax}
	for {
		page, err := c.Demands(ctx, dq)
		if err != nil {
			return nil, nil, err
		}
		for _, d := range page.Demands {
			demands = append(demands, d.ID)
		}
		if page.Next == uuid.Nil {
			break
		}
		dq.After = page.Next
	}
	pq := catalog.ProviderQuery{Limit: catalog.PageSizeMax}
	for {
		page, err := c.Providers(ctx, pq)
		if err != nil {
			return nil, nil, err
		}
		for _, p := range page.Providers {
			providers = append(providers, p.ID)
		}
		if page.Next == uuid.Nil {
			return demands, providers, nil
		}
		pq.After = page.Next
	}
}

// crashMove makes one random move on demand d (with provider p, board b, or a provider the
// demand's claims or audits name) and acknowledges it.
func crashMove(ctx context.Context, c *catalog.Catalog, rng *rand.Rand, d, p, b uuid.UUID, newWish, newBoard func() error) error {
	act := func(actor string) catalog.Act { return catalog.Act{Actor: actor} }
	ackDemand := func(out catalog.Demand, err error) error {
		if err == nil {
			crashAckDemand(out)
		}
		return err
	}
	claims := func(state catalog.ClaimState) ([]catalog.Claim, error) {
		cls, err := c.Claims(ctx, d)
		var out []catalog.Claim
		for _, cl := range cls {
			if cl.State == state {
				out = append(out, cl)
			}
		}
		return out, err
	}
	switch n := rng.IntN(100); {
	case n < 30:
		cl, err := c.Claim(ctx, d, p, act("v"))
		if err == nil {
			crashOut("c %s %s", cl.DemandID, cl.ProviderID)
		}
		return err
	case n < 36: // withdraw an active claim (or p's, refused)
		cls, err := claims(catalog.ClaimActive)
		if err != nil {
			return err
		}
		if len(cls) > 0 {
			p = cls[rng.IntN(len(cls))].ProviderID
		}
		return ackDemand(c.Withdraw(ctx, d, p, act("v")))
	case n < 45:
		return ackDemand(c.Start(ctx, d, act("c")))
	case n < 53:
		cls, err := claims(catalog.ClaimActive)
		if err != nil || len(cls) == 0 {
			return err
		}
		reps := make([]catalog.WorkReport, len(cls))
		for i, cl := range cls {
			reps[i] = catalog.WorkReport{ProviderID: cl.ProviderID, Hours: decimal.NewFromInt(1)}
		}
		return ackDemand(c.Complete(ctx, d, reps, act("v")))
	case n < 58:
		return ackDemand(c.Rate(ctx, d, 1+rng.IntN(5), "", act("resident")))
	case n < 65:
		cls, err := claims(catalog.ClaimDone)
		if err != nil || len(cls) == 0 {
			return err
		}
		decs := make([]catalog.AuditDecision, len(cls))
		for i, cl := range cls {
			decs[i] = catalog.AuditDecision{ProviderID: cl.ProviderID, Approved: rng.IntN(4) > 0, Reason: "未到场"}
			if decs[i].Approved {
				decs[i].Hours, decs[i].Reason = decimal.NewFromInt(1), ""
			}
		}
		return ackDemand(c.Audit(ctx, d, decs, act("auditor")))
	case n < 71: // mark an approved audit awarded (or p's, refused)
		as, err := c.Audits(ctx, d)
		if err != nil {
			return err
		}
		if len(as) > 0 {
			p = as[rng.IntN(len(as))].ProviderID
		}
		a, err := c.MarkAwarded(ctx, d, p, "points")
		if err == nil {
			crashOut("w %s %s", a.DemandID, a.ProviderID)
		}
		return err
	case n < 83:
		return ackDemand(c.Publish(ctx, b, d, act("c")))
	case n < 86:
		return ackDemand(c.Dispatch(ctx, d, []uuid.UUID{p}, act("c")))
	case n < 90:
		return ackDemand(c.Submit(ctx, d, act("resident")))
	case n < 91:
		if rng.IntN(4) > 0 {
			return nil
		}
		return ackDemand(c.Cancel(ctx, d, catalog.Act{Actor: "c", Reason: "不需要了"}))
	case n < 93:
		_, err := c.ExpireDue(ctx, time.Now())
		return err
	case n < 95:
		if rng.IntN(4) > 0 {
			return nil
		}
		out, err := c.CloseBoard(ctx, b, "c")
		if err == nil {
			crashOut("x %s", out.ID)
		}
		return err
	case n < 97:
		if rng.IntN(8) > 0 {
			return nil
		}
		return newBoard()
	default:
		if rng.IntN(3) > 0 {
			return nil
		}
		return newWish()
	}
}

// crashAcks is what the children acknowledged, over all rounds.
type crashAcks struct {
	demands   map[uuid.UUID]map[uint64]catalog.Status // demand → version → status
	claims    map[[2]uuid.UUID]bool                   // (demand, provider) claimed
	awards    map[[2]uuid.UUID]bool                   // (demand, provider) marked awarded
	providers map[uuid.UUID]bool
	boards    map[uuid.UUID]bool // created; true: closed
	lines     int
}

// add records one acknowledgement line; a line cut by the kill does not parse and is no
// acknowledgement.
func (a *crashAcks) add(line string) bool {
	f := strings.Fields(line)
	ids := make([]uuid.UUID, 0, 2)
	for _, s := range f[min(1, len(f)):] {
		id, err := uuid.Parse(s)
		if err != nil {
			break
		}
		ids = append(ids, id)
	}
	switch {
	case len(f) == 4 && f[0] == "d" && len(ids) == 1:
		v, err1 := strconv.ParseUint(f[2], 10, 64)
		st, err2 := strconv.ParseUint(f[3], 10, 8)
		if err1 != nil || err2 != nil {
			return false
		}
		if a.demands[ids[0]] == nil {
			a.demands[ids[0]] = map[uint64]catalog.Status{}
		}
		a.demands[ids[0]][v] = catalog.Status(st)
	case len(f) == 3 && f[0] == "c" && len(ids) == 2:
		a.claims[[2]uuid.UUID(ids)] = true
	case len(f) == 3 && f[0] == "w" && len(ids) == 2:
		a.awards[[2]uuid.UUID(ids)] = true
	case len(f) == 2 && f[0] == "p" && len(ids) == 1:
		a.providers[ids[0]] = true
	case len(f) == 2 && f[0] == "b" && len(ids) == 1:
		if _, ok := a.boards[ids[0]]; !ok {
			a.boards[ids[0]] = false
		}
	case len(f) == 2 && f[0] == "x" && len(ids) == 1:
		a.boards[ids[0]] = true
	default:
		return false
	}
	a.lines++
	return true
}

// TestCrashSQLite kills a child process driving a catalog on one SQLite file with SIGKILL at
// random moments, several rounds on the same file. The child registers providers, creates
// wishes and publishes a board, then races several goroutines through the whole lifecycle
// (claims on the same demands, withdrawals, dispatch, start, complete, rate, audit, award,
// cancel, expiry, boards published and closed), carrying on the demands of earlier rounds;
// odd rounds run with SyncNormal. It prints one line per acknowledged change. After each kill
// the parent reopens the file and checks that every acknowledged change is there (a demand's
// event at each acknowledged version is that move, so its status and version are at least as
// far as acknowledged), that the accounting holds (storetest.CheckAccounting: Active, Filled,
// ratings, events 1..Version along the transition table, audits), that each provider's listed
// active claims are its Active, and that SQLite's integrity check passes. The seed is logged;
// the goroutines' interleaving and the kill's moment still vary on replay.
func TestCrashSQLite(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv(crashSeedEnv); s != "" {
		var err error
		seed, err = strconv.ParseUint(s, 10, 64)
		require.NoError(t, err)
	}
	t.Logf("seed %d (replay: %s=%d go test -run '^TestCrashSQLite$' ./catalog/sqlstore/)", seed, crashSeedEnv, seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	path := filepath.Join(t.TempDir(), "crash.db")
	acks := &crashAcks{demands: map[uuid.UUID]map[uint64]catalog.Status{}, claims: map[[2]uuid.UUID]bool{},
		awards: map[[2]uuid.UUID]bool{}, providers: map[uuid.UUID]bool{}, boards: map[uuid.UUID]bool{}}
	for round := range crashRounds {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$")
		cmd.Env = append(os.Environ(), crashHelperEnv+"="+path, crashSeedEnv+"="+strconv.FormatUint(seed, 10),
			crashRoundEnv+"="+strconv.Itoa(round))
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		first := make(chan struct{})
		done := make(chan []string)
		go func() {
			var lines []string
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				if len(lines) == 0 {
					close(first)
				}
				lines = append(lines, sc.Text())
			}
			done <- lines
		}()
		select {
		case <-first:
		case <-time.After(crashSetupMax):
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Fatalf("round %d: the child acknowledged nothing; stderr: %s", round, stderr.String())
		}
		time.Sleep(time.Duration(crashKillMinMs+rng.IntN(crashKillMaxMs-crashKillMinMs)) * time.Millisecond)
		require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
		err = cmd.Wait()
		lines := <-done
		var exit *exec.ExitError
		require.ErrorAs(t, err, &exit)
		ws, ok := exit.Sys().(syscall.WaitStatus)
		require.True(t, ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL,
			"round %d: the child ended before the kill (%v); stderr: %s", round, err, stderr.String())
		n := acks.lines
		for _, line := range lines {
			acks.add(line)
		}
		t.Logf("round %d: %d changes acknowledged before the kill", round, acks.lines-n)
		checkCrashed(t, path, acks)
		if t.Failed() {
			t.Fatalf("round %d failed; replay with %s=%d", round, crashSeedEnv, seed)
		}
	}
	statuses := map[catalog.Status]int{}
	for _, versions := range acks.demands {
		last := uint64(0)
		for v := range versions {
			last = max(last, v)
		}
		statuses[versions[last]]++
	}
	t.Logf("demands by last acknowledged status: %v; %d claims, %d awards, %d boards acknowledged",
		statuses, len(acks.claims), len(acks.awards), len(acks.boards))
}

// checkCrashed reopens the file and checks every acknowledged change and the accounting.
func checkCrashed(t *testing.T, path string, acks *crashAcks) {
	t.Helper()
	ctx := context.Background()
	s, err := sqlstore.OpenSQLite(ctx, path)
	require.NoError(t, err)
	defer func() { require.NoError(t, s.Close()) }()
	c, err := catalog.New(s)
	require.NoError(t, err)

	for id, versions := range acks.demands {
		d, err := c.Demand(ctx, id)
		if !assert.NoError(t, err, "acknowledged demand %s", id) {
			continue
		}
		for v, st := range versions {
			if !assert.GreaterOrEqual(t, d.Version, v, "demand %s: version behind the acknowledged one", id) {
				continue
			}
			evs, err := c.History(ctx, id, v-1, 1)
			require.NoError(t, err)
			if assert.Len(t, evs, 1, "demand %s: event %d", id, v) {
				assert.Equal(t, v, evs[0].Seq, "demand %s: event %d", id, v)
				assert.Equal(t, st, evs[0].To, "demand %s: event %d is not the acknowledged move", id, v)
			}
		}
	}
	for k := range acks.claims {
		cls, err := c.Claims(ctx, k[0])
		require.NoError(t, err)
		found := false
		for _, cl := range cls {
			found = found || cl.ProviderID == k[1]
		}
		assert.True(t, found, "acknowledged claim of %s on %s lost", k[1], k[0])
	}
	for k := range acks.awards {
		a, err := c.AuditOf(ctx, k[0], k[1])
		if assert.NoError(t, err, "audit of %s on %s", k[1], k[0]) {
			assert.True(t, a.Awarded, "acknowledged award of %s on %s lost", k[1], k[0])
		}
	}
	for id := range acks.providers {
		_, err := c.Provider(ctx, id)
		assert.NoError(t, err, "acknowledged provider %s", id)
	}
	for id, closed := range acks.boards {
		b, err := c.Board(ctx, id)
		if assert.NoError(t, err, "acknowledged board %s", id) && closed {
			assert.True(t, b.Closed, "acknowledged close of board %s lost", id)
		}
	}

	demands, providers, err := crashAll(ctx, c)
	require.NoError(t, err)
	storetest.CheckAccounting(t, c, demands, providers)
	// The provider index agrees with the claims: its active claims are its Active.
	for _, id := range providers {
		p, err := c.Provider(ctx, id)
		require.NoError(t, err)
		page, err := c.ProviderClaims(ctx, id, catalog.ClaimQuery{ActiveOnly: true, Limit: catalog.PageSizeMax})
		require.NoError(t, err)
		assert.Len(t, page.Claims, p.Active, "provider %s: active claims listed", id)
	}
	var check string
	require.NoError(t, rawSQLite(t, path).QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&check))
	assert.Equal(t, "ok", check, "integrity check")
}
