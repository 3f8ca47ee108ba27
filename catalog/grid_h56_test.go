package catalog_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
)

// An invisible format character (a zero-width space pasted from a chat message, a byte-order
// mark, a bidirectional override) made a path that looks like "幸福街道/阳光社区" and is another
// node: a provider homed there matched no demand of the community, and no one could see why.
// Such paths are refused, as control characters are.
func TestGridPathRefusesInvisibleFormatCharacters(t *testing.T) {
	for _, s := range []string{"幸福街道\u200b/阳光社区", "\ufeff幸福街道/阳光社区", "幸福街道/阳光\u200d社区", "幸福街道/\u202e阳光社区", "幸福街道/阳光社区\u2060", "a/b\u00adc"} {
		t.Run(s, func(t *testing.T) {
			p, err := catalog.ParseGridPath(s)
			require.ErrorIs(t, err, catalog.ErrInvalid)
			assert.Empty(t, p)
			assert.ErrorIs(t, catalog.GridPath(s).Validate(), catalog.ErrInvalid)
		})
	}
}

// A Chinese input method types the separator as the full-width solidus '／' (U+FF0F). The
// path "幸福街道／阳光社区" was read as one segment: a provider's home became a street named
// "幸福街道／阳光社区", silently outside 幸福街道. ParseGridPath now reads '／' as the separator
// (as list cells read '；' as ';'), and a canonical path never holds it.
func TestGridPathFullWidthSolidus(t *testing.T) {
	p, err := catalog.ParseGridPath("幸福街道／阳光社区 ／ 1网格")
	require.NoError(t, err)
	assert.Equal(t, catalog.GridPath("幸福街道/阳光社区/1网格"), p)
	assert.Equal(t, catalog.LevelGrid, p.Depth())

	_, err = catalog.ParseGridPath("a／b/c/d／e")
	assert.ErrorIs(t, err, catalog.ErrInvalid, "five segments")
	_, err = catalog.NewGridPath("幸福街道／阳光社区")
	assert.ErrorIs(t, err, catalog.ErrInvalid)
	assert.ErrorIs(t, catalog.GridPath("幸福街道／阳光社区").Validate(), catalog.ErrInvalid)

	ps, err := catalog.ParseProvidersCSV(strings.NewReader("kind,name,home,capacity,service_area\nvolunteer,a,幸福街道／阳光社区,1,幸福街道／和平社区\n"))
	require.NoError(t, err)
	assert.Equal(t, catalog.GridPath("幸福街道/阳光社区"), ps[0].Home)
	assert.Equal(t, []catalog.GridPath{"幸福街道/和平社区"}, ps[0].ServiceArea)
}
