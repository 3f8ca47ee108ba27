package catalog_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/catalog/storetest"
)

// TestSkewedClocksProviderUpdatedAt: every write of a provider (UpdateProvider, and the load
// and rating a claim, withdrawal, completion, cancellation or rating write) was dated by the
// writing instance's clock (or the demand's last move), not after the provider's own last
// change, so an instance a second behind another dated a provider's change before the one the
// other made: UpdatedAt went back. It is now dated no earlier than the provider's last change.
func TestSkewedClocksProviderUpdatedAt(t *testing.T) {
	ctx := context.Background()
	s := newSkewed(t)
	v := s.fa.Register(t, storetest.Volunteer("v"))
	last := v.UpdatedAt
	check := func(what string) {
		t.Helper()
		p, err := s.a.Provider(ctx, v.ID)
		require.NoError(t, err)
		assert.False(t, p.UpdatedAt.Before(last), "%s: provider updated at %s, before its last change at %s", what, p.UpdatedAt, last)
		assert.False(t, p.UpdatedAt.Before(p.CreatedAt), "%s: provider updated at %s, before its creation at %s", what, p.UpdatedAt, p.CreatedAt)
		last = p.UpdatedAt
		v = p
	}

	// UpdateProvider by B right after A registered it.
	p := v
	p.Name = "改名"
	_, err := s.b.UpdateProvider(ctx, p)
	require.NoError(t, err)
	check("update by B after registration by A")

	// A claim by B (the demand last moved at B's clock) after an update by A.
	d := s.fa.OpenWish(t, storetest.Wish("r"))
	p = v
	p.Name = "又改名"
	_, err = s.a.UpdateProvider(ctx, p)
	require.NoError(t, err)
	check("update by A")
	dOld, err := s.b.CreateDemand(ctx, storetest.Wish("r"), "operator") // dated at B's clock
	require.NoError(t, err)
	_, err = s.b.Submit(ctx, dOld.ID, catalog.Act{Actor: "operator"})
	require.NoError(t, err)
	_, err = s.b.Dispatch(ctx, dOld.ID, []uuid.UUID{v.ID}, catalog.Act{Actor: "community"})
	require.NoError(t, err)
	p = v
	p.Name = "第三个名字"
	_, err = s.a.UpdateProvider(ctx, p)
	require.NoError(t, err)
	check("update by A")
	_, err = s.b.Claim(ctx, dOld.ID, v.ID, catalog.Act{Actor: "v"})
	require.NoError(t, err)
	check("claim by B after an update by A")

	// Withdrawal, cancellation (releasing the load) and rating by B after a change by A.
	_, err = s.a.Dispatch(ctx, d.ID, []uuid.UUID{v.ID}, catalog.Act{Actor: "community"})
	require.NoError(t, err)
	_, err = s.a.Claim(ctx, d.ID, v.ID, catalog.Act{Actor: "v"})
	require.NoError(t, err)
	check("claim by A")
	dW, err := s.b.Withdraw(ctx, dOld.ID, v.ID, catalog.Act{Actor: "v"})
	require.NoError(t, err)
	check("withdrawal by B after a claim by A")
	_, err = s.b.Claim(ctx, dW.ID, v.ID, catalog.Act{Actor: "v"})
	require.NoError(t, err)
	check("claim by B")
	p = v
	p.Name = "第四个名字"
	_, err = s.a.UpdateProvider(ctx, p)
	require.NoError(t, err)
	check("update by A")
	_, err = s.b.Cancel(ctx, dW.ID, catalog.Act{Actor: "r", Reason: "不需要了"})
	require.NoError(t, err)
	check("cancellation by B after an update by A")

	_, err = s.a.Start(ctx, d.ID, catalog.Act{Actor: "community"})
	require.NoError(t, err)
	_, err = s.b.Complete(ctx, d.ID, []catalog.WorkReport{{ProviderID: v.ID, Hours: hoursOf("1")}}, catalog.Act{Actor: "v"})
	require.NoError(t, err)
	check("completion by B")
	s.clk.Advance(2 * time.Second) // the update by A comes later than the demand's last move
	p = v
	p.Name = "第五个名字"
	_, err = s.a.UpdateProvider(ctx, p)
	require.NoError(t, err)
	check("update by A")
	_, err = s.b.Rate(ctx, d.ID, 5, "", catalog.Act{Actor: "r"})
	require.NoError(t, err)
	check("rating by B after an update by A")
}

// TestSkewedClocksBoardClosedAt: CloseBoard dated the close by the instance's bare clock, so an
// instance a second behind the one that published the board recorded it closed before it was
// created. The close is dated no earlier than the board's creation.
func TestSkewedClocksBoardClosedAt(t *testing.T) {
	ctx := context.Background()
	s := newSkewed(t)
	d := s.fa.OpenWish(t, storetest.Wish("r"))
	b := s.board(t, d.ID)
	closed, err := s.b.CloseBoard(ctx, b.ID, "community")
	require.NoError(t, err)
	assert.False(t, closed.ClosedAt.Before(closed.CreatedAt), "board closed at %s, created at %s", closed.ClosedAt, closed.CreatedAt)
	got, err := s.a.Board(ctx, b.ID)
	require.NoError(t, err)
	assert.Equal(t, closed, got)
	checkMonotonic(t, s.a, d.ID)
}
