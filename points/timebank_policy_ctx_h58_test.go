package points_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/points"
)

// TestTimeBankWithdrawPolicyCancelled: a policy that could not answer because the caller's
// context ended (its register lookup cancelled or timed out) does not refuse the member. The
// withdrawal was reported as ErrWithdrawRefused with "context deadline exceeded" as the
// reason to show the resident, and errors.Is(err, context.DeadlineExceeded) was false, so a
// caller could not tell a timeout, to retry, from a refusal. It is now the context's error,
// wrapped, and nothing is posted; a policy's own refusal is still ErrWithdrawRefused.
func TestTimeBankWithdrawPolicyCancelled(t *testing.T) {
	e := newEnv(t, testScheme())
	policy := points.WithdrawPolicyFunc(func(ctx context.Context, _ points.Withdrawal) error {
		<-ctx.Done() // the register lookup waits for the caller's deadline
		return ctx.Err()
	})
	tb := newBank(t, e, points.TimeBankConfig{Policy: policy})
	fundMember(t, e, tb, "elder", "5")
	seq := e.head(t)

	ctx, cancel := context.WithTimeout(e.ctx, 10*time.Millisecond)
	defer cancel()
	_, err := tb.Withdraw(ctx, points.Withdrawal{Member: points.Member{Holder: "elder", Age: 70}, Hours: dec("1"), DemandID: uuid.New()})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.NotErrorIs(t, err, points.ErrWithdrawRefused)
	var ref *points.Refusal
	assert.NotErrorAs(t, err, &ref)
	assert.Equal(t, seq, e.head(t))

	refusing := newBank(t, e, points.TimeBankConfig{Community: "heping", Policy: points.AgePolicy(65, 60)})
	_, err = refusing.Withdraw(e.ctx, points.Withdrawal{Member: points.Member{Holder: "young", Age: 30}, Hours: dec("1"), DemandID: uuid.New()})
	require.ErrorIs(t, err, points.ErrWithdrawRefused)
}
