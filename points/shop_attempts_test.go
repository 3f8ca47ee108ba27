package points_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/points"
)

// give moves points from the issuer to a holder, opening the holder's account as awards do.
func give(t testing.TB, e *env, holder string, amount int64) {
	t.Helper()
	id := e.inc.HolderAccount(holder)
	require.NoError(t, e.l.OpenAccount(e.ctx, ledger.Account{ID: id, Asset: "PTS"}))
	_, err := e.l.Post(e.ctx, ledger.Transaction{Postings: []ledger.Posting{
		{From: e.inc.IssuerAccount(), To: id, Amount: decimal.NewFromInt(amount), Asset: "PTS"}}})
	require.NoError(t, err)
}

// drain moves a holder's available points away (as a purchase elsewhere or an expiry would)
// and returns how many.
func drain(t testing.TB, e *env, holder string) int64 {
	t.Helper()
	have := e.available(t, e.inc.HolderAccount(holder))
	if !have.IsPositive() {
		return 0
	}
	_, err := e.l.Post(e.ctx, ledger.Transaction{Postings: []ledger.Posting{
		{From: e.inc.HolderAccount(holder), To: e.inc.ExpiryAccount(), Amount: have, Asset: "PTS"}}})
	require.NoError(t, err)
	return have.IntPart()
}

// redeemKey is the ledger hold key Redeem uses for attempt 0 of a redemption key in the
// test scheme's community.
func redeemKey(key, what string) string { return "redeem:yangguang:" + key + ":" + what }

// TestRedeemVoidedAttempt: the points run out between the check and the points hold (the
// hook drains them): the attempt is voided, its units go back, the key is not used up, and
// the next call under it makes the redemption in a new attempt.
func TestRedeemVoidedAttempt(t *testing.T) {
	e, sh := uncappedRiceShop(t, "10", 3)
	give(t, e, "p-ann", 10)
	points.SetRedeemTestHook(sh, func(_ string, _ int, stage string) {
		if stage == "reserved" {
			drain(t, e, "p-ann")
		}
	})
	_, err := sh.Redeem(e.ctx, "k", "p-ann", "rice", 1)
	require.ErrorIs(t, err, points.ErrInsufficientPoints)
	points.SetRedeemTestHook(sh, nil)
	stock, err := sh.Stock(e.ctx, "rice")
	require.NoError(t, err)
	assert.Equal(t, int64(3), stock, "the voided attempt's unit is back")
	mark, err := e.l.HoldByKey(e.ctx, redeemKey("k", "points"))
	require.NoError(t, err)
	assert.Equal(t, ledger.HoldReleased, mark.Status, "the void mark reserves nothing")
	assert.True(t, e.available(t, e.inc.IssuerAccount()).Equal(e.balance(t, e.inc.IssuerAccount())), "nothing held on the issuer")

	_, err = sh.Redeem(e.ctx, "k", "p-ann", "rice", 1)
	require.ErrorIs(t, err, points.ErrInsufficientPoints, "still short: refused, nothing reserved")
	give(t, e, "p-ann", 10)
	r, err := sh.Redeem(e.ctx, "k", "p-ann", "rice", 1)
	require.NoError(t, err)
	again, err := sh.Redeem(e.ctx, "k", "p-ann", "rice", 1)
	require.NoError(t, err)
	assert.Equal(t, r, again)
	stock, err = sh.Stock(e.ctx, "rice")
	require.NoError(t, err)
	assert.Equal(t, int64(2), stock)
	require.NoError(t, sh.Fulfil(e.ctx, r))
	assert.Equal(t, "0", e.balance(t, e.inc.HolderAccount("p-ann")).String())
	e.verify(t)
}

