package points

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/ledger"
)

// Limits of the points engine.
const (
	// AwardRetriesMax bounds how often Award recomputes its postings after losing a race on a
	// holder's debt to a concurrent award.
	AwardRetriesMax = 8
	// openedCacheMax bounds the set of account ids known to be open, kept to skip OpenAccount
	// on hot paths; the set is dropped and rebuilt when it grows beyond this.
	openedCacheMax = 4_000_000
	// accountsCacheMax bounds each per-Incentive cache of award accounts (per provider, per
	// team member); a full cache is emptied and refilled from the ledger.
	accountsCacheMax = 1_000_000
	// amountSlots is how many decimals of awarded points an Incentive keeps to share, at
	// most; a scheme gives few distinct amounts (base points plus hours in steps of the
	// hours' scale).
	amountSlots = 1 << amountSlotsLog2
)

// Incentive runs one Scheme on a ledger: awards, caps, debts, expiry and the points shop. It
// keeps no balance of its own: every amount lives in ledger accounts named by the scheme, and
// everything it reports is computed from ledger postings. It is safe for concurrent use, and
// several Incentives (in several processes) may run the same scheme on one shared ledger:
// every effect is guarded by an idempotency key or by an account's minimum balance. Each
// Incentive remembers, per provider, the account ids it has rendered and opened (the holder's,
// the debt account, the cap accounts of the day last awarded), so an award builds no id and
// opens no account it knows open; the memory is bounded (accountsCacheMax entries) and holds
// nothing the ledger does not.
type Incentive struct {
	l          *ledger.Ledger
	s          Scheme // normalized
	zone       *time.Location
	holders    matcher
	issuer     ledger.AccountID
	shop       ledger.AccountID
	expiry     ledger.AccountID
	quotaSink  ledger.AccountID
	quotaAsset string
	holderT    compiled
	debtT      compiled
	quotaT     compiled

	openedMu sync.Mutex
	opened   map[ledger.AccountID]struct{}
	expireMu sync.Mutex // one Expire at a time in this process

	// Awards look their accounts up here instead of rendering and opening them each time.
	providers cache[uuid.UUID, providerAccounts]
	members   cache[string, holderAccounts]
	dayOffset int64 // the scheme's UTC offset in seconds, to number days without time.Time
	base      baseIndex

	// amounts holds the decimals of the points awards priced in int64 (see amountOf).
	amounts [amountSlots]atomic.Pointer[amount]
}

// New validates the scheme, creates its asset (and the cap asset when caps are set) and opens
// the community's issuer, shop and expiry accounts on l. Calling it again with the same scheme
// is harmless.
//
// Errors: ErrInvalidScheme (a bad scheme, or an asset or account that exists on the ledger
// with another definition), and the ledger's ErrClosed.
func New(ctx context.Context, l *ledger.Ledger, s Scheme) (*Incentive, error) {
	if l == nil {
		return nil, errorf(ErrInvalidScheme, "nil ledger")
	}
	ns, err := s.normalized()
	if err != nil {
		return nil, err
	}
	inc := &Incentive{
		l: l, s: ns, zone: ns.zone(),
		holders:   newMatcher(ns.Accounts.Holder, ns.Community, ns.Asset),
		opened:    make(map[ledger.AccountID]struct{}),
		dayOffset: int64(*ns.UTCOffsetMinutes) * 60,
	}
	inc.providers.hash, inc.members.hash = uuidHash, stringHash
	inc.base = newBaseIndex(ns.Base)
	inc.holderT = compile(ns.Accounts.Holder, ns.Community, ns.Asset)
	inc.debtT = compile(ns.Accounts.Debt, ns.Community, ns.Asset)
	inc.issuer = inc.account(ns.Accounts.Issuer, "")
	inc.shop = inc.account(ns.Accounts.Shop, "")
	inc.expiry = inc.account(ns.Accounts.Expiry, "")
	inc.quotaAsset = quotaAssetOf(ns.Asset)
	inc.quotaT = compile(ns.Accounts.Quota, ns.Community, inc.quotaAsset)
	inc.quotaSink = render(ns.Accounts.Quota, ns.Community, "_all", inc.quotaAsset, "sink", "")
	if err := define(ctx, l, ledger.Asset{Code: ns.Asset, Scale: ns.Scale}); err != nil {
		return nil, err
	}
	accounts := []ledger.Account{
		{ID: inc.issuer, Asset: ns.Asset, Unbounded: true},
		{ID: inc.shop, Asset: ns.Asset},
		{ID: inc.expiry, Asset: ns.Asset},
	}
	if !ns.DailyCap.IsZero() || !ns.MonthlyCap.IsZero() {
		if err := define(ctx, l, ledger.Asset{Code: inc.quotaAsset, Scale: ns.Scale}); err != nil {
			return nil, err
		}
		accounts = append(accounts, ledger.Account{ID: inc.quotaSink, Asset: inc.quotaAsset})
	}
	for _, a := range accounts {
		if err := inc.open(ctx, a); err != nil {
			return nil, err
		}
	}
	return inc, nil
}

