package ledger

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// HoldExpiresAtMax is the latest expiry a hold may have.
var HoldExpiresAtMax = time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC)

// HoldOptions configures a hold.
type HoldOptions struct {
	IdempotencyKey string    // optional; hold keys are a namespace of their own
	ExpiresAt      time.Time // zero: no expiry; after it the hold reserves nothing
}

// Hold reserves an amount for a later Capture (two-phase transfer): the amount counts against
// the From account's available balance until it is captured, released or expires.
type Hold struct {
	ID        uuid.UUID
	Posting   Posting
	ExpiresAt time.Time
	CreatedAt time.Time
	Status    HoldStatus
}

// Hold reserves p.Amount on p.From for a later Capture to p.To.
//
// With an IdempotencyKey, a replay of the same request (posting and expiry) returns the first
// hold and changes nothing, whatever became of it since: captured, released, or past its
// expiry (a replay is answered even when its expiry is no longer in the future). The key with
// other content is ErrIdempotencyConflict. A refused request does not use up its key.
//
// Errors: ErrInvalid (bad posting, key, or the expiry of a new hold not in the future or
// after HoldExpiresAtMax), ErrInvalidAmount, ErrUnknownAsset, ErrUnknownAccount,
// ErrAssetMismatch, ErrInsufficientBalance, ErrAboveMaxBalance (To could not take the
// amount now), ErrIdempotencyConflict, ErrClosed.
func (l *Ledger) Hold(ctx context.Context, p Posting, opts HoldOptions) (Hold, error) {
	rec, err := l.prepareHold(ctx, p, opts)
	if err != nil {
		return Hold{}, fmt.Errorf("hold %q: %w", opts.IdempotencyKey, err)
	}
	// The id is drawn once, outside Update, so a retried Update reuses it.
	rec.ID = l.newIDAt(l.clock())
	var out HoldRecord
	sc := getScratch()
	defer putScratch(sc)
	err = l.store.Update(ctx, func(tx StoreTx) error {
		head, err := tx.LockHead(ctx)
		if err != nil {
			return err
		}
		// The clock is read with the store's write under way, not when the call came in:
		// the wait for the lock may be long, and holds may expire during it.
		now := l.clock()
		rec.CreatedAt = now
		if k := rec.IdempotencyKey; k != "" {
			prior, err := tx.HoldByKey(ctx, k)
			if err == nil {
				if prior.Posting != rec.Posting || !prior.ExpiresAt.Equal(rec.ExpiresAt) {
					return fmt.Errorf("key %q: %w", k, ErrIdempotencyConflict)
				}
				out = prior
				return nil
			} else if !errors.Is(err, ErrNotFound) {
				return err
			}
		}
		if !rec.ExpiresAt.IsZero() && !rec.ExpiresAt.After(now) {
			// Too late to open a hold; only a replay of one opened in time is answered (above).
			return fmt.Errorf("expiry %s is not in the future: %w", opts.ExpiresAt, ErrInvalid)
		}
		if l.newID != nil {
			// A custom id source may repeat itself (see takenID).
			if _, err := tx.Hold(ctx, rec.ID); rec.ID == uuid.Nil || err == nil {
				return errTakenID("hold", rec.ID)
			} else if !errors.Is(err, ErrNotFound) {
				return err
			}
		}
		r := &request{rec: TxRecord{Postings: []PostingRecord{rec.Posting}}}
		bal, err := lockAccounts(ctx, tx, []*request{r}, now, sc)
		if err != nil {
			return err
		}
		// Check the hold as if it were posted, then keep only the reservation.
		if err := bal.apply(r.rec.Postings, sc); err != nil {
			return err
		}
		out = rec
		return tx.Commit(ctx, Commit{Head: head, OpenHolds: []HoldRecord{rec}})
	})
	if err != nil {
		return Hold{}, fmt.Errorf("hold %q: %w", opts.IdempotencyKey, err)
	}
	return l.toHold(ctx, &out)
}

