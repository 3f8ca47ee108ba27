package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/tongxin/tongxin/ledger"
)

// Bulk statement sizes. PostgreSQL allows 65,535 parameters per statement and SQLite 32,766;
// the largest row here has 11 columns.
const (
	// InsertRowsMax is the most rows one multi-row INSERT carries.
	InsertRowsMax = 1000
	// inListMax is the most ids in one IN (...) list (LockAccounts, balance updates).
	inListMax = 1000
)

// storeTx implements ledger.StoreTx inside Update.
type storeTx struct {
	reader
	head       ledger.Head
	headLocked bool
}

func (t *storeTx) LockHead(ctx context.Context) (ledger.Head, error) {
	h, err := t.readHead(ctx, t.s.q.lockHead)
	if err != nil {
		return ledger.Head{}, err
	}
	t.head, t.headLocked = h, true
	return h, nil
}

// stmtCache holds generated statements by shape (kind and row count), so each is built once.
var stmtCache sync.Map // stmtKey -> string

type stmtKey struct {
	d    *dialect
	kind string
	n    int
}

// placeholders returns "(?, ?, ?), (?, ?, ?)…": rows groups of cols.
func placeholders(rows, cols int) string {
	group := "(" + strings.Repeat("?, ", cols-1) + "?)"
	return strings.Repeat(group+", ", rows-1) + group
}

func (t *storeTx) stmt(kind string, n int, build func() string) string {
	k := stmtKey{t.s.d, kind, n}
	if q, ok := stmtCache.Load(k); ok {
		return q.(string)
	}
	q := t.s.d.Rebind(build())
	stmtCache.Store(k, q)
	return q
}

// inList is how many items of k parameters each one IN (...) statement carries.
func (t *storeTx) inList(k int) int { return max(1, min(inListMax, t.s.d.paramsMax/k-1)) }

func (t *storeTx) LockAccounts(ctx context.Context, ids []ledger.AccountID, now time.Time) ([]ledger.AccountState, error) {
	for k, id := range ids {
		if k > 0 && ids[k-1] >= id {
			return nil, invalid("lock accounts: ids not sorted and unique at %s", id)
		}
	}
	if slices.ContainsFunc(ids, func(id ledger.AccountID) bool { return id.Validate() != nil }) {
		// No account has an invalid id (and PostgreSQL refuses one with NUL or invalid UTF-8
		// as text): it gets a zero state, and the others are read.
		var valid []ledger.AccountID
		var at []int
		for i, id := range ids {
			if id.Validate() == nil {
				valid, at = append(valid, id), append(at, i)
			}
		}
		states, err := t.LockAccounts(ctx, valid, now)
		if err != nil {
			return nil, err
		}
		out := make([]ledger.AccountState, len(ids))
		for j, i := range at {
			out[i] = states[j]
		}
		return out, nil
	}
	if t.s.d.arrays {
		return t.lockAccountsArrays(ctx, ids, now)
	}
	out := make([]ledger.AccountState, len(ids))
	per := t.inList(1)
	for start := 0; start < len(ids); start += per {
		chunk := ids[start:min(start+per, len(ids))]
		query := t.stmt("lock", len(chunk), func() string {
			return t.s.q.lockAccountsPrefix + strings.TrimSuffix(strings.Repeat("?, ", len(chunk)), ", ") + t.s.q.lockAccountsTail
		})
		args := make([]any, 0, len(chunk)+1)
		args = append(args, micros(now))
		for _, id := range chunk {
			args = append(args, string(id))
		}
		rows, err := t.query(ctx, query, args...)
		if err != nil {
			return nil, opErr("lock accounts", err)
		}
		k := 0
		for rows.Next() {
			st, err := scanAccount(rows)
			if err != nil {
				rows.Close()
				return nil, opErr("lock accounts", err)
			}
			// Rows come in id order, a subset of chunk: advance to the matching id.
			for k < len(chunk) && chunk[k] < st.ID {
				k++
			}
			if k == len(chunk) || chunk[k] != st.ID {
				rows.Close()
				return nil, corrupt("lock accounts: unexpected row %s", st.ID)
			}
			out[start+k] = st
			k++
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, opErr("lock accounts", err)
		}
	}
	return out, nil
}

