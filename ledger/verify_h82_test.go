package ledger_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tongxin/tongxin/ledger"
)

// BenchmarkVerifyShapesH82: Verify over ledgers of n transactions in the shapes the district
// benchmark does not have: n transactions among ten accounts (long per-account histories),
// every one back-dated behind the one before (the store's out-of-order entries), and every one
// a hold's capture (Verify reads the hold of each). ns/tx should not grow with n.
func BenchmarkVerifyShapesH82(b *testing.B) {
	for _, shape := range []string{"few-accounts", "back-dated", "captures"} {
		for _, n := range []int{20_000, 80_000} {
			b.Run(fmt.Sprintf("%s/%d", shape, n), func(b *testing.B) {
				ids := make([]ledger.AccountID, 10)
				for i := range ids {
					ids[i] = ledger.AccountID(fmt.Sprintf("res:r%d", i))
				}
				l, ctx := newPTSLedger(b, "issuer", ids...)
				base := time.Now().Add(-time.Hour)
				batch := make([]ledger.Transaction, 0, 1000)
				for i := 0; i < n; i++ {
					to := ids[i%len(ids)]
					switch shape {
					case "captures":
						h, err := l.Hold(ctx, ledger.Posting{From: "issuer", To: to, Amount: decimal.NewFromInt(2), Asset: "PTS"}, ledger.HoldOptions{})
						if err != nil {
							b.Fatal(err)
						}
						if _, err := l.Capture(ctx, h.ID, decimal.NewFromInt(1)); err != nil {
							b.Fatal(err)
						}
						continue
					case "back-dated":
						batch = append(batch, ledger.Transaction{EffectiveAt: base.Add(-time.Duration(i) * time.Millisecond),
							Postings: []ledger.Posting{{From: "issuer", To: to, Amount: benchAmount, Asset: "PTS"}}})
					default:
						batch = append(batch, ledger.Transaction{Postings: []ledger.Posting{{From: "issuer", To: to, Amount: benchAmount, Asset: "PTS"}}})
					}
					if len(batch) == cap(batch) {
						if _, err := l.PostBatch(ctx, batch); err != nil {
							b.Fatal(err)
						}
						batch = batch[:0]
					}
				}
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					if err := l.Verify(ctx); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/tx")
			})
		}
	}
}
