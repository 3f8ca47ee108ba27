package points

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

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
	MetaTitle        = "title"
	MetaHours        = "hours"         // credited hours
	MetaAuditedHours = "audited_hours" // hours as audited, written only when the per-activity maximum cut them
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

// Receipt is the outcome of an award. A retry's receipt is of the award posted first: its
// points, even if the scheme would price the completion otherwise now, and its Transaction
// with Replayed set.
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
	return pairKey("award:", demandID, providerID)
}

// uuidTextBytes is the length of a uuid in its canonical text form.
const uuidTextBytes = 36

// pairKey is prefix + demand + ":" + provider, built in one allocation: awards build one per
// call, and their metadata reuses its parts (see keyIDs).
func pairKey(prefix string, demandID, providerID uuid.UUID) string {
	var buf [len("clawback:") + 2*uuidTextBytes + 1]byte // on the stack: string copies it once
	return string(appendPairKey(buf[:0], prefix, demandID, providerID))
}

func appendPairKey(b []byte, prefix string, demandID, providerID uuid.UUID) []byte {
	b = append(b, prefix...)
	b = appendUUID(b, demandID)
	b = append(b, ':')
	return appendUUID(b, providerID)
}

// keyIDs returns the demand and provider parts of a key built by pairKey with prefix: the
// same text as uuid.String, sharing the key's memory.
func keyIDs(key, prefix string) (demand, provider string) {
	return key[len(prefix) : len(prefix)+uuidTextBytes], key[len(prefix)+uuidTextBytes+1:]
}

// appendUUID appends u in the canonical form of uuid.String (8-4-4-4-12 lower-case hex).
func appendUUID(b []byte, u uuid.UUID) []byte {
	const hexDigits = "0123456789abcdef"
	for i, v := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b = append(b, '-')
		}
		b = append(b, hexDigits[v>>4], hexDigits[v&0x0f])
	}
	return b
}

// ClawbackKey is the idempotency key of the clawback of an award.
func ClawbackKey(demandID, providerID uuid.UUID) string {
	return pairKey("clawback:", demandID, providerID)
}

// Quote prices an audited completion without posting: the provider's points and who receives
// them. It applies every check Award applies except the caps.
//
// Errors: ErrInvalid (the audits or provider do not belong to the demand, a zero demand or
// provider id, an approved audit of hours not positive, a title, category or auditor the
// ledger cannot record, a team whose members share its points listing a member without a
// person id), ErrNotAudited, ErrRejected, ErrSelfDealing, ErrNothingToAward.
func (inc *Incentive) Quote(c Completion) (decimal.Decimal, []Share, error) {
	var q quote
	err := inc.quote(&c, ProviderHolder(c.Provider), &q)
	return q.points, q.shares, err
}

type quote struct {
	audit          *catalog.Audit // the provider's, in the completion's Audits
	points         decimal.Decimal
	credited       decimal.Decimal
	shares         []Share
	providerHolder string
}

