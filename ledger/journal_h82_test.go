package ledger_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/memstore"
)

// h82Segment is an account id segment as hostile as the id rules allow: only punctuation,
// digits that read as numbers, the longest segment, mixed case.
func h82Segment(rng *rand.Rand) string {
	fixed := []string{"-", ".", "..", "_", "-1", "1.5", "0", "e5", "1e3", "A", "a", "--x", "x-", "x.", ".x",
		strings.Repeat("z", ledger.AccountIDSegmentBytesMax), strings.Repeat("-", ledger.AccountIDSegmentBytesMax),
		strings.Repeat("9", ledger.AccountIDSegmentBytesMax)}
	if rng.IntN(3) > 0 {
		return fixed[rng.IntN(len(fixed))]
	}
	const alphabet = "abcXYZ019_.-"
	b := make([]byte, 1+rng.IntN(8))
	for i := range b {
		b[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return string(b)
}

func h82AccountID(rng *rand.Rand) ledger.AccountID {
	n := 1 + rng.IntN(ledger.AccountIDSegmentsMax)
	if rng.IntN(4) == 0 {
		n = ledger.AccountIDSegmentsMax
	}
	segs := make([]string, n)
	for i := range segs {
		segs[i] = h82Segment(rng)
	}
	return ledger.AccountID(strings.Join(segs, ":"))
}

// h82Memo is a memo made of the characters a journal gives a meaning to.
func h82Memo(rng *rand.Rand) string { return h82Text(rng, ledger.MemoBytesMax) }

// h82Text is h82Memo's text cut to at most limit bytes (on a character boundary).
func h82Text(rng *rand.Rand, limit int) string {
	parts := []string{"  ", ";", "#", "(", ")", "[", "]", "=", "@", "*", "!", "\t", "\n", "\r", "|", "；",
		"网格员 积分", "\u3000", "\u00a0", "\u2028", "\u0085", "\ufeff", "\x01", "\x7f", " ; id:x", "tag:v, a:b",
		"; reverses:00000000-0000-0000-0000-000000000000", "2026-01-01", "(1)", "~ monthly", "*x", "!x", "{1}", "\"q\"", "\\", "'"}
	var b strings.Builder
	for n := rng.IntN(12); n > 0; n-- {
		b.WriteString(parts[rng.IntN(len(parts))])
	}
	if rng.IntN(10) == 0 {
		b.WriteString(strings.Repeat("长", max(0, limit-b.Len())/3))
	}
	r := []rune(b.String())
	for len(string(r)) > limit {
		r = r[:len(r)-1]
	}
	return string(r)
}

// TestJournalHostileHledgerH82: ledgers of hostile (but valid) account ids, asset codes of
// every shape, scales 0..AssetScaleMax, amounts up to AmountMinorMax, memos and metadata
// full of journal syntax, and effective times on both sides of midnight in UTC and in China
// time. hledger must read the journal back with every account as the ledger names it, every
// balance equal to the ledger's, every transaction once, and each UTC day's closing balance
// equal to BalanceAt just before the next UTC midnight.
func TestJournalHostileHledgerH82(t *testing.T) {
	bin, err := exec.LookPath("hledger")
	if err != nil {
		t.Skip("hledger not installed (Debian package hledger); .ci/run installs it")
	}
	for seed := uint64(1); seed <= 6; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { h82HostileRound(t, bin, seed) })
	}
}

