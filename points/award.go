package points

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/ledger"
)

// Movement kinds, recorded as the "kind" metadata of every transaction the package posts so
// that statements, leaderboards and service records are computed from the ledger alone.
const (
	KindAward      = "award"
	KindClawback   = "clawback"
	KindExpire     = "expire"
	KindRestock    = "restock"
	KindDeposit    = "deposit"
	KindWithdraw   = "withdraw"
	KindReciprocal = "reciprocal"
	KindGift       = "gift"
)

// Metadata keys of the transactions the package posts.
const (
	MetaKind         = "kind"
	MetaCommunity    = "community"
	MetaDemand       = "demand"
	MetaProvider     = "provider"
	MetaHolder       = "holder"
	MetaCategory     = "category"
	MetaDemandKind   = "demand_kind"
	MetaTitle        = "title"
	MetaHours        = "hours"         // credited hours
	MetaAuditedHours = "audited_hours" // hours as audited, before the per-activity maximum
	MetaPoints       = "points"        // the provider's gross points (before debt payoff)
	MetaAuditedAt    = "audited_at"
	MetaAuditor      = "auditor"
	MetaReason       = "reason"
	MetaDebt         = "debt"
	MetaPeriod       = "period"
)

// Completion is an audited completion as catalog holds it: what Award needs to price and post
// one provider's part in one demand. AwardAudited builds it from a catalog.
type Completion struct {
	Demand   catalog.Demand
	Provider catalog.Provider
	// Audits lists every audit of the demand: the base points are split among all its approved
	// providers, so the others' hours count.
	Audits []catalog.Audit
	// BigItem marks a demand whose category is a big item (catalog.Category.BigItem); big
	// items and projects by kind count as big without it.
	BigItem bool
}

// Share is what one holder receives of an award.
type Share struct {
	Holder string
	Points decimal.Decimal
}

// Receipt is the outcome of an award.
type Receipt struct {
	Transaction ledger.Transaction
	Points      decimal.Decimal // the provider's gross points
	Shares      []Share         // who received them (the provider, or a team's members)
	DebtPaid    decimal.Decimal // part of Points that paid off the receivers' debts
}

// AwardKey is the idempotency key of the award for one provider's part in one demand. Every
// award is posted under it, so a retry, a crash between posting and marking, or two auditors
// awarding at once yield one posting.
func AwardKey(demandID, providerID uuid.UUID) string {
	return "award:" + demandID.String() + ":" + providerID.String()
}

// ClawbackKey is the idempotency key of the clawback of an award.
func ClawbackKey(demandID, providerID uuid.UUID) string {
	return "clawback:" + demandID.String() + ":" + providerID.String()
}

// Quote prices an audited completion without posting: the provider's points and who receives
// them. It applies every check Award applies except the caps.
//
// Errors: ErrInvalid (the audits or provider do not belong to the demand), ErrNotAudited,
// ErrRejected, ErrSelfDealing, ErrNothingToAward.
func (inc *Incentive) Quote(c Completion) (decimal.Decimal, []Share, error) {
	q, err := inc.quote(c)
	return q.points, q.shares, err
}

type quote struct {
	audit          catalog.Audit
	points         decimal.Decimal
	credited       decimal.Decimal
	shares         []Share
	providerHolder string
}

