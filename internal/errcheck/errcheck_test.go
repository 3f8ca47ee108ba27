package errcheck

import (
	"errors"
	"fmt"
	"testing"
)

type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Helper()               {}
func (r *recorder) Fatalf(string, ...any) { r.failed = true }

func TestRequireOneOf(t *testing.T) {
	a, b := errors.New("a"), errors.New("b")
	for _, c := range []struct {
		err  error
		fail bool
	}{
		{fmt.Errorf("op: %w", a), false},
		{fmt.Errorf("op: %w", b), false},
		{errors.New("other"), true},
		{nil, true},
	} {
		r := &recorder{}
		RequireOneOf(r, c.err, a, b)
		if r.failed != c.fail {
			t.Errorf("%v: failed %v, want %v", c.err, r.failed, c.fail)
		}
	}
}
