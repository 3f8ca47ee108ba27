package points_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/tongxin/tongxin/catalog"
	catmem "github.com/tongxin/tongxin/catalog/memstore"
	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/memstore"
	"github.com/tongxin/tongxin/points"
)

func check(err error) {
	if err != nil {
		panic(err)
	}
}

// exampleAudited sets up a ledger and a catalog on one fixed clock and walks a haircut wish of
// resident r-zhang through the closed loop to an approved audit of 2 hours for volunteer wang.
func exampleAudited() (context.Context, *ledger.Ledger, *catalog.Catalog, catalog.Demand, catalog.Provider) {
	return exampleAuditedAt(func() time.Time { return time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC) })
}

// exampleAuditedAt is exampleAudited with the ledger and the catalog on the clock now.
func exampleAuditedAt(now func() time.Time) (context.Context, *ledger.Ledger, *catalog.Catalog, catalog.Demand, catalog.Provider) {
	ctx := context.Background()
	l, err := ledger.New(ctx, memstore.New(), ledger.WithClock(now))
	check(err)
	cat, err := catalog.New(catmem.New(), catalog.WithNow(now))
	check(err)
	v, err := cat.RegisterProvider(ctx, catalog.Provider{Kind: catalog.Volunteer, Name: "王师傅", PersonID: "wang",
		Skills: []catalog.Skill{"haircut"}, Home: "幸福街道/阳光社区/1网格", Capacity: 3}, "operator")
	check(err)
	d := exampleServe(ctx, cat, v, catalog.RequesterRef{ID: "r-zhang", Name: "张奶奶"}, "幸福街道/阳光社区/1网格/3栋", 2)
	return ctx, l, cat, d, v
}

// exampleServe walks a haircut wish of requester at grid through dispatch to v, claim, start,
// completion and an approved audit of hours, and returns the audited demand.
func exampleServe(ctx context.Context, cat *catalog.Catalog, v catalog.Provider, requester catalog.RequesterRef, grid catalog.GridPath, hours int64) catalog.Demand {
	d, err := cat.CreateDemand(ctx, catalog.Demand{Kind: catalog.Wish, Title: "上门理发", Category: "haircut",
		Requester: requester, Location: catalog.Location{Grid: grid}, Status: catalog.StatusOpen}, "operator")
	check(err)
	act := catalog.Act{Actor: "operator"}
	_, err = cat.Dispatch(ctx, d.ID, []uuid.UUID{v.ID}, act)
	check(err)
	_, err = cat.Claim(ctx, d.ID, v.ID, act)
	check(err)
	_, err = cat.Start(ctx, d.ID, act)
	check(err)
	_, err = cat.Complete(ctx, d.ID, []catalog.WorkReport{{ProviderID: v.ID, Hours: decimal.NewFromInt(hours)}}, act)
	check(err)
	d, err = cat.Audit(ctx, d.ID, []catalog.AuditDecision{{ProviderID: v.ID, Approved: true, Hours: decimal.NewFromInt(hours)}}, catalog.Act{Actor: "auditor-li"})
	check(err)
	return d
}

func exampleScheme() points.Scheme {
	s, err := points.ParseScheme([]byte(`{
		"community": "yangguang",
		"base": [{"points": "10"}, {"category": "haircut", "kind": "wish", "points": "20"}],
		"points_per_hour": "5",
		"daily_cap": "100",
		"validity_months": 36
	}`))
	check(err)
	return s
}

func ExampleIncentive_AwardAudited() {
	ctx, l, cat, d, v := exampleAudited()
	inc, err := points.New(ctx, l, exampleScheme())
	check(err)

	r, err := inc.AwardAudited(ctx, cat, d.ID, v.ID, "auditor-li")
	check(err)
	again, err := inc.AwardAudited(ctx, cat, d.ID, v.ID, "auditor-li") // a retry: no second posting
	check(err)
	got, err := cat.Demand(ctx, d.ID)
	check(err)
	balance, err := inc.Balance(ctx, points.ProviderHolder(v))
	check(err)

	fmt.Println("points:", r.Points, "key:", r.Transaction.IdempotencyKey == points.AwardKey(d.ID, v.ID))
	fmt.Println("same posting on retry:", again.Transaction.ID == r.Transaction.ID)
	fmt.Println("balance:", balance, "demand:", got.Status)
	fmt.Println("verify:", l.Verify(ctx))
	// Output:
	// points: 30 key: true
	// same posting on retry: true
	// balance: 30 demand: awarded
	// verify: <nil>
}

