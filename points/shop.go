package points

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"

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

	// testHook, set by tests only, runs inside Redeem at the points where a concurrent call
	// could interleave: "reserved" (units held, points not yet) and "refused" (points refused,
	// the attempt not yet voided).
	testHook func(key string, attempt int, stage string)
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
// Errors: ErrInvalid (bad SKU, empty or long name, a name not UTF-8 or holding NUL, price not
// positive, beyond the scale or above CapMax points, more than ItemsMax items), the ledger's
// ErrClosed. A price within
// CapMax is always postable for one unit (CapMax × 10^AssetScaleMax is the ledger's
// AmountMinorMax); Redeem refuses a quantity whose total is not.
func (sh *Shop) AddItem(ctx context.Context, it Item) error {
	if !skuRE.MatchString(it.SKU) {
		return errorf(ErrInvalid, "item SKU %q", it.SKU)
	}
	if it.Name == "" || len(it.Name) > ItemNameBytesMax {
		return errorf(ErrInvalid, "item %s: name of %d bytes, want 1..%d", it.SKU, len(it.Name), ItemNameBytesMax)
	}
	// A name is text shown to residents, as a clawback reason or an award's text is: bytes
	// that are not UTF-8 would change on their way through JSON, and NUL cannot be stored as
	// PostgreSQL text.
	if !utf8.ValidString(it.Name) || strings.IndexByte(it.Name, 0) >= 0 {
		return errorf(ErrInvalid, "item %s: name is not UTF-8 text without NUL", it.SKU)
	}
	if !amountWithin(it.Price, sh.inc.s.Scale, CapMax) {
		return errorf(ErrInvalid, "item %s: price %s", it.SKU, decimalText(it.Price))
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
	// Counted again: a concurrent call may have added an item since the count above. The
	// refused item's stock account stays open, empty, as a refusal by the ledger leaves it.
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if _, exists := sh.items[it.SKU]; !exists && len(sh.items) >= ItemsMax {
		return errorf(ErrInvalid, "item %s: the shop has %d items already", it.SKU, ItemsMax)
	}
	sh.items[it.SKU] = it
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
	Points     decimal.Decimal // reserved: the price × Quantity when the points were held
	PointsHold uuid.UUID
	StockHold  uuid.UUID
}

// RedeemAttemptsMax bounds the attempts one redemption key may make. An attempt is used up
// only when it reserved the units and then could not reserve the points (a top-up or a
// purchase raced the check made before reserving); a refusal found by that check, or by the
// units' hold, reserves nothing and uses no attempt.
const RedeemAttemptsMax = 32

// Redeem reserves quantity units of an item and their price in points from the holder's
// account, once per key: the same request (key, holder, item and quantity) again returns the
// same redemption (fulfilled or cancelled since, as it stands), with the points it reserved
// even if the item's price has changed since. The units are checked first, so a holder short
// of both is told the item is out of stock.
//
// A refused redemption reserves nothing and does not use up its key: the same request (or
// another) may be made under it later, whatever refusals came before, and succeeds at most
// once. Internally a key makes numbered attempts, each a hold of the units and then a hold of
// the points; an attempt that reserved the units but not the points is voided (a mark under
// its points key, which a concurrent call racing for the same key cannot also take) and the
// units are given back, so every call reads one answer from the ledger. If the store fails
// between the two holds, the units stay reserved until the next call under the key, which
// finishes or voids the attempt.
//
// Errors: ErrInvalid (bad key, holder or quantity, unknown item, a price × quantity beyond
// the ledger's ledger.AmountMinorMax minor units for one posting), ErrOutOfStock,
// ErrInsufficientPoints, ErrKeyReused (the key was used for another holder, item or
// quantity, or RedeemAttemptsMax attempts under it were voided), the ledger's ErrClosed.
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
	ro := &redeemOp{sh: sh, op: "redeem " + key,
		r: Redemption{Key: key, Holder: holder, SKU: sku, Quantity: quantity, Points: it.Price.Mul(decimal.NewFromInt(quantity))}}
	// One unit is postable (AddItem checks the price), but at a large scale quantity units may
	// exceed what one posting carries: refuse before reserving, or the units would be held and
	// the points hold refused on every retry.
	minor, err := ledger.ToMinor(ro.r.Points, sh.inc.s.Scale)
	if err != nil {
		return Redemption{}, errorf(ErrInvalid, "%s: %d × %s points is %s, more than one posting carries at scale %d (%d minor units)",
			ro.op, quantity, it.Price, ro.r.Points, sh.inc.s.Scale, ledger.AmountMinorMax)
	}
	// One form of the points whatever the exponent the price was written with (7.5 × 3 is
	// 22.5, as are 7.50 × 3 and the ledger's 22.50): a replay after a price change reads them
	// back from the hold, and must answer with the Redemption the first call returned.
	ro.r.Points = canonicalPoints(minor, sh.inc.s.Scale)
	account := sh.inc.HolderAccount(holder)
	// A void mark is a hold from the issuer: a holder whose account is the issuer's would make
	// real attempts that read as void. Scheme validation keeps templates apart; this is cheap.
	if account == sh.inc.issuer || account == sh.inc.shop {
		return Redemption{}, errorf(ErrInvalid, "%s: holder %q names a community account", ro.op, holder)
	}
	ro.stock = ledger.Posting{From: sh.stockAccount(sku), To: sh.delivery, Amount: decimal.NewFromInt(quantity), Asset: StockAsset}
	ro.points = ledger.Posting{From: account, To: sh.inc.shop, Amount: ro.r.Points, Asset: sh.inc.s.Asset}
	ro.void = ledger.Posting{From: sh.inc.issuer, To: sh.inc.shop, Amount: ro.r.Points, Asset: sh.inc.s.Asset}
	for n := range RedeemAttemptsMax {
		next, err := ro.attempt(ctx, n)
		if err != nil {
			return Redemption{}, err
		}
		if !next {
			return ro.r, nil
		}
	}
	return Redemption{}, fmt.Errorf("%s: %w: %d attempts under the key were voided", ro.op, ErrKeyReused, RedeemAttemptsMax)
}

