package points_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	catmem "github.com/tongxin/tongxin/catalog/memstore"
	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/memstore"
	"github.com/tongxin/tongxin/ledger/sqlstore"
	"github.com/tongxin/tongxin/points"
)

// The storm tests run many goroutines at once over a few shared holders, one shop item with
// a small stock and two time banks: awards (the same demand from several goroutines, and
// through two Incentives on one ledger, as two processes would), redemptions under a small
// set of keys (retried concurrently, sometimes with another request), fulfilments and
// cancellations, clawbacks of awards being spent, expiry runs in the middle, deposits,
// withdrawals (also across communities) and gifts. Afterwards the invariants are checked
// against the ledger itself. The seed is logged; STORM_SEED=n replays a mix (the
// interleaving is the scheduler's).

type stormConfig struct {
	goroutines, ops int
	keyWidth        int  // redemption keys in use at once; default stormKeyWidth
	yield           bool // yield inside Redeem between reserving the units and the points
}

type storm struct {
	t        *testing.T
	ctx      context.Context
	clock    *clock
	l        *ledger.Ledger
	cat      *catalog.Catalog
	incs     [2]*points.Incentive
	shops    [2]*points.Shop
	banks    [2]*points.TimeBank
	vols     []catalog.Provider
	parts    []stormPart // (demand, provider) pairs audited and approved
	wdIDs    []uuid.UUID // demands that served members, for withdrawals
	expiry   atomic.Int64
	done     atomic.Int64 // operations started, for the windows of parts and keys
	keyWidth int
	base     time.Time // audit time of synthetic part 0

	mu          sync.Mutex
	redemptions map[string][]points.Redemption // by key: every redemption Redeem returned
	restocks    map[string]bool

	unexpected atomic.Int64
	outcomes   sync.Map // "op: outcome" → *atomic.Int64
}

type stormPart struct {
	demand   uuid.UUID
	provider catalog.Provider
}

const (
	stormSKU          = "rice"
	stormPrice        = "10"
	stormInitStock    = 6
	stormGiftKeys     = 20
	stormRestockEvery = 150 // operations per step of the window of delivery notes (2 units each)
	stormPartEvery    = 50  // operations per step of the window of synthetic parts
	stormKeyEvery     = 60  // operations per step of the window of redemption keys
	stormKeyWidth     = 8
	stormStorage      = "12"
	stormGiftYear     = "5"
)

var stormPersons = []string{"wang", "li", "zhao"}

func stormSeed(t *testing.T) int64 {
	seed := time.Now().UnixNano()
	if s := os.Getenv("STORM_SEED"); s != "" {
		var err error
		seed, err = strconv.ParseInt(s, 10, 64)
		require.NoError(t, err)
	}
	t.Logf("seed %d (STORM_SEED=%d to replay the mix)", seed, seed)
	return seed
}

func newStorm(t *testing.T, store ledger.Store) *storm {
	ctx := context.Background()
	clk := newClock()
	l, err := ledger.New(ctx, store, ledger.WithClock(clk.Now))
	require.NoError(t, err)
	cat, err := catalog.New(catmem.New(), catalog.WithNow(clk.Now))
	require.NoError(t, err)
	s := &storm{t: t, ctx: ctx, clock: clk, l: l, cat: cat,
		redemptions: map[string][]points.Redemption{}, restocks: map[string]bool{}}
	sch := testScheme()
	sch.ValidityMonths = 1
	sch.MonthlyCap = dec("1000")
	for i := range s.incs {
		s.incs[i], err = points.New(ctx, l, sch)
		require.NoError(t, err)
		s.shops[i], err = points.NewShop(ctx, s.incs[i])
		require.NoError(t, err)
		require.NoError(t, s.shops[i].AddItem(ctx, points.Item{SKU: stormSKU, Name: "大米", Price: dec(stormPrice)}))
	}
	require.NoError(t, s.shops[0].Restock(ctx, stormSKU, stormInitStock, "init"))
	for i, c := range []string{"yangguang", "heping"} {
		s.banks[i], err = points.NewTimeBank(ctx, l, points.TimeBankConfig{
			Community: c, StorageCap: dec(stormStorage), GiftMax: dec("3"), GiftYearMax: dec(stormGiftYear), Now: clk.Now,
		})
		require.NoError(t, err)
	}
	e := &env{ctx: ctx, clock: clk, l: l, cat: cat, inc: s.incs[0]}
	for _, p := range stormPersons {
		s.vols = append(s.vols, e.volunteer(t, p))
	}
	// 60 demands, one in four of two providers, audited 6 a day: 2 or 3 awards of 15 to 20
	// points per provider a day against a daily cap of 100, but up to 8 from a day's two
	// providers, so caps refuse some until clawbacks give room back.
	for i := 0; i < 60; i++ {
		if i%6 == 0 {
			clk.Advance(24 * time.Hour)
		}
		a, b := s.vols[i%3], s.vols[(i+1)%3]
		ws := []work{{a, "2", true}}
		if i%4 == 3 {
			ws = append(ws, work{b, "1", true})
		}
		d := e.done(t, fmt.Sprintf("req%d", i), catalog.UrgencyNormal, true, ws...)
		for _, w := range ws {
			s.parts = append(s.parts, stormPart{d.ID, w.p})
		}
	}
	s.base = clk.Now()
	for i := 0; i < 8; i++ {
		s.wdIDs = append(s.wdIDs, uuid.NewSHA1(uuid.NameSpaceOID, []byte(fmt.Sprintf("served-%d", i))))
	}
	return s
}

