package ledger

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// verifyPage is how many transactions or accounts Verify reads per store call.
const verifyPage = 4096

// Verify recomputes every balance from the postings and checks: the hash chain over all
// transactions (so an edited, inserted or deleted row is caught), that sequence numbers run
// 1, 2, 3… without gaps, that every posting names existing accounts of its asset with a
// positive amount, that every stored balance equals the recomputed one (so each asset's
// balances sum to exactly zero: every posting moves an amount between two accounts of one
// asset), and so does BalanceAt as of the account's last effective time, and that no bounded
// account is below its minimum with its open holds counted, nor above its maximum, and that
// the hold each capture names is there, captured, with the capture's accounts and at
// least its amount (holds are not in the chain, but a capture is: a captured hold edited back
// to open would reserve again and could be captured twice). It returns
// nil or an error wrapping ErrCorrupt that describes the first discrepancy it meets.
//
// What the chain does not cover is checked only against the rules above: an asset's scale,
// an account's minimum, maximum and Unbounded flag, and an open hold's status and expiry. An
// edit of those behind the ledger's back (a hold marked released, a minimum lowered) is
// reported only if the state it leaves breaks one of the checks; protect them as any other
// table of the database.
//
// Verify does not hold the store for the whole run: it reads a page of transactions or
// accounts per store view, so Posts continue while it runs (on memstore a view blocks
// writers). Each page of accounts is compared in the same view as the transactions committed
// up to that view, so a concurrent Post is never mistaken for a discrepancy.
//
// Errors: ErrCorrupt, ErrClosed.
func (l *Ledger) Verify(ctx context.Context) error {
	v := verifier{computed: make(map[AccountID]*verifyAccount)}
	if err := v.run(ctx, l.store, l.clock); err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	return nil
}

// verifyAccount is what the postings say about one account.
type verifyAccount struct {
	balance int64
	asset   string    // of the first posting naming it; every other must match
	seq     uint64    // that posting's transaction, for the error message
	seen    bool      // the store listed the account
	lastEff time.Time // the latest EffectiveAt of its transactions
}

type verifier struct {
	head     Head
	buf      []byte
	computed map[AccountID]*verifyAccount
}

func (v *verifier) run(ctx context.Context, store Store, clock func() time.Time) error {
	// The chain first, a page per view, until a page comes back short.
	for done := false; !done; {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := store.View(ctx, func(r StoreReader) error {
			n, err := v.transactions(ctx, r)
			done = n < verifyPage
			return err
		}); err != nil {
			return err
		}
	}
	// Then the accounts, a page per view. Each view first catches the chain up (usually
	// nothing or a few transactions), so the page is compared at one consistent point.
	for after, done := AccountID(""), false; !done; {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := store.View(ctx, func(r StoreReader) error {
			for {
				n, err := v.transactions(ctx, r)
				if err != nil {
					return err
				}
				if n < verifyPage {
					break
				}
			}
			stored, err := r.Head(ctx)
			if err != nil {
				return err
			}
			if stored != v.head {
				return fmt.Errorf("stored head is seq %d, transactions end at seq %d or hash differs: %w", stored.Seq, v.head.Seq, ErrCorrupt)
			}
			// What holds reserve is judged as of this view: the clock is read once the view
			// has read something (a SQL snapshot is taken by its first statement), so every
			// commit it sees checked its balances no later than now, when any hold that
			// reserves now reserved too. Verify's start would count holds that expired since
			// and report a Post that spent what they had held.
			page, err := r.Accounts(ctx, after, verifyPage, clock())
			if err != nil {
				return err
			}
			for i := range page {
				a := &page[i]
				if a.ID <= after {
					return fmt.Errorf("accounts out of order at %s: %w", a.ID, ErrCorrupt)
				}
				after = a.ID
				if err := v.account(ctx, r, a); err != nil {
					return err
				}
			}
			done = len(page) < verifyPage
			return nil
		}); err != nil {
			return err
		}
	}
	// An account the postings name and no page listed was opened after the page its id
	// sorts into was read (a concurrent write), or it is missing. One last view tells which:
	// it catches the chain up once more and reads each such account by its id.
	unseen := 0
	for _, c := range v.computed {
		if !c.seen {
			unseen++
		}
	}
	if unseen == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return store.View(ctx, func(r StoreReader) error {
		for {
			n, err := v.transactions(ctx, r)
			if err != nil {
				return err
			}
			if n < verifyPage {
				break
			}
		}
		now := clock()
		// Accounts the catch-up adds are in computed too; every one of them is read here.
		for id, c := range v.computed {
			if c.seen {
				continue
			}
			a, err := r.Account(ctx, id, now)
			if errors.Is(err, ErrNotFound) {
				return fmt.Errorf("transaction %d: account %s does not exist: %w", c.seq, id, ErrCorrupt)
			}
			if err != nil {
				return err
			}
			if a.ID != id {
				return fmt.Errorf("account %s read back as %s: %w", id, a.ID, ErrCorrupt)
			}
			if err := v.account(ctx, r, &a); err != nil {
				return err
			}
		}
		return nil
	})
}

