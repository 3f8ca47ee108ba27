package catalog_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/catalog/memstore"
	"github.com/tongxin/tongxin/catalog/storetest"
)

// TestRequiredReasonIsNotBlank: Cancel requires a reason and an audit's rejection needs one,
// but a reason of only whitespace (" ", an ideographic space, a line break) passed as one, so
// a demand was cancelled, or a provider's work rejected, with no reason given. Such a reason
// is ErrInvalid, as an empty one is, and nothing changes.
func TestRequiredReasonIsNotBlank(t *testing.T) {
	ctx := context.Background()
	f := storetest.NewFixture(t, memstore.New())
	d := f.OpenWish(t, storetest.Wish("r1"))
	blanks := []string{" ", "\u3000", "\r\n", "\t"}
	for _, reason := range blanks {
		_, err := f.Cat.Cancel(ctx, d.ID, catalog.Act{Actor: "office", Reason: reason})
		assert.ErrorIs(t, err, catalog.ErrInvalid, "cancel with reason %q", reason)
	}
	got, err := f.Cat.Demand(ctx, d.ID)
	require.NoError(t, err)
	assert.Equal(t, d, got, "not cancelled")

	f.Board(t, d.ID)
	v := f.Register(t, storetest.Volunteer("v1"))
	_, err = f.Cat.Claim(ctx, d.ID, v.ID, catalog.Act{Actor: "v1"})
	require.NoError(t, err)
	_, err = f.Cat.Start(ctx, d.ID, catalog.Act{Actor: "office"})
	require.NoError(t, err)
	d, err = f.Cat.Complete(ctx, d.ID, []catalog.WorkReport{{ProviderID: v.ID, Hours: hoursOf("1")}}, catalog.Act{Actor: "office"})
	require.NoError(t, err)
	for _, reason := range blanks {
		_, err := f.Cat.Audit(ctx, d.ID, []catalog.AuditDecision{{ProviderID: v.ID, Reason: reason}}, catalog.Act{Actor: "office"})
		assert.ErrorIs(t, err, catalog.ErrInvalid, "rejection with reason %q", reason)
	}
	got, err = f.Cat.Demand(ctx, d.ID)
	require.NoError(t, err)
	assert.Equal(t, d, got, "not audited")
	_, err = f.Cat.Audit(ctx, d.ID, []catalog.AuditDecision{{ProviderID: v.ID, Reason: "未完成"}}, catalog.Act{Actor: "office"})
	require.NoError(t, err)
}