// synthetic returns audited completion i, built without the catalog: 6 a day, one in four
// of two providers (the second with fewer hours), all requested by someone else.
func (s *storm) synthetic(i int) []points.Completion {
	id := uuid.NewSHA1(uuid.NameSpaceOID, []byte(fmt.Sprintf("storm-demand-%d", i)))
	d := catalog.Demand{ID: id, Kind: catalog.Wish, Title: "上门理发", Category: "haircut",
		Requester: catalog.RequesterRef{ID: "resident"}, Status: catalog.StatusAudited, Headcount: 1}
	at := s.base.Add(time.Duration(i/6) * 24 * time.Hour)
	ps := []catalog.Provider{s.vols[i%3]}
	audits := []catalog.Audit{{DemandID: id, ProviderID: ps[0].ID, Approved: true, Hours: dec("2"), Auditor: "li", At: at}}
	if i%4 == 3 {
		ps = append(ps, s.vols[(i+1)%3])
		audits = append(audits, catalog.Audit{DemandID: id, ProviderID: ps[1].ID, Approved: true, Hours: dec("1"), Auditor: "li", At: at})
		d.Headcount = 2
	}
	cs := make([]points.Completion, len(ps))
	for j, p := range ps {
		cs[j] = points.Completion{Demand: d, Provider: p, Audits: audits}
	}
	return cs
}

// window picks a number in a window of width that moves on by one every per operations.
func (s *storm) window(rng *rand.Rand, per, width int) int {
	return int(s.done.Load())/per + rng.Intn(width)
}

// completion picks an audited completion: from the catalog, or a synthetic one in a window
// that moves on as the storm goes, so that points keep arriving while they are spent.
func (s *storm) completion(rng *rand.Rand) (points.Completion, bool) {
	if rng.Intn(4) == 0 {
		p := s.parts[rng.Intn(len(s.parts))]
		c, err := points.CompletionOf(s.ctx, s.cat, p.demand, p.provider.ID)
		s.note("completion", err)
		return c, err == nil
	}
	cs := s.synthetic(s.window(rng, stormPartEvery, 12))
	return cs[rng.Intn(len(cs))], true
}

// allowed reports whether err is an answer a storm may give: a refusal or a lost race that
// the caller is told to retry.
func allowed(err error) bool {
	for _, e := range []error{points.ErrOverCap, points.ErrInsufficientPoints, points.ErrOutOfStock,
		points.ErrKeyReused, points.ErrRedemptionClosed, points.ErrNotAwarded, ledger.ErrAboveMaxBalance} {
		if errors.Is(err, e) {
			return true
		}
	}
	return err == nil
}

func (s *storm) note(op string, err error) {
	kind, _, _ := strings.Cut(op, " ")
	outcome := "ok"
	if err != nil {
		outcome = "refused"
	}
	n, _ := s.outcomes.LoadOrStore(kind+" "+outcome, new(atomic.Int64))
	n.(*atomic.Int64).Add(1)
	if !allowed(err) {
		s.unexpected.Add(1)
		s.t.Errorf("%s: unexpected error: %v", op, err)
	}
}

func (s *storm) run(seed int64, cfg stormConfig) {
	s.keyWidth = cmp.Or(cfg.keyWidth, stormKeyWidth)
	if cfg.yield {
		for _, sh := range s.shops {
			points.SetRedeemTestHook(sh, func(string, int, string) { runtime.Gosched() })
		}
	}
	var wg sync.WaitGroup
	for g := 0; g < cfg.goroutines; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			rng := rand.New(rand.NewSource(seed + int64(g)*7919))
			for i := 0; i < cfg.ops; i++ {
				s.done.Add(1)
				s.clock.Advance(time.Minute)
				s.op(rng)
			}
		}(g)
	}
	wg.Wait()
}

