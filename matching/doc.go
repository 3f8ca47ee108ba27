// Package matching decides who serves whom: it matches the demand list against the resource
// list (精准对接). It reads catalog types and writes nothing.
//
// At its core is [Solve], an exact maximum-weight b-matching on a sparse edge list.
package matching
