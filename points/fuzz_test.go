package points_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/internal/errcheck"
	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/memstore"
	"github.com/tongxin/tongxin/points"
)

// ledgerState is what a refused call must leave as it was: the hash chain's head (every
// posting) and the balance and available amount (holds) of the accounts it could touch.
type ledgerState struct {
	head ledger.Head
	amts map[ledger.AccountID]string
}

func stateOf(t *testing.T, l *ledger.Ledger, ids ...ledger.AccountID) ledgerState {
	t.Helper()
	ctx := context.Background()
	h, err := l.Head(ctx)
	require.NoError(t, err)
	s := ledgerState{head: h, amts: make(map[ledger.AccountID]string, len(ids))}
	for _, id := range ids {
		b, berr := l.Balance(ctx, id)
		a, aerr := l.Available(ctx, id)
		if berr != nil || aerr != nil {
			// Not open yet. Opening an empty account on the way to a refusal is not a change
			// of what anyone holds, so it compares equal to an open, empty one.
			require.ErrorIs(t, berr, ledger.ErrUnknownAccount)
			s.amts[id] = "0/0"
			continue
		}
		s.amts[id] = b.String() + "/" + a.String()
	}
	return s
}

func requireUnchanged(t *testing.T, before ledgerState, l *ledger.Ledger, ids ...ledger.AccountID) {
	t.Helper()
	after := stateOf(t, l, ids...)
	require.Equal(t, before, after, "a refused call changed the ledger")
	require.NoError(t, l.Verify(context.Background()))
}

// fuzzDecimal is coef × 10^exp: negative, zero, huge and over-precise amounts. The exponent is
// kept to an int8 so that the fuzzer explores values, not the decimal library's big powers.
func fuzzDecimal(coef int64, exp int8) decimal.Decimal { return decimal.New(coef, int32(exp)) }

// fuzzLedger is a fresh ledger on a fixed clock: every fuzz input starts from the same state.
func fuzzLedger(t *testing.T) (*ledger.Ledger, func() time.Time) {
	t.Helper()
	clk := newClock()
	l, err := ledger.New(context.Background(), memstore.New(), ledger.WithClock(clk.Now), ledger.WithIDs(seqIDs(0x01)))
	require.NoError(t, err)
	return l, clk.Now
}

var (
	fuzzDemandID   = uuid.MustParse("0190aaaa-0000-7000-8000-000000000001")
	fuzzProviderID = uuid.MustParse("0190bbbb-0000-7000-8000-000000000002")
	fuzzOtherID    = uuid.MustParse("0190bbbb-0000-7000-8000-000000000003")
)

// awardInput is one fuzzed completion.
type awardInput struct {
	kind, status, provKind, urgency uint8
	title, category, requester      string
	person, members, auditor        string
	hoursCoef                       int64
	hoursExp                        int8
	otherHours                      int64
	approved, other                 bool
	auditAt                         int64
}

func (in awardInput) completion() points.Completion {
	d := catalog.Demand{
		ID: fuzzDemandID, Kind: catalog.DemandKind(in.kind % 6), Status: catalog.Status(in.status % 15),
		Title: in.title, Category: in.category, Requester: catalog.RequesterRef{ID: in.requester},
		Urgency: catalog.Urgency(in.urgency % 5),
	}
	p := catalog.Provider{ID: fuzzProviderID, Kind: catalog.ProviderKind(in.provKind % 6), PersonID: in.person}
	if in.members != "" {
		for _, m := range strings.Split(in.members, ",") {
			p.Members = append(p.Members, catalog.Member{PersonID: m})
		}
	}
	at := time.Unix(0, in.auditAt)
	audits := []catalog.Audit{{
		DemandID: fuzzDemandID, ProviderID: fuzzProviderID, Approved: in.approved,
		Hours: fuzzDecimal(in.hoursCoef, in.hoursExp), Auditor: in.auditor, At: at,
	}}
	if in.other {
		audits = append(audits, catalog.Audit{DemandID: fuzzDemandID, ProviderID: fuzzOtherID, Approved: true,
			Hours: decimal.NewFromInt(in.otherHours), Auditor: in.auditor, At: at})
	}
	return points.Completion{Demand: d, Provider: p, Audits: audits, BigItem: in.urgency&0x80 != 0}
}

