package catalog_test

import (
	"context"
	"math/big"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/catalog/memstore"
	"github.com/tongxin/tongxin/catalog/storetest"
)

// TestAbsurdDecimalsRefusedAtOnce: a decimal.Decimal built in code may carry any int32
// exponent (decimal.New(1, -1_000_000_000) is a valid value), and a budget or hours of one was
// compared with its limit by rescaling the limit to that exponent: a number of a billion
// digits, minutes of work and gigabytes, and then written into the error with every digit
// (a megabyte message already at an exponent of a million). Such a value is now ErrInvalid at
// once, from its exponent, and the message writes it short. Values in range are unchanged.
func TestAbsurdDecimalsRefusedAtOnce(t *testing.T) {
	ctx := context.Background()
	f := storetest.NewFixture(t, memstore.New())
	huge := new(big.Int).Lsh(big.NewInt(1), 1<<20) // a coefficient of a million bits
	absurd := []decimal.Decimal{
		decimal.New(1, -1_000_000_000), decimal.New(5, 1_000_000_000), decimal.New(1, -1_000_000),
		decimal.New(1, 1_000_000), decimal.New(-3, -2_000_000_000), decimal.NewFromBigInt(huge, -1_000_000),
		decimal.NewFromBigInt(huge, 0),
	}
	check := func(what string, err error, start time.Time) {
		t.Helper()
		assert.ErrorIs(t, err, catalog.ErrInvalid, what)
		assert.Less(t, time.Since(start), time.Second, what)
		if err != nil {
			assert.Less(t, len(err.Error()), 1000, "%s: a message of %d bytes", what, len(err.Error()))
		}
	}
	for _, x := range absurd {
		p := storetest.Wish("r")
		p.Kind, p.Category, p.Budget = catalog.Project, "renovation", x
		start := time.Now()
		_, err := f.Cat.CreateDemand(ctx, p, "operator")
		check("project budget", err, start)

		w := storetest.Wish("r")
		w.Budget = x
		start = time.Now()
		_, err = f.Cat.CreateDemand(ctx, w, "operator")
		check("wish budget", err, start)

		start = time.Now()
		_, err = f.Cat.Complete(ctx, uuid.New(), []catalog.WorkReport{{ProviderID: uuid.New(), Hours: x}}, catalog.Act{Actor: "office"})
		check("reported hours", err, start)

		start = time.Now()
		_, err = f.Cat.Audit(ctx, uuid.New(), []catalog.AuditDecision{{ProviderID: uuid.New(), Approved: true, Hours: x}}, catalog.Act{Actor: "office"})
		check("audited hours", err, start)
	}

	// In range, written with any exponent, as before.
	for _, ok := range []decimal.Decimal{decimal.New(150, -2), decimal.New(100000000, 0), decimal.New(1, 8), decimal.New(1500, -3), decimal.RequireFromString("0.01")} {
		p := storetest.Wish("r")
		p.Kind, p.Category, p.Budget = catalog.Project, "renovation", ok
		d, err := f.Cat.CreateDemand(ctx, p, "operator")
		require.NoError(t, err, ok.String())
		assert.True(t, d.Budget.Equal(ok))
	}
	for _, bad := range []decimal.Decimal{decimal.New(100000001, 0), decimal.New(1, -3), decimal.New(0, 5)} {
		p := storetest.Wish("r")
		p.Kind, p.Category, p.Budget = catalog.Project, "renovation", bad
		_, err := f.Cat.CreateDemand(ctx, p, "operator")
		assert.ErrorIs(t, err, catalog.ErrInvalid, bad.String())
	}
}
