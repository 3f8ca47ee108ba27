package catalog_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/catalog/memstore"
	"github.com/tongxin/tongxin/catalog/storetest"
)

// textDemand is a valid open wish with the given title, and s as description and requester name.
func textDemand(title, s string) catalog.Demand {
	d := storetest.Wish("r1")
	d.Status = catalog.StatusOpen
	d.Title, d.Description, d.Requester.Name = title, s, s
	return d
}

// TestFreeTextCRRunsBeforeLF: free text is kept with each CRLF turned into LF, but a run of CRs
// before an LF lost one CR only: "a\r\r\nb" was stored as "a\r\nb", which is not what the
// catalog keeps for that text (storing it again gave "a\nb") and which an export then import
// turned into "a\nb". Every CR of a run before an LF now goes; lone CRs elsewhere stay.
func TestFreeTextCRRunsBeforeLF(t *testing.T) {
	ctx := context.Background()
	for in, want := range map[string]string{
		"a\r\r\nb":        "a\nb",
		"a\r\r\r\n\r\nb":  "a\n\nb",
		"a\r\nb":          "a\nb",
		"a\rb":            "a\rb",
		"a\r\rb\r":        "a\r\rb",
		"a\n\rb":          "a\n\rb",
		" 先打电话\r\n下午来 \n": "先打电话\n下午来",
		"\r\r\n a \r\r\n": "a",
		"plain text":      "plain text",
	} {
		c, err := catalog.New(memstore.New(), catalog.WithIDs(storetest.SeqIDs()))
		require.NoError(t, err)
		d, err := c.CreateDemand(ctx, textDemand("x"+in+"x", in), "operator")
		require.NoError(t, err, "%q", in)
		assert.Equal(t, want, d.Description, "%q", in)
		assert.Equal(t, want, d.Requester.Name, "%q", in)

		var buf bytes.Buffer
		require.NoError(t, c.ExportDemands(ctx, &buf, catalog.DemandQuery{}, catalog.CSVOptions{}))
		back, err := catalog.ParseDemandsCSV(&buf, nil)
		require.NoError(t, err, "%q", in)
		require.Len(t, back, 1)
		assert.Equal(t, d.Description, back[0].Description, "%q round trip", in)
		assert.Equal(t, d.Title, back[0].Title, "%q round trip", in)
	}
}

// TestFreeTextNormalisationIdempotent: storing the text the catalog returned stores it
// unchanged, and it comes back unchanged from an export and import, whatever mix of CR, LF,
// spaces and other text it holds.
func TestFreeTextNormalisationIdempotent(t *testing.T) {
	ctx := context.Background()
	pieces := []string{"\r", "\n", "\r\n", " ", "\t", "\u3000", "\u0085", "a", "中", "\"", ",", "\xff"}
	rapid.Check(t, func(rt *rapid.T) {
		var b strings.Builder
		for _, p := range rapid.SliceOfN(rapid.SampledFrom(pieces), 0, 40).Draw(rt, "pieces") {
			b.WriteString(p)
		}
		s := b.String()
		c, err := catalog.New(memstore.New(), catalog.WithIDs(storetest.SeqIDs()))
		require.NoError(rt, err)
		once, err := c.CreateDemand(ctx, textDemand("t"+s, s), "operator")
		if err != nil {
			require.ErrorIs(rt, err, catalog.ErrInvalid) // invalid UTF-8
			return
		}
		twice, err := c.CreateDemand(ctx, textDemand(once.Title, once.Description), "operator")
		require.NoError(rt, err)
		assert.Equal(rt, once.Title, twice.Title)
		assert.Equal(rt, once.Description, twice.Description)
		assert.NotContains(rt, once.Description, "\r\n")

		var buf bytes.Buffer
		require.NoError(rt, c.ExportDemands(ctx, &buf, catalog.DemandQuery{}, catalog.CSVOptions{}))
		other, err := catalog.New(memstore.New())
		require.NoError(rt, err)
		back, err := other.ImportDemands(ctx, &buf, "operator")
		require.NoError(rt, err)
		require.Len(rt, back, 2)
		for i, d := range []catalog.Demand{once, twice} {
			assert.Equal(rt, d.Title, back[i].Title)
			assert.Equal(rt, d.Description, back[i].Description)
			assert.Equal(rt, d.Requester.Name, back[i].Requester.Name)
		}
	})
}
