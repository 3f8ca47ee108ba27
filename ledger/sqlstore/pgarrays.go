package sqlstore

import (
	"context"
	"time"

	"github.com/tongxin/tongxin/ledger"
)

// Bulk statements with one array parameter per column, for PostgreSQL and engines that speak
// its array types (CockroachDB, YugabyteDB). Each is planned once however many rows it carries.
const (
	arraysInsertTransactions = `INSERT INTO transactions (seq, id, idempotency_key, memo, metadata, effective_at, posted_at, effective_defaulted, reverses, captures_hold, hash)
 SELECT * FROM unnest(CAST($1 AS BIGINT[]), CAST($2 AS BYTEA[]), CAST($3 AS TEXT[]), CAST($4 AS TEXT[]), CAST($5 AS TEXT[]), CAST($6 AS BIGINT[]), CAST($7 AS BIGINT[]), CAST($8 AS BOOLEAN[]), CAST($9 AS BYTEA[]), CAST($10 AS BYTEA[]), CAST($11 AS BYTEA[]))`
	arraysInsertPostings = `INSERT INTO postings (seq, idx, from_account, to_account, asset, amount)
 SELECT * FROM unnest(CAST($1 AS BIGINT[]), CAST($2 AS INTEGER[]), CAST($3 AS TEXT[]), CAST($4 AS TEXT[]), CAST($5 AS TEXT[]), CAST($6 AS BIGINT[]))`
	arraysInsertEntries = `INSERT INTO entries (account, seq, delta, effective_at)
 SELECT * FROM unnest(CAST($1 AS TEXT[]), CAST($2 AS BIGINT[]), CAST($3 AS BIGINT[]), CAST($4 AS BIGINT[]))`
	arraysUpdateBalances = `UPDATE accounts SET balance = v.balance
 FROM unnest(CAST($1 AS TEXT[]), CAST($2 AS BIGINT[])) AS v (id, balance) WHERE accounts.id = v.id`
	arraysTxsByKeys    = txSelect + ` WHERE t.idempotency_key = ANY (CAST($1 AS TEXT[])) ORDER BY t.seq`
	arraysLockAccounts = accountSelect + ` WHERE a.id = ANY (CAST($2 AS TEXT[])) ORDER BY a.id FOR UPDATE`
)

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (t *storeTx) insertArrays(ctx context.Context, recs []ledger.TxRecord, postings []posting, entries []entry) error {
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
	if _, err := t.exec(ctx, arraysInsertTransactions, seqs, ids, keys, memos, mds, effs, posteds, defaulted, reverses, captures, hashes); err != nil {
		return opErr("insert transactions", err)
	}
	m := len(postings)
	pseqs, amounts := make([]int64, m), make([]int64, m)
	idxs := make([]int32, m)
	froms, tos, assets := make([]string, m), make([]string, m), make([]string, m)
	for i, p := range postings {
		pseqs[i], idxs[i], amounts[i] = p.seq, int32(p.idx), p.p.Amount
		froms[i], tos[i], assets[i] = string(p.p.From), string(p.p.To), p.p.Asset
	}
	if _, err := t.exec(ctx, arraysInsertPostings, pseqs, idxs, froms, tos, assets, amounts); err != nil {
		return opErr("insert postings", err)
	}
	k := len(entries)
	accounts := make([]string, k)
	eseqs, deltas, eeffs := make([]int64, k), make([]int64, k), make([]int64, k)
	for i, e := range entries {
		accounts[i], eseqs[i], deltas[i], eeffs[i] = string(e.account), e.seq, e.delta, e.eff
	}
	if _, err := t.exec(ctx, arraysInsertEntries, accounts, eseqs, deltas, eeffs); err != nil {
		return opErr("insert entries", err)
	}
	return nil
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
	rows, err := t.query(ctx, t.s.q.lockAccountsArrays, micros(now), list)
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
