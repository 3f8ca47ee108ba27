package matching

import (
	"math"

	"github.com/tongxin/tongxin/catalog"
)

// Bounds of the distance pre-check. A pair is rejected as too far without the exact
// haversine only when a lower bound of its walk exceeds the limit by far more than rounding;
// every other pair gets the exact catalog.WalkingMeters, so verdicts never change.
const (
	// earthRadiusLowerMeters is below any radius a great-circle formula would use (the polar
	// radius is 6,356,752 m), so distances computed with it are lower bounds.
	earthRadiusLowerMeters = 6_300_000
	// boundSpanRadians is the largest difference of latitude or longitude the bound uses;
	// up to half of it sin(x) >= x - x³/6 >= sinRatioLower * x.
	boundSpanRadians = 0.2
	sinRatioLower    = 0.998
	// boundSlack: the bound must exceed the walking limit by this factor.
	boundSlack = 1 + 1e-6
)

// skillBitsMax is how many distinct skills (and, separately, functions) get a bit of a mask;
// a demand needing one beyond them is checked on the slices, as DefaultScorer does.
const skillBitsMax = 64

// defaultScoring is DefaultScorer prepared for one Matcher: each demand's and provider's
// part of the checks computed once (skill and function masks, allowed provider kinds,
// community, rating and load points, cosine of latitude) into small records, so that
// scoring a candidate without explanation costs a few comparisons and rarely touches the
// large catalog records (a district's providers do not fit in a cache). Its verdict (score
// and reason) is exactly DefaultScorer.Score's; explanations still come from
// DefaultScorer.Score.
type defaultScoring struct {
	weights    Weights
	walkMax    float64
	walkReject float64 // a straight-line lower bound above this is certainly too far
	demands    []demandTraits
	providers  []providerTraits
}

type demandTraits struct {
	skills    []catalog.Skill // the scorer's view: own skills or the category's
	need      uint64          // mask of skills; valid with demandSkillsMasked
	functions uint64          // mask of the route's functions; valid with demandFunctionsMasked
	kinds     [4]uint64       // allowed provider kinds (a bit per uint8 value)
	at        catalog.Coordinates
	cosLat    float64
	community int32 // interned community of the demand's grid; communityNone if none
	flags     uint8
}

// Flags of demandTraits.
const (
	demandSkillsMasked uint8 = 1 << iota
	demandFunctionsMasked
	demandKindsAll    // the route restricts no provider kind
	demandHard        // needs a professional skill (愁事)
	demandHasAt       // coordinates known
	demandRequesterIn // the requester's id is some provider's person or member
	demandAnyTime     // no window
	demandOrganisation
)

type providerTraits struct {
	skills    uint64
	functions uint64
	at        catalog.Coordinates
	cosLat    float64
	points    int64 // rating and load parts of the score
	community int32 // interned community of Home when it has no service area; communityNone: compare paths
	kind      catalog.ProviderKind
	flags     uint8
}

// Flags of providerTraits.
const (
	providerOrganisation uint8 = 1 << iota
	providerWholeArea          // an organisation serving a whole area: no walking limit
	providerHasAt
	providerAnyTime // no stated hours
	providerProfessional
	providerHomeCommunity // no service area: serves the community of Home
)

// communityNone marks a grid path that is not interned at community level; communityMissing
// a demand's community that no provider's is.
const (
	communityNone    = -1
	communityMissing = -2
)

