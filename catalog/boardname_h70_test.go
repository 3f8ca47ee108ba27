package catalog_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/catalog/storetest"
)

// TestBoardNameIsKeptAsOtherNames: PublishBoard refuses an empty name, but took one of only
// whitespace ("　", an ideographic space) and kept surrounding whitespace, where a demand's
// title and a provider's name are trimmed and refused when nothing is left. A board's name is
// now kept as they are: trimmed, LF line ends, ErrInvalid when empty after trimming.
func TestBoardNameIsKeptAsOtherNames(t *testing.T) {
	ctx := context.Background()
	c, f := newCatalog(t)
	spec := func(name string) catalog.BoardSpec {
		now := f.Clock.Now()
		return catalog.BoardSpec{Name: name, Kind: catalog.BoardWishes, Scope: storetest.CommunityA,
			OpensAt: now, ClosesAt: now.Add(time.Hour), Actor: "community"}
	}
	for _, name := range []string{" ", "\u3000", "\r\n", "\t \n"} {
		_, err := c.PublishBoard(ctx, spec(name))
		assert.ErrorIs(t, err, catalog.ErrInvalid, "name %q", name)
	}
	page, err := c.Boards(ctx, catalog.BoardQuery{})
	require.NoError(t, err)
	assert.Empty(t, page.Boards, "nothing published")

	b, err := c.PublishBoard(ctx, spec("  五月微心愿榜\r\n第二行\u3000"))
	require.NoError(t, err)
	assert.Equal(t, "五月微心愿榜\n第二行", b.Name)
	got, err := c.Board(ctx, b.ID)
	require.NoError(t, err)
	assert.Equal(t, b, got)
}