// addAwardSeeds seeds f with the edge cases every award fuzz target starts from.
func addAwardSeeds(f *testing.F) {
	audited, awarded := uint8(catalog.StatusAudited), uint8(catalog.StatusAwarded)
	wish, team := uint8(catalog.Wish), uint8(catalog.Team)
	vol := uint8(catalog.Volunteer)
	noon := time.Date(2026, 5, 1, 4, 0, 0, 0, time.UTC).UnixNano()
	f.Add(wish, audited, vol, uint8(0), "上门理发", "haircut", "r1", "wang", "", "auditor-li", int64(2), int8(0), int64(0), true, false, noon)
	f.Add(wish, awarded, team, uint8(2), "t", "haircut", "r1", "", "a,b,c", "x", int64(7), int8(-1), int64(3), true, true, noon)
	f.Add(wish, audited, team, uint8(0), "t", "c", "a", "", "a,b", "x", int64(1), int8(0), int64(0), true, false, noon) // self-dealing member
	f.Add(wish, audited, vol, uint8(0), "t", "c", "same", "same", "", "x", int64(1), int8(0), int64(0), true, false, noon)
	f.Add(wish, audited, vol, uint8(0), "", "", "", "", "", "", int64(0), int8(0), int64(0), true, false, int64(0))
	f.Add(wish, audited, vol, uint8(0), "t", "c", "r", "p", "", "x", int64(-5), int8(0), int64(9), true, true, noon)
	f.Add(wish, audited, vol, uint8(0), "t", "c", "r", "p", "", "x", int64(2), int8(0), int64(-1), true, true, noon)
	f.Add(wish, audited, vol, uint8(0), "t", "c", "r", "p", "", "x", int64(1), int8(-40), int64(0), true, false, noon)
	f.Add(wish, audited, vol, uint8(0), "t", "c", "r", "p", "", "x", int64(9223372036854775807), int8(100), int64(0), true, false, noon)
	f.Add(wish, audited, vol, uint8(0), "t", "c", "r", "p", "", "x", int64(123456789), int8(-8), int64(0), false, false, noon)
	f.Add(wish, audited, vol, uint8(0), "\xff\xfe", "c\x00", "r", "p", "", "x", int64(1), int8(0), int64(0), true, false, noon)
	f.Add(wish, audited, vol, uint8(0), strings.Repeat("长", 200), "c", "r", "p", "", strings.Repeat("a", 300), int64(1), int8(0), int64(0), true, false, noon)
	f.Add(uint8(catalog.Project), audited, team, uint8(0x83), "t", "c", "r", "", strings.Repeat("m,", 50), "x", int64(240), int8(0), int64(240), true, true, int64(-1)<<62)
	f.Add(uint8(0), uint8(0), uint8(0), uint8(255), "t", "c", "r", "p", ",,", "x", int64(1), int8(0), int64(0), true, false, int64(1)<<62)
}

// FuzzAward prices and posts fuzzed completions. Quote and Award agree; a refused award wraps
// one of Award's documented sentinels and posts nothing; an accepted one posts exactly the
// quoted points to the quoted receivers, once (a retry replays it), and the ledger verifies.
func FuzzAward(f *testing.F) {
	addAwardSeeds(f)
	f.Fuzz(func(t *testing.T, kind, status, provKind, urgency uint8, title, category, requester, person, members, auditor string,
		hoursCoef int64, hoursExp int8, otherHours int64, approved, other bool, auditAt int64) {
		in := awardInput{kind: kind, status: status, provKind: provKind, urgency: urgency, title: title, category: category,
			requester: requester, person: person, members: members, auditor: auditor, hoursCoef: hoursCoef, hoursExp: hoursExp,
			otherHours: otherHours, approved: approved, other: other, auditAt: auditAt}
		c := in.completion()
		ctx := context.Background()
		l, _ := fuzzLedger(t)
		inc, err := points.New(ctx, l, testScheme())
		require.NoError(t, err)

		qPoints, qShares, qErr := inc.Quote(c)
		if qErr != nil {
			errcheck.RequireOneOf(t, qErr, points.ErrInvalid, points.ErrNotAudited, points.ErrRejected, points.ErrSelfDealing, points.ErrNothingToAward)
		}
		holders := []ledger.AccountID{inc.IssuerAccount(), inc.HolderAccount(points.ProviderHolder(c.Provider))}
		for _, m := range c.Provider.Members {
			holders = append(holders, inc.HolderAccount(points.PersonHolder(m.PersonID)))
		}
		before := stateOf(t, l, holders...)
		r, err := inc.Award(ctx, c)
		if err != nil {
			errcheck.RequireOneOf(t, err, points.ErrInvalid, points.ErrNotAudited, points.ErrRejected, points.ErrSelfDealing,
				points.ErrNothingToAward, points.ErrOverCap, points.ErrInvalidScheme)
			if qErr == nil && !errors.Is(err, points.ErrOverCap) {
				t.Fatalf("Quote priced %s but Award refused: %v", qPoints, err)
			}
			requireUnchanged(t, before, l, holders...)
			return
		}
		require.NoError(t, qErr, "Award posted what Quote refused")
		require.True(t, r.Points.Equal(qPoints), "award %s, quote %s", r.Points, qPoints)
		require.Equal(t, qShares, r.Shares)
		require.True(t, r.Points.IsPositive())
		sum := decimal.Zero
		for _, sh := range r.Shares {
			require.True(t, points.ValidHolder(sh.Holder), "share holder %q", sh.Holder)
			require.True(t, sh.Points.IsPositive())
			got, err := inc.Balance(ctx, sh.Holder)
			require.NoError(t, err)
			require.True(t, got.GreaterThanOrEqual(sh.Points), "%s holds %s of a %s share", sh.Holder, got, sh.Points)
			sum = sum.Add(sh.Points)
		}
		require.True(t, sum.Equal(r.Points), "shares add up to %s of %s", sum, r.Points)
		if len(c.Audits) > 1 {
			// Sharing the base with another provider never raises one's own points.
			solo := c
			solo.Audits = c.Audits[:1]
			alone, _, err := inc.Quote(solo)
			require.NoError(t, err)
			require.True(t, r.Points.LessThanOrEqual(alone), "%s points with another provider, %s alone", r.Points, alone)
		}
		require.NoError(t, l.Verify(ctx))
		head := stateOf(t, l, holders...)
		again, err := inc.Award(ctx, c)
		require.NoError(t, err, "a retried award replays")
		require.Equal(t, r.Transaction.ID, again.Transaction.ID)
		requireUnchanged(t, head, l, holders...)
	})
}

