package catalog_test

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/catalog/memstore"
	"github.com/tongxin/tongxin/catalog/storetest"
)

// Availability bits past the week's 168 hours and undefined flag bits have no text form: such
// a provider (available at no hour) exported as "" and read back available at any time.
func TestRegisterProviderRefusesUndefinedBits(t *testing.T) {
	ctx := context.Background()
	f := storetest.NewFixture(t, memstore.New())
	p := storetest.Volunteer("v1")
	p.Availability[2] = 1 << 63 // bit 191: no hour of the week
	_, err := f.Cat.RegisterProvider(ctx, p, "operator")
	require.ErrorIs(t, err, catalog.ErrInvalid)
	require.ErrorIs(t, catalog.ValidateProvider(p), catalog.ErrInvalid)

	p = storetest.Volunteer("v1")
	p.Flags = 1 << 7
	_, err = f.Cat.RegisterProvider(ctx, p, "operator")
	require.ErrorIs(t, err, catalog.ErrInvalid)

	page, err := f.Cat.Providers(ctx, catalog.ProviderQuery{})
	require.NoError(t, err)
	assert.Empty(t, page.Providers, "nothing registered")

	// Every defined hour and flag is still accepted.
	p = storetest.Volunteer("v1")
	p.Availability.Set(6, 0, 24)
	p.Flags = catalog.FlagPartyMember | catalog.FlagInServiceParty | catalog.FlagProfessional
	f.Register(t, p)
}

// RegisterProvider keeps a consistent rating the caller brings (a roster moved from an earlier
// system keeps its 评单 history), refuses an inconsistent one, and afterwards only Rate moves
// it: UpdateProvider keeps the stored rating whatever the caller sends, and ImportProviders
// registers providers unrated whatever the export's rating column says.
func TestRegisterProviderKeepsRating(t *testing.T) {
	ctx := context.Background()
	f := storetest.NewFixture(t, memstore.New())
	for name, r := range map[string][2]int{
		"above five stars": {11, 2}, "below one star": {1, 2}, "negative count": {-1, -1}, "sum without count": {3, 0},
	} {
		p := storetest.Volunteer("bad")
		p.RatingSum, p.RatingCount = r[0], r[1]
		_, err := f.Cat.RegisterProvider(ctx, p, "operator")
		require.ErrorIs(t, err, catalog.ErrInvalid, name)
	}
	page, err := f.Cat.Providers(ctx, catalog.ProviderQuery{})
	require.NoError(t, err)
	require.Empty(t, page.Providers, "nothing registered")

	in := storetest.Volunteer("v1")
	in.RatingSum, in.RatingCount = 9, 2
	p, err := f.Cat.RegisterProvider(ctx, in, "operator")
	require.NoError(t, err)
	assert.Equal(t, [2]int{9, 2}, [2]int{p.RatingSum, p.RatingCount}, "registered")
	got, err := f.Cat.Provider(ctx, p.ID)
	require.NoError(t, err)
	assert.Equal(t, [2]int{9, 2}, [2]int{got.RatingSum, got.RatingCount}, "stored")

	p.RatingSum, p.RatingCount, p.Capacity = 25, 5, 3
	p, err = f.Cat.UpdateProvider(ctx, p)
	require.NoError(t, err)
	assert.Equal(t, 3, p.Capacity)
	assert.Equal(t, [2]int{9, 2}, [2]int{p.RatingSum, p.RatingCount}, "kept by update")

	var sheet strings.Builder
	require.NoError(t, f.Cat.ExportProviders(ctx, &sheet, catalog.ProviderQuery{}, catalog.CSVOptions{}))
	require.Contains(t, sheet.String(), "4.50", "the export's rating column")
	imported, err := f.Cat.ImportProviders(ctx, strings.NewReader(sheet.String()), "operator")
	require.NoError(t, err)
	require.Len(t, imported, 1)
	assert.Equal(t, [2]int{0, 0}, [2]int{imported[0].RatingSum, imported[0].RatingCount}, "imported unrated")
}

// TestRegisterProviderRefusesRatingThatOverflows: RegisterProvider checked a brought rating
// against RatingMax·RatingCount, a product that overflows int for a count near MaxInt/5, and
// took any count up to that point: a provider registered with MaxInt/5 ratings of five stars
// had its RatingSum overflow to a negative number on its next rating, a provider rated below
// one star by the matcher. A count above RatingCountMax is now refused with ErrInvalid.
func TestRegisterProviderRefusesRatingThatOverflows(t *testing.T) {
	ctx := context.Background()
	f := storetest.NewFixture(t, memstore.New())
	for name, r := range map[string][2]int{
		"five stars MaxInt/5 times": {math.MaxInt / 5 * 5, math.MaxInt / 5},
		"a product that wraps":      {math.MaxInt / 4, math.MaxInt / 4},
		"one over the limit":        {catalog.RatingCountMax + 1, catalog.RatingCountMax + 1},
	} {
		p := storetest.Volunteer("v" + name)
		p.RatingSum, p.RatingCount = r[0], r[1]
		_, err := f.Cat.RegisterProvider(ctx, p, "operator")
		require.ErrorIs(t, err, catalog.ErrInvalid, name)
	}
	page, err := f.Cat.Providers(ctx, catalog.ProviderQuery{})
	require.NoError(t, err)
	require.Empty(t, page.Providers, "nothing registered")

	p := storetest.Volunteer("v1")
	p.RatingSum, p.RatingCount = catalog.RatingCountMax*catalog.RatingMax, catalog.RatingCountMax
	p, err = f.Cat.RegisterProvider(ctx, p, "operator")
	require.NoError(t, err, "at the limit")
	assert.InDelta(t, 5.0, p.RatingAverage(), 1e-9)
}