// Scheme returns the scheme with its defaults filled in.
func (inc *Incentive) Scheme() Scheme { return inc.s }

// Ledger returns the ledger the scheme runs on.
func (inc *Incentive) Ledger() *ledger.Ledger { return inc.l }

// HolderAccount returns the points account of a holder (see PersonHolder, ProviderHolder).
func (inc *Incentive) HolderAccount(holder string) ledger.AccountID {
	return inc.holderT.render(holder, "")
}

// DebtAccount returns the account recording what a holder owes after a clawback of points
// already spent: its balance is the debt, which later awards pay off first.
func (inc *Incentive) DebtAccount(holder string) ledger.AccountID {
	return inc.debtT.render(holder, "")
}

// IssuerAccount, ShopAccount and ExpiryAccount return the community's accounts.
func (inc *Incentive) IssuerAccount() ledger.AccountID { return inc.issuer }

// ShopAccount returns the account that receives redeemed points.
func (inc *Incentive) ShopAccount() ledger.AccountID { return inc.shop }

// ExpiryAccount returns the sink of expired points.
func (inc *Incentive) ExpiryAccount() ledger.AccountID { return inc.expiry }

// Balance returns a holder's posted points (zero if the holder never received any).
//
// Errors: ErrInvalid (bad holder), the ledger's ErrClosed.
func (inc *Incentive) Balance(ctx context.Context, holder string) (decimal.Decimal, error) {
	if !ValidHolder(holder) {
		return decimal.Zero, errorf(ErrInvalid, "holder %q", holder)
	}
	return balanceOrZero(ctx, inc.l, inc.HolderAccount(holder))
}

// Debt returns what a holder owes after clawbacks (zero if nothing).
//
// Errors: ErrInvalid (bad holder), the ledger's ErrClosed.
func (inc *Incentive) Debt(ctx context.Context, holder string) (decimal.Decimal, error) {
	if !ValidHolder(holder) {
		return decimal.Zero, errorf(ErrInvalid, "holder %q", holder)
	}
	return balanceOrZero(ctx, inc.l, inc.DebtAccount(holder))
}

func (inc *Incentive) account(t, holder string) ledger.AccountID {
	return render(t, inc.s.Community, holder, inc.s.Asset, "", "")
}

// open opens an account unless this process already knows it is open.
func (inc *Incentive) open(ctx context.Context, a ledger.Account) error {
	return openCached(ctx, inc.l, &inc.openedMu, inc.opened, a)
}

func openCached(ctx context.Context, l *ledger.Ledger, mu *sync.Mutex, opened map[ledger.AccountID]struct{}, a ledger.Account) error {
	mu.Lock()
	_, ok := opened[a.ID]
	mu.Unlock()
	if ok {
		return nil
	}
	if err := l.OpenAccount(ctx, a); err != nil {
		if errors.Is(err, ledger.ErrConflict) {
			return fmt.Errorf("%w: account %s exists with another definition: %w", ErrInvalidScheme, a.ID, err)
		}
		return fmt.Errorf("open %s: %w", a.ID, err)
	}
	mu.Lock()
	if len(opened) >= openedCacheMax {
		clear(opened)
	}
	opened[a.ID] = struct{}{}
	mu.Unlock()
	return nil
}

// cache is a concurrent map of entries kept by value (a lookup reads the entry where the map
// keeps it, with no pointer to chase to another cache line), split in cacheShards shards by a
// hash of the key so that concurrent awards rarely touch the same lock, and bounded at
// accountsCacheMax entries: a full shard is emptied, since every entry can be rebuilt from
// the ledger. A load returns a copy; an update stores a whole new entry.
type cache[K comparable, V any] struct {
	hash   func(K) uint32
	shards [cacheShards]struct {
		mu sync.RWMutex
		m  map[K]V
	}
}

const cacheShards = 64

func (c *cache[K, V]) load(k K) (V, bool) {
	sh := &c.shards[c.hash(k)%cacheShards]
	sh.mu.RLock()
	v, ok := sh.m[k]
	sh.mu.RUnlock()
	return v, ok
}

func (c *cache[K, V]) store(k K, v V) {
	sh := &c.shards[c.hash(k)%cacheShards]
	sh.mu.Lock()
	if sh.m == nil || len(sh.m) >= accountsCacheMax/cacheShards {
		sh.m = make(map[K]V)
	}
	sh.m[k] = v
	sh.mu.Unlock()
}

