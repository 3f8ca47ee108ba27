package ledger_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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

	got := hledgerBalances(t, bin, path)
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

// journalWaitMax is how long the journal tests wait for something that should happen at once
// before they fail instead of hanging.
const journalWaitMax = 5 * time.Second

// blockingWriter blocks its first Write until release is closed, and reports on entered
// that it is blocked. It keeps what it is given.
type blockingWriter struct {
	entered     chan struct{}
	release     chan struct{}
	enteredOnce sync.Once
	releaseOnce sync.Once
	buf         bytes.Buffer
}

func newBlockingWriter(t *testing.T) *blockingWriter {
	t.Helper()
	w := &blockingWriter{entered: make(chan struct{}), release: make(chan struct{})}
	t.Cleanup(w.unblock) // a failing test does not leave WriteJournal blocked
	return w
}

func (w *blockingWriter) Write(p []byte) (int, error) {
	w.enteredOnce.Do(func() { close(w.entered) })
	<-w.release
	return w.buf.Write(p)
}

func (w *blockingWriter) unblock() { w.releaseOnce.Do(func() { close(w.release) }) }

// startBlockedJournal starts WriteJournal into a blockingWriter and waits until it is blocked
// in its first Write. The journal's result arrives on the returned channel.
func startBlockedJournal(t *testing.T, l *ledger.Ledger) (*blockingWriter, <-chan error) {
	t.Helper()
	w := newBlockingWriter(t)
	done := make(chan error, 1)
	go func() { done <- ledger.WriteJournal(context.Background(), w, l) }()
	select {
	case <-w.entered:
	case err := <-done:
		t.Fatalf("WriteJournal returned %v before writing to its writer", err)
	case <-time.After(journalWaitMax):
		t.Fatal("WriteJournal did not write within", journalWaitMax)
	}
	return w, done
}

// finishJournal lets a blocked journal run to its end and returns it.
func finishJournal(t *testing.T, w *blockingWriter, done <-chan error) string {
	t.Helper()
	w.unblock()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(journalWaitMax):
		t.Fatal("WriteJournal did not finish within", journalWaitMax)
	}
	return w.buf.String()
}

// TestWriteJournalSlowWriterDoesNotBlockPosts: a writer that does not return (an HTTP
// response to a client that stopped reading) must not hold the store, or every Post of the
// platform waits for it.
func TestWriteJournalSlowWriterDoesNotBlockPosts(t *testing.T) {
	l, ids := journalFixture(t)
	w, done := startBlockedJournal(t, l)

	posted := make(chan error, 1)
	go func() {
		_, err := l.Post(context.Background(), ledger.Transaction{Postings: []ledger.Posting{
			{From: ids[0], To: ids[2], Amount: decimal.NewFromInt(1), Asset: "PTS"},
		}})
		posted <- err
	}()
	select {
	case err := <-posted:
		require.NoError(t, err)
	case <-time.After(journalWaitMax):
		t.Fatal("Post waited for the journal's writer")
	}
	finishJournal(t, w, done)
}

// TestWriteJournalDuringPosts: the journal is the ledger as of WriteJournal's start. What is
// created and posted while it writes (a new asset, new accounts, transactions in old and new
// accounts) is not in it, and it still balances to the balances at its start.
func TestWriteJournalDuringPosts(t *testing.T) {
	ctx := context.Background()
	l, ids := journalFixture(t)
	head, err := l.Head(ctx)
	require.NoError(t, err)
	want := map[ledger.AccountID]decimal.Decimal{}
	for _, id := range ids {
		want[id], err = l.Balance(ctx, id)
		require.NoError(t, err)
	}

	w, done := startBlockedJournal(t, l)
	type result struct {
		txs []ledger.Transaction
		err error
	}
	posted := make(chan result, 1)
	go func() { // not on the test's goroutine: a failure to fix must fail, not hang
		txs, err := postDuringJournal(ctx, l, ids)
		posted <- result{txs, err}
	}()
	var during []ledger.Transaction
	select {
	case r := <-posted:
		require.NoError(t, r.err)
		during = r.txs
	case <-time.After(journalWaitMax):
		t.Fatal("Posts waited for the journal's writer")
	}
	text := finishJournal(t, w, done)

	for _, tx := range during {
		assert.NotContains(t, text, tx.ID.String(), "a transaction posted during the export")
	}
	assert.NotContains(t, text, "MEAL", "an asset created during the export")
	assert.NotContains(t, text, "vol:late", "accounts opened during the export")
	assert.NotContains(t, text, "during the export")
	assert.Equal(t, head.Seq, journalSeqLast(t, text), "the journal ends at the head as of its start")
	sums := journalBalances(t, text)
	assert.Len(t, sums, len(want), "the journal names other accounts: %v", sums)
	for id, b := range want {
		assert.True(t, b.Equal(sums[id]), "%s: ledger at the start %s, journal %s", id, b, sums[id])
	}

	bin, err := exec.LookPath("hledger")
	if err != nil {
		t.Skip("hledger not installed (Debian package hledger); .ci/run installs it")
	}
	path := filepath.Join(t.TempDir(), "ledger.journal")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
	out, err := exec.Command(bin, "-f", path, "check").CombinedOutput()
	require.NoError(t, err, "%s", out)
	got := hledgerBalances(t, bin, path)
	require.Len(t, got, len(want), "hledger reported another set of accounts: %v", got)
	for id, b := range want {
		assert.True(t, b.Equal(got[id]), "%s: ledger at the start %s, hledger %s", id, b, got[id])
	}
}

