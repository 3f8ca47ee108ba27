package points

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/ledger"
)

// Limits of the time bank.
const (
	StorageCapMax    = 1_000_000 // hours a member may store, at most
	GiftKeyBytesMax  = 64
	RelationshipsMax = 64
	// CreditRetriesMax bounds how often a deposit or gift recomputes its split between the
	// member and the donation account after a concurrent credit took the headroom it saw.
	CreditRetriesMax = 16
	// legacyLockStripes serialise credits to members whose accounts were opened before the
	// ledger kept the storage cap (see TimeBank): in this process only.
	legacyLockStripes  = 256
	DefaultHourAsset   = "HOUR"
	DefaultHourScale   = 2
	RelationshipMaxLen = 32
)

// DefaultRelationships are the relationships a gift (转赠) may record when a time bank names none.
var DefaultRelationships = []string{"spouse", "parent", "child", "sibling", "grandparent", "grandchild", "relative", "friend"}

// TimeBankConfig configures one community's time bank (时间银行).
type TimeBankConfig struct {
	Community string // account segment naming the community
	Asset     string // default HOUR; at most AssetCodeBytesMax, not ending in "_CAP"
	Scale     int32  // default 2 (0.01 h); Deposit refuses audited hours with more decimal places
	// StorageCap is the most hours a member's account may hold (e.g. 1,500); hours beyond it
	// go to the donation account, never lost. Zero: no cap.
	StorageCap decimal.Decimal
	// GiftMax bounds one gift and GiftYearMax what one member gives in a calendar year. Zero:
	// no limit.
	GiftMax, GiftYearMax decimal.Decimal
	// Relationships a gift may record; empty: DefaultRelationships.
	Relationships []string
	// Reciprocal makes the receiver of a service pay the provider directly, instead of the
	// pool depositing for the provider.
	Reciprocal bool
	// Policy decides who may withdraw from the pool; nil allows every member.
	Policy WithdrawPolicy
	// UTCOffsetMinutes places calendar years for gift limits; nil means +08:00.
	UTCOffsetMinutes *int
	Accounts         Naming
	// Now is the clock that dates gifts for the yearly limit; nil means time.Now. Give it the
	// ledger's clock.
	Now func() time.Time `json:"-"`
}

// Member is a resident using the time bank, as the community's register describes them: what
// a WithdrawPolicy decides on. The library stores none of it.
type Member struct {
	Holder   string // PersonHolder of the resident
	Age      int
	Hardship bool // a household in hardship (困难群众)
}

// Withdrawal asks to spend a member's hours on a service the member received.
type Withdrawal struct {
	Member   Member
	Hours    decimal.Decimal
	DemandID uuid.UUID // the demand that served the member: one withdrawal per demand and member
	// ServedBy is the time bank of the community that served the member when it is not the
	// member's own (通存通兑); nil means the member's own.
	ServedBy *TimeBank
}

// WithdrawPolicy decides whether a member may withdraw hours. A non-nil error refuses; its
// text is the reason given to the member, and Withdraw's error wraps it (beside
// ErrWithdrawRefused), so the platform can match its own refusals.
type WithdrawPolicy interface {
	AllowWithdraw(ctx context.Context, w Withdrawal) error
}

// WithdrawPolicyFunc adapts a function to a WithdrawPolicy.
type WithdrawPolicyFunc func(ctx context.Context, w Withdrawal) error

// AllowWithdraw calls f.
func (f WithdrawPolicyFunc) AllowWithdraw(ctx context.Context, w Withdrawal) error { return f(ctx, w) }

// AgePolicy allows withdrawals by members of minAge or older, or of hardshipMinAge or older
// in hardship: the common rule that hours saved while young are spent in old age (e.g. 65,
// 60).
func AgePolicy(minAge, hardshipMinAge int) WithdrawPolicy {
	return WithdrawPolicyFunc(func(_ context.Context, w Withdrawal) error {
		if w.Member.Age >= minAge || (w.Member.Hardship && w.Member.Age >= hardshipMinAge) {
			return nil
		}
		return fmt.Errorf("age %d: withdrawals from %d, or from %d in hardship", w.Member.Age, minAge, hardshipMinAge)
	})
}

// TimeBank is one community's time bank (时间银行) on a ledger: one audited hour served is one
// hour deposited (asset HOUR, whatever the service), spent later when the member is served,
// given to family, stored up to a cap, and exchanged with other communities' banks on the same
// ledger through clearing accounts (通存通兑). Every hour lives in ledger accounts.
//
// The storage cap is the MaxBalance of every member account the bank opens, so the ledger
// refuses a credit over it under the same lock as any other balance check, across processes
// sharing one store: a deposit or gift computes its split (to the member up to the headroom,
// the rest to the donation account) from the member's balance, and recomputes it when a
// concurrent credit took that headroom first (at most CreditRetriesMax times). A member
// account opened before the ledger had MaxBalance (no maximum recorded) is still served: its
// credits are serialised inside this process instead, which keeps the cap only while one
// process credits that member; see the package documentation for the migration.
type TimeBank struct {
	l          *ledger.Ledger
	c          TimeBankConfig
	zone       *time.Location
	pool       ledger.AccountID
	donation   ledger.AccountID
	quotaAsset string
	quotaSink  ledger.AccountID

	legacyLocks [legacyLockStripes]sync.Mutex
	openedMu    sync.Mutex
	opened      map[ledger.AccountID]struct{}
	members     map[ledger.AccountID]bool // member accounts known open; true: no ledger cap (legacy)
}

