package points_test

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/points"
)

// TestH74AwardTeamMemberWithoutPersonID: with TeamToMembers, a hand-built team listing a
// member with no person id (the catalog refuses one) was awarded, and that member's share went
// to PersonHolder(""), one account that every such member of every team shares. It is
// ErrInvalid, from Quote and Award, and nothing is posted.
func TestH74AwardTeamMemberWithoutPersonID(t *testing.T) {
	s := testScheme()
	s.Team = points.TeamToMembers
	e := newEnv(t, s)
	team := catalog.Provider{ID: uuid.New(), Kind: catalog.Team, Name: "理发队",
		Members: []catalog.Member{{PersonID: "li", Name: "李"}, {Name: "无名"}}}
	c := h61Completion(team, "wang", "2", e.clock.Now())
	head := e.head(t)
	_, _, err := e.inc.Quote(c)
	require.ErrorIs(t, err, points.ErrInvalid)
	_, err = e.inc.Award(e.ctx, c)
	require.ErrorIs(t, err, points.ErrInvalid)
	assert.Equal(t, head, e.head(t), "nothing posted")

	// Paid to the team itself, its members' ids are not read.
	e2 := newEnv(t, testScheme())
	_, err = e2.inc.Award(e2.ctx, c)
	require.NoError(t, err)
}
