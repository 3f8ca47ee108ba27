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

// A category cell naming several categories (two "其他" under different parents, a common shape
// of a community's own taxonomy) was read as whichever came first in the taxonomy, so half the
// demands landed in the wrong category. Such a name is refused; the code still picks one.
func TestCategoryNameNamingSeveralIsRefused(t *testing.T) {
	tax, err := catalog.ParseTaxonomy([]byte(`[
		{"code":"repair","name":"维修","name_en":"Repairs","skills":["repair_general"]},
		{"code":"repair_other","name":"其他","name_en":"Other","parent":"repair","skills":["repair_general"]},
		{"code":"care","name":"养老","name_en":"Care","skills":["companionship"]},
		{"code":"care_other","name":"其他","name_en":"other","parent":"care","skills":["companionship"]}
	]`))
	require.NoError(t, err)
	const head = "kind,title,category,requester_id,grid\n"
	for _, cell := range []string{"其他", "Other", "OTHER"} {
		t.Run(cell, func(t *testing.T) {
			ie := parseDemandsErr(t, head+"wish,x,"+cell+",r1,s/c\n", tax)
			require.Len(t, ie.Rows, 1)
			assert.Equal(t, "category", ie.Rows[0].Header)
			assert.Contains(t, ie.Rows[0].Reason, "repair_other")
			assert.Contains(t, ie.Rows[0].Reason, "care_other")
		})
	}
	for cell, want := range map[string]string{"care_other": "care_other", "repair_other": "repair_other", "养老": "care", "repairs": "repair"} {
		t.Run(cell, func(t *testing.T) {
			ds, err := catalog.ParseDemandsCSV(strings.NewReader(head+"wish,x,"+cell+",r1,s/c\n"), tax)
			require.NoError(t, err)
			assert.Equal(t, want, ds[0].Category)
		})
	}
}

// A latitude without a longitude (or the other way round) was read with the missing one as 0, a
// point on the Greenwich meridian or the equator, thousands of kilometres from the community;
// a file with a lat column and no lng column did so for every row. Both or neither are given.
func TestCoordinatesComeInPairs(t *testing.T) {
	t.Run("demand cell", func(t *testing.T) {
		ie := parseDemandsErr(t, "kind,title,category,requester_id,grid,lat,lng\n"+
			"wish,x,haircut,r1,s/c,30.27,\n"+
			"wish,y,haircut,r1,s/c,,120.15\n"+
			"wish,z,haircut,r1,s/c,0,\n", nil)
		require.Len(t, ie.Rows, 3)
		for i, r := range ie.Rows {
			assert.Equal(t, i+2, r.Line)
		}
		assert.Equal(t, "lng", ie.Rows[0].Header)
		assert.Equal(t, "lat", ie.Rows[1].Header)
	})
	t.Run("demand header", func(t *testing.T) {
		ie := parseDemandsErr(t, "kind,title,category,requester_id,grid,纬度\nwish,x,haircut,r1,s/c,30.27\n", nil)
		require.Len(t, ie.Rows, 1)
		assert.Equal(t, 1, ie.Rows[0].Line)
	})
	t.Run("provider cell", func(t *testing.T) {
		_, err := catalog.ParseProvidersCSV(strings.NewReader("kind,name,home,capacity,lat,lng\nvolunteer,a,s,1,,120.15\n"))
		var ie *catalog.ImportError
		require.ErrorAs(t, err, &ie)
		require.Len(t, ie.Rows, 1)
		assert.Equal(t, "lat", ie.Rows[0].Header)
	})
	t.Run("both or neither", func(t *testing.T) {
		ds, err := catalog.ParseDemandsCSV(strings.NewReader("kind,title,category,requester_id,grid,lat,lng\n"+
			"wish,x,haircut,r1,s/c,30.27,120.15\nwish,y,haircut,r1,s/c,,\nwish,z,haircut,r1,s/c,51.48,0\n"), nil)
		require.NoError(t, err)
		assert.Equal(t, catalog.Coordinates{Lat: 30.27, Lng: 120.15}, ds[0].Location.At)
		assert.True(t, ds[1].Location.At.IsZero())
		assert.Equal(t, catalog.Coordinates{Lat: 51.48}, ds[2].Location.At)
	})
}

// The row limit counted only the rows that parsed, so a file over ImportRowsMax with a bad row
// was refused for the bad row alone; fixed, it was then refused again for its length. Every
// data row counts.
func TestRowLimitCountsBadRows(t *testing.T) {
	var b strings.Builder
	b.WriteString("kind,title,category,requester_id,grid\n")
	b.WriteString("wish,,haircut,r1,s/c\n") // line 2: no title
	for range catalog.ImportRowsMax {
		b.WriteString("wish,x,haircut,r1,s/c\n")
	}
	ie := parseDemandsErr(t, b.String(), nil)
	require.Len(t, ie.Rows, 2)
	assert.Equal(t, 2, ie.Rows[0].Line)
	assert.Equal(t, catalog.ImportRowsMax+2, ie.Rows[1].Line)
	assert.Contains(t, ie.Rows[1].Reason, "rows")
}
