package points

import (
	"github.com/shopspring/decimal"

	"github.com/tongxin/tongxin/ledger"
)

// amountWithin reports whether d is positive, has at most scale decimal places and is at most
// maxUnits whole units. It checks in minor units through ledger.ToMinor, which bounds the
// exponent first: decimal's own comparisons and Truncate scale the coefficient to 10^exponent,
// so a value such as decimal.New(1, 1_000_000) built in code would take seconds.
func amountWithin(d decimal.Decimal, scale int32, maxUnits int64) bool {
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