func (inc *Incentive) quote(c Completion) (quote, error) {
	op := awardOp{c.Demand.ID, c.Provider.ID}
	var q quote
	found := false
	approved := 0
	hoursSum := decimal.Zero
	for _, a := range c.Audits {
		if a.DemandID != c.Demand.ID {
			return q, errorf(ErrInvalid, "%s: audit of demand %s", op, a.DemandID)
		}
		if a.ProviderID == c.Provider.ID {
			if found {
				return q, errorf(ErrInvalid, "%s: two audits of the provider", op)
			}
			q.audit, found = a, true
		}
		if a.Approved {
			approved++
			hoursSum = hoursSum.Add(decimal.Min(a.Hours, inc.s.HoursPerActivityMax))
		}
	}
	if !found || (c.Demand.Status != catalog.StatusAudited && c.Demand.Status != catalog.StatusAwarded) {
		return q, errorf(ErrNotAudited, "%s: status %s", op, c.Demand.Status)
	}
	if !q.audit.Approved {
		return q, refuse(ErrRejected, op.String(), "audit by %s rejected the work: %s", q.audit.Auditor, q.audit.Reason)
	}
	if c.Provider.HasPerson(c.Demand.Requester.ID) {
		return q, refuse(ErrSelfDealing, op.String(), "requester %s is the provider or one of its members", c.Demand.Requester.ID)
	}
	s := &inc.s
	mult := s.multiplier(c.Demand, c.BigItem)
	q.credited = decimal.Min(q.audit.Hours, s.HoursPerActivityMax)
	base := s.basePoints(c.Demand.Category, c.Demand.Kind).Mul(mult)
	switch {
	case s.Split == SplitEqually:
		base = base.Div(decimal.NewFromInt(int64(approved)))
	case hoursSum.IsPositive():
		base = base.Mul(q.credited).Div(hoursSum)
	default:
		base = decimal.Zero
	}
	q.points = base.Add(q.credited.Mul(s.PointsPerHour).Mul(mult)).Truncate(s.Scale)
	if !q.points.IsPositive() {
		return q, refuse(ErrNothingToAward, op.String(), "the scheme gives %s points", q.points)
	}
	if q.points.GreaterThan(decimal.NewFromInt(CapMax)) {
		return q, errorf(ErrInvalid, "%s: %s points is beyond any cap", op, q.points)
	}
	q.providerHolder = ProviderHolder(c.Provider)
	if c.Provider.Kind == catalog.Team && s.Team == TeamToMembers && len(c.Provider.Members) > 0 {
		n := int64(len(c.Provider.Members))
		each := q.points.Div(decimal.NewFromInt(n)).Truncate(s.Scale)
		rest := q.points.Sub(each.Mul(decimal.NewFromInt(n)))
		for i, m := range c.Provider.Members {
			p := each
			if i == 0 {
				p = p.Add(rest) // the rounding remainder goes to the first member: nothing is lost
			}
			if p.IsPositive() {
				q.shares = append(q.shares, Share{Holder: PersonHolder(m.PersonID), Points: p})
			}
		}
	} else {
		q.shares = []Share{{Holder: q.providerHolder, Points: q.points}}
	}
	return q, nil
}

// awardOp names an award in errors; it is formatted only when an error is.
type awardOp struct{ demand, provider uuid.UUID }

func (o awardOp) String() string { return "award " + AwardKey(o.demand, o.provider) }

