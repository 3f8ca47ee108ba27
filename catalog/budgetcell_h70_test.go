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
