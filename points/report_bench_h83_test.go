package points_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/memstore"
	"github.com/tongxin/tongxin/points"
)

// BenchmarkLeaderboardsH83 ranks 20,000 awards of 1,000 providers as the package posts them
// (a cap posting and a points posting), a seventh of them reversed.
func BenchmarkLeaderboardsH83(b *testing.B) {
	ctx := context.Background()
	l, err := ledger.New(ctx, memstore.New())
	require.NoError(b, err)
	require.NoError(b, l.CreateAsset(ctx, ledger.Asset{Code: "PTS", Scale: 2}))
	require.NoError(b, l.CreateAsset(ctx, ledger.Asset{Code: "PTS_CAP", Scale: 2}))
	require.NoError(b, l.OpenAccount(ctx, ledger.Account{ID: "x:issuer", Asset: "PTS", Unbounded: true}))
	require.NoError(b, l.OpenAccount(ctx, ledger.Account{ID: "x:quota", Asset: "PTS_CAP", Unbounded: true}))
	require.NoError(b, l.OpenAccount(ctx, ledger.Account{ID: "x:sink", Asset: "PTS_CAP"}))
	for p := range 1000 {
		require.NoError(b, l.OpenAccount(ctx, ledger.Account{ID: ledger.AccountID(fmt.Sprintf("x:h%d", p)), Asset: "PTS"}))
	}
	one := decimal.NewFromInt(1)
	for i := range 20_000 {
		p := i % 1000
		tx, err := l.Post(ctx, ledger.Transaction{
			Postings: []ledger.Posting{
				{From: "x:quota", To: "x:sink", Amount: one, Asset: "PTS_CAP"},
				{From: "x:issuer", To: ledger.AccountID(fmt.Sprintf("x:h%d", p)), Amount: one, Asset: "PTS"},
			},
			Metadata: map[string]string{points.MetaKind: points.KindAward, points.MetaCommunity: "yangguang",
				points.MetaDemand: fmt.Sprint("d", i), points.MetaProvider: fmt.Sprint("p", p), points.MetaHolder: fmt.Sprint("h", p),
				points.MetaPoints: "1", points.MetaHours: "1"}})
		require.NoError(b, err)
		if i%7 == 0 {
			_, err = l.Reverse(ctx, tx.ID, "")
			require.NoError(b, err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		lb, err := points.Leaderboards(ctx, l, points.LeaderboardQuery{})
		if err != nil || len(lb.Providers) != 1000 {
			b.Fatal(err, len(lb.Providers))
		}
	}
}