func ExampleShop_Redeem() {
	ctx, l, cat, d, v := exampleAudited()
	inc, err := points.New(ctx, l, exampleScheme())
	check(err)
	_, err = inc.AwardAudited(ctx, cat, d.ID, v.ID, "auditor-li")
	check(err)
	wang := points.ProviderHolder(v)

	shop, err := points.NewShop(ctx, inc)
	check(err)
	check(shop.AddItem(ctx, points.Item{SKU: "rice-5kg", Name: "大米 5kg", Price: decimal.NewFromInt(25)}))
	check(shop.Restock(ctx, "rice-5kg", 1, "delivery-0501"))

	r, err := shop.Redeem(ctx, "order-1", wang, "rice-5kg", 1)
	check(err)
	_, err = shop.Redeem(ctx, "order-2", wang, "rice-5kg", 1)
	fmt.Println("second order:", errors.Is(err, points.ErrOutOfStock))
	check(shop.Fulfil(ctx, r))

	balance, _ := inc.Balance(ctx, wang)
	stock, _ := shop.Stock(ctx, "rice-5kg")
	fmt.Println("paid:", r.Points, "left:", balance, "stock:", stock)
	// Output:
	// second order: true
	// paid: 25 left: 5 stock: 0
}

func ExampleTimeBank() {
	ctx, l, cat, d, v := exampleAudited()
	bank, err := points.NewTimeBank(ctx, l, points.TimeBankConfig{
		Community:  "yangguang",
		StorageCap: decimal.NewFromInt(1500),
		Policy:     points.AgePolicy(65, 60),
	})
	check(err)
	wang := points.ProviderHolder(v)

	// One audited hour served is one hour deposited.
	c, err := points.CompletionOf(ctx, cat, d.ID, v.ID)
	check(err)
	_, err = bank.Deposit(ctx, c)
	check(err)

	// Wang gives half an hour to his mother (转赠).
	mother := points.PersonHolder("wang-mother")
	_, err = bank.Gift(ctx, points.Gift{Key: "gift-1", From: wang, To: mother, Hours: decimal.RequireFromString("0.5"), Relationship: "parent"})
	check(err)

	// His mother, 72, is served for half an hour; wang, 45, may not withdraw yet.
	served := uuid.MustParse("0196a000-0000-7000-8000-000000000001")
	_, err = bank.Withdraw(ctx, points.Withdrawal{Member: points.Member{Holder: mother, Age: 72}, Hours: decimal.RequireFromString("0.5"), DemandID: served})
	check(err)
	_, err = bank.Withdraw(ctx, points.Withdrawal{Member: points.Member{Holder: wang, Age: 45}, Hours: decimal.NewFromInt(1), DemandID: served})
	fmt.Println("wang refused:", errors.Is(err, points.ErrWithdrawRefused))

	st, err := bank.Statement(ctx, wang, "", 0)
	check(err)
	for _, e := range st.Entries {
		line := fmt.Sprint(e.Kind, " ", e.Change, " balance ", e.Balance)
		if e.Relationship != "" {
			line += " to " + e.Relationship
		}
		fmt.Println(line)
	}
	left, _ := bank.Hours(ctx, mother)
	fmt.Println("mother:", left)
	// Output:
	// wang refused: true
	// deposit 2 balance 2
	// gift -0.5 balance 1.5 to parent
	// mother: 0
}

