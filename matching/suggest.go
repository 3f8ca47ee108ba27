package matching

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/google/uuid"

	"github.com/tongxin/tongxin/catalog"
)

// SuggestProviders returns the k best eligible providers with free capacity for one demand,
// best first (ties: input order), each with its score explained: what a dispatcher sees
// before 派单. It examines at most CandidatesScannedMax providers, nearest first. A demand
// that waits for no provider gets an empty list and no error, as Plan gives it no provider
// (ReasonNotOpen or ReasonDeadlinePassed) and SuggestDemands leaves it out: one whose status
// is not in catalog.OpenStatuses (completed, cancelled, a draft...), one whose places are all
// filled (Filled == Headcount), and one whose deadline is at or before Options.Now, when set
// (catalog.Dispatch would refuse it: catalog.ErrDeadlinePassed).
//
// Errors: [ErrInvalidInput] (wrapped) for k outside 1..SuggestMax or a scorer's Reason that is
// not listed (see [Scorer]); [ErrNotFound] (wrapped) for an unknown demand id.
func (m *Matcher) SuggestProviders(demandID uuid.UUID, k int) ([]Suggestion, error) {
	if k < 1 || k > SuggestMax {
		return nil, fmt.Errorf("suggest providers: k %d outside 1..%d: %w", k, SuggestMax, ErrInvalidInput)
	}
	i, ok := m.demandByID[demandID]
	if !ok {
		return nil, fmt.Errorf("suggest providers: demand %s: %w", demandID, ErrNotFound)
	}
	d := &m.demands[i]
	if !m.planTime().plannable(d) {
		return []Suggestion{}, nil
	}
	seen := make(map[int32]struct{}, 64)
	var found []candidate
	var unlisted error
	m.scanProviders(i,
		func(j int32) bool {
			if _, ok := seen[j]; ok {
				return true
			}
			seen[j] = struct{}{}
			return false
		},
		func(j int32) bool {
			p := &m.providers[j]
			if freePlaces(p) == 0 {
				return true
			}
			fit, err := m.fit(i, j)
			if err != nil {
				unlisted = err
				return false
			}
			if fit.Eligible() {
				found = append(found, candidate{index: j, score: min(fit.Score, FitScoreMax)})
			}
			return true
		})
	if unlisted != nil {
		return nil, fmt.Errorf("suggest providers: %w", unlisted)
	}
	top := topK(found, k)
	out := make([]Suggestion, len(top))
	for n, c := range top {
		p := &m.providers[c.index]
		fit := m.scorer.Score(Candidate{Demand: d, Provider: p, Route: m.routes[i]}, true)
		out[n] = Suggestion{ID: p.ID, Score: c.score, Parts: fit.Parts}
	}
	return out, nil
}