func h82HostileRound(t *testing.T, bin string, seed uint64) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(seed, 82))
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	l, err := ledger.New(ctx, memstore.New(), ledger.WithClock(func() time.Time { return now }))
	require.NoError(t, err)
	codes := []string{"A", "E", "PTS", "A_1", "X0", "Z_", "ABCDEFGHIJKLMNOP", "H" + strings.Repeat("9", 15)}
	var accounts []h82Acct
	byAsset := map[string][]int{}
	seen := map[ledger.AccountID]bool{}
	for i, code := range codes {
		a := ledger.Asset{Code: code, Scale: int32(rng.IntN(ledger.AssetScaleMax + 1))}
		switch i {
		case 0:
			a.Scale = ledger.AssetScaleMax
		case 1:
			a.Scale = 0
		}
		require.NoError(t, l.CreateAsset(ctx, a))
		for k := 0; k < 4; k++ {
			id := h82AccountID(rng)
			if k == 0 && i == 0 {
				id = "-" // a one-byte id that reads as a sign
			}
			if seen[id] {
				continue
			}
			seen[id] = true
			md := map[string]string{}
			for j := rng.IntN(4); j > 0; j-- {
				md[h82Text(rng, ledger.MetadataKeyBytesMax-1)+fmt.Sprint(j)] = h82Text(rng, ledger.MetadataValueBytesMax)
			}
			require.NoError(t, l.OpenAccount(ctx, ledger.Account{ID: id, Asset: code, Unbounded: k < 2, Metadata: md}))
			byAsset[code] = append(byAsset[code], len(accounts))
			accounts = append(accounts, h82Acct{id, a})
		}
	}
	china := time.FixedZone("CST", 8*3600)
	var days []time.Time // UTC midnights to check BalanceAt against hledger's --end
	var posted []ledger.Transaction
	for i := 0; i < 120; i++ {
		code := codes[rng.IntN(len(codes))]
		idx := byAsset[code]
		if len(idx) < 2 {
			continue
		}
		from, to := accounts[idx[rng.IntN(2)]], accounts[idx[rng.IntN(len(idx))]]
		if from.id == to.id {
			continue
		}
		var minor int64
		switch rng.IntN(4) {
		case 0:
			minor = ledger.AmountMinorMax / 8
		case 1:
			minor = 1
		default:
			minor = 1 + rng.Int64N(1_000_000_000)
		}
		day := time.Date(2026, time.Month(1+rng.IntN(10)), 1+rng.IntN(28), 0, 0, 0, 0, china)
		var eff time.Time
		switch rng.IntN(5) {
		case 0: // just before midnight in China: the day before in China, the same day in UTC
			eff = day.Add(-time.Microsecond)
		case 1: // midnight in China: 16:00 UTC the day before
			eff = day
		case 2: // just before UTC midnight
			eff = day.Add(8*time.Hour - time.Microsecond)
		case 3: // UTC midnight
			eff = day.Add(8 * time.Hour)
		}
		if !eff.IsZero() {
			u := eff.UTC()
			days = append(days, time.Date(u.Year(), u.Month(), u.Day()+1, 0, 0, 0, 0, time.UTC))
		}
		md := map[string]string{}
		for j := rng.IntN(3); j > 0; j-- {
			md["k"+h82Text(rng, ledger.MetadataKeyBytesMax-2)+fmt.Sprint(j)] = h82Text(rng, ledger.MetadataValueBytesMax)
		}
		tx, err := l.Post(ctx, ledger.Transaction{
			Memo: h82Memo(rng), EffectiveAt: eff, Metadata: md,
			Postings: []ledger.Posting{{From: from.id, To: to.id, Amount: ledger.FromMinor(minor, from.asset.Scale), Asset: code}},
		})
		if err != nil {
			require.ErrorIs(t, err, ledger.ErrInsufficientBalance)
			continue
		}
		posted = append(posted, tx)
		if rng.IntN(8) == 0 {
			if _, err := l.Reverse(ctx, tx.ID, ""); err != nil {
				require.ErrorIs(t, err, ledger.ErrInsufficientBalance)
			}
		}
	}
	require.NotEmpty(t, posted)

	path := filepath.Join(t.TempDir(), "hostile.journal")
	f, err := os.Create(path)
	require.NoError(t, err)
	require.NoError(t, ledger.WriteJournal(ctx, f, l))
	require.NoError(t, f.Close())

	got := hledgerBalances(t, bin, path)
	for _, a := range accounts {
		want, err := l.Balance(ctx, a.id)
		require.NoError(t, err)
		if want.IsZero() {
			if _, ok := got[a.id]; !ok {
				continue // hledger lists an account only once a posting names it
			}
		}
		g, ok := got[a.id]
		require.True(t, ok, "hledger has no account %q; it has %v", a.id, got)
		assert.True(t, want.Equal(g), "%q: ledger %s, hledger %s", a.id, want, g)
		delete(got, a.id)
	}
	assert.Empty(t, got, "hledger names accounts the ledger has not")

	// Every transaction once, by its code, with its id tag.
	head, err := l.Head(ctx)
	require.NoError(t, err)
	out, err := exec.Command(bin, "-f", path, "print", "-O", "csv").CombinedOutput()
	require.NoError(t, err, "%s", out)
	rows, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	require.NoError(t, err)
	seqs := map[string]bool{}
	for _, row := range rows[1:] {
		// "txnidx","date","date2","status","code","description","comment",...
		date, code, desc, comment := row[1], row[4], row[5], row[6]
		seqs[code] = true
		idText, reverses, _ := strings.Cut(strings.TrimPrefix(comment, "id:"), ", reverses:")
		id, err := uuid.Parse(idText)
		require.NoError(t, err, "comment %q", comment)
		tx, err := l.Transaction(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, fmt.Sprint(tx.Seq), code)
		assert.Equal(t, tx.EffectiveAt.UTC().Format("2006-01-02"), date)
		wantDesc := strings.ReplaceAll(strings.Join(strings.Fields(tx.Memo), " "), ";", "；")
		assert.Equal(t, wantDesc, desc, "memo %q", tx.Memo)
		if tx.Reverses != (uuid.UUID{}) {
			assert.Equal(t, tx.Reverses.String(), reverses)
		} else {
			assert.Empty(t, reverses)
		}
	}
	assert.Len(t, seqs, int(head.Seq), "hledger reads every transaction once")

	if cli, err := exec.LookPath("ledger"); err == nil {
		h82LedgerCLI(t, l, cli, path, accounts2ids(accounts))
	}

	// Each day's closing balances: hledger's --end is exclusive, BalanceAt inclusive.
	for _, d := range days[:min(len(days), 4)] {
		out, err := exec.Command(bin, "-f", path, "balance", "--flat", "--empty", "--no-total", "-O", "csv",
			"-e", d.Format("2006-01-02")).CombinedOutput()
		require.NoError(t, err, "%s", out)
		rows, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
		require.NoError(t, err)
		at := map[ledger.AccountID]decimal.Decimal{}
		for _, row := range rows[1:] {
			amount, _, _ := strings.Cut(row[1], " ")
			at[ledger.AccountID(row[0])] = decimal.RequireFromString(amount)
		}
		for _, a := range accounts {
			want, err := l.BalanceAt(ctx, a.id, d.Add(-time.Microsecond))
			require.NoError(t, err)
			assert.True(t, want.Equal(at[a.id]), "%q before %s: ledger %s, hledger %s", a.id, d, want, at[a.id])
		}
	}
}

