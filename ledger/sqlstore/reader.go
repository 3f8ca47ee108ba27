package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/tongxin/tongxin/ledger"
)

// queries are the fixed statements, placeholders already in the dialect's form.
type queries struct {
	asset, assets                        string
	account, accounts, accountExists     string
	txByID, txByKey, reversalOf          string
	txsAfter, postingsRange              string
	accountTxs, accountPostings          string
	balanceAt, balanceAtSplit            string
	holdByID, holdByKey                  string
	head, lockHead, setHead              string
	lockAccountsPrefix, lockAccountsTail string
	closeHold                            string
	lockAccountsArrays                   string
}

const (
	// accountSelect's one parameter is now: what the account's open holds reserve counts
	// those that never expire and those that expire after now. The two go as two branches,
	// each a seek in the holds_open_expiry index (from_account, expires_at, amount) that skips
	// expired holds; one condition with OR reads every open hold of the account, expired or
	// not, on SQLite. One SUM over both keeps its overflow an error.
	accountSelect = `SELECT a.id, a.asset, a.min_balance, a.unbounded, a.max_balance, a.metadata, a.balance,
 (SELECT CAST(COALESCE(SUM(x.amount), 0) AS BIGINT) FROM (
  SELECT h.amount FROM holds h WHERE h.from_account = a.id AND h.status = 1 AND h.expires_at IS NULL
  UNION ALL
  SELECT h.amount FROM holds h WHERE h.from_account = a.id AND h.status = 1 AND h.expires_at > ?) x)
 FROM accounts a`
	txColumns     = `t.seq, t.id, t.idempotency_key, t.memo, t.metadata, t.effective_at, t.posted_at, t.effective_defaulted, t.reverses, t.captures_hold, t.hash`
	txSelect      = `SELECT ` + txColumns + ` FROM transactions t`
	postingSelect = `SELECT p.seq, p.idx, p.from_account, p.to_account, p.asset, p.amount FROM postings p`
	holdSelect    = `SELECT id, idempotency_key, from_account, to_account, asset, amount, expires_at, created_at, status, closed_at FROM holds`
)

func buildQueries(d *dialect) queries {
	r := d.Rebind
	return queries{
		asset:         r(`SELECT code, scale FROM assets WHERE code = ?`),
		assets:        r(`SELECT code, scale FROM assets ORDER BY code`),
		account:       r(accountSelect + ` WHERE a.id = ?`),
		accounts:      r(accountSelect + ` WHERE a.id > ? ORDER BY a.id LIMIT ?`),
		accountExists: r(`SELECT 1 FROM accounts WHERE id = ?`),
		txByID:        r(txSelect + ` WHERE t.id = ?`),
		txByKey:       r(txSelect + ` WHERE t.idempotency_key = ?`),
		reversalOf:    r(`SELECT id FROM transactions WHERE reverses = ?`),
		txsAfter:      r(txSelect + ` WHERE t.seq > ? ORDER BY t.seq LIMIT ?`),
		postingsRange: r(postingSelect + ` WHERE p.seq >= ? AND p.seq <= ? ORDER BY p.seq, p.idx`),
		accountTxs: r(`SELECT ` + txColumns + ` FROM entries e JOIN transactions t ON t.seq = e.seq
 WHERE e.account = ? AND e.seq > ? ORDER BY e.seq LIMIT ?`),
		accountPostings: r(postingSelect + ` JOIN entries e ON e.seq = p.seq
 WHERE e.account = ? AND e.seq >= ? AND e.seq <= ? ORDER BY p.seq, p.idx`),
		balanceAt:      balanceAtQuery(d),
		balanceAtSplit: balanceAtSplitQuery(d),
		holdByID:       r(holdSelect + ` WHERE id = ?`),
		holdByKey:      r(holdSelect + ` WHERE idempotency_key = ?`),
		head:           r(`SELECT seq, hash FROM head WHERE id = 1`),
		lockHead:       r(`SELECT seq, hash FROM head WHERE id = 1` + d.ForUpdate),
		setHead:        r(`UPDATE head SET seq = ?, hash = ? WHERE id = 1 AND seq = ?`),
		// The id list is appended per call; the locks are taken in id order.
		lockAccountsPrefix: accountSelect + ` WHERE a.id IN (`,
		lockAccountsTail:   `) ORDER BY a.id` + d.ForUpdate,
		closeHold:          r(`UPDATE holds SET status = ?, closed_at = ? WHERE id = ? AND status = 1`),
		lockAccountsArrays: r(arraysLockAccounts), // $1 is accountSelect's ?, the list is $2
	}
}

