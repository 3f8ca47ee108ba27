package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, to create the run's schema
	"github.com/tongxin/tongxin/catalog"
	catalogmem "github.com/tongxin/tongxin/catalog/memstore"
	catalogsql "github.com/tongxin/tongxin/catalog/sqlstore"
	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/sqlstore"
	"github.com/tongxin/tongxin/points"
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// defaultScale is the size `go run ./examples/district` simulates: the practice's district
// (66 communities, ~23,500 providers, ~6,500 demands a year), every operation persisted to
// SQLite. 22-45 s on two otherwise idle cores, by host; -scale 0.5 halves it.
const defaultScale = 1.0

// Lines of the leaderboards in the summary.
const (
	topVolunteers    = 10
	topOrganisations = 5
	topCommunities   = 10
)

// Limits on the flags: a bigger district or a longer run is a typo, not a plan. scaleMax is
// the largest district world.go has names for: 12 streets of 6 communities, round(66 × 1.09) = 72.
const (
	scaleMin  = 0.005
	scaleMax  = 1.09
	monthsMax = 36
)

type config struct {
	seed           uint64
	scale          float64
	months         int
	db             string
	report         string
	sync           string
	syncSet        bool // -sync was given: only a SQLite file takes it
	validityMonths int
}

// errBadFlag is what every refused flag value matches (errors.Is); main exits 2 on it, as the
// flag package does on a value it cannot parse.
var errBadFlag = errors.New("bad flag value")

// flagError is a refused flag value: its message names the flag and what is wrong with it.
type flagError struct {
	flag, problem string
	err           error // the cause, if any
}

func badFlag(flag, format string, a ...any) error {
	return &flagError{flag: flag, problem: fmt.Sprintf(format, a...)}
}

func (e *flagError) Error() string {
	if e.err != nil {
		return e.flag + " " + e.problem + ": " + e.err.Error()
	}
	return e.flag + " " + e.problem
}

func (e *flagError) Is(target error) bool { return target == errBadFlag }
func (e *flagError) Unwrap() error        { return e.err }

func (c config) validate() error {
	switch {
	case !(c.scale >= scaleMin && c.scale <= scaleMax): // also refuses NaN
		return badFlag("-scale", "%g: want %g..%g", c.scale, scaleMin, scaleMax)
	case c.months < 1 || c.months > monthsMax:
		return badFlag("-months", "%d: want 1..%d", c.months, monthsMax)
	case c.sync != "normal" && c.sync != "full":
		return badFlag("-sync", "%q: want normal or full", c.sync)
	case c.validityMonths < 1 || c.validityMonths > points.ValidityMonthsMax:
		return badFlag("-validity", "%d: want 1..%d", c.validityMonths, points.ValidityMonthsMax)
	case c.db == "":
		return badFlag("-db", "empty")
	case c.db != memoryDB && !isPostgres(c.db) && (strings.HasPrefix(c.db, "file:") || strings.ContainsAny(c.db, "?#")):
		// SQLite would open a URI's file unchecked by checkReplaceable, which sees a path.
		return badFlag("-db", "%s: a SQLite URI or a path with '?' or '#'; give the database file's plain path", c.db)
	case c.syncSet && c.db == memoryDB:
		return badFlag("-sync", "%s: applies to a SQLite file, not to -db %s", c.sync, memoryDB)
	case c.syncSet && isPostgres(c.db):
		return badFlag("-sync", "%s: applies to a SQLite file, not to a PostgreSQL -db", c.sync) // the DSN may hold a password
	}
	return nil
}

// preflight checks the flags, and the files they name, before anything is done: validate,
// checkReport and, for a SQLite -db, its directory and checkReplaceable (which openStores
// repeats right before replacing the file).
func (c config) preflight() error {
	if err := c.validate(); err != nil {
		return err
	}
	if err := checkReport(c); err != nil {
		return err
	}
	if c.db != memoryDB && !isPostgres(c.db) {
		// The directory first: SQLite's own message for a missing one is "out of memory (14)".
		dir := filepath.Dir(c.db)
		if fi, err := os.Stat(dir); err != nil {
			return &flagError{flag: "-db", problem: c.db, err: err}
		} else if !fi.IsDir() {
			return badFlag("-db", "%s: %s is not a directory", c.db, dir)
		}
		return checkReplaceable(c.db)
	}
	return nil
}

