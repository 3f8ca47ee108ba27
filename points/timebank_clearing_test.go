package points_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/memstore"
	"github.com/tongxin/tongxin/points"
)

// TestTimeBankClearingTemplateNamesBothCommunities: a clearing template without {community}
// ("clearing:{other}:{asset}") gave banks a and c one clearing account with b
// ("clearing:b:HOUR"), so withdrawals of a's and c's members served in b were accepted and
// Settlement then reported the pairs as corrupt (a/b 2 h against b/a -1 h). NewTimeBank (and
// a scheme's Naming, which shares the rules) refuses such a template with ErrInvalidScheme
// and writes nothing; a template naming both communities, in any order, works.
func TestTimeBankClearingTemplateNamesBothCommunities(t *testing.T) {
	ctx := context.Background()
	for _, tmpl := range []string{"clearing:{other}:{asset}", "community:x:clearing:{other}:{asset}", "clearing:{other}"} {
		t.Run(tmpl, func(t *testing.T) {
			l, err := ledger.New(ctx, memstore.New())
			require.NoError(t, err)
			_, err = points.NewTimeBank(ctx, l, points.TimeBankConfig{Community: "a", Accounts: points.Naming{Clearing: tmpl}})
			require.ErrorIs(t, err, points.ErrInvalidScheme)
			assert.Contains(t, err.Error(), points.PlaceCommunity)
			_, err = l.Account(ctx, "community:a:pool:HOUR")
			require.ErrorIs(t, err, ledger.ErrUnknownAccount, "nothing opened")
			h, err := l.Head(ctx)
			require.NoError(t, err)
			assert.Zero(t, h.Seq)

			s := testScheme()
			s.Accounts.Clearing = tmpl
			_, err = points.New(ctx, l, s)
			require.ErrorIs(t, err, points.ErrInvalidScheme, "a scheme's Naming follows the same rule")
		})
	}

	e := newEnv(t, testScheme())
	n := points.Naming{Clearing: "clearing:{other}:{community}:{asset}"}
	banks := map[string]*points.TimeBank{}
	for _, c := range []string{"a", "b", "c"} {
		banks[c] = newBank(t, e, points.TimeBankConfig{Community: c, Accounts: n})
	}
	assert.NotEqual(t, banks["a"].ClearingAccount("b"), banks["c"].ClearingAccount("b"))
	for _, c := range []string{"a", "c"} {
		tb := banks[c]
		require.NoError(t, e.l.OpenAccount(e.ctx, ledger.Account{ID: tb.MemberAccount("w"), Asset: "HOUR"}))
		_, err := e.l.Post(e.ctx, ledger.Transaction{IdempotencyKey: "fund-" + c, Postings: []ledger.Posting{
			{From: tb.PoolAccount(), To: tb.MemberAccount("w"), Amount: dec("5"), Asset: "HOUR"},
		}})
		require.NoError(t, err)
		_, err = tb.Withdraw(e.ctx, points.Withdrawal{Member: points.Member{Holder: "w"}, Hours: dec("1"), DemandID: uuid.New(), ServedBy: banks["b"]})
		require.NoError(t, err)
	}
	nets, err := points.Settlement(e.ctx, []*points.TimeBank{banks["a"], banks["b"], banks["c"]})
	require.NoError(t, err)
	require.Len(t, nets, 2)
	assert.Equal(t, "a b 1", sprint(nets[0].A, " ", nets[0].B, " ", nets[0].Hours), "a owes b 1 h")
	assert.Equal(t, "b c -1", sprint(nets[1].A, " ", nets[1].B, " ", nets[1].Hours), "c owes b 1 h")
	e.verify(t)
}
