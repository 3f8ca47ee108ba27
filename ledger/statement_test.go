package ledger_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/memstore"
)

// statementLedger has account a with five transactions: +10, +2, -3, +1, +4 (balance 14).
func statementLedger(t *testing.T, store ledger.Store) (*ledger.Ledger, context.Context) {
	t.Helper()
	l, ctx := newPTSLedgerOn(t, store, "issuer", "a")
	for _, p := range []ledger.Posting{
		{From: "issuer", To: "a", Amount: decimal.New(10, 0)}, {From: "issuer", To: "a", Amount: decimal.New(2, 0)},
		{From: "a", To: "issuer", Amount: decimal.New(3, 0)}, {From: "issuer", To: "a", Amount: decimal.New(1, 0)},
		{From: "issuer", To: "a", Amount: decimal.New(4, 0)},
	} {
		p.Asset = "PTS"
		_, err := l.Post(ctx, ledger.Transaction{Postings: []ledger.Posting{p}})
		require.NoError(t, err)
	}
	return l, ctx
}

// TestStatementCursorTampering: a cursor edited so that its check still matches (anyone can
// compute it) but its running balance is not the ledger's is refused on the last page, where
// the running balance must end at the account's balance. Pages before the last cannot tell.
func TestStatementCursorTampering(t *testing.T) {
	l, ctx := statementLedger(t, memstore.New())
	first, err := l.Statement(ctx, "a", ledger.StatementQuery{Limit: 2})
	require.NoError(t, err)
	require.Equal(t, "12", first.Lines[1].Balance.String())
	forge := func(seq uint64, minor int64) string {
		c := fmt.Sprintf("s%db%d", seq, minor)
		return c + "k" + ledger.CursorCheck("a", c)
	}
	honest := forge(first.Lines[1].Seq, 1200)
	require.Equal(t, first.NextCursor, honest, "the format the test forges is the ledger's")

	for _, limit := range []int{3, 10} { // the rest in one page, or in a bigger one
		rest, err := l.Statement(ctx, "a", ledger.StatementQuery{Cursor: honest, Limit: limit})
		require.NoError(t, err)
		assert.Equal(t, "14", rest.Lines[len(rest.Lines)-1].Balance.String())

		_, err = l.Statement(ctx, "a", ledger.StatementQuery{Cursor: forge(first.Lines[1].Seq, 1200+50_000), Limit: limit})
		require.ErrorIs(t, err, ledger.ErrInvalid, "limit %d", limit)
	}
	// With pages left after it, a forged page is served; the last page refuses.
	mid, err := l.Statement(ctx, "a", ledger.StatementQuery{Cursor: forge(first.Lines[1].Seq, 99), Limit: 1})
	require.NoError(t, err)
	assert.Equal(t, "-2.01", mid.Lines[0].Balance.String())
	page := mid
	for page.NextCursor != "" {
		page, err = l.Statement(ctx, "a", ledger.StatementQuery{Cursor: page.NextCursor, Limit: 1})
		if err != nil {
			break
		}
	}
	require.ErrorIs(t, err, ledger.ErrInvalid)
}

// TestStatementDetectsCorruption: with no cursor, a last page whose postings do not add up to
// the account's balance is a store that changed behind the ledger's back.
func TestStatementDetectsCorruption(t *testing.T) {
	store := &tamperStore{Store: memstore.New(), tamper: func(r *tamperReader) {}}
	l, ctx := statementLedger(t, store)
	_, err := l.Statement(ctx, "a", ledger.StatementQuery{})
	require.NoError(t, err)
	store.tamper = func(r *tamperReader) {
		r.editAccount = func(a *ledger.AccountState) { a.Balance += 100 }
	}
	_, err = l.Statement(ctx, "a", ledger.StatementQuery{})
	require.ErrorIs(t, err, ledger.ErrCorrupt)
}
