package ledger

import (
	"fmt"
	"math"
	"math/big"

	"github.com/shopspring/decimal"
)

// Limits on assets and amounts.
const (
	AssetCodeBytesMax = 16 // an asset code is 1..16 of [A-Z0-9_], starting with a letter
	AssetScaleMax     = 9  // at most nine decimal places
	// AmountMinorMax bounds one posting's amount in minor units (10^18), so that any sum of
	// two amounts or balances that each pass the checks is still checked for overflow cheaply.
	AmountMinorMax = int64(1_000_000_000_000_000_000)
)

// Asset is a kind of value kept in the ledger, such as points (PTS) or time-bank hours (HOUR).
// Scale is the number of decimal places an amount of it may have: amounts are kept inside as
// exact integers of minor units (10^-Scale), never as floating point.
type Asset struct {
	Code  string
	Scale int32
}

// ValidateAssetCode reports whether code is a well-formed asset code: ^[A-Z][A-Z0-9_]{0,15}$.
// The error wraps ErrInvalid.
func ValidateAssetCode(code string) error {
	if len(code) == 0 || len(code) > AssetCodeBytesMax {
		return fmt.Errorf("asset code %q: length must be 1..%d: %w", code, AssetCodeBytesMax, ErrInvalid)
	}
	for i := 0; i < len(code); i++ {
		c := code[i]
		upper := c >= 'A' && c <= 'Z'
		if i == 0 && !upper {
			return fmt.Errorf("asset code %q: must start with A-Z: %w", code, ErrInvalid)
		}
		if !upper && !(c >= '0' && c <= '9') && c != '_' {
			return fmt.Errorf("asset code %q: only A-Z, 0-9 and _ allowed: %w", code, ErrInvalid)
		}
	}
	return nil
}

func (a Asset) validate() error {
	if err := ValidateAssetCode(a.Code); err != nil {
		return err
	}
	if a.Scale < 0 || a.Scale > AssetScaleMax {
		return fmt.Errorf("asset %s: scale %d outside 0..%d: %w", a.Code, a.Scale, AssetScaleMax, ErrInvalid)
	}
	return nil
}

var pow10 = func() [19]int64 {
	var p [19]int64
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// ToMinor converts an amount to exact minor units of an asset with the given scale. It never
// rounds: more decimal places than the scale, or a value whose minor units exceed
// AmountMinorMax in magnitude, is ErrInvalidAmount; a scale outside 0..AssetScaleMax is
// ErrInvalid. Zero and negative values are converted (callers decide whether they are allowed).
func ToMinor(d decimal.Decimal, scale int32) (int64, error) {
	if scale < 0 || scale > AssetScaleMax {
		return 0, fmt.Errorf("scale %d: %w", scale, ErrInvalid)
	}
	exp := d.Exponent() + scale // d = coef * 10^exp in minor units
	if d.NumDigits() <= 18 && exp > -19 && exp < 19 {
		coef := d.CoefficientInt64()
		switch {
		case coef == 0:
			return 0, nil
		case exp >= 0:
			if abs64(coef) > AmountMinorMax/pow10[exp] {
				return 0, fmt.Errorf("%s: more than %d minor units: %w", amountText(d), AmountMinorMax, ErrInvalidAmount)
			}
			return coef * pow10[exp], nil
		default:
			div := pow10[-exp]
			if coef%div != 0 {
				return 0, fmt.Errorf("%s: more than %d decimal places: %w", amountText(d), scale, ErrInvalidAmount)
			}
			return coef / div, nil
		}
	}
	return toMinorSlow(d, exp)
}

// toMinorSlow handles coefficients or exponents beyond int64 arithmetic.
func toMinorSlow(d decimal.Decimal, exp int32) (int64, error) {
	coef := d.Coefficient()
	if coef.Sign() == 0 {
		return 0, nil
	}
	if exp < -1000 || exp > 1000 {
		if exp > 0 {
			return 0, fmt.Errorf("%s: too large: %w", amountText(d), ErrInvalidAmount)
		}
		return 0, fmt.Errorf("%s: too many decimal places: %w", amountText(d), ErrInvalidAmount)
	}
	ten := big.NewInt(10)
	if exp >= 0 {
		coef.Mul(coef, new(big.Int).Exp(ten, big.NewInt(int64(exp)), nil))
	} else {
		var rem big.Int
		coef.QuoRem(coef, new(big.Int).Exp(ten, big.NewInt(int64(-exp)), nil), &rem)
		if rem.Sign() != 0 {
			return 0, fmt.Errorf("%s: too many decimal places: %w", amountText(d), ErrInvalidAmount)
		}
	}
	if !coef.IsInt64() || abs64(coef.Int64()) > AmountMinorMax {
		return 0, fmt.Errorf("%s: more than %d minor units: %w", amountText(d), AmountMinorMax, ErrInvalidAmount)
	}
	return coef.Int64(), nil
}

// amountTextDigitsMax bounds the digits an error message writes out for an amount.
const amountTextDigitsMax = 40

// amountText is an amount for an error message: as written when it is short, else its
// coefficient and exponent, the coefficient's digits only counted when it is long. An
// absurd input (1e30000000 is a valid decimal) must not make a megabyte message, nor take
// seconds to print one.
func amountText(d decimal.Decimal) string {
	exp := d.Exponent()
	coef := d.Coefficient()
	short := coef.BitLen() <= amountTextDigitsMax*3 // 2^120 < 10^37
	if short && exp >= -amountTextDigitsMax && exp <= amountTextDigitsMax {
		return d.String()
	}
	if short {
		return fmt.Sprintf("%se%d", coef, exp)
	}
	sign := ""
	if coef.Sign() < 0 {
		sign = "-"
	}
	// log10(2) = 0.30103: the count is exact or one short.
	return fmt.Sprintf("%s(a coefficient of about %d digits)e%d", sign, int(float64(coef.BitLen())*0.30103)+1, exp)
}

// FromMinor converts minor units back to a decimal amount.
func FromMinor(v int64, scale int32) decimal.Decimal {
	if v == 0 && scale >= 0 && scale <= AssetScaleMax {
		// Zero is the most common balance read (a debt, a cap not yet used). A Decimal is
		// immutable, so one value per scale is shared instead of a big.Int per call.
		return zeroAtScale[scale]
	}
	return decimal.New(v, -scale)
}

var zeroAtScale = func() (z [AssetScaleMax + 1]decimal.Decimal) {
	for i := range z {
		z[i] = decimal.New(0, -int32(i))
	}
	return z
}()

func abs64(v int64) int64 {
	if v < 0 {
		if v == math.MinInt64 {
			return math.MaxInt64
		}
		return -v
	}
	return v
}

// addChecked adds two minor-unit values, reporting overflow of int64 as ErrInvalidAmount.
func addChecked(a, b int64) (int64, error) {
	s := a + b
	if (b > 0 && s < a) || (b < 0 && s > a) {
		return 0, fmt.Errorf("balance %d + %d overflows: %w", a, b, ErrInvalidAmount)
	}
	return s, nil
}
