package sqlbase

import (
	"context"
	"errors"
	"testing"
	"time"
)

// pastDeadline is a context whose deadline has passed but whose timer has not yet closed
// Done: Err is still nil, as for a moment after any deadline.
type pastDeadline struct{ context.Context }

func (pastDeadline) Deadline() (time.Time, bool) { return time.Now().Add(-time.Millisecond), true }

func TestCtxErr(t *testing.T) {
	verdict := errors.New("verdict")
	driver := errors.New("driver: bad connection")
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name     string
		ctx      context.Context
		err      error
		wantSame bool  // returned as it is
		wantIs   error // else it must wrap this and the original
	}{
		{"no error", cancelled, nil, true, nil},
		{"live context", context.Background(), driver, true, nil},
		{"cancelled", cancelled, driver, false, context.Canceled},
		{"cancelled, a verdict", cancelled, verdict, true, nil},
		{"cancelled, already the cause", cancelled, context.Canceled, true, nil},
		{"deadline passed, timer not yet fired", pastDeadline{context.Background()}, driver, false, context.DeadlineExceeded},
	} {
		got := CtxErr(tc.ctx, tc.err, []error{verdict})
		if tc.wantSame {
			if got != tc.err {
				t.Errorf("%s: got %v, want the error as it is", tc.name, got)
			}
			continue
		}
		if !errors.Is(got, tc.wantIs) || !errors.Is(got, tc.err) {
			t.Errorf("%s: got %v, want it to wrap %v and %v", tc.name, got, tc.wantIs, tc.err)
		}
	}
}
