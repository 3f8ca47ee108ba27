package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/tongxin/tongxin/catalog"
	catalogmem "github.com/tongxin/tongxin/catalog/memstore"
	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/matching"
	"github.com/tongxin/tongxin/points"
)

// Behaviour of the simulated people: how often they accept, withdraw, rate, and how strict the
// audit is. Chosen so that every path of the loop happens at any scale.
const (
	acceptRateDispatch = 0.93 // a dispatched (派单) provider accepts
	acceptRateUrgent   = 0.95
	stalePageRate      = 0.10 // a volunteer claims from a board page loaded before someone else's claim
	withdrawRate       = 0.03 // a claim withdrawn before the work starts
	cancelRate         = 0.02 // a resident cancels: the matter was solved another way
	rateRate           = 0.95 // a requester rates the service (评单)
	rejectPartRate     = 0.04 // the audit rejects one provider's part
	overReportRate     = 0.03 // a provider reports twice the hours the work took
	rejectDemandRate   = 0.015
	redeemWeeklyRate   = 0.08 // a holder with enough points visits the shop in a week
	fulfilRate         = 0.95 // a redemption is collected (else cancelled)
	giftMonthlyRate    = 0.30 // a volunteer with hours gives some to a parent in a month
	giftHoursMin       = 3    // hours a volunteer has before giving
	hoursHolderAsks    = 0.30 // an elderly resident's wish comes from one who holds time-bank hours
	browseBoardDays    = 10   // the wish board is open this long, then the community dispatches
	bigBoardDays       = 20   // the quarterly big-item board is open this long
	suggestionsShown   = 3    // demands a volunteer's board page shows first
	timeBankStorageCap = 1500 // hours a member may store
)

// via says how a demand found its providers.
type via uint8

const (
	viaNone      via = iota
	viaBoard         // claimed from a board (揭榜认领)
	viaOptimiser     // dispatched by the optimal matcher (派单) after the board closed
	viaUrgent        // urgent: dispatched by the optimal matcher the day it was posted
)

func (v via) String() string {
	return [...]string{"none", "board", "optimiser", "urgent"}[v]
}

// local is the simulation's own view of a demand's status, kept to decide what to do next;
// the catalog is the record and refuses anything this view gets wrong.
type local uint8

const (
	localOpen local = iota
	localPublished
	localDispatched
	localClaimed // some or all places taken, work not started
	localWorking
	localCompleted
	localAudited
	localExpired
	localCancelled
)

type dstate struct {
	id            uuid.UUID
	kind          catalog.DemandKind
	category      string
	community     int
	requester     int
	headcount     int
	minutes       int
	urgent        bool
	deadline      time.Time
	postedAt      time.Time
	postedMonth   int // simulation month index of posting (-1: the backlog before the start)
	firstClaimAt  time.Time
	via           via
	status        local
	claimants     []int // provider indexes with an active claim (or done)
	hours         []decimal.Decimal
	workScheduled bool
	offered       bool // to the optimiser, in some dispatch round
	completedAt   time.Time
	approvedHours decimal.Decimal
}

func (d *dstate) full() bool { return len(d.claimants) >= d.headcount }

type sim struct {
	ctx    context.Context
	cfg    config
	w      *world
	r      *rand.Rand
	clk    *clock
	sched  *scheduler
	cat    *catalog.Catalog
	led    *ledger.Ledger
	inc    []*points.Incentive
	shops  []*points.Shop
	banks  []*points.TimeBank
	start  time.Time
	end    time.Time
	zone   *time.Location
	scorer matching.Scorer

	provs        []catalog.Provider // registered records, load and rating kept in step with the catalog
	provIndex    map[uuid.UUID]int
	demands      []*dstate
	demandIndex  map[uuid.UUID]*dstate
	wishBoards   []uuid.UUID // per community, the current month's board
	bigBoards    []uuid.UUID // per street, the current quarter's board
	boardMatcher map[uuid.UUID]*matching.Matcher
	urgentQueue  []*dstate
	dispatched   []*dstate // of the last dispatch round, to settle

	// Mirrors of ledger balances, used only to decide who visits the shop or gives hours; the
	// ledger decides and refuses what a mirror gets wrong.
	points         []map[string]decimal.Decimal // per community, by holder
	pointsHolders  [][]string                   // per community, holders in first-award order
	hours          map[string][]decimal.Decimal // by holder, per community bank
	personHolder   map[string]int               // holder → resident
	elderlyHolders []int                        // elderly residents who have held time-bank hours

	st *stats
}

// skillScorer wraps the default scorer so that the district's providers are matched by their
// listed skills only. Units may also claim and be dispatched by function (the taxonomy lists
// which functions serve each category); this simulation keeps to skills so its summary stays
// the one the README quotes.
func skillScorer() matching.Scorer {
	def := matching.DefaultScorer{}
	return matching.ScorerFunc(func(c matching.Candidate, explain bool) matching.Fit {
		if !c.Provider.HasSkills(c.Demand.Skills) {
			return matching.Fit{Reason: matching.ReasonNoSkill}
		}
		return def.Score(c, explain)
	})
}

func (s *sim) month(t time.Time) int {
	return (t.Year()-s.start.Year())*12 + int(t.Month()) - int(s.start.Month())
}

func (s *sim) office(c int) string { return s.w.communities[c].segment + "-office" }

func providerActor(p *catalog.Provider) string {
	if p.PersonID != "" {
		return "vol-" + p.PersonID
	}
	return "org-" + p.ID.String()
}