// postDuringJournal creates an asset, opens accounts and posts to old and new accounts.
func postDuringJournal(ctx context.Context, l *ledger.Ledger, ids []ledger.AccountID) ([]ledger.Transaction, error) {
	if err := l.CreateAsset(ctx, ledger.Asset{Code: "MEAL", Scale: 0}); err != nil {
		return nil, err
	}
	for _, a := range []ledger.Account{
		{ID: "canteen:issuer", Asset: "MEAL", Unbounded: true},
		{ID: "vol:late:meal", Asset: "MEAL"},
		{ID: "vol:late:pts", Asset: "PTS"},
	} {
		if err := l.OpenAccount(ctx, a); err != nil {
			return nil, err
		}
	}
	var txs []ledger.Transaction
	for i := 0; i < 50; i++ {
		tx, err := l.Post(ctx, ledger.Transaction{Memo: "during the export", Postings: []ledger.Posting{
			{From: ids[0], To: ids[2+2*(i%6)], Amount: decimal.NewFromInt(3), Asset: "PTS"},
			{From: ids[0], To: "vol:late:pts", Amount: decimal.NewFromInt(2), Asset: "PTS"},
			{From: "canteen:issuer", To: "vol:late:meal", Amount: decimal.NewFromInt(1), Asset: "MEAL"},
		}})
		if err != nil {
			return nil, err
		}
		txs = append(txs, tx)
	}
	return txs, nil
}

var journalCodeRE = regexp.MustCompile(`(?m)^\d{4}-\d{2}-\d{2} \((\d+)\) `)

// journalSeqLast returns the last transaction code of a journal, checking that the codes run
// 1, 2, 3… without gaps.
func journalSeqLast(t *testing.T, text string) uint64 {
	t.Helper()
	var last uint64
	for _, m := range journalCodeRE.FindAllStringSubmatch(text, -1) {
		seq, err := strconv.ParseUint(m[1], 10, 64)
		require.NoError(t, err)
		require.Equal(t, last+1, seq, "transaction codes run without gaps")
		last = seq
	}
	return last
}

// journalBalances sums a journal's postings per account, with no help from hledger: every
// posting line is "    ACCOUNT  AMOUNT COMMODITY".
func journalBalances(t *testing.T, text string) map[ledger.AccountID]decimal.Decimal {
	t.Helper()
	sums := map[ledger.AccountID]decimal.Decimal{}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "    ")
		if !ok {
			continue
		}
		account, amount, ok := strings.Cut(line, "  ")
		require.True(t, ok, "posting line %q", line)
		number, _, ok := strings.Cut(amount, " ")
		require.True(t, ok, "posting line %q", line)
		sums[ledger.AccountID(account)] = sums[ledger.AccountID(account)].Add(decimal.RequireFromString(number))
	}
	require.NoError(t, sc.Err())
	return sums
}

// failingWriter fails every Write and counts them.
type failingWriter struct{ writes int }

var errWriterGone = errors.New("client went away")

func (w *failingWriter) Write([]byte) (int, error) {
	w.writes++
	return 0, errWriterGone
}

// transactionReadCounter is a Store that counts the Transactions reads made through it.
type transactionReadCounter struct {
	ledger.Store
	reads atomic.Int64
}

func (s *transactionReadCounter) View(ctx context.Context, fn func(r ledger.StoreReader) error) error {
	return s.Store.View(ctx, func(r ledger.StoreReader) error {
		return fn(countingReader{StoreReader: r, store: s})
	})
}

type countingReader struct {
	ledger.StoreReader
	store *transactionReadCounter
}

func (r countingReader) Transactions(ctx context.Context, afterSeq uint64, limit int) ([]ledger.TxRecord, error) {
	r.store.reads.Add(1)
	return r.StoreReader.Transactions(ctx, afterSeq, limit)
}

// TestWriteJournalStopsAtWriterError: once the writer fails, WriteJournal returns its error
// and reads no further page of a ledger of several.
func TestWriteJournalStopsAtWriterError(t *testing.T) {
	ctx := context.Background()
	store := &transactionReadCounter{Store: memstore.New()}
	l, err := ledger.New(ctx, store)
	require.NoError(t, err)
	require.NoError(t, l.CreateAsset(ctx, ledger.Asset{Code: "PTS", Scale: 2}))
	require.NoError(t, l.OpenAccount(ctx, ledger.Account{ID: "issuer", Asset: "PTS", Unbounded: true}))
	require.NoError(t, l.OpenAccount(ctx, ledger.Account{ID: "vol", Asset: "PTS"}))
	txs := make([]ledger.Transaction, 2*ledger.JournalPage+1) // three pages
	for i := range txs {
		txs[i] = ledger.Transaction{Postings: []ledger.Posting{{From: "issuer", To: "vol", Amount: decimal.NewFromInt(1), Asset: "PTS"}}}
	}
	results, err := l.PostBatch(ctx, txs)
	require.NoError(t, err)
	for _, r := range results {
		require.NoError(t, r.Err)
	}

	var w failingWriter
	store.reads.Store(0)
	err = ledger.WriteJournal(ctx, &w, l)
	require.ErrorIs(t, err, errWriterGone)
	assert.Equal(t, 1, w.writes, "nothing is written after the writer failed")
	assert.Equal(t, int64(1), store.reads.Load(), "no page is read after the writer failed")

	// The same ledger into a writer that works: every page.
	store.reads.Store(0)
	require.NoError(t, ledger.WriteJournal(ctx, io.Discard, l))
	assert.Equal(t, int64(3), store.reads.Load())
}

// hledgerBalances runs hledger's balance report on the journal at path: every account's
// balance, as hledger reads it.
func hledgerBalances(t *testing.T, bin, path string) map[ledger.AccountID]decimal.Decimal {
	t.Helper()
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
	return got
}
