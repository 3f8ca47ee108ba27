package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/tongxin/tongxin/catalog"
	catalogmem "github.com/tongxin/tongxin/catalog/memstore"
	"github.com/tongxin/tongxin/examples/internal/textwidth"
	"github.com/tongxin/tongxin/ledger"
	ledgermem "github.com/tongxin/tongxin/ledger/memstore"
	"github.com/tongxin/tongxin/matching"
	"github.com/tongxin/tongxin/points"
)

// racers is how many volunteers try to claim the last place of one wish at the same moment.
const racers = 5

// result is what the story did, for the test to check.
type result struct {
	wishes           int // 微心愿 posted
	practicalMatters int // 微实事 posted
	claims           int
	raceWinners      int
	raceRefused      int
	raceWinner       string // the name of the volunteer who won the race
	awards           int
	rejected         int
	pointsIssued     decimal.Decimal
	redeemed         decimal.Decimal
	verified         bool
}

// story holds the community's catalog, ledger and points scheme, on a clock that the story
// moves forward step by step, so the output is the same every run except for who wins the
// claim race.
type story struct {
	ctx  context.Context
	out  io.Writer
	now  time.Time
	ids  uint64
	cat  *catalog.Catalog
	led  *ledger.Ledger
	inc  *points.Incentive
	shop *points.Shop
	res  result
}

func (s *story) clock() time.Time { return s.now }

// newID gives ordered, repeatable ids: the story is told the same way every time.
func (s *story) newID() uuid.UUID {
	s.ids++
	var u uuid.UUID
	u[6], u[8] = 0x70, 0x80
	for i := 0; i < 8; i++ {
		u[15-i] = byte(s.ids >> (8 * i))
	}
	return u
}

func (s *story) advance(d time.Duration) { s.now = s.now.Add(d) }

func (s *story) say(format string, a ...any) { fmt.Fprintf(s.out, format+"\n", a...) }

func (s *story) step(n int, zh, en string) {
	s.say("")
	s.say("%d. %s %s (%s)", n, s.now.Format("2006-01-02 15:04"), zh, en)
}

const (
	community = "yangguang" // the points scheme's account segment
	office    = "阳光社区居委会"
)

func path(segments ...string) catalog.GridPath {
	p, err := catalog.NewGridPath(segments...)
	if err != nil {
		panic(err) // the story's own constant paths: a typo here is a programmer error
	}
	return p
}

var (
	communityPath = path("幸福街道", "阳光社区")
	grid3         = path("幸福街道", "阳光社区", "第3网格")
	building5     = path("幸福街道", "阳光社区", "第3网格", "5栋")
	building7     = path("幸福街道", "阳光社区", "第3网格", "7栋")
)

func run(ctx context.Context, out io.Writer) (result, error) {
	s := &story{ctx: ctx, out: out, now: time.Date(2025, time.May, 1, 9, 0, 0, 0, catalog.ImportLocation)}
	if err := s.tell(); err != nil {
		return s.res, err
	}
	return s.res, nil
}

