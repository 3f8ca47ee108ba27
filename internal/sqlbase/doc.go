// Package sqlbase holds what the SQL stores of tongxin (ledger/sqlstore and catalog/sqlstore)
// do the same way, so that it is written and tested once:
//
//   - the dialect: placeholder rebinding (? to $n for PostgreSQL), schema tokens such as
//     {{key}} replaced per database, and the row-lock suffix;
//   - migrations embedded as migrations/NNNN_name.sql, split into statements, applied in one
//     transaction under a version table whose name each store chooses, so that several stores
//     can share one database or schema; a database newer than the code is refused, a
//     version row that is not an integer is corrupt, and objects of another program in the
//     way (a table a migration creates, or another shape under the version table's name) are
//     a conflict; on PostgreSQL a database already at the code's version is only read, so a
//     role that may not create tables can open it;
//   - the jittered backoff between two attempts of a transaction that lost a race;
//   - PostgreSQL error classification (serialization failure and deadlock, unique and
//     foreign-key violations, duplicate tables);
//   - connection setup: the SQLite path (no '?', '#' or NUL, and no "file:" URI that would
//     give each connection a database of its own) and DSN (WAL, busy timeout, foreign keys,
//     BEGIN IMMEDIATE, durability), one write pool plus a read pool for a SQLite file, and
//     the bounded PostgreSQL pool, whose DSN is parsed on open (an error that does not
//     repeat it, since it may hold a password);
//   - the Checkpointer, which copies a SQLite file's write-ahead log back into the database
//     on a goroutine of its own so that writers do not.
//
// Each store keeps its own exported API (Option, Synchronous, its sentinel errors) and its own
// decisions, such as which errors it retries: the ledger retries unique violations, the
// catalog does not, because there they mean the record exists.
//
// It is internal: users import the stores, never this package.
package sqlbase
