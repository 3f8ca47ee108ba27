// Package sqlstore keeps a ledger in SQL: the durable ledger.Store.
//
// Two databases, one schema (migrations/, embedded and applied on open):
//
//   - SQLite (OpenSQLite), through modernc.org/sqlite without cgo: the embedded default, one
//     file next to the application, for a community, a street or a district run from one
//     process. WAL mode, foreign keys on, a busy timeout so that other processes opening the
//     same file wait instead of failing, and writers that take the write lock at BEGIN
//     (BEGIN IMMEDIATE) so two writers never deadlock upgrading a read lock. ":memory:" gives
//     a private in-memory database for tests.
//   - PostgreSQL (OpenPostgres), through pgx: for a platform where several application
//     processes, each with its own *ledger.Ledger, share one database. Writers lock the
//     single head row (SELECT … FOR UPDATE); every statement that changes a balance or a
//     hold runs under that lock, so the accounts are then read without row locks of their
//     own (LockAccounts without the head lock locks them in ascending id order); a
//     serialization failure, deadlock or unique violation (two processes creating one asset
//     or account: idempotency keys are looked up under the head lock, so they never race)
//     re-runs the transaction, at most UpdateAttemptsMax times. The SQL is portable (no
//     PL/pgSQL, no advisory locks) so a PostgreSQL-compatible distributed engine
//     (CockroachDB, YugabyteDB) can run it.
//
// # What is stored
//
// accounts carry their posted balance (Balance and Available are one indexed read);
// transactions carry the hash chain and are never updated; postings hold each transaction's
// postings in order; entries hold one row per (account, transaction) with the change and the
// effective time, keyed by (account, seq) for statements and for BalanceAt; holds hold the
// open and closed holds, the open ones indexed by (account, expiry) so that what they reserve
// is read without the holds that expired unreleased (version 4); the single-row head is the
// chain's tip. Times are int64 unix
// microseconds, exact and portable, because the hash chain covers them.
//
// BalanceAt sums the account's entries effective up to the time, reading every entry of the
// account (on SQLite the WITHOUT ROWID key holds every column; on PostgreSQL the rows are read
// from the table): its cost grows with the account's entries, which is fine for a volunteer's
// account and slow for a community's issuer account with millions of them (memstore answers
// by binary search over running sums). A second per-account index, by effective time, was
// dropped in version 3: every entry wrote it at a scattered page, and it only shortened
// BalanceAt for times before the account's last entries. ledger.Ledger checks every rule and computes
// every balance and hash; this package only writes what it is given, checking it first
// (bad input is ledger.ErrInvalid and reaches no SQL) and checking rows again when it reads
// them (a row that this package cannot have written is ledger.ErrCorrupt). ledger.Ledger.Verify
// recomputes everything from the postings, so a row edited behind the ledger's back is
// reported.
//
// # Durability
//
// SQLite: WithSynchronous(SyncFull), the default, fsyncs the write-ahead log at every commit,
// so no acknowledged transaction is lost when the process is killed or the machine loses
// power. SyncNormal fsyncs only at checkpoints: still nothing lost when the process is
// killed (the log is written before Commit returns), but a power loss may drop the last
// transactions acknowledged before it. PostgreSQL: the server's synchronous_commit decides
// (on by default: nothing acknowledged is lost).
//
// # Throughput
//
// Every writer takes the head row's lock, so commits are serial and each costs a disk flush:
// Store reports ledger.StoreGroupCommit, and the Ledger gathers concurrent Post calls into one
// store transaction. Bulk writes are multi-row INSERTs on SQLite (at most 64 parameters per
// statement: the driver binds parameters in quadratic time) and one array parameter per
// column on PostgreSQL (INSERT … SELECT FROM unnest), which the server plans once. A SQLite
// file's write-ahead log is copied back into the database (checkpointed) by a goroutine of
// the Store on a read connection, after commits and at most every 10 ms, not by the writer
// inside its commit; the writer checkpoints itself only if the log passes 10,000 pages (the
// background checkpoints cannot keep up, or a long read pins the log). Durability is the
// same either way: a commit is durable once its log frames are. On
// PostgreSQL a commit's rows, balances and head are one statement (data-modifying WITH
// clauses) sent in one pipeline with COMMIT, and BEGIN travels with the head lock, so a
// group-commit round of keyed Posts is four round trips: begin and lock the head, lock the
// accounts, look the keys up, write and commit.
// WithMaxConns and WithConnMaxIdleTime size the PostgreSQL connection pool.
//
// # Schema versions
//
// Each migration runs inside one transaction with the schema_version row locked, so two
// processes opening a new database at once apply it once. A database whose version is
// newer than this code's is refused with ErrSchemaTooNew; one holding a table of
// another program under a name the migrations create, with ErrSchemaConflict, and nothing is
// changed.
//
// # Running the PostgreSQL tests
//
// The PostgreSQL tests (conformance, multi-process, migrations, benchmarks) run when
// TONGXIN_POSTGRES_DSN names a database the tests may create schemas in, e.g.
//
//	TONGXIN_POSTGRES_DSN='postgres://postgres@127.0.0.1:5432/test?sslmode=disable' go test ./ledger/sqlstore/
//
// Each test works in a schema of its own (t_<random>), dropped when it ends.
package sqlstore
