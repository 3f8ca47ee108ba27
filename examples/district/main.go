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
	cfg := config{}
	flag.Uint64Var(&cfg.seed, "seed", 1, "seed of the synthetic district; the same seed gives the same run")
	flag.Float64Var(&cfg.scale, "scale", defaultScale, "size relative to the practice's district (1.0: 66 communities, ~23,500 providers, ~6,500 demands a year)")
	flag.IntVar(&cfg.months, "months", 12, "months to simulate, starting in January")
	flag.StringVar(&cfg.db, "db", "district.db", "where the ledger and the catalog are kept: a SQLite file (replaced if it exists), ':memory:' (nothing kept), or a postgres:// DSN (a fresh schema is created in it)")
	flag.StringVar(&cfg.report, "report", "district.html", "HTML report to write ('' for none)")
	flag.StringVar(&cfg.sync, "sync", "normal", "SQLite durability: 'normal' (nothing lost if the process is killed) or 'full' (fsync at every commit, also safe against power loss; about twice as slow)")
	flag.IntVar(&cfg.validityMonths, "validity", 6, "months awarded points stay valid (expired at year end)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile to this file")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "district:", err)
			os.Exit(1)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "district:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var progress io.Writer
	if fi, err := os.Stdout.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
		progress = os.Stdout // a terminal: show the progress bar
	}
	if _, err := run(ctx, cfg, os.Stdout, progress); err != nil {
		fmt.Fprintln(os.Stderr, "district:", err)
		pprof.StopCPUProfile()
		if errors.Is(err, errBadFlag) {
			os.Exit(2) // as the flag package does on a value it cannot parse
		}
		os.Exit(1)
	}
}
