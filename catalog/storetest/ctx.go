package storetest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tongxin/tongxin/catalog"
)

// testEndedContext: every method of an open store, called with a context already cancelled,
// returns an error wrapping context.Canceled, as a database driver does. Callers such as
// exports page through reads and rely on that to stop.
func testEndedContext(t *testing.T, s catalog.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for name, err := range callEveryMethod(ctx, s) {
		assert.ErrorIs(t, err, context.Canceled, name)
	}
}
