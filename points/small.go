package points

import (
	"math"
	"math/bits"
	"strconv"

	"github.com/shopspring/decimal"
)

// The common award (one approved provider, no multiplier, amounts of a few digits) is priced
// here in int64 arithmetic instead of decimal's math/big, which allocates for every result
// and for every comparison of two exponents. Each function gives exactly what the decimal
// operation it replaces gives, coefficient and exponent alike (a caller may read either), or
// reports false when an operand or a result does not fit, and the caller does it with decimal.

// pow10s are the powers of ten an int64 holds.
var pow10s = [19]int64{
	1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000,
	10_000_000_000, 100_000_000_000, 1_000_000_000_000, 10_000_000_000_000, 100_000_000_000_000,
	1_000_000_000_000_000, 10_000_000_000_000_000, 100_000_000_000_000_000, 1_000_000_000_000_000_000,
}

// small is a decimal's coefficient and exponent when the coefficient fits an int64 and the
// exponent is within ±smallExpMax.
type small struct {
	coef int64
	exp  int32
}

// smallExpMax bounds the exponents small takes, so that no exponent arithmetic here can
// overflow and every scaling of one operand to another's exponent is a power of pow10s.
const smallExpMax = 18

func smallOf(d decimal.Decimal) (small, bool) {
	// NumDigits reads a coefficient that fits an int64 without allocating.
	if e := d.Exponent(); e < -smallExpMax || e > smallExpMax || d.NumDigits() > 18 {
		return small{}, false
	}
	return small{d.CoefficientInt64(), d.Exponent()}, true
}

// decimal returns the decimal of s: its coefficient and exponent, as decimal.New gives them.
func (s small) decimal() decimal.Decimal { return decimal.New(s.coef, s.exp) }

// trimmed returns s without trailing zeros after the point (7000e-2 is 70, 4150e-2 is 415e-1):
// the form decimal.NewFromString gives s's text, so a value read back from metadata is the
// same decimal as the one written.
func (s small) trimmed() small {
	for s.exp < 0 && s.coef != 0 && s.coef%10 == 0 {
		s.coef /= 10
		s.exp++
	}
	return s
}

// trimDecimal is d without trailing zeros after the point (see small.trimmed).
func trimDecimal(d decimal.Decimal) decimal.Decimal {
	if s, ok := smallOf(d); ok {
		if t := s.trimmed(); t != s {
			return t.decimal()
		}
		return d
	}
	if d.Exponent() >= 0 {
		return d
	}
	if t, err := decimal.NewFromString(d.String()); err == nil {
		return t
	}
	return d
}

// scaleUp returns c × 10^n, false if it overflows an int64.
func scaleUp(c int64, n int32) (int64, bool) {
	if n < 0 || int(n) >= len(pow10s) {
		return 0, n == 0
	}
	return mulInt64(c, pow10s[n])
}

// mulInt64 returns a × b, false if it overflows an int64.
func mulInt64(a, b int64) (int64, bool) {
	if a == 0 || b == 0 {
		return 0, true
	}
	neg := (a < 0) != (b < 0)
	hi, lo := bits.Mul64(absU(a), absU(b))
	if hi != 0 || lo > math.MaxInt64 {
		return 0, false
	}
	if neg {
		return -int64(lo), true
	}
	return int64(lo), true
}

func absU(a int64) uint64 {
	if a < 0 {
		return uint64(-a) // math.MinInt64 maps to itself, 2^63 as uint64: still right
	}
	return uint64(a)
}

// cmpSmall compares a and b as decimal.Cmp does: -1, 0 or +1; false if they cannot be
// brought to one exponent in an int64.
func cmpSmall(a, b small) (int, bool) {
	x, y := a.coef, b.coef
	ok := true
	switch {
	case a.exp > b.exp:
		x, ok = scaleUp(x, a.exp-b.exp)
	case a.exp < b.exp:
		y, ok = scaleUp(y, b.exp-a.exp)
	}
	switch {
	case !ok:
		return 0, false
	case x < y:
		return -1, true
	case x > y:
		return 1, true
	}
	return 0, true
}

