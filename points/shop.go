package points

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sync"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/tongxin/tongxin/ledger"
)

// Limits of the points shop.
const (
	ItemsMax              = 10_000 // items one shop offers
	ItemNameBytesMax      = 200
	RedeemQuantityMax     = 1000 // items in one redemption
	RestockUnitsMax       = 1_000_000
	RedemptionKeyBytesMax = 48 // so that the ledger keys derived from it fit IdempotencyKeyBytesMax
)

// StockAsset is the asset that counts shop items (whole units).
const StockAsset = "STOCK"

// Reserved stock-account holders: the outside world that supplies items, and where redeemed
// items go. Item SKUs may not start with '_'.
const (
	stockSupply    = "_supply"
	stockDelivered = "_delivered"
)

// Item is something the points shop (积分超市 / 爱心超市) offers: rice, oil, a haircut voucher.
// Its stock is kept in the ledger (asset STOCK, one account per item), its price here.
type Item struct {
	SKU   string          // account segment, not starting with '_'
	Name  string          // "大米 5kg"
	Price decimal.Decimal // points per unit, > 0
}

// Shop is a community's points shop. Stock lives in ledger accounts of the asset STOCK, one
// per item, with a minimum balance of zero: a redemption holds the units (ledger.Hold), so
// stock can never go below zero whatever the concurrency, and it survives a restart with the
// ledger. Prices live in memory and are set with AddItem.
type Shop struct {
	inc      *Incentive
	mu       sync.RWMutex
	items    map[string]Item
	supply   ledger.AccountID
	delivery ledger.AccountID
}

var skuRE = regexp.MustCompile(`^[A-Za-z0-9.-][A-Za-z0-9_.-]{0,63}$`)

// NewShop opens the shop of the incentive's community: the STOCK asset and its supply and
// delivery accounts.
//
// Errors: ErrInvalidScheme (STOCK exists with another scale), the ledger's ErrClosed.
func NewShop(ctx context.Context, inc *Incentive) (*Shop, error) {
	sh := &Shop{inc: inc, items: make(map[string]Item)}
	sh.supply = sh.stockAccount(stockSupply)
	sh.delivery = sh.stockAccount(stockDelivered)
	if err := define(ctx, inc.l, ledger.Asset{Code: StockAsset, Scale: 0}); err != nil {
		return nil, err
	}
	if err := inc.open(ctx, ledger.Account{ID: sh.supply, Asset: StockAsset, Unbounded: true}); err != nil {
		return nil, err
	}
	if err := inc.open(ctx, ledger.Account{ID: sh.delivery, Asset: StockAsset}); err != nil {
		return nil, err
	}
	return sh, nil
}

func (sh *Shop) stockAccount(sku string) ledger.AccountID {
	return render(sh.inc.s.Accounts.Stock, sh.inc.s.Community, sku, StockAsset, "", "")
}

// AddItem offers an item, or changes its name and price. Redemptions already made keep the
// price they were made at.
//
// Errors: ErrInvalid (bad SKU, empty or long name, price not positive or beyond the scale,
// more than ItemsMax items), the ledger's ErrClosed.
func (sh *Shop) AddItem(ctx context.Context, it Item) error {
	if !skuRE.MatchString(it.SKU) {
		return errorf(ErrInvalid, "item SKU %q", it.SKU)
	}
	if it.Name == "" || len(it.Name) > ItemNameBytesMax {
		return errorf(ErrInvalid, "item %s: name of %d bytes, want 1..%d", it.SKU, len(it.Name), ItemNameBytesMax)
	}
	if !amountWithin(it.Price, sh.inc.s.Scale, CapMax) {
		return errorf(ErrInvalid, "item %s: price %s", it.SKU, it.Price)
	}
	sh.mu.RLock()
	_, exists := sh.items[it.SKU]
	n := len(sh.items)
	sh.mu.RUnlock()
	if !exists && n >= ItemsMax {
		return errorf(ErrInvalid, "item %s: the shop has %d items already", it.SKU, ItemsMax)
	}
	if err := sh.inc.open(ctx, ledger.Account{ID: sh.stockAccount(it.SKU), Asset: StockAsset}); err != nil {
		return err
	}
	sh.mu.Lock()
	sh.items[it.SKU] = it
	sh.mu.Unlock()
	return nil
}

