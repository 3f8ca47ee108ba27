package matching

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/tongxin/tongxin/catalog"
)

// Limits of the domain matcher.
const (
	// PlanDemandsMax and PlanProvidersMax bound one Matcher (a district, or a batch of it).
	PlanDemandsMax   = 1 << 17
	PlanProvidersMax = 1 << 18
	// CandidatesScannedMax bounds the providers (or demands) examined for one demand (or
	// provider), nearest first; it keeps Plan linear in the number of demands.
	CandidatesScannedMax = 128
	// CandidatesKeptMax is how many eligible providers with free capacity, found nearest
	// first, enter the optimisation for one demand, or as many as it has places left when
	// that is more (a demand for many providers, 多对一, could not be filled otherwise).
	CandidatesKeptMax = 16
	// SuggestMax bounds k in the Suggest methods.
	SuggestMax = 100
)

var (
	// ErrInvalidInput reports malformed matcher input: too many demands or providers, a
	// repeated id, a capacity, load, headcount or filled count catalog could not hold, a
	// DefaultScorer's WalkMetersMax or weight out of range, a nil ScorerFunc, k outside
	// 1..SuggestMax, an unknown objective, a scorer's Reason that is not listed.
	ErrInvalidInput = errors.New("matching: invalid input")
	// ErrNotFound reports a demand or provider id the Matcher does not hold.
	ErrNotFound = errors.New("matching: not found")
)

// Objective chooses what Plan optimises.
type Objective uint8

// Objectives. The zero value is MaxScore.
const (
	// MaxScore maximises the total score of the assignments.
	MaxScore Objective = iota
	// MaxServed fills as many places (demand headcount) as possible, then maximises score.
	MaxServed
	// PriorityFirst fills as many places of priority residents' demands (重点人群) as
	// possible, then maximises score.
	PriorityFirst
)

// Options configure a Matcher. The zero value uses DefaultScorer, DefaultRouter, MaxScore
// and the default load cost, and checks no deadline.
type Options struct {
	// Scorer rates the pairings. nil, or a nil *DefaultScorer: DefaultScorer{}. A non-nil
	// *DefaultScorer is read once, by NewMatcher. A nil ScorerFunc is refused. Candidates are
	// looked up by the skills the scorer reads for a demand with none of its own: a
	// DefaultScorer's taxonomy's for its category, the router's taxonomy's for other scorers.
	Scorer    Scorer
	Router    *Router // nil: DefaultRouter(); &Router{} routes nothing
	Objective Objective
	// LoadCost is what each further demand given to one provider in the same plan costs
	// (fairness inside a batch: the second demand of a volunteer is worth LoadCost less, the
	// third 2*LoadCost less). 0: DefaultWeights.Load; negative: none; above FitScoreMax:
	// FitScoreMax (a further demand then costs at least what any pairing scores).
	LoadCost int64
	// Now is the catalog's clock (time.Now for a catalog on its default clock, else the
	// function given to catalog.WithNow). With it, Plan and SuggestDemands leave out a demand
	// whose Deadline is at or before Now(), which catalog refuses to dispatch, publish or let
	// anyone claim from then on (catalog.ErrDeadlinePassed), and SuggestProviders suggests
	// no provider for it (an empty list). nil: no deadline is checked. Not
	// time.Now: a Matcher never reads the wall clock unasked, so its results depend on its
	// inputs alone, and a caller on a clock of its own (a simulation, a test) is not judged by
	// the wall clock.
	Now func() time.Time
}

// Assignment is one pairing of a plan, with the score's explanation.
type Assignment struct {
	DemandID, ProviderID uuid.UUID
	Score                int64
	Parts                []Part
	Route                string // the routing rule that applied, if any
}

// Unmatched is a demand with places left unfilled by the plan, and why.
type Unmatched struct {
	DemandID uuid.UUID
	Missing  int // places not filled
	Reason   Reason
	Detail   string
}

// PlanResult is the outcome of Plan. Assignments are in demand order (the order demands
// were given), then by descending score; Unmatched in demand order.
type PlanResult struct {
	Assignments []Assignment
	Unmatched   []Unmatched
	Score       int64 // sum of the assignments' scores
	Served      int   // places filled
}