// reader implements ledger.StoreReader over one database transaction.
type reader struct {
	s  *Store
	tx *sql.Tx
	// stmts, when set, caches statements for tx's lifetime (SQLite; pgx caches prepared
	// statements itself). pinned: tx runs on the Store's pinned write connection, whose
	// prepared statements outlive the transaction (the caller holds wlock).
	stmts  map[string]*sql.Stmt
	pinned bool
	// pg, when set, replaces tx: an update on PostgreSQL (see pgTx).
	pg *pgTx
}

// preparedMax bounds the statements kept prepared on the pinned SQLite connection; shapes
// beyond it are prepared per transaction.
const preparedMax = 512

func (r reader) stmt(ctx context.Context, query string) *sql.Stmt {
	if r.stmts == nil {
		return nil
	}
	if st, ok := r.stmts[query]; ok {
		return st
	}
	var st *sql.Stmt
	if r.pinned {
		kept, ok := r.s.wstmts[query]
		if !ok && len(r.s.wstmts) < preparedMax {
			var err error
			if kept, err = r.s.wdb.PrepareContext(ctx, query); err == nil {
				r.s.wstmts[query], ok = kept, true
			}
		}
		if ok {
			st = r.tx.StmtContext(ctx, kept)
		}
	}
	if st == nil {
		var err error
		if st, err = r.tx.PrepareContext(ctx, query); err != nil {
			return nil // the unprepared path reports the error
		}
	}
	r.stmts[query] = st
	return st
}

func (r reader) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if r.pg != nil {
		if err := r.pg.begin(ctx); err != nil {
			return nil, err
		}
		return r.pg.conn.QueryContext(ctx, query, args...)
	}
	if st := r.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return r.tx.QueryContext(ctx, query, args...)
}

// errRow is a row whose Scan reports err: a failed BEGIN.
type errRow struct{ err error }

func (e errRow) Scan(...any) error { return e.err }

func (r reader) queryRow(ctx context.Context, query string, args ...any) scanner {
	if r.pg != nil {
		if err := r.pg.begin(ctx); err != nil {
			return errRow{err}
		}
		return r.pg.conn.QueryRowContext(ctx, query, args...)
	}
	if st := r.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return r.tx.QueryRowContext(ctx, query, args...)
}

func (r reader) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if r.pg != nil {
		if err := r.pg.begin(ctx); err != nil {
			return nil, err
		}
		return r.pg.conn.ExecContext(ctx, query, args...)
	}
	if st := r.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return r.tx.ExecContext(ctx, query, args...)
}

func notFound(what string, v any) error {
	return fmt.Errorf("sqlstore: %s %v: %w", what, v, ledger.ErrNotFound)
}

func opErr(op string, err error) error { return fmt.Errorf("sqlstore: %s: %w", op, err) }

func (r reader) Asset(ctx context.Context, code string) (ledger.Asset, error) {
	if err := ledger.ValidateAssetCode(code); err != nil {
		return ledger.Asset{}, notFound("asset", code) // no such code can exist
	}
	var a ledger.Asset
	err := r.queryRow(ctx, r.s.q.asset, code).Scan(&a.Code, &a.Scale)
	if errors.Is(err, sql.ErrNoRows) {
		return ledger.Asset{}, notFound("asset", code)
	}
	if err != nil {
		return ledger.Asset{}, opErr("read asset "+code, err)
	}
	return checkAsset(a)
}

func checkAsset(a ledger.Asset) (ledger.Asset, error) {
	if ledger.ValidateAssetCode(a.Code) != nil || a.Scale < 0 || a.Scale > ledger.AssetScaleMax {
		return ledger.Asset{}, corrupt("asset %+v", a)
	}
	return a, nil
}