// redeemOp is one Redeem call: the request, its postings, and the redemption it fills in.
type redeemOp struct {
	sh                  *Shop
	op                  string
	r                   Redemption
	stock, points, void ledger.Posting
}

// attemptKeys returns the hold keys of attempt n. Attempt 0 keeps the keys Redeem always
// used, so redemptions made before attempts were numbered replay as they were. The suffixes
// are short: with the longest community and key, a hold key has 7 bytes left for them.
func (ro *redeemOp) attemptKeys(n int) (stock, points string) {
	if n == 0 {
		return ro.sh.holdKey(ro.r.Key, "stock"), ro.sh.holdKey(ro.r.Key, "points")
	}
	return ro.sh.holdKey(ro.r.Key, fmt.Sprintf("s%d", n)), ro.sh.holdKey(ro.r.Key, fmt.Sprintf("p%d", n))
}

// attempt makes or replays attempt n. It returns next when the attempt was voided, so the
// caller goes on to attempt n+1; otherwise ro.r is the redemption or err the answer.
func (ro *redeemOp) attempt(ctx context.Context, n int) (next bool, err error) {
	l := ro.sh.inc.l
	sk, pk := ro.attemptKeys(n)
	stock, err := l.HoldByKey(ctx, sk)
	fresh := errors.Is(err, ledger.ErrNotFound)
	if fresh {
		// Refuse by reading first where possible: a refusal then writes nothing at all.
		if cerr := ro.check(ctx); cerr != nil {
			if !errors.Is(cerr, ErrOutOfStock) && !errors.Is(cerr, ErrInsufficientPoints) {
				return false, cerr
			}
			// A concurrent call under this key (another process the client's retry reached)
			// may have reserved since the key was read, and its reservation be what the check
			// found missing: then its attempt is the answer, not the refusal.
			stock, err = l.HoldByKey(ctx, sk)
			if errors.Is(err, ledger.ErrNotFound) {
				return false, cerr
			}
			fresh = false
		} else {
			stock, err = l.Hold(ctx, ro.stock, ledger.HoldOptions{IdempotencyKey: sk})
			switch {
			case errors.Is(err, ledger.ErrInsufficientBalance):
				return false, ro.outOfStock(ctx)
			case errors.Is(err, ledger.ErrIdempotencyConflict):
				// A concurrent call under this key, for another request, took the attempt.
				return false, fmt.Errorf("%s: %w", ro.op, ErrKeyReused)
			}
		}
	}
	if err != nil {
		return false, fmt.Errorf("%s: %w", ro.op, err)
	}
	if !fresh {
		pts, err := l.HoldByKey(ctx, pk)
		if err == nil {
			return ro.decided(ctx, n, stock, pts)
		}
		if !errors.Is(err, ledger.ErrNotFound) {
			return false, fmt.Errorf("%s: %w", ro.op, err)
		}
		switch stock.Status {
		case ledger.HoldOpen:
		case ledger.HoldReleased:
			// Units given back with no points hold and no mark: an attempt refused by Redeem
			// before attempts were numbered. It binds nothing.
			return true, nil
		default:
			return false, fmt.Errorf("%s: attempt %d: units captured without a points hold: %w", ro.op, n, ledger.ErrCorrupt)
		}
		// Units reserved and points not yet: a call that crashed or is running now. Only the
		// same request may carry it on.
		if !samePosting(stock.Posting, ro.stock) {
			return false, fmt.Errorf("%s: %w", ro.op, ErrKeyReused)
		}
	}
	if ro.sh.testHook != nil {
		ro.sh.testHook(ro.r.Key, n, "reserved")
	}
	pts, err := l.Hold(ctx, ro.points, ledger.HoldOptions{IdempotencyKey: pk})
	switch {
	case err == nil:
		ro.r.StockHold, ro.r.PointsHold = stock.ID, pts.ID
		return false, nil
	case errors.Is(err, ledger.ErrIdempotencyConflict):
		// Another call decided this attempt first (a void mark, or another request): read it.
		return ro.decidedByKey(ctx, n, stock, pk)
	case errors.Is(err, ledger.ErrInsufficientBalance), errors.Is(err, ledger.ErrUnknownAccount):
		if ro.sh.testHook != nil {
			ro.sh.testHook(ro.r.Key, n, "refused")
		}
		made, verr := ro.voidAttempt(ctx, n, stock, pk)
		if made {
			return false, nil
		}
		refusal := ro.insufficientPoints(ctx)
		if verr != nil {
			// The units stay reserved and the attempt undecided: the next call decides it.
			return false, fmt.Errorf("%w (and giving the reserved units back failed: %v)", refusal, verr)
		}
		return false, refusal
	}
	// Not a verdict on the request (the store failed, the context ended): give the units back
	// if that still works; if not, the next call carries the attempt on.
	if made, verr := ro.voidAttempt(ctx, n, stock, pk); made && verr == nil {
		return false, nil
	}
	return false, fmt.Errorf("%s: %w", ro.op, err)
}