// minDecimal is decimal.Min(a, b): b if it is less than a, else a (itself, not a copy).
func minDecimal(a, b decimal.Decimal) decimal.Decimal {
	sa, okA := smallOf(a)
	sb, okB := smallOf(b)
	if okA && okB {
		if c, ok := cmpSmall(sb, sa); ok {
			if c < 0 {
				return b
			}
			return a
		}
	}
	return decimal.Min(a, b)
}

// priceSmall is base.Add(credited.Mul(perHour)).Truncate(scale), the points of a provider
// who alone was approved for a demand with no multiplier, in int64 arithmetic; false if an
// operand or an intermediate result does not fit, or the result is not positive (the caller
// then prices with decimal, which also words the refusal).
func priceSmall(base, credited, perHour decimal.Decimal, scale int32) (small, bool) {
	b, okB := smallOf(base)
	c, okC := smallOf(credited)
	p, okP := smallOf(perHour)
	if !okB || !okC || !okP || scale < 0 || scale > smallExpMax {
		return small{}, false
	}
	// Mul: the product of the coefficients at the sum of the exponents.
	ph, ok := mulInt64(c.coef, p.coef)
	if !ok {
		return small{}, false
	}
	phExp := c.exp + p.exp
	// Add: both at the lesser exponent.
	exp := min(b.exp, phExp)
	x, okX := scaleUp(b.coef, b.exp-exp)
	y, okY := scaleUp(ph, phExp-exp)
	if !okX || !okY {
		return small{}, false
	}
	sum := x + y
	if (y > 0 && sum < x) || (y < 0 && sum > x) {
		return small{}, false
	}
	// Truncate: down to scale decimal places, toward zero, when there are more.
	if exp < -scale {
		n := -scale - exp
		if int(n) >= len(pow10s) {
			return small{}, false
		}
		sum /= pow10s[n]
		exp = -scale
	}
	if sum <= 0 {
		return small{}, false
	}
	return small{sum, exp}, true
}

// greaterThanUnits reports whether s is greater than units (whole units, not negative).
func (s small) greaterThanUnits(units int64) bool {
	if s.exp >= 0 {
		v, ok := scaleUp(s.coef, s.exp)
		return !ok || v > units // s.coef is positive where this is used: overflow is above
	}
	bound, ok := scaleUp(units, -s.exp)
	return ok && s.coef > bound
}

// appendString appends s as decimal's String gives it (with decimal.TrimTrailingZeros as
// set), for a coefficient that is not negative and an exponent that is not positive; false
// otherwise (decimal's String may then use scientific notation).
func (s small) appendString(dst []byte) ([]byte, bool) {
	if s.coef < 0 || s.exp > 0 {
		return dst, false
	}
	var buf [20]byte
	digits := strconv.AppendInt(buf[:0], s.coef, 10)
	if s.exp == 0 {
		return append(dst, digits...), true
	}
	places := int(-s.exp)
	intPart, frac, leadingZeros := digits[:0], digits, places-len(digits)
	if len(digits) > places {
		intPart, frac, leadingZeros = digits[:len(digits)-places], digits[len(digits)-places:], 0
	}
	if decimal.TrimTrailingZeros {
		i := len(frac)
		for i > 0 && frac[i-1] == '0' {
			i--
		}
		frac = frac[:i]
		if len(frac) == 0 {
			leadingZeros = 0
		}
	}
	if len(intPart) == 0 {
		dst = append(dst, '0')
	}
	dst = append(dst, intPart...)
	if leadingZeros+len(frac) > 0 {
		dst = append(dst, '.')
		for range leadingZeros {
			dst = append(dst, '0')
		}
		dst = append(dst, frac...)
	}
	return dst, true
}

// decimalString is d.String(), without math/big when d is small.
func decimalString(d decimal.Decimal) string {
	var buf [48]byte
	return string(appendDecimal(buf[:0], d))
}

// appendDecimal appends d.String(), without math/big when d is small.
func appendDecimal(dst []byte, d decimal.Decimal) []byte {
	if s, ok := smallOf(d); ok {
		if b, ok := s.appendString(dst); ok {
			return b
		}
	}
	return append(dst, d.String()...)
}
