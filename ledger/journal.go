package ledger

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
)

// journalPage is how many transactions WriteJournal reads per store call.
const journalPage = 4096

// WriteJournal writes every transaction of l, in commit order, as a plain-text journal that
// hledger and ledger-cli read, so that anyone can check the balances with a tool that shares
// no code with this one: `hledger -f FILE balance`. Each transaction is dated by its effective
// day (UTC) and carries its sequence number as the code, its memo as the description (on one
// line, a ';' written as '；', see journalDescription) and its id as a tag.
//
// Errors: ErrClosed, and any error of w.
func WriteJournal(ctx context.Context, w io.Writer, l *Ledger) error {
	bw := bufio.NewWriter(w)
	err := l.store.View(ctx, func(r StoreReader) error {
		assets, err := r.Assets(ctx)
		if err != nil {
			return err
		}
		scale := make(map[string]int32, len(assets))
		fmt.Fprintln(bw, "; tongxin ledger journal: hledger -f FILE balance")
		for _, a := range assets {
			scale[a.Code] = a.Scale
			fmt.Fprintf(bw, "commodity %s\n", journalCommodity(a))
		}
		fmt.Fprintln(bw)
		var after uint64
		for {
			if err := ctx.Err(); err != nil {
				return err
			}
			page, err := r.Transactions(ctx, after, journalPage)
			if err != nil {
				return err
			}
			for i := range page {
				rec := &page[i]
				desc := journalDescription(rec.Memo)
				fmt.Fprintf(bw, "%s (%d) %s  ; id:%s", rec.EffectiveAt.UTC().Format("2006-01-02"), rec.Seq, desc, rec.ID)
				if rec.Reverses != [16]byte{} {
					fmt.Fprintf(bw, ", reverses:%s", rec.Reverses)
				}
				fmt.Fprintln(bw)
				for _, p := range rec.Postings {
					a := Asset{Code: p.Asset, Scale: scale[p.Asset]}
					fmt.Fprintf(bw, "    %s  %s\n", p.To, journalAmount(p.Amount, a))
					fmt.Fprintf(bw, "    %s  %s\n", p.From, journalAmount(-p.Amount, a))
				}
				fmt.Fprintln(bw)
				after = rec.Seq
			}
			if len(page) < journalPage {
				return nil
			}
		}
	})
	if err != nil {
		return fmt.Errorf("write journal: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write journal: %w", err)
	}
	return nil
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