// NewTimeBank validates cfg, creates the asset and opens the pool and donation accounts.
//
// Errors: ErrInvalidScheme, the ledger's ErrClosed.
func NewTimeBank(ctx context.Context, l *ledger.Ledger, cfg TimeBankConfig) (*TimeBank, error) {
	if l == nil {
		return nil, errorf(ErrInvalidScheme, "time bank: nil ledger")
	}
	if !ValidHolder(cfg.Community) {
		return nil, errorf(ErrInvalidScheme, "time bank: community %q", cfg.Community)
	}
	if cfg.Asset == "" {
		cfg.Asset = DefaultHourAsset
		if cfg.Scale == 0 {
			cfg.Scale = DefaultHourScale
		}
	}
	if err := validAsset(cfg.Asset); err != nil {
		return nil, errorf(ErrInvalidScheme, "time bank asset: %v", err)
	}
	if cfg.Scale < 0 || cfg.Scale > ledger.AssetScaleMax {
		return nil, errorf(ErrInvalidScheme, "time bank scale %d", cfg.Scale)
	}
	for name, v := range map[string]decimal.Decimal{"storage cap": cfg.StorageCap, "gift max": cfg.GiftMax, "gift year max": cfg.GiftYearMax} {
		if !zeroOrWithin(v, cfg.Scale, StorageCapMax) {
			return nil, errorf(ErrInvalidScheme, "time bank %s %s, want 0..%d with at most %d decimal places", name, decimalText(v), StorageCapMax, cfg.Scale)
		}
	}
	if len(cfg.Relationships) == 0 {
		cfg.Relationships = DefaultRelationships
	}
	if len(cfg.Relationships) > RelationshipsMax {
		return nil, errorf(ErrInvalidScheme, "time bank: %d relationships, at most %d", len(cfg.Relationships), RelationshipsMax)
	}
	for _, r := range cfg.Relationships {
		if !codeRE.MatchString(r) {
			return nil, errorf(ErrInvalidScheme, "time bank relationship %q", r)
		}
	}
	cfg.Relationships = slices.Clone(cfg.Relationships)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.UTCOffsetMinutes == nil {
		v := DefaultUTCOffsetMinutes
		cfg.UTCOffsetMinutes = &v
	} else if *cfg.UTCOffsetMinutes < -UTCOffsetMinutesMax || *cfg.UTCOffsetMinutes > UTCOffsetMinutesMax {
		return nil, errorf(ErrInvalidScheme, "time bank UTC offset %d", *cfg.UTCOffsetMinutes)
	}
	cfg.Accounts = cfg.Accounts.withDefaults()
	if err := cfg.Accounts.validate(cfg.Community, cfg.Asset); err != nil {
		return nil, err
	}
	tb := &TimeBank{l: l, c: cfg, zone: time.FixedZone("bank", *cfg.UTCOffsetMinutes*60), opened: make(map[ledger.AccountID]struct{}), members: make(map[ledger.AccountID]bool)}
	tb.pool = render(cfg.Accounts.Pool, cfg.Community, "", cfg.Asset, "", "")
	tb.donation = render(cfg.Accounts.Donation, cfg.Community, "", cfg.Asset, "", "")
	tb.quotaAsset = quotaAssetOf(cfg.Asset)
	tb.quotaSink = render(cfg.Accounts.Quota, cfg.Community, "_all", tb.quotaAsset, "sink", "")
	if err := define(ctx, l, ledger.Asset{Code: cfg.Asset, Scale: cfg.Scale}); err != nil {
		return nil, err
	}
	if err := tb.open(ctx, ledger.Account{ID: tb.pool, Asset: cfg.Asset, Unbounded: true}); err != nil {
		return nil, err
	}
	if err := tb.open(ctx, ledger.Account{ID: tb.donation, Asset: cfg.Asset}); err != nil {
		return nil, err
	}
	if !cfg.GiftYearMax.IsZero() {
		if err := define(ctx, l, ledger.Asset{Code: tb.quotaAsset, Scale: cfg.Scale}); err != nil {
			return nil, err
		}
		if err := tb.open(ctx, ledger.Account{ID: tb.quotaSink, Asset: tb.quotaAsset}); err != nil {
			return nil, err
		}
	}
	return tb, nil
}

func (tb *TimeBank) open(ctx context.Context, a ledger.Account) error {
	return openCached(ctx, tb.l, &tb.openedMu, tb.opened, a)
}

// Community returns the bank's community segment.
func (tb *TimeBank) Community() string { return tb.c.Community }

