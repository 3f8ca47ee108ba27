package points_test

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/points"
)

// TestTimeBankWithdrawClearingAccountsNamedAlike: two banks on one ledger whose clearing
// templates put the communities in opposite places ("community:{community}:clearing:{other}"
// and "community:{other}:clearing:{community}") name one account as a's clearing account with
// b and b's with a. A withdrawal of a's member served in b went into that account and straight
// out of it to b's pool: accepted, with nothing left on either side, so Settlement never
// showed that a owes b the hours. Withdraw now refuses it with ErrInvalid and changes nothing.
func TestTimeBankWithdrawClearingAccountsNamedAlike(t *testing.T) {
	e := newEnv(t, testScheme())
	a := newBank(t, e, points.TimeBankConfig{Community: "a"})
	b := newBank(t, e, points.TimeBankConfig{Community: "b", Accounts: points.Naming{Clearing: "community:{other}:clearing:{community}:{asset}"}})
	require.Equal(t, a.ClearingAccount("b"), b.ClearingAccount("a"), "the setting under test")
	fundMember(t, e, a, "w", "5")
	seq := e.head(t)

	_, err := a.Withdraw(e.ctx, points.Withdrawal{Member: points.Member{Holder: "w"}, Hours: dec("2"), DemandID: uuid.New(), ServedBy: b})
	require.ErrorIs(t, err, points.ErrInvalid)
	assert.Equal(t, seq, e.head(t))
	_, err = e.l.Account(e.ctx, a.ClearingAccount("b"))
	assert.ErrorIs(t, err, ledger.ErrUnknownAccount)
	got, err := a.Hours(e.ctx, "w")
	require.NoError(t, err)
	assert.Equal(t, "5", got.String())
}
