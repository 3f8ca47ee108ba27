// Command district simulates one urban district's year of community service on tongxin: a
// synthetic district at the practice's scale (66 communities, ~500 grids, tens of thousands of
// volunteers and in-service party members, micro-teams, co-building units, residents with
// priority flags) posts wishes, practical matters, big items and micro-venture projects month
// by month; boards are published and claimed, the optimal matcher dispatches what is left,
// providers complete the work, residents rate it, the community audits it and awards points,
// volunteers redeem points at the points shop and save hours in the time bank, and points
// expire at year end. Everything is persisted (the ledger in SQLite by default, or PostgreSQL);
// at the end it prints a summary, writes an HTML report with charts, and verifies the ledger.
//
//	go run ./examples/district                       # district.db, district.html
//	go run ./examples/district -scale 0.1 -seed 7
//	go run ./examples/district -db 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable'
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
)

func main() {
	os.Exit(mainCode(os.Args[1:], os.Stdout, os.Stderr))
}

// mainCode is the command: it parses args, runs the district and returns the exit code (2 for
// a bad flag, 1 for a failed run).
func mainCode(args []string, stdout *os.File, stderr io.Writer) (code int) {
	cfg := config{}
	fs := flag.NewFlagSet("district", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Uint64Var(&cfg.seed, "seed", 1, "seed of the synthetic district; the same seed gives the same run")
	fs.Float64Var(&cfg.scale, "scale", defaultScale, "size relative to the practice's district (1.0: 66 communities, ~23,500 providers, ~6,500 demands a year), 0.005 to 1.09")
	fs.IntVar(&cfg.months, "months", 12, "months to simulate, starting in January")
	fs.StringVar(&cfg.db, "db", "district.db", "where the ledger and the catalog are kept: a SQLite file (an existing SQLite database or empty file there is replaced; any other file is refused), ':memory:' (nothing kept), or a postgres:// DSN (a fresh schema is created in it)")
	fs.StringVar(&cfg.report, "report", "district.html", "HTML report to write ('' for none)")
	fs.StringVar(&cfg.sync, "sync", "normal", "SQLite file durability: 'normal' (nothing lost if the process is killed) or 'full' (fsync at every commit, also safe against power loss; about twice as slow); refused with -db :memory: or postgres://")
	fs.IntVar(&cfg.validityMonths, "validity", 6, "months awarded points stay valid (expired at year end)")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile to this file")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintln(stderr, "district:", err)
		if errors.Is(err, errBadFlag) {
			return 2 // as the flag package does on a value it cannot parse
		}
		return 1
	}
	fs.Visit(func(f *flag.Flag) { cfg.syncSet = cfg.syncSet || f.Name == "sync" })
	if fs.NArg() > 0 {
		return fail(badFlag("arguments", "%q: the command takes flags only", fs.Args()))
	}
	// Refuse bad values before creating the profile, so that they leave no file behind.
	if err := cfg.preflight(); err != nil {
		return fail(err)
	}
	if *cpuprofile != "" {
		if err := checkProfile(cfg, *cpuprofile); err != nil {
			return fail(err)
		}
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return fail(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			_ = f.Close() // the error above is the one to report
			return fail(err)
		}
		defer func() {
			pprof.StopCPUProfile()
			if err := f.Close(); err != nil && code == 0 {
				code = fail(fmt.Errorf("cpu profile: %w", err))
			}
		}()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var progress io.Writer
	if fi, err := stdout.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
		progress = stdout // a terminal: show the progress bar
	}
	if _, err := run(ctx, cfg, stdout, progress); err != nil {
		return fail(err)
	}
	return 0
}