// newDefaultScoring prepares s for the matcher's demands, routes and providers.
func newDefaultScoring(s DefaultScorer, demands []catalog.Demand, routes []Route, providers []catalog.Provider) *defaultScoring {
	f := &defaultScoring{weights: s.weights(), walkMax: s.walkLimit()}
	f.walkReject = f.walkMax / catalog.WalkingDetourFactor * boundSlack
	w := &f.weights
	taxonomy := s.taxonomy()

	communities := make(map[catalog.GridPath]int32)
	persons := make(map[string]struct{}, len(providers))
	f.providers = make([]providerTraits, len(providers))
	for j := range providers {
		p, t := &providers[j], &f.providers[j]
		t.kind = p.Kind
		t.community = communityNone
		if p.PersonID != "" {
			persons[p.PersonID] = struct{}{}
		}
		for k := range p.Members {
			persons[p.Members[k].PersonID] = struct{}{}
		}
		if p.Kind.Organisation() {
			t.flags |= providerOrganisation
			if len(p.ServiceArea) > 0 || p.Home.Depth() < catalog.LevelGrid {
				t.flags |= providerWholeArea
			}
		}
		if len(p.ServiceArea) == 0 {
			t.flags |= providerHomeCommunity
			if c := communityOf(p.Home); c.Depth() == catalog.LevelCommunity {
				id, ok := communities[c]
				if !ok {
					id = int32(len(communities))
					communities[c] = id
				}
				t.community = id
			}
		}
		if !p.At.IsZero() {
			t.flags |= providerHasAt
			t.at = p.At
			t.cosLat = math.Cos(p.At.Lat * math.Pi / 180)
		}
		if p.Availability.IsZero() {
			t.flags |= providerAnyTime
		}
		if p.Flags.Has(catalog.FlagProfessional) {
			t.flags |= providerProfessional
		}
		if p.RatingCount > 0 {
			t.points += ratingPoints(w.RatingStar, p)
		}
		if p.Active > 0 {
			t.points += loadPoints(w.Load, p)
		}
	}

	skillBit := make(map[catalog.Skill]uint64)
	functionBit := make(map[catalog.Function]uint64)
	f.demands = make([]demandTraits, len(demands))
	for i := range demands {
		d, t := &demands[i], &f.demands[i]
		t.skills = demandSkills(d, taxonomy)
		if s.hardItem(t.skills) {
			t.flags |= demandHard
		}
		masked := true
		for _, k := range t.skills {
			bit, ok := skillBit[k]
			if !ok && len(skillBit) < skillBitsMax {
				bit, ok = 1<<len(skillBit), true
				skillBit[k] = bit
			}
			t.need |= bit
			masked = masked && ok
		}
		if masked {
			t.flags |= demandSkillsMasked
		}
		masked = true
		for _, fn := range routes[i].Functions {
			bit, ok := functionBit[fn]
			if !ok && len(functionBit) < skillBitsMax {
				bit, ok = 1<<len(functionBit), true
				functionBit[fn] = bit
			}
			t.functions |= bit
			masked = masked && ok
		}
		if masked {
			t.flags |= demandFunctionsMasked
		}
		if len(routes[i].ProviderKinds) == 0 {
			t.flags |= demandKindsAll
		}
		for _, k := range routes[i].ProviderKinds {
			t.kinds[k/64] |= 1 << (k % 64)
		}
		if !d.Location.At.IsZero() {
			t.flags |= demandHasAt
			t.at = d.Location.At
			t.cosLat = math.Cos(d.Location.At.Lat * math.Pi / 180)
		}
		t.community = communityMissing
		if c := d.Location.Grid.Truncate(catalog.LevelCommunity); c.Depth() == catalog.LevelCommunity {
			if id, ok := communities[c]; ok {
				t.community = id
			}
		}
		if _, ok := persons[d.Requester.ID]; ok && d.Requester.ID != "" {
			t.flags |= demandRequesterIn
		}
		if d.Window.Start.IsZero() || d.Window.End.IsZero() {
			t.flags |= demandAnyTime
		}
		if d.Kind.NeedsOrganisation() {
			t.flags |= demandOrganisation
		}
	}
	// Only skills and functions some demand needs have bits; a provider's others do not matter.
	for j := range providers {
		p, t := &providers[j], &f.providers[j]
		for _, k := range p.Skills {
			t.skills |= skillBit[k]
		}
		for _, fn := range p.Functions {
			t.functions |= functionBit[fn]
		}
	}
	return f
}

