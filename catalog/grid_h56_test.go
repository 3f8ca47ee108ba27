package catalog_test

import (
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