// TestRedeemRaceDecidedOnce: while one call, refused for points, is about to void its
// attempt, a second call under the same key (the holder was topped up meanwhile) reserves the
// points: the void loses, and both calls return the one redemption.
func TestRedeemRaceDecidedOnce(t *testing.T) {
	e, sh := uncappedRiceShop(t, "10", 3)
	give(t, e, "p-ann", 10)
	var second points.Redemption
	var secondErr error
	points.SetRedeemTestHook(sh, func(key string, attempt int, stage string) {
		switch stage {
		case "reserved":
			drain(t, e, "p-ann")
		case "refused":
			points.SetRedeemTestHook(sh, nil) // the second call runs without interference
			give(t, e, "p-ann", 10)
			second, secondErr = sh.Redeem(e.ctx, key, "p-ann", "rice", 1)
		}
	})
	first, err := sh.Redeem(e.ctx, "k", "p-ann", "rice", 1)
	require.NoError(t, err, "the first call finds the redemption the second made")
	require.NoError(t, secondErr)
	assert.Equal(t, first, second)
	stock, err := sh.Stock(e.ctx, "rice")
	require.NoError(t, err)
	assert.Equal(t, int64(2), stock, "one unit reserved")
	assert.Equal(t, "0", e.available(t, e.inc.HolderAccount("p-ann")).String(), "one price reserved")
	require.NoError(t, sh.Fulfil(e.ctx, first))
	e.verify(t)
}

// TestRedeemAttemptsBounded: a key whose attempts are all voided is refused with ErrKeyReused
// and reserves nothing; another key still works.
func TestRedeemAttemptsBounded(t *testing.T) {
	e, sh := uncappedRiceShop(t, "10", 3)
	points.SetRedeemTestHook(sh, func(_ string, _ int, stage string) {
		if stage == "reserved" {
			drain(t, e, "p-ann")
		}
	})
	for range points.RedeemAttemptsMax {
		give(t, e, "p-ann", 10)
		_, err := sh.Redeem(e.ctx, "k", "p-ann", "rice", 1)
		require.ErrorIs(t, err, points.ErrInsufficientPoints)
	}
	points.SetRedeemTestHook(sh, nil)
	give(t, e, "p-ann", 10)
	_, err := sh.Redeem(e.ctx, "k", "p-ann", "rice", 1)
	require.ErrorIs(t, err, points.ErrKeyReused)
	stock, err := sh.Stock(e.ctx, "rice")
	require.NoError(t, err)
	assert.Equal(t, int64(3), stock)
	_, err = sh.Redeem(e.ctx, "k2", "p-ann", "rice", 1)
	require.NoError(t, err)
	e.verify(t)
}