// MemberAccount returns a member's hours account.
func (tb *TimeBank) MemberAccount(holder string) ledger.AccountID {
	return render(tb.c.Accounts.Holder, tb.c.Community, holder, tb.c.Asset, "", "")
}

// PoolAccount returns the bank's pool: deposits come from it and withdrawals return to it.
func (tb *TimeBank) PoolAccount() ledger.AccountID { return tb.pool }

// DonationAccount returns where hours over the storage cap go.
func (tb *TimeBank) DonationAccount() ledger.AccountID { return tb.donation }

// ClearingAccount returns this bank's clearing account with another community: its balance
// is the hours this community owes the other (negative: is owed).
func (tb *TimeBank) ClearingAccount(other string) ledger.AccountID {
	return render(tb.c.Accounts.Clearing, tb.c.Community, "", tb.c.Asset, "", other)
}

// Hours returns a member's posted hours (zero if none).
//
// Errors: ErrInvalid (bad holder), the ledger's ErrClosed.
func (tb *TimeBank) Hours(ctx context.Context, holder string) (decimal.Decimal, error) {
	if !ValidHolder(holder) {
		return decimal.Zero, errorf(ErrInvalid, "holder %q", holder)
	}
	return balanceOrZero(ctx, tb.l, tb.MemberAccount(holder))
}

func (tb *TimeBank) legacyLock(holder string) *sync.Mutex {
	h := fnv.New32a()
	h.Write([]byte(holder))
	return &tb.legacyLocks[h.Sum32()%legacyLockStripes]
}

// openMember opens a member's account with the storage cap as its MaxBalance. It reports
// legacy when the account exists from before the ledger kept the cap: the same definition
// without a maximum.
func (tb *TimeBank) openMember(ctx context.Context, id ledger.AccountID) (legacy bool, err error) {
	tb.openedMu.Lock()
	legacy, ok := tb.members[id]
	tb.openedMu.Unlock()
	if ok {
		return legacy, nil
	}
	want := ledger.Account{ID: id, Asset: tb.c.Asset}
	if !tb.c.StorageCap.IsZero() {
		want.MaxBalance = decimal.NewNullDecimal(tb.c.StorageCap)
	}
	err = tb.l.OpenAccount(ctx, want)
	if errors.Is(err, ledger.ErrConflict) && want.MaxBalance.Valid {
		have, aerr := tb.l.Account(ctx, id)
		if aerr == nil && have.Asset == want.Asset && have.MinBalance.IsZero() && !have.Unbounded &&
			!have.MaxBalance.Valid && len(have.Metadata) == 0 {
			legacy, err = true, nil
		}
	}
	if errors.Is(err, ledger.ErrConflict) {
		return false, fmt.Errorf("%w: member account %s exists with another definition (another storage cap?): %w", ErrInvalidScheme, id, err)
	}
	if err != nil {
		return false, fmt.Errorf("open %s: %w", id, err)
	}
	tb.openedMu.Lock()
	if len(tb.members) >= openedCacheMax {
		clear(tb.members)
	}
	tb.members[id] = legacy
	tb.openedMu.Unlock()
	return legacy, nil
}

// split returns the postings that bring hours to a member's account from an account: to the
// member up to the storage cap as the member's balance stands now, the rest to the donation
// account.
func (tb *TimeBank) split(ctx context.Context, from, to ledger.AccountID, hours decimal.Decimal) ([]ledger.Posting, decimal.Decimal, error) {
	keep, donate := hours, decimal.Zero
	if !tb.c.StorageCap.IsZero() {
		have, err := tb.l.Balance(ctx, to)
		if err != nil {
			return nil, decimal.Zero, err
		}
		room := decimal.Max(decimal.Zero, tb.c.StorageCap.Sub(have))
		keep = decimal.Min(hours, room)
		donate = hours.Sub(keep)
	}
	ps := make([]ledger.Posting, 0, 3)
	if keep.IsPositive() {
		ps = append(ps, ledger.Posting{From: from, To: to, Amount: keep, Asset: tb.c.Asset})
	}
	if donate.IsPositive() {
		ps = append(ps, ledger.Posting{From: from, To: tb.donation, Amount: donate, Asset: tb.c.Asset})
	}
	return ps, donate, nil
}

