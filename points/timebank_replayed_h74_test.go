package points_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/points"
)

// TestH74DepositRetryAfterSplitChangedIsReplayed: a deposit retried when the member's balance
// would split it otherwise now (the first put hours over the storage cap) is answered with
// the first deposit and HoursReceipt.Replayed, but the receipt's Transaction was not marked
// Replayed, unlike a retry that splits alike and unlike Withdraw's replays.
func TestH74DepositRetryAfterSplitChangedIsReplayed(t *testing.T) {
	e := newEnv(t, testScheme())
	tb := newBank(t, e, points.TimeBankConfig{StorageCap: dec("5")})
	v := e.volunteer(t, "wang")
	d := e.done(t, "r1", catalog.UrgencyNormal, true, work{v, "8", true})
	first, err := tb.Deposit(e.ctx, completion(t, e, d.ID, v.ID))
	require.NoError(t, err)
	require.Equal(t, "3", first.Donated.String())

	_, err = tb.Withdraw(e.ctx, points.Withdrawal{Member: points.Member{Holder: points.ProviderHolder(v)}, Hours: dec("4"), DemandID: d.ID})
	require.NoError(t, err)
	seq := e.head(t)
	again, err := tb.Deposit(e.ctx, completion(t, e, d.ID, v.ID)) // room for all 8 now: another split
	require.NoError(t, err)
	assert.Equal(t, seq, e.head(t))
	assert.True(t, again.Replayed)
	assert.Equal(t, first.Transaction.ID, again.Transaction.ID)
	assert.True(t, again.Transaction.Replayed, "the receipt's transaction")
	assert.Equal(t, "3", again.Donated.String())
}