// TestRedeemRepairsInterruptedAttempts: states a crash leaves behind, and states an earlier
// Redeem left, are carried on or replayed.
func TestRedeemRepairsInterruptedAttempts(t *testing.T) {
	e, sh := uncappedRiceShop(t, "10", 5)
	give(t, e, "p-ann", 100)
	ann := e.inc.HolderAccount("p-ann")
	stockP := ledger.Posting{From: "community:yangguang:stock:rice", To: "community:yangguang:stock:_delivered", Amount: decimal.NewFromInt(1), Asset: points.StockAsset}
	pointsP := ledger.Posting{From: ann, To: e.inc.ShopAccount(), Amount: decimal.NewFromInt(10), Asset: "PTS"}
	hold := func(p ledger.Posting, key string) ledger.Hold {
		h, err := e.l.Hold(e.ctx, p, ledger.HoldOptions{IdempotencyKey: key})
		require.NoError(t, err)
		return h
	}
	stockLeft := func() int64 {
		v, err := sh.Stock(e.ctx, "rice")
		require.NoError(t, err)
		return v
	}

	// A crash after the units were reserved: the next call reserves the points.
	s := hold(stockP, redeemKey("crash", "stock"))
	r, err := sh.Redeem(e.ctx, "crash", "p-ann", "rice", 1)
	require.NoError(t, err)
	assert.Equal(t, s.ID, r.StockHold)
	assert.Equal(t, int64(4), stockLeft())

	// A crash after the void mark, before the units went back: the next call gives them back
	// and makes a new attempt.
	hold(stockP, redeemKey("marked", "stock"))
	hold(ledger.Posting{From: e.inc.IssuerAccount(), To: e.inc.ShopAccount(), Amount: decimal.NewFromInt(10), Asset: "PTS"}, redeemKey("marked", "points"))
	r, err = sh.Redeem(e.ctx, "marked", "p-ann", "rice", 1)
	require.NoError(t, err)
	assert.Equal(t, int64(3), stockLeft(), "the voided attempt's unit is back, the new one's held")

	// An earlier Redeem's refusal for points: units released, no points hold, no mark.
	s = hold(stockP, redeemKey("old-refused", "stock"))
	require.NoError(t, e.l.Release(e.ctx, s.ID))
	r, err = sh.Redeem(e.ctx, "old-refused", "p-ann", "rice", 1)
	require.NoError(t, err)
	assert.NotEqual(t, s.ID, r.StockHold)
	assert.Equal(t, int64(2), stockLeft())

	// An earlier Redeem's retry after such a refusal reserved the units again under a key of
	// its points hold ("stock-again"): a replay finds them there.
	s = hold(stockP, redeemKey("old-again", "stock"))
	require.NoError(t, e.l.Release(e.ctx, s.ID))
	p := hold(pointsP, redeemKey("old-again", "points"))
	again := hold(stockP, "redeem:yangguang:"+p.ID.String()+":stock-again")
	r, err = sh.Redeem(e.ctx, "old-again", "p-ann", "rice", 1)
	require.NoError(t, err)
	assert.Equal(t, points.Redemption{Key: "old-again", Holder: "p-ann", SKU: "rice", Quantity: 1, Points: decimal.NewFromInt(10),
		PointsHold: p.ID, StockHold: again.ID}, r)
	require.NoError(t, sh.Fulfil(e.ctx, r))
	assert.Equal(t, int64(1), stockLeft())

	// Units captured without a points hold cannot come from Redeem: refused as corrupt.
	s = hold(stockP, redeemKey("broken", "stock"))
	_, err = e.l.Capture(e.ctx, s.ID, decimal.NewFromInt(1))
	require.NoError(t, err)
	_, err = sh.Redeem(e.ctx, "broken", "p-ann", "rice", 1)
	require.ErrorIs(t, err, ledger.ErrCorrupt)
	e.verify(t)
}

func sameRedemption(a, b points.Redemption) bool {
	return a.Key == b.Key && a.Holder == b.Holder && a.SKU == b.SKU && a.Quantity == b.Quantity &&
		a.Points.Equal(b.Points) && a.PointsHold == b.PointsHold && a.StockHold == b.StockHold
}

// redemptionModel is what the model knows of a key that made a redemption.
type redemptionModel struct {
	holder, sku string
	quantity    int64
	r           points.Redemption
	status      ledger.HoldStatus
}