// ExampleExpireAll expires the points of two communities' schemes on one ledger at year end,
// reading the ledger once: what a district's scheduled job runs.
func ExampleExpireAll() {
	ctx := context.Background()
	now := time.Date(2026, 12, 31, 12, 0, 0, 0, time.UTC) // 20:00 in Beijing, the scheme's time zone
	l, err := ledger.New(ctx, memstore.New(), ledger.WithClock(func() time.Time { return now }))
	check(err)
	var incs []*points.Incentive
	for i, c := range []string{"yangguang", "xingfu"} {
		inc, err := points.New(ctx, l, points.Scheme{Community: c, Base: []points.BaseRule{{Points: decimal.NewFromInt(10)}}, ValidityMonths: 12})
		check(err)
		incs = append(incs, inc)
		// A volunteer received points 18 months ago and more last month.
		acct := inc.HolderAccount(points.PersonHolder("wang"))
		check(l.OpenAccount(ctx, ledger.Account{ID: acct, Asset: "PTS"}))
		for _, g := range []struct {
			months int
			points int64
		}{{18, 30 + int64(i)*10}, {1, 20}} {
			_, err = l.Post(ctx, ledger.Transaction{EffectiveAt: now.AddDate(0, -g.months, 0),
				Postings: []ledger.Posting{{From: inc.IssuerAccount(), To: acct, Amount: decimal.NewFromInt(g.points), Asset: "PTS"}}})
			check(err)
		}
	}
	reps, err := points.ExpireAll(ctx, now, incs...)
	check(err)
	for i, r := range reps {
		left, err := incs[i].Balance(ctx, points.PersonHolder("wang"))
		check(err)
		fmt.Printf("%s %s: %s points expired, %s left\n", incs[i].Scheme().Community, r.Period, r.Points, left)
	}
	// Output:
	// yangguang 20261231: 30 points expired, 20 left
	// xingfu 20261231: 40 points expired, 20 left
}

// 积分清零: the scheme's points are valid for 36 months. Wang was awarded 30 points for a
// haircut on 1 May 2026 and spent 25 of them at the points shop; two years later he was
// awarded 25 more. The nightly job of 2 May 2029 expires what is left of the first award;
// spending took the oldest points first, and the newer award stays. Running the job again
// the same day (a retry, or a second process) expires nothing more.
func ExampleIncentive_Expire() {
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	ctx, l, cat, d, v := exampleAuditedAt(func() time.Time { return now })
	inc, err := points.New(ctx, l, exampleScheme())
	check(err)
	_, err = inc.AwardAudited(ctx, cat, d.ID, v.ID, "auditor-li") // 30 points
	check(err)
	shop, err := points.NewShop(ctx, inc)
	check(err)
	check(shop.AddItem(ctx, points.Item{SKU: "rice-5kg", Name: "大米 5kg", Price: decimal.NewFromInt(25)}))
	check(shop.Restock(ctx, "rice-5kg", 1, "delivery-0501"))
	r, err := shop.Redeem(ctx, "order-1", points.ProviderHolder(v), "rice-5kg", 1)
	check(err)
	check(shop.Fulfil(ctx, r))

	now = time.Date(2028, 5, 1, 9, 0, 0, 0, time.UTC)
	d2 := exampleServe(ctx, cat, v, catalog.RequesterRef{ID: "r-liu", Name: "刘爷爷"}, "幸福街道/阳光社区/1网格/7栋", 1)
	_, err = inc.AwardAudited(ctx, cat, d2.ID, v.ID, "auditor-li") // 25 points
	check(err)

	// The nightly runs of 1 and 2 May 2029, in the scheme's time zone, whose days are the
	// periods.
	beijing := time.FixedZone("UTC+8", 8*60*60)
	for _, day := range []int{1, 2} {
		now = time.Date(2029, 5, day, 2, 0, 0, 0, beijing)
		rep, err := inc.Expire(ctx, now)
		check(err)
		fmt.Println(rep.Period, "expired:", rep.Points, "accounts:", rep.Accounts)
	}
	again, err := inc.Expire(ctx, now)
	check(err)
	balance, _ := inc.Balance(ctx, points.ProviderHolder(v))
	expired, _ := l.Balance(ctx, inc.ExpiryAccount())
	fmt.Println("again:", again.Points, "already done:", again.AlreadyDone)
	fmt.Println("wang keeps:", balance, "expired in all:", expired)
	// Output:
	// 20290501 expired: 0 accounts: 0
	// 20290502 expired: 5 accounts: 1
	// again: 0 already done: 1
	// wang keeps: 25 expired in all: 5
}

