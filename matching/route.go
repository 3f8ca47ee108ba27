package matching

import (
	"slices"

	"github.com/tongxin/tongxin/catalog"
)

// Reason says why a pairing is not possible or why a demand stayed unmatched.
type Reason uint8

// Reasons. The zero value means "no reason": eligible, or matched.
const (
	ReasonNone              Reason = iota
	ReasonNoSkill                  // the provider lacks a required skill (or the route's function)
	ReasonOutOfArea                // the demand lies outside the provider's service area
	ReasonTooFar                   // beyond the walking circle
	ReasonWindowConflict           // the provider's hours miss the demand's window
	ReasonNeedsOrganisation        // the demand's kind needs a unit, team or social organisation
	ReasonRouted                   // the routing rule sends the demand to other kinds of provider
	ReasonOwnDemand                // the provider raised the demand
	ReasonNotDispatched            // the demand was dispatched (派单) to other providers; unmatched: to none the plan holds but those given it
	ReasonNoCandidates             // unmatched: no provider with the skill or function serves the area
	ReasonAtCapacity               // unmatched: every eligible provider is at capacity
	ReasonTaken                    // unmatched: eligible providers went to demands the objective ranks higher
	ReasonNotOpen                  // unmatched: the demand is not open or has no place left
	// ReasonNoScore: the scorer gave the pairing no positive score and no reason (a custom
	// Scorer's Fit{Score: 0}). Plan reports it in place of ReasonNone, which would say nothing.
	ReasonNoScore
	// ReasonDeadlinePassed: unmatched, the demand's deadline is at or before the plan's time
	// (Options.Now), from which catalog refuses to dispatch it or let anyone claim it.
	ReasonDeadlinePassed
)

var reasonText = [...]string{
	ReasonNone:              "none",
	ReasonNoSkill:           "no required skill or function",
	ReasonOutOfArea:         "outside the service area",
	ReasonTooFar:            "beyond the walking circle",
	ReasonWindowConflict:    "availability does not overlap the window",
	ReasonNeedsOrganisation: "needs an organisation",
	ReasonRouted:            "routed to other provider kinds",
	ReasonOwnDemand:         "own demand",
	ReasonNotDispatched:     "dispatched to other providers",
	ReasonNoCandidates:      "no provider with the skill within the area",
	ReasonAtCapacity:        "all eligible providers at capacity",
	ReasonTaken:             "eligible providers assigned to demands the objective ranks higher",
	ReasonNotOpen:           "not open",
	ReasonNoScore:           "scored no points",
	ReasonDeadlinePassed:    "deadline passed",
}

// listed reports whether r is one of the reasons above. The numbers beyond them are kept for
// reasons this package may add.
func (r Reason) listed() bool { return int(r) < len(reasonText) }

// String explains the reason in English.
func (r Reason) String() string {
	if r.listed() {
		return reasonText[r]
	}
	return "unknown reason"
}

// Rule is one routing rule of 大事小事分流 (big matters and small matters take different
// routes). A demand matches when its kind is in DemandKinds, or when BigItems is set and its
// category is marked BigItem in the taxonomy.
type Rule struct {
	Name        string
	Explanation string
	DemandKinds []catalog.DemandKind
	BigItems    bool
	// ProviderKinds may serve matching demands; empty: any kind.
	ProviderKinds []catalog.ProviderKind
	// FunctionsByCategory lists, per category code, the unit functions (职能) that fit a
	// matching demand in place of its skills. Only those the Router's Taxonomy also lists for
	// the category enter the Route, as catalog.Claim admits an organisation without the
	// skills by those alone (Taxonomy.Eligible): a rule can narrow the taxonomy's functions,
	// not add to them. DefaultScorer grants that fit to an organisation only.
	FunctionsByCategory map[string][]catalog.Function
}

// Route is the outcome of routing one demand: the rule that applied, with its explanation,
// and what it allows.
type Route struct {
	Rule          string
	Explanation   string
	ProviderKinds []catalog.ProviderKind
	// Functions are the rule's functions for the demand's category that the router's
	// taxonomy lists for it too (see Rule.FunctionsByCategory).
	Functions []catalog.Function
}

