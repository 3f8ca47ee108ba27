package catalog_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/catalog/memstore"
	"github.com/tongxin/tongxin/catalog/storetest"
)

// TestNilIDFromIDSourceRefused: uuid.Nil means "none" throughout the catalog (a demand on no
// board, the end of the pages, BoardDemandCount of no board), but an id source given with
// WithIDs that returned it had its record stored under it: a board of id Nil whose demands
// read as on no board, whose count was always 0 (so Publish never met BoardDemandsMax), and
// which the SQL stores keep as NULL where memstore keeps it. Every record the catalog creates
// now refuses a nil id with ErrInvalid, writing nothing.
func TestNilIDFromIDSourceRefused(t *testing.T) {
	ctx := context.Background()
	mem := memstore.New()
	good := storetest.NewFixture(t, mem)
	d := good.OpenWish(t, storetest.Wish("r"))
	c, err := catalog.New(mem, catalog.WithNow(good.Clock.Now), catalog.WithIDs(func() uuid.UUID { return uuid.Nil }))
	require.NoError(t, err)

	_, err = c.CreateDemand(ctx, storetest.Wish("r"), "operator")
	assert.ErrorIs(t, err, catalog.ErrInvalid, "create demand")
	_, err = c.RegisterProvider(ctx, storetest.Volunteer("v"), "operator")
	assert.ErrorIs(t, err, catalog.ErrInvalid, "register provider")
	now := good.Clock.Now()
	_, err = c.PublishBoard(ctx, catalog.BoardSpec{Name: "榜", Kind: catalog.BoardWishes, Scope: storetest.CommunityA,
		OpensAt: now, ClosesAt: now.Add(time.Hour), Demands: []uuid.UUID{d.ID}, Actor: "community"})
	assert.ErrorIs(t, err, catalog.ErrInvalid, "publish board")
	_, err = c.ImportDemands(ctx, strings.NewReader("kind,title,category,requester_id,grid\nwish,x,haircut,r,s/c\n"), "operator")
	assert.ErrorIs(t, err, catalog.ErrInvalid, "import demands")
	_, err = c.ImportProviders(ctx, strings.NewReader("kind,name,home,capacity\nvolunteer,a,s,1\n"), "operator")
	assert.ErrorIs(t, err, catalog.ErrInvalid, "import providers")

	_, err = mem.Demand(ctx, uuid.Nil)
	assert.ErrorIs(t, err, catalog.ErrNotFound)
	_, err = mem.Provider(ctx, uuid.Nil)
	assert.ErrorIs(t, err, catalog.ErrNotFound)
	_, err = mem.Board(ctx, uuid.Nil)
	assert.ErrorIs(t, err, catalog.ErrNotFound)
	got, err := good.Cat.Demand(ctx, d.ID)
	require.NoError(t, err)
	assert.Equal(t, d, got, "not published")
}
