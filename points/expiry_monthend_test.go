package points_test

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/memstore"
)

type datedLot struct {
	at     time.Time
	amount int64
}

// TestExpireAtMonthEndKeepsYoungPoints: with a validity of one month, a run on 31 March
// expires points received in February, not those received on 2 March (29 days old). The
// cutoff was 31 March minus a month as time.AddDate gives it, "31 February", that is 3 March.

func TestExpireAtMonthEndKeepsYoungPoints(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	for _, tc := range []struct {
		name     string
		asOf     time.Time
		lots     []datedLot // oldest first: Expire reads lots in the order they were posted
		expected string
	}{
		{"31 March", time.Date(2026, 3, 31, 12, 0, 0, 0, cst), []datedLot{
			{time.Date(2026, 2, 27, 12, 0, 0, 0, cst), 5}, // a month and more: expires
			{time.Date(2026, 3, 2, 12, 0, 0, 0, cst), 7},  // 29 days: valid until 2 April
		}, "5"},
		{"29 March", time.Date(2026, 3, 29, 12, 0, 0, 0, cst), []datedLot{
			{time.Date(2026, 2, 27, 12, 0, 0, 0, cst), 5}, // expires
			{time.Date(2026, 3, 1, 0, 30, 0, 0, cst), 7},  // 28 days: valid until 1 April
		}, "5"},
		{"30 April", time.Date(2026, 4, 30, 12, 0, 0, 0, cst), []datedLot{
			{time.Date(2026, 3, 30, 11, 0, 0, 0, cst), 5}, // a month and an hour: expires
			{time.Date(2026, 3, 30, 13, 0, 0, 0, cst), 7}, // an hour short of a month
		}, "5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tw := newTwin(t, memstore.New(), expiryScheme("c0", 1, false))
			inc := tw.incs[0]
			for _, lt := range tc.lots {
				id := inc.HolderAccount("p-1")
				require.NoError(t, tw.l.OpenAccount(tw.ctx, ledger.Account{ID: id, Asset: "PTS"}))
				_, err := tw.l.Post(tw.ctx, ledger.Transaction{EffectiveAt: lt.at,
					Postings: []ledger.Posting{{From: inc.IssuerAccount(), To: id, Amount: decimal.NewFromInt(lt.amount), Asset: "PTS"}}})
				require.NoError(t, err)
			}
			rep, err := inc.Expire(tw.ctx, tc.asOf)
			require.NoError(t, err)
			assert.Equal(t, tc.expected, rep.Points.String())
		})
	}
}