// Suggestion is one entry of a top-k list.
type Suggestion struct {
	ID    uuid.UUID // a provider's id (SuggestProviders) or a demand's (SuggestDemands)
	Score int64
	Parts []Part
}

// indexKey files providers and demands by a skill or function code and a grid node.
type indexKey struct {
	code     string
	function bool
	area     catalog.GridPath
}

// Matcher holds one district's open demands and providers with the indexes that generate
// candidate pairings (skill × grid subtree), never all pairs. It reads its inputs and
// writes nothing; it is safe for concurrent use once built.
type Matcher struct {
	scorer    Scorer
	router    Router
	objective Objective
	loadCost  int64
	now       func() time.Time

	demands      []catalog.Demand
	providers    []catalog.Provider
	demandByID   map[uuid.UUID]int32
	providerByID map[uuid.UUID]int32
	routes       []Route
	skills       [][]catalog.Skill // each demand's required skills, as the scorer reads them
	// prepared scores candidates without explanation when the scorer is DefaultScorer.
	prepared *defaultScoring

	// Providers serving only their home community, by (code, home grid); by (code,
	// community), the grids of the community with such a provider of that code, ascending;
	// and the other providers by (code, each service-area root).
	local      map[indexKey][]int32
	localGrids map[indexKey][]catalog.GridPath
	wide       map[indexKey][]int32
	// Open demands by (code, each ancestor of their grid): in demandIndex those not dispatched
	// (派单), in dispatchedIndex those dispatched, under each provider they were dispatched to
	// (so a provider's board never walks the demands dispatched to others). Only
	// SuggestDemands reads them, so they are built on its first call, not for every Plan.
	demandIndexOnce sync.Once
	demandIndex     map[indexKey][]int32
	dispatchedIndex map[dispatchKey][]int32
}

// dispatchKey files a dispatched demand under one provider it was dispatched to.
type dispatchKey struct {
	indexKey
	provider int32
}