func (t *storeTx) InsertAsset(ctx context.Context, a ledger.Asset) error {
	if err := ledger.ValidateAssetCode(a.Code); err != nil {
		return fmt.Errorf("sqlstore: insert asset: %w", err)
	}
	if a.Scale < 0 || a.Scale > ledger.AssetScaleMax {
		return invalid("insert asset %s: scale %d", a.Code, a.Scale)
	}
	if _, err := t.exec(ctx, t.stmt("asset", 1, func() string {
		return `INSERT INTO assets (code, scale) VALUES (?, ?)`
	}), a.Code, a.Scale); err != nil {
		return opErr("insert asset "+a.Code, err)
	}
	return nil
}

func (t *storeTx) InsertAccount(ctx context.Context, a ledger.AccountRecord) error {
	if err := checkAccountID(a.ID); err != nil {
		return err
	}
	if err := ledger.ValidateAssetCode(a.Asset); err != nil {
		return fmt.Errorf("sqlstore: insert account %s: %w", a.ID, err)
	}
	if a.MinBalance > 0 || a.MinBalance < -ledger.AmountMinorMax {
		return invalid("insert account %s: minimum balance %d", a.ID, a.MinBalance)
	}
	var maxBalance any
	if a.HasMax {
		if a.MaxBalance < 0 || a.MaxBalance > ledger.AmountMinorMax*4 {
			return invalid("insert account %s: maximum balance %d", a.ID, a.MaxBalance)
		}
		maxBalance = a.MaxBalance
	} else if a.MaxBalance != 0 {
		return invalid("insert account %s: maximum balance %d without HasMax", a.ID, a.MaxBalance)
	}
	md, err := encodeMetadata(a.Metadata)
	if err != nil {
		return err
	}
	if _, err := t.exec(ctx, t.stmt("account", 1, func() string {
		return `INSERT INTO accounts (id, asset, min_balance, unbounded, max_balance, metadata, balance) VALUES (?, ?, ?, ?, ?, ?, 0)`
	}), string(a.ID), a.Asset, a.MinBalance, a.Unbounded, maxBalance, md); err != nil {
		return opErr(fmt.Sprintf("insert account %s", a.ID), err)
	}
	return nil
}

// TransactionsByKeys looks up many idempotency keys in one statement per InsertRowsMax keys
// and returns the transactions found, by key. It serves ledger.Ledger's PostBatch, which would
// otherwise ask once per key.
func (t *storeTx) TransactionsByKeys(ctx context.Context, keys []string) (map[string]ledger.TxRecord, error) {
	out := make(map[string]ledger.TxRecord)
	valid := make([]string, 0, len(keys))
	for _, k := range keys {
		if k != "" && checkText("idempotency key", k) == nil {
			valid = append(valid, k)
		}
	}
	per := t.inList(1)
	if t.s.d.arrays {
		per = max(1, len(valid)) // one array parameter: planned once for any count
	}
	for start := 0; start < len(valid); start += per {
		chunk := valid[start:min(start+per, len(valid))]
		var query string
		var args []any
		if t.s.d.arrays {
			query, args = arraysTxsByKeys, []any{chunk}
		} else {
			query = t.stmt("bykeys", len(chunk), func() string {
				return txSelect + ` WHERE t.idempotency_key IN (` + strings.TrimSuffix(strings.Repeat("?, ", len(chunk)), ", ") + `) ORDER BY t.seq`
			})
			args = make([]any, len(chunk))
			for i, k := range chunk {
				args[i] = k
			}
		}
		rows, err := t.query(ctx, query, args...)
		if err != nil {
			return nil, opErr("read transactions by key", err)
		}
		var recs []ledger.TxRecord
		for rows.Next() {
			rec, err := scanTx(rows)
			if err != nil {
				rows.Close()
				return nil, opErr("read transactions by key", err)
			}
			recs = append(recs, rec)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, opErr("read transactions by key", err)
		}
		// Found keys are rare (replays), so their postings are read one transaction at a time.
		for i := range recs {
			prows, err := t.query(ctx, t.s.q.postingsRange, int64(recs[i].Seq), int64(recs[i].Seq))
			if err != nil {
				return nil, opErr("read transactions by key: postings", err)
			}
			err = attachPostings(prows, recs[i:i+1])
			prows.Close()
			if err != nil {
				return nil, opErr("read transactions by key: postings", err)
			}
			out[recs[i].IdempotencyKey] = recs[i]
		}
	}
	return out, nil
}

