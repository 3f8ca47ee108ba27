package embed_test

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/tongxin/tongxin/catalog"
	catalogsql "github.com/tongxin/tongxin/catalog/sqlstore"
	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/sqlstore"
	"github.com/tongxin/tongxin/points"
)

// Example is the README's embedding example: one wish from posting to points.
func Example() {
	ctx := context.Background()
	// ":memory:" keeps nothing; a file path ("tongxin.db", the same for both) keeps it all.
	store := must(sqlstore.OpenSQLite(ctx, ":memory:"))
	led := must(ledger.New(ctx, store))
	lists := must(catalogsql.OpenSQLite(ctx, ":memory:"))
	cat := must(catalog.New(lists))
	inc := must(points.New(ctx, led, points.Scheme{Community: "yangguang", PointsPerHour: decimal.NewFromInt(10)}))

	grid := must(catalog.ParseGridPath("幸福街道/阳光社区/第3网格"))
	li := must(cat.RegisterProvider(ctx, catalog.Provider{Kind: catalog.Volunteer, Name: "李师傅", PersonID: "r-li",
		Skills: []catalog.Skill{"repair_electric"}, Home: grid, Capacity: 2}, "office"))
	wish := must(cat.CreateDemand(ctx, catalog.Demand{Kind: catalog.Wish, Title: "厨房水龙头漏水", Category: "repair_electric",
		Requester: catalog.RequesterRef{ID: "r-wang", Name: "王奶奶"}, Location: catalog.Location{Grid: grid},
		Headcount: 1, Status: catalog.StatusOpen}, "office"))

	act := catalog.Act{Actor: "office"}
	must(cat.Dispatch(ctx, wish.ID, []uuid.UUID{li.ID}, act))        // 社区派单
	must(cat.Claim(ctx, wish.ID, li.ID, catalog.Act{Actor: "r-li"})) // 党员接单
	must(cat.Start(ctx, wish.ID, act))
	must(cat.Complete(ctx, wish.ID, []catalog.WorkReport{{ProviderID: li.ID, Hours: decimal.NewFromInt(2)}}, act))
	must(cat.Audit(ctx, wish.ID, []catalog.AuditDecision{{ProviderID: li.ID, Approved: true, Hours: decimal.NewFromInt(2)}}, act)) // 社区审核
	receipt := must(inc.AwardAudited(ctx, cat, wish.ID, li.ID, "office"))                                                          // 赋分, once per (demand, provider)

	fmt.Println("points awarded:", receipt.Points)
	fmt.Println("ledger verified:", led.Verify(ctx) == nil)
	for _, c := range []interface{ Close() error }{store, lists} { // a service closes them on shutdown
		if err := c.Close(); err != nil {
			panic(err)
		}
	}
	// Output:
	// points awarded: 20
	// ledger verified: true
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
