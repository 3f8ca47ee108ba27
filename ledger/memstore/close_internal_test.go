package memstore

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tongxin/tongxin/ledger"
)

// TestCloseDropsContents: Close lets go of everything the store held, holds and assets
// included, not only the transactions.
func TestCloseDropsContents(t *testing.T) {
	ctx := context.Background()
	s := New()
	if err := s.Update(ctx, func(tx ledger.StoreTx) error {
		if err := tx.InsertAsset(ctx, ledger.Asset{Code: "PTS"}); err != nil {
			return err
		}
		if err := tx.InsertAccount(ctx, ledger.AccountRecord{ID: "a", Asset: "PTS", Unbounded: true}); err != nil {
			return err
		}
		return tx.InsertAccount(ctx, ledger.AccountRecord{ID: "b", Asset: "PTS"})
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, func(tx ledger.StoreTx) error {
		return tx.Commit(ctx, ledger.Commit{OpenHolds: []ledger.HoldRecord{{ID: uuid.New(), IdempotencyKey: "h",
			Posting: ledger.PostingRecord{From: "a", To: "b", Asset: "PTS", Amount: 1}, ExpiresAt: time.Now().Add(time.Hour), Status: ledger.HoldOpen}}})
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s.assets != nil || s.holds != nil || s.holdKeys != nil || s.accounts != nil || s.accIndex != nil {
		t.Fatalf("Close kept %d assets, %d holds, %d hold keys, %d accounts", len(s.assets), len(s.holds), len(s.holdKeys), len(s.accounts))
	}
	if err := s.View(ctx, func(ledger.StoreReader) error { return nil }); err == nil {
		t.Fatal("View after Close succeeded")
	}
}
