package points_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/points"
)

// A leaderboard with more awarded providers than one scan tracks is refused, not ranked from
// the first ones found (the rest were dropped without a word).
func TestLeaderboardBeyondProvidersTracked(t *testing.T) {
	s := testScheme()
	s.DailyCap, s.MonthlyCap = dec("0"), dec("0")
	e := newEnv(t, s)
	for _, name := range []string{"a", "b", "c"} {
		p := e.volunteer(t, name)
		d := e.done(t, "r-"+name, catalog.UrgencyNormal, true, work{p, "1", true})
		_, err := e.inc.AwardAudited(e.ctx, e.cat, d.ID, p.ID, "x")
		require.NoError(t, err)
	}
	defer points.SetLeaderboardKeptMax(2)()
	_, err := points.Leaderboards(e.ctx, e.l, points.LeaderboardQuery{})
	require.ErrorIs(t, err, points.ErrInvalid)
	assert.Contains(t, err.Error(), "more than 2 providers")

	restore := points.SetLeaderboardKeptMax(3)
	lb, err := points.Leaderboards(e.ctx, e.l, points.LeaderboardQuery{})
	restore()
	require.NoError(t, err)
	assert.Len(t, lb.Providers, 3)
}
