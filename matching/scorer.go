package matching

import (
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"

	"github.com/tongxin/tongxin/catalog"
)

// Candidate is one possible pairing the matcher asks a [Scorer] about. The pointers are
// read-only: a scorer must not modify what they point to.
type Candidate struct {
	Demand   *catalog.Demand
	Provider *catalog.Provider
	// Route is the routing rule that applies to the demand (大事小事分流); the zero Route
	// restricts nothing.
	Route Route
}

// Part is one explained component of a score.
type Part struct {
	Name   string // "skill", "distance", "availability", "priority", "urgency", ...
	Points int64  // may be negative (fairness)
	Note   string // what it is based on: "612 m walk", "rating 4.5"
}

// Fit is a scorer's verdict on a candidate: eligible with a positive Score, or ineligible
// with the Reason. A Fit with no Reason and a Score of 0 or less is ineligible too; Plan
// reports it as ReasonNoScore. Parts explain the score; a scorer fills them only when asked
// to explain.
type Fit struct {
	Score  int64
	Reason Reason
	Parts  []Part
}

// Eligible reports whether the pairing may be made.
func (f Fit) Eligible() bool { return f.Reason == ReasonNone && f.Score > 0 }

// Scorer rates one candidate pairing. explain asks for Parts; without it a scorer should
// not allocate, since the matcher calls it for every candidate edge. Scores above
// FitScoreMax are lowered to it.
//
// A Fit's Reason is ReasonNone or one of the listed reasons (ReasonNoSkill and the others
// declared with Reason); a scorer with reasons of its own maps each to the nearest listed
// one. Plan, SuggestProviders and SuggestDemands refuse any other value, such as
// Reason(50), with ErrInvalidInput: Plan could not report a miss under a reason it does not
// know, and the numbers beyond the list are kept for reasons this package adds.
type Scorer interface {
	Score(c Candidate, explain bool) Fit
}

// ScorerFunc adapts a function to [Scorer].
type ScorerFunc func(c Candidate, explain bool) Fit

// Score calls f.
func (f ScorerFunc) Score(c Candidate, explain bool) Fit { return f(c, explain) }

// FitScoreMax bounds one pairing's score so that the objectives' bonuses (see [Objective])
// stay within [ScoreMax] for a district of [PlanDemandsMax] demands.
const FitScoreMax = 1 << 14

// WalkMetersMaxLimit bounds DefaultScorer.WalkMetersMax: 100,000 km, far beyond the longest
// walk on Earth (half its circumference times catalog.WalkingDetourFactor, about 26,000 km).
// The distance points are Distance·(limit−walk)/limit: with an infinite limit that is ∞/∞,
// NaN, and with a huge finite one the product overflows to +Inf.
const WalkMetersMaxLimit = 1e8

// WeightPointsMax bounds each of DefaultScorer's Weights, either sign: 2^20 points, 64
// times FitScoreMax. A part larger than a whole score only pins the score at 1 or
// FitScoreMax, so nothing useful lies beyond; within it a score's parts and their sum stay
// far inside int64 (a Distance near MaxInt64 converted a float beyond int64's range, which Go
// leaves to the platform, and sums wrapped around).
const WeightPointsMax = 1 << 20

// partPointsMax bounds the rating and fairness parts, which multiply a weight by provider
// records (RatingSum, which a Matcher reads as it is, and Active, which NewMatcher bounds but
// Score called directly does not): with the other parts, each at most WeightPointsMax, a
// score's sum stays below 2^42 and is exact in any order.
const partPointsMax = 1 << 40

// Weights are the points of each part of [DefaultScorer]'s score, each within
// ±WeightPointsMax.
type Weights struct {
	Fit          int64 // skill or function fit (required)
	Distance     int64 // at 0 m; falls linearly to 0 at the edge of the walking circle
	Availability int64 // the provider's stated hours overlap the demand's window
	Priority     int64 // the demand is for a priority resident (重点人群)
	Urgent       int64 // urgency Urgent (急事)
	Emergency    int64 // urgency Emergency
	Professional int64 // a professional provider for a hard item (愁事专业匹配)
	RatingStar   int64 // per star of the provider's average rating
	Load         int64 // subtracted per demand the provider already serves (fairness)
}

// DefaultWeights are used when DefaultScorer.Weights is zero.
var DefaultWeights = Weights{
	Fit: 400, Distance: 300, Availability: 50, Priority: 200, Urgent: 150, Emergency: 300,
	Professional: 250, RatingStar: 20, Load: 60,
}

