package sqlbase_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/tongxin/tongxin/internal/sqlbase"
)

// TestSleepBackoffAnyAttempt_h76: attempts from 44 on overflowed 1 ms << attempt (negative
// or zero) and SleepBackoff panicked in rand.Int64N; a negative attempt panicked on the
// shift. Every attempt sleeps at most RetryBackoffMax and half a millisecond.
func TestSleepBackoffAnyAttempt_h76(t *testing.T) {
	for _, attempt := range []int{math.MinInt, -1, 0, 43, 44, 49, 58, 64, 1000, math.MaxInt} {
		start := time.Now()
		assert.NotPanics(t, func() { _ = sqlbase.SleepBackoff(context.Background(), attempt) }, "attempt %d", attempt)
		assert.Less(t, time.Since(start), sqlbase.RetryBackoffMax+time.Second, "attempt %d", attempt)
	}
}