// NewMatcher builds a Matcher over copies of the slices' headers (the records are not
// copied: do not modify them while the Matcher is in use).
//
// Errors: [ErrInvalidInput] (wrapped) for more than PlanDemandsMax demands or
// PlanProvidersMax providers, a repeated id, an unknown objective, a nil ScorerFunc as
// Options.Scorer, a DefaultScorer (or *DefaultScorer) whose WalkMetersMax is negative, NaN,
// infinite or above WalkMetersMaxLimit, or with a weight beyond ±WeightPointsMax, or a
// record catalog could not hold: a provider's Capacity or Active outside
// 0..catalog.CapacityMax, a demand's Headcount outside 1..catalog.HeadcountMax or Filled
// outside 0..Headcount. The error names the record's id and the value. Other fields
// (RatingSum, coordinates, grid paths, skills) are read as they are.
func NewMatcher(demands []catalog.Demand, providers []catalog.Provider, opts Options) (*Matcher, error) {
	if len(demands) > PlanDemandsMax || len(providers) > PlanProvidersMax {
		return nil, fmt.Errorf("matcher: %d demands, %d providers, limits %d and %d: %w",
			len(demands), len(providers), PlanDemandsMax, PlanProvidersMax, ErrInvalidInput)
	}
	if opts.Objective > PriorityFirst {
		return nil, fmt.Errorf("matcher: objective %d: %w", opts.Objective, ErrInvalidInput)
	}
	scorer, err := matcherScorer(opts.Scorer)
	if err != nil {
		return nil, fmt.Errorf("matcher: %w", err)
	}
	m := &Matcher{
		scorer: scorer, objective: opts.Objective, loadCost: opts.LoadCost, now: opts.Now,
		demands: demands, providers: providers,
		demandByID:   make(map[uuid.UUID]int32, len(demands)),
		providerByID: make(map[uuid.UUID]int32, len(providers)),
		local:        make(map[indexKey][]int32),
		localGrids:   make(map[indexKey][]catalog.GridPath),
		wide:         make(map[indexKey][]int32),
	}
	if opts.Router != nil {
		m.router = *opts.Router
	} else {
		m.router = DefaultRouter()
	}
	switch {
	case m.loadCost == 0:
		m.loadCost = DefaultWeights.Load
	case m.loadCost < 0:
		m.loadCost = 0
	}
	m.loadCost = min(m.loadCost, FitScoreMax)
	// Candidates are looked up by the skills the scorer checks: a DefaultScorer reads a
	// category's skills from its own taxonomy, which need not be the router's, and an index
	// by the other would never find the providers it deems eligible.
	taxonomy := m.router.Taxonomy
	if s, ok := m.scorer.(DefaultScorer); ok {
		taxonomy = s.taxonomy()
	} else if taxonomy == nil {
		taxonomy = catalog.DefaultTaxonomy()
	}

	for j := range providers {
		p := &providers[j]
		if _, dup := m.providerByID[p.ID]; dup {
			return nil, fmt.Errorf("matcher: provider %s appears twice: %w", p.ID, ErrInvalidInput)
		}
		if err := checkProviderLoad(p); err != nil {
			return nil, err
		}
		m.providerByID[p.ID] = int32(j)
		codes := providerCodes(p)
		if len(p.ServiceArea) == 0 && p.Home.Depth() >= catalog.LevelGrid {
			grid := p.Home.Truncate(catalog.LevelGrid)
			community := grid.Community()
			for _, k := range codes {
				k.area = grid
				list := m.local[k]
				if len(list) == 0 {
					// The grid's first provider with the code: the community lists the grid.
					k.area = community
					m.localGrids[k] = append(m.localGrids[k], grid)
					k.area = grid
				}
				m.local[k] = append(list, int32(j))
			}
			continue
		}
		roots := p.ServiceArea
		if len(roots) == 0 {
			roots = []catalog.GridPath{p.Home.Community()}
		}
		for _, root := range roots {
			for _, k := range codes {
				k.area = root
				if list := m.wide[k]; len(list) == 0 || list[len(list)-1] != int32(j) {
					m.wide[k] = append(list, int32(j))
				}
			}
		}
	}
	for _, grids := range m.localGrids {
		slices.Sort(grids)
	}

	m.routes = make([]Route, len(demands))
	m.skills = make([][]catalog.Skill, len(demands))
	listed := make(map[string][]catalog.Function) // the router's taxonomy's functions, by category
	for i := range demands {
		d := &demands[i]
		if _, dup := m.demandByID[d.ID]; dup {
			return nil, fmt.Errorf("matcher: demand %s appears twice: %w", d.ID, ErrInvalidInput)
		}
		if err := checkDemandPlaces(d); err != nil {
			return nil, err
		}
		m.demandByID[d.ID] = int32(i)
		m.routes[i] = m.router.route(d, listed)
		m.skills[i] = demandSkills(d, taxonomy)
	}
	if s, ok := m.scorer.(DefaultScorer); ok {
		m.prepared = newDefaultScoring(s, demands, m.routes, providers)
	}
	return m, nil
}

