package catalog_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/catalog/memstore"
)

// TestStatusesKeepsAnInvalidStatus: Statuses dropped a status that is not one, so a query for
// Statuses(Status(99)) became the empty set and matched every demand. An invalid status now
// leaves a bit that names no status, which a query refuses with ErrInvalid, and Has never
// reports.
func TestStatusesKeepsAnInvalidStatus(t *testing.T) {
	ctx := context.Background()
	c, err := catalog.New(memstore.New())
	require.NoError(t, err)
	for _, set := range []catalog.StatusSet{
		catalog.Statuses(catalog.Status(99)),
		catalog.Statuses(0),
		catalog.Statuses(catalog.StatusOpen, catalog.Status(14)),
		catalog.Statuses(catalog.Status(255)),
	} {
		assert.NotZero(t, set, "an invalid status must not make the empty set (any status)")
		_, err := c.Demands(ctx, catalog.DemandQuery{Statuses: set})
		assert.ErrorIs(t, err, catalog.ErrInvalid, "%#x", uint16(set))
		for s := catalog.Status(0); s < 32; s++ {
			if !s.Valid() {
				assert.False(t, set.Has(s), "%d", s)
			}
		}
	}
	set := catalog.Statuses(catalog.StatusOpen, catalog.StatusClaimed)
	assert.Equal(t, []catalog.Status{catalog.StatusOpen, catalog.StatusClaimed}, set.Slice())
	_, err = c.Demands(ctx, catalog.DemandQuery{Statuses: set})
	assert.NoError(t, err)
}
