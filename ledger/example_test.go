package ledger_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/memstore"
)

// newExampleLedger sets up points (PTS, two decimal places), a community's issuer account and
// two volunteers, on a fixed clock so the output is stable.
func newExampleLedger() (*ledger.Ledger, context.Context) {
	ctx := context.Background()
	clock := func() time.Time { return time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC) }
	n := 0
	ids := func() uuid.UUID { n++; return uuid.NewSHA1(uuid.NameSpaceOID, []byte(fmt.Sprint(n))) }
	l, err := ledger.New(ctx, memstore.New(), ledger.WithClock(clock), ledger.WithIDs(ids))
	if err != nil {
		panic(err)
	}
	must(l.CreateAsset(ctx, ledger.Asset{Code: "PTS", Scale: 2}))
	must(l.OpenAccount(ctx, ledger.Account{ID: "community:c01:issuer", Asset: "PTS", Unbounded: true}))
	must(l.OpenAccount(ctx, ledger.Account{ID: "vol:wang:pts", Asset: "PTS"}))
	must(l.OpenAccount(ctx, ledger.Account{ID: "shop:c01", Asset: "PTS"}))
	return l, ctx
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

func award2(from, to ledger.AccountID, amount string) ledger.Posting {
	return ledger.Posting{From: from, To: to, Amount: decimal.RequireFromString(amount), Asset: "PTS"}
}

func award(amount string) ledger.Posting {
	return ledger.Posting{From: "community:c01:issuer", To: "vol:wang:pts", Amount: decimal.RequireFromString(amount), Asset: "PTS"}
}

func Example() {
	l, ctx := newExampleLedger()
	// Award 20 points for a fulfilled micro-wish. The key makes a retry harmless.
	tx, err := l.Post(ctx, ledger.Transaction{
		IdempotencyKey: "award:wish-17:wang",
		Postings:       []ledger.Posting{award("20")},
		Memo:           "微心愿 wish-17: fixed a door",
	})
	must(err)
	again, _ := l.Post(ctx, ledger.Transaction{IdempotencyKey: "award:wish-17:wang", Postings: []ledger.Posting{award("20")}, Memo: "微心愿 wish-17: fixed a door"})
	balance, _ := l.Balance(ctx, "vol:wang:pts")
	issuer, _ := l.Balance(ctx, "community:c01:issuer")
	fmt.Println("seq", tx.Seq, "replayed", again.ID == tx.ID)
	fmt.Println("volunteer", balance, "issuer", issuer)
	fmt.Println("verify:", l.Verify(ctx))
	// Output:
	// seq 1 replayed true
	// volunteer 20 issuer -20
	// verify: <nil>
}

func ExampleLedger_Post_insufficient() {
	l, ctx := newExampleLedger()
	_, err := l.Post(ctx, ledger.Transaction{Postings: []ledger.Posting{
		{From: "vol:wang:pts", To: "shop:c01", Amount: decimal.NewFromInt(5), Asset: "PTS"},
	}})
	fmt.Println(errors.Is(err, ledger.ErrInsufficientBalance))
	_, err = l.Post(ctx, ledger.Transaction{Postings: []ledger.Posting{award("0.005")}})
	fmt.Println(errors.Is(err, ledger.ErrInvalidAmount), errors.Is(err, ledger.ErrInvalid))
	// Output:
	// true
	// true true
}

func ExampleLedger_PostBatch() {
	l, ctx := newExampleLedger()
	res, err := l.PostBatch(ctx, []ledger.Transaction{
		{Postings: []ledger.Posting{award("10")}},
		{Postings: []ledger.Posting{{From: "vol:wang:pts", To: "shop:c01", Amount: decimal.NewFromInt(50), Asset: "PTS"}}},
		{Postings: []ledger.Posting{award("2.5")}},
	})
	must(err)
	for i, r := range res {
		fmt.Println(i, r.Transaction.Seq, r.Err != nil)
	}
	b, _ := l.Balance(ctx, "vol:wang:pts")
	fmt.Println("balance", b)
	// Output:
	// 0 1 false
	// 1 0 true
	// 2 2 false
	// balance 12.5
}