func (r reader) Assets(ctx context.Context) ([]ledger.Asset, error) {
	rows, err := r.query(ctx, r.s.q.assets)
	if err != nil {
		return nil, opErr("read assets", err)
	}
	defer rows.Close()
	var out []ledger.Asset
	for rows.Next() {
		var a ledger.Asset
		if err := rows.Scan(&a.Code, &a.Scale); err != nil {
			return nil, opErr("read assets", err)
		}
		if a, err = checkAsset(a); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, opErr("read assets", err)
	}
	return out, nil
}

type scanner interface{ Scan(dest ...any) error }

func scanAccount(sc scanner) (ledger.AccountState, error) {
	var st ledger.AccountState
	var md sql.NullString
	var maxBalance sql.NullInt64
	if err := sc.Scan(&st.ID, &st.Asset, &st.MinBalance, &st.Unbounded, &maxBalance, &md, &st.Balance, &st.Held); err != nil {
		return ledger.AccountState{}, err
	}
	if maxBalance.Valid {
		if maxBalance.Int64 < 0 {
			return ledger.AccountState{}, corrupt("account %q: maximum balance %d", st.ID, maxBalance.Int64)
		}
		st.HasMax, st.MaxBalance = true, maxBalance.Int64
	}
	var err error
	if st.Metadata, err = decodeMetadata(md); err != nil {
		return ledger.AccountState{}, err
	}
	if st.ID.Validate() != nil || ledger.ValidateAssetCode(st.Asset) != nil || st.MinBalance > 0 || st.Held < 0 {
		return ledger.AccountState{}, corrupt("account row %q", st.ID)
	}
	return st, nil
}

func (r reader) Account(ctx context.Context, id ledger.AccountID, now time.Time) (ledger.AccountState, error) {
	if id.Validate() != nil {
		return ledger.AccountState{}, notFound("account", id)
	}
	st, err := scanAccount(r.queryRow(ctx, r.s.q.account, micros(now), string(id)))
	if errors.Is(err, sql.ErrNoRows) {
		return ledger.AccountState{}, notFound("account", id)
	}
	if err != nil {
		return ledger.AccountState{}, opErr(fmt.Sprintf("read account %s", id), err)
	}
	return st, nil
}

func (r reader) Accounts(ctx context.Context, after ledger.AccountID, limit int, now time.Time) ([]ledger.AccountState, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := r.query(ctx, r.s.q.accounts, micros(now), accountsAfter(after), limit)
	if err != nil {
		return nil, opErr("read accounts", err)
	}
	defer rows.Close()
	var out []ledger.AccountState
	for rows.Next() {
		st, err := scanAccount(rows)
		if err != nil {
			return nil, opErr("read accounts", err)
		}
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, opErr("read accounts", err)
	}
	return out, nil
}

