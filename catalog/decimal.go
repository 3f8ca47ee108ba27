package catalog

import (
	"fmt"

	"github.com/shopspring/decimal"
)

// decimalExponentMax bounds the exponent of a decimal the catalog compares with a limit. A
// decimal.Decimal built in code may carry any int32 exponent (decimal.New(1, -1e9) is a valid
// value), and comparing it with a limit rescales the limit to that exponent: a number of a
// billion digits. Every amount the catalog keeps (hours to 0.01, budgets to 0.01 yuan below
// 10^9) has an exponent far inside, whatever way it is written; decimal.NewFromString reads
// none beyond ±10,000 anyway.
const decimalExponentMax = 1000

// fixedPoint reports whether d is positive, at most max, with at most scale decimal places. A
// d whose exponent lies beyond ±decimalExponentMax is refused from the exponent alone, without
// the big-number arithmetic the comparison would take.
func fixedPoint(d decimal.Decimal, scale int32, max int64) bool {
	if exp := d.Exponent(); d.Sign() <= 0 || exp < -decimalExponentMax || exp > decimalExponentMax {
		return false
	}
	return !d.GreaterThan(decimal.NewFromInt(max)) && d.Equal(d.Round(scale))
}

// decimalText is d for an error message: as written when that is short, else its exponent and
// the size of its coefficient. 1e-1000000000 is a valid decimal, and its String would be a
// billion digits.
func decimalText(d decimal.Decimal) string {
	exp := d.Exponent()
	if exp >= -40 && exp <= 40 {
		if bits := d.Coefficient().BitLen(); bits <= 128 {
			return d.String()
		}
	}
	return fmt.Sprintf("(a coefficient of %d bits)e%d", d.Coefficient().BitLen(), exp)
}