// quote prices a completion whose provider's holder is providerHolder (ProviderHolder) into
// q. Both are passed by pointer: a Completion is several hundred bytes.
func (inc *Incentive) quote(c *Completion, providerHolder string, q *quote) error {
	op := awardOp{c.Demand.ID, c.Provider.ID}
	found := false
	approved := 0
	var firstHours, hoursSum decimal.Decimal // hoursSum is summed from a second approved audit on
	for i := range c.Audits {
		a := &c.Audits[i]
		if a.DemandID != c.Demand.ID {
			return errorf(ErrInvalid, "%s: audit of demand %s", op, a.DemandID)
		}
		if a.ProviderID == c.Provider.ID {
			if found {
				return errorf(ErrInvalid, "%s: two audits of the provider", op)
			}
			q.audit, found = a, true
		}
		if a.Approved && !hoursWithin(a.Hours) {
			// Catalog audits approve positive hours only; a non-positive share would inflate
			// the others' part of the base (split by hours).
			return errorf(ErrInvalid, "%s: audit of provider %s approves %s hours", op, a.ProviderID, decimalText(a.Hours))
		}
		if a.Approved {
			switch approved++; approved {
			case 1:
				firstHours = a.Hours
			case 2:
				hoursSum = minDecimal(firstHours, inc.s.HoursPerActivityMax).Add(minDecimal(a.Hours, inc.s.HoursPerActivityMax))
			default:
				hoursSum = hoursSum.Add(minDecimal(a.Hours, inc.s.HoursPerActivityMax))
			}
		}
	}
	if !found || (c.Demand.Status != catalog.StatusAudited && c.Demand.Status != catalog.StatusAwarded) {
		return errorf(ErrNotAudited, "%s: status %s", op, c.Demand.Status)
	}
	if c.Demand.ID == uuid.Nil || c.Provider.ID == uuid.Nil {
		// AwardKey is made of the two: completions without them would share one award.
		return errorf(ErrInvalid, "%s: zero demand or provider id", op)
	}
	if !q.audit.Approved {
		return refuse(ErrRejected, op.String(), "audit by %s rejected the work: %s", q.audit.Auditor, q.audit.Reason)
	}
	if c.Provider.HasPerson(c.Demand.Requester.ID) {
		return refuse(ErrSelfDealing, op.String(), "requester %s is the provider or one of its members", c.Demand.Requester.ID)
	}
	if err := checkRecorded(op, &c.Demand, q.audit); err != nil {
		return err
	}
	s := &inc.s
	if c.Provider.Kind == catalog.Team && s.Team == TeamToMembers {
		for i := range c.Provider.Members {
			// The catalog requires one; without it a member's share would go to
			// PersonHolder(""), an account every such member of every team shares.
			if c.Provider.Members[i].PersonID == "" {
				return errorf(ErrInvalid, "%s: team member %d has no person id", op, i)
			}
		}
	}
	mult, scaled := s.multiplier(c.Demand, c.BigItem)
	q.credited = minDecimal(q.audit.Hours, s.HoursPerActivityMax)
	if approved == 1 {
		hoursSum = q.credited // the one approved audit is the provider's
	}
	base := inc.base.points(c.Demand.Category, c.Demand.Kind)
	// The provider alone, without a multiplier, keeps the whole base (whatever the split):
	// priced in int64 when it fits, to the same coefficient and exponent as below.
	var sp small
	fast := false
	if approved == 1 && !scaled {
		sp, fast = priceSmall(base, q.credited, s.PointsPerHour, s.Scale)
	}
	// Points are kept without trailing zeros after the point, the form an award's metadata
	// reads back as: a retry answered from the posted award (postedAward) then returns the
	// decimal the first call returned, whatever exponents the rates and hours were written with.
	if fast {
		sp = sp.trimmed()
		q.points = inc.amountOf(sp)
		if sp.greaterThanUnits(CapMax) {
			return errorf(ErrInvalid, "%s: %s points is beyond any cap", op, q.points)
		}
	} else {
		if scaled {
			base = base.Mul(mult)
		}
		// A share of the whole (one approved provider) is the whole: skip the division.
		switch {
		case s.Split == SplitEqually:
			if approved > 1 {
				base = base.Div(decimal.NewFromInt(int64(approved)))
			}
		case !hoursSum.IsPositive():
			base = decimal.Zero
		case !q.credited.Equal(hoursSum):
			base = base.Mul(q.credited).Div(hoursSum)
		}
		perHour := q.credited.Mul(s.PointsPerHour)
		if scaled {
			perHour = perHour.Mul(mult)
		}
		q.points = base.Add(perHour).Truncate(s.Scale)
		if !q.points.IsPositive() {
			return refuse(ErrNothingToAward, op.String(), "the scheme gives %s points", q.points)
		}
		if q.points.GreaterThan(capMaxPoints) {
			return errorf(ErrInvalid, "%s: %s points is beyond any cap", op, q.points)
		}
		q.points = trimDecimal(q.points)
	}
	q.providerHolder = providerHolder
	q.shares = inc.shareOut(&c.Provider, providerHolder, q.points)
	return nil
}

// shareOut says who receives a provider's points: the provider's holder, or with
// TeamToMembers a team's members in equal shares.
func (inc *Incentive) shareOut(p *catalog.Provider, providerHolder string, points decimal.Decimal) []Share {
	if p.Kind != catalog.Team || inc.s.Team != TeamToMembers || len(p.Members) == 0 {
		return []Share{{Holder: providerHolder, Points: points}}
	}
	var shares []Share
	n := int64(len(p.Members))
	each := points.Div(decimal.NewFromInt(n)).Truncate(inc.s.Scale)
	rest := points.Sub(each.Mul(decimal.NewFromInt(n)))
	for i, m := range p.Members {
		v := each
		if i == 0 {
			v = v.Add(rest) // the rounding remainder goes to the first member: nothing is lost
		}
		if v.IsPositive() {
			shares = append(shares, Share{Holder: PersonHolder(m.PersonID), Points: v})
		}
	}
	return shares
}

