package catalog_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
)

// NewTaxonomy took a category name that was not UTF-8 (or held a control character): its JSON
// (MarshalJSON) then wrote U+FFFD in its place, so the taxonomy read back from its own JSON had
// other names, and a spreadsheet cell could never name it. Such names are refused.
func TestTaxonomyRefusesUnprintableNames(t *testing.T) {
	for name, c := range map[string]catalog.Category{
		"name not UTF-8":    {Code: "a", Name: "维\xff修"},
		"name_en not UTF-8": {Code: "a", Name: "维修", NameEN: "Rep\xc3airs"},
		"name with NUL":     {Code: "a", Name: "维\x00修"},
		"name with newline": {Code: "a", Name: "维修\n其他"},
		"name_en with tab":  {Code: "a", Name: "维修", NameEN: "Re\tpairs"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := catalog.NewTaxonomy([]catalog.Category{c})
			assert.ErrorIs(t, err, catalog.ErrInvalid)
		})
	}
	tax, err := catalog.NewTaxonomy([]catalog.Category{{Code: "a", Name: "维修", NameEN: "Repairs"}})
	require.NoError(t, err)
	data, err := json.Marshal(tax)
	require.NoError(t, err)
	back, err := catalog.ParseTaxonomy(data)
	require.NoError(t, err)
	assert.Equal(t, tax.Categories(), back.Categories())
}
