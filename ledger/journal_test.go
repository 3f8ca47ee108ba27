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

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/memstore"
)

// journalFixture posts a mixed history: two assets, multi-posting transactions, a reversal,
// a captured hold, back-dated entries.
func journalFixture(t *testing.T) (*ledger.Ledger, []ledger.AccountID) {
	t.Helper()
	ctx := context.Background()
	l, err := ledger.New(ctx, memstore.New())
	require.NoError(t, err)
	require.NoError(t, l.CreateAsset(ctx, ledger.Asset{Code: "PTS", Scale: 2}))
	require.NoError(t, l.CreateAsset(ctx, ledger.Asset{Code: "HOUR", Scale: 1}))
	ids := []ledger.AccountID{"community:c01:issuer", "timebank:c01:pool"}
	require.NoError(t, l.OpenAccount(ctx, ledger.Account{ID: ids[0], Asset: "PTS", Unbounded: true}))
	require.NoError(t, l.OpenAccount(ctx, ledger.Account{ID: ids[1], Asset: "HOUR", Unbounded: true}))
	for i := 0; i < 6; i++ {
		p := ledger.AccountID(fmt.Sprintf("vol:v%d:pts", i))
		h := ledger.AccountID(fmt.Sprintf("vol:v%d:hour", i))
		require.NoError(t, l.OpenAccount(ctx, ledger.Account{ID: p, Asset: "PTS"}))
		require.NoError(t, l.OpenAccount(ctx, ledger.Account{ID: h, Asset: "HOUR"}))
		ids = append(ids, p, h)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var first ledger.Transaction
	for i := 0; i < 200; i++ {
		v := rng.IntN(6)
		tx := ledger.Transaction{
			Memo: fmt.Sprintf("award %d  with\ttabs\nand newline", i),
			Postings: []ledger.Posting{
				{From: ids[0], To: ids[2+2*v], Amount: decimal.New(int64(1+rng.IntN(5000)), -2), Asset: "PTS"},
				{From: ids[1], To: ids[3+2*v], Amount: decimal.New(int64(1+rng.IntN(40)), -1), Asset: "HOUR"},
			},
		}
		out, err := l.Post(ctx, tx)
		require.NoError(t, err)
		if i == 0 {
			first = out
		}
		// Volunteers spend some points on each other.
		w := rng.IntN(6)
		if w != v {
			_, _ = l.Post(ctx, ledger.Transaction{Postings: []ledger.Posting{{From: ids[2+2*v], To: ids[2+2*w], Amount: decimal.New(int64(1+rng.IntN(500)), -2), Asset: "PTS"}}})
		}
	}
	_, err = l.Reverse(ctx, first.ID, "")
	if err != nil {
		require.ErrorIs(t, err, ledger.ErrInsufficientBalance)
	}
	h, err := l.Hold(ctx, ledger.Posting{From: ids[2], To: ids[4], Amount: decimal.NewFromInt(1), Asset: "PTS"}, ledger.HoldOptions{})
	require.NoError(t, err)
	_, err = l.Capture(ctx, h.ID, decimal.RequireFromString("0.5"))
	require.NoError(t, err)
	return l, ids
}

func TestWriteJournalFormat(t *testing.T) {
	l, _ := journalFixture(t)
	var buf bytes.Buffer
	require.NoError(t, ledger.WriteJournal(context.Background(), &buf, l))
	text := buf.String()
	assert.Contains(t, text, "commodity 0.00 PTS")
	assert.Contains(t, text, "commodity 0.0 HOUR")
	assert.NotContains(t, text, "\t", "memos are flattened to one line")
	assert.Contains(t, text, "award 0 with tabs and newline")
	assert.Equal(t, 0, strings.Count(text, "\n\n\n"))
}

// TestJournalMatchesHledger checks every balance with hledger, an independent implementation.
func TestJournalMatchesHledger(t *testing.T) {
	bin, err := exec.LookPath("hledger")
	if err != nil {
		t.Skip("hledger not installed (Debian package hledger); .ci/run installs it")
	}
	l, ids := journalFixture(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ledger.journal")
	f, err := os.Create(path)
	require.NoError(t, err)
	require.NoError(t, ledger.WriteJournal(ctx, f, l))
	require.NoError(t, f.Close())

	out, err := exec.Command(bin, "-f", path, "balance", "--flat", "--empty", "--no-total", "-O", "csv").CombinedOutput()
	require.NoError(t, err, "%s", out)
	rows, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	require.NoError(t, err)
	got := map[ledger.AccountID]decimal.Decimal{}
	for _, row := range rows[1:] { // header: "account","balance"
		require.Len(t, row, 2)
		amount, _, _ := strings.Cut(row[1], " ")
		got[ledger.AccountID(row[0])] = decimal.RequireFromString(amount)
	}
	require.Len(t, got, len(ids), "hledger reported another set of accounts: %v", got)
	for _, id := range ids {
		want, err := l.Balance(ctx, id)
		require.NoError(t, err)
		assert.True(t, want.Equal(got[id]), "%s: ledger %s, hledger %s", id, want, got[id])
	}
	require.NoError(t, l.Verify(ctx))
}

// TestJournalScaleZeroHledger: an asset of whole units (scale 0) needs a decimal mark in its
// commodity directive, or hledger refuses the whole journal.
func TestJournalScaleZeroHledger(t *testing.T) {
	ctx := context.Background()
	l, err := ledger.New(ctx, memstore.New())
	require.NoError(t, err)
	require.NoError(t, l.CreateAsset(ctx, ledger.Asset{Code: "PTS", Scale: 0}))
	require.NoError(t, l.CreateAsset(ctx, ledger.Asset{Code: "HOUR", Scale: 3}))
	for _, a := range []ledger.Account{
		{ID: "issuer:pts", Asset: "PTS", Unbounded: true}, {ID: "vol:pts", Asset: "PTS"},
		{ID: "issuer:hour", Asset: "HOUR", Unbounded: true}, {ID: "vol:hour", Asset: "HOUR"},
	} {
		require.NoError(t, l.OpenAccount(ctx, a))
	}
	for _, p := range []ledger.Posting{
		{From: "issuer:pts", To: "vol:pts", Amount: decimal.NewFromInt(1000), Asset: "PTS"},
		{From: "issuer:hour", To: "vol:hour", Amount: decimal.RequireFromString("1.000"), Asset: "HOUR"},
		{From: "issuer:hour", To: "vol:hour", Amount: decimal.RequireFromString("1000.5"), Asset: "HOUR"},
	} {
		_, err := l.Post(ctx, ledger.Transaction{Postings: []ledger.Posting{p}})
		require.NoError(t, err)
	}
	var buf bytes.Buffer
	require.NoError(t, ledger.WriteJournal(ctx, &buf, l))
	assert.Contains(t, buf.String(), "commodity 0. PTS\n")
	assert.Contains(t, buf.String(), "commodity 0.000 HOUR\n")

	bin, err := exec.LookPath("hledger")
	if err != nil {
		t.Skip("hledger not installed (Debian package hledger); .ci/run installs it")
	}
	path := filepath.Join(t.TempDir(), "ledger.journal")
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o600))
	out, err := exec.Command(bin, "-f", path, "balance", "--flat", "--no-total", "-O", "csv").CombinedOutput()
	require.NoError(t, err, "%s", out)
	rows, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	require.NoError(t, err)
	got := map[string]string{}
	for _, row := range rows[1:] {
		got[row[0]] = row[1]
	}
	assert.Equal(t, map[string]string{
		"issuer:pts": "-1000 PTS", "vol:pts": "1000 PTS",
		"issuer:hour": "-1001.500 HOUR", "vol:hour": "1001.500 HOUR",
	}, got)
}

