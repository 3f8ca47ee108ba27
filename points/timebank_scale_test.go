package points_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/points"
)

// TestTimeBankDepositRefusesHoursBeyondScale: a bank kept in whole hours (scale 0) once
// deposited 1 h for an audit of 1.5 h, silently dropping the half hour, and refused 0.5 h with
// a message that did not say why. Hours with more decimal places than the bank's scale are
// refused with ErrInvalid naming the hours and the scale, as the ledger refuses such an
// amount, and nothing is posted; whole hours are deposited as audited.
func TestTimeBankDepositRefusesHoursBeyondScale(t *testing.T) {
	e := newEnv(t, testScheme())
	tb := newBank(t, e, points.TimeBankConfig{Asset: "HOUR", Scale: 0})
	v := e.volunteer(t, "wang")
	for _, hours := range []string{"1.5", "0.5", "2.25"} {
		t.Run(hours, func(t *testing.T) {
			d := e.done(t, "r-"+hours, catalog.UrgencyNormal, true, work{v, hours, true})
			seq := e.head(t)
			_, err := tb.Deposit(e.ctx, completion(t, e, d.ID, v.ID))
			require.ErrorIs(t, err, points.ErrInvalid)
			assert.Contains(t, err.Error(), hours+" hours")
			assert.Contains(t, err.Error(), "scale 0")
			assert.Equal(t, seq, e.head(t), "nothing posted")
		})
	}
	got, err := tb.Hours(e.ctx, points.ProviderHolder(v))
	require.NoError(t, err)
	assert.True(t, got.IsZero(), "no hours deposited, %s", got)

	d := e.done(t, "r-whole", catalog.UrgencyNormal, true, work{v, "2", true})
	r, err := tb.Deposit(e.ctx, completion(t, e, d.ID, v.ID))
	require.NoError(t, err)
	assert.Equal(t, "2", r.Hours.String())
	e.verify(t)
}
