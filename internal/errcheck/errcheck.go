// Package errcheck holds the test assertion the packages' fuzz targets share: an error a
// caller gets must wrap one of the package's documented sentinels, so that errors.Is can tell
// a resident or an operator why.
package errcheck

import (
	"errors"
	"testing"
)

// RequireOneOf fails the test unless err wraps one of the allowed sentinels.
func RequireOneOf(t testing.TB, err error, allowed ...error) {
	t.Helper()
	for _, s := range allowed {
		if errors.Is(err, s) {
			return
		}
	}
	t.Fatalf("error %q (%T) wraps none of %v", err, err, allowed)
}