// check refuses a request that the stock or the holder's available points cannot meet now,
// before anything is reserved. The holds decide; this only spares a refusal its writes.
func (ro *redeemOp) check(ctx context.Context) error {
	left, err := ro.sh.inc.l.Available(ctx, ro.stock.From)
	if err != nil {
		return fmt.Errorf("%s: %w", ro.op, err)
	}
	if left.LessThan(ro.stock.Amount) {
		return ro.outOfStock(ctx)
	}
	have, err := availableOrZero(ctx, ro.sh.inc.l, ro.points.From)
	if err != nil {
		return fmt.Errorf("%s: %w", ro.op, err)
	}
	if have.LessThan(ro.points.Amount) {
		return ro.insufficientPoints(ctx)
	}
	return nil
}

func (ro *redeemOp) outOfStock(ctx context.Context) error {
	left, _ := ro.sh.Stock(ctx, ro.r.SKU)
	return refuse(ErrOutOfStock, ro.op, "%d of %s asked, %d in stock", ro.r.Quantity, ro.r.SKU, left)
}

func (ro *redeemOp) insufficientPoints(ctx context.Context) error {
	have, _ := availableOrZero(ctx, ro.sh.inc.l, ro.points.From)
	return refuse(ErrInsufficientPoints, ro.op, "%s points needed, %s available", ro.r.Points, have)
}

func (ro *redeemOp) decidedByKey(ctx context.Context, n int, stock ledger.Hold, pk string) (bool, error) {
	pts, err := ro.sh.inc.l.HoldByKey(ctx, pk)
	if err != nil {
		return false, fmt.Errorf("%s: %w", ro.op, err)
	}
	return ro.decided(ctx, n, stock, pts)
}