// matcherScorer is the scorer a Matcher uses for Options.Scorer s: DefaultScorer{} for nil
// or a nil *DefaultScorer (Score has a value receiver, so the pointer would panic at the
// first pairing), a copy of a non-nil *DefaultScorer's pointee (what is checked is what
// scores, and it gets the prepared scorer), and s itself otherwise. A DefaultScorer is
// checked (see DefaultScorer.check). A nil ScorerFunc is refused: the caller meant a scorer
// of its own and gave none, and calling it would panic at the first pairing.
func matcherScorer(s Scorer) (Scorer, error) {
	switch s := s.(type) {
	case nil:
		return DefaultScorer{}, nil
	case ScorerFunc:
		if s == nil {
			return nil, fmt.Errorf("Options.Scorer is a nil ScorerFunc: %w", ErrInvalidInput)
		}
	case *DefaultScorer:
		if s == nil {
			return DefaultScorer{}, nil
		}
		return matcherScorer(*s)
	case DefaultScorer:
		if err := s.check(); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// checkProviderLoad refuses a provider whose Capacity or Active lies outside what catalog
// can store: Capacity in 0..catalog.CapacityMax (catalog refuses any other on registration
// and update), Active in 0..catalog.CapacityMax (catalog takes a claim only while Active is
// below Capacity, so the load never passes the largest capacity; it may pass the provider's
// own Capacity in records written before UpdateProvider refused to lower a capacity below the
// load, and such a provider has no free place). Within them Capacity-Active
// cannot overflow, and no provider has more free places than its capacity.
func checkProviderLoad(p *catalog.Provider) error {
	if err := checkCount("provider", p.ID, "capacity", p.Capacity, 0, catalog.CapacityMax); err != nil {
		return err
	}
	return checkCount("provider", p.ID, "active claims", p.Active, 0, catalog.CapacityMax)
}

// checkDemandPlaces refuses a demand whose Headcount or Filled lies outside what catalog can
// store: Headcount in 1..catalog.HeadcountMax (CreateDemand refuses any other and turns 0
// into 1, and nothing changes it afterwards), Filled in 0..Headcount (Claim refuses a claim
// once Filled reaches Headcount). Within them Remaining cannot overflow or exceed Headcount.
func checkDemandPlaces(d *catalog.Demand) error {
	if err := checkCount("demand", d.ID, "headcount", d.Headcount, 1, catalog.HeadcountMax); err != nil {
		return err
	}
	return checkCount("demand", d.ID, "places filled", d.Filled, 0, d.Headcount)
}

// A demand's scan can find as many candidates as its largest headcount needs (see Plan's
// keep); this fails to compile if catalog's limit ever outgrows the scan.
const _ uint = CandidatesScannedMax - catalog.HeadcountMax

// Within the record checks every free capacity and remaining headcount is a capacity Solve
// takes (0..CapacityMax), so Plan passes them as they are; this fails to compile if catalog's
// limits ever outgrow Solve's.
const _ uint = CapacityMax - max(catalog.CapacityMax, catalog.HeadcountMax)

// checkCount refuses a record's count outside lo..hi, naming the record and the value.
func checkCount(record string, id uuid.UUID, field string, v, lo, hi int) error {
	if v < lo || v > hi {
		return fmt.Errorf("matcher: %s %s: %s %d outside %d..%d: %w", record, id, field, v, lo, hi, ErrInvalidInput)
	}
	return nil
}

// indexDemands builds demandIndex and dispatchedIndex (see Matcher). Each list ascends.
func (m *Matcher) indexDemands() {
	m.demandIndex = make(map[indexKey][]int32)
	m.dispatchedIndex = make(map[dispatchKey][]int32)
	var buf [4]indexKey
	var to []int32
	for i := range m.demands {
		d := &m.demands[i]
		if !openForPlan(d) {
			continue
		}
		to = to[:0]
		for _, id := range d.DispatchedTo {
			if j, ok := m.providerByID[id]; ok && !slices.Contains(to, j) {
				to = append(to, j)
			}
		}
		if len(d.DispatchedTo) > 0 && len(to) == 0 {
			continue // dispatched to none of the Matcher's providers: nobody here may claim it
		}
		for _, k := range m.demandCodes(int32(i), buf[:0]) {
			for level := d.Location.Grid.Depth(); level >= catalog.LevelStreet; level-- {
				k.area = d.Location.Grid.Truncate(level)
				if len(d.DispatchedTo) == 0 {
					m.demandIndex[k] = append(m.demandIndex[k], int32(i))
					continue
				}
				for _, j := range to {
					dk := dispatchKey{k, j}
					m.dispatchedIndex[dk] = append(m.dispatchedIndex[dk], int32(i))
				}
			}
		}
	}
}

// fit scores demand i with provider j without explanation. It refuses a Reason that is not
// listed (see Scorer) with ErrInvalidInput; the prepared DefaultScorer gives none.
func (m *Matcher) fit(i, j int32) (Fit, error) {
	if m.prepared != nil {
		return m.prepared.score(&m.demands[i], i, &m.providers[j], j, &m.routes[i]), nil
	}
	d, p := &m.demands[i], &m.providers[j]
	fit := m.scorer.Score(Candidate{Demand: d, Provider: p, Route: m.routes[i]}, false)
	if !fit.Reason.listed() {
		return Fit{}, fmt.Errorf("scorer gave demand %s and provider %s reason %d, not a listed Reason: %w",
			d.ID, p.ID, uint8(fit.Reason), ErrInvalidInput)
	}
	return fit, nil
}

// Plan matches the demands against the providers (see [Matcher.Plan]).
//
// Errors: as NewMatcher and Matcher.Plan.
func Plan(ctx context.Context, demands []catalog.Demand, providers []catalog.Provider, opts Options) (PlanResult, error) {
	m, err := NewMatcher(demands, providers, opts)
	if err != nil {
		return PlanResult{}, err
	}
	return m.Plan(ctx)
}

// providerCodes lists the index codes of a provider: each skill, each function, and the
// empty skill (for demands that name none).
func providerCodes(p *catalog.Provider) []indexKey {
	codes := make([]indexKey, 0, len(p.Skills)+len(p.Functions)+1)
	codes = append(codes, indexKey{})
	for _, s := range p.Skills {
		codes = append(codes, indexKey{code: string(s)})
	}
	for _, f := range p.Functions {
		codes = append(codes, indexKey{code: string(f), function: true})
	}
	return codes
}

// demandCodes lists the index codes under which demand i finds its providers: its first
// required skill (a provider must have all, so any one narrows the search) and, when routed
// by function, each function. It appends them to codes.
func (m *Matcher) demandCodes(i int32, codes []indexKey) []indexKey {
	if skills := m.skills[i]; len(skills) > 0 {
		codes = append(codes, indexKey{code: string(skills[0])})
	} else {
		codes = append(codes, indexKey{})
	}
	for _, f := range m.routes[i].Functions {
		codes = append(codes, indexKey{code: string(f), function: true})
	}
	return codes
}

// freePlaces is how many more demands p may take now, as catalog counts them (Load.Free).
func freePlaces(p *catalog.Provider) int {
	return catalog.Load{Active: p.Active, Capacity: p.Capacity}.Free()
}

// openForPlan reports whether a demand waits for providers.
func openForPlan(d *catalog.Demand) bool {
	return catalog.OpenStatuses.Has(d.Status) && d.Remaining() > 0
}

// notOpenDetail says why openForPlan refuses d: its status, or, for a status still open,
// that every place is filled.
func notOpenDetail(d *catalog.Demand) string {
	switch {
	case !catalog.OpenStatuses.Has(d.Status):
		return "status " + d.Status.String()
	case d.Headcount == 1:
		return "its one place filled"
	default:
		return fmt.Sprintf("all %d places filled", d.Headcount)
	}
}

// planTime is when a plan (or a list of suggestions) is made, read once from Options.Now;
// without a clock (set false) no deadline has passed.
type planTime struct {
	at  time.Time // to the microsecond, as catalog keeps times
	set bool
}

// planTime reads the Matcher's clock.
func (m *Matcher) planTime() planTime {
	if m.now == nil {
		return planTime{}
	}
	return planTime{at: m.now().Truncate(time.Microsecond), set: true}
}

// deadlinePassed reports whether d's deadline is at or before t: the instant from which
// catalog refuses to dispatch it or let anyone claim it, whether or not it has expired yet.
// Both are cut to the microsecond, as catalog cuts them, so the two agree to the instant.
func (t planTime) deadlinePassed(d *catalog.Demand) bool {
	return t.set && !d.Deadline.IsZero() && !t.at.Before(d.Deadline.Truncate(time.Microsecond))
}

// plannable reports whether Plan looks for providers for d at t.
func (t planTime) plannable(d *catalog.Demand) bool {
	return openForPlan(d) && !t.deadlinePassed(d)
}

// scanProviders calls visit for the candidate providers of demand i, nearest first (its own
// grid, the other grids of its community, then providers serving wider areas), each once
// (seen reports and records a visit), at most CandidatesScannedMax of them.
// visit returns false to stop the scan.
func (m *Matcher) scanProviders(i int32, seen func(j int32) bool, visit func(j int32) bool) int {
	d := &m.demands[i]
	scanned := 0
	stopped := false
	try := func(j int32) bool {
		if stopped || scanned >= CandidatesScannedMax {
			return false
		}
		if !seen(j) {
			scanned++
			stopped = !visit(j)
		}
		return !stopped
	}
	if len(d.DispatchedTo) > 0 {
		for _, id := range d.DispatchedTo {
			if j, ok := m.providerByID[id]; ok && !try(j) {
				break
			}
		}
		return scanned
	}
	var buf [4]indexKey
	codes := m.demandCodes(i, buf[:0])
	grid := d.Location.Grid
	scan := func(index map[indexKey][]int32, area catalog.GridPath) bool {
		for _, k := range codes {
			k.area = area
			for _, j := range index[k] {
				if !try(j) {
					return false
				}
			}
		}
		return true
	}
	if grid.Depth() >= catalog.LevelCommunity {
		own := grid.Truncate(catalog.LevelGrid)
		if own.Depth() == catalog.LevelGrid && !scan(m.local, own) {
			return scanned
		}
		// The other grids of the community, ascending, that have a provider with one of the
		// codes (a merge of the codes' lists): the community's other grids have none to offer,
		// and walking them all for each demand made Plan quadratic in a community of many
		// grids. Each grid walked yields a provider not seen before, so the scan bound holds.
		var listsBuf [4][]catalog.GridPath
		lists := listsBuf[:0]
		for _, k := range codes {
			k.area = grid.Community()
			if grids := m.localGrids[k]; len(grids) > 0 {
				lists = append(lists, grids)
			}
		}
		for {
			var next catalog.GridPath
			found := false
			for _, grids := range lists {
				if len(grids) > 0 && (!found || grids[0] < next) {
					next, found = grids[0], true
				}
			}
			if !found {
				break
			}
			for n, grids := range lists {
				if len(grids) > 0 && grids[0] == next {
					lists[n] = grids[1:]
				}
			}
			if next != own && !scan(m.local, next) {
				return scanned
			}
		}
	}
	for level := grid.Depth(); level >= catalog.LevelStreet; level-- {
		if !scan(m.wide, grid.Truncate(level)) {
			break
		}
	}
	return scanned
}

// planCancelCheckScores is how many scorings Plan makes at most between two looks at its
// context (plus one demand's scan, at most CandidatesScannedMax).
const planCancelCheckScores = 256

// candidate is one scored pairing: a provider's (or demand's) index and the score.
type candidate struct {
	index int32
	score int64
}

// demandReport gathers why a demand's candidates were not usable.
type demandReport struct {
	scanned       int
	atCapacity    int
	ineligible    [len(reasonText)]int
	eligibleFound int
}

// Plan computes the best assignment of the Matcher's open demands to its providers for the
// objective: candidate pairings come from the indexes, nearest first, and each is scored; the
// first CandidatesKeptMax eligible providers with free capacity found for a demand, or as
// many as it has places left when that is more (a better one farther away is not looked at),
// enter an exact b-matching ([Solve]) with each demand's remaining headcount and each
// provider's remaining capacity, and each further demand of one provider costs the load
// cost. Every open demand left short is reported with a reason.
// With Options.Now (read once per Plan), an open demand whose deadline is at or before it
// gets no provider and is reported with ReasonDeadlinePassed: catalog would refuse to
// dispatch it.
//
// With MaxServed and PriorityFirst, each counted place adds a bonus larger than any sum of
// scores and load costs, which is exact while FitScoreMax plus the load cost times the
// largest free capacity, times the number of places, stays below ScoreMax: about 130,000
// places without a load cost or with volunteers of a few places, but only about 28,000 with
// the default load cost and a unit free for catalog.CapacityMax demands. Beyond that the
// bonus is capped and the order is approximate.
//
// Errors: the context's error (wrapped) when ctx is cancelled before Plan returns (it looks
// between scoring, solving and explaining steps, every few hundred scorings);
// [ErrInvalidInput] (wrapped) when the scorer gives a Reason that is not listed (see
// [Scorer]); [ErrInvalidProblem] (wrapped) when the candidate pairings kept number more than
// EdgesMax, which takes demands with more than 64 places left each on average (PlanDemandsMax
// demands of 65 places): plan such a district in batches.
func (m *Matcher) Plan(ctx context.Context) (PlanResult, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if err := ctx.Err(); err != nil {
		return PlanResult{}, fmt.Errorf("matching: plan: %w", err)
	}
	now := m.planTime()
	nD, nP := len(m.demands), len(m.providers)
	p := Problem{LeftCap: make([]int, nD), RightCap: make([]int, nP)}
	for j := range m.providers {
		p.RightCap[j] = freePlaces(&m.providers[j])
	}
	if m.loadCost > 0 {
		p.RightLoadCost = make([]int64, nP)
		for j := range p.RightLoadCost {
			p.RightLoadCost[j] = m.loadCost
		}
	}
	// Mostly CandidatesKeptMax edges per open demand (more only for a larger headcount):
	// reserved at once rather than grown.
	open := 0
	for i := range m.demands {
		if now.plannable(&m.demands[i]) {
			open++
		}
	}
	p.Edges = make([]Edge, 0, open*CandidatesKeptMax)
	reports := make([]demandReport, nD)
	stamp := make([]int32, nP)
	kept := make([]candidate, 0, CandidatesScannedMax)
	places := 0
	var maxCap int
	for _, c := range p.RightCap {
		maxCap = max(maxCap, c)
	}
	var unlisted error // a scorer's reason that is not listed (see Scorer)
	// ctx is looked at every 1024 demands and, between demands, after every
	// planCancelCheckScores scorings: a custom scorer may take long over each.
	scored, scoredAtCheck := 0, 0
	for i := range m.demands {
		if i%1024 == 0 || scored-scoredAtCheck >= planCancelCheckScores {
			scoredAtCheck = scored
			if err := ctx.Err(); err != nil {
				return PlanResult{}, fmt.Errorf("matching: plan: %w", err)
			}
		}
		d := &m.demands[i]
		if !now.plannable(d) {
			continue
		}
		p.LeftCap[i] = d.Remaining()
		// Fewer candidates than places would leave places unfilled however many providers
		// are free; the scan (CandidatesScannedMax) covers the largest headcount.
		keep := max(CandidatesKeptMax, p.LeftCap[i])
		rep := &reports[i]
		kept = kept[:0]
		mark := int32(i + 1)
		rep.scanned = m.scanProviders(int32(i),
			func(j int32) bool {
				if stamp[j] == mark {
					return true
				}
				stamp[j] = mark
				return false
			},
			func(j int32) bool {
				scored++
				fit, err := m.fit(int32(i), j)
				if err != nil {
					// Left out of the tally, the miss would be reported under another reason.
					unlisted = err
					return false
				}
				if !fit.Eligible() {
					reason := fit.Reason
					if reason == ReasonNone {
						// A scorer's Fit{Score: 0}: ReasonNone would tell the caller nothing.
						reason = ReasonNoScore
					}
					rep.ineligible[reason]++
					return true
				}
				if p.RightCap[j] == 0 {
					rep.atCapacity++
					return true
				}
				rep.eligibleFound++
				kept = append(kept, candidate{index: j, score: min(fit.Score, FitScoreMax)})
				// Nearest first: once enough eligible providers are found, farther ones
				// would rarely be chosen.
				return len(kept) < keep
			})
		if unlisted != nil {
			return PlanResult{}, fmt.Errorf("matching: plan: %w", unlisted)
		}
		slices.SortFunc(kept, func(a, b candidate) int {
			if c := cmp.Compare(b.score, a.score); c != 0 {
				return c
			}
			return cmp.Compare(a.index, b.index)
		})
		for _, c := range kept {
			p.Edges = append(p.Edges, Edge{Left: i, Right: int(c.index), Score: c.score})
		}
		// Only places with a candidate can be filled; counting the whole headcount would
		// push the bonus below past ScoreMax (and so make it approximate) sooner.
		places += min(p.LeftCap[i], len(kept))
	}

	// Objective bonuses: one place more must outweigh any change of score and load.
	bonus := int64(0)
	if m.objective != MaxScore {
		perPlace := int64(FitScoreMax) + m.loadCost*int64(maxCap)
		bonus = perPlace*int64(places) + 1
		if bonus > ScoreMax-FitScoreMax || perPlace > ScoreMax {
			bonus = ScoreMax - FitScoreMax
		}
	}
	base := make([]int64, len(p.Edges))
	for k := range p.Edges {
		base[k] = p.Edges[k].Score
		if m.objective == MaxServed || (m.objective == PriorityFirst && m.demands[p.Edges[k].Left].Priority.Any()) {
			p.Edges[k].Score += bonus
		}
	}

	sol, err := Solve(ctx, p)
	if err != nil {
		return PlanResult{}, fmt.Errorf("matching: plan: %w", err)
	}

	res := PlanResult{Assignments: make([]Assignment, 0, len(sol.Edges))}
	served := make([]int, nD)
	for n, k := range sol.Edges {
		if n%planCancelCheckScores == planCancelCheckScores-1 {
			if err := ctx.Err(); err != nil {
				return PlanResult{}, fmt.Errorf("matching: plan: %w", err)
			}
		}
		e := p.Edges[k]
		d, prov := &m.demands[e.Left], &m.providers[e.Right]
		fit := m.scorer.Score(Candidate{Demand: d, Provider: prov, Route: m.routes[e.Left]}, true)
		res.Assignments = append(res.Assignments, Assignment{
			DemandID: d.ID, ProviderID: prov.ID, Score: base[k], Parts: fit.Parts, Route: m.routes[e.Left].Rule,
		})
		res.Score += base[k]
		res.Served++
		served[e.Left]++
	}
	// sol.Edges ascend and edges were laid out by demand, best first: already in order.

	for i := range m.demands {
		d := &m.demands[i]
		if !openForPlan(d) {
			res.Unmatched = append(res.Unmatched, Unmatched{
				DemandID: d.ID, Missing: d.Remaining(), Reason: ReasonNotOpen, Detail: notOpenDetail(d),
			})
			continue
		}
		if now.deadlinePassed(d) {
			res.Unmatched = append(res.Unmatched, Unmatched{
				DemandID: d.ID, Missing: d.Remaining(), Reason: ReasonDeadlinePassed,
				Detail: "deadline " + d.Deadline.Format(time.RFC3339) + ", plan at " + now.at.Format(time.RFC3339),
			})
			continue
		}
		missing := d.Remaining() - served[i]
		if missing <= 0 {
			continue
		}
		reason, detail := m.explainMiss(int32(i), &reports[i], served[i])
		res.Unmatched = append(res.Unmatched, Unmatched{DemandID: d.ID, Missing: missing, Reason: reason, Detail: detail})
	}
	return res, nil
}

// explainMiss turns a demand's candidate report into a reason and a sentence. served
// providers of the report were given to the demand itself: they explain nothing.
func (m *Matcher) explainMiss(i int32, rep *demandReport, served int) (Reason, string) {
	d := &m.demands[i]
	if rep.scanned == served && len(d.DispatchedTo) > 0 {
		// Only the providers it was dispatched to were looked at: skill and area were not.
		providers := "providers"
		if len(d.DispatchedTo) == 1 {
			providers = "provider"
		}
		none := "none"
		if served > 0 {
			none = "no other"
		}
		return ReasonNotDispatched, fmt.Sprintf("dispatched to %d %s, %s of them in the plan", len(d.DispatchedTo), providers, none)
	}
	what := "any skill"
	if skills := m.skills[i]; len(skills) > 0 {
		names := make([]string, len(skills))
		for k, s := range skills {
			names[k] = string(s)
		}
		what = "skill " + strings.Join(names, "+")
	}
	if fs := m.routes[i].Functions; len(fs) > 0 {
		names := make([]string, len(fs))
		for k, f := range fs {
			names[k] = string(f)
		}
		what += " or function " + strings.Join(names, "/")
	}
	other := ""
	if served > 0 {
		other = "other "
	}
	switch {
	case rep.scanned == served:
		return ReasonNoCandidates, fmt.Sprintf("no %sprovider with %s serves %s", other, what, d.Location.Grid)
	case rep.eligibleFound > served:
		// Under MaxScore and MaxServed the demands that took them score at least as much with
		// them (else swapping would improve the plan); PriorityFirst also gives them away to
		// priority residents' demands that score less.
		to := "higher-scoring demands"
		if m.objective == PriorityFirst {
			to = "priority residents' demands or higher-scoring ones"
		}
		if n := rep.eligibleFound - served; n != 1 {
			return ReasonTaken, fmt.Sprintf("%d %seligible providers with capacity were assigned to %s", n, other, to)
		}
		return ReasonTaken, fmt.Sprintf("1 %seligible provider with capacity was assigned to %s", other, to)
	case rep.atCapacity == 1:
		return ReasonAtCapacity, fmt.Sprintf("the 1 %seligible provider is at capacity", other)
	case rep.atCapacity > 0:
		return ReasonAtCapacity, fmt.Sprintf("all %d %seligible providers are at capacity", rep.atCapacity, other)
	}
	best, count := ReasonNoCandidates, 0
	for r, n := range rep.ineligible {
		if n > count {
			best, count = Reason(r), n
		}
	}
	if n := rep.scanned - served; n != 1 {
		return best, fmt.Sprintf("%d %sproviders with %s near %s: none eligible, most often: %s", n, other, what, d.Location.Grid, best)
	}
	// One provider has one reason: "most often" would say nothing.
	return best, fmt.Sprintf("1 %sprovider with %s near %s: not eligible, %s", other, what, d.Location.Grid, best)
}