// Item returns an offered item.
func (sh *Shop) Item(sku string) (Item, bool) {
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	it, ok := sh.items[sku]
	return it, ok
}

// Restock adds units of an item, once per key (a delivery note number): a retry adds nothing.
//
// Errors: ErrInvalid (unknown item, units out of 1..RestockUnitsMax, bad key), ErrKeyReused,
// the ledger's ErrClosed.
func (sh *Shop) Restock(ctx context.Context, sku string, units int64, key string) error {
	if _, ok := sh.Item(sku); !ok {
		return errorf(ErrInvalid, "restock: unknown item %q", sku)
	}
	if units < 1 || units > RestockUnitsMax {
		return errorf(ErrInvalid, "restock %s: %d units, want 1..%d", sku, units, RestockUnitsMax)
	}
	if !skuRE.MatchString(key) || len(key) > RedemptionKeyBytesMax {
		return errorf(ErrInvalid, "restock %s: key %q", sku, key)
	}
	_, err := sh.inc.l.Post(ctx, ledger.Transaction{
		IdempotencyKey: "restock:" + sh.inc.s.Community + ":" + key,
		Postings:       []ledger.Posting{{From: sh.supply, To: sh.stockAccount(sku), Amount: decimal.NewFromInt(units), Asset: StockAsset}},
		Metadata:       map[string]string{MetaKind: KindRestock, MetaCommunity: sh.inc.s.Community},
	})
	if errors.Is(err, ledger.ErrIdempotencyConflict) {
		return fmt.Errorf("restock %s key %s: %w", sku, key, ErrKeyReused)
	}
	if err != nil {
		return fmt.Errorf("restock %s: %w", sku, err)
	}
	return nil
}

// Stock returns the units of an item not yet redeemed or reserved.
//
// Errors: ErrInvalid (unknown item), the ledger's ErrClosed.
func (sh *Shop) Stock(ctx context.Context, sku string) (int64, error) {
	if _, ok := sh.Item(sku); !ok {
		return 0, errorf(ErrInvalid, "stock: unknown item %q", sku)
	}
	v, err := sh.inc.l.Available(ctx, sh.stockAccount(sku))
	if err != nil {
		return 0, fmt.Errorf("stock %s: %w", sku, err)
	}
	return v.IntPart(), nil
}

// Redemption is a holder's order at the shop: the points and the units are reserved (held)
// until Fulfil captures them or Cancel releases them. Keep it (or call Redeem again with the
// same request, which returns it) to fulfil or cancel later.
type Redemption struct {
	Key        string
	Holder     string
	SKU        string
	Quantity   int64
	Points     decimal.Decimal
	PointsHold uuid.UUID
	StockHold  uuid.UUID
}