// TestRedeemRetriesModel drives Redeem under a few keys with random refusals for points and
// for stock, top-ups, purchases elsewhere, restocks, races in the window between the two holds,
// fulfilments and cancellations, against a model: a key makes at most one redemption, a replay
// of its request returns it unchanged, another request under it is ErrKeyReused, a refusal
// changes no available points or stock and leaves the key free, and after every step each
// holder's available points, each item's stock and every redemption's holds match the model.
func TestRedeemRetriesModel(t *testing.T) {
	const price = 10
	rapid.Check(t, func(rt *rapid.T) {
		e, sh := uncappedRiceShop(t, sprint(price), 2)
		require.NoError(t, sh.AddItem(e.ctx, points.Item{SKU: "oil", Name: "食用油", Price: decimal.NewFromInt(price)}))
		require.NoError(t, sh.Restock(e.ctx, "oil", 1, "n-oil"))
		keys := []string{"k1", "k2", "k3"}
		holders := []string{"p-ann", "p-bob"}
		skus := []string{"rice", "oil"}
		have := map[string]int64{}
		stock := map[string]int64{"rice": 2, "oil": 1}
		made := map[string]*redemptionModel{}
		voids := map[string]int{}
		restocks := 0

		rt.Repeat(map[string]func(*rapid.T){
			"redeem": func(rt *rapid.T) {
				key := rapid.SampledFrom(keys).Draw(rt, "key")
				h := rapid.SampledFrom(holders).Draw(rt, "holder")
				sku := rapid.SampledFrom(skus).Draw(rt, "sku")
				q := rapid.Int64Range(1, 2).Draw(rt, "quantity")
				race := rapid.Bool().Draw(rt, "race") && voids[key] < points.RedeemAttemptsMax-1
				drained := int64(-1)
				if race {
					points.SetRedeemTestHook(sh, func(_ string, _ int, stage string) {
						if stage == "reserved" {
							drained = drain(t, e, h)
						}
					})
				}
				r, err := sh.Redeem(e.ctx, key, h, sku, q)
				points.SetRedeemTestHook(sh, nil)
				if m := made[key]; m != nil {
					if m.holder != h || m.sku != sku || m.quantity != q {
						if !errors.Is(err, points.ErrKeyReused) {
							rt.Fatalf("%s reused for another request: %v", key, err)
						}
					} else if err != nil || !sameRedemption(r, m.r) {
						rt.Fatalf("%s replayed: %+v, %v; want %+v", key, r, err, m.r)
					}
					if drained >= 0 {
						rt.Fatalf("%s: a replay reserved units", key)
					}
					return
				}
				switch {
				case stock[sku] < q:
					if !errors.Is(err, points.ErrOutOfStock) {
						rt.Fatalf("%s: %d %s of %d in stock: %v", key, q, sku, stock[sku], err)
					}
				case have[h] < q*price:
					if !errors.Is(err, points.ErrInsufficientPoints) {
						rt.Fatalf("%s: %s has %d of %d: %v", key, h, have[h], q*price, err)
					}
				case drained >= 0:
					if !errors.Is(err, points.ErrInsufficientPoints) {
						rt.Fatalf("%s: points drained before they were held: %v", key, err)
					}
					have[h] -= drained
					voids[key]++
				default:
					if err != nil {
						rt.Fatalf("%s: %v", key, err)
					}
					if r.Key != key || r.Holder != h || r.SKU != sku || r.Quantity != q || !r.Points.Equal(decimal.NewFromInt(q*price)) {
						rt.Fatalf("%s: redemption %+v", key, r)
					}
					made[key] = &redemptionModel{holder: h, sku: sku, quantity: q, r: r, status: ledger.HoldOpen}
					have[h] -= q * price
					stock[sku] -= q
				}
			},
			"top up": func(rt *rapid.T) {
				h := rapid.SampledFrom(holders).Draw(rt, "holder")
				n := rapid.Int64Range(1, 3).Draw(rt, "tens") * price
				give(t, e, h, n)
				have[h] += n
			},
			"spend elsewhere": func(rt *rapid.T) {
				h := rapid.SampledFrom(holders).Draw(rt, "holder")
				have[h] -= drain(t, e, h)
			},
			"restock": func(rt *rapid.T) {
				sku := rapid.SampledFrom(skus).Draw(rt, "sku")
				restocks++
				require.NoError(t, sh.Restock(e.ctx, sku, 1, sprint("r", restocks)))
				stock[sku]++
			},
			"close": func(rt *rapid.T) {
				key := rapid.SampledFrom(keys).Draw(rt, "key")
				m := made[key]
				if m == nil {
					rt.Skip("no redemption under the key")
				}
				fulfil := rapid.Bool().Draw(rt, "fulfil")
				var err error
				if fulfil {
					err = sh.Fulfil(e.ctx, m.r)
				} else {
					err = sh.Cancel(e.ctx, m.r)
				}
				switch {
				case m.status == ledger.HoldOpen && fulfil:
					m.status = ledger.HoldCaptured
				case m.status == ledger.HoldOpen:
					m.status = ledger.HoldReleased
					have[m.holder] += m.quantity * price
					stock[m.sku] += m.quantity
				case (m.status == ledger.HoldCaptured) == fulfil: // the same again: nothing
				default:
					if !errors.Is(err, points.ErrRedemptionClosed) {
						rt.Fatalf("%s closed the other way: %v", key, err)
					}
					return
				}
				if err != nil {
					rt.Fatalf("%s: close: %v", key, err)
				}
			},
			"": func(rt *rapid.T) {
				for _, h := range holders {
					if got := e.available(t, e.inc.HolderAccount(h)); !got.Equal(decimal.NewFromInt(have[h])) {
						rt.Fatalf("%s has %s available, model %d", h, got, have[h])
					}
				}
				for _, sku := range skus {
					if got, err := sh.Stock(e.ctx, sku); err != nil || got != stock[sku] {
						rt.Fatalf("stock of %s %d, model %d: %v", sku, got, stock[sku], err)
					}
				}
				for key, m := range made {
					for _, id := range []uuid.UUID{m.r.PointsHold, m.r.StockHold} {
						h, err := e.l.GetHold(e.ctx, id)
						if err != nil || h.Status != m.status {
							rt.Fatalf("%s: hold %s %v, model %v: %v", key, id, h.Status, m.status, err)
						}
					}
				}
			},
		})
		e.verify(t)
	})
}

