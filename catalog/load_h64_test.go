package catalog_test

import (
	"context"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/catalog/memstore"
	"github.com/tongxin/tongxin/catalog/storetest"
)

// corruptLoad returns a fixture whose provider v holds an active claim on d (on the board)
// that the store counts neither in v's load nor, when demandToo, in d's filled places: the
// state a row edited behind the catalog's back leaves.
func corruptLoad(t *testing.T, demandToo bool) (*storetest.Fixture, catalog.Demand, catalog.Provider) {
	t.Helper()
	ctx := context.Background()
	f := storetest.NewFixture(t, memstore.New())
	d := f.OpenWish(t, storetest.Wish("r"))
	f.Board(t, d.ID)
	v := f.Register(t, storetest.Volunteer("v"))
	_, err := f.Cat.Claim(ctx, d.ID, v.ID, catalog.Act{Actor: "v"})
	require.NoError(t, err)
	p, err := f.Store.Provider(ctx, v.ID)
	require.NoError(t, err)
	require.Equal(t, 1, p.Active)
	p.Active, p.Version = 0, p.Version+1
	ch := catalog.Change{Providers: []catalog.Provider{p}}
	if demandToo {
		got, err := f.Store.Demand(ctx, d.ID)
		require.NoError(t, err)
		got.Filled, got.Version = 0, got.Version+1
		ch.Demands = []catalog.Demand{got}
		ch.Events = []catalog.Event{{DemandID: d.ID, Seq: got.Version, Action: catalog.ActionClaim, From: got.Status, To: got.Status, Actor: "edit", At: got.UpdatedAt}}
	}
	require.NoError(t, f.Store.Apply(ctx, ch))
	d, err = f.Store.Demand(ctx, d.ID)
	require.NoError(t, err)
	return f, d, p
}

// TestWithdrawCorruptLoad: Withdraw lowered the provider's load without the check Cancel and
// Complete make, so a store whose provider counts 0 demands under an active claim got a load
// of -1 written (and the next Claim found a provider with capacity to spare). Such a state is
// now reported as ErrCorrupt by Withdraw, Cancel and Complete alike (Cancel and Complete
// retried it as a lost race ConflictRetriesMax times and answered ErrVersionConflict), and
// nothing is written.
func TestWithdrawCorruptLoad(t *testing.T) {
	ctx := context.Background()
	moves := []struct {
		name string
		move func(f *storetest.Fixture, d catalog.Demand, v catalog.Provider) error
	}{
		{"withdraw", func(f *storetest.Fixture, d catalog.Demand, v catalog.Provider) error {
			_, err := f.Cat.Withdraw(ctx, d.ID, v.ID, catalog.Act{Actor: "v"})
			return err
		}},
		{"withdraw versioned", func(f *storetest.Fixture, d catalog.Demand, v catalog.Provider) error {
			_, err := f.Cat.Withdraw(ctx, d.ID, v.ID, catalog.Act{Actor: "v", Version: d.Version})
			return err
		}},
		{"cancel", func(f *storetest.Fixture, d catalog.Demand, v catalog.Provider) error {
			_, err := f.Cat.Cancel(ctx, d.ID, catalog.Act{Actor: "r", Reason: "不需要了"})
			return err
		}},
		{"complete", func(f *storetest.Fixture, d catalog.Demand, v catalog.Provider) error {
			_, err := f.Cat.Start(ctx, d.ID, catalog.Act{Actor: "community"})
			require.NoError(t, err)
			d, err = f.Cat.Demand(ctx, d.ID)
			require.NoError(t, err)
			_, err = f.Cat.Complete(ctx, d.ID, []catalog.WorkReport{{ProviderID: v.ID, Hours: hoursOf("1")}}, catalog.Act{Actor: "v"})
			return err
		}},
	}
	for _, demandToo := range []bool{false, true} {
		for _, m := range moves {
			name := m.name
			if demandToo {
				name += "/demand filled 0 too"
			}
			t.Run(name, func(t *testing.T) {
				f, d, v := corruptLoad(t, demandToo)
				err := m.move(f, d, v)
				require.ErrorIs(t, err, catalog.ErrCorrupt)
				assert.NotErrorIs(t, err, catalog.ErrVersionConflict)
				before, err := f.Cat.Demand(ctx, d.ID) // after Start, for complete
				require.NoError(t, err)
				p, err := f.Cat.Provider(ctx, v.ID)
				require.NoError(t, err)
				assert.Equal(t, 0, p.Active, "load unchanged")
				assert.Equal(t, v.Version, p.Version, "provider not written")
				cls, err := f.Cat.Claims(ctx, d.ID)
				require.NoError(t, err)
				require.Len(t, cls, 1)
				assert.Equal(t, catalog.ClaimActive, cls[0].State, "claim not written")
				evs, err := f.Cat.History(ctx, d.ID, 0, 0)
				require.NoError(t, err)
				assert.Equal(t, before.Version, evs[len(evs)-1].Seq)
			})
		}
	}
}

// providerHookStore runs hook once, just before the first Provider read: another operator
// acting between a move's read of the demand's claims and its read of their provider.
type providerHookStore struct {
	catalog.Store
	once sync.Once
	hook func()
}

func (s *providerHookStore) Provider(ctx context.Context, id uuid.UUID) (catalog.Provider, error) {
	s.once.Do(s.hook)
	return s.Store.Provider(ctx, id)
}

// TestReleaseLoadRaceIsNotCorrupt: a provider found with no load under a claim read active,
// because another operator ended that claim in between, is a lost race, not corruption: the
// move is retried on what the store now holds.
func TestReleaseLoadRaceIsNotCorrupt(t *testing.T) {
	ctx := context.Background()
	for _, name := range []string{"cancel", "withdraw"} {
		t.Run(name, func(t *testing.T) {
			mem := memstore.New()
			f := storetest.NewFixture(t, mem)
			d := f.OpenWish(t, storetest.Wish("r"))
			f.Board(t, d.ID)
			v := f.Register(t, storetest.Volunteer("v"))
			_, err := f.Cat.Claim(ctx, d.ID, v.ID, catalog.Act{Actor: "v"})
			require.NoError(t, err)
			hooked := &providerHookStore{Store: mem, hook: func() {
				_, err := f.Cat.Withdraw(ctx, d.ID, v.ID, catalog.Act{Actor: "v"})
				require.NoError(t, err)
			}}
			racer, err := catalog.New(hooked, catalog.WithNow(f.Clock.Now), catalog.WithIDs(storetest.SeqIDs()))
			require.NoError(t, err)
			if name == "cancel" {
				got, err := racer.Cancel(ctx, d.ID, catalog.Act{Actor: "r", Reason: "不需要了"})
				require.NoError(t, err)
				assert.Equal(t, catalog.StatusCancelled, got.Status)
			} else {
				_, err := racer.Withdraw(ctx, d.ID, v.ID, catalog.Act{Actor: "v"})
				require.ErrorIs(t, err, catalog.ErrInvalidTransition, "the demand is back on its board")
			}
			storetest.CheckAccounting(t, f.Cat, []uuid.UUID{d.ID}, []uuid.UUID{v.ID})
		})
	}
}