// decided reads attempt n from its units hold and what its points key holds: a void mark
// (go on to the next attempt), this request's redemption, or another request's.
func (ro *redeemOp) decided(ctx context.Context, n int, stock, pts ledger.Hold) (bool, error) {
	l := ro.sh.inc.l
	if ro.isVoid(pts) {
		// Voided. The units go back after the mark is made: a crash in between left them
		// reserved, so give them back now.
		if stock.Status == ledger.HoldOpen {
			if err := l.Release(ctx, stock.ID); err != nil && !errors.Is(err, ledger.ErrHoldClosed) {
				return false, fmt.Errorf("%s: %w", ro.op, err)
			}
		}
		return true, nil
	}
	// The request is the key, holder, item and quantity; the price is the shop's, and the
	// points were reserved at the price of their day. A replay after a price change is the
	// same request and gets the redemption it made, at that price: refusing it would strand
	// the reservation, since the caller that lost the answer has no other way to its holds.
	p := pts.Posting
	if p.From != ro.points.From || p.To != ro.points.To || p.Asset != ro.points.Asset || !samePosting(stock.Posting, ro.stock) {
		return false, fmt.Errorf("%s: %w", ro.op, ErrKeyReused)
	}
	if !p.Amount.Equal(ro.r.Points) {
		// Reserved at another price: those points, in the form the first call returned them.
		ro.r.Points = p.Amount
		if minor, err := ledger.ToMinor(p.Amount, ro.sh.inc.s.Scale); err == nil {
			ro.r.Points = canonicalPoints(minor, ro.sh.inc.s.Scale)
		}
	}
	if n == 0 && stock.Status == ledger.HoldReleased {
		// Redeem once reserved the units of a retry after a refusal for points under a key of
		// the points hold ("stock-again"); replays of such a redemption find them there. Units
		// released with no such hold are those of a cancelled redemption.
		again, err := l.HoldByKey(ctx, ro.sh.holdKey(pts.ID.String(), "stock-again"))
		switch {
		case err == nil:
			if !samePosting(again.Posting, ro.stock) {
				return false, fmt.Errorf("%s: %w", ro.op, ErrKeyReused)
			}
			stock = again
		case !errors.Is(err, ledger.ErrNotFound):
			return false, fmt.Errorf("%s: %w", ro.op, err)
		}
	}
	ro.r.StockHold, ro.r.PointsHold = stock.ID, pts.ID
	return false, nil
}

// voidAttempt marks attempt n void under its points key and gives its units back. The mark
// is a hold from the issuer (which may always hold), released at once: it records the verdict
// under the very key where a concurrent call would reserve the holder's points, so exactly one
// of the two lands. It reports made when the points were reserved first; ro.r is then the
// redemption.
func (ro *redeemOp) voidAttempt(ctx context.Context, n int, stock ledger.Hold, pk string) (made bool, err error) {
	l := ro.sh.inc.l
	mark, err := l.Hold(ctx, ro.void, ledger.HoldOptions{IdempotencyKey: pk})
	if errors.Is(err, ledger.ErrIdempotencyConflict) {
		next, err := ro.decidedByKey(ctx, n, stock, pk)
		return err == nil && !next, err
	}
	if err != nil {
		return false, err
	}
	// Mark first, units second: a crash in between leaves a mark that the next call finds
	// and finishes (see decided).
	for _, id := range [2]uuid.UUID{mark.ID, stock.ID} {
		if err := l.Release(ctx, id); err != nil && !errors.Is(err, ledger.ErrHoldClosed) {
			return false, err
		}
	}
	return false, nil
}

// isVoid reports whether a hold under a points key is a void mark: only marks are held from
// the issuer (Redeem refuses a holder whose account is the issuer's).
func (ro *redeemOp) isVoid(h ledger.Hold) bool {
	return h.Posting.From == ro.void.From && h.Posting.To == ro.void.To && h.Posting.Asset == ro.void.Asset
}

// canonicalPoints is the decimal of minor units at scale without trailing zeros after the
// point (2250 at scale 2 is 22.5, 1000 is 10): the one form Redeem answers with.
func canonicalPoints(minor int64, scale int32) decimal.Decimal {
	exp := -scale
	for exp < 0 && minor != 0 && minor%10 == 0 {
		minor /= 10
		exp++
	}
	return decimal.New(minor, exp)
}

func samePosting(a, b ledger.Posting) bool {
	return a.From == b.From && a.To == b.To && a.Asset == b.Asset && a.Amount.Equal(b.Amount)
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