func (s *story) tell() error {
	ctx := s.ctx
	var err error
	if s.cat, err = catalog.New(catalogmem.New(), catalog.WithNow(s.clock), catalog.WithIDs(s.newID)); err != nil {
		return err
	}
	if s.led, err = ledger.New(ctx, ledgermem.New(), ledger.WithClock(s.clock), ledger.WithIDs(s.newID)); err != nil {
		return err
	}
	offset := 8 * 60
	s.inc, err = points.New(ctx, s.led, points.Scheme{
		Community:     community,
		Base:          []points.BaseRule{{Kind: "wish", Points: decimal.NewFromInt(10)}, {Kind: "practical_matter", Points: decimal.NewFromInt(20)}},
		PointsPerHour: decimal.NewFromInt(10),
		Multipliers:   points.Multipliers{Priority: decimal.RequireFromString("1.2")},
		Split:         points.SplitByHours, UTCOffsetMinutes: &offset,
	})
	if err != nil {
		return fmt.Errorf("points scheme: %w", err)
	}
	if s.shop, err = points.NewShop(ctx, s.inc); err != nil {
		return err
	}
	if err := s.shop.AddItem(ctx, points.Item{SKU: "eggs", Name: "鸡蛋一盒 a box of eggs", Price: decimal.NewFromInt(30)}); err != nil {
		return err
	}
	if err := s.shop.Restock(ctx, "eggs", 20, "delivery-0501"); err != nil {
		return err
	}

	s.say("阳光社区 Sunshine community, 第3网格 grid 3: the May micro-wish board 五月微心愿榜")

	// The resource list (资源清单).
	s.step(1, "资源清单", "the resource list: who can help")
	vol := func(name, person string, capacity int, flags catalog.ProviderFlags, skills ...catalog.Skill) (catalog.Provider, error) {
		return s.cat.RegisterProvider(ctx, catalog.Provider{
			Kind: catalog.Volunteer, Name: name, PersonID: person, Skills: skills, Home: building7,
			Capacity: capacity, Flags: flags,
		}, office)
	}
	li, err := vol("李师傅", "r-li", 2, 0, "repair_electric", "repair_general")
	if err != nil {
		return err
	}
	zhang, err := vol("张党员", "r-zhang", 2, catalog.FlagPartyMember|catalog.FlagInServiceParty, "cleaning", "companionship")
	if err != nil {
		return err
	}
	zhao, err := vol("赵志愿者", "r-zhao", 2, 0, "cleaning", "companionship")
	if err != nil {
		return err
	}
	barbers, err := s.cat.RegisterProvider(ctx, catalog.Provider{
		Kind: catalog.Team, Name: "义务理发队", Skills: []catalog.Skill{"haircut"}, Home: communityPath, Capacity: 3,
		Members: []catalog.Member{{PersonID: "r-wu", Name: "吴师傅"}, {PersonID: "r-zheng", Name: "郑师傅"}},
	}, office)
	if err != nil {
		return err
	}
	var companions []catalog.Provider
	for i, name := range []string{"钱志愿者", "孙志愿者", "周志愿者", "冯志愿者", "陈志愿者"} {
		p, err := vol(name, fmt.Sprintf("r-c%d", i+1), 1, 0, "companionship")
		if err != nil {
			return err
		}
		companions = append(companions, p)
	}
	roster := append([]catalog.Provider{li, zhang, zhao, barbers}, companions...)
	nameW := 0 // in terminal columns: a Chinese character takes two
	for _, p := range roster {
		nameW = max(nameW, textwidth.Width(p.Name))
	}
	for _, p := range roster {
		s.say("   %s %-9s skills %v, capacity 服务容量 %d", textwidth.PadRight(p.Name, nameW), p.Kind, p.Skills, p.Capacity)
	}

	// Residents post wishes (群众点单).
	s.step(2, "群众点单", "residents post wishes")
	wish := func(title, category, requester, name string, at catalog.GridPath, headcount int, prio catalog.Priority) (catalog.Demand, error) {
		s.advance(17 * time.Minute)
		d, err := s.cat.CreateDemand(ctx, catalog.Demand{
			Kind: catalog.Wish, Title: title, Category: category, Requester: catalog.RequesterRef{ID: requester, Name: name},
			Location: catalog.Location{Grid: at}, Headcount: headcount, Priority: prio, Status: catalog.StatusOpen,
		}, office)
		if err == nil {
			s.res.wishes++
			s.say("   %s posts 「%s」 (category %s, headcount 人数 %d)", name, title, category, d.Headcount)
		}
		return d, err
	}
	tap, err := wish("厨房水龙头漏水 a leaking kitchen tap", "repair_electric", "r-wang", "王奶奶", building5, 1, catalog.PriorityElderlyAlone)
	if err != nil {
		return err
	}
	stairs, err := s.cat.CreateDemand(ctx, catalog.Demand{
		Kind: catalog.PracticalMatter, Title: "5栋楼道清理杂物 clear the stairwell of building 5", Category: "cleaning",
		Requester: catalog.RequesterRef{ID: "grid3", Name: "第3网格网格员"}, Location: catalog.Location{Grid: building5},
		Headcount: 2, Status: catalog.StatusOpen,
	}, office)
	if err != nil {
		return err
	}
	s.res.practicalMatters++
	s.say("   第3网格网格员 posts the practical matter 微实事 「%s」 (headcount 人数 %d)", stairs.Title, stairs.Headcount)
	cut1, err := wish("上门理发 a haircut at home", "haircut", "r-liu", "刘爷爷", building5, 1, catalog.PriorityDisabled)
	if err != nil {
		return err
	}
	cut2, err := wish("上门理发 a haircut at home", "haircut", "r-chen", "陈奶奶", building7, 1, catalog.PriorityElderlyAlone)
	if err != nil {
		return err
	}
	visit, err := wish("周末陪聊天 a chat at the weekend", "elderly_visit", "r-sun", "孙大爷", building5, 1, catalog.PriorityElderlyAlone)
	if err != nil {
		return err
	}

	// The community publishes the board (揭榜).
	s.advance(time.Hour)
	s.step(3, "发布榜单", "the community publishes the monthly board")
	board, err := s.cat.PublishBoard(ctx, catalog.BoardSpec{
		Name: "阳光社区2025年5月微心愿榜", Kind: catalog.BoardWishes, Scope: communityPath,
		OpensAt: s.now, ClosesAt: s.now.AddDate(0, 0, 10),
		Demands: []uuid.UUID{tap.ID, stairs.ID, cut1.ID, cut2.ID, visit.ID}, Actor: office,
	})
	if err != nil {
		return fmt.Errorf("publish board: %w", err)
	}
	published, err := s.cat.Demands(ctx, catalog.DemandQuery{BoardID: board.ID, Limit: catalog.PageSizeMax})
	if err != nil {
		return err
	}
	s.say("   「%s」 open until 截止 %s with %s on the board", board.Name, board.ClosesAt.In(catalog.ImportLocation).Format("01-02 15:04"), kinds(published.Demands))

	// What the board shows 李师傅 first (matching.SuggestDemands).
	provs := append([]catalog.Provider{li, zhang, zhao, barbers}, companions...)
	m, err := matching.NewMatcher(published.Demands, provs, matching.Options{Now: s.clock})
	if err != nil {
		return err
	}
	sugg, err := m.SuggestDemands(li.ID, 3)
	if err != nil {
		return err
	}
	titles := map[uuid.UUID]string{}
	for _, d := range published.Demands {
		titles[d.ID] = d.Title
	}
	for _, sg := range sugg {
		s.say("   the board suggests to 李师傅: 「%s」 score %d %v", titles[sg.ID], sg.Score, partNames(sg.Parts))
	}

	// Claims (认领): one-to-one, many-to-one, one-to-many.
	s.step(4, "揭榜认领", "claims from the board")
	claim := func(d catalog.Demand, p catalog.Provider, pattern string) error {
		s.advance(23 * time.Minute)
		if _, err := s.cat.Claim(ctx, d.ID, p.ID, catalog.Act{Actor: p.Name}); err != nil {
			return fmt.Errorf("claim %s by %s: %w", d.Title, p.Name, err)
		}
		got, err := s.cat.Demand(ctx, d.ID)
		if err != nil {
			return err
		}
		s.res.claims++
		s.say("   %-26s %s claims 「%s」: %d/%d places, status %s", pattern, p.Name, d.Title, got.Filled, got.Headcount, got.Status)
		return nil
	}
	if err := claim(tap, li, "一对一 one-to-one:"); err != nil {
		return err
	}
	if err := claim(stairs, zhang, "多对一 many-to-one:"); err != nil {
		return err
	}
	if err := claim(stairs, zhao, "多对一 many-to-one:"); err != nil {
		return err
	}
	if err := claim(cut1, barbers, "一对多 one-to-many:"); err != nil {
		return err
	}
	if err := claim(cut2, barbers, "一对多 one-to-many:"); err != nil {
		return err
	}
	load, err := s.cat.ProviderLoad(ctx, barbers.ID)
	if err != nil {
		return err
	}
	s.say("   义务理发队 now serves %d of its capacity %d at once", load.Active, load.Capacity)
	// A full demand refuses more.
	if _, err := s.cat.Claim(ctx, tap.ID, zhang.ID, catalog.Act{Actor: zhang.Name}); errors.Is(err, catalog.ErrHeadcountFull) {
		s.say("   张党员 tries 「%s」 too: refused, 名额已满 (%v)", tap.Title, catalog.ErrHeadcountFull)
	} else {
		return fmt.Errorf("claim of a full wish: got %v, want ErrHeadcountFull", err)
	}

	// The claim race (抢单): five volunteers claim the one place at once.
	s.advance(time.Hour)
	s.step(5, "抢单", fmt.Sprintf("%d volunteers claim the last place at the same moment", racers))
	var wg sync.WaitGroup
	errs := make([]error, racers)
	for i, p := range companions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.cat.Claim(ctx, visit.ID, p.ID, catalog.Act{Actor: p.Name})
		}()
	}
	wg.Wait()
	var winner catalog.Provider
	for i, err := range errs {
		switch {
		case err == nil:
			s.res.raceWinners++
			winner = companions[i]
			s.res.raceWinner = winner.Name
		case errors.Is(err, catalog.ErrHeadcountFull):
			s.res.raceRefused++
		default:
			return fmt.Errorf("race: %w", err)
		}
	}
	s.say("   「%s」: %d claim won, %d refused with 名额已满 headcount already met", visit.Title, s.res.raceWinners, s.res.raceRefused)
	if s.res.raceWinners != 1 {
		return fmt.Errorf("race: %d winners, want exactly 1", s.res.raceWinners)
	}
	s.res.claims++

	// Work, completion with hours (服务完成), rating (群众评单).
	s.advance(24 * time.Hour)
	s.step(6, "服务完成", "the work is done and the hours reported")
	type work struct {
		d       catalog.Demand
		reports []catalog.WorkReport
		score   int
		comment string
	}
	h := decimal.RequireFromString
	works := []work{
		{tap, []catalog.WorkReport{{ProviderID: li.ID, Hours: h("1.5")}}, 5, "师傅手艺好，谢谢！ fixed in no time"},
		{stairs, []catalog.WorkReport{{ProviderID: zhang.ID, Hours: h("2")}, {ProviderID: zhao.ID, Hours: h("2")}}, 4, "干净多了 much cleaner"},
		{cut1, []catalog.WorkReport{{ProviderID: barbers.ID, Hours: h("0.5")}}, 5, "理得很精神 a smart cut"},
		{cut2, []catalog.WorkReport{{ProviderID: barbers.ID, Hours: h("0.5")}}, 5, "很满意 very happy"},
		{visit, []catalog.WorkReport{{ProviderID: winner.ID, Hours: h("2")}}, 5, "聊得很开心 a good talk"},
	}
	// The providers set out one after another in the afternoon and report as they finish.
	for _, w := range works {
		s.advance(20 * time.Minute)
		if _, err := s.cat.Start(ctx, w.d.ID, catalog.Act{Actor: office}); err != nil {
			return fmt.Errorf("start %s: %w", w.d.Title, err)
		}
	}
	for _, w := range works {
		s.advance(40 * time.Minute)
		if _, err := s.cat.Complete(ctx, w.d.ID, w.reports, catalog.Act{Actor: office}); err != nil {
			return fmt.Errorf("complete %s: %w", w.d.Title, err)
		}
		total := decimal.Zero
		for _, r := range w.reports {
			total = total.Add(r.Hours)
		}
		s.say("   「%s」 completed, %s h reported by %d provider(s)", w.d.Title, total, len(w.reports))
	}
	s.advance(14 * time.Hour) // the next morning
	s.step(7, "群众评单", "residents rate the service")
	for _, w := range works {
		s.advance(time.Hour)
		if _, err := s.cat.Rate(ctx, w.d.ID, w.score, w.comment, catalog.Act{Actor: w.d.Requester.ID}); err != nil {
			return fmt.Errorf("rate: %w", err)
		}
		s.say("   %s rates 「%s」 %d★ %s", w.d.Requester.Name, w.d.Title, w.score, w.comment)
	}

	// Audit (审核) and award (赋分).
	s.advance(24 * time.Hour)
	s.step(8, "审核赋分", "the community audits and awards points")
	for _, w := range works {
		var decisions []catalog.AuditDecision
		for _, r := range w.reports {
			dec := catalog.AuditDecision{ProviderID: r.ProviderID, Approved: true, Hours: r.Hours}
			if w.d.ID == stairs.ID && r.ProviderID == zhao.ID {
				dec = catalog.AuditDecision{ProviderID: r.ProviderID, Reason: "未上传服务照片 no photo of the work"}
			}
			decisions = append(decisions, dec)
		}
		if _, err := s.cat.Audit(ctx, w.d.ID, decisions, catalog.Act{Actor: office}); err != nil {
			return fmt.Errorf("audit: %w", err)
		}
		for _, dec := range decisions {
			p, err := s.cat.Provider(ctx, dec.ProviderID)
			if err != nil {
				return err
			}
			if !dec.Approved {
				s.res.rejected++
				s.say("   「%s」 %s: rejected 不通过 — %s", w.d.Title, p.Name, dec.Reason)
				continue
			}
			rec, err := s.inc.AwardAudited(ctx, s.cat, w.d.ID, dec.ProviderID, office)
			if err != nil {
				return fmt.Errorf("award: %w", err)
			}
			s.res.awards++
			s.res.pointsIssued = s.res.pointsIssued.Add(rec.Points)
			s.say("   「%s」 %s: approved 通过 %s h → %s points 积分", w.d.Title, p.Name, dec.Hours, rec.Points.StringFixed(2))
			// An award is posted once: auditing twice, or a retry after a crash, changes nothing.
			again, err := s.inc.AwardAudited(ctx, s.cat, w.d.ID, dec.ProviderID, office)
			if err != nil || again.Transaction.ID != rec.Transaction.ID {
				return fmt.Errorf("award replay: %v, transaction %s vs %s", err, again.Transaction.ID, rec.Transaction.ID)
			}
		}
	}
	d, err := s.cat.Demand(ctx, tap.ID)
	if err != nil {
		return err
	}
	s.say("   「%s」 is now %s; awarding it again posts nothing (idempotency key %s…)", tap.Title, d.Status, points.AwardKey(tap.ID, li.ID)[:24])

	// Redemption at the points shop (积分超市).
	s.advance(48 * time.Hour)
	s.step(9, "积分兑换", "李师傅 redeems points at the points shop")
	holder := points.ProviderHolder(li)
	before, err := s.inc.Balance(ctx, holder)
	if err != nil {
		return err
	}
	red, err := s.shop.Redeem(ctx, "r-li-0505-1", holder, "eggs", 1)
	if err != nil {
		return fmt.Errorf("redeem: %w", err)
	}
	if err := s.shop.Fulfil(ctx, red); err != nil {
		return fmt.Errorf("fulfil: %w", err)
	}
	after, err := s.inc.Balance(ctx, holder)
	if err != nil {
		return err
	}
	stock, err := s.shop.Stock(ctx, "eggs")
	if err != nil {
		return err
	}
	s.res.redeemed = red.Points
	s.say("   鸡蛋一盒 a box of eggs for %s points: balance 余额 %s → %s; %d boxes left in stock 库存", red.Points.StringFixed(2), before.StringFixed(2), after.StringFixed(2), stock)
	if _, err := s.shop.Redeem(ctx, "r-li-0505-2", holder, "eggs", 10); errors.Is(err, points.ErrInsufficientPoints) {
		s.say("   ten more boxes: refused, 积分不足 (%v)", points.ErrInsufficientPoints)
	} else {
		return fmt.Errorf("redeem over balance: got %v, want ErrInsufficientPoints", err)
	}

	// The record of one wish, and the ledger's own check.
	s.step(10, "全程留痕", "every step of 「"+tap.Title+"」 is on record")
	events, err := s.cat.History(ctx, tap.ID, 0, 0)
	if err != nil {
		return err
	}
	for _, e := range events {
		s.say("   #%d %s %-9s %s → %s by %s", e.Seq, e.At.In(catalog.ImportLocation).Format("01-02 15:04"), e.Action, e.From, e.To, e.Actor)
	}
	if err := s.led.Verify(ctx); err != nil {
		return fmt.Errorf("ledger verify: %w", err)
	}
	s.res.verified = true
	s.say("")
	s.say("Ledger Verify: OK. %d wishes 微心愿 and %d practical matter 微实事 on the board, %d claims, %d awards (%s points), %d part rejected, %s points redeemed.",
		s.res.wishes, s.res.practicalMatters, s.res.claims, s.res.awards, s.res.pointsIssued.StringFixed(2), s.res.rejected, s.res.redeemed.StringFixed(2))
	return nil
}

func partNames(parts []matching.Part) []string {
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = fmt.Sprintf("%s %+d", p.Name, p.Points)
	}
	return out
}

// kinds says how many wishes (微心愿) and practical matters (微实事) the demands are.
func kinds(demands []catalog.Demand) string {
	var wishes, matters int
	for _, d := range demands {
		switch d.Kind {
		case catalog.Wish:
			wishes++
		case catalog.PracticalMatter:
			matters++
		}
	}
	return fmt.Sprintf("%d wishes 微心愿 and %d practical matter 微实事", wishes, matters)
}
