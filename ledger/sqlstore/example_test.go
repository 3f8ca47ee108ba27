package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/shopspring/decimal"

	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/sqlstore"
)

// A ledger on SQLite: a file path keeps it across restarts; ":memory:" is for tests.
func ExampleOpenSQLite() {
	ctx := context.Background()
	store, err := sqlstore.OpenSQLite(ctx, ":memory:")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer store.Close()
	l, err := ledger.New(ctx, store)
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = l.CreateAsset(ctx, ledger.Asset{Code: "PTS", Scale: 2})
	_ = l.OpenAccount(ctx, ledger.Account{ID: "community:c01:issuer", Asset: "PTS", Unbounded: true})
	_ = l.OpenAccount(ctx, ledger.Account{ID: "vol:wang:pts", Asset: "PTS"})
	tx, err := l.Post(ctx, ledger.Transaction{
		IdempotencyKey: "award:wish-17:wang",
		Memo:           "micro-wish 17 fulfilled",
		Postings: []ledger.Posting{{From: "community:c01:issuer", To: "vol:wang:pts",
			Amount: decimal.RequireFromString("12.50"), Asset: "PTS"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	balance, _ := l.Balance(ctx, "vol:wang:pts")
	fmt.Println(tx.Seq, balance, l.Verify(ctx))
	// Output: 1 12.5 <nil>
}

// Verify catches a row changed behind the ledger's back: here someone with the database file
// doubles an award in SQL. The balance row still says 12.5, but the postings and the hash
// chain no longer agree with it.
func ExampleOpenSQLite_verify() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "tongxin-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "points.db")

	store, err := sqlstore.OpenSQLite(ctx, path)
	if err != nil {
		fmt.Println(err)
		return
	}
	l, err := ledger.New(ctx, store)
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = l.CreateAsset(ctx, ledger.Asset{Code: "PTS", Scale: 2})
	_ = l.OpenAccount(ctx, ledger.Account{ID: "community:c01:issuer", Asset: "PTS", Unbounded: true})
	_ = l.OpenAccount(ctx, ledger.Account{ID: "vol:wang:pts", Asset: "PTS"})
	_, err = l.Post(ctx, ledger.Transaction{IdempotencyKey: "award:wish-17:wang", Postings: []ledger.Posting{
		{From: "community:c01:issuer", To: "vol:wang:pts", Amount: decimal.RequireFromString("12.50"), Asset: "PTS"}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("before:", l.Verify(ctx))
	_ = store.Close()

	// The edit, by hand (modernc.org/sqlite registers the "sqlite" driver).
	db, err := sql.Open("sqlite", path)
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := db.ExecContext(ctx, "UPDATE postings SET amount = 2500 WHERE seq = 1"); err != nil {
		fmt.Println(err)
		return
	}
	_ = db.Close()

	store, err = sqlstore.OpenSQLite(ctx, path)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer store.Close()
	l, err = ledger.New(ctx, store)
	if err != nil {
		fmt.Println(err)
		return
	}
	err = l.Verify(ctx)
	fmt.Println("after:", errors.Is(err, ledger.ErrCorrupt)) // the error names the transaction
	// Output:
	// before: <nil>
	// after: true
}