// credit moves hours from an account to a member under key, with extra postings (a gift's
// yearly limit) in the same transaction, applying the storage cap. A key used before is
// answered with the earlier transaction when it moved the same hours of this bank's community
// and asset from the same holder (or payer) to the same holder, for the same relationship, and
// ErrKeyReused otherwise. Other errors are the ledger's, unwrapped, for the caller to explain.
func (tb *TimeBank) credit(ctx context.Context, key, holder string, from ledger.AccountID, hours decimal.Decimal, extra []ledger.Posting, memo string, meta map[string]string) (HoursReceipt, error) {
	to := tb.MemberAccount(holder)
	meta[MetaTo] = holder
	tb.openedMu.Lock()
	_, known := tb.members[to]
	tb.openedMu.Unlock()
	if !known {
		// The member's account would be opened: answer first a credit made under the key (the
		// same one, replayed, or another request, refused), so that a refusal opens nothing.
		// A member known open (the hot path) leaves that to the posting.
		if r, found, err := tb.credited(ctx, key, hours, meta); found {
			return r, err
		}
	}
	legacy, err := tb.openMember(ctx, to)
	if err != nil {
		return HoursReceipt{}, err
	}
	if legacy {
		mu := tb.legacyLock(holder)
		mu.Lock()
		defer mu.Unlock()
	}
	for attempt := 1; ; attempt++ {
		ps, donated, err := tb.split(ctx, from, to, hours)
		if err != nil {
			return HoursReceipt{}, err
		}
		ps = append(ps, extra...)
		tx, err := tb.l.Post(ctx, ledger.Transaction{IdempotencyKey: key, Postings: ps, Memo: memo, Metadata: meta})
		switch {
		case err == nil:
			return HoursReceipt{Transaction: tx, Hours: hours, Donated: donated, Replayed: tx.Replayed}, nil
		case errors.Is(err, ledger.ErrAboveMaxBalance):
			// A concurrent credit to the member took the headroom: split again.
			if attempt >= CreditRetriesMax {
				return HoursReceipt{}, fmt.Errorf("storage cap of %s lost %d races: %w", holder, CreditRetriesMax, err)
			}
		case errors.Is(err, ledger.ErrIdempotencyConflict):
			// Done before, when the member's balance split it otherwise (or other content).
			r, found, ferr := tb.credited(ctx, key, hours, meta)
			if !found {
				return HoursReceipt{}, fmt.Errorf("%s was used but cannot be read back: %w", key, ledger.ErrNotFound)
			}
			return r, ferr
		default:
			return HoursReceipt{}, err
		}
	}
}

// credited answers a credit (meta with MetaTo set) whose key was used: the first transaction
// (Replayed) when it moved the same hours of this bank's community and asset from the same
// holder (or payer) to the same holder for the same relationship, ErrKeyReused when not. found
// is false when nothing was posted under the key.
func (tb *TimeBank) credited(ctx context.Context, key string, hours decimal.Decimal, meta map[string]string) (r HoursReceipt, found bool, err error) {
	prior, err := tb.l.TransactionByKey(ctx, key)
	if errors.Is(err, ledger.ErrNotFound) {
		return HoursReceipt{}, false, nil
	}
	if err != nil {
		return HoursReceipt{}, true, fmt.Errorf("%s was used but cannot be read back: %w", key, err)
	}
	if prior.Metadata[MetaKind] != meta[MetaKind] || prior.Metadata[MetaHours] != meta[MetaHours] || prior.Metadata[MetaTo] != meta[MetaTo] ||
		prior.Metadata[MetaHolder] != meta[MetaHolder] || prior.Metadata[MetaRelationship] != meta[MetaRelationship] ||
		prior.Metadata[MetaPayer] != meta[MetaPayer] || prior.Metadata[MetaCommunity] != meta[MetaCommunity] ||
		len(prior.Postings) == 0 || prior.Postings[0].Asset != tb.c.Asset {
		// Another request, or the same one made through another bank on the ledger (a
		// deposit key names neither the community nor the asset).
		return HoursReceipt{}, true, ErrKeyReused
	}
	d := decimal.Zero
	for _, p := range prior.Postings {
		if p.To == tb.donation {
			d = d.Add(p.Amount)
		}
	}
	prior.Replayed = true
	return HoursReceipt{Transaction: prior, Hours: hours, Donated: d, Replayed: true}, true, nil
}

// HoursReceipt is the outcome of a deposit, payment or gift.
type HoursReceipt struct {
	Transaction ledger.Transaction
	Hours       decimal.Decimal // moved in all
	Donated     decimal.Decimal // of which over the storage cap, to the donation account
	// Replayed reports that the operation had been done before this call; nothing changed now.
	Replayed bool
}

// DepositKey is the idempotency key of the time-bank deposit for one provider's part in a
// demand. It names neither the community nor the asset: a ledger holds one deposit per demand
// and provider, whichever bank made it.
func DepositKey(demandID, providerID uuid.UUID) string {
	return "hours:" + demandID.String() + ":" + providerID.String()
}

