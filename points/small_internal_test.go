package points

import (
	"reflect"
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"

	"github.com/tongxin/tongxin/ledger"
)

// anyDecimal draws decimals of every size: coefficients beyond int64, exponents beyond what
// small takes, and the few-digit amounts awards see.
func anyDecimal(name string) *rapid.Generator[decimal.Decimal] {
	return rapid.Custom(func(t *rapid.T) decimal.Decimal {
		switch rapid.IntRange(0, 2).Draw(t, name+" shape") {
		case 0: // an award's amounts: few digits, a few decimal places
			return decimal.New(rapid.Int64Range(0, 10_000_000).Draw(t, name+" coef"), rapid.Int32Range(-6, 2).Draw(t, name+" exp"))
		case 1: // anything an int64 holds, near and beyond the exponents small takes
			return decimal.New(rapid.Int64().Draw(t, name+" coef"), rapid.Int32Range(-22, 22).Draw(t, name+" exp"))
		}
		// beyond int64
		big := decimal.New(rapid.Int64().Draw(t, name+" coef"), 0).Mul(decimal.New(rapid.Int64Range(1, 1<<40).Draw(t, name+" factor"), 0))
		return decimal.NewFromBigInt(big.Coefficient(), rapid.Int32Range(-20, 20).Draw(t, name+" exp"))
	})
}

// same reports whether a and b are the same decimal: coefficient and exponent, and the same
// to reflect.DeepEqual (which compares math/big's representation, as assert.Equal does).
func same(a, b decimal.Decimal) bool {
	return a.Exponent() == b.Exponent() && a.Coefficient().Cmp(b.Coefficient()) == 0 && reflect.DeepEqual(a, b)
}

// TestSmallAgreesWithDecimal: the int64 arithmetic that prices the common award gives what
// decimal gives, coefficient and exponent alike, or declines.
func TestSmallAgreesWithDecimal(t *testing.T) {
	t.Run("min", func(t *testing.T) {
		rapid.Check(t, func(t *rapid.T) {
			a, b := anyDecimal("a").Draw(t, "a"), anyDecimal("b").Draw(t, "b")
			if got, want := minDecimal(a, b), decimal.Min(a, b); !same(got, want) {
				t.Fatalf("minDecimal(%s, %s) = %s (exp %d), want %s (exp %d)", a, b, got, got.Exponent(), want, want.Exponent())
			}
			sa, okA := smallOf(a)
			sb, okB := smallOf(b)
			if okA && okB {
				if c, ok := cmpSmall(sa, sb); ok && c != a.Cmp(b) {
					t.Fatalf("cmpSmall(%s, %s) = %d, want %d", a, b, c, a.Cmp(b))
				}
			}
		})
	})
	t.Run("price", func(t *testing.T) {
		fast := 0
		rapid.Check(t, func(t *rapid.T) {
			base, credited, perHour := anyDecimal("base").Draw(t, "base"), anyDecimal("credited").Draw(t, "credited"), anyDecimal("per hour").Draw(t, "per hour")
			scale := rapid.Int32Range(-1, 20).Draw(t, "scale")
			sp, ok := priceSmall(base, credited, perHour, scale)
			if !ok {
				return
			}
			fast++
			if scale < 0 {
				t.Fatalf("priced at scale %d", scale)
			}
			want := base.Add(credited.Mul(perHour)).Truncate(scale)
			if got := sp.decimal(); !same(got, want) {
				t.Fatalf("priceSmall(%s, %s, %s, %d) = %s (exp %d), want %s (exp %d)", base, credited, perHour, scale, got, got.Exponent(), want, want.Exponent())
			}
			for _, units := range []int64{0, 1, 30, CapMax} {
				if got, exp := sp.greaterThanUnits(units), want.GreaterThan(decimal.NewFromInt(units)); got != exp {
					t.Fatalf("%s greaterThanUnits(%d) = %v, want %v", want, units, got, exp)
				}
			}
		})
		if fast == 0 {
			t.Fatal("no draw was priced in int64")
		}
	})
	t.Run("common award", func(t *testing.T) {
		// The amounts of real schemes and audits are always priced in int64.
		rapid.Check(t, func(t *rapid.T) {
			base := decimal.New(rapid.Int64Range(0, PointsPerRuleMax*100).Draw(t, "base"), -2)
			perHour := decimal.New(rapid.Int64Range(0, PointsPerHourMax*100).Draw(t, "per hour"), -2)
			credited := decimal.New(rapid.Int64Range(1, 24*100).Draw(t, "credited"), -2)
			want := base.Add(credited.Mul(perHour)).Truncate(2)
			sp, ok := priceSmall(base, credited, perHour, 2)
			if want.IsPositive() != ok || (ok && !same(sp.decimal(), want)) {
				t.Fatalf("priceSmall(%s, %s, %s, 2) = %v %v, want %s", base, credited, perHour, sp, ok, want)
			}
		})
	})
	t.Run("string", func(t *testing.T) {
		rapid.Check(t, func(t *rapid.T) {
			d := anyDecimal("d").Draw(t, "d")
			if got, want := decimalString(d), d.String(); got != want {
				t.Fatalf("decimalString(%d×10^%d) = %q, want %q", d.Coefficient(), d.Exponent(), got, want)
			}
		})
	})
	t.Run("amount within", func(t *testing.T) {
		rapid.Check(t, func(t *rapid.T) {
			d := anyDecimal("d").Draw(t, "d")
			scale := rapid.Int32Range(0, ledger.AssetScaleMax).Draw(t, "scale")
			units := rapid.SampledFrom([]int64{1, 24, StorageCapMax, CapMax, 1 << 62}).Draw(t, "units")
			_, err := ledger.ToMinor(d, scale)
			want := err == nil && d.IsPositive() && !d.GreaterThan(decimal.NewFromInt(units))
			if got := amountWithin(d, scale, units); got != want {
				t.Fatalf("amountWithin(%s, %d, %d) = %v, want %v", d, scale, units, got, want)
			}
		})
	})
}

// TestSmallStringUntrimmed: with decimal.TrimTrailingZeros off, metadata keeps reading as
// decimal's String gives it.
func TestSmallStringUntrimmed(t *testing.T) {
	decimal.TrimTrailingZeros = false
	defer func() { decimal.TrimTrailingZeros = true }()
	for _, d := range []decimal.Decimal{decimal.New(300, -2), decimal.New(0, -2), decimal.New(5, -3), decimal.New(30, 0), decimal.New(30, 2), decimal.New(-150, -2)} {
		if got, want := decimalString(d), d.String(); got != want {
			t.Errorf("decimalString(%d×10^%d) = %q, want %q", d.Coefficient(), d.Exponent(), got, want)
		}
	}
}

// TestAmountOf: the shared decimals of awarded points are exactly the points asked for, by
// coefficient and exponent, when first made, when found again, and past the cache's bound.
func TestAmountOf(t *testing.T) {
	inc := &Incentive{}
	for round := range 2 {
		for i := range 2*amountSlots + 10 {
			for _, exp := range []int32{0, -1, -2} {
				s := small{int64(i%1000 + 1), exp - int32(i/1000)}
				if got, want := inc.amountOf(s), s.decimal(); !same(got, want) {
					t.Fatalf("round %d: amountOf(%d×10^%d) = %s (exp %d), want %s", round, s.coef, s.exp, got, got.Exponent(), want)
				}
			}
		}
	}
}

func TestPow10s(t *testing.T) {
	want := int64(1)
	for i, p := range pow10s {
		if p != want {
			t.Fatalf("pow10s[%d] = %d, want %d", i, p, want)
		}
		want *= 10
	}
}