// Award posts the points for one provider's approved part in an audited demand, once: the
// posting carries AwardKey(demand, provider), so retries, crashes and concurrent auditors never
// double it (a replay returns the first posting). Points a receiver owes after a clawback are
// paid off first, in the same transaction. The caps per provider per day and per month (by the
// audit's day in the scheme's time zone) are kept in cap accounts whose minimum balance the
// ledger enforces, so concurrent awards cannot pass a cap together.
//
// Award does not touch the catalog: AwardAudited reads the completion from it, calls Award and
// then marks the demand awarded.
//
// Errors: ErrInvalid, ErrNotAudited, ErrRejected (a *Refusal), ErrSelfDealing (a *Refusal),
// ErrNothingToAward, ErrOverCap (a *Refusal naming the cap), ErrInvalidScheme (a cap changed
// within its period), and the ledger's ErrClosed. A refused award changes nothing.
func (inc *Incentive) Award(ctx context.Context, c Completion) (Receipt, error) {
	q, err := inc.quote(c)
	if err != nil {
		return Receipt{}, err
	}
	key := AwardKey(c.Demand.ID, c.Provider.ID)
	for _, sh := range q.shares {
		// The debt account is opened with the holder's, so that the debt check on every award
		// reads a balance instead of building an unknown-account error.
		for _, a := range []ledger.AccountID{inc.HolderAccount(sh.Holder), inc.DebtAccount(sh.Holder)} {
			if err := inc.open(ctx, ledger.Account{ID: a, Asset: inc.s.Asset}); err != nil {
				return Receipt{}, fmt.Errorf("award %s: %w", key, err)
			}
		}
	}
	quotas, err := inc.quotaPostings(ctx, q)
	if err != nil {
		return Receipt{}, fmt.Errorf("award %s: %w", key, err)
	}
	meta := map[string]string{
		MetaKind: KindAward, MetaCommunity: inc.s.Community,
		MetaDemand: c.Demand.ID.String(), MetaProvider: c.Provider.ID.String(), MetaHolder: q.providerHolder,
		MetaCategory: c.Demand.Category, MetaDemandKind: c.Demand.Kind.String(), MetaTitle: c.Demand.Title,
		MetaHours: q.credited.String(), MetaAuditedHours: q.audit.Hours.String(), MetaPoints: q.points.String(),
		MetaAuditedAt: q.audit.At.UTC().Format(time.RFC3339Nano), MetaAuditor: q.audit.Auditor,
	}
	for attempt := 0; ; attempt++ {
		postings := append([]ledger.Posting(nil), quotas...)
		paid := decimal.Zero
		for _, sh := range q.shares {
			debt, err := balanceOrZero(ctx, inc.l, inc.DebtAccount(sh.Holder))
			if err != nil {
				return Receipt{}, fmt.Errorf("award %s: %w", key, err)
			}
			pay := decimal.Min(debt, sh.Points)
			if pay.IsPositive() {
				postings = append(postings, ledger.Posting{From: inc.DebtAccount(sh.Holder), To: inc.issuer, Amount: pay, Asset: inc.s.Asset})
				paid = paid.Add(pay)
			}
			if rest := sh.Points.Sub(pay); rest.IsPositive() {
				postings = append(postings, ledger.Posting{From: inc.issuer, To: inc.HolderAccount(sh.Holder), Amount: rest, Asset: inc.s.Asset})
			}
		}
		tx, err := inc.l.Post(ctx, ledger.Transaction{IdempotencyKey: key, Postings: postings, Memo: "积分 award: " + c.Demand.Title, Metadata: meta})
		switch {
		case err == nil:
			return Receipt{Transaction: tx, Points: q.points, Shares: q.shares, DebtPaid: paidIn(tx, inc.s.Asset, inc.issuer)}, nil
		case errors.Is(err, ledger.ErrIdempotencyConflict):
			// Posted before, when a receiver's debt was different: the award exists.
			tx, ferr := inc.awardOf(ctx, key)
			if ferr != nil {
				return Receipt{}, fmt.Errorf("award %s was posted but cannot be read back: %w", key, ferr)
			}
			return Receipt{Transaction: tx, Points: q.points, Shares: q.shares, DebtPaid: paidIn(tx, inc.s.Asset, inc.issuer)}, nil
		case errors.Is(err, ledger.ErrInsufficientBalance):
			if rerr := inc.capRefusal(ctx, key, q, quotas); rerr != nil {
				return Receipt{}, rerr
			}
			if attempt+1 >= AwardRetriesMax {
				return Receipt{}, fmt.Errorf("award %s: debt payoff lost %d races: %w", key, AwardRetriesMax, err)
			}
			// A concurrent award paid off the same debt: recompute.
		default:
			return Receipt{}, fmt.Errorf("award %s: %w", key, err)
		}
	}
}

// paidIn sums what a transaction moved into the issuer: the debt paid off by an award.
func paidIn(tx ledger.Transaction, asset string, issuer ledger.AccountID) decimal.Decimal {
	sum := decimal.Zero
	for _, p := range tx.Postings {
		if p.To == issuer && p.Asset == asset {
			sum = sum.Add(p.Amount)
		}
	}
	return sum
}

// quotaPostings opens the provider's cap accounts for the audit's day and month and returns
// the postings that count the award against them.
func (inc *Incentive) quotaPostings(ctx context.Context, q quote) ([]ledger.Posting, error) {
	var out []ledger.Posting
	at := q.audit.At.In(inc.zone)
	for _, c := range []struct {
		cap    decimal.Decimal
		period string
	}{{inc.s.DailyCap, at.Format("d20060102")}, {inc.s.MonthlyCap, at.Format("m200601")}} {
		if c.cap.IsZero() {
			continue
		}
		id := inc.quotaAccount(q.providerHolder, c.period)
		if err := inc.open(ctx, ledger.Account{ID: id, Asset: inc.quotaAsset, MinBalance: c.cap.Neg()}); err != nil {
			return nil, err
		}
		out = append(out, ledger.Posting{From: id, To: inc.quotaSink, Amount: q.points, Asset: inc.quotaAsset})
	}
	return out, nil
}