// Deposit credits the provider of an audited completion with the audited hours (one hour
// served, one hour deposited), once per (demand, provider). In reciprocal mode the demand's
// requester pays the hours from their own account; otherwise they come from the bank's pool.
// Hours over the storage cap go to the donation account; a retry answers with the first
// deposit (Replayed) even if the member's balance would split it otherwise now. The audited
// hours are deposited exactly, never rounded: hours with more decimal places than the bank's
// Scale (1.5 h at scale 0) are refused.
//
// Errors: ErrInvalid (a malformed completion, or hours beyond the bank's scale),
// ErrNotAudited, ErrRejected, ErrSelfDealing (as for Award), ErrInsufficientPoints
// (reciprocal mode: the requester has too few hours), ErrKeyReused (the key was used for
// other hours, or by another bank on the ledger), ErrInvalidScheme (the member's account
// exists with another storage cap), the ledger's ErrAboveMaxBalance (more than
// CreditRetriesMax concurrent credits to the member won the race; nothing was posted, retry)
// and ErrClosed. A refused deposit changes nothing (except that one refused because the
// requester spent hours while it ran may leave the provider's account opened, empty).
func (tb *TimeBank) Deposit(ctx context.Context, c Completion) (HoursReceipt, error) {
	key := DepositKey(c.Demand.ID, c.Provider.ID)
	var audit catalog.Audit
	found := false
	for _, a := range c.Audits {
		if a.DemandID != c.Demand.ID {
			return HoursReceipt{}, errorf(ErrInvalid, "deposit %s: audit of demand %s", key, a.DemandID)
		}
		if a.ProviderID == c.Provider.ID {
			if found {
				// As Award refuses it: which of the two stands is not for the bank to pick.
				return HoursReceipt{}, errorf(ErrInvalid, "deposit %s: two audits of the provider", key)
			}
			audit, found = a, true
		}
	}
	if !found || (c.Demand.Status != catalog.StatusAudited && c.Demand.Status != catalog.StatusAwarded) {
		return HoursReceipt{}, errorf(ErrNotAudited, "deposit %s: status %s", key, c.Demand.Status)
	}
	if c.Demand.ID == uuid.Nil || c.Provider.ID == uuid.Nil {
		// As for Award: completions without them would share one deposit key.
		return HoursReceipt{}, errorf(ErrInvalid, "deposit %s: zero demand or provider id", key)
	}
	if !audit.Approved {
		return HoursReceipt{}, refuse(ErrRejected, "deposit "+key, "audit by %s rejected the work: %s", audit.Auditor, audit.Reason)
	}
	if c.Provider.HasPerson(c.Demand.Requester.ID) {
		return HoursReceipt{}, refuse(ErrSelfDealing, "deposit "+key, "requester %s is the provider", c.Demand.Requester.ID)
	}
	if err := checkRecorded(depositOp(key), &c.Demand, &audit); err != nil {
		return HoursReceipt{}, err
	}
	if !hoursWithin(audit.Hours) {
		return HoursReceipt{}, errorf(ErrInvalid, "deposit %s: %s hours", key, decimalText(audit.Hours))
	}
	// Never rounded: hours the bank cannot keep exactly are refused, as the ledger refuses an
	// amount beyond its asset's scale. hoursWithin bounded them, so only the places can fail.
	if !amountWithin(audit.Hours, tb.c.Scale, StorageCapMax) {
		return HoursReceipt{}, errorf(ErrInvalid, "deposit %s: %s hours have more decimal places than the bank's scale %d", key, audit.Hours, tb.c.Scale)
	}
	hours := audit.Hours
	holder := ProviderHolder(c.Provider)
	from, kind := tb.pool, KindDeposit
	meta := map[string]string{
		MetaCommunity: tb.c.Community, MetaDemand: c.Demand.ID.String(), MetaProvider: c.Provider.ID.String(),
		MetaHolder: holder, MetaCategory: c.Demand.Category, MetaTitle: c.Demand.Title, MetaHours: hours.String(),
		MetaAuditedAt: audit.At.UTC().Format(time.RFC3339Nano), MetaAuditor: audit.Auditor,
	}
	if tb.c.Reciprocal {
		payer := PersonHolder(c.Demand.Requester.ID)
		from, kind = tb.MemberAccount(payer), KindReciprocal
		meta[MetaPayer] = payer
	}
	meta[MetaKind] = kind
	if tb.c.Reciprocal {
		// Refuse by reading first what the posting would refuse, so that a refusal opens no
		// account (the provider's); a deposit made before is answered whatever the payer
		// holds now.
		have, err := availableOrZero(ctx, tb.l, from)
		if err != nil {
			return HoursReceipt{}, fmt.Errorf("%s: %w", key, err)
		}
		if have.LessThan(hours) {
			meta[MetaTo] = holder
			if r, found, err := tb.credited(ctx, key, hours, meta); found {
				if err != nil {
					return HoursReceipt{}, fmt.Errorf("%s: %w", key, err)
				}
				return r, nil
			}
			return HoursReceipt{}, refuse(ErrInsufficientPoints, key, "%s hours needed, %s available", hours, have)
		}
	}
	r, err := tb.credit(ctx, key, holder, from, hours, nil, "时间银行 "+kind, meta)
	switch {
	case err == nil:
		return r, nil
	case errors.Is(err, ledger.ErrInsufficientBalance), errors.Is(err, ledger.ErrUnknownAccount):
		have, _ := availableOrZero(ctx, tb.l, from)
		return HoursReceipt{}, refuse(ErrInsufficientPoints, key, "%s hours needed, %s available", hours, have)
	}
	return HoursReceipt{}, fmt.Errorf("%s: %w", key, err)
}

// depositOp names a deposit in errors.
type depositOp string

func (o depositOp) String() string { return "deposit " + string(o) }

