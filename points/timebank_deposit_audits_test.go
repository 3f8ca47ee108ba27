package points_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/points"
)

// TestTimeBankDepositTwoAuditsOfTheProvider: a completion built by hand lists two audits of
// the provider, one rejecting and one approving 5 hours. Award refuses it as malformed;
// Deposit took whichever came last and deposited 5 hours (or refused with ErrRejected the
// other way round). Deposit refuses it with ErrInvalid, either way, and posts nothing.
func TestTimeBankDepositTwoAuditsOfTheProvider(t *testing.T) {
	e, bank, v, c := servedWang(t)
	require.Len(t, c.Audits, 1)
	approved, rejected := c.Audits[0], c.Audits[0]
	approved.Hours = dec("5")
	rejected.Approved, rejected.Hours, rejected.Reason = false, dec("0"), "no show"
	for _, tc := range []struct {
		name   string
		audits []catalog.Audit
	}{
		{"rejected then approved", []catalog.Audit{rejected, approved}},
		{"approved then rejected", []catalog.Audit{approved, rejected}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c.Audits = tc.audits
			head := e.head(t)
			_, err := bank.Deposit(e.ctx, c)
			require.ErrorIs(t, err, points.ErrInvalid)
			_, err = e.inc.Award(e.ctx, c)
			require.ErrorIs(t, err, points.ErrInvalid, "as Award refuses it")
			assert.Equal(t, head, e.head(t), "nothing posted")
			hours, err := bank.Hours(e.ctx, points.ProviderHolder(v))
			require.NoError(t, err)
			assert.True(t, hours.IsZero(), "%s hours deposited", hours)
		})
	}
}
