// Package sqlstore keeps the catalog in SQL: the durable catalog.Store for the demand list
// (需求清单), the resource list (资源清单) and the boards (榜单) with their claims (认领), audits
// (审核) and the event history of every demand.
//
// Two databases, one schema (migrations/, embedded and applied on open):
//
//   - SQLite (OpenSQLite), through modernc.org/sqlite without cgo: the embedded default, one
//     file next to the application. WAL mode, foreign keys on, a busy timeout so that other
//     processes opening the same file wait instead of failing, and writers that take the
//     write lock at BEGIN (BEGIN IMMEDIATE). A writer (Apply, or a migration on open) waits
//     for another process's write lock up to SQLiteBusyTimeout, or until its context ends.
//     ":memory:" gives a private in-memory database.
//     The write-ahead log is copied back into the database file (checkpointed) by a
//     goroutine of the Store on a read connection after commits, at most every 10 ms, not
//     by the writer inside its commit; the writer checkpoints itself only past 10,000 WAL
//     pages. A ledger sharing the file (ledger/sqlstore) does the same for its commits.
//   - PostgreSQL (OpenPostgres), through pgx: for a platform where several application
//     processes, each with its own *catalog.Catalog, share one database. The SQL is portable
//     (no PL/pgSQL, no advisory locks, no JSON operators) so a PostgreSQL-compatible
//     distributed engine (CockroachDB, YugabyteDB) can run it.
//
// # What is stored
//
// One table per record type: catalog_demands, catalog_providers (with catalog_provider_tags,
// one row per skill or function), catalog_boards, catalog_claims, catalog_audits and
// catalog_events. Each row keeps the whole record as JSON and copies into columns what the
// queries filter on (status, kind, category, grid path and its community, board, priority
// flags, deadline; a provider's kind, home, load and weekly hours; a board's scope and
// times), each with an index that ends in the id, so a page of a filtered list is an index
// range in id order. A grid subtree is a range of the byte-ordered path (the path itself or
// everything from "path/" up to "path0"), so no LIKE pattern is needed. Priority flags
// ("has all of these") become the list of flag sets that contain them.
//
// Records round-trip exactly as catalog writes them: times in UTC to the microsecond (as
// catalog keeps them), decimals with their exponent, nil slices apart from empty ones. A
// record that cannot be stored exactly (text that is not UTF-8 or holds NUL, a version above
// the database's BIGINT, coordinates that are not numbers, a time beyond int64 microseconds)
// is catalog.ErrInvalid and nothing is written; a query's time bound beyond them stands for
// the end or the beginning of time. Every row read is checked again: a record whose id or
// version disagrees with its columns, or that a query returned although it does not match the
// query, is catalog.ErrCorrupt.
//
// # Concurrency
//
// Apply is one transaction. A record written with Version 1 is inserted (a unique violation
// is catalog.ErrAlreadyExists); any other is written with UPDATE … WHERE id = ? AND version
// = ? and one changed row is required, else the stored version tells catalog.ErrNotFound from
// catalog.ErrVersionConflict. That check inside the write is the catalog's optimistic
// concurrency, and it holds across processes: of two claims racing for the last place of a
// demand, the second UPDATE waits for the first to commit, then finds the version moved.
// Rows are written in a fixed order (demands, providers, boards, each by id) so two writers
// never lock the same rows in opposite orders. On PostgreSQL a serialization failure or
// deadlock re-runs the transaction, at most ApplyAttemptsMax times.
//
// # Schema versions
//
// Each migration runs inside one transaction with the catalog_schema_version row locked, so
// two processes opening a new database at once apply it once. A database whose version is
// newer than this code's is refused with ErrSchemaTooNew; one holding a table of
// another program under a name the migrations create, with ErrSchemaConflict, and nothing is
// changed. The tables and the version table
// are prefixed catalog_, so the catalog may share a database (or a PostgreSQL schema) with
// the ledger's sqlstore.
//
// # Running the PostgreSQL tests
//
// The PostgreSQL tests run when TONGXIN_POSTGRES_DSN names a database the tests may create
// schemas in, e.g.
//
//	TONGXIN_POSTGRES_DSN='postgres://postgres@127.0.0.1:5432/test?sslmode=disable' go test ./catalog/sqlstore/
//
// Each test works in a schema of its own (t_<random>), dropped when it ends.
package sqlstore
