package ledger

import (
	"testing"
	"time"

	"github.com/google/uuid"
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
