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

// TestDispatchRefusesRequester: Dispatch named the requester (or a team the requester belongs
// to) as a provider. Claim refuses that provider's acceptance with ErrSelfClaim, so a demand
// dispatched only to its requester stayed Dispatched to no one who could ever accept it, as a
// big item dispatched to a volunteer did before Dispatch refused that. The dispatch is now
// refused with ErrSelfClaim and changes nothing.
func TestDispatchRefusesRequester(t *testing.T) {
	ctx := context.Background()
	f := storetest.NewFixture(t, memstore.New())
	self := f.Register(t, storetest.Volunteer("r1"))
	other := f.Register(t, storetest.Volunteer("v2"))
	team := storetest.Volunteer("")
	team.Kind, team.Name, team.Members = catalog.Team, "红马甲", []catalog.Member{{PersonID: "m1"}, {PersonID: "r1"}}
	team = f.Register(t, team)
	d := f.OpenWish(t, storetest.Wish("r1"))

	for _, tc := range []struct {
		name string
		to   []uuid.UUID
	}{
		{"the requester", []uuid.UUID{self.ID}},
		{"another volunteer and the requester", []uuid.UUID{other.ID, self.ID}},
		{"a team with the requester", []uuid.UUID{team.ID}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.Cat.Dispatch(ctx, d.ID, tc.to, catalog.Act{Actor: "community"})
			require.ErrorIs(t, err, catalog.ErrSelfClaim)
			got, err := f.Cat.Demand(ctx, d.ID)
			require.NoError(t, err)
			assert.Equal(t, catalog.StatusOpen, got.Status, "a refusal changes nothing")
			assert.Equal(t, uint64(1), got.Version)
		})
	}
	got, err := f.Cat.Dispatch(ctx, d.ID, []uuid.UUID{other.ID}, catalog.Act{Actor: "community"})
	require.NoError(t, err)
	assert.Equal(t, catalog.StatusDispatched, got.Status)
}