// shopFixture is a ledger with holder "p-wang" holding 30 points and a shop.
func shopFixture(t *testing.T) (*ledger.Ledger, *points.Incentive, *points.Shop) {
	t.Helper()
	ctx := context.Background()
	l, _ := fuzzLedger(t)
	inc, err := points.New(ctx, l, testScheme())
	require.NoError(t, err)
	in := awardInput{kind: uint8(catalog.Wish), status: uint8(catalog.StatusAudited), provKind: uint8(catalog.Volunteer),
		title: "t", category: "haircut", requester: "r1", person: "wang", auditor: "x", hoursCoef: 2, approved: true,
		auditAt: time.Date(2026, 5, 1, 4, 0, 0, 0, time.UTC).UnixNano()}
	r, err := inc.Award(ctx, in.completion())
	require.NoError(t, err)
	require.Equal(t, "30", r.Points.String())
	sh, err := points.NewShop(ctx, inc)
	require.NoError(t, err)
	return l, inc, sh
}

// FuzzShop offers a fuzzed item, restocks it and redeems from it with fuzzed keys, holders,
// SKUs and quantities, then fulfils or cancels. Every refusal wraps a documented sentinel and
// reserves nothing; an accepted redemption holds exactly price × quantity points and quantity
// units, and a replay returns it unchanged.
func FuzzShop(f *testing.F) {
	f.Add("rice", "大米 5kg", int64(10), int8(0), int64(5), "note-1", "order-1", "p-wang", "rice", int64(2), true)
	f.Add("rice", "n", int64(1), int8(-2), int64(1), "k", "k", "p-wang", "rice", int64(1), false)
	f.Add("", "", int64(0), int8(0), int64(0), "", "", "", "", int64(0), false)
	f.Add("_supply", "n", int64(1), int8(0), int64(1), "k", "k", "p-wang", "_supply", int64(1), false)
	f.Add("rice", "n", int64(-10), int8(0), int64(-5), "k", "k", "p-wang", "rice", int64(-1), false)
	f.Add("rice", "n", int64(1), int8(-9), int64(1000001), "k", "k", "p-wang", "rice", int64(1001), false)
	f.Add("rice", "n", int64(9223372036854775807), int8(0), int64(1000000), "k", "k", "p-wang", "rice", int64(1000), false)
	f.Add("rice", "n", int64(1), int8(9), int64(5), "k", "k", "p-wang", "rice", int64(1), true)
	f.Add("rice", strings.Repeat("x", 201), int64(1), int8(0), int64(5), "k", "k", "p-wang", "rice", int64(1), true)
	f.Add("rice", "n\x00", int64(1), int8(0), int64(5), strings.Repeat("k", 49), strings.Repeat("k", 48), "p-nobody", "rice", int64(1), true)
	f.Add("r\xff", "\xff", int64(1), int8(0), int64(5), "k\x00", "o:1", "p:wang", "r\xff", int64(1), true)
	f.Add("rice", "n", int64(15), int8(0), int64(5), "k", "k", "p-wang", "rice", int64(2), true) // 30 points: exactly all
	f.Add("rice", "n", int64(31), int8(0), int64(5), "k", "k", "p-wang", "rice", int64(1), true)
	f.Fuzz(func(t *testing.T, sku, name string, priceCoef int64, priceExp int8, units int64, restockKey, key, holder, redeemSKU string, quantity int64, fulfil bool) {
		ctx := context.Background()
		l, inc, sh := shopFixture(t)
		ids := []ledger.AccountID{inc.HolderAccount("p-wang"), inc.ShopAccount()}
		if stock := ledger.AccountID("community:yangguang:stock:" + sku); stock.Validate() == nil {
			ids = append(ids, stock) // DefaultNaming.Stock
		}
		if points.ValidHolder(holder) {
			ids = append(ids, inc.HolderAccount(holder))
		}
		price := fuzzDecimal(priceCoef, priceExp)
		before := stateOf(t, l, ids...)
		if err := sh.AddItem(ctx, points.Item{SKU: sku, Name: name, Price: price}); err != nil {
			errcheck.RequireOneOf(t, err, points.ErrInvalid)
			requireUnchanged(t, before, l, ids...)
			_, ok := sh.Item(sku)
			require.False(t, ok, "a refused item is offered")
			return
		}
		it, ok := sh.Item(sku)
		require.True(t, ok)
		require.True(t, it.Price.Equal(price))
		before = stateOf(t, l, ids...)
		if err := sh.Restock(ctx, sku, units, restockKey); err != nil {
			errcheck.RequireOneOf(t, err, points.ErrInvalid, points.ErrKeyReused)
			requireUnchanged(t, before, l, ids...)
			return
		}
		stock, err := sh.Stock(ctx, sku)
		require.NoError(t, err)
		require.Equal(t, units, stock)

		before = stateOf(t, l, ids...)
		r, err := sh.Redeem(ctx, key, holder, redeemSKU, quantity)
		if err != nil {
			errcheck.RequireOneOf(t, err, points.ErrInvalid, points.ErrOutOfStock, points.ErrInsufficientPoints, points.ErrKeyReused)
			requireUnchanged(t, before, l, ids...)
			left, err := sh.Stock(ctx, sku)
			require.NoError(t, err)
			require.Equal(t, units, left, "a refused redemption reserved units")
			return
		}
		require.Equal(t, redeemSKU, sku)
		require.True(t, r.Points.Equal(price.Mul(decimal.NewFromInt(quantity))), "redemption of %d at %s costs %s", quantity, price, r.Points)
		left, err := sh.Stock(ctx, sku)
		require.NoError(t, err)
		require.Equal(t, units-quantity, left)
		avail, err := l.Available(ctx, inc.HolderAccount(holder))
		require.NoError(t, err)
		require.True(t, avail.Equal(decimal.NewFromInt(30).Sub(r.Points)), "available %s after %s held", avail, r.Points)
		again, err := sh.Redeem(ctx, key, holder, redeemSKU, quantity)
		require.NoError(t, err, "a replayed redemption")
		require.Equal(t, r, again)
		if fulfil {
			require.NoError(t, sh.Fulfil(ctx, r))
			errcheck.RequireOneOf(t, sh.Cancel(ctx, r), points.ErrRedemptionClosed)
			bal, err := l.Balance(ctx, inc.ShopAccount())
			require.NoError(t, err)
			require.True(t, bal.Equal(r.Points))
		} else {
			require.NoError(t, sh.Cancel(ctx, r))
			errcheck.RequireOneOf(t, sh.Fulfil(ctx, r), points.ErrRedemptionClosed)
			back, err := inc.Balance(ctx, holder)
			require.NoError(t, err)
			require.Equal(t, "30", back.String())
		}
		require.NoError(t, l.Verify(ctx))
	})
}