// setup registers the resource list, opens the points schemes, shops and time banks, and
// schedules everything the year holds.
func (s *sim) setup() error {
	ctx := s.ctx
	if err := s.importProviders(); err != nil {
		return err
	}
	s.personHolder = make(map[string]int, len(s.w.residents))
	for i := range s.w.residents {
		s.personHolder[points.PersonHolder(s.w.residents[i].id)] = i
	}
	s.hours = make(map[string][]decimal.Decimal)
	offset := 8 * 60
	for c := range s.w.communities {
		com := &s.w.communities[c]
		inc, err := points.New(ctx, s.led, points.Scheme{
			Community: com.segment,
			Base: []points.BaseRule{
				{Kind: "wish", Points: decimal.NewFromInt(10)},
				{Kind: "practical_matter", Points: decimal.NewFromInt(15)},
				{Kind: "major_item", Points: decimal.NewFromInt(100)},
				{Kind: "project", Points: decimal.NewFromInt(200)},
			},
			PointsPerHour:       decimal.NewFromInt(10),
			Multipliers:         points.Multipliers{Urgent: decimal.RequireFromString("1.5"), Priority: decimal.RequireFromString("1.2"), BigItem: decimal.RequireFromString("1.5")},
			HoursPerActivityMax: decimal.NewFromInt(40),
			MonthlyCap:          decimal.NewFromInt(1000),
			Split:               points.SplitByHours,
			Team:                points.TeamToMembers,
			ValidityMonths:      s.cfg.validityMonths,
			UTCOffsetMinutes:    &offset,
		})
		if err != nil {
			return fmt.Errorf("points scheme %s: %w", com.segment, err)
		}
		shop, err := points.NewShop(ctx, inc)
		if err != nil {
			return fmt.Errorf("shop %s: %w", com.segment, err)
		}
		for _, it := range shopItems {
			if err := shop.AddItem(ctx, points.Item{SKU: it.sku, Name: it.name, Price: decimal.NewFromInt(it.price)}); err != nil {
				return fmt.Errorf("shop %s: %w", com.segment, err)
			}
		}
		bank, err := points.NewTimeBank(ctx, s.led, points.TimeBankConfig{
			Community:   com.segment,
			StorageCap:  decimal.NewFromInt(timeBankStorageCap),
			GiftMax:     decimal.NewFromInt(20),
			GiftYearMax: decimal.NewFromInt(100),
			Policy:      points.AgePolicy(timeBankWithdrawAge, timeBankHardshipAge),
			Now:         s.clk.Now,
		})
		if err != nil {
			return fmt.Errorf("time bank %s: %w", com.segment, err)
		}
		s.inc = append(s.inc, inc)
		s.shops = append(s.shops, shop)
		s.banks = append(s.banks, bank)
		s.points = append(s.points, map[string]decimal.Decimal{})
		s.pointsHolders = append(s.pointsHolders, nil)
	}
	s.wishBoards = make([]uuid.UUID, len(s.w.communities))
	s.bigBoards = make([]uuid.UUID, len(s.w.streets))
	s.boardMatcher = map[uuid.UUID]*matching.Matcher{}

	// The demand list: a backlog posted in the month before the start, then every month (what is
	// posted in the last month meets its board after the run ends).
	for m := -1; m < s.cfg.months; m++ {
		ms := s.start.AddDate(0, m, 0)
		for _, p := range s.w.planPostings(s.r, s.cfg.scale, ms, s.cat.Taxonomy()) {
			s.sched.at(p.at, func() error { return s.post(p, m) })
		}
	}
	for m := range s.cfg.months {
		ms := s.start.AddDate(0, m, 0)
		s.sched.at(ms.Add(8*time.Hour), func() error { return s.restock(m) })
		s.sched.at(ms.Add(9*time.Hour), func() error { return s.monthStart(m) })
		s.sched.at(ms.AddDate(0, 0, 19).Add(10*time.Hour), func() error { return s.gifts(m) })
		if ms.Month() == time.December {
			yearEnd := ms.AddDate(0, 1, 0).Add(-time.Minute)
			s.sched.at(yearEnd, s.expirePoints)
		}
	}
	for d := s.start.AddDate(0, -1, 0); d.Before(s.end); d = d.AddDate(0, 0, 1) {
		s.sched.at(d.Add(18*time.Hour), s.urgentDispatch)
		s.sched.at(d.Add(23*time.Hour+30*time.Minute), s.expireDue)
		if d.Before(s.start) {
			continue
		}
		// The points shops open on Saturdays. (Audits are scheduled per demand, on the Friday
		// after it is rated: see nextAuditDay.)
		if d.Weekday() == time.Saturday {
			week := int(d.Sub(s.start).Hours() / 24 / 7)
			s.sched.at(d.Add(10*time.Hour), func() error { return s.shopDay(week) })
		}
	}
	return nil
}

// importProviders loads the resource list (资源清单) the way a community does: from its
// spreadsheet (台账). The synthetic list is written as CSV with Chinese headers through a
// scratch in-memory catalog's export, then imported into the real catalog in one write.
func (s *sim) importProviders() error {
	scratchIDs := &idSource{clk: s.clk, r: rand.New(rand.NewPCG(0, 0))}
	scratch, err := catalog.New(catalogmem.New(), catalog.WithNow(s.clk.Now), catalog.WithIDs(scratchIDs.New))
	if err != nil {
		return err
	}
	for i := range s.w.providers {
		if _, err := scratch.RegisterProvider(s.ctx, s.w.providers[i].p, "district-office"); err != nil {
			return fmt.Errorf("resource list row %d: %w", i+1, err)
		}
	}
	var sheet bytes.Buffer
	if err := scratch.ExportProviders(s.ctx, &sheet, catalog.ProviderQuery{}, catalog.CSVOptions{Chinese: true}); err != nil {
		return fmt.Errorf("write resource list: %w", err)
	}
	s.st.sheetBytes = sheet.Len()
	provs, err := s.cat.ImportProviders(s.ctx, &sheet, "district-office")
	if err != nil {
		return fmt.Errorf("import resource list: %w", err)
	}
	if len(provs) != len(s.w.providers) {
		return fmt.Errorf("import resource list: %d rows imported, %d written", len(provs), len(s.w.providers))
	}
	s.provs = provs
	s.provIndex = make(map[uuid.UUID]int, len(provs))
	for i := range provs {
		// Rows come back in the order written, which is registration order (ids sort by it).
		if provs[i].Name != s.w.providers[i].p.Name || provs[i].PersonID != s.w.providers[i].p.PersonID {
			return fmt.Errorf("import resource list: row %d is %q, want %q", i+1, provs[i].Name, s.w.providers[i].p.Name)
		}
		s.provIndex[provs[i].ID] = i
	}
	return nil
}

