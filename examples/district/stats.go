package main

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/examples/internal/textwidth"
)

// stats is what the simulation counts as it runs; the summary and the report are written from
// it and from the ledger's own leaderboards.
type stats struct {
	months     int
	sheetBytes int // the resource list spreadsheet imported at the start

	postedByKind map[catalog.DemandKind]int
	// Monthly series: index 0 is the month before the start (the backlog posted before the first
	// board), index m+1 is simulation month m.
	postedMonthly   []int
	fulfilledMonth  []int // completed in the month
	expiredMonthly  []int
	claims          [4]int // first claims by via
	fulfilledByVia  [4]int
	daysToClaim     []float64
	boards          int
	pageViews       int
	claimRaceLost   int
	claimAtCapacity int
	claimRefusedOther,
	withdrawn,
	cancelled,
	dispatched,
	declined,
	planRuns,
	planDemands int
	// planDemands sums the demands offered to the optimiser over its rounds; planDistinct
	// counts each demand once (a demand a round leaves unmatched is offered again).
	planDistinct         int
	planWall             time.Duration
	unmatched            map[string]int // demands a round left places of unfilled, by reason
	unmatchedPartly      int            // of those, demands the round dispatched to fewer providers than asked
	ratings              []int
	hoursTrimmed         int
	auditsApproved       int
	auditsRejected       int
	awards               int
	awardsOverCap        int
	awardsRefusedOther   int
	pointsIssued         decimal.Decimal
	pointsByVolunteer    map[int]decimal.Decimal
	pendingAtEnd         int // posted demands neither completed, expired nor cancelled when the run ends
	redemptions          int
	redemptionsCancelled int
	outOfStock           int
	redeemInsufficient   int
	pointsRedeemed       decimal.Decimal
	pointsExpired        decimal.Decimal
	expiryRuns           int
	hoursDeposited       decimal.Decimal
	hoursDonated         decimal.Decimal
	hoursWithdrawn       decimal.Decimal
	hoursCrossCommunity  decimal.Decimal
	hoursGifted          decimal.Decimal
	withdrawals          int
	withdrawRefused      int
	crossCommunity       int
	gifts                int
	giftsRefused         int
	communities          []communityStats
	fulfilledTotal       int
	expiredTotal         int
	postedTotal          int
}

type communityStats struct {
	posted, fulfilled, expired int
	daysToClaim                []float64
	points, redeemed, hours    decimal.Decimal
}

func newStats(months, communities int) *stats {
	return &stats{
		months:            months,
		postedByKind:      map[catalog.DemandKind]int{},
		postedMonthly:     make([]int, months+1),
		fulfilledMonth:    make([]int, months+1),
		expiredMonthly:    make([]int, months+1),
		unmatched:         map[string]int{},
		pointsByVolunteer: map[int]decimal.Decimal{},
		communities:       make([]communityStats, communities),
	}
}

// series is the index of simulation month m (-1: the backlog month) in the monthly series.
func (st *stats) series(m int) int { return min(max(m, -1), st.months-1) + 1 }

func (st *stats) posted(ds *dstate) {
	st.postedTotal++
	st.postedByKind[ds.kind]++
	st.postedMonthly[st.series(ds.postedMonth)]++
	st.communities[ds.community].posted++
}

func (st *stats) completed(ds *dstate, month int) {
	st.fulfilledTotal++
	st.fulfilledMonth[st.series(month)]++
	st.fulfilledByVia[ds.via]++
	days := ds.firstClaimAt.Sub(ds.postedAt).Hours() / 24
	st.daysToClaim = append(st.daysToClaim, days)
	cs := &st.communities[ds.community]
	cs.fulfilled++
	cs.daysToClaim = append(cs.daysToClaim, days)
}

func (st *stats) expired(ds *dstate, month int) {
	st.expiredTotal++
	st.expiredMonthly[st.series(month)]++
	st.communities[ds.community].expired++
}

