package catalog_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/catalog/memstore"
	"github.com/tongxin/tongxin/catalog/storetest"
)

// The closed loop for one micro-wish: a resident orders, the community publishes a board, a
// volunteer claims, serves and reports, the resident rates, the community audits, and the
// points scheme marks the award.
func Example() {
	ctx := context.Background()
	clock := storetest.NewClock()
	c, _ := catalog.New(memstore.New(), catalog.WithNow(clock.Now), catalog.WithIDs(storetest.SeqIDs()))

	wish, _ := c.CreateDemand(ctx, catalog.Demand{
		Kind: catalog.Wish, Title: "上门理发", Category: "haircut", Status: catalog.StatusOpen,
		Requester: catalog.RequesterRef{ID: "res-17", Name: "王阿姨"},
		Location:  catalog.Location{Grid: "幸福街道/阳光社区/1网格/3栋"},
		Priority:  catalog.PriorityElderlyAlone,
	}, "res-17")
	vol, _ := c.RegisterProvider(ctx, catalog.Provider{
		Kind: catalog.Volunteer, Name: "张师傅", PersonID: "res-42", Skills: []catalog.Skill{"haircut"},
		Home: "幸福街道/阳光社区/2网格", Capacity: 3, Flags: catalog.FlagPartyMember,
	}, "community")
	_, _ = c.PublishBoard(ctx, catalog.BoardSpec{
		Name: "五月微心愿榜", Kind: catalog.BoardWishes, Scope: "幸福街道/阳光社区",
		OpensAt: clock.Now(), ClosesAt: clock.Now().Add(30 * 24 * time.Hour),
		Demands: []uuid.UUID{wish.ID}, Actor: "community",
	})
	_, _ = c.Claim(ctx, wish.ID, vol.ID, catalog.Act{Actor: "res-42"})
	_, _ = c.Start(ctx, wish.ID, catalog.Act{Actor: "res-42"})
	_, _ = c.Complete(ctx, wish.ID, []catalog.WorkReport{{ProviderID: vol.ID, Hours: decimal.RequireFromString("0.5")}}, catalog.Act{Actor: "res-42"})
	_, _ = c.Rate(ctx, wish.ID, 5, "很满意", catalog.Act{Actor: "res-17"})
	_, _ = c.Audit(ctx, wish.ID, []catalog.AuditDecision{{ProviderID: vol.ID, Approved: true, Hours: decimal.RequireFromString("0.5")}}, catalog.Act{Actor: "auditor"})
	_, _ = c.MarkAwarded(ctx, wish.ID, vol.ID, "points")

	events, _ := c.History(ctx, wish.ID, 0, 0)
	for _, e := range events {
		fmt.Printf("%d %-8s %s -> %s by %s\n", e.Seq, e.Action, e.From, e.To, e.Actor)
	}
	// Output:
	// 1 create   none -> open by res-17
	// 2 publish  open -> published by community
	// 3 claim    published -> accepted by res-42
	// 4 start    accepted -> in_progress by res-42
	// 5 complete in_progress -> completed by res-42
	// 6 rate     completed -> rated by res-17
	// 7 audit    rated -> audited by auditor
	// 8 award    audited -> awarded by points
}

// Fifty volunteers race for a wish with one place: exactly one wins.
func ExampleCatalog_Claim() {
	ctx := context.Background()
	f := storetest.NewFixture(nopTB{}, memstore.New())
	wish := f.OpenWish(nopTB{}, storetest.Wish("res-1"))
	f.Board(nopTB{}, wish.ID)
	results := make(chan error)
	for i := 0; i < 50; i++ {
		v := f.Register(nopTB{}, storetest.Volunteer(fmt.Sprintf("v%d", i)))
		go func() {
			_, err := f.Cat.Claim(ctx, wish.ID, v.ID, catalog.Act{Actor: "volunteer"})
			results <- err
		}()
	}
	won, full := 0, 0
	for i := 0; i < 50; i++ {
		switch err := <-results; {
		case err == nil:
			won++
		case errors.Is(err, catalog.ErrHeadcountFull):
			full++
		}
	}
	fmt.Println("won:", won, "headcount full:", full)
	// Output: won: 1 headcount full: 49
}

// A spreadsheet with one bad row imports nothing and names every bad cell.
func ExampleCatalog_ImportDemands() {
	c, _ := catalog.New(memstore.New())
	sheet := "\ufeff类型,标题,类别,居民编号,网格\n" +
		"微心愿,上门理发,义务理发,r1,幸福街道/阳光社区\n" +
		"微心愿,,理发,r2,幸福街道\n"
	_, err := c.ImportDemands(context.Background(), strings.NewReader(sheet), "operator")
	var ie *catalog.ImportError
	if errors.As(err, &ie) {
		for _, r := range ie.Rows {
			fmt.Println(r)
		}
	}
	page, _ := c.Demands(context.Background(), catalog.DemandQuery{})
	fmt.Println("imported:", len(page.Demands))
	// Output:
	// line 3 column 2 (标题): title is required
	// line 3 column 3 (类别): unknown category "理发"
	// line 3 column 5 (网格): grid "幸福街道": need at least street/community
	// imported: 0
}