// SuggestDemands returns the k open demands a provider fits best, best first (ties: input
// order), each with its score explained: what a board (揭榜) shows a volunteer. It examines
// at most CandidatesScannedMax demands in the provider's service area that need one of its
// skills or functions, nearest first (its own grid, its community, then the rest of the
// area), leaving out demands dispatched (派单) to other providers and demands whose deadline
// is at or before Options.Now, when set (catalog.Claim refuses both; neither counts towards
// CandidatesScannedMax, and the former are not walked at all). A provider with no
// free places (Active at or above Capacity, which catalog.Claim refuses: catalog.ErrCapacity)
// gets an empty list and no error, as SuggestProviders and Plan leave such a provider out.
// Like Plan it takes every open status: a demand still Open (on no board, dispatched to no
// one) is offered too, which the community may Dispatch to the provider but the provider
// cannot Claim yet. To show a volunteer only what they may claim now, give NewMatcher only
// demands whose Status.Claimable() holds.
// The first call on a Matcher also indexes its open demands by skill and grid (a few
// milliseconds for a district), which Plan does not need.
//
// Errors: [ErrInvalidInput] (wrapped) for k outside 1..SuggestMax or a scorer's Reason that is
// not listed (see [Scorer]); [ErrNotFound] (wrapped) for an unknown provider id. k and the id
// are checked first; a provider with no free places is not scored, so no scorer error either.
func (m *Matcher) SuggestDemands(providerID uuid.UUID, k int) ([]Suggestion, error) {
	if k < 1 || k > SuggestMax {
		return nil, fmt.Errorf("suggest demands: k %d outside 1..%d: %w", k, SuggestMax, ErrInvalidInput)
	}
	j, ok := m.providerByID[providerID]
	if !ok {
		return nil, fmt.Errorf("suggest demands: provider %s: %w", providerID, ErrNotFound)
	}
	p := &m.providers[j]
	if freePlaces(p) == 0 {
		return []Suggestion{}, nil // catalog.Claim would refuse this provider (catalog.ErrCapacity)
	}
	m.demandIndexOnce.Do(m.indexDemands)
	now := m.planTime()
	roots := p.ServiceArea
	if len(roots) == 0 {
		if p.Home.Depth() >= catalog.LevelCommunity {
			roots = []catalog.GridPath{p.Home.Community()}
		} else {
			roots = []catalog.GridPath{p.Home}
		}
	}
	// Nearest first, as Plan looks for providers: the provider's own grid, the rest of its
	// community, then the rest of its service area. In input order alone, the first
	// CandidatesScannedMax demands of a large area could all lie beyond the walking circle
	// and hide the one next door.
	areas := make([]catalog.GridPath, 0, len(roots)+2)
	for _, near := range [...]catalog.GridPath{p.Home.Truncate(catalog.LevelGrid), p.Home.Community()} {
		if !slices.Contains(areas, near) && slices.ContainsFunc(roots, near.Within) {
			areas = append(areas, near)
		}
	}
	// Each subtree once. A hand-built record may list thousands (catalog keeps 64): checking
	// each against the list so far would take their number squared.
	var listed map[catalog.GridPath]struct{}
	if len(roots) > suggestAreasScanMax {
		listed = make(map[catalog.GridPath]struct{}, len(roots)+len(areas))
		for _, a := range areas {
			listed[a] = struct{}{}
		}
	}
	for _, root := range roots {
		if listed != nil {
			if _, dup := listed[root]; dup {
				continue
			}
			listed[root] = struct{}{}
		} else if slices.Contains(areas, root) {
			continue
		}
		areas = append(areas, root)
	}
	seen := make(map[int32]struct{}, 64)
	var found []candidate
	scanned := 0
scan:
	for _, area := range areas {
		for _, key := range providerCodes(p) {
			key.area = area
			// The demands not dispatched and those dispatched (派单) to p, merged in input
			// order; those dispatched to others, which catalog.Claim would refuse p, are not
			// walked at all.
			open, mine := m.demandIndex[key], m.dispatchedIndex[dispatchKey{key, j}]
			for len(open) > 0 || len(mine) > 0 {
				var i int32
				if len(mine) == 0 || (len(open) > 0 && open[0] < mine[0]) {
					i, open = open[0], open[1:]
				} else {
					i, mine = mine[0], mine[1:]
				}
				if scanned >= CandidatesScannedMax {
					break scan
				}
				if _, ok := seen[i]; ok {
					continue
				}
				seen[i] = struct{}{}
				d := &m.demands[i]
				if now.deadlinePassed(d) {
					continue // catalog.Claim would refuse everyone (the index is built once, for any time)
				}
				scanned++
				fit, err := m.fit(i, j)
				if err != nil {
					return nil, fmt.Errorf("suggest demands: %w", err)
				}
				if fit.Eligible() {
					found = append(found, candidate{index: i, score: min(fit.Score, FitScoreMax)})
				}
			}
		}
	}
	top := topK(found, k)
	out := make([]Suggestion, len(top))
	for n, c := range top {
		d := &m.demands[c.index]
		fit := m.scorer.Score(Candidate{Demand: d, Provider: p, Route: m.routes[c.index]}, true)
		out[n] = Suggestion{ID: d.ID, Score: c.score, Parts: fit.Parts}
	}
	return out, nil
}

// suggestAreasScanMax is how many service-area subtrees SuggestDemands dedupes by scanning
// the list so far; beyond it, with a set.
const suggestAreasScanMax = 16

// topK sorts by descending score, then ascending index, and keeps k.
func topK(found []candidate, k int) []candidate {
	slices.SortFunc(found, func(a, b candidate) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return cmp.Compare(a.index, b.index)
	})
	return found[:min(k, len(found))]
}
