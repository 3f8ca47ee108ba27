package points_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
)

// TestAwardAuditedBadActorPostsNothing: an actor the catalog refuses used to be found out only
// by MarkAwarded, after the points were posted, leaving an award the demand does not show.
// It is refused first, with the catalog's ErrInvalid, and nothing is posted or marked.
func TestAwardAuditedBadActorPostsNothing(t *testing.T) {
	e := newEnv(t, testScheme())
	v := e.volunteer(t, "wang")
	d := e.done(t, "r1", catalog.UrgencyNormal, true, work{v, "2", true})
	seq := e.head(t)
	for _, actor := range []string{"", "auditor-li ", "a\r\nb", "\xff"} {
		_, err := e.inc.AwardAudited(e.ctx, e.cat, d.ID, v.ID, actor)
		assert.ErrorIs(t, err, catalog.ErrInvalid, "%q", actor)
	}
	assert.Equal(t, seq, e.head(t), "nothing posted")
	a, err := e.cat.AuditOf(e.ctx, d.ID, v.ID)
	require.NoError(t, err)
	assert.False(t, a.Awarded)

	_, err = e.inc.AwardAudited(e.ctx, e.cat, d.ID, v.ID, "auditor-li")
	require.NoError(t, err)
	e.verify(t)
}
