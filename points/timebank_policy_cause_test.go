package points_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/points"
)

// quotaExceeded is a platform's own refusal type, which its handlers match to show a form.
type quotaExceeded struct{ left int }

func (q *quotaExceeded) Error() string { return "monthly quota used up" }

// TestTimeBankWithdrawPolicyCauseMatchable: a WithdrawPolicy's own error stays matchable
// through the *Refusal, beside ErrWithdrawRefused. It was kept as text only, so a platform
// could not tell its refusals apart except by parsing messages.
func TestTimeBankWithdrawPolicyCauseMatchable(t *testing.T) {
	e := newEnv(t, testScheme())
	errBlocked := errors.New("member blocked by the community")
	for name, c := range map[string]struct{ policyErr error }{
		"sentinel": {errBlocked},
		"typed":    {&quotaExceeded{left: 0}},
	} {
		t.Run(name, func(t *testing.T) {
			tb := newBank(t, e, points.TimeBankConfig{Policy: points.WithdrawPolicyFunc(func(context.Context, points.Withdrawal) error {
				return c.policyErr
			})})
			fundMember(t, e, tb, "elder-"+name, "5")
			seq := e.head(t)
			_, err := tb.Withdraw(e.ctx, points.Withdrawal{Member: points.Member{Holder: "elder-" + name, Age: 70}, Hours: dec("1"), DemandID: uuid.New()})
			require.ErrorIs(t, err, points.ErrWithdrawRefused)
			require.ErrorIs(t, err, c.policyErr, "the policy's own error")
			var ref *points.Refusal
			require.ErrorAs(t, err, &ref)
			assert.Equal(t, c.policyErr.Error(), ref.Reason, "the reason shown to the member")
			assert.Equal(t, seq, e.head(t), "nothing posted")
		})
	}
	var q *quotaExceeded
	tb := newBank(t, e, points.TimeBankConfig{Policy: points.WithdrawPolicyFunc(func(context.Context, points.Withdrawal) error {
		return &quotaExceeded{left: 3}
	})})
	fundMember(t, e, tb, "elder-as", "5")
	_, err := tb.Withdraw(e.ctx, points.Withdrawal{Member: points.Member{Holder: "elder-as", Age: 70}, Hours: dec("1"), DemandID: uuid.New()})
	require.ErrorAs(t, err, &q)
	assert.Equal(t, 3, q.left)

}
