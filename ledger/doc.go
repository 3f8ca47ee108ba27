// Package ledger is a double-entry ledger for points and time credits.
//
// Every value in tongxin, a point awarded for a micro-wish or an hour deposited in the time
// bank, is a [Posting] from one [Account] to another inside a [Transaction]. The sum of all
// balances of an asset is therefore always exactly zero: value is never created or destroyed,
// only moved from an issuer account (which may go without limit below zero) to a holder.
//
// [Ledger] holds every rule (validation, balance checks, idempotency, reversal, holds, the hash
// chain) exactly once and drives a small [Store] that only persists and reads. Stores:
// ledger/memstore (in memory, the default and the model for tests) and ledger/sqlstore (SQLite
// and PostgreSQL). ledger/storetest is the conformance suite every store passes.
//
// The package knows no domain words: package points builds the points incentive and the time
// bank on top of it.
package ledger