func ExampleLedger_Hold() {
	l, ctx := newExampleLedger()
	_, err := l.Post(ctx, ledger.Transaction{Postings: []ledger.Posting{award("30")}})
	must(err)
	// Redeeming a 25-point item at the points shop: reserve now, settle when handed over.
	h, err := l.Hold(ctx, ledger.Posting{From: "vol:wang:pts", To: "shop:c01", Amount: decimal.NewFromInt(25), Asset: "PTS"}, ledger.HoldOptions{})
	must(err)
	avail, _ := l.Available(ctx, "vol:wang:pts")
	fmt.Println("available while held", avail)
	_, err = l.Capture(ctx, h.ID, decimal.NewFromInt(20)) // the item was on offer: 20 points
	must(err)
	bal, _ := l.Balance(ctx, "vol:wang:pts")
	avail, _ = l.Available(ctx, "vol:wang:pts")
	fmt.Println("after capture", bal, avail)
	// Output:
	// available while held 5
	// after capture 10 10
}

func ExampleLedger_HoldByKey() {
	l, ctx := newExampleLedger()
	_, err := l.Post(ctx, ledger.Transaction{Postings: []ledger.Posting{award("30")}})
	must(err)
	p := ledger.Posting{From: "vol:wang:pts", To: "shop:c01", Amount: decimal.NewFromInt(25), Asset: "PTS"}
	h, err := l.Hold(ctx, p, ledger.HoldOptions{IdempotencyKey: "redeem:order-7"})
	must(err)
	must(l.Release(ctx, h.ID)) // the resident changed their mind
	// Later, a retry asks what the first attempt did instead of reserving again.
	first, err := l.HoldByKey(ctx, "redeem:order-7")
	must(err)
	fmt.Println(first.ID == h.ID, first.Posting.Amount, first.Status == ledger.HoldReleased)
	_, err = l.HoldByKey(ctx, "redeem:order-8")
	fmt.Println(errors.Is(err, ledger.ErrNotFound))
	// Output:
	// true 25 true
	// true
}

func ExampleLedger_Reverse() {
	l, ctx := newExampleLedger()
	tx, err := l.Post(ctx, ledger.Transaction{Postings: []ledger.Posting{award("8")}})
	must(err)
	rev, err := l.Reverse(ctx, tx.ID, "clawback:"+tx.ID.String())
	must(err)
	_, err = l.Reverse(ctx, tx.ID, "")
	b, _ := l.Balance(ctx, "vol:wang:pts")
	fmt.Println(rev.Reverses == tx.ID, b, errors.Is(err, ledger.ErrAlreadyReversed))
	// Output: true 0 true
}

func ExampleLedger_Statement() {
	l, ctx := newExampleLedger()
	for _, a := range []string{"5", "7.5", "1"} {
		_, err := l.Post(ctx, ledger.Transaction{Postings: []ledger.Posting{award(a)}, Memo: "award " + a})
		must(err)
	}
	page, err := l.Statement(ctx, "vol:wang:pts", ledger.StatementQuery{Limit: 2})
	must(err)
	for page.Lines != nil {
		for _, line := range page.Lines {
			fmt.Println(line.Seq, line.Change, line.Balance, line.Counterparty, line.Memo)
		}
		if page.NextCursor == "" {
			break
		}
		page, err = l.Statement(ctx, "vol:wang:pts", ledger.StatementQuery{Cursor: page.NextCursor, Limit: 2})
		must(err)
	}
	// Output:
	// 1 5 5 community:c01:issuer award 5
	// 2 7.5 12.5 community:c01:issuer award 7.5
	// 3 1 13.5 community:c01:issuer award 1
}

func ExampleLedger_BalanceAt() {
	l, ctx := newExampleLedger()
	march := time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)
	_, err := l.Post(ctx, ledger.Transaction{Postings: []ledger.Posting{award("4")}, EffectiveAt: march}) // back-dated
	must(err)
	_, err = l.Post(ctx, ledger.Transaction{Postings: []ledger.Posting{award("6")}})
	must(err)
	feb, _ := l.BalanceAt(ctx, "vol:wang:pts", march.AddDate(0, -1, 0))
	apr, _ := l.BalanceAt(ctx, "vol:wang:pts", march.AddDate(0, 1, 0))
	now, _ := l.Balance(ctx, "vol:wang:pts")
	fmt.Println(feb, apr, now)
	// Output: 0 4 10
}

