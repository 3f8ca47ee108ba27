package memstore_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/uuid"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/catalog/memstore"
	"github.com/tongxin/tongxin/catalog/storetest"
)

// BenchmarkClaimSmall is BenchmarkClaim on a store of 50,000 demands: the gap between the two
// is what a million-demand working set costs in cache misses.
func BenchmarkClaimSmall(b *testing.B) {
	f := storetest.NewFixture(b, memstore.New())
	ctx := context.Background()
	var ids []uuid.UUID
	for k := 0; k < 5; k++ {
		var batch []uuid.UUID
		for i := 0; i < 10000; i++ {
			batch = append(batch, f.OpenWish(b, storetest.Wish("r")).ID)
		}
		f.Board(b, batch...)
		ids = append(ids, batch...)
	}
	var ps []uuid.UUID
	for i := 0; i < 100; i++ {
		p := storetest.Volunteer(fmt.Sprint("v", i))
		p.Capacity = 1000
		ps = append(ps, f.Register(b, p).ID)
	}
	n := 0
	for b.Loop() {
		if _, err := f.Cat.Claim(ctx, ids[n], ps[n%len(ps)], catalog.Act{Actor: "v"}); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "claims/s")
}
