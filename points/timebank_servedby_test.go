package points_test

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/points"
)

// fundMember gives a member hours from the bank's pool, as a deposit would.
func fundMember(t *testing.T, e *env, tb *points.TimeBank, holder, hours string) {
	t.Helper()
	require.NoError(t, e.l.OpenAccount(e.ctx, ledger.Account{ID: tb.MemberAccount(holder), Asset: "HOUR"}))
	_, err := e.l.Post(e.ctx, ledger.Transaction{Postings: []ledger.Posting{
		{From: tb.PoolAccount(), To: tb.MemberAccount(holder), Amount: dec(hours), Asset: "HOUR"},
	}})
	require.NoError(t, err)
}

// TestWithdrawServedByOwnCommunity: a withdrawal whose ServedBy is another TimeBank value of
// the member's own community (a second process's, or one built again after a restart) is a
// withdrawal in the member's own community. It was taken for 通存通兑 because the banks were
// compared by pointer: the hours went through a "clearing account" of the community with
// itself, and the same withdrawal retried with ServedBy nil (or the other way round) was
// refused with ErrKeyReused.
func TestWithdrawServedByOwnCommunity(t *testing.T) {
	e := newEnv(t, testScheme())
	tb := newBank(t, e, points.TimeBankConfig{Community: "a"})
	again := newBank(t, e, points.TimeBankConfig{Community: "a"})
	fundMember(t, e, tb, "w", "5")

	w := points.Withdrawal{Member: points.Member{Holder: "w"}, Hours: dec("2"), DemandID: uuid.New(), ServedBy: again}
	r, err := tb.Withdraw(e.ctx, w)
	require.NoError(t, err)
	require.Len(t, r.Transaction.Postings, 1, "no clearing legs")
	assert.Equal(t, tb.PoolAccount(), r.Transaction.Postings[0].To)
	_, err = e.l.Account(e.ctx, tb.ClearingAccount("a"))
	require.ErrorIs(t, err, ledger.ErrUnknownAccount, "no clearing account of a with itself")

	w.ServedBy = nil
	r2, err := tb.Withdraw(e.ctx, w)
	require.NoError(t, err, "the same withdrawal, retried through the bank itself")
	assert.True(t, r2.Replayed)
	assert.Equal(t, r.Transaction.ID, r2.Transaction.ID)
	have, err := tb.Hours(e.ctx, "w")
	require.NoError(t, err)
	assert.Equal(t, "3", have.String())
	e.verify(t)
}
