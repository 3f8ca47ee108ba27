package catalog_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/catalog/memstore"
)

// New refuses a nil option with ErrInvalid instead of panicking on it.
func TestNewRefusesNilOption(t *testing.T) {
	c, err := catalog.New(memstore.New(), nil)
	require.ErrorIs(t, err, catalog.ErrInvalid)
	require.Nil(t, c)
	c, err = catalog.New(memstore.New(), catalog.WithNow(nil))
	require.ErrorIs(t, err, catalog.ErrInvalid)
	require.Nil(t, c)
}
