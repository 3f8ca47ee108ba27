package catalog_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
)

// TestLargestProviderCellsRoundTrip: import refused any cell over 8,000 bytes, but a provider
// RegisterProvider accepts may have up to MembersMax members with ids and names of up to
// RefIDBytesMax and NameBytesMax bytes (a members cell of 128,999 bytes), and up to
// ServiceAreasMax service areas of up to four 64-byte segments (16,639 bytes): ExportProviders
// wrote a file ImportProviders refused ("cell too long"), though the export is documented to
// read back. The cell limit now covers the largest cell a valid record writes.
func TestLargestProviderCellsRoundTrip(t *testing.T) {
	ctx := context.Background()
	c, _ := newCatalog(t)
	seg := func(i int) string { return fmt.Sprintf("%0*d", catalog.GridSegmentBytesMax, i) }
	team := catalog.Provider{Kind: catalog.Team, Name: strings.Repeat("名", catalog.NameBytesMax/3), Home: "幸福街道", Capacity: 1}
	for i := range catalog.MembersMax {
		id := fmt.Sprintf("%0*d", catalog.RefIDBytesMax, i)
		team.Members = append(team.Members, catalog.Member{PersonID: id, Name: strings.Repeat("n", catalog.NameBytesMax)})
	}
	for i := range catalog.ServiceAreasMax {
		team.ServiceArea = append(team.ServiceArea, catalog.GridPath(seg(i)+"/"+seg(i)+"/"+seg(i)+"/"+seg(i)))
	}
	team, err := c.RegisterProvider(ctx, team, "operator")
	require.NoError(t, err)

	var buf bytes.Buffer
	require.NoError(t, c.ExportProviders(ctx, &buf, catalog.ProviderQuery{}, catalog.CSVOptions{}))
	back, err := catalog.ParseProvidersCSV(&buf)
	require.NoError(t, err)
	require.Len(t, back, 1)
	assert.Equal(t, team.Members, back[0].Members)
	assert.Equal(t, team.ServiceArea, back[0].ServiceArea)
}