// MetaPayer, MetaRelationship, MetaTo and MetaServedIn are metadata keys of time-bank
// transactions.
const (
	MetaPayer        = "payer"
	MetaRelationship = "relationship"
	MetaTo           = "to"        // the member credited by a deposit or gift
	MetaServedIn     = "served_in" // the community that served a withdrawal
)

// WithdrawKey is the idempotency key of a member's withdrawal for a demand that served them.
func WithdrawKey(demandID uuid.UUID, holder string) string {
	return "withdraw:" + demandID.String() + ":" + holder
}

// Withdraw spends a member's hours on a service they received, returning them to the pool,
// once per (demand, member), if the bank's WithdrawPolicy allows it. When w.ServedBy is
// another community's bank on the same ledger (通存通兑), the hours leave the member's account
// into this bank's clearing account for that community and enter that bank's pool from its
// clearing account for this one; Settlement reports the net of each pair. A ServedBy of the
// member's own community (any TimeBank value of it) is a withdrawal in that community.
//
// A retry of a withdrawal that was made (the same demand, member, hours and serving bank)
// returns the first one (Replayed) and changes nothing, before the policy is asked: a policy
// that would refuse it now (the member's register or a quota moved since) does not undo it.
//
// Errors: ErrInvalid (bad holder, no DemandID, hours not positive or beyond the scale, a
// serving bank on another ledger or asset or whose clearing account with this community is
// this bank's with it), ErrWithdrawRefused (a *Refusal with the policy's reason),
// ErrInsufficientPoints, ErrKeyReused (the same demand and member with other hours), the
// ledger's ErrClosed, the context's error when it ended while the policy was asked (not a
// refusal). A refused withdrawal changes nothing (except that one across
// communities refused because the member spent hours while it ran may leave the pair's
// clearing accounts opened, empty).
func (tb *TimeBank) Withdraw(ctx context.Context, w Withdrawal) (HoursReceipt, error) {
	h := w.Member.Holder
	if !ValidHolder(h) {
		return HoursReceipt{}, errorf(ErrInvalid, "withdraw: holder %q", h)
	}
	if w.DemandID == uuid.Nil {
		// The key is per demand: every withdrawal without one would share it, and the next
		// of the same hours would replay the first and withdraw nothing.
		return HoursReceipt{}, errorf(ErrInvalid, "withdraw: holder %s: no demand", h)
	}
	key := WithdrawKey(w.DemandID, h)
	if !amountWithin(w.Hours, tb.c.Scale, StorageCapMax) {
		return HoursReceipt{}, errorf(ErrInvalid, "%s: hours %s", key, decimalText(w.Hours))
	}
	served := w.ServedBy
	if served == nil {
		served = tb
	}
	if served.l != tb.l || served.c.Asset != tb.c.Asset {
		return HoursReceipt{}, errorf(ErrInvalid, "%s: serving bank %s is on another ledger or asset", key, served.c.Community)
	}
	if served.c.Community == tb.c.Community {
		// Another TimeBank value of this community (another process's, or one built again
		// after a restart) serves in this community: no clearing, whichever value it is.
		served = tb
	}
	from := tb.MemberAccount(h)
	ps := []ledger.Posting{{From: from, To: tb.pool, Amount: w.Hours, Asset: tb.c.Asset}}
	var clearing []ledger.AccountID
	if served != tb {
		out, in := tb.ClearingAccount(served.c.Community), served.ClearingAccount(tb.c.Community)
		clearing = []ledger.AccountID{out, in}
		ps = []ledger.Posting{
			{From: from, To: out, Amount: w.Hours, Asset: tb.c.Asset},
			{From: in, To: served.pool, Amount: w.Hours, Asset: tb.c.Asset},
		}
	}
	meta := map[string]string{
		MetaKind: KindWithdraw, MetaCommunity: tb.c.Community, MetaDemand: w.DemandID.String(),
		MetaHolder: h, MetaHours: w.Hours.String(), MetaServedIn: served.c.Community,
	}
	// A retry is answered before the policy is asked: the policy decides whether a withdrawal
	// may be made, and this one was made; what the policy looks at (the member's register, a
	// quota) may have moved since, which must not turn a replay into a refusal.
	if r, found, err := tb.replayWithdraw(ctx, key, ps, meta, w.Hours); found {
		return r, err
	}
	if clearing != nil && clearing[0] == clearing[1] {
		// The banks' clearing templates name the pair's two accounts alike: the hours would
		// pass through one account and neither side would record what is owed.
		return HoursReceipt{}, errorf(ErrInvalid, "%s: banks %s and %s name one clearing account %s for both sides", key, tb.c.Community, served.c.Community, clearing[0])
	}
	if tb.c.Policy != nil {
		if err := tb.c.Policy.AllowWithdraw(ctx, w); err != nil {
			if cerr := ctx.Err(); cerr != nil {
				// The policy could not answer (its lookup was cancelled or timed out): not a
				// reason to give the member, and the caller may retry.
				return HoursReceipt{}, fmt.Errorf("%s: withdraw policy not answered: %w", key, cerr)
			}
			return HoursReceipt{}, &Refusal{Kind: ErrWithdrawRefused, Op: key, Reason: err.Error(), Cause: err}
		}
	}
	if clearing != nil {
		// Refuse by reading first what the posting would refuse, so that a refusal does not
		// leave the pair's clearing accounts opened. (A member who spends meanwhile is still
		// refused by the posting, after the accounts are opened, empty.)
		have, err := availableOrZero(ctx, tb.l, from)
		if err != nil {
			return HoursReceipt{}, fmt.Errorf("%s: %w", key, err)
		}
		if have.LessThan(w.Hours) {
			return HoursReceipt{}, refuse(ErrInsufficientPoints, key, "%s hours asked, %s available", w.Hours, have)
		}
	}
	for _, a := range clearing {
		if err := tb.open(ctx, ledger.Account{ID: a, Asset: tb.c.Asset, Unbounded: true}); err != nil {
			return HoursReceipt{}, fmt.Errorf("%s: %w", key, err)
		}
	}
	tx, err := tb.l.Post(ctx, ledger.Transaction{IdempotencyKey: key, Postings: ps, Memo: withdrawMemo, Metadata: meta})
	switch {
	case err == nil:
		// Replayed when a concurrent call under the key posted first.
		return HoursReceipt{Transaction: tx, Hours: w.Hours, Donated: decimal.Zero, Replayed: tx.Replayed}, nil
	case errors.Is(err, ledger.ErrIdempotencyConflict):
		return HoursReceipt{}, fmt.Errorf("%s: %w", key, ErrKeyReused)
	case errors.Is(err, ledger.ErrInsufficientBalance), errors.Is(err, ledger.ErrUnknownAccount):
		have, _ := availableOrZero(ctx, tb.l, from)
		return HoursReceipt{}, refuse(ErrInsufficientPoints, key, "%s hours asked, %s available", w.Hours, have)
	}
	return HoursReceipt{}, fmt.Errorf("%s: %w", key, err)
}

