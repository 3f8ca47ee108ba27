package points_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/points"
)

// TestH77AwardReplayAfterRateChangeSamePoints: an award retried after the scheme's rates
// changed returns the points posted first (Receipt's doc), and as the first call returned
// them: the same decimal, not the same value with another exponent (70 answered first as
// 7000e-2 and on the retry as 70, read back from the award's metadata). So are the shares.
func TestH77AwardReplayAfterRateChangeSamePoints(t *testing.T) {
	for _, tc := range []struct {
		name    string
		perHour string
		urgency catalog.Urgency
		team    bool
	}{
		{"alone", "5", catalog.UrgencyNormal, false},
		{"alone, urgent", "5", catalog.UrgencyUrgent, false},
		{"quarter points, urgent", "0.25", catalog.UrgencyUrgent, false},
		{"team to members", "2.5", catalog.UrgencyNormal, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := testScheme()
			s.DailyCap, s.MonthlyCap = dec("0"), dec("0")
			s.PointsPerHour = dec(tc.perHour)
			if tc.team {
				s.Team = points.TeamToMembers
			}
			e := newEnv(t, s)
			p := e.volunteer(t, "wang")
			if tc.team {
				p = e.team(t, "红袖标", "m1", "m2", "m3")
			}
			d := e.done(t, "r1", tc.urgency, true, work{p, "3", true})
			c, err := points.CompletionOf(e.ctx, e.cat, d.ID, p.ID)
			require.NoError(t, err)
			first, err := e.inc.Award(e.ctx, c)
			require.NoError(t, err)

			same, err := e.inc.Award(e.ctx, c)
			require.NoError(t, err)
			require.Equal(t, first.Points, same.Points, "a retry at the same rates")
			require.Equal(t, first.Shares, same.Shares)

			s.PointsPerHour = dec("7")
			other, err := points.New(e.ctx, e.l, s)
			require.NoError(t, err)
			again, err := other.Award(e.ctx, c)
			require.NoError(t, err)
			require.True(t, again.Transaction.Replayed)
			require.Equal(t, first.Points, again.Points, "%s (exponent %d) first, %s (exponent %d) on the retry",
				first.Points, first.Points.Exponent(), again.Points, again.Points.Exponent())
			require.Equal(t, first.Shares, again.Shares)
			require.Equal(t, first.DebtPaid.String(), again.DebtPaid.String())
		})
	}
}
