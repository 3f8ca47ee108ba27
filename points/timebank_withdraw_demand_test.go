package points_test

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/points"
)

// TestTimeBankWithdrawWithoutDemand: a withdrawal that names no demand (a zero DemandID) was
// made under the key of the zero demand, so the member's next withdrawal without a demand,
// for another service of the same hours, replayed the first and withdrew nothing. Both are
// refused with ErrInvalid and change nothing.
func TestTimeBankWithdrawWithoutDemand(t *testing.T) {
	e, bank, v, c := servedWang(t)
	_, err := bank.Deposit(e.ctx, c)
	require.NoError(t, err)
	h := points.ProviderHolder(v)

	head := e.head(t)
	for range 2 {
		_, err := bank.Withdraw(e.ctx, points.Withdrawal{Member: points.Member{Holder: h}, Hours: dec("0.5"), DemandID: uuid.Nil})
		require.ErrorIs(t, err, points.ErrInvalid)
	}
	assert.Equal(t, head, e.head(t), "nothing posted")
	hours, err := bank.Hours(e.ctx, h)
	require.NoError(t, err)
	assert.Equal(t, "2", hours.String())
}
