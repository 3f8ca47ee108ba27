package points_test

import (
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/points"
)

// TestParseSchemeDuplicateKeys refuses JSON that names one field twice, exactly or in another
// case (encoding/json matches field names case-insensitively and keeps the last): which of
// the two values the community meant is not known, and a cap set to 100 and then to 0 in
// the same text would silently lift the cap.
func TestParseSchemeDuplicateKeys(t *testing.T) {
	cases := map[string]string{
		"same key":          `{"community":"yangguang","daily_cap":"100","daily_cap":"0"}`,
		"other case":        `{"community":"yangguang","daily_cap":"100","DAILY_CAP":"0"}`,
		"nested":            `{"community":"yangguang","multipliers":{"urgent":"2","Urgent":"1"}}`,
		"in a base rule":    `{"community":"yangguang","base":[{"points":"10","Points":"1"}]}`,
		"in accounts":       `{"community":"yangguang","accounts":{"shop":"community:{community}:shop:{asset}","shop":"community:{community}:s:{asset}"}}`,
		"community in case": `{"Community":"heping","community":"yangguang"}`,
	}
	for name, text := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := points.ParseScheme([]byte(text))
			require.ErrorIs(t, err, points.ErrInvalidScheme)
		})
	}
	_, err := points.ParseScheme([]byte(`{"community":"yangguang","base":[{"points":"10"},{"category":"repair","points":"20"}]}`))
	require.NoError(t, err, "the same key in two objects of a list is no duplicate")
}

// TestSchemeInvalidMultipliersNamedInOrder names the first bad multiplier (urgent, priority,
// big item) every time: the check ranged over a map, so a scheme with two bad multipliers
// was refused with one name or the other from run to run.
func TestSchemeInvalidMultipliersNamedInOrder(t *testing.T) {
	s := points.Scheme{Community: "yangguang"}
	s.Multipliers.Urgent = decimal.NewFromInt(points.MultiplierMax + 1)
	s.Multipliers.Priority = decimal.NewFromInt(-1)
	s.Multipliers.BigItem = decimal.NewFromInt(points.MultiplierMax + 2)
	for range 64 {
		err := s.Validate()
		require.ErrorIs(t, err, points.ErrInvalidScheme)
		require.Contains(t, err.Error(), "urgent multiplier")
	}
}