// FuzzTimeBank configures a bank from fuzzed limits and relationships, deposits 10 hours for
// "p-wang" when the configuration is valid, then gives and withdraws fuzzed hours between
// fuzzed holders. Refusals wrap documented sentinels and move nothing; accepted moves keep
// every member at or under the storage cap and conserve hours.
func FuzzTimeBank(f *testing.F) {
	f.Add(int64(0), int64(0), int64(0), "", "g1", "p-wang", "p-mother", int64(3), int8(0), "parent", int64(2), int8(0), 70, false)
	f.Add(int64(5), int64(4), int64(6), "parent,child", "g1", "p-wang", "p-mother", int64(5), int8(0), "parent", int64(1), int8(0), 50, true)
	f.Add(int64(-1), int64(0), int64(0), "", "g", "p-wang", "p-m", int64(1), int8(0), "friend", int64(1), int8(0), 0, false)
	f.Add(int64(1000001), int64(0), int64(0), "", "g", "p-wang", "p-m", int64(1), int8(0), "friend", int64(1), int8(0), 0, false)
	f.Add(int64(0), int64(0), int64(0), "Bad Rel", "g", "p-wang", "p-m", int64(1), int8(0), "Bad Rel", int64(1), int8(0), 0, false)
	f.Add(int64(0), int64(0), int64(0), strings.Repeat("r,", 65), "g", "p-wang", "p-m", int64(1), int8(0), "r", int64(1), int8(0), 0, false)
	f.Add(int64(0), int64(0), int64(0), "", "", "", "", int64(0), int8(0), "", int64(0), int8(0), 0, false)
	f.Add(int64(0), int64(0), int64(0), "", "g", "p-wang", "p-wang", int64(1), int8(0), "friend", int64(1), int8(0), 0, false)
	f.Add(int64(0), int64(0), int64(0), "", "g", "p-wang", "p-m", int64(1), int8(-3), "friend", int64(1), int8(-3), 0, false)
	f.Add(int64(0), int64(0), int64(0), "", "g", "p-wang", "p-m", int64(-1), int8(0), "friend", int64(-1), int8(0), 0, false)
	f.Add(int64(0), int64(0), int64(0), "", "g", "p-wang", "p-m", int64(11), int8(0), "friend", int64(11), int8(0), 0, false)
	f.Add(int64(0), int64(0), int64(0), "", "g", "p-wang", "p-m", int64(1), int8(7), "friend", int64(1), int8(7), 0, false)
	f.Add(int64(0), int64(0), int64(0), "", strings.Repeat("g", 65), "p-wang\x00", "p-\xff", int64(1), int8(0), "friend\x00", int64(1), int8(0), 0, false)
	f.Add(int64(0), int64(0), int64(0), "", "g", "p-wang", strings.Repeat("m", 65), int64(1), int8(0), "friend", int64(1), int8(0), 0, false)
	f.Fuzz(func(t *testing.T, storageCap, giftMax, giftYearMax int64, relationships, giftKey, from, to string,
		giftCoef int64, giftExp int8, relationship string, withdrawCoef int64, withdrawExp int8, age int, hardship bool) {
		ctx := context.Background()
		l, now := fuzzLedger(t)
		cfg := points.TimeBankConfig{
			Community:  "yangguang",
			StorageCap: decimal.NewFromInt(storageCap), GiftMax: decimal.NewFromInt(giftMax), GiftYearMax: decimal.NewFromInt(giftYearMax),
			Policy: points.AgePolicy(65, 60), Now: now,
		}
		if relationships != "" {
			cfg.Relationships = strings.Split(relationships, ",")
		}
		tb, err := points.NewTimeBank(ctx, l, cfg)
		if err != nil {
			errcheck.RequireOneOf(t, err, points.ErrInvalidScheme)
			h, herr := l.Head(ctx)
			require.NoError(t, herr)
			require.Zero(t, h.Seq, "a refused configuration posted")
			return
		}
		c := awardInput{kind: uint8(catalog.Wish), status: uint8(catalog.StatusAudited), provKind: uint8(catalog.Volunteer),
			title: "t", category: "haircut", requester: "r1", person: "wang", auditor: "x", hoursCoef: 10, approved: true}.completion()
		dep, err := tb.Deposit(ctx, c)
		require.NoError(t, err)
		require.Equal(t, "10", dep.Hours.String())

		ids := []ledger.AccountID{tb.PoolAccount(), tb.DonationAccount(), tb.MemberAccount("p-wang")}
		for _, h := range []string{from, to} {
			if points.ValidHolder(h) {
				ids = append(ids, tb.MemberAccount(h))
			}
		}
		capped := func() {
			t.Helper()
			if storageCap == 0 {
				return
			}
			for _, h := range []string{"p-wang", from, to} {
				if points.ValidHolder(h) {
					got, err := tb.Hours(ctx, h)
					require.NoError(t, err)
					require.True(t, got.LessThanOrEqual(decimal.NewFromInt(storageCap)), "%s holds %s over the cap %d", h, got, storageCap)
				}
			}
		}
		capped()

		g := points.Gift{Key: giftKey, From: from, To: to, Hours: fuzzDecimal(giftCoef, giftExp), Relationship: relationship}
		before := stateOf(t, l, ids...)
		r, err := tb.Gift(ctx, g)
		if err != nil {
			errcheck.RequireOneOf(t, err, points.ErrInvalid, points.ErrOverCap, points.ErrInsufficientPoints, points.ErrKeyReused)
			requireUnchanged(t, before, l, ids...)
		} else {
			require.True(t, r.Hours.Equal(g.Hours))
			require.True(t, r.Donated.LessThanOrEqual(r.Hours) && !r.Donated.IsNegative())
			capped()
			again, err := tb.Gift(ctx, g)
			require.NoError(t, err, "a replayed gift")
			require.True(t, again.Replayed)
			require.Equal(t, r.Transaction.ID, again.Transaction.ID)
		}

		w := points.Withdrawal{Member: points.Member{Holder: from, Age: age, Hardship: hardship}, Hours: fuzzDecimal(withdrawCoef, withdrawExp), DemandID: fuzzDemandID}
		before = stateOf(t, l, ids...)
		wr, err := tb.Withdraw(ctx, w)
		if err != nil {
			errcheck.RequireOneOf(t, err, points.ErrInvalid, points.ErrWithdrawRefused, points.ErrInsufficientPoints, points.ErrKeyReused)
			requireUnchanged(t, before, l, ids...)
		} else {
			require.True(t, wr.Hours.Equal(w.Hours))
			have, err := tb.Hours(ctx, from)
			require.NoError(t, err)
			require.False(t, have.IsNegative(), "%s holds %s after withdrawing", from, have)
		}
		require.NoError(t, l.Verify(ctx))
	})
}