// TestRedeemSameKeyConcurrent: calls under one key race each other while the holder's points
// come and go; every call that succeeds returns the one redemption, every other is refused
// for want of points, and the units and points end up reserved once or not at all.
func TestRedeemSameKeyConcurrent(t *testing.T) {
	const calls, rounds = 8, 20
	for round := range rounds {
		e, sh := uncappedRiceShop(t, "10", 3)
		give(t, e, "p-ann", 10)
		var wg sync.WaitGroup
		rs := make([]points.Redemption, calls)
		errs := make([]error, calls)
		start := make(chan struct{})
		for i := range calls {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				rs[i], errs[i] = sh.Redeem(e.ctx, "k", "p-ann", "rice", 1)
			}()
		}
		toggled := make(chan error, 1)
		go func() {
			<-start
			ann := e.inc.HolderAccount("p-ann")
			for j := range 4 {
				p := ledger.Posting{From: ann, To: e.inc.ExpiryAccount(), Amount: decimal.NewFromInt(10), Asset: "PTS"}
				if j%2 == 1 {
					p.From, p.To = e.inc.IssuerAccount(), ann
				}
				if _, err := e.l.Post(e.ctx, ledger.Transaction{Postings: []ledger.Posting{p}}); err != nil && !errors.Is(err, ledger.ErrInsufficientBalance) {
					toggled <- err
					return
				}
			}
			toggled <- nil
		}()
		close(start)
		wg.Wait()
		require.NoError(t, <-toggled)
		var made *points.Redemption
		for i, err := range errs {
			if err != nil {
				require.ErrorIs(t, err, points.ErrInsufficientPoints, "round %d call %d", round, i)
				continue
			}
			if made == nil {
				made = &rs[i]
			}
			require.True(t, sameRedemption(*made, rs[i]), "round %d: two redemptions under one key", round)
		}
		stock, err := sh.Stock(e.ctx, "rice")
		require.NoError(t, err)
		held := e.balance(t, e.inc.HolderAccount("p-ann")).Sub(e.available(t, e.inc.HolderAccount("p-ann")))
		if made == nil {
			// No call succeeded; one may still: a last call decides, and reserves at most once.
			r, err := sh.Redeem(e.ctx, "k", "p-ann", "rice", 1)
			if err == nil {
				made = &r
				stock--
				held = held.Add(decimal.NewFromInt(10))
			} else {
				require.ErrorIs(t, err, points.ErrInsufficientPoints)
			}
		}
		if made != nil {
			assert.Equal(t, int64(2), stock, "round %d", round)
			assert.Equal(t, "10", held.String(), "round %d", round)
			require.NoError(t, sh.Fulfil(e.ctx, *made))
		} else {
			assert.Equal(t, int64(3), stock, "round %d", round)
			assert.Equal(t, "0", held.String(), "round %d", round)
		}
		e.verify(t)
	}
}