// uuidHash spreads uuids over cache shards by their last bytes (random in version 4 and 7).
func uuidHash(id uuid.UUID) uint32 { return binary.LittleEndian.Uint32(id[12:]) }

// stringHash spreads strings over cache shards.
func stringHash(s string) uint32 { return uint32(maphash.String(shardSeed, s)) }

var shardSeed = maphash.MakeSeed()

// holderAccounts are a holder's points and debt accounts, both open.
type holderAccounts struct {
	holder        string
	account, debt ledger.AccountID
}

// providerAccounts is what an award needs of its provider: the holder its points go to (by
// ProviderHolder of the kind and person id it was derived from), the holder's accounts, and
// the cap accounts of the last day the provider was awarded for.
type providerAccounts struct {
	kind     catalog.ProviderKind
	personID string
	holderAccounts
	opened  bool                // account and debt are open (a team paying its members needs neither)
	day     int64               // the day numbered by dayOf that quotas belong to
	nQuotas int                 // how many of quotas are set; 0: none yet
	quotas  [2]ledger.AccountID // daily then monthly cap account of day (those whose cap is set), open
}

// providerAccounts returns a provider's cached accounts, rendering them on first use.
func (inc *Incentive) providerAccounts(p catalog.Provider) providerAccounts {
	if pa, ok := inc.providers.load(p.ID); ok && pa.kind == p.Kind && pa.personID == p.PersonID {
		return pa
	}
	pa := providerAccounts{kind: p.Kind, personID: p.PersonID, holderAccounts: inc.holderAccountsOf(ProviderHolder(p))}
	inc.providers.store(p.ID, pa)
	return pa
}

// openProvider opens the provider's holder and debt accounts unless known open, and notes in
// pa and in the cache that they are.
func (inc *Incentive) openProvider(ctx context.Context, id uuid.UUID, pa *providerAccounts) (holderAccounts, error) {
	if pa.opened {
		return pa.holderAccounts, nil
	}
	if err := inc.openHolder(ctx, pa.holderAccounts); err != nil {
		return holderAccounts{}, err
	}
	pa.opened = true
	inc.providers.store(id, *pa)
	return pa.holderAccounts, nil
}

// memberAccounts returns the open accounts of a holder who is not the provider itself (a
// team's member).
func (inc *Incentive) memberAccounts(ctx context.Context, holder string) (holderAccounts, error) {
	if ha, ok := inc.members.load(holder); ok {
		return ha, nil
	}
	ha := inc.holderAccountsOf(holder)
	if err := inc.openHolder(ctx, ha); err != nil {
		return holderAccounts{}, err
	}
	inc.members.store(holder, ha)
	return ha, nil
}

// idsTextBytes is room on the stack for the few ids rendered together.
const idsTextBytes = 256

// holderAccountsOf renders a holder's accounts. The holder and both ids are cut from one
// string: every award reads them together (in metadata, the debt check and the posting), and
// so do the ledger's checks and lookups, which then find them in neighbouring cache lines.
func (inc *Incentive) holderAccountsOf(holder string) holderAccounts {
	var buf [idsTextBytes]byte // on the stack unless the ids are long: the string copies it once
	b := append(buf[:0], holder...)
	account := len(b)
	b = inc.holderT.appendTo(b, holder, "")
	debt := len(b)
	b = inc.debtT.appendTo(b, holder, "")
	all := string(b)
	return holderAccounts{holder: all[:account], account: ledger.AccountID(all[account:debt]), debt: ledger.AccountID(all[debt:])}
}

// openHolder opens a holder's account and, with it, the debt account, so that the debt check
// on every award reads a balance instead of building an unknown-account error.
func (inc *Incentive) openHolder(ctx context.Context, ha holderAccounts) error {
	for _, id := range [2]ledger.AccountID{ha.account, ha.debt} {
		if err := inc.open(ctx, ledger.Account{ID: id, Asset: inc.s.Asset}); err != nil {
			return err
		}
	}
	return nil
}