// Redeem reserves quantity units of an item and their price in points from the holder's
// account, once per key: the same request again returns the same redemption. The units are
// reserved first, so a redemption never takes points for an item that is out of stock.
//
// Errors: ErrInvalid (bad key, holder or quantity, unknown item), ErrOutOfStock,
// ErrInsufficientPoints, ErrKeyReused (the key was used for another request), the ledger's
// ErrClosed. A refused redemption reserves nothing; one refused for want of points may be
// retried under the same key once the holder has them.
func (sh *Shop) Redeem(ctx context.Context, key, holder, sku string, quantity int64) (Redemption, error) {
	it, ok := sh.Item(sku)
	switch {
	case !ok:
		return Redemption{}, errorf(ErrInvalid, "redeem: unknown item %q", sku)
	case !skuRE.MatchString(key) || len(key) > RedemptionKeyBytesMax:
		return Redemption{}, errorf(ErrInvalid, "redeem: key %q", key)
	case !ValidHolder(holder):
		return Redemption{}, errorf(ErrInvalid, "redeem: holder %q", holder)
	case quantity < 1 || quantity > RedeemQuantityMax:
		return Redemption{}, errorf(ErrInvalid, "redeem: quantity %d, want 1..%d", quantity, RedeemQuantityMax)
	}
	r := Redemption{Key: key, Holder: holder, SKU: sku, Quantity: quantity, Points: it.Price.Mul(decimal.NewFromInt(quantity))}
	op := "redeem " + key
	stock, err := sh.inc.l.Hold(ctx, ledger.Posting{From: sh.stockAccount(sku), To: sh.delivery, Amount: decimal.NewFromInt(quantity), Asset: StockAsset},
		ledger.HoldOptions{IdempotencyKey: sh.holdKey(key, "stock")})
	switch {
	case errors.Is(err, ledger.ErrInsufficientBalance):
		left, _ := sh.Stock(ctx, sku)
		return Redemption{}, refuse(ErrOutOfStock, op, "%d of %s asked, %d in stock", quantity, sku, left)
	case errors.Is(err, ledger.ErrIdempotencyConflict):
		return Redemption{}, fmt.Errorf("%s: %w", op, ErrKeyReused)
	case err != nil:
		return Redemption{}, fmt.Errorf("%s: %w", op, err)
	}
	r.StockHold = stock.ID
	account := sh.inc.HolderAccount(holder)
	pts, err := sh.inc.l.Hold(ctx, ledger.Posting{From: account, To: sh.inc.shop, Amount: r.Points, Asset: sh.inc.s.Asset},
		ledger.HoldOptions{IdempotencyKey: sh.holdKey(key, "points")})
	if errors.Is(err, ledger.ErrIdempotencyConflict) {
		// The key holds another redemption's points: the units are that redemption's too.
		return Redemption{}, fmt.Errorf("%s: %w", op, ErrKeyReused)
	}
	if err != nil {
		// Give the units back unless this was a replay of a redemption already decided.
		if stock.Status == ledger.HoldOpen {
			if rerr := sh.inc.l.Release(ctx, stock.ID); rerr != nil && !errors.Is(rerr, ledger.ErrHoldClosed) {
				return Redemption{}, fmt.Errorf("%s: %w (and releasing the reserved units failed: %v)", op, err, rerr)
			}
		}
		if errors.Is(err, ledger.ErrInsufficientBalance) || errors.Is(err, ledger.ErrUnknownAccount) {
			have, _ := availableOrZero(ctx, sh.inc.l, account)
			return Redemption{}, refuse(ErrInsufficientPoints, op, "%s points needed, %s available", r.Points, have)
		}
		return Redemption{}, fmt.Errorf("%s: %w", op, err)
	}
	r.PointsHold = pts.ID
	if stock.Status == ledger.HoldReleased && pts.Status != ledger.HoldReleased {
		// An earlier attempt under this key was refused after reserving the units and gave
		// them back; the points are reserved (or were captured) now, so the units are
		// reserved again under a key of this points hold, which replays find.
		stock, err = sh.inc.l.Hold(ctx, stock.Posting, ledger.HoldOptions{IdempotencyKey: sh.holdKey(pts.ID.String(), "stock-again")})
		if err != nil {
			if pts.Status == ledger.HoldOpen {
				if rerr := sh.inc.l.Release(ctx, pts.ID); rerr != nil && !errors.Is(rerr, ledger.ErrHoldClosed) {
					return Redemption{}, fmt.Errorf("%s: %w (and releasing the reserved points failed: %v)", op, err, rerr)
				}
			}
			if errors.Is(err, ledger.ErrInsufficientBalance) {
				left, _ := sh.Stock(ctx, sku)
				return Redemption{}, refuse(ErrOutOfStock, op, "%d of %s asked, %d in stock", quantity, sku, left)
			}
			return Redemption{}, fmt.Errorf("%s: %w", op, err)
		}
		r.StockHold = stock.ID
	}
	return r, nil
}

func (sh *Shop) holdKey(key, what string) string {
	return "redeem:" + sh.inc.s.Community + ":" + key + ":" + what
}