// TestAwardRefusesMalformedCompletion: completions no catalog writes, found by FuzzAward. A
// negative approved share once inflated the other provider's part of the base (30 points
// instead of 20), and text the ledger cannot keep failed inside the ledger's Post with its own
// error after accounts were opened. Each is refused with ErrInvalid by Quote, Award and
// Deposit alike, and nothing is posted.
func TestAwardRefusesMalformedCompletion(t *testing.T) {
	noon := time.Date(2026, 5, 1, 4, 0, 0, 0, time.UTC).UnixNano()
	ok := awardInput{kind: uint8(catalog.Wish), status: uint8(catalog.StatusAudited), provKind: uint8(catalog.Volunteer),
		title: "t", category: "haircut", requester: "r1", person: "wang", auditor: "x", hoursCoef: 2, approved: true, auditAt: noon}
	for name, change := range map[string]func(*awardInput){
		"negative share of another": func(in *awardInput) { in.other, in.otherHours = true, -1 },
		"zero share of another":     func(in *awardInput) { in.other, in.otherHours = true, 0 },
		"title not UTF-8":           func(in *awardInput) { in.title = "\xff\xfe" },
		"category with NUL":         func(in *awardInput) { in.category = "hair\x00cut" },
		"auditor too long":          func(in *awardInput) { in.auditor = strings.Repeat("a", ledger.MetadataValueBytesMax+1) },
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			l, now := fuzzLedger(t)
			inc, err := points.New(ctx, l, testScheme())
			require.NoError(t, err)
			tb, err := points.NewTimeBank(ctx, l, points.TimeBankConfig{Community: "yangguang", Now: now})
			require.NoError(t, err)
			in := ok
			change(&in)
			c := in.completion()
			_, _, err = inc.Quote(c)
			require.ErrorIs(t, err, points.ErrInvalid)
			_, err = inc.Award(ctx, c)
			require.ErrorIs(t, err, points.ErrInvalid)
			if !in.other {
				_, err = tb.Deposit(ctx, c)
				require.ErrorIs(t, err, points.ErrInvalid)
			}
			h, err := l.Head(ctx)
			require.NoError(t, err)
			require.Zero(t, h.Seq)
		})
	}
}