type shopItem struct {
	sku   string
	name  string
	price int64
	units int64 // per restock, per 100 volunteers of the community
}

var shopItems = []shopItem{
	{"haircut-voucher", "理发券 haircut voucher", 20, 6},
	{"detergent", "洗衣液 detergent", 30, 5},
	{"eggs", "鸡蛋一盒 a box of eggs", 50, 5},
	{"oil", "食用油 cooking oil", 80, 3},
	{"rice", "大米5kg rice", 120, 3},
}

// restock tops up the items running low at each shop, once a month.
func (s *sim) restock(m int) error {
	for c, shop := range s.shops {
		vols := len(s.w.communities[c].providers)
		for _, it := range shopItems {
			units := max(2, it.units*int64(vols)/100)
			left, err := shop.Stock(s.ctx, it.sku)
			if err != nil {
				return fmt.Errorf("stock of %s: %w", it.sku, err)
			}
			if left >= units/2 {
				continue
			}
			if err := shop.Restock(s.ctx, it.sku, units, fmt.Sprintf("m%02d-%s", m, it.sku)); err != nil {
				return fmt.Errorf("restock %s: %w", it.sku, err)
			}
		}
	}
	return nil
}

// post creates a demand (群众点单) as Open. Elderly residents who hold time-bank hours ask for
// help more readily than others: some elderly residents' wishes come from them.
func (s *sim) post(p posting, m int) error {
	if p.requester >= 0 && s.w.residents[p.requester].age >= elderlyAge && len(s.elderlyHolders) > 0 && s.r.Float64() < hoursHolderAsks {
		s.w.retarget(&p, s.elderlyHolders[s.r.IntN(len(s.elderlyHolders))])
	}
	d, err := s.cat.CreateDemand(s.ctx, p.d, s.office(p.community))
	if err != nil {
		return fmt.Errorf("post demand %q: %w", p.d.Title, err)
	}
	ds := &dstate{
		id: d.ID, kind: d.Kind, category: d.Category, community: p.community, requester: p.requester,
		headcount: d.Headcount, minutes: d.EstimatedMinutes, urgent: d.Urgency != catalog.UrgencyNormal,
		deadline: d.Deadline, postedAt: s.clk.now, postedMonth: m, status: localOpen,
	}
	s.demands = append(s.demands, ds)
	if s.demandIndex == nil {
		s.demandIndex = map[uuid.UUID]*dstate{}
	}
	s.demandIndex[d.ID] = ds
	s.st.posted(ds)
	if ds.urgent {
		s.urgentQueue = append(s.urgentQueue, ds)
	}
	if s.r.Float64() < cancelRate {
		s.sched.at(s.clk.now.Add(time.Duration(24+s.r.IntN(20*24))*time.Hour), func() error { return s.cancel(ds) })
	}
	return nil
}

func (s *sim) cancel(ds *dstate) error {
	if ds.status != localOpen && ds.status != localPublished {
		return nil
	}
	if _, err := s.cat.Cancel(s.ctx, ds.id, catalog.Act{Actor: s.office(ds.community), Reason: "居民已自行解决 solved by the resident"}); err != nil {
		return fmt.Errorf("cancel: %w", err)
	}
	ds.status = localCancelled
	s.st.cancelled++
	return nil
}

// openDemands lists the catalog's Open demands in a grid subtree whose kind is in kinds.
func (s *sim) openDemands(scope catalog.GridPath, kinds ...catalog.DemandKind) ([]catalog.Demand, error) {
	var out []catalog.Demand
	q := catalog.DemandQuery{Statuses: catalog.Statuses(catalog.StatusOpen), Grid: scope, Limit: catalog.PageSizeMax}
	for {
		page, err := s.cat.Demands(s.ctx, q)
		if err != nil {
			return nil, fmt.Errorf("open demands of %s: %w", scope, err)
		}
		for _, d := range page.Demands {
			if slices.Contains(kinds, d.Kind) {
				out = append(out, d)
			}
		}
		if page.Next == uuid.Nil {
			return out, nil
		}
		q.After = page.Next
	}
}

