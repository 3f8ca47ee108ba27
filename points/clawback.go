package points

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/ledger"
)

// ReasonBytesMax bounds the reason given for a clawback (it is kept as transaction metadata).
const ReasonBytesMax = ledger.MetadataValueBytesMax

// ClawbackResult is the outcome of a clawback.
type ClawbackResult struct {
	Transaction ledger.Transaction
	Recovered   decimal.Decimal // points taken back from the receivers
	// Debt is what the clawback makes the receivers owe (paid off by later awards): the
	// points they had already spent, and the debts the award had paid off, owed again.
	// Recovered plus Debt is the award's points.
	Debt        decimal.Decimal
	AlreadyDone bool // the award had been clawed back before; nothing changed now
}

// Clawback takes back the points of an award found fraudulent (one provider's part in one
// demand). If the receivers still have them, the award is reversed (ledger.Reverse). If they
// spent some, what they have is taken back and the rest is recorded as debt in their debt
// accounts (see DebtAccount), which later awards pay off before anything reaches the holder.
// Debts the award paid off are restored, and the award no longer counts against the caps.
// It happens once per award (ClawbackKey): a repeat reports AlreadyDone.
//
// Errors: ErrInvalid (empty or long reason, or one not UTF-8 text without NUL), ErrNotAwarded (no award of the demand to the
// provider was found), the ledger's ErrClosed.
func (inc *Incentive) Clawback(ctx context.Context, demandID uuid.UUID, p catalog.Provider, reason string) (ClawbackResult, error) {
	key := ClawbackKey(demandID, p.ID)
	// The reason is kept as metadata only when the points were partly spent; it is checked
	// here for every clawback so that the same reason is not accepted or refused by balance.
	if reason == "" || len(reason) > ReasonBytesMax || !utf8.ValidString(reason) || strings.IndexByte(reason, 0) >= 0 {
		return ClawbackResult{}, errorf(ErrInvalid, "clawback %s: reason of %d bytes, want 1..%d of UTF-8 text without NUL", key, len(reason), ReasonBytesMax)
	}
	award, err := inc.awardOf(ctx, AwardKey(demandID, p.ID))
	if err != nil {
		return ClawbackResult{}, fmt.Errorf("clawback %s: %w", key, err)
	}
	for attempt := 0; ; attempt++ {
		rev, err := inc.l.Reverse(ctx, award.ID, key)
		switch {
		case err == nil && rev.Replayed:
			// The ledger answered the key with the reversal made before: nothing changed now.
			return ClawbackResult{AlreadyDone: true, Recovered: decimal.Zero, Debt: decimal.Zero}, nil
		case err == nil:
			// The reversal restores the debts the award paid off, as partialClawback does.
			return ClawbackResult{Transaction: rev, Recovered: holderTotal(inc, award), Debt: paidIn(award, inc.s.Asset, inc.issuer)}, nil
		case errors.Is(err, ledger.ErrAlreadyReversed), errors.Is(err, ledger.ErrIdempotencyConflict):
			return ClawbackResult{AlreadyDone: true, Recovered: decimal.Zero, Debt: decimal.Zero}, nil
		case !errors.Is(err, ledger.ErrInsufficientBalance):
			return ClawbackResult{}, fmt.Errorf("clawback %s: %w", key, err)
		}
		// Some points were spent: take back what is there, record the rest as debt.
		res, err := inc.partialClawback(ctx, key, award, reason)
		if err == nil || !errors.Is(err, ledger.ErrInsufficientBalance) || attempt+1 >= AwardRetriesMax {
			return res, err
		}
		// The holder spent more meanwhile: recompute.
	}
}

func holderTotal(inc *Incentive, tx ledger.Transaction) decimal.Decimal {
	sum := decimal.Zero
	for _, p := range tx.Postings {
		if p.From == inc.issuer && p.Asset == inc.s.Asset {
			sum = sum.Add(p.Amount)
		}
	}
	return sum
}

func (inc *Incentive) partialClawback(ctx context.Context, key string, award ledger.Transaction, reason string) (ClawbackResult, error) {
	res := ClawbackResult{Recovered: decimal.Zero, Debt: decimal.Zero}
	var ps []ledger.Posting
	asset := inc.s.Asset
	taken := map[ledger.AccountID]decimal.Decimal{} // a team may list one member twice
	for _, p := range award.Postings {
		switch {
		case p.Asset != asset:
			// A cap posting: give the room back.
			ps = append(ps, ledger.Posting{From: p.To, To: p.From, Amount: p.Amount, Asset: p.Asset})
		case p.From == inc.issuer:
			holder, _ := inc.holders.holder(p.To)
			avail, err := availableOrZero(ctx, inc.l, p.To)
			if err != nil {
				return res, fmt.Errorf("clawback %s: %w", key, err)
			}
			avail = avail.Sub(taken[p.To])
			take := decimal.Max(decimal.Zero, decimal.Min(avail, p.Amount))
			taken[p.To] = taken[p.To].Add(take)
			if take.IsPositive() {
				ps = append(ps, ledger.Posting{From: p.To, To: inc.issuer, Amount: take, Asset: asset})
				res.Recovered = res.Recovered.Add(take)
			}
			if short := p.Amount.Sub(take); short.IsPositive() {
				debt := inc.DebtAccount(holder)
				if err := inc.open(ctx, ledger.Account{ID: debt, Asset: asset}); err != nil {
					return res, fmt.Errorf("clawback %s: %w", key, err)
				}
				ps = append(ps, ledger.Posting{From: inc.issuer, To: debt, Amount: short, Asset: asset})
				res.Debt = res.Debt.Add(short)
			}
		case p.To == inc.issuer:
			// The award paid off a debt: the debt is owed again.
			ps = append(ps, ledger.Posting{From: inc.issuer, To: p.From, Amount: p.Amount, Asset: asset})
			res.Debt = res.Debt.Add(p.Amount)
		}
	}
	meta := map[string]string{
		MetaKind: KindClawback, MetaCommunity: inc.s.Community,
		MetaDemand: award.Metadata[MetaDemand], MetaProvider: award.Metadata[MetaProvider], MetaHolder: award.Metadata[MetaHolder],
		MetaPoints: award.Metadata[MetaPoints], MetaReason: reason, MetaDebt: res.Debt.String(),
	}
	tx, err := inc.l.Post(ctx, ledger.Transaction{IdempotencyKey: key, Postings: ps, Memo: "积分追回 clawback: " + reason, Metadata: meta})
	switch {
	case err == nil && tx.Replayed:
		// A racing clawback posted the same one between our Reverse and this Post.
		return ClawbackResult{AlreadyDone: true, Recovered: decimal.Zero, Debt: decimal.Zero}, nil
	case err == nil:
		res.Transaction = tx
		return res, nil
	case errors.Is(err, ledger.ErrIdempotencyConflict):
		return ClawbackResult{AlreadyDone: true, Recovered: decimal.Zero, Debt: decimal.Zero}, nil
	}
	return res, fmt.Errorf("clawback %s: %w", key, err)
}