// fileKind names the kind of a file that is not a regular one, for an error message.
func fileKind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeSymlink != 0:
		return "a symbolic link"
	case m&os.ModeNamedPipe != 0:
		return "a named pipe"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeDevice != 0:
		return "a device"
	}
	return "a special file"
}

// checkReport refuses, before the run, a -report the run could not write at its end: a
// directory, a path in a directory that does not exist, or the -db file (or its -wal or -shm).
func checkReport(cfg config) error {
	if cfg.report == "" {
		return nil
	}
	if fi, err := os.Stat(cfg.report); err == nil && fi.IsDir() {
		return badFlag("-report", "%s: a directory", cfg.report)
	}
	dir := filepath.Dir(cfg.report)
	if fi, err := os.Stat(dir); err != nil {
		return &flagError{flag: "-report", problem: cfg.report, err: err}
	} else if !fi.IsDir() {
		return badFlag("-report", "%s: %s is not a directory", cfg.report, dir)
	}
	if cfg.db == memoryDB || isPostgres(cfg.db) {
		return nil
	}
	report, err := filepath.Abs(cfg.report)
	if err != nil {
		return &flagError{flag: "-report", problem: cfg.report, err: err}
	}
	db, err := filepath.Abs(cfg.db)
	if err != nil {
		return &flagError{flag: "-db", problem: cfg.db, err: err}
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if report == db+suffix {
			return badFlag("-report", "%s: the database file (-db %s)", cfg.report, cfg.db)
		}
	}
	return nil
}

// checkProfile refuses a -cpuprofile that names another of the run's outputs: the -report file
// (the profile, written at exit, would overwrite the report) or the -db file or its -wal or
// -shm (deleted when the database is replaced).
func checkProfile(cfg config, profile string) error {
	prof, err := filepath.Abs(profile)
	if err != nil {
		return &flagError{flag: "-cpuprofile", problem: profile, err: err}
	}
	if cfg.report != "" {
		if report, err := filepath.Abs(cfg.report); err == nil && report == prof {
			return badFlag("-cpuprofile", "%s: the -report file", profile)
		}
	}
	if cfg.db == memoryDB || isPostgres(cfg.db) {
		return nil
	}
	db, err := filepath.Abs(cfg.db)
	if err != nil {
		return &flagError{flag: "-db", problem: cfg.db, err: err}
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if prof == db+suffix {
			return badFlag("-cpuprofile", "%s: the database file (-db %s)", profile, cfg.db)
		}
	}
	return nil
}

// sqliteHeader begins every SQLite database file.
const sqliteHeader = "SQLite format 3\x00"

// checkReplaceable refuses a -db path this run must not delete: anything but a regular file
// (a directory, /dev/null, a symbolic link), and a regular file that is not a SQLite database
// (an empty file is one SQLite has not written yet). Its -wal and -shm companions must be
// regular files too. It deletes nothing; checking every path first means a refusal leaves them
// all as they were.
func checkReplaceable(db string) error {
	for _, suffix := range []string{"", "-wal", "-shm"} {
		path := db + suffix
		fi, err := os.Lstat(path)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return &flagError{flag: "-db", problem: path, err: err}
		}
		if !fi.Mode().IsRegular() {
			return badFlag("-db", "%s: %s, not a regular file; only a SQLite database file is replaced", path, fileKind(fi.Mode()))
		}
		if suffix != "" || fi.Size() == 0 {
			continue
		}
		head := make([]byte, len(sqliteHeader))
		f, err := os.Open(path)
		if err != nil {
			return &flagError{flag: "-db", problem: path, err: err}
		}
		_, err = io.ReadFull(f, head)
		_ = f.Close() // read only: nothing to lose
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
			return &flagError{flag: "-db", problem: path, err: err}
		}
		if string(head) != sqliteHeader {
			return badFlag("-db", "%s: exists and is not a SQLite database; only a SQLite database file is replaced", path)
		}
	}
	return nil
}

