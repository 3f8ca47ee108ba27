package sqlstore_test

import (
	"context"
	"fmt"

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
