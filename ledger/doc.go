// Package ledger is a double-entry ledger for points and time credits.
//
// Every value in tongxin, a point awarded for a fulfilled micro-wish or an hour deposited in
// the time bank, is a [Posting] from one [Account] to another inside a [Transaction]. Value is
// never created or destroyed, only moved: an issuer account (Unbounded: it may go without limit
// below zero) pays a volunteer, the volunteer pays the points shop. So for every [Asset] the
// balances of all accounts sum to exactly zero, at every commit.
//
// # Amounts
//
// Amounts are decimal.Decimal at the API and exact integers of minor units inside (an asset's
// Scale is its number of decimal places). An amount with more places than the scale, zero,
// negative, or too large is rejected with [ErrInvalidAmount]: nothing is ever rounded.
//
// # Rules
//
//   - A transaction's postings (1..[PostingsMax]) apply all or nothing.
//   - No account other than an Unbounded one goes below its MinBalance (0: no overdraft),
//     counting what its open holds reserve.
//   - An IdempotencyKey gives one effect whatever the retries: a replay with the same content
//     returns the first transaction; other content under the key is [ErrIdempotencyConflict];
//     a rejected attempt does not use the key up. Derive keys from what the transaction is
//     about ("award:<demand>:<provider>") and a crash between two steps of a larger operation
//     is repaired by retrying it.
//   - A posted transaction is never changed. [Ledger.Reverse] undoes one with a new
//     transaction that points at it, at most once.
//   - [Ledger.Hold] reserves an amount for a later [Ledger.Capture] (partial captures release
//     the rest) or [Ledger.Release]; a hold past its expiry reserves nothing. Hold keys are a
//     namespace of their own: [Ledger.HoldByKey] reads what a key's first Hold did, as
//     [Ledger.TransactionByKey] does for a Post.
//   - EffectiveAt may be back-dated but not set in the future; [Ledger.BalanceAt] answers as
//     of any time. Times are kept to the microsecond, in UTC.
//
// Bad input returns an error wrapping one of the package's sentinel errors (match them with
// errors.Is) and changes nothing.
//
// # Integrity
//
// Each committed transaction gets a strictly increasing Seq and a SHA-256 hash over its
// content and its predecessor's hash. [Ledger.Verify] recomputes every balance from the
// postings, checks each asset sums to zero and walks the hash chain, so a row edited, inserted
// or deleted behind the ledger's back is reported ([ErrCorrupt]). Verify reads a page at a
// time, so a ledger keeps taking Posts while it runs. [WriteJournal] exports every
// transaction committed when it starts as an hledger/ledger-cli journal, so balances can be
// checked with a tool that shares no code with this one; it too reads a page at a time and
// holds nothing while it writes.
//
// # Stores
//
// [Ledger] holds every rule exactly once and drives a small [Store] that only persists and
// reads: ledger/memstore keeps everything in memory (for tests and small deployments, and the
// model in property tests); ledger/sqlstore keeps it in SQLite (embedded, one file) or
// PostgreSQL (many processes, one database). ledger/storetest is the conformance suite every
// store passes.
// Stores may offer optional capabilities ([StoreKeyLookup], [StoreGroupCommit]) that the
// Ledger uses when present.
//
// A Ledger is safe for concurrent use; several Ledgers in several processes may share one
// PostgreSQL store. A call whose context is already done changes nothing and returns an error
// wrapping ctx.Err(). One whose context ends while it runs commits all of it or nothing; when
// it returns the context's error, a retry under the same idempotency key tells which (a
// database may have committed just as the context ended). A Post through a store with group
// commit ([StoreGroupCommit], as sqlstore) is exact: the context's error means not posted.
//
// The package knows no domain words: package points builds the points incentive (积分激励)
// and the time bank (时间银行) on it.
package ledger
