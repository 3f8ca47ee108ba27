package sqlstore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/memstore"
	"github.com/tongxin/tongxin/ledger/storetest"
)

var diffKinds = []error{
	ledger.ErrInvalidAmount, ledger.ErrInvalid, ledger.ErrUnknownAsset, ledger.ErrUnknownAccount,
	ledger.ErrAssetMismatch, ledger.ErrInsufficientBalance, ledger.ErrAboveMaxBalance,
	ledger.ErrIdempotencyConflict, ledger.ErrAlreadyReversed, ledger.ErrConflict,
	ledger.ErrHoldClosed, ledger.ErrNotFound, ledger.ErrClosed, ledger.ErrCorrupt,
}

// diffErr names err by its ledger kind, the part every store must agree on.
func diffErr(err error) string {
	if err == nil {
		return "ok"
	}
	for _, k := range diffKinds {
		if errors.Is(err, k) {
			return k.Error()
		}
	}
	return "other: " + err.Error()
}

// diffWorkload runs a seeded mix of Posts, PostBatches, Reverses, Holds, Captures and
// Releases, with back-dated effective times, memos and metadata, on s, and returns every
// outcome and what the ledger reads back: the journal, every statement page, every scan
// page, balances, balances as of past times, accounts and holds.
func diffWorkload(t *testing.T, s ledger.Store, seed uint64) []string {
	t.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(seed, 7))
	idRng := rand.New(rand.NewPCG(seed, 11))
	newID := func() uuid.UUID {
		var u uuid.UUID
		for i := 0; i < 16; i += 8 {
			v := idRng.Uint64()
			for k := range 8 {
				u[i+k] = byte(v >> (8 * k))
			}
		}
		u[6] = u[6]&0x0f | 0x40
		u[8] = u[8]&0x3f | 0x80
		return u
	}
	clock := storetest.NewClock(storetest.Start)
	l, err := ledger.New(ctx, s, ledger.WithClock(clock.Now), ledger.WithIDs(newID))
	require.NoError(t, err)
	require.NoError(t, l.CreateAsset(ctx, ledger.Asset{Code: "PTS", Scale: 2}))
	require.NoError(t, l.CreateAsset(ctx, ledger.Asset{Code: "HRS", Scale: 0}))
	accounts := []ledger.AccountID{"issuer", "a", "b", "c", "d", "hours", "h1", "h2"}
	asset := map[ledger.AccountID]string{}
	for _, a := range []ledger.Account{
		{ID: "issuer", Asset: "PTS", Unbounded: true},
		{ID: "a", Asset: "PTS", Metadata: map[string]string{"name": "甲"}},
		{ID: "b", Asset: "PTS", MinBalance: decimal.NewFromInt(-5)},
		{ID: "c", Asset: "PTS", MaxBalance: decimal.NewNullDecimal(decimal.NewFromInt(300))},
		{ID: "d", Asset: "PTS"},
		{ID: "hours", Asset: "HRS", Unbounded: true},
		{ID: "h1", Asset: "HRS"},
		{ID: "h2", Asset: "HRS", MaxBalance: decimal.NewNullDecimal(decimal.NewFromInt(40))},
	} {
		require.NoError(t, l.OpenAccount(ctx, a))
		asset[a.ID] = a.Asset
	}
	var out []string
	var txs []uuid.UUID
	var holds []uuid.UUID
	pick := func(code string) ledger.AccountID {
		for {
			if id := accounts[rng.IntN(len(accounts))]; asset[id] == code {
				return id
			}
		}
	}
	posting := func() ledger.Posting {
		code := "PTS"
		if rng.IntN(4) == 0 {
			code = "HRS"
		}
		from, to := pick(code), pick(code)
		if rng.IntN(3) == 0 {
			from = map[string]ledger.AccountID{"PTS": "issuer", "HRS": "hours"}[code]
		}
		for to == from {
			to = pick(code)
		}
		amount := decimal.New(int64(1+rng.IntN(9000)), -2)
		if code == "HRS" {
			amount = decimal.NewFromInt(int64(1 + rng.IntN(12)))
		}
		return ledger.Posting{From: from, To: to, Asset: code, Amount: amount}
	}
	memos := []string{"", "义务理发", "a;b ; c", "  spaced  ", "tab\there", "换行"}
	tx := func(i int) ledger.Transaction {
		n := 1 + rng.IntN(3)
		var ps []ledger.Posting
		for range n {
			ps = append(ps, posting())
		}
		t := ledger.Transaction{Postings: ps, Memo: memos[rng.IntN(len(memos))]}
		if rng.IntN(3) == 0 {
			t.IdempotencyKey = fmt.Sprintf("k%d", rng.IntN(i+1))
		}
		if rng.IntN(4) == 0 {
			t.Metadata = map[string]string{"op": fmt.Sprint(i), "区": "东城"}
		}
		if rng.IntN(4) == 0 {
			t.EffectiveAt = clock.Now().Add(-time.Duration(rng.Int64N(int64(48*time.Hour/time.Microsecond))) * time.Microsecond)
		}
		return t
	}
	for i := range diffOps {
		clock.Advance(time.Duration(rng.IntN(int(20*time.Minute/time.Microsecond))) * time.Microsecond)
		switch op := rng.IntN(10); {
		case op < 4:
			got, err := l.Post(ctx, tx(i))
			out = append(out, fmt.Sprintf("%d post: %s %d %s %v", i, diffErr(err), got.Seq, got.ID, got.Replayed))
			if err == nil {
				txs = append(txs, got.ID)
			}
		case op < 5:
			var ts []ledger.Transaction
			for range 1 + rng.IntN(5) {
				ts = append(ts, tx(i))
			}
			res, err := l.PostBatch(ctx, ts)
			out = append(out, fmt.Sprintf("%d batch: %s", i, diffErr(err)))
			for k, r := range res {
				out = append(out, fmt.Sprintf("%d batch %d: %s %d %s %v", i, k, diffErr(r.Err), r.Transaction.Seq, r.Transaction.ID, r.Transaction.Replayed))
				if r.Err == nil {
					txs = append(txs, r.Transaction.ID)
				}
			}
		case op < 6 && len(txs) > 0:
			got, err := l.Reverse(ctx, txs[rng.IntN(len(txs))], fmt.Sprintf("r%d", rng.IntN(i+1)))
			out = append(out, fmt.Sprintf("%d reverse: %s %d %s", i, diffErr(err), got.Seq, got.ID))
		case op < 8:
			var opts ledger.HoldOptions
			if rng.IntN(3) > 0 {
				opts.ExpiresAt = clock.Now().Add(time.Duration(rng.Int64N(int64(time.Hour/time.Microsecond))) * time.Microsecond)
			}
			if rng.IntN(3) == 0 {
				opts.IdempotencyKey = fmt.Sprintf("h%d", rng.IntN(i+1))
			}
			h, err := l.Hold(ctx, posting(), opts)
			out = append(out, fmt.Sprintf("%d hold: %s %s", i, diffErr(err), h.ID))
			if err == nil {
				holds = append(holds, h.ID)
			}
		case op < 9 && len(holds) > 0:
			h := holds[rng.IntN(len(holds))]
			got, err := l.Capture(ctx, h, decimal.New(int64(1+rng.IntN(3000)), -2))
			out = append(out, fmt.Sprintf("%d capture: %s %d %s", i, diffErr(err), got.Seq, got.ID))
		case len(holds) > 0:
			err := l.Release(ctx, holds[rng.IntN(len(holds))])
			out = append(out, fmt.Sprintf("%d release: %s", i, diffErr(err)))
		}
	}
	require.NoError(t, l.Verify(ctx))
	var journal bytes.Buffer
	require.NoError(t, ledger.WriteJournal(ctx, &journal, l))
	out = append(out, strings.Split(journal.String(), "\n")...)
	for _, id := range accounts {
		cursor := ""
		for page := 0; ; page++ {
			p, err := l.Statement(ctx, id, ledger.StatementQuery{Cursor: cursor, Limit: 7})
			require.NoError(t, err)
			for _, line := range p.Lines {
				out = append(out, fmt.Sprintf("statement %s %d: %+v", id, page, line))
			}
			if p.NextCursor == "" {
				break
			}
			cursor = p.NextCursor
		}
		acc, err := l.Account(ctx, id)
		out = append(out, fmt.Sprintf("account %s: %s %+v", id, diffErr(err), acc))
		for _, back := range []time.Duration{0, time.Hour, 7 * time.Hour, 30 * time.Hour, 100 * time.Hour} {
			v, err := l.BalanceAt(ctx, id, clock.Now().Add(-back))
			out = append(out, fmt.Sprintf("balance %s at -%s: %s %s", id, back, diffErr(err), v))
		}
	}
	bs, err := l.Balances(ctx, accounts)
	require.NoError(t, err)
	out = append(out, fmt.Sprintf("balances: %+v", bs))
	for after := uint64(0); ; {
		p, err := l.Scan(ctx, ledger.ScanQuery{AfterSeq: after, Limit: 9})
		require.NoError(t, err)
		for _, tx := range p.Transactions {
			out = append(out, fmt.Sprintf("scan: %+v", tx))
		}
		if p.Done {
			break
		}
		after = p.Next.AfterSeq
	}
	for _, h := range holds {
		got, err := l.GetHold(ctx, h)
		out = append(out, fmt.Sprintf("hold %s: %s %+v", h, diffErr(err), got))
	}
	for k := range 300 {
		got, err := l.HoldByKey(ctx, fmt.Sprintf("h%d", k))
		out = append(out, fmt.Sprintf("hold key h%d: %s %+v", k, diffErr(err), got))
	}
	return out
}

// TestSQLStoresMatchMemstore_h79: the same seeded workload on memstore, SQLite and
// PostgreSQL gives the same outcomes, the same journal (WriteJournal), the same statements,
// scans, balances (now and as of past times), accounts and holds.
func TestSQLStoresMatchMemstore_h79(t *testing.T) {
	for _, seed := range diffSeeds {
		want := diffWorkload(t, memstore.New(), seed)
		stores := map[string]func(testing.TB) ledger.Store{
			"sqlite":   func(tb testing.TB) ledger.Store { s, _ := openSQLite(tb); return s },
			"postgres": func(tb testing.TB) ledger.Store { s, _ := openPostgres(tb); return s },
		}
		for name, open := range stores {
			t.Run(fmt.Sprintf("%s/seed=%d", name, seed), func(t *testing.T) {
				got := diffWorkload(t, open(t), seed)
				for i := range min(len(got), len(want)) {
					require.Equal(t, want[i], got[i], "line %d", i)
				}
				require.Equal(t, len(want), len(got))
			})
		}
	}
}

var (
	diffSeeds = []uint64{1, 2, 3}
	diffOps   = 300
)
