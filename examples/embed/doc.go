// Package embed holds the README's embedding example as a runnable, tested Example: a
// platform's own service wiring the ledger (on SQLite), the catalog and the points scheme
// together to take one micro-wish (微心愿) from posting to points, then closing the store.
//
//	go test -v ./examples/embed
package embed