func ExampleGridPath_Distance() {
	a := catalog.GridPath("幸福街道/阳光社区/1网格/3栋")
	fmt.Println(a.Distance("幸福街道/阳光社区/1网格/5栋"))
	fmt.Println(a.Distance("幸福街道/阳光社区/2网格/1栋"))
	fmt.Println(a.Community())
	// Output:
	// 2
	// 4
	// 幸福街道/阳光社区
}

func ExampleCatalog_ExportDemands() {
	ctx := context.Background()
	c, _ := catalog.New(memstore.New(), catalog.WithIDs(storetest.SeqIDs()), catalog.WithNow(storetest.NewClock().Now))
	_, _ = c.ImportDemands(ctx, strings.NewReader("kind,title,category,requester_id,grid,priority\n"+
		"wish,Fix the tap,repair_electric,r1,幸福街道/阳光社区,elderly_alone\n"), "operator")
	_ = c.ExportDemands(ctx, os.Stdout, catalog.DemandQuery{Statuses: catalog.OpenStatuses}, catalog.CSVOptions{})
	// Output:
	// id,kind,title,description,category,requester_id,requester_name,grid,lat,lng,skills,headcount,estimated_minutes,window_start,window_end,priority,urgency,deadline,budget,status,version,board_id,filled,created_at
	// 00000000-0000-8000-8000-000000000001,wish,Fix the tap,,repair_electric,r1,,幸福街道/阳光社区,,,repair_electric,1,60,,,elderly_alone,normal,,,open,1,,0,2026-05-01 17:00:00
}

// 社区派单: the community sends an urgent two-person matter to three named volunteers. The
// first two to accept fill it and the third is refused; a volunteer who was not named cannot
// take it; one who withdraws before the start gives the place back to the others.
func ExampleCatalog_Dispatch() {
	ctx := context.Background()
	clock := storetest.NewClock()
	c, _ := catalog.New(memstore.New(), catalog.WithNow(clock.Now), catalog.WithIDs(storetest.SeqIDs()))
	matter, _ := c.CreateDemand(ctx, catalog.Demand{
		Kind: catalog.PracticalMatter, Title: "5栋楼道清理杂物", Category: "cleaning", Headcount: 2,
		Requester: catalog.RequesterRef{ID: "grid-3", Name: "第3网格网格员"},
		Location:  catalog.Location{Grid: "幸福街道/阳光社区/3网格/5栋"}, Urgency: catalog.UrgencyUrgent,
		Status: catalog.StatusOpen,
	}, "office")
	ids := map[string]uuid.UUID{}
	for _, name := range []string{"张", "赵", "钱", "孙"} {
		v, _ := c.RegisterProvider(ctx, catalog.Provider{
			Kind: catalog.Volunteer, Name: name, PersonID: "r-" + name, Skills: []catalog.Skill{"cleaning"},
			Home: "幸福街道/阳光社区/3网格", Capacity: 2,
		}, "office")
		ids[name] = v.ID
	}
	accept := func(name string) {
		_, err := c.Claim(ctx, matter.ID, ids[name], catalog.Act{Actor: "r-" + name})
		d, _ := c.Demand(ctx, matter.ID)
		switch {
		case errors.Is(err, catalog.ErrHeadcountFull):
			fmt.Println(name, "refused: headcount full")
		case errors.Is(err, catalog.ErrIneligible):
			fmt.Println(name, "refused: not dispatched to")
		case err != nil:
			fmt.Println(name, "refused:", err)
		default:
			fmt.Printf("%s accepts: %d of %d, %s\n", name, d.Filled, d.Headcount, d.Status)
		}
	}

	d, _ := c.Dispatch(ctx, matter.ID, []uuid.UUID{ids["张"], ids["赵"], ids["钱"]}, catalog.Act{Actor: "office"})
	fmt.Println("status:", d.Status)
	accept("张")
	accept("赵")
	accept("钱")
	d, _ = c.Withdraw(ctx, matter.ID, ids["赵"], catalog.Act{Actor: "r-赵"})
	fmt.Printf("赵 withdraws: %d of %d, %s\n", d.Filled, d.Headcount, d.Status)
	accept("孙")
	accept("钱")
	// Output:
	// status: dispatched
	// 张 accepts: 1 of 2, claimed
	// 赵 accepts: 2 of 2, accepted
	// 钱 refused: headcount full
	// 赵 withdraws: 1 of 2, claimed
	// 孙 refused: not dispatched to
	// 钱 accepts: 2 of 2, accepted
}