// FuzzClawback claws back the fixture's award of 30 points to "p-wang" after the holder spent
// some of them at the shop, with a fuzzed reason, demand and provider. A refusal wraps
// ErrInvalid or ErrNotAwarded and moves nothing; an accepted clawback recovers what the holder
// has and records the rest as debt, 30 points in all, once.
func FuzzClawback(f *testing.F) {
	f.Add("fraud: no show", int64(0), true, true)
	f.Add("fraud", int64(7), true, true)
	f.Add("fraud", int64(30), true, true)
	f.Add("", int64(7), true, true)
	f.Add(strings.Repeat("理", 86), int64(7), true, true) // 258 bytes
	f.Add(strings.Repeat("x", 256), int64(7), true, true)
	f.Add("\xff", int64(0), true, true)
	f.Add("\xff", int64(7), true, true)
	f.Add("a\x00b", int64(7), true, true)
	f.Add("fraud", int64(-1), false, true)
	f.Add("fraud", int64(1), true, false)
	f.Fuzz(func(t *testing.T, reason string, spend int64, sameDemand, sameProvider bool) {
		ctx := context.Background()
		l, inc, sh := shopFixture(t)
		spent := int64(0)
		if spend > 0 {
			spent = 1 + (spend-1)%30
			require.NoError(t, sh.AddItem(ctx, points.Item{SKU: "rice", Name: "米", Price: decimal.NewFromInt(1)}))
			require.NoError(t, sh.Restock(ctx, "rice", 30, "note"))
			r, err := sh.Redeem(ctx, "order", "p-wang", "rice", spent)
			require.NoError(t, err)
			require.NoError(t, sh.Fulfil(ctx, r))
		}
		demandID, p := fuzzDemandID, catalog.Provider{ID: fuzzProviderID, Kind: catalog.Volunteer, PersonID: "wang"}
		if !sameDemand {
			demandID = fuzzOtherID
		}
		if !sameProvider {
			p.ID = fuzzOtherID
		}
		ids := []ledger.AccountID{inc.IssuerAccount(), inc.HolderAccount("p-wang"), inc.DebtAccount("p-wang")}
		before := stateOf(t, l, ids...)
		res, err := inc.Clawback(ctx, demandID, p, reason)
		if err != nil {
			errcheck.RequireOneOf(t, err, points.ErrInvalid, points.ErrNotAwarded)
			requireUnchanged(t, before, l, ids...)
			return
		}
		require.False(t, res.AlreadyDone)
		require.Equal(t, "30", res.Recovered.Add(res.Debt).String(), "recovered %s, debt %s", res.Recovered, res.Debt)
		require.Equal(t, spent, res.Debt.IntPart())
		have, err := inc.Balance(ctx, "p-wang")
		require.NoError(t, err)
		require.True(t, have.IsZero(), "p-wang keeps %s", have)
		owed, err := inc.Debt(ctx, "p-wang")
		require.NoError(t, err)
		require.Equal(t, spent, owed.IntPart())
		require.NoError(t, l.Verify(ctx))
		after := stateOf(t, l, ids...)
		again, err := inc.Clawback(ctx, demandID, p, reason)
		require.NoError(t, err)
		require.True(t, again.AlreadyDone)
		requireUnchanged(t, after, l, ids...)
	})
}

// TestClawbackRepeatAfterReversal: found by FuzzClawback. A clawback of an award whose points
// were all still there reverses it; repeating it got the ledger's replay of that reversal and
// reported a fresh clawback (AlreadyDone false, 30 points recovered again) instead of
// AlreadyDone. And a reason that is not UTF-8 text without NUL was accepted when the award
// was reversed but failed in the ledger when some points were spent; it is now refused with
// ErrInvalid either way.
func TestClawbackRepeatAfterReversal(t *testing.T) {
	ctx := context.Background()
	l, inc, _ := shopFixture(t)
	p := catalog.Provider{ID: fuzzProviderID, Kind: catalog.Volunteer, PersonID: "wang"}
	for _, bad := range []string{"\xff", "a\x00b"} {
		_, err := inc.Clawback(ctx, fuzzDemandID, p, bad)
		require.ErrorIs(t, err, points.ErrInvalid)
	}
	res, err := inc.Clawback(ctx, fuzzDemandID, p, "fraud")
	require.NoError(t, err)
	require.False(t, res.AlreadyDone)
	require.Equal(t, "30", res.Recovered.String())
	head, err := l.Head(ctx)
	require.NoError(t, err)
	again, err := inc.Clawback(ctx, fuzzDemandID, p, "fraud")
	require.NoError(t, err)
	require.True(t, again.AlreadyDone)
	require.True(t, again.Recovered.IsZero())
	after, err := l.Head(ctx)
	require.NoError(t, err)
	require.Equal(t, head, after)
}

