package catalog_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
)

// budgetCellsFile is a demand list whose every budget cell is a 120,000-digit number: each
// costs decimal parsing quadratic in its length, where any budget import accepts has at most
// 14 characters (100,000,000.00).
func budgetCellsFile(rows int) string {
	var b strings.Builder
	b.WriteString("kind,title,category,requester_id,grid,budget\n")
	cell := "1" + strings.Repeat("0", 120_000)
	for range rows {
		b.WriteString("project,x,renovation,r,s/c," + cell + "\n")
	}
	return b.String()
}

// TestLongBudgetCellRefusedUnread: since cells may be as long as a team's members cell, a
// budget cell of 120,000 digits reached decimal parsing (26 ms each, quadratic in the length;
// a 64 MB file of them about 14 s). A budget cell longer than any budget is refused without
// parsing it.
func TestLongBudgetCellRefusedUnread(t *testing.T) {
	_, err := catalog.ParseDemandsCSV(strings.NewReader(budgetCellsFile(3)), nil)
	var ie *catalog.ImportError
	require.True(t, errors.As(err, &ie))
	require.Equal(t, 3, ie.Total)
	for _, r := range ie.Rows {
		assert.Equal(t, "budget", r.Header)
		assert.Contains(t, r.Reason, "characters")
	}
}

func BenchmarkParseLongBudgetCellsH70(b *testing.B) {
	in := budgetCellsFile(20)
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if _, err := catalog.ParseDemandsCSV(strings.NewReader(in), nil); err == nil {
			b.Fatal("accepted")
		}
	}
}

// TestImportErrorReasonsAreShort: a reason quoted its cell whole, and a cell may be as long as
// a team's members cell (129,000 bytes): an ImportError of a 64 MB file of such cells held as
// much text again, and its message was as long. A long reason is now cut in its middle, keeping
// its start (what the cell held) and its end (what was wanted).
func TestImportErrorReasonsAreShort(t *testing.T) {
	var b strings.Builder
	b.WriteString("kind,title,category,requester_id,grid\n")
	cell := strings.Repeat("类", 40_000)
	for range 50 {
		b.WriteString("wish,x," + cell + ",r,s/c\n")
	}
	_, err := catalog.ParseDemandsCSV(strings.NewReader(b.String()), nil)
	var ie *catalog.ImportError
	require.True(t, errors.As(err, &ie))
	require.Equal(t, 50, ie.Total)
	for _, r := range ie.Rows {
		assert.LessOrEqual(t, len(r.Reason), 512)
		assert.True(t, strings.HasPrefix(r.Reason, "unknown category \"类类"), r.Reason)
	}
	assert.Less(t, len(err.Error()), 50*600)

	// A short reason is kept whole.
	_, err = catalog.ParseDemandsCSV(strings.NewReader("kind,title,category,requester_id,grid\nwish,x,nope,r,s/c\n"), nil)
	require.True(t, errors.As(err, &ie))
	assert.Equal(t, `unknown category "nope"`, ie.Rows[0].Reason)
}