// An award found fraudulent after the volunteer spent most of it: what is left is taken back
// and the rest becomes a debt that later awards pay off first. A second clawback changes
// nothing.
func ExampleIncentive_Clawback() {
	ctx, l, cat, d, v := exampleAudited()
	inc, err := points.New(ctx, l, exampleScheme())
	check(err)
	_, err = inc.AwardAudited(ctx, cat, d.ID, v.ID, "auditor-li") // 30 points
	check(err)
	wang := points.ProviderHolder(v)
	shop, err := points.NewShop(ctx, inc)
	check(err)
	check(shop.AddItem(ctx, points.Item{SKU: "rice-5kg", Name: "大米 5kg", Price: decimal.NewFromInt(25)}))
	check(shop.Restock(ctx, "rice-5kg", 1, "delivery-0501"))
	r, err := shop.Redeem(ctx, "order-1", wang, "rice-5kg", 1)
	check(err)
	check(shop.Fulfil(ctx, r))

	res, err := inc.Clawback(ctx, d.ID, v, "服务照片造假 the photo of the work was faked")
	check(err)
	balance, _ := inc.Balance(ctx, wang)
	debt, _ := inc.Debt(ctx, wang)
	fmt.Println("recovered:", res.Recovered, "debt:", res.Debt)
	fmt.Println("balance:", balance, "owed:", debt)
	again, err := inc.Clawback(ctx, d.ID, v, "服务照片造假 the photo of the work was faked")
	check(err)
	fmt.Println("again:", again.AlreadyDone, "verify:", l.Verify(ctx))
	// Output:
	// recovered: 5 debt: 25
	// balance: 0 owed: 25
	// again: true verify: <nil>
}

// 积分排行: the month's leaderboard, computed from the ledger alone. Two volunteers are
// awarded for audited work; a clawed-back award no longer counts.
func ExampleLeaderboards() {
	ctx, l, cat, d, wang := exampleAudited() // wang's 2 h haircut, audited
	inc, err := points.New(ctx, l, exampleScheme())
	check(err)
	_, err = inc.AwardAudited(ctx, cat, d.ID, wang.ID, "auditor-li")
	check(err)

	// A second volunteer, zhao, cuts two residents' hair for an hour each.
	zhao, err := cat.RegisterProvider(ctx, catalog.Provider{Kind: catalog.Volunteer, Name: "赵阿姨", PersonID: "zhao",
		Skills: []catalog.Skill{"haircut"}, Home: "幸福街道/阳光社区/1网格", Capacity: 3}, "operator")
	check(err)
	var second uuid.UUID
	for _, resident := range []string{"r-li", "r-chen"} {
		w, err := cat.CreateDemand(ctx, catalog.Demand{Kind: catalog.Wish, Title: "上门理发", Category: "haircut",
			Requester: catalog.RequesterRef{ID: resident}, Location: catalog.Location{Grid: "幸福街道/阳光社区/1网格/5栋"},
			Status: catalog.StatusOpen}, "operator")
		check(err)
		act := catalog.Act{Actor: "operator"}
		_, err = cat.Dispatch(ctx, w.ID, []uuid.UUID{zhao.ID}, act)
		check(err)
		_, err = cat.Claim(ctx, w.ID, zhao.ID, act)
		check(err)
		_, err = cat.Start(ctx, w.ID, act)
		check(err)
		_, err = cat.Complete(ctx, w.ID, []catalog.WorkReport{{ProviderID: zhao.ID, Hours: decimal.NewFromInt(1)}}, act)
		check(err)
		_, err = cat.Audit(ctx, w.ID, []catalog.AuditDecision{{ProviderID: zhao.ID, Approved: true, Hours: decimal.NewFromInt(1)}}, act)
		check(err)
		_, err = inc.AwardAudited(ctx, cat, w.ID, zhao.ID, "auditor-li")
		check(err)
		second = w.ID
	}
	_, err = inc.Clawback(ctx, second, zhao, "重复上报 reported twice")
	check(err)

	may := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	board, err := points.Leaderboards(ctx, l, points.LeaderboardQuery{From: may, To: may.AddDate(0, 1, 0), Community: "yangguang"})
	check(err)
	for i, p := range board.Providers {
		fmt.Printf("%d. %s %s points, %d activities, %s h\n", i+1, p.Holder, p.Points, p.Activities, p.Hours)
	}
	for _, c := range board.Communities {
		fmt.Println(c.Community, c.Points, "points from", c.Providers, "providers")
	}
	// Output:
	// 1. p-wang 30 points, 1 activities, 2 h
	// 2. p-zhao 25 points, 1 activities, 1 h
	// yangguang 55 points from 2 providers
}