// monthStart publishes the monthly wish boards (微心愿榜) and, each quarter, the big-item boards
// (项目榜), and lets volunteers and units browse them.
func (s *sim) monthStart(m int) error {
	now := s.clk.now
	for c := range s.w.communities {
		com := &s.w.communities[c]
		open, err := s.openDemands(com.path, catalog.Wish, catalog.PracticalMatter)
		if err != nil {
			return err
		}
		if len(open) == 0 {
			s.wishBoards[c] = uuid.Nil
			continue
		}
		ids := make([]uuid.UUID, len(open))
		for i, d := range open {
			ids[i] = d.ID
		}
		b, err := s.cat.PublishBoard(s.ctx, catalog.BoardSpec{
			Name: fmt.Sprintf("%s%d年%d月微心愿榜", com.name, now.Year(), now.Month()), Kind: catalog.BoardWishes,
			Scope: com.path, OpensAt: now, ClosesAt: now.AddDate(0, 0, browseBoardDays), Demands: ids, Actor: s.office(c),
		})
		if err != nil {
			return fmt.Errorf("publish wish board of %s: %w", com.name, err)
		}
		s.wishBoards[c] = b.ID
		s.st.boards++
		for _, id := range ids {
			s.demandIndex[id].status = localPublished
		}
		// Browsers: two to three page views per wish on the board, by the community's
		// volunteers and teams, the active ones more often.
		n := int(float64(len(ids)) * (2 + s.r.Float64()))
		for range n {
			pi := s.pickBrowser(com.providers)
			if pi < 0 {
				break
			}
			at := now.Add(time.Duration(s.r.Int64N(int64(browseBoardDays*24*time.Hour - time.Hour))))
			s.sched.at(at, func() error { return s.browse(pi, b.ID, c, -1) })
		}
	}
	s.sched.at(now.AddDate(0, 0, browseBoardDays), func() error { return s.closeWishBoards() })
	if (m % 3) != 0 {
		return nil
	}
	for st := range s.w.streets {
		str := &s.w.streets[st]
		open, err := s.openDemands(str.path, catalog.MajorItem, catalog.Project)
		if err != nil {
			return err
		}
		if len(open) == 0 {
			s.bigBoards[st] = uuid.Nil
			continue
		}
		ids := make([]uuid.UUID, len(open))
		for i, d := range open {
			ids[i] = d.ID
		}
		b, err := s.cat.PublishBoard(s.ctx, catalog.BoardSpec{
			Name: fmt.Sprintf("%s%d年第%d季度项目榜", str.name, now.Year(), (int(now.Month())-1)/3+1), Kind: catalog.BoardBigItems,
			Scope: str.path, OpensAt: now, ClosesAt: now.AddDate(0, 0, bigBoardDays), Demands: ids, Actor: str.name,
		})
		if err != nil {
			return fmt.Errorf("publish big-item board of %s: %w", str.name, err)
		}
		s.bigBoards[st] = b.ID
		s.st.boards++
		for _, id := range ids {
			s.demandIndex[id].status = localPublished
		}
		for pi := range s.w.providers {
			spec := &s.w.providers[pi]
			org := spec.p.Kind == catalog.Unit || spec.p.Kind == catalog.SocialOrg
			inStreet := spec.street == st
			if !inStreet || (!org && spec.p.Kind != catalog.Team) {
				continue
			}
			if (org && s.r.Float64() < 0.7) || (!org && s.r.Float64() < 0.15) {
				at := now.Add(time.Duration(s.r.Int64N(int64(bigBoardDays*24*time.Hour - time.Hour))))
				s.sched.at(at, func() error { return s.browse(pi, b.ID, -1, st) })
			}
		}
	}
	s.sched.at(now.AddDate(0, 0, bigBoardDays), func() error { return s.closeBigBoards() })
	return nil
}

// pickBrowser draws a provider weighted by activity.
func (s *sim) pickBrowser(candidates []int) int {
	total := 0.0
	for _, pi := range candidates {
		total += s.w.providers[pi].activity
	}
	if total == 0 {
		return -1
	}
	x := s.r.Float64() * total
	for _, pi := range candidates {
		x -= s.w.providers[pi].activity
		if x < 0 {
			return pi
		}
	}
	return candidates[len(candidates)-1]
}

// boardProviders lists the providers who see a board: the community's volunteers and teams
// for a wish board, the street's units, organisations and teams for a big-item board.
func (s *sim) boardProviders(community, street int) []catalog.Provider {
	var out []catalog.Provider
	if community >= 0 {
		for _, pi := range s.w.communities[community].providers {
			out = append(out, s.provs[pi])
		}
		return out
	}
	for pi := range s.w.providers {
		spec := &s.w.providers[pi]
		if spec.street == street && spec.p.Kind != catalog.Volunteer {
			out = append(out, s.provs[pi])
		}
	}
	return out
}

// browse is one provider looking at a board (揭榜): the board page suggests the demands that fit
// it best (matching.SuggestDemands) and it claims the first one it can.
func (s *sim) browse(pi int, boardID uuid.UUID, community, street int) error {
	m := s.boardMatcher[boardID]
	if m == nil {
		var demands []catalog.Demand
		q := catalog.DemandQuery{BoardID: boardID, Statuses: catalog.Statuses(catalog.StatusPublished, catalog.StatusClaimed), Limit: catalog.PageSizeMax}
		for {
			page, err := s.cat.Demands(s.ctx, q)
			if err != nil {
				return fmt.Errorf("board demands: %w", err)
			}
			demands = append(demands, page.Demands...)
			if page.Next == uuid.Nil {
				break
			}
			q.After = page.Next
		}
		var err error
		m, err = matching.NewMatcher(demands, s.boardProviders(community, street), matching.Options{Scorer: s.scorer, Now: s.clk.Now})
		if err != nil {
			return fmt.Errorf("board matcher: %w", err)
		}
		s.boardMatcher[boardID] = m
	}
	p := &s.provs[pi]
	if p.Active >= p.Capacity {
		return nil
	}
	sugg, err := m.SuggestDemands(p.ID, suggestionsShown)
	if err != nil {
		return fmt.Errorf("suggest demands: %w", err)
	}
	s.st.pageViews++
	for _, sg := range sugg {
		ds := s.demandIndex[sg.ID]
		claimable := ds.status == localPublished || (ds.status == localClaimed && !ds.full() && !ds.workScheduled)
		if !claimable && s.r.Float64() >= stalePageRate {
			continue
		}
		ok, err := s.claim(ds, pi, viaBoard)
		if err != nil {
			return err
		}
		if ok {
			if s.r.Float64() < withdrawRate {
				s.sched.at(s.clk.now.Add(time.Duration(2+s.r.IntN(18))*time.Hour), func() error { return s.withdraw(ds, pi) })
			}
			return nil
		}
	}
	return nil
}

// claim asks the catalog for a claim; refusals the board's rules make (a place taken by
// someone faster, capacity, a closed board) are counted, not failures.
func (s *sim) claim(ds *dstate, pi int, how via) (bool, error) {
	p := &s.provs[pi]
	_, err := s.cat.Claim(s.ctx, ds.id, p.ID, catalog.Act{Actor: providerActor(p)})
	switch {
	case err == nil:
	case errors.Is(err, catalog.ErrHeadcountFull), errors.Is(err, catalog.ErrInvalidTransition):
		s.st.claimRaceLost++
		return false, nil
	case errors.Is(err, catalog.ErrCapacity):
		s.st.claimAtCapacity++
		return false, nil
	case errors.Is(err, catalog.ErrBoardClosed), errors.Is(err, catalog.ErrDuplicateClaim),
		errors.Is(err, catalog.ErrIneligible), errors.Is(err, catalog.ErrSelfClaim):
		s.st.claimRefusedOther++
		return false, nil
	default:
		return false, fmt.Errorf("claim: %w", err)
	}
	p.Active++
	ds.claimants = append(ds.claimants, pi)
	ds.status = localClaimed
	if ds.firstClaimAt.IsZero() {
		ds.firstClaimAt = s.clk.now
		ds.via = how
	}
	s.st.claims[how]++
	if ds.full() && !ds.workScheduled {
		s.scheduleWork(ds)
	}
	return true, nil
}