// checkCommit validates a commit against the locked head before anything is written.
func (t *storeTx) checkCommit(c *ledger.Commit) error {
	next := t.head.Seq
	for i := range c.Transactions {
		r := &c.Transactions[i]
		if r.Seq != next+1 {
			return invalid("commit: transaction seq %d after %d", r.Seq, next)
		}
		next = r.Seq
		if err := checkTx(r); err != nil {
			return err
		}
		if r.Metadata != nil {
			if err := checkMetadata(r.Metadata); err != nil {
				return err
			}
		}
	}
	if c.Head.Seq != next {
		return invalid("commit: head seq %d, transactions end at %d", c.Head.Seq, next)
	}
	if len(c.Transactions) == 0 && c.Head != t.head {
		return invalid("commit: head changed without transactions")
	}
	if len(c.Transactions) > 0 && c.Head.Hash != c.Transactions[len(c.Transactions)-1].Hash {
		return invalid("commit: head hash is not the last transaction's")
	}
	for _, b := range c.Balances {
		if err := checkAccountID(b.Account); err != nil {
			return err
		}
	}
	for i := range c.OpenHolds {
		if err := checkHold(&c.OpenHolds[i]); err != nil {
			return err
		}
	}
	for _, h := range c.CloseHolds {
		if h.ID == uuid.Nil || (h.Status != ledger.HoldCaptured && h.Status != ledger.HoldReleased) {
			return invalid("commit: closing hold %s with status %d", h.ID, h.Status)
		}
		if err := checkTime("hold closing time", h.ClosedAt); err != nil {
			return err
		}
	}
	return nil
}