// DefaultProfessionalSkills mark hard items (愁事): a demand needing one of them prefers a
// provider flagged professional (a lawyer in the grid, a doctor).
var DefaultProfessionalSkills = []catalog.Skill{"legal_advice", "medical", "counselling", "mediation"}

// DefaultScorer is the scorer used when none is given. Its parts:
//   - fit (required): the provider has every required skill of the demand (its own list, or
//     its category's), or, for a demand routed by function, is an organisation (unit, team or
//     social organisation) with one of the route's functions, as catalog.Claim admits it
//     (Taxonomy.Eligible: an individual volunteer with the function would be refused there);
//     an individual volunteer never fits a kind that needs an organisation; nobody fits their
//     own demand.
//   - area and distance (required): the demand lies in the provider's service area and,
//     when both coordinates are known, within the walking circle (15-minute circle, 1 km),
//     unless the provider is an organisation serving the whole area; points fall with the
//     walk (or with the grid-tree distance when coordinates are unknown).
//   - availability (required): the provider's weekly hours overlap the demand's window.
//   - priority residents, urgency, professional match for hard items, rating: bonuses.
//   - fairness: minus Weights.Load per demand the provider already serves. Plan also makes
//     each further demand it gives one provider cost more: Options.LoadCost, not Weights.Load.
//
// WalkMetersMax is 0 (the 15-minute circle) or a walk in meters up to WalkMetersMaxLimit;
// NewMatcher refuses any other value (negative, NaN, infinite, larger) with ErrInvalidInput.
// Score cannot fail: called directly or through a ScorerFunc it takes a negative or NaN
// value as 0 and a larger one, +Inf included, as WalkMetersMaxLimit, so that no score is
// ever computed from a NaN.
//
// Each of Weights lies within ±WeightPointsMax; NewMatcher refuses a weight beyond with
// ErrInvalidInput, and Score takes it as the limit of its sign. Score also holds the rating
// and fairness parts, which multiply weights by provider records, to ±2^40 points (only
// absurd records reach that), so no part or sum ever overflows.
type DefaultScorer struct {
	Taxonomy           *catalog.Taxonomy // nil: catalog.DefaultTaxonomy()
	WalkMetersMax      float64           // 0: catalog.FifteenMinuteCircleMeters; see above
	Weights            Weights           // zero: DefaultWeights
	ProfessionalSkills []catalog.Skill   // nil: DefaultProfessionalSkills
}

// Score implements [Scorer].
func (s DefaultScorer) Score(c Candidate, explain bool) Fit {
	d, p := c.Demand, c.Provider
	w := s.weights()
	var parts []Part
	add := func(name string, points int64, note string) {
		if explain {
			parts = append(parts, Part{Name: name, Points: points, Note: note})
		}
	}

	if hasPerson(p, d.Requester.ID) {
		return Fit{Reason: ReasonOwnDemand}
	}
	if d.Kind.NeedsOrganisation() && !p.Kind.Organisation() {
		return Fit{Reason: ReasonNeedsOrganisation}
	}
	if len(c.Route.ProviderKinds) > 0 && !slices.Contains(c.Route.ProviderKinds, p.Kind) {
		return Fit{Reason: ReasonRouted}
	}
	skills := demandSkills(d, s.taxonomy())
	switch {
	case p.Kind.Organisation() && hasAnyFunction(p, c.Route.Functions):
		add("fit", w.Fit, "function for "+c.Route.Rule)
	case hasSkills(p, skills):
		add("fit", w.Fit, "skills")
	default:
		return Fit{Reason: ReasonNoSkill}
	}
	total := w.Fit

	if !serves(p, d.Location.Grid) {
		return Fit{Reason: ReasonOutOfArea}
	}
	walkMax := s.walkLimit()
	wholeArea := p.Kind.Organisation() && (len(p.ServiceArea) > 0 || p.Home.Depth() < catalog.LevelGrid)
	var distancePoints int64
	var distanceNote string
	switch {
	case !d.Location.At.IsZero() && !p.At.IsZero():
		walk := catalog.WalkingMeters(d.Location.At, p.At)
		if explain {
			distanceNote = walkNote(walk, walkMax)
		}
		if !(walk <= walkMax) { // NaN too: int64 of a NaN is up to the platform
			if !wholeArea {
				return Fit{Reason: ReasonTooFar}
			}
			walk = walkMax
		}
		distancePoints = int64(float64(w.Distance) * (walkMax - walk) / walkMax)
	default:
		// Unknown coordinates: the grid tree tells how near they are (2: same grid, 4: same
		// community).
		hops := d.Location.Grid.Distance(p.Home)
		distancePoints = w.Distance * int64(max(0, 8-hops)) / 8
		if explain {
			distanceNote = "grid distance " + itoa(hops)
		}
	}
	if wholeArea && distancePoints < w.Distance/2 {
		distancePoints = w.Distance / 2
		distanceNote += ", unit serving the area"
	}
	total += distancePoints
	add("distance", distancePoints, distanceNote)

	if !p.Availability.Overlaps(d.Window) {
		return Fit{Reason: ReasonWindowConflict}
	}
	total += w.Availability
	add("availability", w.Availability, "hours overlap the window")

	if d.Priority.Any() {
		total += w.Priority
		add("priority", w.Priority, "priority resident")
	}
	switch d.Urgency {
	case catalog.UrgencyUrgent:
		total += w.Urgent
		add("urgency", w.Urgent, "urgent")
	case catalog.UrgencyEmergency:
		total += w.Emergency
		add("urgency", w.Emergency, "emergency")
	}
	if p.Flags.Has(catalog.FlagProfessional) && s.hardItem(skills) {
		total += w.Professional
		add("professional", w.Professional, "professional for a hard item")
	}
	if p.RatingCount > 0 {
		points := ratingPoints(w.RatingStar, p)
		total += points
		add("rating", points, "average rating")
	}
	if p.Active > 0 {
		points := loadPoints(w.Load, p)
		total += points
		add("fairness", points, itoa(p.Active)+" demands in hand")
	}
	return Fit{Score: min(max(total, 1), FitScoreMax), Parts: parts}
}