func (s *sim) withdraw(ds *dstate, pi int) error {
	if ds.status != localClaimed || !slices.Contains(ds.claimants, pi) {
		return nil
	}
	p := &s.provs[pi]
	d, err := s.cat.Withdraw(s.ctx, ds.id, p.ID, catalog.Act{Actor: providerActor(p), Reason: "临时有事 something came up"})
	if err != nil {
		return fmt.Errorf("withdraw claim: %w", err)
	}
	p.Active--
	ds.claimants = slices.DeleteFunc(ds.claimants, func(x int) bool { return x == pi })
	s.st.withdrawn++
	if len(ds.claimants) == 0 {
		ds.workScheduled = false
		switch d.Status {
		case catalog.StatusPublished:
			ds.status = localPublished
		case catalog.StatusOpen:
			ds.status = localOpen
		case catalog.StatusDispatched:
			ds.status = localDispatched
		}
	}
	return nil
}

// closeWishBoards closes the month's wish boards (unclaimed wishes return to the list) and the
// community dispatches what is left with the optimal matcher (社区派单).
func (s *sim) closeWishBoards() error {
	for c, id := range s.wishBoards {
		if id == uuid.Nil {
			continue
		}
		if _, err := s.cat.CloseBoard(s.ctx, id, s.office(c)); err != nil {
			return fmt.Errorf("close board: %w", err)
		}
		delete(s.boardMatcher, id)
		s.wishBoards[c] = uuid.Nil
	}
	small := func(ds *dstate) bool { return ds.kind == catalog.Wish || ds.kind == catalog.PracticalMatter }
	s.startPartial(small)
	var providers []int
	for pi := range s.w.providers {
		if k := s.w.providers[pi].p.Kind; k == catalog.Volunteer || k == catalog.Team {
			providers = append(providers, pi)
		}
	}
	return s.dispatchRound(small, providers, viaOptimiser, acceptRateDispatch, 36*time.Hour)
}

func (s *sim) closeBigBoards() error {
	for st, id := range s.bigBoards {
		if id == uuid.Nil {
			continue
		}
		if _, err := s.cat.CloseBoard(s.ctx, id, s.w.streets[st].name); err != nil {
			return fmt.Errorf("close board: %w", err)
		}
		delete(s.boardMatcher, id)
		s.bigBoards[st] = uuid.Nil
	}
	big := func(ds *dstate) bool { return ds.kind == catalog.MajorItem || ds.kind == catalog.Project }
	s.startPartial(big)
	var providers []int
	for pi := range s.w.providers {
		if s.w.providers[pi].p.Kind != catalog.Volunteer {
			providers = append(providers, pi)
		}
	}
	return s.dispatchRound(big, providers, viaOptimiser, acceptRateDispatch, 72*time.Hour)
}

// startPartial schedules the work of demands whose board closed with some places taken: the
// community starts them with fewer providers than asked.
func (s *sim) startPartial(kind func(*dstate) bool) {
	for _, ds := range s.demands {
		if !kind(ds) {
			continue
		}
		if ds.status == localPublished {
			ds.status = localOpen // the closed board returned it to the list
		}
		if ds.status == localClaimed && !ds.workScheduled && len(ds.claimants) > 0 {
			s.scheduleWork(ds)
		}
	}
}

// dispatchRound runs the optimal matcher (matching.Plan, priority residents first) over the
// open demands that want selects and the given providers with free capacity, dispatches each
// assignment (派单), and lets the providers accept (接单) within a while.
func (s *sim) dispatchRound(want func(*dstate) bool, providerIdx []int, how via, acceptRate float64, acceptWithin time.Duration) error {
	var demands []catalog.Demand
	var states []*dstate
	for _, ds := range s.demands {
		if ds.status != localOpen || !want(ds) || !ds.deadline.After(s.clk.now) {
			continue
		}
		d, err := s.cat.Demand(s.ctx, ds.id)
		if err != nil {
			return fmt.Errorf("dispatch: %w", err)
		}
		if d.Status != catalog.StatusOpen {
			return fmt.Errorf("dispatch: demand %s is %s, the simulation thought open", d.ID, d.Status)
		}
		demands = append(demands, d)
		states = append(states, ds)
	}
	if len(demands) == 0 {
		return nil
	}
	var providers []catalog.Provider
	for _, pi := range providerIdx {
		if p := &s.provs[pi]; p.Active < p.Capacity {
			providers = append(providers, *p)
		}
	}
	started := time.Now()
	plan, err := matching.Plan(s.ctx, demands, providers, matching.Options{Scorer: s.scorer, Objective: matching.PriorityFirst, Now: s.clk.Now})
	if err != nil {
		return fmt.Errorf("plan: %w", err)
	}
	s.st.planRuns++
	s.st.planDemands += len(demands)
	for _, ds := range states {
		if !ds.offered {
			ds.offered = true
			s.st.planDistinct++
		}
	}
	s.st.planWall += time.Since(started)
	byDemand := map[uuid.UUID][]uuid.UUID{}
	var order []uuid.UUID
	for _, a := range plan.Assignments {
		if _, ok := byDemand[a.DemandID]; !ok {
			order = append(order, a.DemandID)
		}
		byDemand[a.DemandID] = append(byDemand[a.DemandID], a.ProviderID)
	}
	for _, u := range plan.Unmatched {
		s.st.unmatched[u.Reason.String()]++
		if _, partly := byDemand[u.DemandID]; partly {
			s.st.unmatchedPartly++ // dispatched below, to fewer providers than it asks
		}
	}
	for _, id := range order {
		ds := s.demandIndex[id]
		pids := byDemand[id]
		if _, err := s.cat.Dispatch(s.ctx, id, pids, catalog.Act{Actor: s.office(ds.community)}); err != nil {
			return fmt.Errorf("dispatch: %w", err)
		}
		ds.status = localDispatched
		s.st.dispatched++
		s.dispatched = append(s.dispatched, ds)
		for _, pid := range pids {
			pi := s.provIndex[pid]
			if s.r.Float64() >= acceptRate {
				s.st.declined++
				continue
			}
			at := s.clk.now.Add(time.Duration(s.r.Int64N(int64(acceptWithin))))
			s.sched.at(at, func() error {
				_, err := s.claim(ds, pi, how)
				return err
			})
		}
	}
	s.sched.at(s.clk.now.Add(acceptWithin), s.settleDispatched)
	return nil
}