// Commit writes c in bulk: multi-row INSERTs of at most InsertRowsMax rows for transactions,
// postings and entries, one UPDATE per inListMax balances, then the head, which must still be
// the one LockHead returned. On PostgreSQL all of that is one statement (writeArrays).
func (t *storeTx) Commit(ctx context.Context, c ledger.Commit) error {
	if !t.headLocked {
		if _, err := t.LockHead(ctx); err != nil {
			return err
		}
	}
	if err := t.checkCommit(&c); err != nil {
		return err
	}
	if t.s.d.arrays && len(c.Transactions) > 0 {
		// A commit of this transaction still waiting to be sent goes first: writeArrays
		// replaces what is pending.
		if err := t.pg.flush(ctx); err != nil {
			return err
		}
		// One round trip for every row of the commit and the head (see writeArrays).
		if err := t.writeArrays(ctx, &c); err != nil {
			return err
		}
		t.head = c.Head
	} else {
		if err := t.insertTransactions(ctx, c.Transactions); err != nil {
			return err
		}
		if err := t.updateBalances(ctx, c.Balances); err != nil {
			return err
		}
	}
	if err := t.insertHolds(ctx, c.OpenHolds); err != nil {
		return err
	}
	for _, h := range c.CloseHolds {
		res, err := t.exec(ctx, t.s.q.closeHold, int(h.Status), micros(h.ClosedAt), h.ID[:])
		if err != nil {
			return opErr(fmt.Sprintf("close hold %s", h.ID), err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return corrupt("close hold %s: not open (%d rows, %v)", h.ID, n, err)
		}
	}
	if c.Head != t.head {
		res, err := t.exec(ctx, t.s.q.setHead, seqArg(c.Head.Seq), c.Head.Hash[:], seqArg(t.head.Seq))
		if err != nil {
			return opErr("set head", err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return corrupt("set head: head moved under a lock (%d rows, %v)", n, err)
		}
		t.head = c.Head
	}
	return nil
}

const (
	txCols      = 11
	postingCols = 6
	entryCols   = 4
	holdCols    = 10
)

// bulk runs one multi-row INSERT INTO into (a table, its columns and VALUES) per InsertRowsMax
// rows (fewer when the dialect's parameter budget is smaller); add appends one row's values.
func (t *storeTx) bulk(ctx context.Context, kind, into string, cols, rows int, add func(i int, args []any) []any) error {
	per := max(1, min(InsertRowsMax, t.s.d.paramsMax/cols))
	head := "INSERT" + t.s.d.orRollback + " INTO " + into
	args := make([]any, 0, min(rows, per)*cols)
	for start := 0; start < rows; start += per {
		n := min(per, rows-start)
		query := t.stmt(kind, n, func() string { return head + placeholders(n, cols) })
		args = args[:0]
		for i := start; i < start+n; i++ {
			args = add(i, args)
		}
		if _, err := t.exec(ctx, query, args...); err != nil {
			return opErr("insert "+kind, err)
		}
	}
	return nil
}

type entry struct {
	account ledger.AccountID
	seq     int64
	delta   int64
	eff     int64
}

type posting struct {
	seq int64
	idx int
	p   *ledger.PostingRecord
}

// flatten lists the postings of recs and their entries: one per (account, transaction), the
// net change of that account in that transaction.
func flatten(recs []ledger.TxRecord) ([]posting, []entry) {
	var postings []posting
	var entries []entry
	for i := range recs {
		r := &recs[i]
		seq, eff := int64(r.Seq), micros(r.EffectiveAt)
		first := len(entries)
		addEntry := func(id ledger.AccountID, d int64) {
			for k := first; k < len(entries); k++ {
				if entries[k].account == id {
					entries[k].delta += d
					return
				}
			}
			entries = append(entries, entry{id, seq, d, eff})
		}
		for k := range r.Postings {
			p := &r.Postings[k]
			postings = append(postings, posting{seq, k, p})
			addEntry(p.From, -p.Amount)
			addEntry(p.To, p.Amount)
		}
	}
	return postings, entries
}

func (t *storeTx) insertTransactions(ctx context.Context, recs []ledger.TxRecord) error {
	if len(recs) == 0 {
		return nil
	}
	postings, entries := flatten(recs)
	if err := t.bulk(ctx, "transactions", `transactions (seq, id, idempotency_key, memo, metadata, effective_at, posted_at, effective_defaulted, reverses, captures_hold, hash) VALUES `,
		txCols, len(recs), func(i int, args []any) []any {
			r := &recs[i]
			md, _ := encodeMetadata(r.Metadata) // checked in checkCommit
			return append(args, int64(r.Seq), r.ID[:], nullString(r.IdempotencyKey), r.Memo, md,
				micros(r.EffectiveAt), micros(r.PostedAt), r.EffectiveDefaulted, nullUUID(r.Reverses), nullUUID(r.CapturesHold), r.Hash[:])
		}); err != nil {
		return err
	}
	if err := t.bulk(ctx, "postings", `postings (seq, idx, from_account, to_account, asset, amount) VALUES `,
		postingCols, len(postings), func(i int, args []any) []any {
			p := &postings[i]
			return append(args, p.seq, p.idx, string(p.p.From), string(p.p.To), p.p.Asset, p.p.Amount)
		}); err != nil {
		return err
	}
	return t.bulk(ctx, "entries", `entries (account, seq, delta, effective_at) VALUES `,
		entryCols, len(entries), func(i int, args []any) []any {
			e := &entries[i]
			return append(args, string(e.account), e.seq, e.delta, e.eff)
		})
}

// updateBalances sets balances with one UPDATE … CASE per inListMax accounts, and checks that
// every account named exists.
func (t *storeTx) updateBalances(ctx context.Context, bs []ledger.BalanceUpdate) error {
	if t.s.d.arrays {
		return t.updateBalancesArrays(ctx, bs)
	}
	per := t.inList(3)
	for start := 0; start < len(bs); start += per {
		chunk := bs[start:min(start+per, len(bs))]
		query := t.stmt("balances", len(chunk), func() string {
			var b strings.Builder
			b.WriteString(`UPDATE` + t.s.d.orRollback + ` accounts SET balance = CASE id`)
			for range chunk {
				b.WriteString(` WHEN ? THEN CAST(? AS BIGINT)`)
			}
			b.WriteString(` END WHERE id IN (`)
			b.WriteString(strings.TrimSuffix(strings.Repeat("?, ", len(chunk)), ", "))
			b.WriteString(`)`)
			return b.String()
		})
		args := make([]any, 0, 3*len(chunk))
		for _, u := range chunk {
			args = append(args, string(u.Account), u.Balance)
		}
		for _, u := range chunk {
			args = append(args, string(u.Account))
		}
		res, err := t.exec(ctx, query, args...)
		if err != nil {
			return opErr("update balances", err)
		}
		if n, err := res.RowsAffected(); err != nil || n != int64(len(chunk)) {
			return invalid("update balances: %d of %d accounts exist (%v)", n, len(chunk), err)
		}
	}
	return nil
}

func (t *storeTx) insertHolds(ctx context.Context, hs []ledger.HoldRecord) error {
	return t.bulk(ctx, "holds", `holds (id, idempotency_key, from_account, to_account, asset, amount, expires_at, created_at, status, closed_at) VALUES `,
		holdCols, len(hs), func(i int, args []any) []any {
			h := &hs[i]
			var expires any
			if !h.ExpiresAt.IsZero() {
				expires = micros(h.ExpiresAt)
			}
			return append(args, h.ID[:], nullString(h.IdempotencyKey), string(h.Posting.From), string(h.Posting.To),
				h.Posting.Asset, h.Posting.Amount, expires, micros(h.CreatedAt), int(ledger.HoldOpen), nil)
		})
}
