package points

import (
	"strconv"

	"github.com/shopspring/decimal"

	"github.com/tongxin/tongxin/ledger"
)

// amountWithin reports whether d is positive, has at most scale decimal places and is at most
// maxUnits whole units. It checks in minor units through ledger.ToMinor, which bounds the
// exponent first: decimal's own comparisons and Truncate scale the coefficient to 10^exponent,
// so a value such as decimal.New(1, 1_000_000) built in code would take seconds.
func amountWithin(d decimal.Decimal, scale int32, maxUnits int64) bool {
	// ToMinor refuses these too, but spells out d's digits in its error: 10^exponent of them.
	// Minor units at 10^19 and beyond exceed ledger.AmountMinorMax, and ToMinor refuses more
	// than 1000 places.
	if e := int64(d.Exponent()) + int64(scale); e >= 19 || e < -minorPlacesMax {
		return false
	}
	m, err := ledger.ToMinor(d, scale)
	if err != nil || m <= 0 {
		return false
	}
	// d ≤ maxUnits exactly when its minor units are at most maxUnits × 10^scale; a bound
	// beyond int64 is above any minor units ToMinor returns.
	bound, ok := scaleUp(maxUnits, scale)
	return !ok || m <= bound
}

// hoursScaleMax is the finest fraction of an hour an audit may approve: a nanohour, far below
// any scheme's scale, so the check only refuses what arithmetic could not handle cheaply.
const hoursScaleMax = 9

// hoursWithin reports whether audited hours are positive and within what this package can
// price: at most hoursScaleMax decimal places and StorageCapMax hours.
func hoursWithin(h decimal.Decimal) bool { return amountWithin(h, hoursScaleMax, StorageCapMax) }

// minorPlacesMax is the most decimal places, below the asset's scale, an amount may be written
// with (1.000…0): ledger.ToMinor refuses more.
const minorPlacesMax = 1000

// zeroOrWithin is amountWithin that also accepts zero: a rate, cap or limit left unset.
func zeroOrWithin(d decimal.Decimal, scale int32, maxUnits int64) bool {
	return d.IsZero() || amountWithin(d, scale, maxUnits)
}

// decimalText formats d for an error message: as d.String() when that is short, and as its
// coefficient and exponent ("1e-2000000000") when d.String() would spell out a zero for every
// step of a large exponent.
func decimalText(d decimal.Decimal) string {
	if e := d.Exponent(); e < -decimalTextExponentMax || e > decimalTextExponentMax {
		return d.Coefficient().String() + "e" + strconv.FormatInt(int64(e), 10)
	}
	return d.String()
}

// decimalTextExponentMax is the largest exponent, either way, that decimalText writes out.
const decimalTextExponentMax = 64