func (inc *Incentive) quotaAccount(holder, period string) ledger.AccountID {
	return inc.quotaT.render(holder, period)
}

// capRefusal explains an award the ledger refused for balance: a cap account that cannot take
// it. It returns nil when every cap has room (the refusal came from a debt race).
func (inc *Incentive) capRefusal(ctx context.Context, key string, q quote, quotas []ledger.Posting) error {
	for _, p := range quotas {
		acct, err := inc.l.Account(ctx, p.From)
		if err != nil {
			return fmt.Errorf("award %s: %w", key, err)
		}
		avail, err := inc.l.Available(ctx, p.From)
		if err != nil {
			return fmt.Errorf("award %s: %w", key, err)
		}
		room := avail.Sub(acct.MinBalance)
		if room.LessThan(p.Amount) {
			capValue := acct.MinBalance.Neg()
			which := "daily"
			if p.From == inc.quotaAccount(q.providerHolder, q.audit.At.In(inc.zone).Format("m200601")) {
				which = "monthly"
			}
			return refuse(ErrOverCap, "award "+key, "%s cap %s for %s reached: %s awarded, %s more asked",
				which, capValue, q.providerHolder, capValue.Sub(room), p.Amount)
		}
	}
	return nil
}

// awardOf returns the award posted under key.
func (inc *Incentive) awardOf(ctx context.Context, key string) (ledger.Transaction, error) {
	tx, err := inc.l.TransactionByKey(ctx, key)
	if errors.Is(err, ledger.ErrNotFound) || (err == nil && tx.Metadata[MetaKind] != KindAward) {
		return ledger.Transaction{}, errorf(ErrNotAwarded, "no award under %s", key)
	}
	return tx, err
}

// AwardAudited awards one provider's approved part in a demand as the catalog records it,
// then marks it awarded in the catalog (which moves the demand to Awarded once every approved
// provider is marked). The posting always comes first: if the process dies between posting and
// marking, calling AwardAudited again finds the posting (same key, no second posting) and
// completes the mark.
//
// Errors: those of Award; the catalog's ErrNotFound (demand or provider); the catalog's errors
// from MarkAwarded, wrapped, after the points were posted (retry to repair).
func (inc *Incentive) AwardAudited(ctx context.Context, cat *catalog.Catalog, demandID, providerID uuid.UUID, actor string) (Receipt, error) {
	c, err := CompletionOf(ctx, cat, demandID, providerID)
	if err != nil {
		return Receipt{}, err
	}
	r, err := inc.Award(ctx, c)
	if err != nil {
		return Receipt{}, err
	}
	if _, err := cat.MarkAwarded(ctx, demandID, providerID, actor); err != nil {
		return r, fmt.Errorf("award %s posted, marking the demand failed (retry to repair): %w", AwardKey(demandID, providerID), err)
	}
	return r, nil
}

// CompletionOf reads a provider's completion of a demand from the catalog.
//
// Errors: the catalog's ErrNotFound (demand or provider) and ErrClosed.
func CompletionOf(ctx context.Context, cat *catalog.Catalog, demandID, providerID uuid.UUID) (Completion, error) {
	d, err := cat.Demand(ctx, demandID)
	if err != nil {
		return Completion{}, fmt.Errorf("completion of %s: %w", demandID, err)
	}
	p, err := cat.Provider(ctx, providerID)
	if err != nil {
		return Completion{}, fmt.Errorf("completion of %s by %s: %w", demandID, providerID, err)
	}
	as, err := cat.Audits(ctx, demandID)
	if err != nil {
		return Completion{}, fmt.Errorf("completion of %s: %w", demandID, err)
	}
	c := Completion{Demand: d, Provider: p, Audits: as}
	if cat.Taxonomy() != nil {
		if cc, ok := cat.Taxonomy().Category(d.Category); ok {
			c.BigItem = cc.BigItem
		}
	}
	return c, nil
}