func (s *storm) op(rng *rand.Rand) {
	ctx := s.ctx
	inc := rng.Intn(2)
	switch k := rng.Intn(100); {
	case k < 22: // award, the same parts from many goroutines
		if rng.Intn(4) == 0 {
			p := s.parts[rng.Intn(len(s.parts))]
			_, err := s.incs[inc].AwardAudited(ctx, s.cat, p.demand, p.provider.ID, "auditor")
			s.note("award", err)
			return
		}
		c, _ := s.completion(rng)
		_, err := s.incs[inc].Award(ctx, c)
		s.note("award", err)
	case k < 42: // redeem under a small key space, sometimes another request under a key
		n := s.window(rng, stormKeyEvery, s.keyWidth)
		key := fmt.Sprintf("r%03d", n)
		holder, qty := points.PersonHolder(stormPersons[n%3]), int64(1+n%2)
		if rng.Intn(20) == 0 {
			holder = points.PersonHolder(stormPersons[(n+1)%3])
		}
		r, err := s.shops[inc].Redeem(ctx, key, holder, stormSKU, qty)
		s.note("redeem "+key, err)
		if err == nil {
			s.mu.Lock()
			s.redemptions[key] = append(s.redemptions[key], r)
			s.mu.Unlock()
		}
	case k < 56: // fulfil or cancel a redemption made
		s.mu.Lock()
		var rs []points.Redemption
		for _, v := range s.redemptions {
			rs = append(rs, v[0])
		}
		s.mu.Unlock()
		if len(rs) == 0 {
			return
		}
		r := rs[rng.Intn(len(rs))]
		if rng.Intn(3) == 0 {
			s.note("cancel "+r.Key, s.shops[inc].Cancel(ctx, r))
		} else {
			s.note("fulfil "+r.Key, s.shops[inc].Fulfil(ctx, r))
		}
	case k < 60: // restock, retried
		key := fmt.Sprintf("n%d", s.window(rng, stormRestockEvery, 3))
		err := s.shops[inc].Restock(ctx, stormSKU, 2, key)
		s.note("restock", err)
		if err == nil {
			s.mu.Lock()
			s.restocks[key] = true
			s.mu.Unlock()
		}
	case k < 64: // clawback of awards being spent: one part in five is found fraudulent
		var d uuid.UUID
		var p catalog.Provider
		if rng.Intn(4) == 0 {
			pt := s.parts[rng.Intn(len(s.parts)/5)*5]
			d, p = pt.demand, pt.provider
		} else {
			c := s.synthetic(s.window(rng, stormPartEvery, 12) / 5 * 5)[0]
			d, p = c.Demand.ID, c.Provider
		}
		_, err := s.incs[inc].Clawback(ctx, d, p, "fraud")
		s.note("clawback", err)
	case k < 65: // expiry in the middle: lots half a day to a day old, as of a day a month ahead
		asOf := s.clock.Now().AddDate(0, 1, 0).Add(-12*time.Hour - time.Duration(rng.Intn(720))*time.Minute)
		_, err := s.incs[0].Expire(ctx, asOf)
		s.note("expire", err)
		s.expiry.Add(1)
	case k < 79: // deposit of an audited part
		c, ok := s.completion(rng)
		if !ok {
			return
		}
		_, err := s.banks[0].Deposit(ctx, c)
		s.note("deposit", err)
	case k < 89: // withdrawal, in the member's community or served in the other
		m := rng.Intn(3)
		d := rng.Intn(len(s.wdIDs))
		w := points.Withdrawal{Member: points.Member{Holder: points.PersonHolder(stormPersons[m])},
			Hours: decimal.NewFromInt(int64(1 + d%2)), DemandID: s.wdIDs[d]}
		if d%3 == 0 {
			w.ServedBy = s.banks[1]
		}
		_, err := s.banks[0].Withdraw(ctx, w)
		s.note("withdraw", err)
	default: // gift between members under a small key space
		n := rng.Intn(stormGiftKeys)
		from, to := stormPersons[n%3], stormPersons[(n+1+n/3%2)%3]
		_, err := s.banks[0].Gift(ctx, points.Gift{Key: fmt.Sprintf("g%02d", n),
			From: points.PersonHolder(from), To: points.PersonHolder(to),
			Hours: decimal.NewFromInt(int64(1 + n%3)), Relationship: "friend"})
		s.note("gift", err)
	}
}