// FuzzStatement pages a member's time-bank statement with a fuzzed holder, cursor and limit.
// A refusal wraps points.ErrInvalid or the ledger's ErrInvalid or ErrUnknownAccount; a page
// holds at most the limit of entries whose balances follow from their changes, and following
// NextCursor from any accepted page reaches the end with the member's balance.
func FuzzStatement(f *testing.F) {
	f.Add("p-wang", "", 0)
	f.Add("p-wang", "", 1)
	f.Add("p-mother", "", 2)
	f.Add("p-nobody", "", 0)
	f.Add("", "", 0)
	f.Add("p-wang", "", -1)
	f.Add("p-wang", "", 1<<30)
	f.Add("p-wang", "garbage", 1)
	f.Add("p-wang", "\xff\x00", 1)
	f.Add("p-wang", strings.Repeat("A", 1000), 1)
	f.Fuzz(func(t *testing.T, holder, cursor string, limit int) {
		ctx := context.Background()
		l, now := fuzzLedger(t)
		tb, err := points.NewTimeBank(ctx, l, points.TimeBankConfig{Community: "yangguang", Now: now})
		require.NoError(t, err)
		c := awardInput{kind: uint8(catalog.Wish), status: uint8(catalog.StatusAudited), provKind: uint8(catalog.Volunteer),
			title: "t", category: "haircut", requester: "r1", person: "wang", auditor: "x", hoursCoef: 10, approved: true}.completion()
		_, err = tb.Deposit(ctx, c)
		require.NoError(t, err)
		for i, h := range []string{"1", "2.5", "0.25"} {
			_, err := tb.Gift(ctx, points.Gift{Key: fmt.Sprint("g", i), From: "p-wang", To: "p-mother", Hours: decimal.RequireFromString(h), Relationship: "parent"})
			require.NoError(t, err)
		}
		page, err := tb.Statement(ctx, holder, cursor, limit)
		if err != nil {
			errcheck.RequireOneOf(t, err, points.ErrInvalid, ledger.ErrInvalid, ledger.ErrUnknownAccount)
			return
		}
		for n := 0; ; n++ {
			require.Less(t, n, 10, "the statement does not end")
			if limit > 0 {
				require.LessOrEqual(t, len(page.Entries), limit)
			}
			for i := 1; i < len(page.Entries); i++ {
				e, prev := page.Entries[i], page.Entries[i-1]
				require.True(t, prev.Balance.Add(e.Change).Equal(e.Balance), "entry %d: %s + %s != %s", i, prev.Balance, e.Change, e.Balance)
			}
			if page.NextCursor == "" {
				break
			}
			next, err := tb.Statement(ctx, holder, page.NextCursor, limit)
			require.NoError(t, err)
			if len(next.Entries) == 0 {
				break
			}
			page = next
		}
		if n := len(page.Entries); n > 0 {
			have, err := tb.Hours(ctx, holder)
			require.NoError(t, err)
			require.True(t, page.Entries[n-1].Balance.Equal(have), "statement ends at %s, member holds %s", page.Entries[n-1].Balance, have)
		}
	})
}

// FuzzLeaderboards ranks four awards in two communities, one of them clawed back, posted a
// day apart, over a fuzzed period, community and limit. The query is refused with ErrInvalid
// exactly when the limit is out of range or To is before From; otherwise the ranking lists at
// most the limit, best first, and its totals are the awards of the period that stand.
func FuzzLeaderboards(f *testing.F) {
	f.Add(int64(0), int64(0), "", 0)
	f.Add(int64(0), int64(48*60), "yangguang", 1)
	f.Add(int64(24*60), int64(24*60), "yueliang", 0)
	f.Add(int64(60), int64(-60), "", 0)
	f.Add(int64(0), int64(0), "", -1)
	f.Add(int64(0), int64(0), "", points.LeaderboardLimitMax+1)
	f.Add(int64(-1<<40), int64(1<<40), "\xff\x00", 2)
	f.Fuzz(func(t *testing.T, fromMin, toMin int64, community string, limit int) {
		ctx := context.Background()
		clk := newClock()
		start := clk.Now()
		l, err := ledger.New(ctx, memstore.New(), ledger.WithClock(clk.Now), ledger.WithIDs(seqIDs(0x01)))
		require.NoError(t, err)
		type award struct {
			community string
			points    decimal.Decimal
			at        time.Time
			clawed    bool
		}
		var awards []award
		for i := range 4 {
			s := testScheme()
			if i%2 == 1 {
				s.Community = "yueliang"
			}
			inc, err := points.New(ctx, l, s)
			require.NoError(t, err)
			c := awardInput{kind: uint8(catalog.Wish), status: uint8(catalog.StatusAudited), provKind: uint8(catalog.Volunteer),
				title: "t", category: "haircut", requester: "r", person: fmt.Sprint("v", i), auditor: "x", hoursCoef: int64(1 + i),
				approved: true, auditAt: clk.Now().UnixNano()}.completion()
			c.Demand.ID[15], c.Provider.ID[15] = byte(i), byte(i)
			c.Audits[0].DemandID, c.Audits[0].ProviderID = c.Demand.ID, c.Provider.ID
			r, err := inc.Award(ctx, c)
			require.NoError(t, err)
			a := award{community: s.Community, points: r.Points, at: r.Transaction.EffectiveAt}
			if i == 2 {
				_, err := inc.Clawback(ctx, c.Demand.ID, c.Provider, "fraud")
				require.NoError(t, err)
				a.clawed = true
			}
			awards = append(awards, a)
			clk.Advance(24 * time.Hour)
		}
		q := points.LeaderboardQuery{From: start.Add(time.Duration(fromMin) * time.Minute), Community: community, Limit: limit}
		if toMin != 0 {
			q.To = start.Add(time.Duration(toMin) * time.Minute)
		}
		lb, err := points.Leaderboards(ctx, l, q)
		if limit < 0 || limit > points.LeaderboardLimitMax || (!q.To.IsZero() && q.To.Before(q.From)) {
			errcheck.RequireOneOf(t, err, points.ErrInvalid)
			return
		}
		require.NoError(t, err)
		want, n := decimal.Zero, 0
		for _, a := range awards {
			if a.clawed || (community != "" && a.community != community) || a.at.Before(q.From) || (!q.To.IsZero() && !a.at.Before(q.To)) {
				continue
			}
			want, n = want.Add(a.points), n+1
		}
		if limit > 0 {
			require.LessOrEqual(t, len(lb.Providers), limit)
		} else {
			require.Len(t, lb.Providers, n)
		}
		for i := 1; i < len(lb.Providers); i++ {
			require.False(t, lb.Providers[i].Points.GreaterThan(lb.Providers[i-1].Points), "ranking out of order")
		}
		got, providers := decimal.Zero, 0
		for _, c := range lb.Communities {
			got, providers = got.Add(c.Points), providers+c.Providers
		}
		require.True(t, got.Equal(want), "communities total %s, awards of the period %s", got, want)
		require.Equal(t, n, providers)
	})
}

