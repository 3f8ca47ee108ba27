package catalog_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/catalog/memstore"
	"github.com/tongxin/tongxin/catalog/storetest"
)

// TestNoOneReviewsOwnWork: a volunteer who did the work could rate it (评单), adding five stars
// to their own rating, and audit it (审核), approving up to HoursPerActivityMax hours of points
// for themselves: the actor was never compared with the providers who served. Both are now
// refused with ErrSelfReview and change nothing; a member of a team that served is refused as
// the team is. Someone else (the resident, the community office) still rates and audits.
func TestNoOneReviewsOwnWork(t *testing.T) {
	ctx := context.Background()
	f := storetest.NewFixture(t, memstore.New())
	w := storetest.Wish("r1")
	w.Headcount = 2
	d := f.OpenWish(t, w)
	f.Board(t, d.ID)
	v := f.Register(t, storetest.Volunteer("v1"))
	team := storetest.Volunteer("")
	team.Kind, team.Name, team.Members = catalog.Team, "红马甲", []catalog.Member{{PersonID: "m1"}, {PersonID: "m2"}}
	team = f.Register(t, team)
	for _, p := range []catalog.Provider{v, team} {
		_, err := f.Cat.Claim(ctx, d.ID, p.ID, catalog.Act{Actor: "office"})
		require.NoError(t, err)
	}
	_, err := f.Cat.Start(ctx, d.ID, catalog.Act{Actor: "office"})
	require.NoError(t, err)
	d, err = f.Cat.Complete(ctx, d.ID, []catalog.WorkReport{{ProviderID: v.ID, Hours: hoursOf("2")}, {ProviderID: team.ID, Hours: hoursOf("3")}},
		catalog.Act{Actor: "office"})
	require.NoError(t, err)
	decisions := []catalog.AuditDecision{{ProviderID: v.ID, Approved: true, Hours: hoursOf("240")}, {ProviderID: team.ID, Approved: true, Hours: hoursOf("3")}}

	for _, actor := range []string{"v1", "m2"} {
		t.Run(actor, func(t *testing.T) {
			_, err := f.Cat.Rate(ctx, d.ID, 5, "很好", catalog.Act{Actor: actor})
			require.ErrorIs(t, err, catalog.ErrSelfReview, "rating own work")
			_, err = f.Cat.Audit(ctx, d.ID, decisions, catalog.Act{Actor: actor})
			require.ErrorIs(t, err, catalog.ErrSelfReview, "auditing own work")

			got, err := f.Cat.Demand(ctx, d.ID)
			require.NoError(t, err)
			assert.Equal(t, d, got, "a refusal changes nothing")
			for _, p := range []catalog.Provider{v, team} {
				got, err := f.Cat.Provider(ctx, p.ID)
				require.NoError(t, err)
				assert.Zero(t, got.RatingCount, "no rating added")
			}
			as, err := f.Cat.Audits(ctx, d.ID)
			require.NoError(t, err)
			assert.Empty(t, as)
		})
	}

	_, err = f.Cat.Rate(ctx, d.ID, 5, "很好", catalog.Act{Actor: "r1"})
	require.NoError(t, err, "the resident rates")
	got, err := f.Cat.Audit(ctx, d.ID, decisions, catalog.Act{Actor: "office"})
	require.NoError(t, err, "the community audits")
	assert.Equal(t, catalog.StatusAudited, got.Status)
}
