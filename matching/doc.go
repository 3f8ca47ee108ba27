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
// [Greedy] is the baseline: it takes the best-scoring edges first. It is fast and simple but
// can lose score and served residents when supply is scarce.
package matching
