package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
)

// capacityRaceRounds is how many times testCapacityRace races a claim against a capacity cut.
const capacityRaceRounds = 30

// capacityUpdateAttemptsMax bounds how often the racing UpdateProvider re-reads after losing a
// version race.
const capacityUpdateAttemptsMax = 64

// testCapacityBelowLoad checks that UpdateProvider refuses a capacity below the provider's
// current load (DESIGN.md §4 invariant 6) with ErrCapacityBelowLoad and changes nothing, and
// accepts one at or above it.
func testCapacityBelowLoad(t *testing.T, s catalog.Store) {
	ctx := context.Background()
	f := NewFixture(t, s)
	p := Volunteer("v1")
	p.Capacity = 3
	v := f.Register(t, p)
	d1, d2 := f.OpenWish(t, Wish("r1")), f.OpenWish(t, Wish("r2"))
	f.Board(t, d1.ID, d2.ID)
	_, err := f.Cat.Claim(ctx, d1.ID, v.ID, act("v"))
	require.NoError(t, err)
	_, err = f.Cat.Claim(ctx, d2.ID, v.ID, act("v"))
	require.NoError(t, err)
	loaded, err := f.Cat.Provider(ctx, v.ID)
	require.NoError(t, err)
	require.Equal(t, 2, loaded.Active)

	for _, capacity := range []int{1, 0} {
		upd := loaded
		upd.Capacity, upd.Name = capacity, "改名"
		_, err := f.Cat.UpdateProvider(ctx, upd)
		require.ErrorIs(t, err, catalog.ErrCapacityBelowLoad, "capacity %d under a load of 2", capacity)
		got, err := s.Provider(ctx, v.ID)
		require.NoError(t, err)
		assert.Equal(t, loaded, got, "a refused update changes nothing")
	}

	// A stale read that passed the check then would have been lowered under a claim made since:
	// the version check refuses it.
	stale := loaded
	d3 := f.OpenWish(t, Wish("r3"))
	f.Board(t, d3.ID)
	_, err = f.Cat.Claim(ctx, d3.ID, v.ID, act("v"))
	require.NoError(t, err)
	stale.Capacity = 2
	_, err = f.Cat.UpdateProvider(ctx, stale)
	require.ErrorIs(t, err, catalog.ErrVersionConflict)
	loaded, err = f.Cat.Provider(ctx, v.ID)
	require.NoError(t, err)
	require.Equal(t, catalog.Load{Active: 3, Capacity: 3}, catalog.Load{Active: loaded.Active, Capacity: loaded.Capacity})

	// At the load is allowed (the provider is full), and above it.
	upd := loaded
	upd.Capacity = 5
	loaded, err = f.Cat.UpdateProvider(ctx, upd)
	require.NoError(t, err)
	upd = loaded
	upd.Capacity = 3
	loaded, err = f.Cat.UpdateProvider(ctx, upd)
	require.NoError(t, err)
	assert.Equal(t, 3, loaded.Capacity)

	// Once the load falls, the capacity may follow it down.
	_, err = f.Cat.Withdraw(ctx, d3.ID, v.ID, act("v"))
	require.NoError(t, err)
	loaded, err = f.Cat.Provider(ctx, v.ID)
	require.NoError(t, err)
	upd = loaded
	upd.Capacity = 2
	loaded, err = f.Cat.UpdateProvider(ctx, upd)
	require.NoError(t, err)
	assert.Equal(t, catalog.Load{Active: 2, Capacity: 2}, catalog.Load{Active: loaded.Active, Capacity: loaded.Capacity})
}

// testCapacityRace races a claim against an UpdateProvider that cuts the capacity to the load
// the provider had before the claim, round after round. Whichever wins, the provider must end
// with no more active claims than its capacity, and its load must be its active claims.
func testCapacityRace(t *testing.T, s catalog.Store) {
	ctx := context.Background()
	f := NewFixture(t, s)
	p := Volunteer("v1")
	p.Capacity = 2
	v := f.Register(t, p)
	claimed := 0
	for round := 0; round < capacityRaceRounds; round++ {
		cur, err := f.Cat.Provider(ctx, v.ID)
		require.NoError(t, err)
		before := cur.Active
		if cur.Capacity != before+1 { // room for exactly one more claim to race with
			cur.Capacity = before + 1
			_, err = f.Cat.UpdateProvider(ctx, cur)
			require.NoError(t, err)
		}
		// Even rounds cut the capacity to the load before the claim (refused only if the claim
		// came first); odd rounds below it (always refused).
		target := before
		if round%2 == 1 && before > 0 {
			target = before - 1
		}
		d := f.OpenWish(t, Wish(fmt.Sprintf("r%d", round)))
		f.Board(t, d.ID)
		var wg sync.WaitGroup
		var claimErr, updateErr error
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, claimErr = f.Cat.Claim(ctx, d.ID, v.ID, act("v"))
		}()
		go func() {
			defer wg.Done()
			for range capacityUpdateAttemptsMax {
				cur, err := f.Cat.Provider(ctx, v.ID)
				if err != nil {
					updateErr = err
					return
				}
				cur.Capacity = target
				_, updateErr = f.Cat.UpdateProvider(ctx, cur)
				if !errors.Is(updateErr, catalog.ErrVersionConflict) {
					return
				}
			}
		}()
		wg.Wait()
		if claimErr == nil {
			claimed++
		} else {
			require.ErrorIs(t, claimErr, catalog.ErrCapacity, "round %d: claim", round)
		}
		if updateErr != nil {
			require.ErrorIs(t, updateErr, catalog.ErrCapacityBelowLoad, "round %d: update", round)
		}
		got, err := f.Cat.Provider(ctx, v.ID)
		require.NoError(t, err)
		cls, err := f.Cat.ProviderClaims(ctx, v.ID, catalog.ClaimQuery{ActiveOnly: true, Limit: catalog.PageSizeMax})
		require.NoError(t, err)
		require.Equal(t, len(cls.Claims), got.Active, "round %d: load is the active claims", round)
		require.Equal(t, claimed, got.Active, "round %d: load is the claims that succeeded", round)
		require.LessOrEqual(t, got.Active, got.Capacity, "round %d: load within capacity (invariant 6)", round)
	}
}
