// Package embed holds the README's embedding example as a runnable, tested Example: a
// platform's own service wiring the ledger, the catalog and the points scheme together.
package embed