// score is DefaultScorer.Score(Candidate{demands[i], providers[j], route}, false), checks
// in the same order so that the same reason is reported.
func (f *defaultScoring) score(d *catalog.Demand, i int32, p *catalog.Provider, j int32, route *Route) Fit {
	dt, pt := &f.demands[i], &f.providers[j]
	w := &f.weights
	if dt.flags&demandRequesterIn != 0 && hasPerson(p, d.Requester.ID) {
		return Fit{Reason: ReasonOwnDemand}
	}
	if dt.flags&demandOrganisation != 0 && pt.flags&providerOrganisation == 0 {
		return Fit{Reason: ReasonNeedsOrganisation}
	}
	if dt.flags&demandKindsAll == 0 && dt.kinds[pt.kind/64]&(1<<(pt.kind%64)) == 0 {
		return Fit{Reason: ReasonRouted}
	}
	var function bool
	switch {
	case pt.flags&providerOrganisation == 0:
		// Only an organisation fits by function (catalog.Taxonomy.Eligible).
	case dt.flags&demandFunctionsMasked != 0:
		function = dt.functions&pt.functions != 0
	default:
		function = hasAnyFunction(p, route.Functions)
	}
	if !function {
		var skilled bool
		if dt.flags&demandSkillsMasked != 0 {
			skilled = pt.skills&dt.need == dt.need
		} else {
			skilled = hasSkills(p, dt.skills)
		}
		if !skilled {
			return Fit{Reason: ReasonNoSkill}
		}
	}
	total := w.Fit

	switch {
	case pt.community >= 0:
		// Within the community ⟺ the grid's community is it.
		if dt.community != pt.community {
			return Fit{Reason: ReasonOutOfArea}
		}
	case !serves(p, d.Location.Grid):
		return Fit{Reason: ReasonOutOfArea}
	}
	walkMax := f.walkMax
	wholeArea := pt.flags&providerWholeArea != 0
	var distancePoints int64
	switch {
	case dt.flags&demandHasAt != 0 && pt.flags&providerHasAt != 0:
		var walk float64
		if f.surelyBeyond(dt, pt) {
			walk = math.Inf(1)
		} else {
			walk = catalog.WalkingMeters(dt.at, pt.at)
		}
		if !(walk <= walkMax) { // NaN too: int64 of a NaN is up to the platform
			if !wholeArea {
				return Fit{Reason: ReasonTooFar}
			}
			walk = walkMax
		}
		distancePoints = int64(float64(w.Distance) * (walkMax - walk) / walkMax)
	default:
		hops := gridHops(d.Location.Grid, p.Home)
		distancePoints = w.Distance * int64(max(0, 8-hops)) / 8
	}
	if wholeArea && distancePoints < w.Distance/2 {
		distancePoints = w.Distance / 2
	}
	total += distancePoints

	if dt.flags&demandAnyTime == 0 && pt.flags&providerAnyTime == 0 && !p.Availability.Overlaps(d.Window) {
		return Fit{Reason: ReasonWindowConflict}
	}
	total += w.Availability
	if d.Priority.Any() {
		total += w.Priority
	}
	switch d.Urgency {
	case catalog.UrgencyUrgent:
		total += w.Urgent
	case catalog.UrgencyEmergency:
		total += w.Emergency
	}
	if dt.flags&demandHard != 0 && pt.flags&providerProfessional != 0 {
		total += w.Professional
	}
	total += pt.points
	return Fit{Score: min(max(total, 1), FitScoreMax)}
}

// surelyBeyond reports whether the straight line between the two points certainly exceeds
// the walking limit: the great-circle distance is at least R·|Δlatitude| and at least
// R·min(cos latitude)·|Δlongitude| (up to sin x ≥ sinRatioLower·x for the small spans the
// bound is used on), when both cosines of latitude are >= 0. NaN coordinates fail every
// comparison and go to the exact formula.
func (f *defaultScoring) surelyBeyond(a *demandTraits, b *providerTraits) bool {
	const radians = math.Pi / 180
	const scale = earthRadiusLowerMeters * sinRatioLower
	c := min(a.cosLat, b.cosLat)
	if !(c >= 0) {
		// A latitude beyond a pole (cosine < 0): the haversine's cos·cos term turns negative
		// and neither bound holds.
		return false
	}
	dLat := math.Abs(a.at.Lat-b.at.Lat) * radians
	if dLat <= boundSpanRadians && scale*dLat > f.walkReject {
		return true
	}
	dLng := math.Abs(a.at.Lng-b.at.Lng) * radians
	return dLng <= boundSpanRadians && scale*c*dLng > f.walkReject
}

// gridHops is catalog.GridPath.Distance without splitting the paths: the number of segments
// of a and b below their deepest common ancestor.
func gridHops(a, b catalog.GridPath) int {
	segments := func(p catalog.GridPath) int {
		if p == "" {
			return 0
		}
		n := 1
		for k := 0; k < len(p); k++ {
			if p[k] == '/' {
				n++
			}
		}
		return n
	}
	na, nb := segments(a), segments(b)
	common := 0
	for common < na && common < nb {
		// The next segment of each, from the current position.
		ea := indexSeparator(a)
		eb := indexSeparator(b)
		if a[:ea] != b[:eb] {
			break
		}
		common++
		a, b = a[min(ea+1, len(a)):], b[min(eb+1, len(b)):]
	}
	return na - common + nb - common
}

// indexSeparator is the index of the first '/' of p, or len(p).
func indexSeparator(p catalog.GridPath) int {
	for k := 0; k < len(p); k++ {
		if p[k] == '/' {
			return k
		}
	}
	return len(p)
}