// transactions checks the next page of the chain and adds its postings to the computed
// balances; it returns how many transactions the page held.
func (v *verifier) transactions(ctx context.Context, r StoreReader) (int, error) {
	page, err := r.Transactions(ctx, v.head.Seq, verifyPage)
	if err != nil {
		return 0, err
	}
	for i := range page {
		rec := &page[i]
		if rec.Seq != v.head.Seq+1 {
			return 0, fmt.Errorf("transaction %s has seq %d after %d: %w", rec.ID, rec.Seq, v.head.Seq, ErrCorrupt)
		}
		var h [32]byte
		h, v.buf = chainHash(v.head.Hash, rec, nil, v.buf)
		if h != rec.Hash {
			return 0, fmt.Errorf("transaction %d (%s): hash does not match its content and predecessor: %w", rec.Seq, rec.ID, ErrCorrupt)
		}
		if len(rec.Postings) == 0 || len(rec.Postings) > PostingsMax {
			return 0, fmt.Errorf("transaction %d: %d postings: %w", rec.Seq, len(rec.Postings), ErrCorrupt)
		}
		for _, p := range rec.Postings {
			if p.Amount <= 0 || p.Amount > AmountMinorMax || p.From == p.To {
				return 0, fmt.Errorf("transaction %d: malformed posting %+v: %w", rec.Seq, p, ErrCorrupt)
			}
			for _, id := range [2]AccountID{p.From, p.To} {
				c := v.computed[id]
				if c == nil {
					c = &verifyAccount{asset: p.Asset, seq: rec.Seq}
					v.computed[id] = c
				} else if c.asset != p.Asset {
					return 0, fmt.Errorf("transaction %d: account %s holds %s (transaction %d), posting is %s: %w", rec.Seq, id, c.asset, c.seq, p.Asset, ErrCorrupt)
				}
			}
			from, to := v.computed[p.From], v.computed[p.To]
			// Every balance the ledger commits is far inside int64: a sum beyond it is no
			// ledger's, however a stored balance wrapped around might match it.
			fb, err1 := addChecked(from.balance, -p.Amount)
			tb, err2 := addChecked(to.balance, p.Amount)
			if err1 != nil || err2 != nil {
				return 0, fmt.Errorf("transaction %d: the postings of %s or %s add up beyond int64: %w", rec.Seq, p.From, p.To, ErrCorrupt)
			}
			from.balance, to.balance = fb, tb
			if rec.EffectiveAt.After(from.lastEff) {
				from.lastEff = rec.EffectiveAt
			}
			if rec.EffectiveAt.After(to.lastEff) {
				to.lastEff = rec.EffectiveAt
			}
		}
		if rec.CapturesHold != uuid.Nil {
			if err := v.capture(ctx, r, rec); err != nil {
				return 0, err
			}
		}
		v.head = Head{Seq: rec.Seq, Hash: rec.Hash}
	}
	return len(page), nil
}

// capture checks the hold a capture transaction names: Capture posts one posting of at most
// the held amount between the hold's accounts and marks the hold captured. (A second capture
// of one hold would be a transaction inserted into the chain, which the hashes catch.)
func (v *verifier) capture(ctx context.Context, r StoreReader, rec *TxRecord) error {
	id := rec.CapturesHold
	h, err := r.Hold(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return fmt.Errorf("transaction %d: captured hold %s does not exist: %w", rec.Seq, id, ErrCorrupt)
	}
	if err != nil {
		return err
	}
	if h.Status != HoldCaptured {
		return fmt.Errorf("transaction %d: captured hold %s has status %d: %w", rec.Seq, id, h.Status, ErrCorrupt)
	}
	if len(rec.Postings) != 1 {
		return fmt.Errorf("transaction %d: %d postings capture hold %s: %w", rec.Seq, len(rec.Postings), id, ErrCorrupt)
	}
	if p := rec.Postings[0]; p.From != h.Posting.From || p.To != h.Posting.To || p.Asset != h.Posting.Asset || p.Amount > h.Posting.Amount {
		return fmt.Errorf("transaction %d: postings %+v do not capture hold %s of %+v: %w", rec.Seq, rec.Postings, id, h.Posting, ErrCorrupt)
	}
	return nil
}

// account compares one stored account with what the postings say.
func (v *verifier) account(ctx context.Context, r StoreReader, a *AccountState) error {
	c := v.computed[a.ID]
	if c == nil {
		c = &verifyAccount{asset: a.Asset}
		v.computed[a.ID] = c
	}
	if c.seen {
		return fmt.Errorf("account %s listed twice: %w", a.ID, ErrCorrupt)
	}
	c.seen = true
	if c.asset != a.Asset {
		return fmt.Errorf("transaction %d: account %s holds %s, posting is %s: %w", c.seq, a.ID, a.Asset, c.asset, ErrCorrupt)
	}
	if c.balance != a.Balance {
		return fmt.Errorf("account %s: stored balance %d, postings sum to %d: %w", a.ID, a.Balance, c.balance, ErrCorrupt)
	}
	if !a.Unbounded && a.Balance-a.Held < a.MinBalance {
		return fmt.Errorf("account %s: balance %d with %d held is below its minimum %d: %w", a.ID, a.Balance, a.Held, a.MinBalance, ErrCorrupt)
	}
	if a.HasMax && a.Balance > a.MaxBalance {
		return fmt.Errorf("account %s: balance %d above its maximum %d: %w", a.ID, a.Balance, a.MaxBalance, ErrCorrupt)
	}
	// A store may keep what BalanceAt and statements read apart from the postings (the SQL
	// stores' entries): as of the account's last effective time it must add up too.
	at := c.lastEff
	if at.IsZero() {
		at = microsMax
	}
	sum, err := r.BalanceAt(ctx, a.ID, at)
	if errors.Is(err, ErrInvalidAmount) {
		// Beyond int64, where the account's balance is not.
		return fmt.Errorf("account %s: balance as of %s: %v: %w", a.ID, at, err, ErrCorrupt)
	}
	if err != nil {
		return err
	}
	if sum != c.balance {
		return fmt.Errorf("account %s: balance as of %s is %d, postings sum to %d: %w", a.ID, at, sum, c.balance, ErrCorrupt)
	}
	return nil
}
