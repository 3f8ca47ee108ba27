package points_test

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/points"
)

// TestAwardAndDepositWithoutIDs: a completion built by hand with a zero demand or provider
// id was awarded (and deposited) under the key of the zero id, so a second such completion,
// for another demand, was answered with the first one's award and its provider got nothing.
// Award, Quote and Deposit refuse a zero id with ErrInvalid and post nothing.
func TestAwardAndDepositWithoutIDs(t *testing.T) {
	e, bank, _, c := servedWang(t)
	for _, tc := range []struct {
		name    string
		blankID func(c *points.Completion)
	}{
		{"no demand id", func(c *points.Completion) {
			c.Demand.ID = uuid.Nil
			for i := range c.Audits {
				c.Audits[i].DemandID = uuid.Nil
			}
		}},
		{"no provider id", func(c *points.Completion) {
			c.Provider.ID = uuid.Nil
			for i := range c.Audits {
				c.Audits[i].ProviderID = uuid.Nil
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := c
			bad.Audits = append([]catalog.Audit(nil), c.Audits...)
			tc.blankID(&bad)
			head := e.head(t)
			_, _, err := e.inc.Quote(bad)
			require.ErrorIs(t, err, points.ErrInvalid)
			_, err = e.inc.Award(e.ctx, bad)
			require.ErrorIs(t, err, points.ErrInvalid)
			_, err = bank.Deposit(e.ctx, bad)
			require.ErrorIs(t, err, points.ErrInvalid)
			assert.Equal(t, head, e.head(t), "nothing posted")
		})
	}
}