type h82Acct struct {
	id    ledger.AccountID
	asset ledger.Asset
}

func accounts2ids(as []h82Acct) []ledger.AccountID {
	ids := make([]ledger.AccountID, len(as))
	for i, a := range as {
		ids[i] = a.id
	}
	return ids
}

// h82LedgerCLI reads the journal at path with ledger-cli (Debian package ledger), which the
// WriteJournal doc names too: every posting's account and amount, summed per account, must
// be the ledger's balances.
func h82LedgerCLI(t *testing.T, l *ledger.Ledger, bin, path string, ids []ledger.AccountID) {
	t.Helper()
	ctx := context.Background()
	// Its csv escapes quotes its own way: one posting a line, account and quantity by a tab.
	out, err := exec.Command(bin, "-f", path, "register", "--format", "%(account)\t%(quantity(amount))\n").CombinedOutput()
	require.NoError(t, err, "%s", out)
	sums := map[ledger.AccountID]decimal.Decimal{}
	for _, line := range strings.Split(strings.TrimSuffix(string(out), "\n"), "\n") {
		account, amount, ok := strings.Cut(line, "\t")
		require.True(t, ok, "ledger-cli line %q", line)
		sums[ledger.AccountID(account)] = sums[ledger.AccountID(account)].Add(decimal.RequireFromString(amount))
	}
	for _, id := range ids {
		want, err := l.Balance(ctx, id)
		require.NoError(t, err)
		assert.True(t, want.Equal(sums[id]), "ledger-cli: %q: ledger %s, ledger-cli %s", id, want, sums[id])
		delete(sums, id)
	}
	assert.Empty(t, sums, "ledger-cli names accounts the ledger has not")
}
