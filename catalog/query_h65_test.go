package catalog_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/catalog/storetest"
)

// Providers answered an empty page for a kind no provider can have (9), as if there were no
// such providers. It refuses the kind with ErrInvalid naming it; zero and every defined kind
// still list.
func TestProvidersRefusesOutOfRangeKind(t *testing.T) {
	ctx := context.Background()
	c, f := newCatalog(t)
	f.Register(t, storetest.Volunteer("p1"))
	for _, k := range []catalog.ProviderKind{catalog.SocialOrg + 1, 9, 255} {
		page, err := c.Providers(ctx, catalog.ProviderQuery{Kind: k})
		require.ErrorIs(t, err, catalog.ErrInvalid, "kind %d", k)
		assert.Contains(t, err.Error(), "kind")
		assert.Empty(t, page.Providers)
	}
	for _, k := range []catalog.ProviderKind{0, catalog.Volunteer, catalog.Team, catalog.Unit, catalog.SocialOrg} {
		page, err := c.Providers(ctx, catalog.ProviderQuery{Kind: k})
		require.NoError(t, err, "kind %d", k)
		assert.Equal(t, k == 0 || k == catalog.Volunteer, len(page.Providers) == 1, "kind %d", k)
	}
}

// Demands answered an empty page for a kind, priority flag or status bit no demand can have.
// Demands refuses them with ErrInvalid (DemandQuery.validate, demand.go).
func TestDemandsRefusesOutOfRangeEnums(t *testing.T) {
	ctx := context.Background()
	c, f := newCatalog(t)
	f.OpenWish(t, storetest.Wish("r1"))
	bad := map[string]catalog.DemandQuery{
		"kind":          {Kind: catalog.Project + 1},
		"kind 255":      {Kind: 255},
		"priority":      {Priority: 1 << 7},
		"status bit 0":  {Statuses: 1},
		"status bit 15": {Statuses: 1 << 15},
		"status mixed":  {Statuses: catalog.OpenStatuses | 1<<15},
	}
	for name, q := range bad {
		page, err := c.Demands(ctx, q)
		require.ErrorIs(t, err, catalog.ErrInvalid, name)
		assert.Empty(t, page.Demands, name)
	}
	for _, q := range []catalog.DemandQuery{{}, {Kind: catalog.Wish}, {Statuses: catalog.OpenStatuses}, {Priority: catalog.PriorityElderlyAlone}} {
		page, err := c.Demands(ctx, q)
		require.NoError(t, err)
		assert.Len(t, page.Demands, 1)
	}
}
