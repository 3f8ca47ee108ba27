package points_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/ledger/memstore"
	"github.com/tongxin/tongxin/points"
)

// TestAddItemLimitUnderConcurrency: two AddItem calls for new items when the shop has room for
// one more add one, and the other is refused with ErrInvalid. AddItem counted the items, then
// opened the item's stock account, then added it: a call that counted while another opened its
// account went past ItemsMax.
func TestAddItemLimitUnderConcurrency(t *testing.T) {
	store := &nthCallStore{Store: memstore.New()}
	e := newEnvOn(t, store, testScheme())
	sh, err := points.NewShop(e.ctx, e.inc)
	require.NoError(t, err)
	for i := range points.ItemsMax - 1 {
		require.NoError(t, sh.AddItem(e.ctx, points.Item{SKU: fmt.Sprintf("sku-%d", i), Name: "米", Price: dec("1")}))
	}

	var raced error
	store.arm(1, func() { raced = sh.AddItem(e.ctx, points.Item{SKU: "late-a", Name: "油", Price: dec("2")}) })
	err = sh.AddItem(e.ctx, points.Item{SKU: "late-b", Name: "面", Price: dec("3")})
	_, a := sh.Item("late-a")
	_, b := sh.Item("late-b")
	require.True(t, (raced == nil) != (err == nil), "exactly one of the two is added: %v / %v", raced, err)
	assert.True(t, a != b)
	for _, e := range []error{raced, err} {
		if e != nil {
			require.ErrorIs(t, e, points.ErrInvalid)
		}
	}
	require.NoError(t, sh.AddItem(e.ctx, points.Item{SKU: "sku-0", Name: "米", Price: dec("5")}), "an item offered may still change its price")
	e.verify(t)
}
