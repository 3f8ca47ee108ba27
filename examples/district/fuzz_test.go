package main

import (
	"errors"
	"math"
	"testing"

	"github.com/tongxin/tongxin/points"
)

// FuzzConfigValidate feeds arbitrary flag values to the check run makes before touching any
// store: it never panics, and what it accepts is within the named limits.
func FuzzConfigValidate(f *testing.F) {
	f.Add(0.5, 12, "normal", 6, "district.db")
	f.Add(0.0, 0, "", 0, "")
	f.Add(math.NaN(), -1, "full", 1201, ":memory:")
	f.Add(0.5, 12, "full", 1201, ":memory:") // only the validity out of range
	f.Fuzz(func(t *testing.T, scale float64, months int, sync string, validity int, db string) {
		c := config{seed: 1, scale: scale, months: months, sync: sync, validityMonths: validity, db: db}
		if err := c.validate(); err != nil {
			if !errors.Is(err, errBadFlag) {
				t.Fatalf("refused %+v with %v, not errBadFlag", c, err)
			}
			return
		}
		if !(c.scale >= scaleMin && c.scale <= scaleMax) || c.months < 1 || c.months > monthsMax ||
			(c.sync != "normal" && c.sync != "full") || c.validityMonths < 1 || c.validityMonths > points.ValidityMonthsMax || c.db == "" {
			t.Fatalf("accepted %+v", c)
		}
	})
}
