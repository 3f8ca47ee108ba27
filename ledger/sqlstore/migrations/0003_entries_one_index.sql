-- 0003: BalanceAt reads the entries primary key, (account, seq), instead of an index of its
-- own by (account, effective_at). Every entry was a write into two per-account b-trees, each
-- at a scattered page: a batch that touches many accounts dirtied twice the pages (on SQLite,
-- twice the WAL written at commit). BalanceAt sums the account's entries with effective_at
-- <= t, which is what it read anyway for a time after the account's last entry; on SQLite
-- the WITHOUT ROWID key holds those columns, on PostgreSQL they come from the table rows (a
-- covering key would need INCLUDE, which not every PostgreSQL-compatible engine accepts).
DROP INDEX entries_account_effective;