// prepareHold checks a hold request; Hold sets its CreatedAt (and the expiry check against it)
// inside the store transaction.
func (l *Ledger) prepareHold(ctx context.Context, p Posting, opts HoldOptions) (HoldRecord, error) {
	if err := validateKey(opts.IdempotencyKey); err != nil {
		return HoldRecord{}, err
	}
	pr, err := l.preparePosting(ctx, &p)
	if err != nil {
		return HoldRecord{}, err
	}
	rec := HoldRecord{IdempotencyKey: opts.IdempotencyKey, Posting: pr, Status: HoldOpen}
	if !opts.ExpiresAt.IsZero() {
		// An expiry not in the future is checked in Hold's store transaction, after the key:
		// it refuses a new hold but not a replay. One after the maximum was never stored.
		rec.ExpiresAt = opts.ExpiresAt.UTC().Truncate(time.Microsecond)
		// Stores keep times as int64 microseconds: a later one would wrap around.
		if rec.ExpiresAt.After(HoldExpiresAtMax) {
			return HoldRecord{}, fmt.Errorf("expiry %s is after %s: %w", opts.ExpiresAt, HoldExpiresAtMax, ErrInvalid)
		}
	}
	return rec, nil
}

func (l *Ledger) toHold(ctx context.Context, rec *HoldRecord) (Hold, error) {
	a, err := l.asset(ctx, rec.Posting.Asset)
	if err != nil {
		return Hold{}, err
	}
	p := rec.Posting
	return Hold{
		ID:        rec.ID,
		Posting:   Posting{From: p.From, To: p.To, Asset: p.Asset, Amount: FromMinor(p.Amount, a.Scale)},
		ExpiresAt: rec.ExpiresAt, CreatedAt: rec.CreatedAt, Status: rec.Status,
	}, nil
}

// GetHold returns a hold by id.
// Errors: ErrNotFound, ErrClosed.
func (l *Ledger) GetHold(ctx context.Context, id uuid.UUID) (Hold, error) {
	var rec HoldRecord
	err := l.store.View(ctx, func(r StoreReader) error {
		var err error
		rec, err = r.Hold(ctx, id)
		return err
	})
	if err != nil {
		return Hold{}, fmt.Errorf("hold %s: %w", id, err)
	}
	return l.toHold(ctx, &rec)
}

// HoldByKey returns the hold opened under an idempotency key, as it stands now (open,
// captured, released or past its expiry). It answers "what did my first attempt do?" without
// repeating the request, for a caller whose retry would differ from the first attempt (a
// price changed since) or who must not open a hold when there was none. Hold keys are a
// namespace of their own: a transaction's key finds nothing here (see TransactionByKey).
//
// Errors: ErrInvalid (empty or bad key), ErrNotFound (no hold has the key), ErrClosed.
func (l *Ledger) HoldByKey(ctx context.Context, key string) (Hold, error) {
	if err := validateLookupKey(key); err != nil {
		return Hold{}, fmt.Errorf("hold by key %q: %w", key, err)
	}
	var rec HoldRecord
	err := l.store.View(ctx, func(r StoreReader) error {
		var err error
		rec, err = r.HoldByKey(ctx, key)
		return err
	})
	if err != nil {
		return Hold{}, fmt.Errorf("hold by key %q: %w", key, err)
	}
	return l.toHold(ctx, &rec)
}