const withdrawMemo = "时间银行 withdraw"

// replayWithdraw answers a withdrawal whose key was used: the first transaction (Replayed)
// when it posted the same withdrawal, ErrKeyReused when not. found is false when nothing was
// posted under the key.
func (tb *TimeBank) replayWithdraw(ctx context.Context, key string, ps []ledger.Posting, meta map[string]string, hours decimal.Decimal) (r HoursReceipt, found bool, err error) {
	prior, err := tb.l.TransactionByKey(ctx, key)
	if errors.Is(err, ledger.ErrNotFound) {
		return HoursReceipt{}, false, nil
	}
	if err != nil {
		return HoursReceipt{}, true, fmt.Errorf("%s: %w", key, err)
	}
	same := prior.Memo == withdrawMemo && maps.Equal(prior.Metadata, meta) && len(prior.Postings) == len(ps)
	for i := 0; same && i < len(ps); i++ {
		same = samePosting(prior.Postings[i], ps[i])
	}
	if !same {
		return HoursReceipt{}, true, fmt.Errorf("%s: %w", key, ErrKeyReused)
	}
	prior.Replayed = true
	return HoursReceipt{Transaction: prior, Hours: hours, Donated: decimal.Zero, Replayed: true}, true, nil
}

// Gift asks to give hours to a relative or friend (转赠).
type Gift struct {
	Key          string // the caller's id for this gift, 1..GiftKeyBytesMax of [A-Za-z0-9_.-]
	From, To     string // holders
	Hours        decimal.Decimal
	Relationship string // one of the bank's relationships: "parent", "child", ...
}

// giftKey is the ledger idempotency key of a gift: "gift:<community>:<key>", or, when a long
// community and a long key make that longer than the ledger takes, "gift:<community>:h:" and
// a hash of the key. A gift key holds no ':', so the two forms never name one gift.
func giftKey(community, key string) string {
	k := "gift:" + community + ":" + key
	if len(k) <= ledger.IdempotencyKeyBytesMax {
		return k
	}
	sum := sha256.Sum256([]byte(key))
	return "gift:" + community + ":h:" + hex.EncodeToString(sum[:24])
}