// TestJournalMemoSemicolon: hledger ends a transaction's description at the first ';' and
// reads the rest as a comment, so a memo "refund; reverses:…" would give the transaction
// tags it does not have and hide its id tag in another tag's value.
func TestJournalMemoSemicolon(t *testing.T) {
	ctx := context.Background()
	l, err := ledger.New(ctx, memstore.New())
	require.NoError(t, err)
	require.NoError(t, l.CreateAsset(ctx, ledger.Asset{Code: "PTS", Scale: 2}))
	require.NoError(t, l.OpenAccount(ctx, ledger.Account{ID: "issuer", Asset: "PTS", Unbounded: true}))
	require.NoError(t, l.OpenAccount(ctx, ledger.Account{ID: "vol", Asset: "PTS"}))
	memo := "refund; evil:1, reverses:00000000-0000-0000-0000-000000000001"
	tx, err := l.Post(ctx, ledger.Transaction{Memo: memo, Postings: []ledger.Posting{
		{From: "issuer", To: "vol", Amount: decimal.NewFromInt(1), Asset: "PTS"},
	}})
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, ledger.WriteJournal(ctx, &buf, l))
	var header string
	for _, line := range strings.Split(buf.String(), "\n") {
		if strings.Contains(line, tx.ID.String()) {
			header = line
		}
	}
	require.NotEmpty(t, header)
	desc, comment, _ := strings.Cut(header, ";")
	assert.Contains(t, desc, "refund", "the memo stays in the description")
	assert.Equal(t, " id:"+tx.ID.String(), comment, "the comment holds the ledger's tags alone")

	bin, err := exec.LookPath("hledger")
	if err != nil {
		t.Skip("hledger not installed (Debian package hledger); .ci/run installs it")
	}
	path := filepath.Join(t.TempDir(), "ledger.journal")
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o600))
	out, err := exec.Command(bin, "-f", path, "tags").CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Equal(t, "id\n", string(out), "hledger reads the ledger's tags only")
	out, err = exec.Command(bin, "-f", path, "register", "-O", "csv", "tag:id="+tx.ID.String()).CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Equal(t, 3, strings.Count(string(out), "\n"), "the id tag finds the transaction's two postings: %s", out)
}
