package sqlstore

import (
	"context"
	"strings"
	"time"

	"github.com/tongxin/tongxin/internal/sqlbase"

	"github.com/tongxin/tongxin/ledger"
)

// Bulk statements with one array parameter per column, for PostgreSQL and engines that speak
// its array types (CockroachDB, YugabyteDB). Each is planned once however many rows it carries.
const (
	// arraysWrite writes a commit's transactions, postings, entries, balances and head in one
	// statement, so a commit costs one round trip. Data-modifying CTEs (PostgreSQL,
	// CockroachDB) each run once to completion whether or not the final SELECT reads them, all
	// on the statement's snapshot; none reads another's rows. $27 is the number of balances.
	arraysWrite = `WITH t AS (INSERT INTO transactions (seq, id, idempotency_key, memo, metadata, effective_at, posted_at, effective_defaulted, reverses, captures_hold, hash)
  SELECT * FROM unnest(CAST($1 AS BIGINT[]), CAST($2 AS BYTEA[]), CAST($3 AS TEXT[]), CAST($4 AS TEXT[]), CAST($5 AS TEXT[]), CAST($6 AS BIGINT[]), CAST($7 AS BIGINT[]), CAST($8 AS BOOLEAN[]), CAST($9 AS BYTEA[]), CAST($10 AS BYTEA[]), CAST($11 AS BYTEA[]))),
 p AS (INSERT INTO postings (seq, idx, from_account, to_account, asset, amount)
  SELECT * FROM unnest(CAST($12 AS BIGINT[]), CAST($13 AS INTEGER[]), CAST($14 AS TEXT[]), CAST($15 AS TEXT[]), CAST($16 AS TEXT[]), CAST($17 AS BIGINT[]))),
 e AS (INSERT INTO entries (account, seq, delta, effective_at)
  SELECT * FROM unnest(CAST($18 AS TEXT[]), CAST($19 AS BIGINT[]), CAST($20 AS BIGINT[]), CAST($21 AS BIGINT[]))),
 b AS (UPDATE accounts SET balance = v.balance
  FROM unnest(CAST($22 AS TEXT[]), CAST($23 AS BIGINT[])) AS v (id, balance) WHERE accounts.id = v.id RETURNING 1),
 h AS (UPDATE head SET seq = $24, hash = $25 WHERE id = 1 AND seq = $26 RETURNING 1)
SELECT CAST(CASE WHEN (SELECT COUNT(*) FROM b) = $27 THEN '1' ELSE '` + writeMissingAccount + `' END AS INTEGER),
 CAST(CASE WHEN (SELECT COUNT(*) FROM h) = 1 THEN '1' ELSE '` + writeHeadMoved + `' END AS INTEGER)`
	// The statement fails, rather than returning counts to check, when a balance names a
	// missing account or the head moved: it may travel in one pipeline with COMMIT (see
	// pgTx.end), and a failed statement turns that COMMIT into a rollback. The failure is an
	// invalid integer (SQLSTATE 22P02) whose text is one of these.
	writeMissingAccount  = "balance update of a missing account"
	writeHeadMoved       = "head moved under its lock"
	arraysUpdateBalances = `UPDATE accounts SET balance = v.balance
 FROM unnest(CAST($1 AS TEXT[]), CAST($2 AS BIGINT[])) AS v (id, balance) WHERE accounts.id = v.id`
	arraysTxsByKeys    = txSelect + ` WHERE t.idempotency_key = ANY (CAST($1 AS TEXT[])) ORDER BY t.seq`
	arraysLockAccounts = accountSelect + ` WHERE a.id = ANY (CAST($2 AS TEXT[])) ORDER BY a.id FOR UPDATE`
	// arraysReadAccounts is arraysLockAccounts for a transaction that holds the head lock:
	// every statement that changes a balance or a hold runs under that lock (Commit takes it),
	// so the rows need no lock of their own, which would cost a write to each. What the
	// accounts' open holds reserve is one aggregate joined, not a subquery per account.
	// The holds in force are two branches as in accountSelect.
	arraysReadAccounts = `SELECT a.id, a.asset, a.min_balance, a.unbounded, a.max_balance, a.metadata, a.balance, COALESCE(h.held, 0)
 FROM accounts a LEFT JOIN (SELECT x.from_account, CAST(SUM(x.amount) AS BIGINT) AS held FROM (
  SELECT from_account, amount FROM holds WHERE status = 1 AND expires_at IS NULL AND from_account = ANY (CAST($2 AS TEXT[]))
  UNION ALL
  SELECT from_account, amount FROM holds WHERE status = 1 AND expires_at > $1 AND from_account = ANY (CAST($2 AS TEXT[]))) x
  GROUP BY x.from_account) h ON h.from_account = a.id
 WHERE a.id = ANY (CAST($2 AS TEXT[])) ORDER BY a.id`
)

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// writeArrays prepares arraysWrite for c's transactions (at least one), their postings and
// entries, the balances and the new head; pgTx sends it.
func (t *storeTx) writeArrays(ctx context.Context, c *ledger.Commit) error {
	recs := c.Transactions
	postings, entries := flatten(recs)
	n := len(recs)
	seqs, effs, posteds := make([]int64, n), make([]int64, n), make([]int64, n)
	ids, reverses, captures, hashes := make([][]byte, n), make([][]byte, n), make([][]byte, n), make([][]byte, n)
	keys, mds := make([]*string, n), make([]*string, n)
	memos := make([]string, n)
	defaulted := make([]bool, n)
	for i := range recs {
		r := &recs[i]
		seqs[i], effs[i], posteds[i] = int64(r.Seq), micros(r.EffectiveAt), micros(r.PostedAt)
		ids[i], hashes[i] = r.ID[:], r.Hash[:]
		if v := nullUUID(r.Reverses); v != nil {
			reverses[i] = v.([]byte)
		}
		if v := nullUUID(r.CapturesHold); v != nil {
			captures[i] = v.([]byte)
		}
		keys[i], memos[i], defaulted[i] = optString(r.IdempotencyKey), r.Memo, r.EffectiveDefaulted
		if md, _ := encodeMetadata(r.Metadata); md != nil { // checked in checkCommit
			s := md.(string)
			mds[i] = &s
		}
	}
	m := len(postings)
	pseqs, amounts := make([]int64, m), make([]int64, m)
	idxs := make([]int32, m)
	froms, tos, assets := make([]string, m), make([]string, m), make([]string, m)
	for i, p := range postings {
		pseqs[i], idxs[i], amounts[i] = p.seq, int32(p.idx), p.p.Amount
		froms[i], tos[i], assets[i] = string(p.p.From), string(p.p.To), p.p.Asset
	}
	k := len(entries)
	accounts := make([]string, k)
	eseqs, deltas, eeffs := make([]int64, k), make([]int64, k), make([]int64, k)
	for i, e := range entries {
		accounts[i], eseqs[i], deltas[i], eeffs[i] = string(e.account), e.seq, e.delta, e.eff
	}
	bids, balances := make([]string, len(c.Balances)), make([]int64, len(c.Balances))
	for i, b := range c.Balances {
		bids[i], balances[i] = string(b.Account), b.Balance
	}
	// Sent with COMMIT (pgTx.end), or before the next statement if fn goes on.
	t.pg.pending = []any{
		seqs, ids, keys, memos, mds, effs, posteds, defaulted, reverses, captures, hashes,
		pseqs, idxs, froms, tos, assets, amounts,
		accounts, eseqs, deltas, eeffs,
		bids, balances,
		seqArg(c.Head.Seq), c.Head.Hash[:], seqArg(t.head.Seq), int64(len(c.Balances)),
	}
	return nil
}

