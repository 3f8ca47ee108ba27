package ledger

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
)

// journalPage is how many transactions WriteJournal reads per store view.
const journalPage = 4096

// WriteJournal writes every transaction of l, in commit order, as a plain-text journal that
// hledger and ledger-cli read, so that anyone can check the balances with a tool that shares
// no code with this one: `hledger -f FILE balance`. Each transaction is dated by its effective
// day (UTC) and carries its sequence number as the code, its memo as the description (on one
// line, a ';' written as '；', see journalDescription) and its id as a tag.
//
// The journal is the ledger as of WriteJournal's start: the assets and the head read then, and
// the transactions up to that head. WriteJournal does not hold the store while it writes to w:
// it reads a page of transactions per store view and writes the page once the view has ended,
// so a slow w does not hold up Posts (on memstore a view blocks writers), and a Post committed
// meanwhile is not in the journal. It stops at the first error of w.
//
// Errors: ErrCorrupt (the store's transactions end before its head), ErrClosed, ctx.Err(),
// and any error of w.
func WriteJournal(ctx context.Context, w io.Writer, l *Ledger) error {
	if err := writeJournal(ctx, w, l.store); err != nil {
		return fmt.Errorf("write journal: %w", err)
	}
	return nil
}

func writeJournal(ctx context.Context, w io.Writer, store Store) error {
	// The head and the assets in one view: every asset a transaction up to the head names
	// was created (assets are never changed or removed) before that transaction committed.
	// The journal declares no accounts, so nothing else has to be read up front.
	var (
		head   Head
		assets []Asset
	)
	if err := store.View(ctx, func(r StoreReader) error {
		var err error
		if head, err = r.Head(ctx); err != nil {
			return err
		}
		assets, err = r.Assets(ctx)
		return err
	}); err != nil {
		return err
	}
	jw := journalWriter{w: bufio.NewWriter(w)}
	scale := make(map[string]int32, len(assets))
	jw.printf("; tongxin ledger journal: hledger -f FILE balance\n")
	for _, a := range assets {
		scale[a.Code] = a.Scale
		jw.printf("commodity %s\n", journalCommodity(a))
	}
	jw.printf("\n")
	var page []TxRecord
	for after := uint64(0); after < head.Seq && jw.err == nil; {
		if err := ctx.Err(); err != nil {
			return err
		}
		limit := int(min(journalPage, head.Seq-after))
		if err := store.View(ctx, func(r StoreReader) error {
			var err error
			page, err = r.Transactions(ctx, after, limit)
			return err
		}); err != nil {
			return err
		}
		if len(page) == 0 {
			return fmt.Errorf("transactions end at seq %d, the head is seq %d: %w", after, head.Seq, ErrCorrupt)
		}
		for i := range page {
			rec := &page[i]
			if rec.Seq > head.Seq { // only a store with gaps in its sequence gets here
				after = head.Seq
				break
			}
			jw.transaction(rec, scale)
			after = rec.Seq
		}
	}
	if jw.err != nil {
		return jw.err
	}
	return jw.w.Flush()
}

// journalWriter writes a journal and keeps the first error of the underlying writer, after
// which it writes nothing more.
type journalWriter struct {
	w   *bufio.Writer
	err error
}

func (jw *journalWriter) printf(format string, args ...any) {
	if jw.err == nil {
		_, jw.err = fmt.Fprintf(jw.w, format, args...)
	}
}

func (jw *journalWriter) transaction(rec *TxRecord, scale map[string]int32) {
	desc := journalDescription(rec.Memo)
	jw.printf("%s (%d) %s  ; id:%s", rec.EffectiveAt.UTC().Format("2006-01-02"), rec.Seq, desc, rec.ID)
	if rec.Reverses != [16]byte{} {
		jw.printf(", reverses:%s", rec.Reverses)
	}
	jw.printf("\n")
	for _, p := range rec.Postings {
		a := Asset{Code: p.Asset, Scale: scale[p.Asset]}
		jw.printf("    %s  %s\n", p.To, journalAmount(p.Amount, a))
		jw.printf("    %s  %s\n", p.From, journalAmount(-p.Amount, a))
	}
	jw.printf("\n")
}

// journalDescription is a memo as a transaction's description: on one line, and without ';',
// at which hledger and ledger-cli end the description and begin a comment whose tags they
// read, so a memo "refund; reverses:…" would give the transaction tags it does not have. A
// ';' is written as the fullwidth '；' (U+FF1B), which reads the same and starts nothing.
func journalDescription(memo string) string {
	return strings.ReplaceAll(strings.Join(strings.Fields(memo), " "), ";", "；")
}

// journalCommodity is an asset's commodity directive amount. hledger refuses a directive
// without a decimal mark, so scale 0 is written "0. PTS" (no decimals).
func journalCommodity(a Asset) string {
	s := journalAmount(0, a)
	if a.Scale == 0 {
		num, sym, _ := strings.Cut(s, " ")
		s = num + ". " + sym
	}
	return s
}

// journalAmount formats minor units as "12.50 PTS"; commodity symbols other than plain
// letters are quoted, as hledger requires.
func journalAmount(minor int64, a Asset) string {
	num := FromMinor(minor, a.Scale).StringFixed(a.Scale)
	sym := a.Code
	if slices.ContainsFunc([]byte(sym), func(c byte) bool { return c < 'A' || c > 'Z' }) {
		sym = `"` + sym + `"`
	}
	return num + " " + sym
}