func (st *stats) awarded(ds *dstate, provider int, pts decimal.Decimal, month int, volunteer bool) {
	if volunteer {
		st.pointsByVolunteer[provider] = st.pointsByVolunteer[provider].Add(pts)
	}
	st.awards++
	st.pointsIssued = st.pointsIssued.Add(pts)
	st.communities[ds.community].points = st.communities[ds.community].points.Add(pts)
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

// standing is one line of a leaderboard in the summary.
type standing struct {
	Name      string
	Community string
	Points    string
	Count     int
	Hours     string
}

// The leaderboards' name and community columns are at least this many terminal columns wide.
const (
	leaderNameMin      = 16
	leaderCommunityMin = 12
)

// summary is everything the text summary and the HTML report show.
type summary struct {
	Seed                 uint64
	Scale                float64
	Months               int
	Store                string
	Communities, Streets int
	Grids, Buildings     int
	Residents            int
	Volunteers           int
	InServiceParty       int
	Teams, Units, Orgs   int
	Stats                *stats
	TopVolunteers        []standing
	TopOrganisations     []standing
	TopCommunities       []standing
	Settlement           []string
	Transactions         uint64
	Verified             bool
	Elapsed              time.Duration
	CommunityRows        []communityRow
}

type communityRow struct {
	Name                string
	Residents           int
	Providers           int
	Posted, Fulfilled   int
	Expired             int
	FulfilledPct        string
	MedianDaysToClaim   string
	Points, Redeemed    string
	HoursDeposited      string
	PostedFulfilledNote string
}

// writeText prints the summary: deterministic for a seed except the elapsed time.
func (sm *summary) writeText(w io.Writer) {
	st := sm.Stats
	p := func(format string, a ...any) { fmt.Fprintf(w, format+"\n", a...) }
	p("")
	p("== District 区 (seed %d, scale %g, %d months) ==", sm.Seed, sm.Scale, sm.Months)
	p("%d streets 街道, %d communities 社区, %d grids 网格, %d buildings 楼栋; %d residents on the register",
		sm.Streets, sm.Communities, sm.Grids, sm.Buildings, sm.Residents)
	p("resource list 资源清单: %d volunteers 志愿者 (%d in-service party members 在职党员双报到), %d micro-teams 微团队, %d co-building units 共建单位, %d social organisations 社会组织",
		sm.Volunteers, sm.InServiceParty, sm.Teams, sm.Units, sm.Orgs)
	p("  imported from a %d KiB spreadsheet 台账 (CSV, Chinese headers) in one write", st.sheetBytes/1024)
	p("")
	p("Demand list 需求清单")
	p("  posted: %d (wishes 微心愿 %d, practical matters 微实事 %d, big items 大事项 %d, micro-venture projects 微创投 %d)",
		st.postedTotal, st.postedByKind[catalog.Wish], st.postedByKind[catalog.PracticalMatter], st.postedByKind[catalog.MajorItem], st.postedByKind[catalog.Project])
	p("  fulfilled (completed): %d (%.1f%%); expired unclaimed: %d; cancelled by residents: %d; still open or under way at the end: %d",
		st.fulfilledTotal, pct(st.fulfilledTotal, st.postedTotal), st.expiredTotal, st.cancelled, st.pendingAtEnd)
	p("  median days from posting to first claim (fulfilled demands): %.1f", median(st.daysToClaim))
	served := st.fulfilledByVia[viaBoard] + st.fulfilledByVia[viaOptimiser] + st.fulfilledByVia[viaUrgent]
	p("  fulfilled via the board 揭榜认领: %d (%.1f%%); via the optimiser 派单: %d (%.1f%%), of which urgent same-day 急事: %d",
		st.fulfilledByVia[viaBoard], pct(st.fulfilledByVia[viaBoard], served),
		st.fulfilledByVia[viaOptimiser]+st.fulfilledByVia[viaUrgent], pct(st.fulfilledByVia[viaOptimiser]+st.fulfilledByVia[viaUrgent], served),
		st.fulfilledByVia[viaUrgent])
	p("Boards 榜单 and claims 认领")
	p("  %d boards published; %d board page views; claims: %d from boards, %d accepted dispatches (%d urgent)",
		st.boards, st.pageViews, st.claims[viaBoard], st.claims[viaOptimiser]+st.claims[viaUrgent], st.claims[viaUrgent])
	p("  claims refused: %d races lost (place already taken), %d at capacity, %d other; %d claims withdrawn before the start",
		st.claimRaceLost, st.claimAtCapacity, st.claimRefusedOther, st.withdrawn)
	p("  optimiser: %d rounds over %d open demands (%d offers: a demand a round left unmatched is offered again), %d demands dispatched, %d dispatches declined",
		st.planRuns, st.planDistinct, st.planDemands, st.dispatched, st.declined)
	if len(st.unmatched) > 0 {
		keys := make([]string, 0, len(st.unmatched))
		for k := range st.unmatched {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%s: %d", k, st.unmatched[k])
		}
		p("  left with places unfilled by a round of the optimiser (a demand once per round; %d of them dispatched to fewer providers than asked): %s",
			st.unmatchedPartly, strings.Join(parts, "; "))
	}
	p("Ratings 评单 and audits 审核")
	p("  %d ratings, mean %.2f; audits: %d parts approved, %d rejected, %d hour claims trimmed",
		len(st.ratings), meanInt(st.ratings), st.auditsApproved, st.auditsRejected, st.hoursTrimmed)
	p("Points 积分")
	p("  issued: %s in %d awards (%d refused over the monthly cap, %d refused otherwise)", st.pointsIssued.StringFixed(2), st.awards, st.awardsOverCap, st.awardsRefusedOther)
	p("  redeemed at the points shops 积分超市: %s in %d redemptions (%d cancelled, %d out of stock)",
		st.pointsRedeemed.StringFixed(2), st.redemptions, st.redemptionsCancelled, st.outOfStock)
	if st.expiryRuns > 0 {
		p("  expired at year end 年底清零 (older than the validity): %s", st.pointsExpired.StringFixed(2))
	} else {
		p("  expired: none (no year end in the simulated period)")
	}
	p("Time bank 时间银行")
	p("  deposited: %s h (%s h over the storage cap donated); withdrawn: %s h in %d withdrawals (%d refused by the age policy)",
		st.hoursDeposited.StringFixed(2), st.hoursDonated.StringFixed(2), st.hoursWithdrawn.StringFixed(2), st.withdrawals, st.withdrawRefused)
	p("  gifts to parents 转赠: %d (%s h, %d refused); across communities 通存通兑: %d withdrawals, %s h",
		st.gifts, st.hoursGifted.StringFixed(2), st.giftsRefused, st.crossCommunity, st.hoursCrossCommunity.StringFixed(2))
	for _, line := range sm.Settlement {
		p("    %s", line)
	}
	// Names are padded to the columns a terminal shows (a Chinese character takes two), to the
	// widest name of the tables, so that the columns line up in all three.
	nameW, communityW := leaderNameMin, leaderCommunityMin
	for _, s := range slices.Concat(sm.TopVolunteers, sm.TopOrganisations) {
		nameW = max(nameW, textwidth.Width(s.Name))
		communityW = max(communityW, textwidth.Width(s.Community))
	}
	for _, s := range sm.TopCommunities {
		communityW = max(communityW, textwidth.Width(s.Name))
	}
	provider := func(i int, s standing) {
		p("  %2d. %s %s %8s points, %3d activities, %s h", i+1, textwidth.PadRight(s.Name, nameW), textwidth.PadRight(s.Community, communityW), s.Points, s.Count, s.Hours)
	}
	p("Top volunteers 积分排行")
	for i, s := range sm.TopVolunteers {
		provider(i, s)
	}
	p("Top organisations (units, teams, social organisations)")
	for i, s := range sm.TopOrganisations {
		provider(i, s)
	}
	p("Top communities")
	for i, s := range sm.TopCommunities {
		p("  %2d. %s %10s points from %d providers", i+1, textwidth.PadRight(s.Name, communityW), s.Points, s.Count)
	}
	p("")
	p("Stored in %s: %d ledger transactions", sm.Store, sm.Transactions)
	if sm.Verified {
		p("Ledger Verify: OK (every balance recomputed from the postings, every asset sums to zero, hash chain intact)")
	}
}

func meanInt(xs []int) float64 {
	if len(xs) == 0 {
		return 0
	}
	t := 0
	for _, x := range xs {
		t += x
	}
	return float64(t) / float64(len(xs))
}

// Accessors for the report template (which sees only exported names).

func (st *stats) PostedTotal() int                { return st.postedTotal }
func (st *stats) FulfilledTotal() int             { return st.fulfilledTotal }
func (st *stats) PointsIssued() decimal.Decimal   { return st.pointsIssued }
func (st *stats) PointsRedeemed() decimal.Decimal { return st.pointsRedeemed }
func (st *stats) PointsExpired() decimal.Decimal  { return st.pointsExpired }
func (st *stats) HoursDeposited() decimal.Decimal { return st.hoursDeposited }
