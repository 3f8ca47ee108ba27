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