// holdsOf reads a redemption's points and stock holds and checks that they are its own (the
// accounts, asset and amount it reserved), so that a Redemption handed back with hold ids of
// another item, holder or quantity is refused before anything moves.
func (sh *Shop) holdsOf(ctx context.Context, op string, r Redemption) ([2]ledger.Hold, error) {
	var hs [2]ledger.Hold
	want := [2]ledger.Posting{
		{From: sh.inc.HolderAccount(r.Holder), To: sh.inc.shop, Amount: r.Points, Asset: sh.inc.s.Asset},
		{From: sh.stockAccount(r.SKU), To: sh.delivery, Amount: decimal.NewFromInt(r.Quantity), Asset: StockAsset},
	}
	for i, id := range [2]uuid.UUID{r.PointsHold, r.StockHold} {
		h, err := sh.inc.l.GetHold(ctx, id)
		if err != nil {
			return hs, fmt.Errorf("%s: %w", op, err)
		}
		p, w := h.Posting, want[i]
		if p.From != w.From || p.To != w.To || p.Asset != w.Asset || !p.Amount.Equal(w.Amount) {
			return hs, errorf(ErrInvalid, "%s: hold %s is not this redemption's", op, id)
		}
		hs[i] = h
	}
	return hs, nil
}

// Fulfil hands the items over: it captures the reserved points (to the shop account) and
// units. Fulfilling a fulfilled redemption again changes nothing.
//
// Errors: ErrRedemptionClosed (the redemption was cancelled), ErrInvalid (a hold that is not
// the redemption's), the ledger's ErrNotFound (a hold id not of this ledger) and ErrClosed. A
// refused Fulfil captures nothing. Fulfil and Cancel both close the points hold first, so when
// they race, the one that loses it stops before touching the stock hold.
func (sh *Shop) Fulfil(ctx context.Context, r Redemption) error {
	return sh.settle(ctx, "fulfil "+r.Key, r, ledger.HoldCaptured, "cancelled", func(h ledger.Hold) error {
		_, err := sh.inc.l.Capture(ctx, h.ID, h.Posting.Amount)
		return err
	})
}

// Cancel gives the reserved points and units back. Cancelling a cancelled redemption again
// changes nothing.
//
// Errors: ErrRedemptionClosed (the redemption was fulfilled), ErrInvalid (a hold that is not
// the redemption's), the ledger's ErrNotFound and ErrClosed. A refused Cancel releases
// nothing; racing a Fulfil, it is decided on the points hold, as Fulfil says.
func (sh *Shop) Cancel(ctx context.Context, r Redemption) error {
	return sh.settle(ctx, "cancel "+r.Key, r, ledger.HoldReleased, "fulfilled", func(h ledger.Hold) error {
		return sh.inc.l.Release(ctx, h.ID)
	})
}

// settle closes both holds of r the same way (Fulfil captures, Cancel releases): done is the
// status closeHold leaves a hold in, and a hold already closed the other way refuses the whole
// call, as ErrRedemptionClosed naming the redemption's fate (other). The refusal comes before
// either hold is touched, so a redemption is never left half fulfilled. The points hold comes
// first, so when Fulfil and Cancel race, whichever closes it wins and the other stops there.
func (sh *Shop) settle(ctx context.Context, op string, r Redemption, done ledger.HoldStatus, other string, closeHold func(ledger.Hold) error) error {
	hs, err := sh.holdsOf(ctx, op, r)
	if err != nil {
		return err
	}
	for _, h := range hs {
		if h.Status != ledger.HoldOpen && h.Status != done {
			return fmt.Errorf("%s: %w: %s", op, ErrRedemptionClosed, other)
		}
	}
	for _, h := range hs {
		if h.Status == done {
			continue
		}
		if err := closeHold(h); err != nil {
			if errors.Is(err, ledger.ErrHoldClosed) {
				if h, gerr := sh.inc.l.GetHold(ctx, h.ID); gerr == nil && h.Status == done {
					continue // a concurrent call closed it the same way
				}
				return fmt.Errorf("%s: %w: %v", op, ErrRedemptionClosed, err)
			}
			return fmt.Errorf("%s: %w", op, err)
		}
	}
	return nil
}
