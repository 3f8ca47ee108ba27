package points_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/memstore"
	"github.com/tongxin/tongxin/points"
)

// TestSchemeTemplatePlaceholdersOfOtherKinds refuses a placeholder in a template that never
// fills it: such a scheme validated (the check rendered every placeholder) but every account
// of the template then rendered with an empty segment or a literal "{other}", so New or every
// award failed with the ledger's ErrInvalid instead of the scheme being refused.
func TestSchemeTemplatePlaceholdersOfOtherKinds(t *testing.T) {
	cases := []struct {
		name string
		edit func(*points.Naming)
	}{
		{"issuer with holder", func(n *points.Naming) { n.Issuer = "community:{community}:issuer:{holder}:{asset}" }},
		{"shop with period", func(n *points.Naming) { n.Shop = "community:{community}:shop:{period}:{asset}" }},
		{"expiry with other", func(n *points.Naming) { n.Expiry = "community:{community}:expired:{other}:{asset}" }},
		{"holder with period", func(n *points.Naming) { n.Holder = "community:{community}:member:{holder}:{period}:{asset}" }},
		{"holder with other", func(n *points.Naming) { n.Holder = "community:{community}:member:{holder}:{other}:{asset}" }},
		{"debt with period", func(n *points.Naming) { n.Debt = "community:{community}:debt:{holder}:{period}:{asset}" }},
		{"quota with other", func(n *points.Naming) { n.Quota = "community:{community}:quota:{holder}:{period}:{other}:{asset}" }},
		{"pool with holder", func(n *points.Naming) { n.Pool = "community:{community}:pool:{holder}:{asset}" }},
		{"donation with holder", func(n *points.Naming) { n.Donation = "community:{community}:donation:{holder}:{asset}" }},
		{"clearing with holder", func(n *points.Naming) {
			n.Clearing = "community:{community}:clearing:{other}:{holder}:{asset}"
		}},
		{"stock with period", func(n *points.Naming) { n.Stock = "community:{community}:stock:{holder}:{period}" }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := points.Scheme{Community: "yangguang"}
			c.edit(&s.Accounts)
			require.ErrorIs(t, s.Validate(), points.ErrInvalidScheme)
			l, err := ledger.New(context.Background(), memstore.New())
			require.NoError(t, err)
			_, err = points.New(context.Background(), l, s)
			require.ErrorIs(t, err, points.ErrInvalidScheme)
		})
	}
}
