// Package matching decides who serves whom: it matches the demand list against the resource
// list (精准对接, precise matching of the two lists). It reads catalog types and writes
// nothing.
//
// At its core is [Solve], an exact maximum-weight b-matching on a sparse edge list: left
// vertices are demands with a headcount (多对一, several providers for one demand), right
// vertices are providers with a capacity (一对多, one provider for several demands), and each
// edge carries a positive score. Solve returns the set of edges with the largest total score
// that respects every headcount and capacity. It is a successive-shortest-path min-cost flow
// with node potentials: one Dijkstra search per unit of headcount, with an "unmatched"
// option, stopped as soon as the best path is known. All arithmetic is integer, the result
// is deterministic, and the solve is cancellable through its context.
//
// [Solver] keeps a solved instance and re-optimises after a new demand, a new provider or a
// provider freed from earlier work, with a few searches from the changed vertex.
//
// The domain matcher reads catalog records. A [Scorer] rates one pairing of a demand and a
// provider; [DefaultScorer] explains each part of its score: skill fit, service area and
// walking distance (the 15-minute circle, 15分钟生活圈), availability, priority residents
// (重点人群), urgency (急事快速应对), professional match for hard items (愁事专业匹配), rating,
// and fairness. A [Router] applies 大事小事分流 (big matters to co-building units by
// function, small matters to the grid's volunteers and micro-teams). A [Matcher] indexes
// providers and demands by skill (or function) and grid subtree, so candidate pairings never
// come from all pairs; [Matcher.Plan] solves a board or dispatch round (派单) exactly and
// explains every assignment and every miss; [Matcher.SuggestProviders] and
// [Matcher.SuggestDemands] give the top k either way, for a dispatcher or for a volunteer
// looking at a board (揭榜). Given the catalog's clock ([Options].Now), Plan and
// SuggestDemands leave out demands whose deadline has come, which catalog no longer lets
// anyone dispatch or claim, and SuggestProviders suggests no one for them, nor for a demand
// that is not open or has every place filled. Plan and SuggestProviders leave out a provider
// with no free places, which catalog lets claim nothing, and SuggestDemands suggests nothing
// to it. [NewMatcher] refuses capacities, loads, headcounts and filled counts that catalog
// could not hold.
//
// [Greedy] is the baseline: it takes the best-scoring edges first. It is fast and simple but
// can lose score and served residents when supply is scarce.
package matching
