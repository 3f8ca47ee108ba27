package points_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/points"
)

func TestLeaderboardAndServiceRecord(t *testing.T) {
	s := testScheme()
	s.DailyCap, s.MonthlyCap = dec("0"), dec("0")
	e := newEnv(t, s)
	a := e.volunteer(t, "a")
	b := e.volunteer(t, "b")
	tb := newBank(t, e, points.TimeBankConfig{})
	award := func(p catalog.Provider, requester, hours string) catalog.Demand {
		d := e.done(t, requester, catalog.UrgencyNormal, true, work{p, hours, true})
		_, err := e.inc.AwardAudited(e.ctx, e.cat, d.ID, p.ID, "x")
		require.NoError(t, err)
		_, err = tb.Deposit(e.ctx, completion(t, e, d.ID, p.ID))
		require.NoError(t, err)
		return d
	}
	award(a, "r1", "2")         // 30
	award(a, "r2", "4")         // 40
	bad := award(b, "r3", "10") // 70, clawed back below
	award(b, "r4", "1")         // 25
	e.clock.Advance(40 * 24 * time.Hour)
	award(b, "r5", "1") // next month: 25

	_, err := e.inc.Clawback(e.ctx, bad.ID, b, "虚报")
	require.NoError(t, err)

	may := points.LeaderboardQuery{From: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}
	lb, err := points.Leaderboards(e.ctx, e.l, may)
	require.NoError(t, err)
	require.Len(t, lb.Providers, 2)
	assert.Equal(t, a.ID.String(), lb.Providers[0].ProviderID)
	assert.Equal(t, "70", lb.Providers[0].Points.String())
	assert.Equal(t, 2, lb.Providers[0].Activities)
	assert.Equal(t, "6", lb.Providers[0].Hours.String())
	assert.Equal(t, "25", lb.Providers[1].Points.String(), "the clawed-back award does not count")
	require.Len(t, lb.Communities, 1)
	assert.Equal(t, "95", lb.Communities[0].Points.String())

	all, err := points.Leaderboards(e.ctx, e.l, points.LeaderboardQuery{Community: "yangguang", Limit: 1})
	require.NoError(t, err)
	require.Len(t, all.Providers, 1)
	assert.Equal(t, "70", all.Providers[0].Points.String())
	none, err := points.Leaderboards(e.ctx, e.l, points.LeaderboardQuery{Community: "heping"})
	require.NoError(t, err)
	assert.Empty(t, none.Providers)
	_, err = points.Leaderboards(e.ctx, e.l, points.LeaderboardQuery{Limit: -1})
	require.ErrorIs(t, err, points.ErrInvalid)
	_, err = points.Leaderboards(e.ctx, e.l, points.LeaderboardQuery{From: may.To, To: may.From})
	require.ErrorIs(t, err, points.ErrInvalid)

	rec, err := points.ServiceRecordOf(e.ctx, e.l, b.ID)
	require.NoError(t, err)
	require.Len(t, rec.Activities, 3, "an activity with points and hours is listed once")
	assert.True(t, rec.Activities[0].ClawedBack)
	assert.Equal(t, 2, rec.Count)
	assert.Equal(t, "2", rec.Hours.String())
	assert.Equal(t, "50", rec.Points.String())
	assert.Equal(t, "auditor-li", rec.Activities[1].Auditor)
	assert.Equal(t, "上门理发 r4", rec.Activities[1].Title)
}