// weights is the Weights Score uses (see DefaultScorer): DefaultWeights for the zero value,
// each weight held to ±WeightPointsMax.
func (s DefaultScorer) weights() Weights {
	w := s.Weights
	if w == (Weights{}) {
		return DefaultWeights
	}
	for _, f := range w.fields() {
		*f.points = min(max(*f.points, -WeightPointsMax), WeightPointsMax)
	}
	return w
}

// weightField is one of Weights' fields, by name.
type weightField struct {
	name   string
	points *int64
}

// fields lists w's fields, for check and the clamp.
func (w *Weights) fields() [9]weightField {
	return [...]weightField{{"Fit", &w.Fit}, {"Distance", &w.Distance}, {"Availability", &w.Availability},
		{"Priority", &w.Priority}, {"Urgent", &w.Urgent}, {"Emergency", &w.Emergency},
		{"Professional", &w.Professional}, {"RatingStar", &w.RatingStar}, {"Load", &w.Load}}
}

// check refuses what Score would quietly replace (see DefaultScorer): a WalkMetersMax
// outside 0..WalkMetersMaxLimit (NaN too) or a weight beyond ±WeightPointsMax. NewMatcher
// calls it, where the caller can be told.
func (s DefaultScorer) check() error {
	if w := s.WalkMetersMax; !(w >= 0 && w <= WalkMetersMaxLimit) {
		return fmt.Errorf("DefaultScorer.WalkMetersMax %v: want 0 or up to %v m: %w",
			w, float64(WalkMetersMaxLimit), ErrInvalidInput)
	}
	for _, f := range s.Weights.fields() {
		if *f.points < -WeightPointsMax || *f.points > WeightPointsMax {
			return fmt.Errorf("DefaultScorer.Weights.%s %d: want -%d..%d points: %w",
				f.name, *f.points, WeightPointsMax, WeightPointsMax, ErrInvalidInput)
		}
	}
	return nil
}

// ratingPoints is the rating part of p's score, star·RatingSum/RatingCount (RatingCount > 0).
func ratingPoints(star int64, p *catalog.Provider) int64 {
	return scaledPoints(star, int64(p.RatingSum), int64(p.RatingCount))
}

// loadPoints is the fairness part of p's score, −load·Active.
func loadPoints(load int64, p *catalog.Provider) int64 {
	return scaledPoints(-load, int64(p.Active), 1)
}