// settleDispatched starts dispatched demands that some but not all providers accepted.
func (s *sim) settleDispatched() error {
	for _, ds := range s.dispatched {
		if ds.status == localClaimed && !ds.workScheduled && len(ds.claimants) > 0 {
			s.scheduleWork(ds)
		}
	}
	s.dispatched = s.dispatched[:0]
	return nil
}

// urgentDispatch answers the day's urgent demands at once (急事快速应对) with the optimal
// matcher over their communities' volunteers and teams.
func (s *sim) urgentDispatch() error {
	if len(s.urgentQueue) == 0 {
		return nil
	}
	queued := map[*dstate]bool{}
	communities := map[int]bool{}
	for _, ds := range s.urgentQueue {
		queued[ds] = true
		communities[ds.community] = true
	}
	s.urgentQueue = s.urgentQueue[:0]
	var providers []int
	for c := range s.w.communities {
		if communities[c] {
			providers = append(providers, s.w.communities[c].providers...)
		}
	}
	return s.dispatchRound(func(ds *dstate) bool { return queued[ds] }, providers, viaUrgent, acceptRateUrgent, 3*time.Hour)
}

// scheduleWork plans the start of the work a few days on (hours for an urgent demand).
func (s *sim) scheduleWork(ds *dstate) {
	ds.workScheduled = true
	delay := time.Duration(24+s.r.IntN(72)) * time.Hour
	switch {
	case ds.urgent:
		delay = time.Duration(1+s.r.IntN(12)) * time.Hour
	case ds.kind == catalog.MajorItem || ds.kind == catalog.Project:
		delay = time.Duration(3+s.r.IntN(8)) * 24 * time.Hour
	}
	s.sched.at(s.clk.now.Add(delay), func() error { return s.startWork(ds) })
}

func (s *sim) startWork(ds *dstate) error {
	if ds.status != localClaimed || len(ds.claimants) == 0 {
		ds.workScheduled = false
		return nil
	}
	if _, err := s.cat.Start(s.ctx, ds.id, catalog.Act{Actor: s.office(ds.community)}); err != nil {
		return fmt.Errorf("start: %w", err)
	}
	ds.status = localWorking
	took := time.Duration(ds.minutes) * time.Minute
	switch ds.kind {
	case catalog.MajorItem:
		took = time.Duration(7+s.r.IntN(38)) * 24 * time.Hour
	case catalog.Project:
		took = time.Duration(20+s.r.IntN(60)) * 24 * time.Hour
	}
	s.sched.at(s.clk.now.Add(took), func() error { return s.complete(ds) })
	return nil
}

// reportedHours draws the hours a provider reports: the estimate give or take, to the half hour;
// now and then far more than the estimate, which the audit trims.
func (s *sim) reportedHours(ds *dstate) decimal.Decimal {
	h := float64(ds.minutes) / 60 * (0.6 + 0.9*s.r.Float64())
	if s.r.Float64() < overReportRate {
		h *= 2
	}
	halves := max(1, int64(h*2+0.5))
	return decimal.NewFromInt(min(halves, 2*catalog.HoursPerActivityMax)).Div(decimal.NewFromInt(2))
}

func (s *sim) complete(ds *dstate) error {
	reports := make([]catalog.WorkReport, len(ds.claimants))
	ds.hours = make([]decimal.Decimal, len(ds.claimants))
	for i, pi := range ds.claimants {
		ds.hours[i] = s.reportedHours(ds)
		reports[i] = catalog.WorkReport{ProviderID: s.provs[pi].ID, Hours: ds.hours[i]}
	}
	if _, err := s.cat.Complete(s.ctx, ds.id, reports, catalog.Act{Actor: s.office(ds.community)}); err != nil {
		return fmt.Errorf("complete: %w", err)
	}
	for _, pi := range ds.claimants {
		s.provs[pi].Active--
	}
	ds.status = localCompleted
	ds.completedAt = s.clk.now
	s.st.completed(ds, s.month(s.clk.now))
	if s.r.Float64() < rateRate {
		s.sched.at(s.clk.now.Add(time.Duration(1+s.r.IntN(47))*time.Hour), func() error { return s.rate(ds) })
		return nil
	}
	s.sched.at(s.nextAuditDay(s.clk.now.Add(24*time.Hour)), func() error { return s.audit(ds) })
	return nil
}

var ratingComments = map[int]string{
	5: "非常满意，谢谢志愿者！ very satisfied", 4: "满意 satisfied", 3: "一般 fair", 2: "来晚了 came late", 1: "不满意 not satisfied",
}

func (s *sim) rate(ds *dstate) error {
	score := 5
	switch x := s.r.Float64(); {
	case x < 0.01:
		score = 1
	case x < 0.03:
		score = 2
	case x < 0.09:
		score = 3
	case x < 0.30:
		score = 4
	}
	if _, err := s.cat.Rate(s.ctx, ds.id, score, ratingComments[score], catalog.Act{Actor: s.office(ds.community)}); err != nil {
		return fmt.Errorf("rate: %w", err)
	}
	for _, pi := range ds.claimants {
		s.provs[pi].RatingSum += score
		s.provs[pi].RatingCount++
	}
	s.st.ratings = append(s.st.ratings, score)
	s.sched.at(s.nextAuditDay(s.clk.now), func() error { return s.audit(ds) })
	return nil
}