// simStart is the first day simulated: the year starts in January, with the Spring Festival
// rush in its first weeks.
var simStart = time.Date(2025, time.January, 1, 0, 0, 0, 0, catalog.ImportLocation)

// memoryDB keeps both stores in memory: for tests and quick looks, nothing persisted.
const memoryDB = ":memory:"

func isPostgres(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// stores are the run's ledger and catalog stores: one SQLite file or one PostgreSQL schema
// holds both (the catalog's tables are prefixed catalog_).
type stores struct {
	ledger  *sqlstore.Store
	catalog catalog.Store
	where   string
}

// Close closes both stores. A SQLite store's Close copies the write-ahead log back into the
// file, so its error is the run's.
func (s *stores) Close() error {
	return errors.Join(s.catalog.Close(), s.ledger.Close())
}

// openCatalogPostgres opens the catalog's PostgreSQL store; a test replaces it to fail.
var openCatalogPostgres = func(ctx context.Context, dsn string) (catalog.Store, error) {
	return catalogsql.OpenPostgres(ctx, dsn)
}

// openStores opens the stores of a fresh run and says where they are.
func openStores(ctx context.Context, cfg config, out io.Writer) (*stores, error) {
	if cfg.db == memoryDB {
		l, err := sqlstore.OpenSQLite(ctx, ":memory:")
		if err != nil {
			return nil, err
		}
		where := "memory (ledger: SQLite :memory:, catalog: catalog/memstore)"
		fmt.Fprintf(out, "stores: %s\n", where)
		return &stores{ledger: l, catalog: catalogmem.New(), where: where}, nil
	}
	if isPostgres(cfg.db) {
		// A fresh schema per run, so that runs never meet each other's ids.
		u, err := url.Parse(cfg.db)
		if err != nil {
			// Not the *url.Error itself: it quotes the DSN, password and all.
			if ue := (*url.Error)(nil); errors.As(err, &ue) {
				err = ue.Err
			}
			return nil, &flagError{flag: "-db", problem: "postgres DSN", err: err}
		}
		schema := fmt.Sprintf("district_s%d_%s", cfg.seed, time.Now().UTC().Format("20060102_150405"))
		admin, err := sql.Open("pgx", cfg.db)
		if err != nil {
			return nil, fmt.Errorf("postgres: %w", err)
		}
		defer func() { _ = admin.Close() }() // nothing written through it is pending
		if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
			return nil, fmt.Errorf("postgres: create schema %s: %w", schema, err)
		}
		// A failure from here on drops the schema again, tables and all: a run that never
		// started leaves nothing behind. The drop runs even if ctx was cancelled (Ctrl-C).
		dropSchema := func(cause error) error {
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			if _, err := admin.ExecContext(dctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
				return errors.Join(cause, fmt.Errorf("postgres: drop schema %s: %w", schema, err))
			}
			return cause
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		l, err := sqlstore.OpenPostgres(ctx, u.String())
		if err != nil {
			return nil, dropSchema(err)
		}
		c, err := openCatalogPostgres(ctx, u.String())
		if err != nil {
			_ = l.Close() // the open's error is the one to report
			return nil, dropSchema(err)
		}
		where := fmt.Sprintf("PostgreSQL %s, schema %s", u.Redacted(), schema)
		fmt.Fprintf(out, "stores: %s\n", where)
		return &stores{ledger: l, catalog: c, where: where}, nil
	}
	lsync, csync := sqlstore.SyncNormal, catalogsql.SyncNormal
	if cfg.sync == "full" {
		lsync, csync = sqlstore.SyncFull, catalogsql.SyncFull
	}
	if err := checkReplaceable(cfg.db); err != nil {
		return nil, err
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(cfg.db + suffix); err == nil && suffix == "" {
			fmt.Fprintf(out, "%s existed; replaced (each run starts from an empty district)\n", cfg.db)
		} else if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("replace %s: %w", cfg.db+suffix, err)
		}
	}
	l, err := sqlstore.OpenSQLite(ctx, cfg.db, sqlstore.WithSynchronous(lsync))
	if err != nil {
		return nil, err
	}
	c, err := catalogsql.OpenSQLite(ctx, cfg.db, catalogsql.WithSynchronous(csync))
	if err != nil {
		_ = l.Close()
		return nil, err
	}
	where := fmt.Sprintf("SQLite %s (synchronous=%s; ledger and catalog in one file)", cfg.db, strings.ToUpper(cfg.sync))
	fmt.Fprintf(out, "stores: %s\n", where)
	return &stores{ledger: l, catalog: c, where: where}, nil
}