// scaledPoints is weight·num/den truncated toward zero, as int64 arithmetic gives it when
// nothing overflows, held to ±partPointsMax. The product is taken in 128 bits: num and den
// come from records, which may hold any int. den must not be 0.
func scaledPoints(weight, num, den int64) int64 {
	negative := (weight < 0) != (num < 0) != (den < 0)
	hi, lo := bits.Mul64(magnitude(weight), magnitude(num))
	q := uint64(partPointsMax)
	if d := magnitude(den); hi < d { // else the quotient needs more than 64 bits
		q, _ = bits.Div64(hi, lo, d)
	}
	q = min(q, partPointsMax)
	if negative {
		return -int64(q)
	}
	return int64(q)
}

// magnitude is |x|, MinInt64 included.
func magnitude(x int64) uint64 {
	if x < 0 {
		return -uint64(x)
	}
	return uint64(x)
}

func (s DefaultScorer) taxonomy() *catalog.Taxonomy {
	if s.Taxonomy != nil {
		return s.Taxonomy
	}
	return catalog.DefaultTaxonomy()
}

// walkLimit is the walking limit Score uses (see DefaultScorer): WalkMetersMax within
// (0, WalkMetersMaxLimit], the 15-minute circle for 0 and for what NewMatcher refuses below
// that (negative, NaN), WalkMetersMaxLimit above it (+Inf too).
func (s DefaultScorer) walkLimit() float64 {
	switch w := s.WalkMetersMax; {
	case w > WalkMetersMaxLimit:
		return WalkMetersMaxLimit
	case w > 0:
		return w
	}
	return catalog.FifteenMinuteCircleMeters // 0, negative or NaN
}

func (s DefaultScorer) hardItem(skills []catalog.Skill) bool {
	professional := s.ProfessionalSkills
	if professional == nil {
		professional = DefaultProfessionalSkills
	}
	for _, k := range skills {
		if slices.Contains(professional, k) {
			return true
		}
	}
	return false
}

// demandSkills is the demand's own skill list, or its category's.
func demandSkills(d *catalog.Demand, t *catalog.Taxonomy) []catalog.Skill {
	if len(d.Skills) > 0 || t == nil {
		return d.Skills
	}
	if c, ok := t.Category(d.Category); ok {
		return c.Skills
	}
	return nil
}

// hasPerson, hasSkills and serves are catalog.Provider's HasPerson, HasSkills and Serves
// on a pointer: the scorer runs for every candidate edge and a Provider is a few hundred
// bytes to copy.
func hasPerson(p *catalog.Provider, personID string) bool {
	if personID == "" {
		return false
	}
	if p.PersonID == personID {
		return true
	}
	for k := range p.Members {
		if p.Members[k].PersonID == personID {
			return true
		}
	}
	return false
}

func hasSkills(p *catalog.Provider, skills []catalog.Skill) bool {
	for _, s := range skills {
		if !slices.Contains(p.Skills, s) {
			return false
		}
	}
	return true
}

func serves(p *catalog.Provider, g catalog.GridPath) bool {
	if len(p.ServiceArea) == 0 {
		return g.Within(communityOf(p.Home))
	}
	for _, a := range p.ServiceArea {
		if g.Within(a) {
			return true
		}
	}
	return false
}

// communityOf is GridPath.Community without scanning past the second segment.
func communityOf(g catalog.GridPath) catalog.GridPath {
	first := strings.IndexByte(string(g), '/')
	if first < 0 {
		return g
	}
	second := strings.IndexByte(string(g[first+1:]), '/')
	if second < 0 {
		return g
	}
	return g[:first+1+second]
}

func hasAnyFunction(p *catalog.Provider, functions []catalog.Function) bool {
	for _, f := range functions {
		if slices.Contains(p.Functions, f) {
			return true
		}
	}
	return false
}

func formatMeters(m float64) string { return strconv.Itoa(int(m+0.5)) + " m" }

// walkNote explains the distance part of a pairing walk meters apart: the walk itself, also
// beyond the circle of walkMax meters (which only an organisation serving the whole area
// passes, scored as at the edge), and "walk unknown" for a walk that is not a finite
// number, which int would turn into whatever the platform gives.
func walkNote(walk, walkMax float64) string {
	switch {
	case math.IsNaN(walk) || math.IsInf(walk, 0):
		return "walk unknown"
	case walk > walkMax:
		return formatMeters(walk) + " walk, beyond the " + formatMeters(walkMax) + " circle"
	}
	return formatMeters(walk) + " walk"
}

func itoa(n int) string { return strconv.Itoa(n) }