// quotaAccounts returns the provider's open cap accounts (daily, then monthly; those whose
// cap is set) for the day of at in the scheme's time zone, in pa.quotas, noting them in the
// cache when they are not the ones pa had.
func (inc *Incentive) quotaAccounts(ctx context.Context, id uuid.UUID, pa *providerAccounts, at time.Time) ([]ledger.AccountID, error) {
	if inc.s.DailyCap.IsZero() && inc.s.MonthlyCap.IsZero() {
		return nil, nil
	}
	day := inc.dayOf(at)
	if pa.nQuotas > 0 && pa.day == day {
		return pa.quotas[:pa.nQuotas], nil
	}
	local := at.In(inc.zone)
	caps := [2]decimal.Decimal{inc.s.DailyCap, inc.s.MonthlyCap}
	// Both ids are cut from one string, as a holder's are (holderAccountsOf).
	var buf [idsTextBytes]byte
	b := inc.quotaT.appendTo(buf[:0], pa.holder, local.Format("d20060102"))
	daily := len(b)
	b = inc.quotaT.appendTo(b, pa.holder, local.Format("m200601"))
	all := string(b)
	var quotas [2]ledger.AccountID
	n := 0
	for i, qid := range [2]ledger.AccountID{ledger.AccountID(all[:daily]), ledger.AccountID(all[daily:])} {
		if caps[i].IsZero() {
			continue
		}
		if err := inc.open(ctx, ledger.Account{ID: qid, Asset: inc.quotaAsset, MinBalance: caps[i].Neg()}); err != nil {
			return nil, err
		}
		quotas[n] = qid
		n++
	}
	pa.day, pa.nQuotas, pa.quotas = day, n, quotas
	e := *pa
	if cur, ok := inc.providers.load(id); ok && cur.kind == pa.kind && cur.personID == pa.personID {
		e = cur // keep what another award learnt meanwhile (opened)
		e.day, e.nQuotas, e.quotas = day, n, quotas
	}
	inc.providers.store(id, e)
	return pa.quotas[:n], nil
}

// dayOf numbers the day of t in the scheme's time zone (days since 1970-01-01 there).
func (inc *Incentive) dayOf(t time.Time) int64 {
	secs := t.Unix() + inc.dayOffset
	day := secs / 86400
	if secs < 0 && secs%86400 != 0 {
		day--
	}
	return day
}

func define(ctx context.Context, l *ledger.Ledger, a ledger.Asset) error {
	if err := l.CreateAsset(ctx, a); err != nil {
		if errors.Is(err, ledger.ErrConflict) {
			return fmt.Errorf("%w: asset %s exists with another scale: %w", ErrInvalidScheme, a.Code, err)
		}
		return fmt.Errorf("create asset %s: %w", a.Code, err)
	}
	return nil
}

func balanceOrZero(ctx context.Context, l *ledger.Ledger, id ledger.AccountID) (decimal.Decimal, error) {
	b, err := l.Balance(ctx, id)
	if errors.Is(err, ledger.ErrUnknownAccount) {
		return decimal.Zero, nil
	}
	return b, err
}

func availableOrZero(ctx context.Context, l *ledger.Ledger, id ledger.AccountID) (decimal.Decimal, error) {
	b, err := l.Available(ctx, id)
	if errors.Is(err, ledger.ErrUnknownAccount) {
		return decimal.Zero, nil
	}
	return b, err
}

// quotaSuffix ends the name of the asset that counts awards against caps.
const quotaSuffix = "_CAP"

// AssetCodeBytesMax is the longest points or hours asset code: the cap asset's code, the
// same with "_CAP", must still be a ledger asset code.
const AssetCodeBytesMax = ledger.AssetCodeBytesMax - len(quotaSuffix)

// validAsset checks a scheme's asset code. Codes were once cut to fit before "_CAP" was added,
// so two long codes could share one cap asset, and a scheme's awards counted against another's
// caps; a code that ends in "_CAP" would name another scheme's cap asset.
func validAsset(code string) error {
	if err := ledger.ValidateAssetCode(code); err != nil {
		return err
	}
	if len(code) > AssetCodeBytesMax {
		return fmt.Errorf("asset code %q: longer than %d bytes, leaving no room for its cap asset %q", code, AssetCodeBytesMax, code+quotaSuffix)
	}
	if strings.HasSuffix(code, quotaSuffix) {
		return fmt.Errorf("asset code %q: ends in %q, which names cap assets", code, quotaSuffix)
	}
	return nil
}

// quotaAssetOf names the asset that counts awards against caps (validAsset has checked asset).
func quotaAssetOf(asset string) string { return asset + quotaSuffix }

// amount is a decimal of awarded points and the int64 form it was made from.
type amount struct {
	s small
	d decimal.Decimal
}

// amountOf returns the decimal of s, the same one for every award of these points while it
// keeps its slot (a table of amountSlots, each amount in the slot its hash picks, a newer one
// replacing an older): math/big allocates twice for each new decimal, and decimal never
// changes a coefficient in place, so awards may share one.
func (inc *Incentive) amountOf(s small) decimal.Decimal {
	h := (uint64(s.coef)*0x9e3779b97f4a7c15 + uint64(uint32(s.exp))) >> (64 - amountSlotsLog2)
	slot := &inc.amounts[h]
	if a := slot.Load(); a != nil && a.s == s {
		return a.d
	}
	a := &amount{s: s, d: s.decimal()}
	slot.Store(a)
	return a.d
}

// amountSlotsLog2 is log2(amountSlots).
const amountSlotsLog2 = 10