// writeErr names a failure of arraysWrite.
func writeErr(err error) error {
	if sqlbase.PGCode(err) == pgInvalidText {
		switch msg := err.Error(); {
		case strings.Contains(msg, writeMissingAccount):
			return invalid("update balances: %s", writeMissingAccount)
		case strings.Contains(msg, writeHeadMoved):
			return corrupt("set head: %s", writeHeadMoved)
		}
	}
	return opErr("write commit", err)
}

func (t *storeTx) updateBalancesArrays(ctx context.Context, bs []ledger.BalanceUpdate) error {
	if len(bs) == 0 {
		return nil
	}
	ids, balances := make([]string, len(bs)), make([]int64, len(bs))
	for i, b := range bs {
		ids[i], balances[i] = string(b.Account), b.Balance
	}
	res, err := t.exec(ctx, arraysUpdateBalances, ids, balances)
	if err != nil {
		return opErr("update balances", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != int64(len(bs)) {
		return invalid("update balances: %d of %d accounts exist (%v)", n, len(bs), err)
	}
	return nil
}

func (t *storeTx) lockAccountsArrays(ctx context.Context, ids []ledger.AccountID, now time.Time) ([]ledger.AccountState, error) {
	out := make([]ledger.AccountState, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	list := make([]string, len(ids))
	for i, id := range ids {
		list[i] = string(id)
	}
	query := t.s.q.lockAccountsArrays
	if t.headLocked {
		query = arraysReadAccounts
	}
	rows, err := t.query(ctx, query, micros(now), list)
	if err != nil {
		return nil, opErr("lock accounts", err)
	}
	defer rows.Close()
	k := 0
	for rows.Next() {
		st, err := scanAccount(rows)
		if err != nil {
			return nil, opErr("lock accounts", err)
		}
		for k < len(ids) && ids[k] < st.ID {
			k++
		}
		if k == len(ids) || ids[k] != st.ID {
			return nil, corrupt("lock accounts: unexpected row %s", st.ID)
		}
		out[k] = st
		k++
	}
	if err := rows.Err(); err != nil {
		return nil, opErr("lock accounts", err)
	}
	return out, nil
}
