package catalog_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/catalog/memstore"
	"github.com/tongxin/tongxin/catalog/storetest"
)

// TestActorIsACanonicalID: Rate and Audit refuse an actor who did the work by comparing the
// actor with the providers' person ids, which never have surrounding whitespace; the actor was
// only checked as text, so "v1 " or "v1\n" (the same person, as every id field of the catalog
// reads it) rated and audited v1's own work. An actor is now an id like the others: surrounding
// whitespace or a CRLF is ErrInvalid, for every move, and nothing changes.
func TestActorIsACanonicalID(t *testing.T) {
	ctx := context.Background()
	f := storetest.NewFixture(t, memstore.New())
	d := f.OpenWish(t, storetest.Wish("r1"))
	f.Board(t, d.ID)
	v := f.Register(t, storetest.Volunteer("v1"))
	_, err := f.Cat.Claim(ctx, d.ID, v.ID, catalog.Act{Actor: "v1"})
	require.NoError(t, err)
	_, err = f.Cat.Start(ctx, d.ID, catalog.Act{Actor: "office"})
	require.NoError(t, err)
	d, err = f.Cat.Complete(ctx, d.ID, []catalog.WorkReport{{ProviderID: v.ID, Hours: hoursOf("2")}}, catalog.Act{Actor: "office"})
	require.NoError(t, err)
	decisions := []catalog.AuditDecision{{ProviderID: v.ID, Approved: true, Hours: hoursOf("240")}}

	for _, actor := range []string{"v1 ", " v1", "v1\n", "\u3000v1", "v1\r\n"} {
		_, err := f.Cat.Rate(ctx, d.ID, 5, "很好", catalog.Act{Actor: actor})
		assert.ErrorIs(t, err, catalog.ErrInvalid, "rate as %q", actor)
		_, err = f.Cat.Audit(ctx, d.ID, decisions, catalog.Act{Actor: actor})
		assert.ErrorIs(t, err, catalog.ErrInvalid, "audit as %q", actor)
	}
	got, err := f.Cat.Demand(ctx, d.ID)
	require.NoError(t, err)
	assert.Equal(t, d, got, "a refusal changes nothing")
	p, err := f.Cat.Provider(ctx, v.ID)
	require.NoError(t, err)
	assert.Zero(t, p.RatingCount, "no rating added")

	// Every other way in to the actor is the same check.
	bad := "office "
	_, err = f.Cat.CreateDemand(ctx, storetest.Wish("r2"), bad)
	assert.ErrorIs(t, err, catalog.ErrInvalid)
	_, err = f.Cat.RegisterProvider(ctx, storetest.Volunteer("v2"), bad)
	assert.ErrorIs(t, err, catalog.ErrInvalid)
	_, err = f.Cat.MarkAwarded(ctx, d.ID, v.ID, bad)
	assert.ErrorIs(t, err, catalog.ErrInvalid)
	_, err = f.Cat.CloseBoard(ctx, uuid.New(), bad)
	assert.ErrorIs(t, err, catalog.ErrInvalid)

	_, err = f.Cat.Rate(ctx, d.ID, 5, "很好", catalog.Act{Actor: "r1"})
	require.NoError(t, err, "the resident rates")
}
