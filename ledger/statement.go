package ledger

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// Limits on statement pages.
const (
	StatementLimitDefault = 100
	StatementLimitMax     = 1000
)

// StatementQuery asks for one page of an account's statement, oldest first.
type StatementQuery struct {
	// Cursor is empty for the first page, else the NextCursor of the page before, for the
	// same account. It carries that page's closing balance, so each page costs only its own
	// lines. A cursor sent for another account or edited by hand is ErrInvalid; the check is
	// not a secret, so a cursor forged with a matching check serves middle pages with its
	// wrong running balances, and only the last page (whose closing balance is compared with
	// the account's) is refused. Hand cursors only to the caller that asked for the pages.
	Cursor string
	Limit  int // lines per page: 0 means StatementLimitDefault; at most StatementLimitMax
}

// StatementLine is one transaction as it touched the account.
type StatementLine struct {
	TransactionID uuid.UUID
	Seq           uint64
	EffectiveAt   time.Time
	PostedAt      time.Time
	Change        decimal.Decimal // signed: positive when the account received
	Balance       decimal.Decimal // the posted balance after this transaction, in commit order
	Counterparty  AccountID       // the other account, when the transaction has exactly one
	Memo          string
	Metadata      map[string]string
	Reverses      uuid.UUID
}

// StatementPage is one page of a statement. NextCursor is empty on the last page.
type StatementPage struct {
	Account    AccountID
	Lines      []StatementLine
	NextCursor string
}

// A cursor is "s<seq>b<balance>k<check>": the last line's sequence number and running
// balance, and a check binding them to the account. The check is not a secret (anyone can
// compute it): it catches a cursor sent for another account or edited by hand, and the last
// page's balance check catches the rest.
func encodeCursor(id AccountID, seq uint64, balance int64) string {
	c := "s" + strconv.FormatUint(seq, 10) + "b" + strconv.FormatInt(balance, 10)
	return c + "k" + cursorCheck(id, c)
}

// cursorCheck is 12 hex digits of SHA-256 over the account and the cursor's text.
func cursorCheck(id AccountID, c string) string {
	sum := sha256.Sum256([]byte("tongxin statement cursor\x00" + string(id) + "\x00" + c))
	return hex.EncodeToString(sum[:6])
}

func decodeCursor(id AccountID, c string) (uint64, int64, error) {
	body, check, ok0 := strings.Cut(c, "k")
	rest, ok := strings.CutPrefix(body, "s")
	seqText, balText, ok2 := strings.Cut(rest, "b")
	if !ok0 || !ok || !ok2 {
		return 0, 0, fmt.Errorf("cursor %q: %w", c, ErrInvalid)
	}
	if check != cursorCheck(id, body) {
		return 0, 0, fmt.Errorf("cursor %q was not written for account %s: %w", c, id, ErrInvalid)
	}
	seq, err1 := strconv.ParseUint(seqText, 10, 64)
	bal, err2 := strconv.ParseInt(balText, 10, 64)
	// No stored balance goes beyond ±balanceLimit, so no cursor the ledger wrote does either.
	if err1 != nil || err2 != nil || bal < -balanceLimit || bal > balanceLimit {
		return 0, 0, fmt.Errorf("cursor %q: %w", c, ErrInvalid)
	}
	return seq, bal, nil
}

// Statement returns one page of the transactions that touched an account, oldest first, with
// the running balance after each.
//
// Errors: ErrInvalid (bad id, cursor or limit; a cursor written for another account, or one
// whose running balance does not end at the account's balance), ErrUnknownAccount, ErrCorrupt
// (the account's postings do not add up to its balance), ErrClosed.
func (l *Ledger) Statement(ctx context.Context, id AccountID, q StatementQuery) (StatementPage, error) {
	if err := id.Validate(); err != nil {
		return StatementPage{}, fmt.Errorf("statement %s: %w", id, err)
	}
	limit := q.Limit
	if limit == 0 {
		limit = StatementLimitDefault
	}
	if limit < 0 || limit > StatementLimitMax {
		return StatementPage{}, fmt.Errorf("statement %s: limit %d outside 1..%d: %w", id, q.Limit, StatementLimitMax, ErrInvalid)
	}
	var afterSeq uint64
	var running int64
	if q.Cursor != "" {
		var err error
		if afterSeq, running, err = decodeCursor(id, q.Cursor); err != nil {
			return StatementPage{}, fmt.Errorf("statement %s: %w", id, err)
		}
	}
	var st AccountState
	var recs []TxRecord
	err := l.store.View(ctx, func(r StoreReader) error {
		var err error
		if st, err = r.Account(ctx, id, noHoldsReserve); err != nil {
			return err
		}
		recs, err = r.AccountTransactions(ctx, id, afterSeq, limit+1)
		return err
	})
	if errors.Is(err, ErrNotFound) {
		err = ErrUnknownAccount
	}
	if err != nil {
		return StatementPage{}, fmt.Errorf("statement %s: %w", id, err)
	}
	asset, err := l.asset(ctx, st.Asset)
	if err != nil {
		return StatementPage{}, fmt.Errorf("statement %s: %w", id, err)
	}
	page := StatementPage{Account: id}
	more := len(recs) > limit
	if more {
		recs = recs[:limit]
	}
	for i := range recs {
		rec := &recs[i]
		var change int64
		counterparty, single := AccountID(""), true
		for _, p := range rec.Postings {
			var other AccountID
			var err error
			switch id {
			case p.From:
				change, err = addChecked(change, -p.Amount)
				other = p.To
			case p.To:
				change, err = addChecked(change, p.Amount)
				other = p.From
			default:
				continue
			}
			if err != nil {
				// The ledger never posted such a transaction.
				return StatementPage{}, fmt.Errorf("statement %s: transaction %d changes the account beyond int64: %w", id, rec.Seq, ErrCorrupt)
			}
			if counterparty != "" && counterparty != other {
				single = false
			}
			counterparty = other
		}
		if !single {
			counterparty = ""
		}
		// A cursor's balance is the caller's to send: one edited to something the ledger
		// never held must neither wrap around nor pass a balance no account can have.
		if running, err = addChecked(running, change); err != nil || running < -balanceLimit || running > balanceLimit {
			return StatementPage{}, fmt.Errorf("statement %s: cursor %q: %w", id, q.Cursor, ErrInvalid)
		}
		line := StatementLine{
			TransactionID: rec.ID, Seq: rec.Seq, EffectiveAt: rec.EffectiveAt, PostedAt: rec.PostedAt,
			Change: FromMinor(change, asset.Scale), Balance: FromMinor(running, asset.Scale),
			Counterparty: counterparty, Memo: rec.Memo, Reverses: rec.Reverses,
		}
		if len(rec.Metadata) > 0 {
			line.Metadata = maps.Clone(rec.Metadata)
		}
		page.Lines = append(page.Lines, line)
	}
	if more {
		last := recs[len(recs)-1]
		page.NextCursor = encodeCursor(id, last.Seq, running)
		return page, nil
	}
	// The last page ends at the account's balance (read in the same view), whatever page it
	// started from: else the cursor's balance was not the one the ledger wrote.
	if running != st.Balance {
		if q.Cursor != "" {
			return StatementPage{}, fmt.Errorf("statement %s: cursor %q: running balance ends at %d, the account holds %d: %w",
				id, q.Cursor, running, st.Balance, ErrInvalid)
		}
		return StatementPage{}, fmt.Errorf("statement %s: postings add up to %d, the account holds %d: %w", id, running, st.Balance, ErrCorrupt)
	}
	return page, nil
}
