// Package sqltest holds the test helpers that the SQL stores of tongxin (ledger/sqlstore and
// catalog/sqlstore) share: the PostgreSQL server DSN taken from the environment, with a skip
// when it is not set, and a fresh PostgreSQL schema per test so that tests never see each
// other's tables.
//
// It is internal: only the stores' tests use it.
package sqltest