// FuzzRedemptionClose fulfils or cancels a Redemption as a caller may hand it back (kept in a
// database, sent through a form): its fields mixed from two real redemptions, one of them
// already fulfilled or cancelled, or hold ids of nothing. A refusal wraps a documented
// sentinel (or the ledger's ErrNotFound for a hold id of nothing) and moves nothing: no
// points or units are captured or released.
func FuzzRedemptionClose(f *testing.F) {
	f.Add(uint8(0), uint8(0), uint8(0), true, true)
	f.Add(uint8(0), uint8(0), uint8(1), true, true)
	f.Add(uint8(0), uint8(1), uint8(0), true, false)
	f.Add(uint8(1), uint8(0), uint8(1), false, true)
	f.Add(uint8(1), uint8(2), uint8(0), false, false)
	f.Add(uint8(0), uint8(0), uint8(2), true, false)
	f.Fuzz(func(t *testing.T, keyFrom, pointsFrom, stockFrom uint8, secondFulfilled, fulfil bool) {
		ctx := context.Background()
		l, inc, sh := shopFixture(t)
		require.NoError(t, sh.AddItem(ctx, points.Item{SKU: "rice", Name: "米", Price: decimal.NewFromInt(5)}))
		require.NoError(t, sh.Restock(ctx, "rice", 10, "note"))
		var rs [2]points.Redemption
		for i := range rs {
			r, err := sh.Redeem(ctx, fmt.Sprint("order-", i), "p-wang", "rice", 2)
			require.NoError(t, err)
			rs[i] = r
		}
		if secondFulfilled {
			require.NoError(t, sh.Fulfil(ctx, rs[1]))
		} else {
			require.NoError(t, sh.Cancel(ctx, rs[1]))
		}
		pick := func(sel uint8, a, b uuid.UUID) uuid.UUID {
			switch sel % 3 {
			case 0:
				return a
			case 1:
				return b
			}
			return uuid.UUID{0xee}
		}
		r := rs[keyFrom%2]
		r.PointsHold = pick(pointsFrom, rs[0].PointsHold, rs[1].PointsHold)
		r.StockHold = pick(stockFrom, rs[0].StockHold, rs[1].StockHold)
		ids := []ledger.AccountID{inc.HolderAccount("p-wang"), inc.ShopAccount(), "community:yangguang:stock:rice", "community:yangguang:stock:_delivered"}
		before := stateOf(t, l, ids...)
		var err error
		if fulfil {
			err = sh.Fulfil(ctx, r)
		} else {
			err = sh.Cancel(ctx, r)
		}
		if err != nil {
			errcheck.RequireOneOf(t, err, points.ErrInvalid, points.ErrRedemptionClosed, ledger.ErrNotFound)
			requireUnchanged(t, before, l, ids...)
			return
		}
		require.NoError(t, l.Verify(ctx))
	})
}

// TestRedemptionCloseAllOrNothing: found by FuzzRedemptionClose. Fulfil captured the points
// hold before finding the units hold released (a Redemption whose holds came from two orders,
// one cancelled) and Cancel released the points before finding no units hold: each refused
// after moving points. Both now read and check both holds first.
func TestRedemptionCloseAllOrNothing(t *testing.T) {
	ctx := context.Background()
	l, inc, sh := shopFixture(t)
	require.NoError(t, sh.AddItem(ctx, points.Item{SKU: "rice", Name: "米", Price: decimal.NewFromInt(5)}))
	require.NoError(t, sh.AddItem(ctx, points.Item{SKU: "oil", Name: "油", Price: decimal.NewFromInt(5)}))
	require.NoError(t, sh.Restock(ctx, "rice", 10, "note"))
	require.NoError(t, sh.Restock(ctx, "oil", 10, "note-oil"))
	r0, err := sh.Redeem(ctx, "order-0", "p-wang", "rice", 2)
	require.NoError(t, err)
	r1, err := sh.Redeem(ctx, "order-1", "p-wang", "rice", 2)
	require.NoError(t, err)
	oil, err := sh.Redeem(ctx, "order-oil", "p-wang", "oil", 2)
	require.NoError(t, err)
	require.NoError(t, sh.Cancel(ctx, r1))
	ids := []ledger.AccountID{inc.HolderAccount("p-wang"), inc.ShopAccount()}
	before := stateOf(t, l, ids...)

	mixed := r0
	mixed.StockHold = r1.StockHold // released
	require.ErrorIs(t, sh.Fulfil(ctx, mixed), points.ErrRedemptionClosed)
	mixed.StockHold = uuid.UUID{0xee}
	require.ErrorIs(t, sh.Cancel(ctx, mixed), ledger.ErrNotFound)
	mixed.StockHold = oil.StockHold // another item's units
	require.ErrorIs(t, sh.Fulfil(ctx, mixed), points.ErrInvalid)
	requireUnchanged(t, before, l, ids...)

	require.NoError(t, sh.Fulfil(ctx, r0), "the real redemption is still whole")
	require.NoError(t, sh.Fulfil(ctx, r0))
	bal, err := l.Balance(ctx, inc.ShopAccount())
	require.NoError(t, err)
	require.Equal(t, "10", bal.String())
}