var capMaxPoints = decimal.NewFromInt(CapMax)

// checkRecorded refuses a completion whose text an award or deposit records (the demand's
// title and category, the auditor) is text the ledger cannot keep in metadata: over
// ledger.MetadataValueBytesMax bytes, not UTF-8, or holding NUL. The catalog's limits keep its
// own records within these; a Completion built elsewhere is checked here, before any account
// is opened, so that it gets ErrInvalid and not the ledger's error halfway through.
func checkRecorded[O fmt.Stringer](op O, d *catalog.Demand, a *catalog.Audit) error {
	// Generic in op, checked one by one and the error built apart: op becomes an interface (an
	// allocation) only when there is an error to format.
	switch {
	case !recordable(d.Title):
		return notRecordable(op, "title", d.Title)
	case !recordable(d.Category):
		return notRecordable(op, "category", d.Category)
	case !recordable(a.Auditor):
		return notRecordable(op, "auditor", a.Auditor)
	}
	return nil
}

// recordable reports whether the ledger can keep text as a metadata value.
func recordable(text string) bool {
	return len(text) <= ledger.MetadataValueBytesMax && utf8.ValidString(text) && strings.IndexByte(text, 0) < 0
}

func notRecordable(op fmt.Stringer, name, text string) error {
	return errorf(ErrInvalid, "%s: %s of %d bytes is not UTF-8 text without NUL of at most %d bytes",
		op, name, len(text), ledger.MetadataValueBytesMax)
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
// within its period), ErrNotAwarded (another scheme on the ledger, of another community or
// asset, awarded this provider's part in the demand: AwardKey names neither, so a ledger
// holds one award per demand and provider), and the ledger's ErrClosed. A refused award posts
// nothing and changes no balance; only an over-cap refusal, which the ledger finds in the
// posting, may leave the provider's accounts (points, debt, the period's cap accounts)
// opened, empty.
func (inc *Incentive) Award(ctx context.Context, c Completion) (Receipt, error) {
	pa := inc.providerAccounts(c.Provider)
	var q quote
	err := inc.quote(&c, pa.holder, &q)
	if err != nil {
		return Receipt{}, err
	}
	// The key, the memo and the metadata Award formats are cut from one string: one allocation.
	var buf [awardTextBytes]byte // on the stack unless a long title outgrows it
	b := appendPairKey(buf[:0], "award:", c.Demand.ID, c.Provider.ID)
	keyEnd := len(b)
	b = append(append(b, awardMemo...), c.Demand.Title...)
	memoEnd := len(b)
	b = q.audit.At.UTC().AppendFormat(b, time.RFC3339Nano)
	atEnd := len(b)
	b = appendDecimal(b, q.points)
	pointsEnd := len(b)
	b = appendDecimal(b, q.credited)
	text := string(b)
	key, memo := text[:keyEnd], text[keyEnd:memoEnd]
	auditedAt, points, credited := text[memoEnd:atEnd], text[atEnd:pointsEnd], text[pointsEnd:]
	if inc.opensAccounts(&pa, q.shares, q.audit.At) {
		// Accounts would be opened for this award: answer first an award posted under the key
		// (this scheme's, replayed, or another scheme's, refused), so that neither opens the
		// accounts of this scheme for it. Only an award whose accounts are known open (the
		// hot path) leaves that to its posting.
		if _, err := inc.l.TransactionByKey(ctx, key); err == nil {
			return inc.postedAward(ctx, key, &c, &q)
		} else if !errors.Is(err, ledger.ErrNotFound) {
			return Receipt{}, fmt.Errorf("award %s: %w", key, err)
		}
	}
	var one [1]holderAccounts // most awards have one receiver: no allocation
	shares := one[:]
	if len(q.shares) != 1 {
		shares = make([]holderAccounts, len(q.shares))
	}
	for i, sh := range q.shares {
		if sh.Holder == pa.holder {
			shares[i], err = inc.openProvider(ctx, c.Provider.ID, &pa)
		} else {
			shares[i], err = inc.memberAccounts(ctx, sh.Holder)
		}
		if err != nil {
			return Receipt{}, fmt.Errorf("award %s: %w", key, err)
		}
	}
	quotas, err := inc.quotaAccounts(ctx, c.Provider.ID, &pa, q.audit.At)
	if err != nil {
		return Receipt{}, fmt.Errorf("award %s: %w", key, err)
	}
	demandID, providerID := keyIDs(key, "award:")
	meta := make(map[string]string, awardMetaEntries)
	meta[MetaKind], meta[MetaCommunity] = KindAward, inc.s.Community
	meta[MetaDemand], meta[MetaProvider], meta[MetaHolder] = demandID, providerID, q.providerHolder
	meta[MetaCategory], meta[MetaTitle] = c.Demand.Category, c.Demand.Title
	meta[MetaHours], meta[MetaPoints] = credited, points
	meta[MetaAuditedAt], meta[MetaAuditor] = auditedAt, q.audit.Auditor
	if !q.audit.Hours.Equal(q.credited) {
		meta[MetaAuditedHours] = decimalString(q.audit.Hours)
	}
	var paid []decimal.Decimal // per share; a team may list one member twice
	if len(q.shares) > 1 {
		paid = make([]decimal.Decimal, len(q.shares))
	}
	for attempt := 0; ; attempt++ {
		postings := make([]ledger.Posting, 0, len(quotas)+2*len(q.shares))
		for _, id := range quotas {
			postings = append(postings, ledger.Posting{From: id, To: inc.quotaSink, Amount: q.points, Asset: inc.quotaAsset})
		}
		for i, sh := range q.shares {
			ha := shares[i]
			debt, err := inc.l.Balance(ctx, ha.debt)
			if err != nil {
				return Receipt{}, fmt.Errorf("award %s: %w", key, err)
			}
			for j := range i { // what earlier shares of this transaction pay off is not owed
				if shares[j].debt == ha.debt {
					debt = debt.Sub(paid[j])
				}
			}
			pay := decimal.Min(debt, sh.Points)
			if paid != nil {
				paid[i] = decimal.Max(pay, decimal.Zero)
			}
			rest := sh.Points
			if pay.IsPositive() {
				postings = append(postings, ledger.Posting{From: ha.debt, To: inc.issuer, Amount: pay, Asset: inc.s.Asset})
				rest = rest.Sub(pay)
			}
			if rest.IsPositive() {
				postings = append(postings, ledger.Posting{From: inc.issuer, To: ha.account, Amount: rest, Asset: inc.s.Asset})
			}
		}
		tx, err := inc.l.Post(ctx, ledger.Transaction{IdempotencyKey: key, Postings: postings, Memo: memo, Metadata: meta})
		switch {
		case err == nil:
			return Receipt{Transaction: tx, Points: q.points, Shares: q.shares, DebtPaid: paidIn(tx, inc.s.Asset, inc.issuer)}, nil
		case errors.Is(err, ledger.ErrIdempotencyConflict):
			// Posted before, when a receiver's debt was different (or the scheme's rates): the
			// award exists, and the receipt is of it.
			return inc.postedAward(ctx, key, &c, &q)
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

// postedAward answers an award whose key was used: the receipt of the award this scheme posted
// under it (Replayed, with the points posted, whatever the scheme would price now), or
// ErrNotAwarded when another scheme's award holds the key.
func (inc *Incentive) postedAward(ctx context.Context, key string, c *Completion, q *quote) (Receipt, error) {
	tx, err := inc.awardOf(ctx, key)
	if err != nil {
		return Receipt{}, fmt.Errorf("award %s was posted but cannot be read back: %w", key, err)
	}
	tx.Replayed = true // as the ledger marks a replay whose postings came out the same
	pts, shares := q.points, q.shares
	posted, perr := decimal.NewFromString(tx.Metadata[MetaPoints])
	if perr != nil {
		return Receipt{}, fmt.Errorf("%w: award %s has unreadable points %q", ledger.ErrCorrupt, key, tx.Metadata[MetaPoints])
	}
	if !posted.Equal(pts) {
		pts, shares = posted, inc.shareOut(&c.Provider, q.providerHolder, posted)
	}
	return Receipt{Transaction: tx, Points: pts, Shares: shares, DebtPaid: paidIn(tx, inc.s.Asset, inc.issuer)}, nil
}

// opensAccounts reports whether an award of shares by the provider of pa, audited at at,
// would open an account this Incentive does not know open: the provider's own, a member's, or
// a cap account of the audit's day.
func (inc *Incentive) opensAccounts(pa *providerAccounts, shares []Share, at time.Time) bool {
	for _, sh := range shares {
		if sh.Holder == pa.holder {
			if !pa.opened {
				return true
			}
		} else if _, ok := inc.members.load(sh.Holder); !ok {
			return true
		}
	}
	if inc.s.DailyCap.IsZero() && inc.s.MonthlyCap.IsZero() {
		return false
	}
	return pa.nQuotas == 0 || pa.day != inc.dayOf(at)
}

// awardMetaEntries is the number of metadata entries of an award, at most.
const awardMetaEntries = 12

// awardMemo starts the memo of an award; the demand's title follows.
const awardMemo = "积分 award: "

// awardTextBytes is room for an award's key, memo, audit time and amounts with a title of up
// to 64 bytes, all formatted on the stack.
const awardTextBytes = 256

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

// capRefusal explains an award the ledger refused for balance: a cap account that cannot take
// it. It returns nil when every cap has room (the refusal came from a debt race).
func (inc *Incentive) capRefusal(ctx context.Context, key string, q quote, quotas []ledger.AccountID) error {
	for i, id := range quotas {
		acct, err := inc.l.Account(ctx, id)
		if err != nil {
			return fmt.Errorf("award %s: %w", key, err)
		}
		avail, err := inc.l.Available(ctx, id)
		if err != nil {
			return fmt.Errorf("award %s: %w", key, err)
		}
		room := avail.Sub(acct.MinBalance)
		if room.LessThan(q.points) {
			capValue := acct.MinBalance.Neg()
			which := "daily"
			if i == 1 || inc.s.DailyCap.IsZero() {
				which = "monthly"
			}
			return refuse(ErrOverCap, "award "+key, "%s cap %s for %s reached: %s awarded, %s more asked",
				which, capValue, q.providerHolder, capValue.Sub(room), q.points)
		}
	}
	return nil
}

// awardOf returns the award of this scheme posted under key. The key names neither the
// community nor the asset, so an award of another scheme on the same ledger (another
// community's, or another asset's of this community) is not found.
func (inc *Incentive) awardOf(ctx context.Context, key string) (ledger.Transaction, error) {
	tx, err := inc.l.TransactionByKey(ctx, key)
	if errors.Is(err, ledger.ErrNotFound) || (err == nil && (tx.Metadata[MetaKind] != KindAward || tx.Metadata[MetaCommunity] != inc.s.Community || !inc.issues(tx))) {
		return ledger.Transaction{}, errorf(ErrNotAwarded, "no award under %s", key)
	}
	return tx, err
}

// issues reports whether tx moves this scheme's points into or out of its issuer: every award
// of the scheme does (to a receiver, or paying off a debt).
func (inc *Incentive) issues(tx ledger.Transaction) bool {
	for _, p := range tx.Postings {
		if p.Asset == inc.s.Asset && (p.From == inc.issuer || p.To == inc.issuer) {
			return true
		}
	}
	return false
}

// AwardAudited awards one provider's approved part in a demand as the catalog records it,
// then marks it awarded in the catalog (which moves the demand to Awarded once every approved
// provider is marked). The posting always comes first: if the process dies between posting and
// marking, calling AwardAudited again finds the posting (same key, no second posting) and
// completes the mark.
//
// Errors: the catalog's ErrInvalid (an actor it refuses; nothing posted); those of Award; the
// catalog's ErrNotFound (demand or provider); the catalog's errors from MarkAwarded, wrapped,
// after the points were posted (retry to repair).
func (inc *Incentive) AwardAudited(ctx context.Context, cat *catalog.Catalog, demandID, providerID uuid.UUID, actor string) (Receipt, error) {
	// MarkAwarded checks the actor too, but only after the points are posted.
	if err := catalog.ValidateActor(actor); err != nil {
		return Receipt{}, fmt.Errorf("award %s: %w", AwardKey(demandID, providerID), err)
	}
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
