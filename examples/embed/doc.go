// Package embed holds the README's embedding example as a runnable, tested Example: a
// platform's own service wiring the ledger and the catalog (both on SQLite) and the points
// scheme together to take one micro-wish (微心愿) from posting to points, then closing the
// stores.
//
//	go test -v ./examples/embed
package embed
