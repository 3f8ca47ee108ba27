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

// 幸福街道办事处 imports the volunteer roster (资源清单) its communities keep in a spreadsheet:
// Chinese headers, Excel's byte-order mark, lists split by ';' or '；'. The whole sheet is
// registered in one write, and the roster answers the matcher's queries at once.
func ExampleCatalog_ImportProviders() {
	ctx := context.Background()
	c, _ := catalog.New(memstore.New(), catalog.WithIDs(storetest.SeqIDs()), catalog.WithNow(storetest.NewClock().Now))
	roster := "\ufeff类型,名称,居民编号,技能,所属网格,服务容量,服务时间,标记\n" +
		"志愿者,张师傅,res-42,haircut,幸福街道/阳光社区/2网格,3,周六 8-12,党员\n" +
		"志愿者,李医生,res-51,medical;companionship,幸福街道/阳光社区/1网格,2,周三 14-17；周日 9-11,双报到；专业人员\n" +
		"微团队,阳光理发队,,haircut,幸福街道/和平社区,5,,\n"
	ps, err := c.ImportProviders(ctx, strings.NewReader(roster), "street-office")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range ps {
		fmt.Printf("%-9s %s %v capacity %d, %s\n", p.Kind, p.Name, p.Skills, p.Capacity, p.Availability)
	}
	page, _ := c.Providers(ctx, catalog.ProviderQuery{Skill: "haircut", Grid: "幸福街道/阳光社区"})
	for _, p := range page.Providers {
		fmt.Println("haircuts in 阳光社区:", p.Name)
	}
	// Output:
	// volunteer 张师傅 [haircut] capacity 3, sat 8-12
	// volunteer 李医生 [medical companionship] capacity 2, sun 9-11; wed 14-17
	// team      阳光理发队 [haircut] capacity 5, any
	// haircuts in 阳光社区: 张师傅
}

// The month's wish board (揭榜) closes: a wish no one claimed returns to Open, off the board,
// ready for next month's; a wish partly claimed keeps its volunteer and stays Claimed; a wish
// whose places are all taken stays Accepted. After the close no one can claim from the board.
func ExampleCatalog_CloseBoard() {
	ctx := context.Background()
	f := storetest.NewFixture(nopTB{}, memstore.New())
	wish := func(title, category string, headcount int) catalog.Demand {
		d := storetest.Wish("res-1")
		d.Title, d.Category, d.Headcount = title, category, headcount
		return f.OpenWish(nopTB{}, d)
	}
	haircut, visit, tutoring := wish("上门理发", "haircut", 1), wish("探访独居老人", "elderly_visit", 2), wish("作业辅导", "tutoring", 1)
	board := f.Board(nopTB{}, haircut.ID, visit.ID, tutoring.ID)
	zhang := f.Register(nopTB{}, storetest.Volunteer("zhang"))
	li := f.Register(nopTB{}, storetest.Volunteer("li"))
	_, _ = f.Cat.Claim(ctx, haircut.ID, zhang.ID, catalog.Act{Actor: "zhang"})
	_, _ = f.Cat.Claim(ctx, visit.ID, li.ID, catalog.Act{Actor: "li"})

	f.Clock.Advance(30 * 24 * time.Hour)
	closed, _ := f.Cat.CloseBoard(ctx, board.ID, "community")
	fmt.Println("board closed:", closed.Closed)
	for _, id := range []uuid.UUID{haircut.ID, visit.ID, tutoring.ID} {
		d, _ := f.Cat.Demand(ctx, id)
		fmt.Printf("%s: %s, on board: %v\n", d.Title, d.Status, d.BoardID == board.ID)
	}
	_, err := f.Cat.Claim(ctx, visit.ID, zhang.ID, catalog.Act{Actor: "zhang"})
	fmt.Println("late claim refused:", errors.Is(err, catalog.ErrBoardClosed))
	// Output:
	// board closed: true
	// 上门理发: accepted, on board: true
	// 探访独居老人: claimed, on board: true
	// 作业辅导: open, on board: false
	// late claim refused: true
}

// The nightly sweep: wishes still waiting for a volunteer when their deadline passes expire
// (mooncakes are no use after the Mid-Autumn Festival); one a volunteer has claimed goes on, and one
// whose deadline is still ahead waits.
func ExampleCatalog_ExpireDue() {
	ctx := context.Background()
	f := storetest.NewFixture(nopTB{}, memstore.New())
	now := f.Clock.Now()
	wish := func(title, category string, deadline time.Time) catalog.Demand {
		d := storetest.Wish("res-1")
		d.Title, d.Category, d.Deadline = title, category, deadline
		return f.OpenWish(nopTB{}, d)
	}
	mooncakes := wish("中秋送月饼", "goods", now.Add(7*24*time.Hour))
	haircut := wish("节前理发", "haircut", now.Add(7*24*time.Hour))
	later := wish("冬衣捐赠", "goods", now.Add(60*24*time.Hour))
	f.Board(nopTB{}, mooncakes.ID, haircut.ID, later.ID)
	v := f.Register(nopTB{}, storetest.Volunteer("zhang"))
	_, _ = f.Cat.Claim(ctx, haircut.ID, v.ID, catalog.Act{Actor: "zhang"})

	f.Clock.Advance(8 * 24 * time.Hour)
	n, _ := f.Cat.ExpireDue(ctx, f.Clock.Now())
	fmt.Println("expired:", n)
	for _, id := range []uuid.UUID{mooncakes.ID, haircut.ID, later.ID} {
		d, _ := f.Cat.Demand(ctx, id)
		fmt.Printf("%s: %s\n", d.Title, d.Status)
	}
	events, _ := f.Cat.History(ctx, mooncakes.ID, 0, 0)
	last := events[len(events)-1]
	fmt.Printf("%s by %s: %s\n", last.Action, last.Actor, last.Reason)
	// Output:
	// expired: 1
	// 中秋送月饼: expired
	// 节前理发: accepted
	// 冬衣捐赠: published
	// expire by system: deadline passed
}
