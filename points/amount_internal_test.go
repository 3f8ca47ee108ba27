package points

import (
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
)

// TestHugeExponentsRefusedQuickly: amounts built in code with an enormous exponent are refused
// as invalid before any decimal arithmetic (whose cost grows with 10^exponent) touches them.
func TestHugeExponentsRefusedQuickly(t *testing.T) {
	for _, d := range []decimal.Decimal{decimal.New(1, 1_000_000), decimal.New(1, -1_000_000), decimal.New(7, 19)} {
		assert.False(t, amountWithin(d, 2, StorageCapMax), "%s", d)
		assert.False(t, hoursWithin(d), "%s", d)
	}
	for _, c := range []struct {
		d     string
		scale int32
		max   int64
		want  bool
	}{
		{"1", 0, 1, true}, {"1.5", 1, 2, true}, {"1.55", 1, 2, false}, {"2.5", 1, 2, false},
		{"0", 2, 10, false}, {"-1", 2, 10, false}, {"1.500000000000", 1, 2, true},
		{"1000000000", 9, CapMax, true}, {"1000000000.01", 2, CapMax, false},
	} {
		assert.Equal(t, c.want, amountWithin(decimal.RequireFromString(c.d), c.scale, c.max), "%s scale %d max %d", c.d, c.scale, c.max)
	}
}
