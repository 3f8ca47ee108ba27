package points

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/shopspring/decimal"

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
)

// Incentive runs one Scheme on a ledger: awards, caps, debts, expiry and the points shop. It
// keeps no balance of its own: every amount lives in ledger accounts named by the scheme, and
// everything it reports is computed from ledger postings. It is safe for concurrent use, and
// several Incentives (in several processes) may run the same scheme on one shared ledger:
// every effect is guarded by an idempotency key or by an account's minimum balance.
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
		holders: newMatcher(ns.Accounts.Holder, ns.Community, ns.Asset),
		opened:  make(map[ledger.AccountID]struct{}),
	}
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

// quotaAssetOf names the asset that counts awards against caps: the points asset with "_CAP".
func quotaAssetOf(asset string) string {
	if len(asset) > ledger.AssetCodeBytesMax-4 {
		asset = asset[:ledger.AssetCodeBytesMax-4]
	}
	return asset + "_CAP"
}