// Router applies the first matching rule. The zero Router routes nothing.
type Router struct {
	Rules    []Rule
	Taxonomy *catalog.Taxonomy // nil: catalog.DefaultTaxonomy()
}

// DefaultRouter routes big items and projects (大事) to co-building units, social
// organisations and micro-teams by function, and wishes and practical matters (小事) to the
// grid's own volunteers and micro-teams. The functions per category are those of
// catalog.DefaultTaxonomy, the table catalog.Claim checks too.
func DefaultRouter() Router {
	r := RouterForTaxonomy(catalog.DefaultTaxonomy())
	r.Taxonomy = nil // the default, as before
	return r
}

// RouterForTaxonomy is DefaultRouter's rules for a community's own taxonomy t: big items are
// those t marks, and a category's fitting unit functions are the Functions t lists for it
// (exactly that category's, not its parent's). A nil t is catalog.DefaultTaxonomy().
func RouterForTaxonomy(t *catalog.Taxonomy) Router {
	if t == nil {
		t = catalog.DefaultTaxonomy()
	}
	functions := make(map[string][]catalog.Function)
	for _, c := range t.Categories() {
		if len(c.Functions) > 0 {
			functions[c.Code] = c.Functions
		}
	}
	return Router{Taxonomy: t, Rules: []Rule{
		{
			Name:                "big-matters-to-units",
			Explanation:         "大事: big items and projects go to co-building units and organisations by function",
			DemandKinds:         []catalog.DemandKind{catalog.MajorItem, catalog.Project},
			BigItems:            true,
			ProviderKinds:       []catalog.ProviderKind{catalog.Unit, catalog.SocialOrg, catalog.Team},
			FunctionsByCategory: functions,
		},
		{
			Name:          "small-matters-in-grid",
			Explanation:   "小事: wishes and practical matters stay with the grid's volunteers and micro-teams",
			DemandKinds:   []catalog.DemandKind{catalog.Wish, catalog.PracticalMatter},
			ProviderKinds: []catalog.ProviderKind{catalog.Volunteer, catalog.Team},
		},
	}}
}

// Route returns the route of d: the first rule that matches, or the zero Route.
func (r Router) Route(d *catalog.Demand) Route { return r.route(d, nil) }

// route is Route. listed, when not nil, caches the taxonomy's functions by category for a
// Matcher routing many demands (Taxonomy.Category copies them on each call).
func (r Router) route(d *catalog.Demand, listed map[string][]catalog.Function) Route {
	for i := range r.Rules {
		rule := &r.Rules[i]
		if !r.matches(rule, d) {
			continue
		}
		route := Route{
			Rule:          rule.Name,
			Explanation:   rule.Explanation,
			ProviderKinds: rule.ProviderKinds,
		}
		if fs := rule.FunctionsByCategory[d.Category]; len(fs) > 0 {
			taxonomy, ok := listed[d.Category]
			if !ok {
				c, _ := r.taxonomy().Category(d.Category)
				taxonomy = c.Functions
				if listed != nil {
					listed[d.Category] = taxonomy
				}
			}
			route.Functions = listedFunctions(fs, taxonomy)
		}
		return route
	}
	return Route{}
}

// listedFunctions is the functions of route that listed holds: route itself when it holds
// them all (a router built from the taxonomy), else a copy of those it holds (nil for none).
func listedFunctions(route, listed []catalog.Function) []catalog.Function {
	all := true
	for _, f := range route {
		all = all && slices.Contains(listed, f)
	}
	if all {
		return route
	}
	var out []catalog.Function
	for _, f := range route {
		if slices.Contains(listed, f) {
			out = append(out, f)
		}
	}
	return out
}

func (r Router) taxonomy() *catalog.Taxonomy {
	if r.Taxonomy == nil {
		return catalog.DefaultTaxonomy()
	}
	return r.Taxonomy
}

func (r Router) matches(rule *Rule, d *catalog.Demand) bool {
	if slices.Contains(rule.DemandKinds, d.Kind) {
		return true
	}
	if !rule.BigItems {
		return false
	}
	c, ok := r.taxonomy().Category(d.Category)
	return ok && c.BigItem
}