// Capture posts amount (at most the held amount) from the hold's From to its To account and
// closes the hold; what was held beyond amount is released.
//
// Errors: ErrInvalidAmount (zero, negative, beyond the asset's scale, more than held),
// ErrInvalid (a WithIDs source gave a nil or taken id), ErrNotFound, ErrHoldClosed (captured,
// released or expired), ErrAboveMaxBalance (To has filled up since the hold), ErrClosed.
func (l *Ledger) Capture(ctx context.Context, holdID uuid.UUID, amount decimal.Decimal) (Transaction, error) {
	// The id is drawn once, outside Update, so a retried Update reuses it.
	id := l.newIDAt(l.clock())
	// Read the hold once outside the store transaction to load its asset (which may read the
	// store); inside, it is read again under the lock.
	held, err := l.GetHold(ctx, holdID)
	if err != nil {
		return Transaction{}, fmt.Errorf("capture: %w", err)
	}
	asset, err := l.asset(ctx, held.Posting.Asset)
	if err != nil {
		return Transaction{}, fmt.Errorf("capture %s: %w", holdID, err)
	}
	var out TxRecord
	sc := getScratch()
	defer putScratch(sc)
	err = l.store.Update(ctx, func(tx StoreTx) error {
		head, err := tx.LockHead(ctx)
		if err != nil {
			return err
		}
		// The expiry is decided, and the capture dated, by the clock read with the store's
		// write under way: a hold that expired while the call waited for the lock is closed,
		// and the capture is not dated before transactions committed ahead of it.
		now := l.clock()
		h, err := tx.Hold(ctx, holdID)
		if err != nil {
			return err
		}
		if !h.reserves(now) {
			return fmt.Errorf("status %d, expires %s: %w", h.Status, h.ExpiresAt, ErrHoldClosed)
		}
		minor, err := ToMinor(amount, asset.Scale)
		if err != nil {
			return err
		}
		if minor <= 0 || minor > h.Posting.Amount {
			return fmt.Errorf("capture %s of a hold of %s: %w", amount, FromMinor(h.Posting.Amount, asset.Scale), ErrInvalidAmount)
		}
		if taken, err := l.takenID(ctx, tx, id); err != nil {
			return err
		} else if taken {
			return errTakenID("transaction", id)
		}
		p := h.Posting
		p.Amount = minor
		r := &request{rec: TxRecord{ID: id, Postings: []PostingRecord{p}, CapturesHold: holdID,
			PostedAt: now, EffectiveAt: now, EffectiveDefaulted: true}}
		bal, err := lockAccounts(ctx, tx, []*request{r}, now, sc)
		if err != nil {
			return err
		}
		// The hold's own reservation is what pays for the capture.
		for i := range bal.states {
			if bal.ids[i] == p.From {
				bal.states[i].Held -= h.Posting.Amount
			}
		}
		if err := bal.apply(r.rec.Postings, sc); err != nil {
			return err
		}
		seal(&head, r, sc)
		out = r.rec
		return tx.Commit(ctx, Commit{
			Transactions: []TxRecord{r.rec}, Balances: bal.updates(sc), Head: head,
			CloseHolds: []HoldClosure{{ID: holdID, Status: HoldCaptured, ClosedAt: now}},
		})
	})
	if err != nil {
		return Transaction{}, fmt.Errorf("capture %s: %w", holdID, err)
	}
	return l.toTransaction(ctx, &out)
}

// Release closes an open hold without posting; an expired hold may be released too.
// Errors: ErrNotFound, ErrHoldClosed (already captured or released), ErrClosed.
func (l *Ledger) Release(ctx context.Context, holdID uuid.UUID) error {
	err := l.store.Update(ctx, func(tx StoreTx) error {
		head, err := tx.LockHead(ctx)
		if err != nil {
			return err
		}
		now := l.clock() // read with the write under way, as Capture does
		h, err := tx.Hold(ctx, holdID)
		if err != nil {
			return err
		}
		if h.Status != HoldOpen {
			return fmt.Errorf("status %d: %w", h.Status, ErrHoldClosed)
		}
		return tx.Commit(ctx, Commit{Head: head, CloseHolds: []HoldClosure{{ID: holdID, Status: HoldReleased, ClosedAt: now}}})
	})
	if err != nil {
		return fmt.Errorf("release %s: %w", holdID, err)
	}
	return nil
}
