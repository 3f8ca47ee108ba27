package catalog_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tongxin/tongxin/catalog"
)

// TestExportBadQueryWritesNothing: an export refused for its query (ErrInvalid) wrote the
// byte-order mark of the Chinese form before asking the store, so the writer (an HTTP
// response, a file) was changed by a refused call. Nothing is written now until the first
// page has been read.
func TestExportBadQueryWritesNothing(t *testing.T) {
	ctx := context.Background()
	c, _ := newCatalog(t)
	for _, chinese := range []bool{false, true} {
		var buf bytes.Buffer
		err := c.ExportDemands(ctx, &buf, catalog.DemandQuery{Kind: 99}, catalog.CSVOptions{Chinese: chinese})
		assert.ErrorIs(t, err, catalog.ErrInvalid)
		assert.Zero(t, buf.Len(), "demands, chinese %v: %q written", chinese, buf.Bytes())
		err = c.ExportProviders(ctx, &buf, catalog.ProviderQuery{Kind: 99}, catalog.CSVOptions{Chinese: chinese})
		assert.ErrorIs(t, err, catalog.ErrInvalid)
		assert.Zero(t, buf.Len(), "providers, chinese %v: %q written", chinese, buf.Bytes())
	}
}
