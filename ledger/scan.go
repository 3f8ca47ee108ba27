package ledger

import (
	"context"
	"fmt"
)

// Limits on transaction scans.
const (
	ScanLimitDefault = 1000
	ScanLimitMax     = 10_000
)

// ScanQuery asks for transactions in commit order with Seq > AfterSeq.
type ScanQuery struct {
	AfterSeq uint64
	Limit    int // 0 means ScanLimitDefault; at most ScanLimitMax
}

// ScanPage is one page of a scan. Next is the query for the following page; Done reports that
// this page reached the end of the ledger as it was when read.
type ScanPage struct {
	Transactions []Transaction
	Next         ScanQuery
	Done         bool
}

// Scan pages through every transaction in commit order. It is how schemes built on the ledger
// (points expiry, leaderboards, exports) compute from the postings themselves in one pass
// instead of one statement per account.
//
// Errors: ErrInvalid (limit out of range), ErrClosed.
func (l *Ledger) Scan(ctx context.Context, q ScanQuery) (ScanPage, error) {
	limit := q.Limit
	if limit == 0 {
		limit = ScanLimitDefault
	}
	if limit < 0 || limit > ScanLimitMax {
		return ScanPage{}, fmt.Errorf("scan: limit %d outside 1..%d: %w", q.Limit, ScanLimitMax, ErrInvalid)
	}
	var recs []TxRecord
	err := l.store.View(ctx, func(r StoreReader) error {
		var err error
		recs, err = r.Transactions(ctx, q.AfterSeq, limit)
		return err
	})
	if err != nil {
		return ScanPage{}, fmt.Errorf("scan: %w", err)
	}
	page := ScanPage{Transactions: make([]Transaction, len(recs)), Next: ScanQuery{AfterSeq: q.AfterSeq, Limit: q.Limit}, Done: len(recs) < limit}
	for i := range recs {
		if page.Transactions[i], err = l.toTransaction(ctx, &recs[i]); err != nil {
			return ScanPage{}, fmt.Errorf("scan: %w", err)
		}
		page.Next.AfterSeq = recs[i].Seq
	}
	return page, nil
}