// readTxs runs a query returning transaction rows (txColumns) and then fills in their
// postings with a second query over the seq range they span.
func (r reader) readTxs(ctx context.Context, op, query string, args []any, postings func(first, last uint64) (*sql.Rows, error)) ([]ledger.TxRecord, error) {
	rows, err := r.query(ctx, query, args...)
	if err != nil {
		return nil, opErr(op, err)
	}
	var out []ledger.TxRecord
	for rows.Next() {
		rec, err := scanTx(rows)
		if err != nil {
			rows.Close()
			return nil, opErr(op, err)
		}
		out = append(out, rec)
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return nil, opErr(op, err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	prows, err := postings(out[0].Seq, out[len(out)-1].Seq)
	if err != nil {
		return nil, opErr(op+": postings", err)
	}
	defer prows.Close()
	if err := attachPostings(prows, out); err != nil {
		return nil, opErr(op+": postings", err)
	}
	return out, nil
}

func scanTx(sc scanner) (ledger.TxRecord, error) {
	var rec ledger.TxRecord
	var seq, eff, posted int64
	var key, md sql.NullString
	var id, reverses, captures, hash []byte
	if err := sc.Scan(&seq, &id, &key, &rec.Memo, &md, &eff, &posted, &rec.EffectiveDefaulted, &reverses, &captures, &hash); err != nil {
		return ledger.TxRecord{}, err
	}
	if seq <= 0 {
		return ledger.TxRecord{}, corrupt("transaction seq %d", seq)
	}
	rec.Seq = uint64(seq)
	var err error
	if rec.ID, err = decodeUUID("transaction id", id, false); err != nil {
		return ledger.TxRecord{}, err
	}
	if rec.Reverses, err = decodeUUID("reversed id", reverses, true); err != nil {
		return ledger.TxRecord{}, err
	}
	if rec.CapturesHold, err = decodeUUID("captured hold id", captures, true); err != nil {
		return ledger.TxRecord{}, err
	}
	if rec.Hash, err = decodeHash(hash); err != nil {
		return ledger.TxRecord{}, err
	}
	if key.Valid {
		if key.String == "" {
			return ledger.TxRecord{}, corrupt("transaction %d: empty idempotency key", seq)
		}
		rec.IdempotencyKey = key.String
	}
	if rec.Metadata, err = decodeMetadata(md); err != nil {
		return ledger.TxRecord{}, err
	}
	rec.EffectiveAt, rec.PostedAt = fromMicros(eff), fromMicros(posted)
	return rec, nil
}

// attachPostings reads posting rows ordered by (seq, idx) into recs (ordered by seq).
// Rows for seqs not in recs are skipped; each record must get postings 0, 1, 2… exactly.
func attachPostings(rows *sql.Rows, recs []ledger.TxRecord) error {
	i := 0
	for rows.Next() {
		var seq int64
		var idx int
		var p ledger.PostingRecord
		if err := rows.Scan(&seq, &idx, &p.From, &p.To, &p.Asset, &p.Amount); err != nil {
			return err
		}
		for i < len(recs) && recs[i].Seq < uint64(seq) {
			i++
		}
		if i == len(recs) {
			break
		}
		if recs[i].Seq != uint64(seq) {
			continue
		}
		if idx != len(recs[i].Postings) || idx >= ledger.PostingsMax {
			return corrupt("transaction %d: posting %d out of order", seq, idx)
		}
		if err := checkPosting(p); err != nil {
			return corrupt("transaction %d: posting %d: %v", seq, idx, err)
		}
		recs[i].Postings = append(recs[i].Postings, p)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for k := range recs {
		if len(recs[k].Postings) == 0 {
			return corrupt("transaction %d has no postings", recs[k].Seq)
		}
	}
	return nil
}

func (r reader) one(ctx context.Context, op, query string, arg any, what string) (ledger.TxRecord, error) {
	recs, err := r.readTxs(ctx, op, query, []any{arg}, func(first, last uint64) (*sql.Rows, error) {
		return r.query(ctx, r.s.q.postingsRange, int64(first), int64(last))
	})
	if err != nil {
		return ledger.TxRecord{}, err
	}
	if len(recs) == 0 {
		return ledger.TxRecord{}, notFound(what, arg)
	}
	return recs[0], nil
}

func (r reader) Transaction(ctx context.Context, id uuid.UUID) (ledger.TxRecord, error) {
	rec, err := r.one(ctx, "read transaction", r.s.q.txByID, id[:], "transaction")
	if errors.Is(err, ledger.ErrNotFound) {
		return ledger.TxRecord{}, notFound("transaction", id)
	}
	return rec, err
}

func (r reader) TransactionByKey(ctx context.Context, key string) (ledger.TxRecord, error) {
	if key == "" || checkText("idempotency key", key) != nil {
		return ledger.TxRecord{}, notFound("idempotency key", key)
	}
	return r.one(ctx, "read transaction by key", r.s.q.txByKey, key, "idempotency key")
}

func (r reader) ReversalOf(ctx context.Context, id uuid.UUID) (uuid.UUID, error) {
	var b []byte
	err := r.queryRow(ctx, r.s.q.reversalOf, id[:]).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return uuid.Nil, notFound("reversal of", id)
	}
	if err != nil {
		return uuid.Nil, opErr(fmt.Sprintf("read reversal of %s", id), err)
	}
	return decodeUUID("reversal id", b, false)
}

// seqArg converts a sequence bound for SQL's signed BIGINT.
func seqArg(seq uint64) int64 { return int64(min(seq, 1<<63-1)) }

func (r reader) Transactions(ctx context.Context, afterSeq uint64, limit int) ([]ledger.TxRecord, error) {
	if limit <= 0 {
		return nil, nil
	}
	return r.readTxs(ctx, "read transactions", r.s.q.txsAfter, []any{seqArg(afterSeq), limit}, func(first, last uint64) (*sql.Rows, error) {
		return r.query(ctx, r.s.q.postingsRange, int64(first), int64(last))
	})
}

func (r reader) accountExists(ctx context.Context, id ledger.AccountID) error {
	if id.Validate() != nil {
		return notFound("account", id)
	}
	var one int
	err := r.queryRow(ctx, r.s.q.accountExists, string(id)).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("account", id)
	}
	if err != nil {
		return opErr(fmt.Sprintf("read account %s", id), err)
	}
	return nil
}

func (r reader) AccountTransactions(ctx context.Context, id ledger.AccountID, afterSeq uint64, limit int) ([]ledger.TxRecord, error) {
	if err := r.accountExists(ctx, id); err != nil {
		return nil, err
	}
	if limit <= 0 {
		return nil, nil
	}
	op := fmt.Sprintf("read transactions of %s", id)
	return r.readTxs(ctx, op, r.s.q.accountTxs, []any{string(id), seqArg(afterSeq), limit}, func(first, last uint64) (*sql.Rows, error) {
		return r.query(ctx, r.s.q.accountPostings, string(id), int64(first), int64(last))
	})
}

func (r reader) BalanceAt(ctx context.Context, id ledger.AccountID, t time.Time) (int64, error) {
	if err := r.accountExists(ctx, id); err != nil {
		return 0, err
	}
	var v sql.NullInt64 // NULL: beyond int64
	err := r.queryRow(ctx, r.s.q.balanceAt, string(id), micros(t)).Scan(&v)
	if err != nil && r.s.q.balanceAtSplit != "" && ctx.Err() == nil {
		// SQLite's SUM fails once a running total passes int64, though the sum may end
		// inside it: add the halves of the deltas apart. (Any other failure fails again.)
		var high, low int64
		if err = r.queryRow(ctx, r.s.q.balanceAtSplit, string(id), micros(t)).Scan(&high, &low); err == nil {
			v.Int64, v.Valid = splitSum(high, low)
		}
	}
	if err != nil {
		return 0, opErr(fmt.Sprintf("balance of %s at %s", id, t), err)
	}
	if !v.Valid {
		return 0, fmt.Errorf("sqlstore: balance of %s at %s is beyond int64 minor units: %w", id, t, ledger.ErrInvalidAmount)
	}
	return v.Int64, nil
}

// The entries of a sound ledger add up to a committed balance, but those effective by a past
// time need not: back-dated postings can take BalanceAt's sum beyond int64. PostgreSQL adds
// bigints exactly (as numeric), and its query answers NULL for a sum beyond int64 instead of
// failing in the cast. SQLite fails with "integer overflow" once a running total passes int64
// (in whatever order it reads the entries, also when the sum ends inside): a failed sum is
// done again by balanceAtSplitQuery.
func balanceAtQuery(d *dialect) string {
	if d.Name == "postgres" {
		return d.Rebind(`SELECT CASE WHEN s BETWEEN -9223372036854775808 AND 9223372036854775807 THEN CAST(s AS BIGINT) END
 FROM (SELECT COALESCE(SUM(delta), 0) AS s FROM entries WHERE account = ? AND effective_at <= ?) q`)
	}
	return d.Rebind(`SELECT CAST(COALESCE(SUM(delta), 0) AS BIGINT) FROM entries WHERE account = ? AND effective_at <= ?`)
}

// balanceAtSplitQuery adds up the deltas' high and low 32 bits apart (see splitSum), which
// cannot overflow; it is slower than a plain sum, so it only runs after one failed. None on
// PostgreSQL, whose sums do not fail.
func balanceAtSplitQuery(d *dialect) string {
	if d.Name == "postgres" {
		return ""
	}
	return d.Rebind(`SELECT COALESCE(SUM(delta >> 32), 0), COALESCE(SUM(delta & 4294967295), 0)
 FROM entries WHERE account = ? AND effective_at <= ?`)
}

// splitSum joins what balanceAtSplitQuery adds up: high, the sum of the deltas' arithmetic
// shifts right by 32, and low, the sum of their low 32 bits (each 0..2^32-1), and reports
// whether high·2^32 + low fits in an int64. Neither half can overflow for fewer than 2^31
// entries of an account.
func splitSum(high, low int64) (int64, bool) {
	if low < 0 {
		return 0, false
	}
	q := high + low>>32 // the sum is q·2^32 + (low & (2^32-1))
	if q < -1<<31 || q >= 1<<31 {
		return 0, false
	}
	return q<<32 | low&(1<<32-1), true
}

func scanHold(sc scanner) (ledger.HoldRecord, error) {
	var h ledger.HoldRecord
	var id []byte
	var key sql.NullString
	var expires, closed sql.NullInt64
	var created int64
	var status int
	if err := sc.Scan(&id, &key, &h.Posting.From, &h.Posting.To, &h.Posting.Asset, &h.Posting.Amount, &expires, &created, &status, &closed); err != nil {
		return ledger.HoldRecord{}, err
	}
	var err error
	if h.ID, err = decodeUUID("hold id", id, false); err != nil {
		return ledger.HoldRecord{}, err
	}
	if err := checkPosting(h.Posting); err != nil {
		return ledger.HoldRecord{}, corrupt("hold %s: %v", h.ID, err)
	}
	if status < int(ledger.HoldOpen) || status > int(ledger.HoldReleased) || (status == int(ledger.HoldOpen)) == closed.Valid {
		return ledger.HoldRecord{}, corrupt("hold %s: status %d, closed %v", h.ID, status, closed.Valid)
	}
	h.Status = ledger.HoldStatus(status)
	h.IdempotencyKey = key.String
	h.CreatedAt = fromMicros(created)
	if expires.Valid {
		h.ExpiresAt = fromMicros(expires.Int64)
	}
	if closed.Valid {
		h.ClosedAt = fromMicros(closed.Int64)
	}
	return h, nil
}

func (r reader) Hold(ctx context.Context, id uuid.UUID) (ledger.HoldRecord, error) {
	h, err := scanHold(r.queryRow(ctx, r.s.q.holdByID, id[:]))
	if errors.Is(err, sql.ErrNoRows) {
		return ledger.HoldRecord{}, notFound("hold", id)
	}
	if err != nil {
		return ledger.HoldRecord{}, opErr(fmt.Sprintf("read hold %s", id), err)
	}
	return h, nil
}

func (r reader) HoldByKey(ctx context.Context, key string) (ledger.HoldRecord, error) {
	if key == "" || checkText("hold key", key) != nil {
		return ledger.HoldRecord{}, notFound("hold key", key)
	}
	h, err := scanHold(r.queryRow(ctx, r.s.q.holdByKey, key))
	if errors.Is(err, sql.ErrNoRows) {
		return ledger.HoldRecord{}, notFound("hold key", key)
	}
	if err != nil {
		return ledger.HoldRecord{}, opErr(fmt.Sprintf("read hold by key %q", key), err)
	}
	return h, nil
}

func (r reader) readHead(ctx context.Context, query string) (ledger.Head, error) {
	var seq int64
	var hash []byte
	if r.pg != nil && !r.pg.begun {
		if err := r.pg.beginLockHead(ctx, query, &seq, &hash); err != nil {
			return ledger.Head{}, err
		}
	} else if err := r.queryRow(ctx, query).Scan(&seq, &hash); err != nil {
		return ledger.Head{}, opErr("read head", err)
	}
	if seq < 0 {
		return ledger.Head{}, corrupt("head seq %d", seq)
	}
	h, err := decodeHash(hash)
	if err != nil {
		return ledger.Head{}, err
	}
	return ledger.Head{Seq: uint64(seq), Hash: h}, nil
}

func (r reader) Head(ctx context.Context) (ledger.Head, error) { return r.readHead(ctx, r.s.q.head) }
