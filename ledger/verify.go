package ledger

import (
	"context"
	"fmt"
	"math/big"
)

// verifyPage is how many transactions or accounts Verify reads per store call.
const verifyPage = 4096

// Verify recomputes every balance from the postings and checks, in one consistent view of the
// store: the hash chain over all transactions (so an edited, inserted or deleted row is
// caught), that sequence numbers run 1, 2, 3… without gaps, that every posting names existing
// accounts of its asset with a positive amount, that every stored balance equals the
// recomputed one, that each asset's balances sum to exactly zero, and that no bounded account
// is below its minimum with its open holds counted. It returns nil or an error wrapping
// ErrCorrupt that describes the first discrepancy.
//
// Errors: ErrCorrupt, ErrClosed.
func (l *Ledger) Verify(ctx context.Context) error {
	now := l.clock()
	err := l.store.View(ctx, func(r StoreReader) error {
		accounts := make(map[AccountID]AccountState)
		for after := AccountID(""); ; {
			page, err := r.Accounts(ctx, after, verifyPage, now)
			if err != nil {
				return err
			}
			for _, a := range page {
				if a.ID <= after {
					return fmt.Errorf("accounts out of order at %s: %w", a.ID, ErrCorrupt)
				}
				accounts[a.ID] = a
				after = a.ID
			}
			if len(page) < verifyPage {
				break
			}
		}
		computed := make(map[AccountID]int64, len(accounts))
		var head Head
		var buf []byte
		for {
			if err := ctx.Err(); err != nil {
				return err
			}
			page, err := r.Transactions(ctx, head.Seq, verifyPage)
			if err != nil {
				return err
			}
			for i := range page {
				rec := &page[i]
				if rec.Seq != head.Seq+1 {
					return fmt.Errorf("transaction %s has seq %d after %d: %w", rec.ID, rec.Seq, head.Seq, ErrCorrupt)
				}
				var h [32]byte
				h, buf = chainHash(head.Hash, rec, buf)
				if h != rec.Hash {
					return fmt.Errorf("transaction %d (%s): hash does not match its content and predecessor: %w", rec.Seq, rec.ID, ErrCorrupt)
				}
				if len(rec.Postings) == 0 || len(rec.Postings) > PostingsMax {
					return fmt.Errorf("transaction %d: %d postings: %w", rec.Seq, len(rec.Postings), ErrCorrupt)
				}
				for _, p := range rec.Postings {
					if p.Amount <= 0 || p.Amount > AmountMinorMax || p.From == p.To {
						return fmt.Errorf("transaction %d: malformed posting %+v: %w", rec.Seq, p, ErrCorrupt)
					}
					for _, id := range [2]AccountID{p.From, p.To} {
						a, ok := accounts[id]
						if !ok {
							return fmt.Errorf("transaction %d: account %s does not exist: %w", rec.Seq, id, ErrCorrupt)
						}
						if a.Asset != p.Asset {
							return fmt.Errorf("transaction %d: account %s holds %s, posting is %s: %w", rec.Seq, id, a.Asset, p.Asset, ErrCorrupt)
						}
					}
					computed[p.From] -= p.Amount
					computed[p.To] += p.Amount
				}
				head = Head{Seq: rec.Seq, Hash: rec.Hash}
			}
			if len(page) < verifyPage {
				break
			}
		}
		stored, err := r.Head(ctx)
		if err != nil {
			return err
		}
		if stored != head {
			return fmt.Errorf("stored head is seq %d, transactions end at seq %d or hash differs: %w", stored.Seq, head.Seq, ErrCorrupt)
		}
		sums := make(map[string]*big.Int)
		for id, a := range accounts {
			if c := computed[id]; c != a.Balance {
				return fmt.Errorf("account %s: stored balance %d, postings sum to %d: %w", id, a.Balance, c, ErrCorrupt)
			}
			if !a.Unbounded && a.Balance-a.Held < a.MinBalance {
				return fmt.Errorf("account %s: balance %d with %d held is below its minimum %d: %w", id, a.Balance, a.Held, a.MinBalance, ErrCorrupt)
			}
			if a.HasMax && a.Balance > a.MaxBalance {
				return fmt.Errorf("account %s: balance %d above its maximum %d: %w", id, a.Balance, a.MaxBalance, ErrCorrupt)
			}
			s := sums[a.Asset]
			if s == nil {
				s = new(big.Int)
				sums[a.Asset] = s
			}
			s.Add(s, big.NewInt(a.Balance))
		}
		for asset, s := range sums {
			if s.Sign() != 0 {
				return fmt.Errorf("asset %s: balances sum to %s, not zero: %w", asset, s, ErrCorrupt)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	return nil
}
