package points_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/points"
)

// TestH77ServiceRecordHoursWhicheverPostedFirst: an activity that earned both points and
// time-bank hours is listed once with its credited hours (Activity.Hours), the hours the
// scheme credited for the activity (at most HoursPerActivityMax), whichever of the award and
// the deposit was posted first. The record showed the award's 4 hours when the award came
// first and the deposit's 6 audited hours when the deposit did.
func TestH77ServiceRecordHoursWhicheverPostedFirst(t *testing.T) {
	for _, awardFirst := range []bool{true, false} {
		s := testScheme()
		s.DailyCap, s.MonthlyCap = dec("0"), dec("0")
		s.HoursPerActivityMax = dec("4")
		e := newEnv(t, s)
		v := e.volunteer(t, "wang")
		tb := newBank(t, e, points.TimeBankConfig{})
		d := e.done(t, "r1", catalog.UrgencyNormal, true, work{v, "6", true})
		award := func() {
			_, err := e.inc.AwardAudited(e.ctx, e.cat, d.ID, v.ID, "x")
			require.NoError(t, err)
		}
		deposit := func() {
			r, err := tb.Deposit(e.ctx, completion(t, e, d.ID, v.ID))
			require.NoError(t, err)
			require.Equal(t, "6", r.Hours.String(), "the bank deposits the audited hours")
		}
		if awardFirst {
			award()
			deposit()
		} else {
			deposit()
			award()
		}
		rec, err := points.ServiceRecordOf(e.ctx, e.l, v.ID)
		require.NoError(t, err)
		require.Len(t, rec.Activities, 1, "award first %v", awardFirst)
		a := rec.Activities[0]
		require.Equal(t, "4", a.Hours.String(), "award first %v: credited hours", awardFirst)
		require.Equal(t, "4", rec.Hours.String(), "award first %v", awardFirst)
		require.Equal(t, "40", a.Points.String(), "award first %v: 20 + 4 h × 5", awardFirst)
		require.Equal(t, "yangguang", a.Community)
	}
}
