-- 0003: BalanceAt reads the entries primary key instead of an index of its own. Every entry
-- was a write into two per-account b-trees, each at a scattered page: a batch that touches
-- many accounts dirtied twice the pages (on SQLite, twice the WAL written at commit). The
-- primary key holds delta and effective_at too (SQLite: WITHOUT ROWID keeps every column in
-- it; PostgreSQL: INCLUDE, so that BalanceAt stays an index-only scan), and BalanceAt now
-- sums all of the account's entries with effective_at <= t, which is what it read anyway
-- for a time after the account's last entry. {{entries_covering_pk}} is empty on SQLite.
DROP INDEX entries_account_effective;

{{entries_covering_pk}};
