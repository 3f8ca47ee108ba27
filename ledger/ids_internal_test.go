package ledger

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// TestIDSource checks the version-7 layout and that ids from one source strictly increase,
// even when the clock stands still or steps back.
func TestIDSource(t *testing.T) {
	var s idSource
	base := time.Date(2026, 11, 24, 9, 0, 0, 123_456_000, time.UTC)
	times := []time.Time{base, base, base.Add(-time.Second), base.Add(time.Millisecond), base.Add(time.Hour)}
	var prev uuid.UUID
	for k, now := range times {
		batch := make([]uuid.UUID, 4)
		batch[0] = s.nextAt(now)
		s.fill(batch[1:], now)
		for _, id := range batch {
			if id.Version() != 7 || id.Variant() != uuid.RFC4122 {
				t.Fatalf("id %s: version %d variant %v", id, id.Version(), id.Variant())
			}
			if k > 0 && string(id[:8]) <= string(prev[:8]) {
				t.Fatalf("id %s does not follow %s", id, prev)
			}
			prev = id
		}
		// The time part is the clock's milliseconds unless the clock fell behind earlier ids.
		if now.After(base) {
			sec, nsec := prev.Time().UnixTime()
			if got := time.Unix(sec, nsec); got.Sub(now).Abs() > time.Millisecond {
				t.Fatalf("id time %s, clock %s", got, now)
			}
		}
	}
	if s.last == 0 {
		t.Fatal("source kept no state")
	}
}

// TestFromMinorZero checks that the shared zeros are what decimal.New makes and stay zero
// whatever callers do with the values they got.
func TestFromMinorZero(t *testing.T) {
	for scale := int32(0); scale <= AssetScaleMax; scale++ {
		z := FromMinor(0, scale)
		if want := decimal.New(0, -scale); !z.Equal(want) || z.Exponent() != want.Exponent() || z.String() != want.String() {
			t.Fatalf("scale %d: %s (exp %d), want %s (exp %d)", scale, z, z.Exponent(), want, want.Exponent())
		}
		_ = z.Add(decimal.NewFromInt(5)).Mul(decimal.NewFromInt(3)).Neg().Abs()
		if !FromMinor(0, scale).IsZero() {
			t.Fatalf("scale %d: the shared zero changed", scale)
		}
	}
	if got := FromMinor(1250, 2).String(); got != "12.5" {
		t.Fatalf("FromMinor(1250, 2) = %s", got)
	}
}
