package catalog_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
)

// parseDemandsErr parses a demand file that must be refused and returns its ImportError.
func parseDemandsErr(t *testing.T, in string, tax *catalog.Taxonomy) *catalog.ImportError {
	t.Helper()
	ds, err := catalog.ParseDemandsCSV(strings.NewReader(in), tax)
	require.ErrorIs(t, err, catalog.ErrInvalid)
	var ie *catalog.ImportError
	require.True(t, errors.As(err, &ie), "%v", err)
	assert.Nil(t, ds)
	return ie
}

// A budget cell with commas was read with every comma deleted, so "1,5" (one and a half yuan
// written with a decimal comma) became 15 yuan and "12,00" became 1200. Commas are accepted only
// as thousands separators.
func TestBudgetCommasOnlyAsThousandsSeparators(t *testing.T) {
	const head = "kind,title,category,requester_id,grid,budget\n"
	for _, cell := range []string{"1,5", "12,00", "1,2345", ",100", "100,", "1,,000", "1,000,00", "1.000,50", "1,000.5,0"} {
		t.Run(cell, func(t *testing.T) {
			ie := parseDemandsErr(t, head+"project,x,renovation,r1,s/c,\""+cell+"\"\n", nil)
			require.Len(t, ie.Rows, 1)
			assert.Equal(t, "budget", ie.Rows[0].Header)
		})
	}
	for cell, want := range map[string]string{"12,000.50": "12000.50", "1,234,567": "1234567.00", "999,999.99": "999999.99", "12000.5": "12000.50", "100": "100.00"} {
		t.Run(cell, func(t *testing.T) {
			ds, err := catalog.ParseDemandsCSV(strings.NewReader(head+"project,x,renovation,r1,s/c,\""+cell+"\"\n"), nil)
			require.NoError(t, err)
			assert.Equal(t, want, ds[0].Budget.StringFixed(2))
		})
	}
}
