package points_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/memstore"
	"github.com/tongxin/tongxin/points"
)

// hugeExponents are decimals a Go caller can build in one call whose digits would run to
// millions (or billions): 1e±1,000,000 and 1e±2,000,000,000.
var hugeExponents = []decimal.Decimal{
	decimal.New(1, 1_000_000), decimal.New(1, -1_000_000),
	decimal.New(3, 2_000_000_000), decimal.New(3, -2_000_000_000),
}

// requireCheapRefusal: err is the kind, and its text does not spell out the decimal's digits.
func requireCheapRefusal(t *testing.T, err, kind error) {
	t.Helper()
	require.ErrorIs(t, err, kind)
	require.Less(t, len(err.Error()), 1000, "the error spells out the digits")
}

// TestHugeExponentsInSchemeAndBank: a scheme, a time-bank configuration, an item's price and
// the hours of a withdrawal or gift with an enormous exponent are refused with a short error,
// without arithmetic whose cost grows with the exponent. Scheme.Validate and NewTimeBank
// compared and truncated such values with package decimal, which rescales to a common
// exponent (a 1e-1,000,000 rate took half a second and a 1e-2,000,000,000 one would exhaust
// memory), and every refusal printed the value in full (a megabyte of zeros); the amounts
// checked through ledger.ToMinor spent seconds formatting a large exponent's digits.
func TestHugeExponentsInSchemeAndBank(t *testing.T) {
	ctx := context.Background()
	for _, d := range hugeExponents {
		ok := t.Run(d.Coefficient().String()+"e"+sprint(d.Exponent()), func(t *testing.T) {
			for name, edit := range map[string]func(*points.Scheme){
				"base":            func(s *points.Scheme) { s.Base = []points.BaseRule{{Points: d}} },
				"points per hour": func(s *points.Scheme) { s.PointsPerHour = d },
				"urgent":          func(s *points.Scheme) { s.Multipliers.Urgent = d },
				"priority":        func(s *points.Scheme) { s.Multipliers.Priority = d },
				"big item":        func(s *points.Scheme) { s.Multipliers.BigItem = d },
				"hours max":       func(s *points.Scheme) { s.HoursPerActivityMax = d },
				"daily cap":       func(s *points.Scheme) { s.DailyCap = d },
				"monthly cap":     func(s *points.Scheme) { s.MonthlyCap = d },
			} {
				s := points.Scheme{Community: "c"}
				edit(&s)
				err := s.Validate()
				require.Error(t, err, name)
				requireCheapRefusal(t, err, points.ErrInvalidScheme)
			}
			l, err := ledger.New(ctx, memstore.New())
			require.NoError(t, err)
			for _, cfg := range []points.TimeBankConfig{{StorageCap: d}, {GiftMax: d}, {GiftYearMax: d}} {
				cfg.Community = "c"
				_, err := points.NewTimeBank(ctx, l, cfg)
				requireCheapRefusal(t, err, points.ErrInvalidScheme)
			}

			e, sh, h := shopEnv(t)
			requireCheapRefusal(t, sh.AddItem(e.ctx, points.Item{SKU: "gold", Name: "金", Price: d}), points.ErrInvalid)
			tb := newBank(t, e, points.TimeBankConfig{Community: "a"})
			fundMember(t, e, tb, "w", "5")
			_, err = tb.Withdraw(e.ctx, points.Withdrawal{Member: points.Member{Holder: "w"}, Hours: d, DemandID: uuid.New()})
			requireCheapRefusal(t, err, points.ErrInvalid)
			_, err = tb.Gift(e.ctx, points.Gift{Key: "g1", From: "w", To: h, Hours: d, Relationship: "child"})
			requireCheapRefusal(t, err, points.ErrInvalid)
			e.verify(t)
		})
		if !ok {
			return // the larger exponents would take minutes and gigabytes
		}
	}
}