// run simulates the district and writes the summary to out and, when progress is not nil, a
// progress bar to it. It returns the summary it printed.
func run(ctx context.Context, cfg config, out, progress io.Writer) (_ *summary, err error) {
	if err := cfg.preflight(); err != nil {
		return nil, err
	}
	began := time.Now()
	w, err := buildWorld(cfg.seed, cfg.scale)
	if err != nil {
		return nil, err
	}
	st, err := openStores(ctx, cfg, out)
	if err != nil {
		return nil, fmt.Errorf("open stores: %w", err)
	}
	defer func() {
		if cerr := st.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close stores: %w", cerr)
		}
	}()
	clk := &clock{now: simStart.AddDate(0, -1, -1)}
	ledgerIDs := &idSource{clk: clk, r: rand.New(rand.NewPCG(cfg.seed, 0x5eed_0002))}
	catalogIDs := &idSource{clk: clk, r: rand.New(rand.NewPCG(cfg.seed, 0x5eed_0003))}
	led, err := ledger.New(ctx, st.ledger, ledger.WithClock(clk.Now), ledger.WithIDs(ledgerIDs.New))
	if err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	cat, err := catalog.New(st.catalog, catalog.WithNow(clk.Now), catalog.WithIDs(catalogIDs.New))
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	s := &sim{
		ctx: ctx, cfg: cfg, w: w, r: rand.New(rand.NewPCG(cfg.seed, 0x5eed_0004)), clk: clk,
		sched: &scheduler{clk: clk}, cat: cat, led: led, start: simStart, end: simStart.AddDate(0, cfg.months, 0),
		zone: catalog.ImportLocation, scorer: skillScorer(), st: newStats(cfg.months, len(w.communities)),
	}
	fmt.Fprintf(out, "district: %d communities, %d providers, %d residents; simulating %d months from %s\n",
		len(w.communities), len(w.providers), len(w.residents), cfg.months, simStart.Format("2006-01"))
	if err := s.setup(); err != nil {
		return nil, err
	}
	var bar *mpb.Bar
	var pb *mpb.Progress
	days := int64(s.end.Sub(clk.now).Hours()/24) + 1
	if progress != nil {
		pb = mpb.New(mpb.WithOutput(progress), mpb.WithWidth(48))
		bar = pb.AddBar(days,
			mpb.PrependDecorators(decor.Name("simulating "), decor.CountersNoUnit("day %d/%d")),
			mpb.AppendDecorators(decor.Percentage(decor.WC{W: 5}), decor.Name(" "), decor.Elapsed(decor.ET_STYLE_GO)))
	}
	err = s.sched.runUntil(s.end, func(time.Time) {
		if bar != nil {
			bar.Increment()
		}
	})
	if bar != nil {
		// Complete the bar (the last days may have had no events), or drop it on failure.
		if err == nil {
			bar.SetCurrent(days)
		} else {
			bar.Abort(false)
		}
		pb.Wait()
	}
	if err != nil {
		return nil, fmt.Errorf("simulated %s: %w", clk.now.Format("2006-01-02 15:04"), err)
	}
	sm, err := s.summarise(st.where)
	if err != nil {
		return nil, err
	}
	if err := led.Verify(ctx); err != nil {
		return nil, fmt.Errorf("ledger verify: %w", err)
	}
	sm.Verified = true
	sm.Elapsed = time.Since(began)
	sm.writeText(out)
	if cfg.report != "" {
		if err := writeReport(cfg.report, sm); err != nil {
			return nil, fmt.Errorf("report: %w", err)
		}
		fmt.Fprintf(out, "Report: %s\n", cfg.report)
	}
	fmt.Fprintf(out, "Took %s.\n", sm.Elapsed.Round(100*time.Millisecond))
	return sm, nil
}