// 通存通兑: hours deposited in one community are spent in another. Wang, of 阳光社区
// (yangguang), deposited 2 hours for a haircut and is later served for 1.5 hours in 星火社区
// (xinghuo); zhao, of xinghuo, deposited 1 hour and is served for half an hour in yangguang.
// Settlement nets each pair of banks from their clearing accounts: yangguang owes xinghuo one
// hour. 和谐社区 (hexie) exchanged nothing with either and is left out.
func ExampleSettlement() {
	ctx, l, cat, d, wang := exampleAudited() // wang's 2 h haircut for 张奶奶, audited
	banks := map[string]*points.TimeBank{}
	for _, c := range []string{"yangguang", "xinghuo", "hexie"} {
		b, err := points.NewTimeBank(ctx, l, points.TimeBankConfig{Community: c, StorageCap: decimal.NewFromInt(1500)})
		check(err)
		banks[c] = b
	}
	c, err := points.CompletionOf(ctx, cat, d.ID, wang.ID)
	check(err)
	_, err = banks["yangguang"].Deposit(ctx, c)
	check(err)

	zhao, err := cat.RegisterProvider(ctx, catalog.Provider{Kind: catalog.Volunteer, Name: "赵阿姨", PersonID: "zhao",
		Skills: []catalog.Skill{"haircut"}, Home: "幸福街道/星火社区/2网格", Capacity: 3}, "operator")
	check(err)
	d2 := exampleServe(ctx, cat, zhao, catalog.RequesterRef{ID: "r-sun", Name: "孙大爷"}, "幸福街道/星火社区/2网格/1栋", 1)
	c, err = points.CompletionOf(ctx, cat, d2.ID, zhao.ID)
	check(err)
	_, err = banks["xinghuo"].Deposit(ctx, c)
	check(err)

	// Each is served in the other's community: the withdrawal names the serving bank.
	_, err = banks["yangguang"].Withdraw(ctx, points.Withdrawal{Member: points.Member{Holder: points.ProviderHolder(wang)},
		Hours: decimal.RequireFromString("1.5"), DemandID: uuid.MustParse("0196a000-0000-7000-8000-000000000002"), ServedBy: banks["xinghuo"]})
	check(err)
	_, err = banks["xinghuo"].Withdraw(ctx, points.Withdrawal{Member: points.Member{Holder: points.ProviderHolder(zhao)},
		Hours: decimal.RequireFromString("0.5"), DemandID: uuid.MustParse("0196a000-0000-7000-8000-000000000003"), ServedBy: banks["yangguang"]})
	check(err)

	nets, err := points.Settlement(ctx, []*points.TimeBank{banks["yangguang"], banks["xinghuo"], banks["hexie"]})
	check(err)
	for _, n := range nets {
		if n.Hours.IsPositive() {
			fmt.Println(n.A, "owes", n.B, n.Hours, "h")
		} else {
			fmt.Println(n.B, "owes", n.A, n.Hours.Neg(), "h")
		}
	}
	left, _ := banks["yangguang"].Hours(ctx, points.ProviderHolder(wang))
	fmt.Println("pairs:", len(nets), "wang keeps:", left, "h", "verify:", l.Verify(ctx))
	// Output:
	// yangguang owes xinghuo 1 h
	// pairs: 1 wang keeps: 0.5 h verify: <nil>
}
