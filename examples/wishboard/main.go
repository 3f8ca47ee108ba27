// Command wishboard tells one community's monthly micro-wish board (微心愿榜) step by step, in
// Chinese terms with English: residents post wishes (群众点单), the community publishes the
// board (揭榜), volunteers and a micro-team claim from it one-to-one, many-to-one and
// one-to-many (一对一、多对一、一对多), five volunteers race for the last place, the work is
// completed with hours, the resident rates it (群众评单), the community audits it (审核) and
// awards points (赋分), and a volunteer redeems points at the points shop (积分超市).
//
//	go run ./examples/wishboard
package main

import (
	"context"
	"fmt"
	"os"
)

func main() {
	if _, err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "wishboard:", err)
		os.Exit(1)
	}
}