// summarise gathers the summary: counts from the run, leaderboards and the inter-community
// settlement from the ledger alone.
func (s *sim) summarise(where string) (*summary, error) {
	ctx := s.ctx
	w := s.w
	sm := &summary{
		Seed: s.cfg.seed, Scale: s.cfg.scale, Months: s.cfg.months, Store: where,
		Communities: len(w.communities), Streets: len(w.streets), Grids: len(w.grids), Buildings: len(w.buildings),
		Residents: len(w.residents), Stats: s.st,
	}
	for _, p := range s.provs {
		switch p.Kind {
		case catalog.Volunteer:
			sm.Volunteers++
			if p.Flags.Has(catalog.FlagInServiceParty) {
				sm.InServiceParty++
			}
		case catalog.Team:
			sm.Teams++
		case catalog.Unit:
			sm.Units++
		case catalog.SocialOrg:
			sm.Orgs++
		}
	}
	names := map[string]string{}
	for _, c := range w.communities {
		names[c.segment] = c.name
	}
	lb, err := points.Leaderboards(ctx, s.led, points.LeaderboardQuery{})
	if err != nil {
		return nil, fmt.Errorf("leaderboard: %w", err)
	}
	for _, p := range lb.Providers {
		id, err := uuid.Parse(p.ProviderID)
		if err != nil {
			return nil, fmt.Errorf("leaderboard: provider id %q: %w", p.ProviderID, err)
		}
		pi, ok := s.provIndex[id]
		if !ok {
			return nil, fmt.Errorf("leaderboard: unknown provider %s", id)
		}
		name := s.provs[pi].Name
		if s.provs[pi].Kind != catalog.Volunteer {
			if len(sm.TopOrganisations) < topOrganisations {
				sm.TopOrganisations = append(sm.TopOrganisations, standing{
					Name: name, Community: names[p.Community], Points: p.Points.StringFixed(2), Count: p.Activities, Hours: p.Hours.StringFixed(1),
				})
			}
			continue
		}
		if len(sm.TopVolunteers) == topVolunteers {
			continue
		}
		sm.TopVolunteers = append(sm.TopVolunteers, standing{
			Name: name, Community: names[p.Community], Points: p.Points.StringFixed(2), Count: p.Activities, Hours: p.Hours.StringFixed(1),
		})
	}
	for i, c := range lb.Communities {
		if i == topCommunities {
			break
		}
		sm.TopCommunities = append(sm.TopCommunities, standing{Name: names[c.Community], Points: c.Points.StringFixed(2), Count: c.Providers})
	}
	nets, err := points.Settlement(ctx, s.banks)
	if err != nil {
		return nil, fmt.Errorf("settlement: %w", err)
	}
	for _, n := range nets {
		a, b, h := n.A, n.B, n.Hours
		if h.IsNegative() {
			a, b, h = b, a, h.Neg()
		}
		sm.Settlement = append(sm.Settlement, fmt.Sprintf("%s owes %s %s h", names[a], names[b], h.StringFixed(2)))
	}
	for _, ds := range s.demands {
		if ds.status != localExpired && ds.status != localCancelled && ds.completedAt.IsZero() {
			s.st.pendingAtEnd++
		}
	}
	head, err := s.led.Head(ctx)
	if err != nil {
		return nil, fmt.Errorf("ledger head: %w", err)
	}
	sm.Transactions = head.Seq
	for c := range w.communities {
		cs := &s.st.communities[c]
		row := communityRow{
			Name: w.communities[c].name, Residents: len(w.communities[c].residents), Providers: len(w.communities[c].providers),
			Posted: cs.posted, Fulfilled: cs.fulfilled, Expired: cs.expired,
			FulfilledPct:      fmt.Sprintf("%.1f%%", pct(cs.fulfilled, cs.posted)),
			MedianDaysToClaim: fmt.Sprintf("%.1f", median(cs.daysToClaim)),
			Points:            cs.points.StringFixed(2), Redeemed: cs.redeemed.StringFixed(2), HoursDeposited: cs.hours.StringFixed(2),
		}
		sm.CommunityRows = append(sm.CommunityRows, row)
	}
	return sm, nil
}