func (s *storm) holdByKey(key string) (ledger.Hold, bool) {
	h, err := s.l.HoldByKey(s.ctx, key)
	if errors.Is(err, ledger.ErrNotFound) {
		return ledger.Hold{}, false
	}
	require.NoError(s.t, err)
	return h, true
}

// check asserts the invariants against the ledger after the storm.
func (s *storm) check() {
	t, ctx, l := s.t, s.ctx, s.l
	inc := s.incs[0]
	require.NoError(t, l.Verify(ctx), "ledger Verify")

	// Holders: available points never below zero, debts never below zero.
	holderAcct := map[ledger.AccountID]bool{}
	total := decimal.Zero
	for _, p := range stormPersons {
		h := points.PersonHolder(p)
		a, err := l.Available(ctx, inc.HolderAccount(h))
		require.NoError(t, err)
		require.False(t, a.IsNegative(), "%s available %s", h, a)
		b, err := l.Balance(ctx, inc.HolderAccount(h))
		require.NoError(t, err)
		total = total.Add(b)
		holderAcct[inc.HolderAccount(h)] = true
		debt, err := inc.Debt(ctx, h)
		require.NoError(t, err)
		require.False(t, debt.IsNegative(), "%s debt %s", h, debt)
	}

	// Redemptions: one live redemption per key, every Redeem of a key answered with it, and
	// stock accounted for by the holds.
	sh := s.shops[0]
	stockAcct := ledger.AccountID("community:yangguang:stock:" + stormSKU)
	var fulfilled, reserved int64
	var spentHolds decimal.Decimal
	for n := 0; n < int(s.done.Load())/stormKeyEvery+s.keyWidth; n++ {
		key := fmt.Sprintf("r%03d", n)
		live := 0
		var liveStock, livePts ledger.Hold
		for a := 0; a < points.RedeemAttemptsMax; a++ {
			sk, pk := "redeem:yangguang:"+key+":stock", "redeem:yangguang:"+key+":points"
			if a > 0 {
				sk, pk = fmt.Sprintf("redeem:yangguang:%s:s%d", key, a), fmt.Sprintf("redeem:yangguang:%s:p%d", key, a)
			}
			st, ok := s.holdByKey(sk)
			if !ok {
				break
			}
			pt, ok := s.holdByKey(pk)
			require.True(t, ok, "%s attempt %d: units held with no verdict after the storm", key, a)
			if pt.Posting.From == inc.IssuerAccount() {
				require.Equal(t, ledger.HoldReleased, st.Status, "%s attempt %d voided, units not given back", key, a)
				require.Equal(t, ledger.HoldReleased, pt.Status, "%s attempt %d void mark still open", key, a)
				continue
			}
			live++
			liveStock, livePts = st, pt
			require.Equal(t, st.Status, pt.Status, "%s attempt %d: units %v, points %v", key, a, st.Status, pt.Status)
			switch st.Status {
			case ledger.HoldCaptured:
				fulfilled += st.Posting.Amount.IntPart()
				spentHolds = spentHolds.Add(pt.Posting.Amount)
			case ledger.HoldOpen:
				reserved += st.Posting.Amount.IntPart()
			}
		}
		require.LessOrEqual(t, live, 1, "%s: %d live redemptions", key, live)
		s.mu.Lock()
		rs := s.redemptions[key]
		s.mu.Unlock()
		for _, r := range rs {
			require.Equal(t, liveStock.ID, r.StockHold, "%s: a Redeem answered with another redemption", key)
			require.Equal(t, livePts.ID, r.PointsHold, "%s: a Redeem answered with another redemption", key)
		}
	}
	stock, err := sh.Stock(ctx, stormSKU)
	require.NoError(t, err)
	require.GreaterOrEqual(t, stock, int64(0))
	initial := int64(stormInitStock + 2*len(s.restocks))
	require.Equal(t, initial, stock+fulfilled+reserved, "stock %d + fulfilled %d + reserved %d", stock, fulfilled, reserved)
	bal, err := l.Balance(ctx, stockAcct)
	require.NoError(t, err)
	require.Equal(t, reserved, bal.IntPart()-stock, "units held on the stock account")

	// Points: every award key posted at most once and clawed back at most once; issued −
	// clawed back − expired − spent is what the holders have.
	awards := map[string]ledger.Transaction{}
	byID := map[uuid.UUID]string{}
	clawed := map[string]int{}
	var issued, back, expired, spent decimal.Decimal
	q := ledger.ScanQuery{Limit: ledger.ScanLimitMax}
	for {
		page, err := l.Scan(ctx, q)
		require.NoError(t, err)
		for _, tx := range page.Transactions {
			kind := tx.Metadata[points.MetaKind]
			switch {
			case kind == points.KindAward:
				k := tx.Metadata[points.MetaDemand] + ":" + tx.Metadata[points.MetaProvider]
				_, dup := awards[k]
				require.False(t, dup, "award %s posted twice", k)
				require.Equal(t, "award:"+k, tx.IdempotencyKey)
				awards[k] = tx
				byID[tx.ID] = k
			case tx.Reverses != uuid.Nil:
				k, ok := byID[tx.Reverses]
				require.True(t, ok, "a reversal of something not an award")
				clawed[k]++
			case kind == points.KindClawback:
				clawed[tx.Metadata[points.MetaDemand]+":"+tx.Metadata[points.MetaProvider]]++
			}
			for _, p := range tx.Postings {
				in, out := holderAcct[p.To], holderAcct[p.From]
				if in == out {
					continue
				}
				v := p.Amount
				switch {
				case in && kind == points.KindAward:
					issued = issued.Add(v)
				case out && (tx.Reverses != uuid.Nil || kind == points.KindClawback):
					back = back.Add(v)
				case out && kind == points.KindExpire:
					expired = expired.Add(v)
				case out && tx.CapturesHold != uuid.Nil && p.To == inc.ShopAccount():
					spent = spent.Add(v)
				default:
					t.Fatalf("posting %+v of %s (kind %q) moves a holder's points unaccounted", p, tx.ID, kind)
				}
			}
		}
		if page.Done {
			break
		}
		q = page.Next
	}
	// The catalog marks a part awarded only after its award was posted.
	for _, p := range s.parts {
		as, err := s.cat.Audits(ctx, p.demand)
		require.NoError(t, err)
		for _, a := range as {
			if a.ProviderID == p.provider.ID && a.Awarded {
				_, ok := awards[p.demand.String()+":"+p.provider.ID.String()]
				require.True(t, ok, "demand %s marked awarded to %s with no award posted", p.demand, p.provider.ID)
			}
		}
	}
	for k, n := range clawed {
		require.Equal(t, 1, n, "award %s clawed back %d times", k, n)
	}
	require.True(t, issued.Sub(back).Sub(expired).Sub(spent).Equal(total),
		"issued %s − clawed back %s − expired %s − spent %s ≠ holders' %s", issued, back, expired, spent, total)
	require.True(t, spent.Equal(spentHolds), "spent %s, fulfilled redemptions' points %s", spent, spentHolds)

	// Time banks: clearing pairs consistent, members within the storage cap and non-negative.
	_, err = points.Settlement(ctx, s.banks[:])
	require.NoError(t, err, "Settlement")
	for _, p := range stormPersons {
		for _, tb := range s.banks {
			h, err := tb.Hours(ctx, points.PersonHolder(p))
			require.NoError(t, err)
			require.False(t, h.IsNegative())
			require.False(t, h.GreaterThan(dec(stormStorage)), "%s holds %s hours over the cap", p, h)
		}
	}
	var counts []string
	s.outcomes.Range(func(k, v any) bool {
		counts = append(counts, fmt.Sprintf("%s %d", k, v.(*atomic.Int64).Load()))
		return true
	})
	slices.Sort(counts)
	t.Logf("outcomes: %s", strings.Join(counts, ", "))
	t.Logf("awards %d, clawed back %d, issued %s, clawed %s, expired %s, spent %s, holders %s; stock %d fulfilled %d reserved %d; expiry runs %d",
		len(awards), len(clawed), issued, back, expired, spent, total, stock, fulfilled, reserved, s.expiry.Load())
}

func TestStormMemstore(t *testing.T) {
	if testing.Short() {
		t.Skip("storm")
	}
	seed := stormSeed(t)
	s := newStorm(t, memstore.New())
	s.run(seed, stormConfig{goroutines: 16, ops: 1500})
	s.check()
}

func TestStormSQLite(t *testing.T) {
	if testing.Short() {
		t.Skip("storm")
	}
	seed := stormSeed(t)
	st, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "storm.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	s := newStorm(t, st)
	s.run(seed, stormConfig{goroutines: 16, ops: 200})
	s.check()
}

// TestStormHotKeys narrows the storm onto two redemption keys at a time and yields inside
// Redeem between its two holds, so that calls under one key interleave there.
func TestStormHotKeys(t *testing.T) {
	if testing.Short() {
		t.Skip("storm")
	}
	seed := stormSeed(t)
	s := newStorm(t, memstore.New())
	s.run(seed, stormConfig{goroutines: 12, ops: 800, keyWidth: 2, yield: true})
	s.check()
}
