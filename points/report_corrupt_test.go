package points_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/memstore"
	"github.com/tongxin/tongxin/points"
)

// TestServiceRecordCorruptMetadata refuses a service record built on an award or deposit whose
// hours or points cannot be read: it counted them as zero, so a certificate (志愿服务记录证明)
// showed fewer hours without a word, where Leaderboards reports the same transaction as
// ledger.ErrCorrupt.
func TestServiceRecordCorruptMetadata(t *testing.T) {
	pid := uuid.MustParse("01900000-0000-7000-8000-000000000001")
	cases := map[string]map[string]string{
		"award hours":   {points.MetaKind: points.KindAward, points.MetaHours: "two", points.MetaPoints: "10"},
		"award points":  {points.MetaKind: points.KindAward, points.MetaHours: "2", points.MetaPoints: ""},
		"deposit hours": {points.MetaKind: points.KindDeposit, points.MetaHours: "1e"},
	}
	for name, meta := range cases {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			l, err := ledger.New(ctx, memstore.New())
			require.NoError(t, err)
			require.NoError(t, l.CreateAsset(ctx, ledger.Asset{Code: "PTS", Scale: 2}))
			require.NoError(t, l.OpenAccount(ctx, ledger.Account{ID: "x:issuer", Asset: "PTS", Unbounded: true}))
			require.NoError(t, l.OpenAccount(ctx, ledger.Account{ID: "x:holder", Asset: "PTS"}))
			meta[points.MetaProvider] = pid.String()
			meta[points.MetaDemand] = "d1"
			meta[points.MetaCommunity] = "yangguang"
			_, err = l.Post(ctx, ledger.Transaction{IdempotencyKey: "k", Metadata: meta,
				Postings: []ledger.Posting{{From: "x:issuer", To: "x:holder", Amount: decimal.NewFromInt(1), Asset: "PTS"}}})
			require.NoError(t, err)
			_, err = points.ServiceRecordOf(ctx, l, pid)
			require.ErrorIs(t, err, ledger.ErrCorrupt)
		})
	}
}