// Gift moves hours from one member to another, recording the relationship, once per key.
// The giver's per-gift and per-year limits apply (the yearly one kept in a cap account the
// ledger enforces); hours over the receiver's storage cap go to the donation account.
//
// Errors: ErrInvalid (bad key or holders, giving to oneself, hours not positive or beyond the
// scale, an unknown relationship), ErrOverCap (a *Refusal naming the limit),
// ErrInsufficientPoints, ErrKeyReused, ErrInvalidScheme (the receiver's account exists with
// another storage cap), the ledger's ErrAboveMaxBalance (lost CreditRetriesMax races, as for
// Deposit) and ErrClosed. A refused gift changes nothing (except that one refused because the
// giver spent hours while it ran may leave the receiver's and the giver's yearly accounts
// opened, empty).
func (tb *TimeBank) Gift(ctx context.Context, g Gift) (HoursReceipt, error) {
	if !ValidHolder(g.Key) || len(g.Key) > GiftKeyBytesMax {
		return HoursReceipt{}, errorf(ErrInvalid, "gift: key %q", g.Key)
	}
	key := giftKey(tb.c.Community, g.Key)
	if !ValidHolder(g.From) || !ValidHolder(g.To) || g.From == g.To {
		return HoursReceipt{}, errorf(ErrInvalid, "%s: from %q to %q", key, g.From, g.To)
	}
	if !amountWithin(g.Hours, tb.c.Scale, StorageCapMax) {
		return HoursReceipt{}, errorf(ErrInvalid, "%s: hours %s", key, decimalText(g.Hours))
	}
	if !slices.Contains(tb.c.Relationships, g.Relationship) {
		return HoursReceipt{}, errorf(ErrInvalid, "%s: relationship %q, want one of %v", key, g.Relationship, tb.c.Relationships)
	}
	if !tb.c.GiftMax.IsZero() && g.Hours.GreaterThan(tb.c.GiftMax) {
		return HoursReceipt{}, refuse(ErrOverCap, key, "%s hours in one gift, at most %s", g.Hours, tb.c.GiftMax)
	}
	from := tb.MemberAccount(g.From)
	meta := map[string]string{
		MetaKind: KindGift, MetaCommunity: tb.c.Community, MetaHolder: g.From,
		MetaHours: g.Hours.String(), MetaRelationship: g.Relationship,
	}
	// A gift made under the key is answered before anything is opened (the year's account of
	// the giver, the receiver's account): a key used for another gift changes nothing.
	meta[MetaTo] = g.To
	if r, found, err := tb.credited(ctx, key, g.Hours, meta); found {
		if err != nil {
			return HoursReceipt{}, fmt.Errorf("%s: %w", key, err)
		}
		return r, nil
	}
	var year []ledger.Posting
	var quota ledger.AccountID
	if !tb.c.GiftYearMax.IsZero() {
		quota = render(tb.c.Accounts.Quota, tb.c.Community, g.From, tb.quotaAsset, tb.c.Now().In(tb.zone).Format("g2006"), "")
	}
	if err := tb.refuseGiftEarly(ctx, key, g, from, quota); err != nil {
		return HoursReceipt{}, err
	}
	if quota != "" {
		if err := tb.open(ctx, ledger.Account{ID: quota, Asset: tb.quotaAsset, MinBalance: tb.c.GiftYearMax.Neg()}); err != nil {
			return HoursReceipt{}, fmt.Errorf("%s: %w", key, err)
		}
		year = []ledger.Posting{{From: quota, To: tb.quotaSink, Amount: g.Hours, Asset: tb.quotaAsset}}
	}
	r, err := tb.credit(ctx, key, g.To, from, g.Hours, year, "时间银行转赠 gift ("+g.Relationship+")", meta)
	switch {
	case err == nil:
		return r, nil
	case errors.Is(err, ledger.ErrInsufficientBalance), errors.Is(err, ledger.ErrUnknownAccount):
		have, _ := availableOrZero(ctx, tb.l, from)
		if have.GreaterThanOrEqual(g.Hours) && year != nil {
			return HoursReceipt{}, refuse(ErrOverCap, key, "the yearly gift limit of %s hours for %s is reached", tb.c.GiftYearMax, g.From)
		}
		return HoursReceipt{}, refuse(ErrInsufficientPoints, key, "%s hours to give, %s available", g.Hours, have)
	}
	return HoursReceipt{}, fmt.Errorf("%s: %w", key, err)
}

// refuseGiftEarly refuses a gift by reading first what its posting would refuse (too few hours
// for the giver, the giver's yearly limit reached, with quota the giver's yearly account or ""),
// so that a refused gift opens no accounts: neither the receiver's nor the giver's yearly one.
// A gift whose key was used is left to credit, which answers it from the first transaction
// whatever the balances now. A gift that passes here can still be refused by the posting when
// the giver spends meanwhile (the accounts are then opened, empty).
func (tb *TimeBank) refuseGiftEarly(ctx context.Context, key string, g Gift, from, quota ledger.AccountID) error {
	have, err := availableOrZero(ctx, tb.l, from)
	if err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	over := false
	if quota != "" {
		given, err := balanceOrZero(ctx, tb.l, quota)
		if err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		over = given.Sub(g.Hours).LessThan(tb.c.GiftYearMax.Neg())
	}
	if have.GreaterThanOrEqual(g.Hours) && !over {
		return nil
	}
	if _, err := tb.l.TransactionByKey(ctx, key); err == nil {
		return nil
	} else if !errors.Is(err, ledger.ErrNotFound) {
		return fmt.Errorf("%s: %w", key, err)
	}
	if have.LessThan(g.Hours) {
		return refuse(ErrInsufficientPoints, key, "%s hours to give, %s available", g.Hours, have)
	}
	return refuse(ErrOverCap, key, "the yearly gift limit of %s hours for %s is reached", tb.c.GiftYearMax, g.From)
}
