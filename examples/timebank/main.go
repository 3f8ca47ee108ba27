// Command timebank shows the time bank (时间银行) of two communities on one ledger: hours
// deposited for audited service (one hour served, one hour saved), a withdrawal refused by the
// bank's age policy and one allowed, a gift to a parent (转赠) and a gift over the limit, the
// storage cap (hours over it are donated, never lost), and hours saved in one community spent in
// another (通存通兑) with the settlement report between the two.
//
//	go run ./examples/timebank
package main

import (
	"context"
	"fmt"
	"os"
)

func main() {
	if _, err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "timebank:", err)
		os.Exit(1)
	}
}