// nextAuditDay is the community's weekly audit session (审核): Friday 16:00 on or after t.
func (s *sim) nextAuditDay(t time.Time) time.Time {
	t = t.In(s.zone)
	d := time.Date(t.Year(), t.Month(), t.Day(), 16, 0, 0, 0, s.zone)
	for d.Weekday() != time.Friday || d.Before(t) {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

// audit decides on every provider's part (审核), awards the approved ones (审核赋分), deposits
// their hours in the time bank, and lets an elderly requester spend saved hours on the service.
func (s *sim) audit(ds *dstate) error {
	decisions := make([]catalog.AuditDecision, len(ds.claimants))
	rejectAll := s.r.Float64() < rejectDemandRate
	approved := decimal.Zero
	for i, pi := range ds.claimants {
		dec := catalog.AuditDecision{ProviderID: s.provs[pi].ID, Approved: true, Hours: ds.hours[i]}
		// Hours far above the estimate are trimmed to 1.2 times it (核减).
		est := decimal.NewFromInt(int64(ds.minutes)).Div(decimal.NewFromInt(60))
		if limit := est.Mul(decimal.RequireFromString("1.5")); dec.Hours.GreaterThan(limit) && est.IsPositive() {
			dec.Hours = est.Mul(decimal.RequireFromString("1.2")).Round(catalog.HoursScale)
			s.st.hoursTrimmed++
		}
		switch {
		case rejectAll:
			dec = catalog.AuditDecision{ProviderID: dec.ProviderID, Reason: "居民反映服务未完成 the resident reports the service was not done"}
		case s.r.Float64() < rejectPartRate:
			dec = catalog.AuditDecision{ProviderID: dec.ProviderID, Reason: "服务记录不完整 incomplete service record"}
		}
		if dec.Approved {
			approved = approved.Add(dec.Hours)
			s.st.auditsApproved++
		} else {
			s.st.auditsRejected++
		}
		decisions[i] = dec
	}
	office := s.office(ds.community)
	if _, err := s.cat.Audit(s.ctx, ds.id, decisions, catalog.Act{Actor: office}); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	ds.status = localAudited
	ds.approvedHours = approved
	inc, bank := s.inc[ds.community], s.banks[ds.community]
	month := s.month(s.clk.now)
	for _, dec := range decisions {
		if !dec.Approved {
			continue
		}
		pi := s.provIndex[dec.ProviderID]
		rec, err := inc.AwardAudited(s.ctx, s.cat, ds.id, dec.ProviderID, office)
		switch {
		case err == nil:
			s.st.awarded(ds, pi, rec.Points, month, s.provs[pi].Kind == catalog.Volunteer)
			for _, sh := range rec.Shares {
				s.creditPoints(ds.community, sh.Holder, sh.Points)
			}
		case errors.Is(err, points.ErrOverCap):
			s.st.awardsOverCap++
		case errors.Is(err, points.ErrSelfDealing), errors.Is(err, points.ErrNothingToAward):
			s.st.awardsRefusedOther++
		default:
			return fmt.Errorf("award: %w", err)
		}
		if s.provs[pi].Kind != catalog.Volunteer {
			continue
		}
		comp, err := points.CompletionOf(s.ctx, s.cat, ds.id, dec.ProviderID)
		if err != nil {
			return fmt.Errorf("deposit: %w", err)
		}
		hr, err := bank.Deposit(s.ctx, comp)
		if err != nil {
			return fmt.Errorf("deposit: %w", err)
		}
		s.st.hoursDeposited = s.st.hoursDeposited.Add(hr.Hours)
		s.st.hoursDonated = s.st.hoursDonated.Add(hr.Donated)
		s.st.communities[ds.community].hours = s.st.communities[ds.community].hours.Add(hr.Hours)
		s.addHours(points.ProviderHolder(s.provs[pi]), ds.community, hr.Hours.Sub(hr.Donated))
	}
	return s.spendHours(ds)
}

func (s *sim) creditPoints(c int, holder string, amount decimal.Decimal) {
	bal, ok := s.points[c][holder]
	if !ok {
		s.pointsHolders[c] = append(s.pointsHolders[c], holder)
	}
	s.points[c][holder] = bal.Add(amount)
}

func (s *sim) addHours(holder string, c int, h decimal.Decimal) {
	hs := s.hours[holder]
	if hs == nil {
		if ri, ok := s.personHolder[holder]; ok && s.w.residents[ri].age >= elderlyAge {
			s.elderlyHolders = append(s.elderlyHolders, ri)
		}
		hs = make([]decimal.Decimal, len(s.w.communities))
		s.hours[holder] = hs
	}
	hs[c] = hs[c].Add(h)
}

// spendHours: an elderly requester with saved hours (their own or given by family) spends them
// on the service received, through the bank that holds them; when that bank is another
// community's, the hours clear between the two (通存通兑).
func (s *sim) spendHours(ds *dstate) error {
	if ds.requester < 0 || !ds.approvedHours.IsPositive() {
		return nil
	}
	res := &s.w.residents[ds.requester]
	holder := points.PersonHolder(res.id)
	hs := s.hours[holder]
	if hs == nil || res.age < timeBankHardshipAge {
		return nil
	}
	from := -1
	if hs[ds.community].GreaterThanOrEqual(decimal.NewFromInt(1)) {
		from = ds.community
	} else {
		for c := range hs {
			if hs[c].GreaterThanOrEqual(decimal.NewFromInt(1)) {
				from = c
				break
			}
		}
	}
	if from < 0 {
		return nil
	}
	amount := decimal.Min(ds.approvedHours, hs[from])
	w := points.Withdrawal{
		Member: points.Member{Holder: holder, Age: res.age, Hardship: res.priority.Has(catalog.PriorityHardship)},
		Hours:  amount, DemandID: ds.id,
	}
	if from != ds.community {
		w.ServedBy = s.banks[ds.community]
	}
	_, err := s.banks[from].Withdraw(s.ctx, w)
	switch {
	case err == nil:
	case errors.Is(err, points.ErrWithdrawRefused):
		s.st.withdrawRefused++
		return nil
	default:
		return fmt.Errorf("withdraw hours: %w", err)
	}
	hs[from] = hs[from].Sub(amount)
	s.st.withdrawals++
	s.st.hoursWithdrawn = s.st.hoursWithdrawn.Add(amount)
	if from != ds.community {
		s.st.crossCommunity++
		s.st.hoursCrossCommunity = s.st.hoursCrossCommunity.Add(amount)
	}
	return nil
}

// gifts: volunteers with hours to spare give some to a parent (转赠).
func (s *sim) gifts(m int) error {
	keep := decimal.NewFromInt(giftHoursMin)
	for pi := range s.w.providers {
		spec := &s.w.providers[pi]
		if spec.resident < 0 {
			continue
		}
		res := &s.w.residents[spec.resident]
		if res.parent < 0 {
			continue
		}
		holder := points.PersonHolder(res.id)
		hs := s.hours[holder]
		c := spec.community
		if hs == nil || hs[c].LessThan(keep) || s.r.Float64() >= giftMonthlyRate {
			continue
		}
		amount := decimal.NewFromInt(int64(1 + s.r.IntN(3)))
		parent := points.PersonHolder(s.w.residents[res.parent].id)
		rec, err := s.banks[c].Gift(s.ctx, points.Gift{
			Key: fmt.Sprintf("g%02d-%s", m, res.id), From: holder, To: parent, Hours: amount, Relationship: "parent",
		})
		switch {
		case err == nil:
		case errors.Is(err, points.ErrOverCap), errors.Is(err, points.ErrInsufficientPoints):
			s.st.giftsRefused++
			continue
		default:
			return fmt.Errorf("gift: %w", err)
		}
		hs[c] = hs[c].Sub(amount)
		s.addHours(parent, c, rec.Hours.Sub(rec.Donated))
		s.st.gifts++
		s.st.hoursGifted = s.st.hoursGifted.Add(amount)
	}
	return nil
}

// shopDay: holders with enough points visit their community's points shop (积分超市).
func (s *sim) shopDay(week int) error {
	cheapest := decimal.NewFromInt(shopItems[0].price)
	for c, shop := range s.shops {
		for _, holder := range s.pointsHolders[c] {
			bal := s.points[c][holder]
			if _, person := s.personHolder[holder]; !person || bal.LessThan(cheapest) || s.r.Float64() >= redeemWeeklyRate {
				continue
			}
			var affordable []shopItem
			for _, it := range shopItems {
				if bal.GreaterThanOrEqual(decimal.NewFromInt(it.price)) {
					affordable = append(affordable, it)
				}
			}
			it := affordable[len(affordable)-1]
			if s.r.Float64() < 0.5 {
				it = affordable[s.r.IntN(len(affordable))]
			}
			red, err := shop.Redeem(s.ctx, fmt.Sprintf("w%03d-%s", week, holder), holder, it.sku, 1)
			switch {
			case err == nil:
			case errors.Is(err, points.ErrOutOfStock):
				s.st.outOfStock++
				continue
			case errors.Is(err, points.ErrInsufficientPoints):
				s.st.redeemInsufficient++
				continue
			default:
				return fmt.Errorf("redeem: %w", err)
			}
			if s.r.Float64() < fulfilRate {
				if err := shop.Fulfil(s.ctx, red); err != nil {
					return fmt.Errorf("fulfil: %w", err)
				}
				s.points[c][holder] = bal.Sub(red.Points)
				s.st.redemptions++
				s.st.pointsRedeemed = s.st.pointsRedeemed.Add(red.Points)
				s.st.communities[c].redeemed = s.st.communities[c].redeemed.Add(red.Points)
			} else {
				if err := shop.Cancel(s.ctx, red); err != nil {
					return fmt.Errorf("cancel redemption: %w", err)
				}
				s.st.redemptionsCancelled++
			}
		}
	}
	return nil
}

// expireDue expires demands whose deadline passed unclaimed.
func (s *sim) expireDue() error {
	var due []*dstate
	for _, ds := range s.demands {
		if (ds.status == localOpen || ds.status == localPublished || ds.status == localDispatched) && !ds.deadline.After(s.clk.now) {
			due = append(due, ds)
		}
	}
	if len(due) == 0 {
		return nil
	}
	for {
		n, err := s.cat.ExpireDue(s.ctx, s.clk.now)
		if err != nil {
			return fmt.Errorf("expire demands: %w", err)
		}
		if n < catalog.ExpireBatchMax {
			break
		}
	}
	for _, ds := range due {
		d, err := s.cat.Demand(s.ctx, ds.id)
		if err != nil {
			return fmt.Errorf("expire demands: %w", err)
		}
		if d.Status == catalog.StatusExpired {
			ds.status = localExpired
			s.st.expired(ds, s.month(s.clk.now))
		}
	}
	return nil
}

// expirePoints runs every community's year-end expiry (积分清零 of points past their validity)
// in one ExpireAll: one read of the ledger for all the communities' schemes.
func (s *sim) expirePoints() error {
	reps, err := points.ExpireAll(s.ctx, s.clk.now, s.inc...)
	if err != nil {
		return fmt.Errorf("expire points: %w", err)
	}
	for c, rep := range reps {
		s.st.pointsExpired = s.st.pointsExpired.Add(rep.Points)
		s.st.expiryRuns++
		// Refresh the mirror from the ledger: what is left after expiry.
		if rep.Points.IsPositive() {
			inc := s.inc[c]
			for _, holder := range s.pointsHolders[c] {
				bal, err := inc.Balance(s.ctx, holder)
				if err != nil {
					return fmt.Errorf("balance of %s after expiry: %w", s.w.communities[c].segment, err)
				}
				s.points[c][holder] = bal
			}
		}
	}
	return nil
}