func ExampleWriteJournal() {
	l, ctx := newExampleLedger()
	_, err := l.Post(ctx, ledger.Transaction{Postings: []ledger.Posting{award("12.5")}, Memo: "haircut for an elderly resident"})
	must(err)
	_ = ledger.WriteJournal(ctx, os.Stdout, l)
	// Output:
	// ; tongxin ledger journal: hledger -f FILE balance
	// commodity 0.00 PTS
	//
	// 2026-05-01 (1) haircut for an elderly resident  ; id:996ad860-2a9a-504f-8861-aeafd0b2ae29
	//     vol:wang:pts  12.50 PTS
	//     community:c01:issuer  -12.50 PTS
}

// A platform that crashed between posting an award and recording it in its own database asks
// the ledger by the key it derived from the award, instead of posting again.
func ExampleLedger_TransactionByKey() {
	l, ctx := newExampleLedger()
	_, err := l.Post(ctx, ledger.Transaction{IdempotencyKey: "award:wish-17:wang", Postings: []ledger.Posting{award("20")}, Memo: "微心愿 wish-17"})
	must(err)

	tx, err := l.TransactionByKey(ctx, "award:wish-17:wang")
	fmt.Println(tx.Seq, tx.Memo, tx.Postings[0].Amount, err)
	_, err = l.TransactionByKey(ctx, "award:wish-18:wang")
	fmt.Println(errors.Is(err, ledger.ErrNotFound))
	// Output:
	// 1 微心愿 wish-17 20 <nil>
	// true
}

// Scan pages through every transaction in commit order: here, the points each account
// received in May, in pages of two.
func ExampleLedger_Scan() {
	l, ctx := newExampleLedger()
	for i, amount := range []string{"20", "5", "12.5"} {
		_, err := l.Post(ctx, ledger.Transaction{IdempotencyKey: fmt.Sprintf("award:wish-%d:wang", i), Postings: []ledger.Posting{award(amount)}})
		must(err)
	}
	_, err := l.Post(ctx, ledger.Transaction{Postings: []ledger.Posting{award2("vol:wang:pts", "shop:c01", "15")}, Memo: "兑换 rice"})
	must(err)

	received := map[ledger.AccountID]decimal.Decimal{}
	q := ledger.ScanQuery{Limit: 2}
	for pages := 1; ; pages++ {
		page, err := l.Scan(ctx, q)
		must(err)
		for _, tx := range page.Transactions {
			for _, p := range tx.Postings {
				received[p.To] = received[p.To].Add(p.Amount)
			}
		}
		if page.Done {
			fmt.Println("pages:", pages)
			break
		}
		q = page.Next
	}
	fmt.Println("vol:wang:pts", received["vol:wang:pts"])
	fmt.Println("shop:c01", received["shop:c01"])
	// Output:
	// pages: 3
	// vol:wang:pts 37.5
	// shop:c01 15
}

// Verify recomputes every balance from the postings and walks the hash chain; nil means the
// ledger is whole. (ledger/sqlstore's example shows it catching a row edited behind the
// ledger's back.)
func ExampleLedger_Verify() {
	l, ctx := newExampleLedger()
	_, err := l.Post(ctx, ledger.Transaction{Postings: []ledger.Posting{award("20")}})
	must(err)
	fmt.Println(l.Verify(ctx))
	// Output:
	// <nil>
}

// Balances reads many accounts at one consistent point: here a volunteer with a redemption
// pending in the points shop (a hold) and the shop itself.
func ExampleLedger_Balances() {
	l, ctx := newExampleLedger()
	_, err := l.Post(ctx, ledger.Transaction{Postings: []ledger.Posting{award("50")}})
	must(err)
	_, err = l.Hold(ctx, award2("vol:wang:pts", "shop:c01", "30"), ledger.HoldOptions{IdempotencyKey: "redeem:rice:wang"})
	must(err)

	bs, err := l.Balances(ctx, []ledger.AccountID{"vol:wang:pts", "shop:c01"})
	must(err)
	for _, b := range bs {
		fmt.Println(b.ID, "balance", b.Balance, "available", b.Available)
	}
	// Output:
	// vol:wang:pts balance 50 available 20
	// shop:c01 balance 0 available 0
}
