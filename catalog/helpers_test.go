package catalog_test

import (
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

type uuid4 = uuid.UUID

func hoursOf(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// nopTB satisfies storetest.TB in examples, which have no *testing.T; a failure panics.
type nopTB struct{}

func (nopTB) Helper()                           {}
func (nopTB) Errorf(format string, args ...any) { panic(format) }
func (nopTB) FailNow()                          { panic("fail") }
