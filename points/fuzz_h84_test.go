package points

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/memstore"
)

// seedsH84 are awkward strings for holders, templates and decimals: CJK, full-width
// characters, invisible characters, NUL, invalid UTF-8 and huge numbers.
var seedsH84 = []string{
	"", "p-wang", "王", "ｐ-wang", "p\u200bwang", "\ufeffp", "p\x00", "\xff\xfe", "a:b", "{holder}",
	"shop", "_all", strings.Repeat("x", 64), strings.Repeat("x", 65), "1e400", "-0", "0.001",
	"99999999999999999999999", "1.000000000000000000001", "１２", "1_000", "0x10", "NaN", "Inf",
}

// FuzzNamingH84: account templates a scheme accepts render a valid holder account for any
// valid holder, from which the holder is read back, and which no fixed account of the scheme
// (issuer, shop, expiry) and no other holder template (debt) can be; templates it refuses
// are refused with ErrInvalidScheme and by New too, which then opens nothing.
func FuzzNamingH84(f *testing.F) {
	d := DefaultNaming
	f.Add(d.Holder, d.Shop, d.Debt, d.Issuer, "p-wang")
	f.Add("community:{community}:{holder}:{asset}", d.Shop, d.Debt, d.Issuer, "shop")
	f.Add("c:{community}:m:{holder}", "c:{community}:shop", "c:{community}:d:{holder}", "c:{community}:i", "x")
	f.Add("{holder}", "shop", "debt:{holder}", "issuer", "shop")
	f.Add("社区:{community}:{holder}:{asset}", d.Shop, d.Debt, d.Issuer, "p")
	f.Add("c:{community}:m:{holder}:{asset}", "c:{community}:m:shop:{asset}", d.Debt, d.Issuer, "shop")
	f.Add("c:{community}:{holder}x", d.Shop, d.Debt, d.Issuer, "p")
	f.Add("c:{community}:m:{holder}:{asset}\x00", d.Shop, d.Debt, d.Issuer, "p")
	f.Add("c:{community}:m:{holder}:{asset}:{period}", d.Shop, d.Debt, d.Issuer, "p")
	for _, s := range seedsH84 {
		f.Add(d.Holder, d.Shop, d.Debt, d.Issuer, s)
	}
	f.Fuzz(func(t *testing.T, holderT, shopT, debtT, issuerT, holder string) {
		s := Scheme{Community: "c01", Accounts: Naming{Holder: holderT, Shop: shopT, Debt: debtT, Issuer: issuerT}}
		verr := s.Validate()
		ctx := context.Background()
		l, err := ledger.New(ctx, memstore.New())
		if err != nil {
			t.Fatal(err)
		}
		inc, err := New(ctx, l, s)
		if verr != nil {
			if !errors.Is(verr, ErrInvalidScheme) {
				t.Fatalf("Validate refused without ErrInvalidScheme: %v", verr)
			}
			if err == nil || !errors.Is(err, ErrInvalidScheme) {
				t.Fatalf("Validate refuses (%v) but New gives %v", verr, err)
			}
			// Nothing was defined: the default asset is still free to take another scale.
			if err := l.CreateAsset(ctx, ledger.Asset{Code: DefaultAsset, Scale: 5}); err != nil {
				t.Fatalf("refused scheme left the ledger changed: %v", err)
			}
			return
		}
		if err != nil {
			t.Fatalf("Validate accepts but New refuses: %v", err)
		}
		if !ValidHolder(holder) {
			return
		}
		ns := inc.Scheme()
		acct := inc.HolderAccount(holder)
		if err := acct.Validate(); err != nil {
			t.Fatalf("holder %q: account %q invalid: %v", holder, acct, err)
		}
		if acct != render(ns.Accounts.Holder, ns.Community, holder, ns.Asset, "", "") {
			t.Fatalf("compiled and rendered holder accounts differ: %q", acct)
		}
		if got, ok := newMatcher(ns.Accounts.Holder, ns.Community, ns.Asset).holder(acct); !ok || got != holder {
			t.Fatalf("holder %q: account %q reads back as %q, %v", holder, acct, got, ok)
		}
		for _, fixed := range []ledger.AccountID{inc.IssuerAccount(), inc.ShopAccount(), inc.ExpiryAccount()} {
			if fixed == acct {
				t.Fatalf("holder %q's account is the fixed account %q", holder, fixed)
			}
			if h, ok := newMatcher(ns.Accounts.Holder, ns.Community, ns.Asset).holder(fixed); ok {
				t.Fatalf("fixed account %q reads as holder %q's", fixed, h)
			}
		}
		debt := inc.DebtAccount(holder)
		if debt == acct || debt.Validate() != nil {
			t.Fatalf("debt account %q of %q (holder account %q)", debt, holder, acct)
		}
		if h, ok := newMatcher(ns.Accounts.Debt, ns.Community, ns.Asset).holder(acct); ok {
			t.Fatalf("holder account %q reads as %q's debt account", acct, h)
		}
	})
}

// FuzzSchemeAmountH84: a scheme amount (base points, points per hour, a cap) is accepted only
// when the asset's scale keeps it exactly, and an accepted scheme exported as JSON parses back
// to the same scheme; a refusal is ErrInvalidScheme.
func FuzzSchemeAmountH84(f *testing.F) {
	for _, s := range seedsH84 {
		f.Add(s, int8(0))
	}
	for _, s := range []string{"10", "10.5", "10.50", "10.505", "1e2", "1E-2", "0.1e1", "1000000", "1000000.01", "-1", "+1", " 1", "1 ", "1e-1000000000", "1e2147483647", "5e-324"} {
		f.Add(s, int8(2))
		f.Add(s, int8(1))
	}
	f.Fuzz(func(t *testing.T, amount string, which int8) {
		field := [...]string{`"base":[{"kind":"wish","points":%s}]`, `"points_per_hour":%s`, `"daily_cap":%s`, `"monthly_cap":%s`}[int(uint8(which))%4]
		q, _ := json.Marshal(amount)
		data := []byte(`{"community":"c01",` + strings.Replace(field, "%s", string(q), 1) + `}`)
		s, err := ParseScheme(data)
		if err != nil {
			if !errors.Is(err, ErrInvalidScheme) {
				t.Fatalf("%s refused without ErrInvalidScheme: %v", data, err)
			}
			return
		}
		var v decimal.Decimal
		switch int(uint8(which)) % 4 {
		case 0:
			v = s.Base[0].Points
		case 1:
			v = s.PointsPerHour
		case 2:
			v = s.DailyCap
		case 3:
			v = s.MonthlyCap
		}
		ns, err := s.normalized()
		if err != nil {
			t.Fatal(err)
		}
		if minor, err := ledger.ToMinor(v, ns.Scale); err != nil || !ledger.FromMinor(minor, ns.Scale).Equal(v) {
			t.Fatalf("%s accepted %s, which scale %d does not keep exactly (%v)", data, v, ns.Scale, err)
		}
		if v.IsNegative() {
			t.Fatalf("%s accepted a negative amount %s", data, v)
		}
		out, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("marshal %+v: %v", s, err)
		}
		back, err := ParseScheme(out)
		if err != nil {
			t.Fatalf("exported scheme %s does not parse back: %v", out, err)
		}
		out2, err := json.Marshal(back)
		if err != nil || !bytes.Equal(out, out2) {
			t.Fatalf("scheme changed over export: %s vs %s (%v)", out, out2, err)
		}
	})
}

// FuzzHolderKeysH84: PersonHolder maps any person id, valid or not, to a valid holder whose
// holder account validates, distinct ids to distinct holders, and keeps a short valid id
// readable; WithdrawKey of a valid holder is not the key of another holder.
func FuzzHolderKeysH84(f *testing.F) {
	for _, s := range seedsH84 {
		f.Add(s, "p-li")
	}
	f.Add(strings.Repeat("a", 60), strings.Repeat("a", 61))
	f.Add("p-wang", "wang")
	f.Fuzz(func(t *testing.T, a, b string) {
		ha, hb := PersonHolder(a), PersonHolder(b)
		if !ValidHolder(ha) || !ValidHolder(hb) {
			t.Fatalf("PersonHolder(%q) = %q, PersonHolder(%q) = %q", a, ha, b, hb)
		}
		if (a == b) != (ha == hb) {
			t.Fatalf("PersonHolder(%q) = %q, PersonHolder(%q) = %q", a, ha, b, hb)
		}
		if len(a) <= 60 && ValidHolder(a) && ha != "p-"+a {
			t.Fatalf("PersonHolder(%q) = %q", a, ha)
		}
		id := render(DefaultNaming.Holder, "c01", ha, DefaultAsset, "", "")
		if err := id.Validate(); err != nil {
			t.Fatalf("holder %q: account %q: %v", ha, id, err)
		}
	})
}

// FuzzItemH84: AddItem offers an item exactly as given (Item returns it, its price kept
// exactly at the scale) only when its SKU names a valid stock account and its name is text
// (UTF-8 without NUL, as every other text the package keeps); otherwise it refuses with
// ErrInvalid and offers nothing.
func FuzzItemH84(f *testing.F) {
	for _, s := range seedsH84 {
		f.Add("rice", s, "5")
		f.Add(s, "大米 5kg", "5")
		f.Add("rice", "大米 5kg", s)
	}
	f.Add("rice", "大米\x005kg", "5")
	f.Add("rice", "大米\xff", "5")
	f.Add("_supply", "n", "1")
	f.Add("rice", "n", "5.001")
	f.Fuzz(func(t *testing.T, sku, name, price string) {
		p, err := decimal.NewFromString(price)
		if err != nil {
			return
		}
		ctx := context.Background()
		l, err := ledger.New(ctx, memstore.New())
		if err != nil {
			t.Fatal(err)
		}
		inc, err := New(ctx, l, Scheme{Community: "c01"})
		if err != nil {
			t.Fatal(err)
		}
		sh, err := NewShop(ctx, inc)
		if err != nil {
			t.Fatal(err)
		}
		if err := sh.AddItem(ctx, Item{SKU: sku, Name: name, Price: p}); err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("AddItem(%q, %q, %s) refused without ErrInvalid: %v", sku, name, price, err)
			}
			if _, ok := sh.Item(sku); ok {
				t.Fatalf("refused item %q is offered", sku)
			}
			return
		}
		it, ok := sh.Item(sku)
		if !ok || it.SKU != sku || it.Name != name || !it.Price.Equal(p) {
			t.Fatalf("AddItem(%q, %q, %s) then Item gives %+v, %v", sku, name, price, it, ok)
		}
		if !utf8.ValidString(name) || strings.IndexByte(name, 0) >= 0 {
			t.Fatalf("item %q: name %q is not text but accepted", sku, name)
		}
		if minor, err := ledger.ToMinor(p, inc.Scheme().Scale); err != nil || minor <= 0 || !ledger.FromMinor(minor, inc.Scheme().Scale).Equal(p) {
			t.Fatalf("item %q: price %s accepted, not kept exactly (%v)", sku, p, err)
		}
		if err := sh.stockAccount(sku).Validate(); err != nil {
			t.Fatalf("item %q: stock account %q: %v", sku, sh.stockAccount(sku), err)
		}
	})
}

// FuzzTimeBankConfigH84: a time-bank configuration NewTimeBank accepts gives valid member
// accounts that read back to their holder and are neither the pool, the donation account nor
// a clearing account; a refused one is ErrInvalidScheme and posts nothing.
func FuzzTimeBankConfigH84(f *testing.F) {
	d := DefaultNaming
	f.Add("yangguang", "", int32(0), d.Holder, d.Pool, d.Donation, "p-wang", "other")
	f.Add("yangguang", "HOUR", int32(2), "c:{community}:{holder}:{asset}", "c:{community}:pool:{asset}", d.Donation, "pool", "other")
	f.Add("yangguang", "HOUR", int32(2), d.Holder, d.Pool, d.Donation, "p-wang", "yangguang")
	f.Add("阳光", "HOUR", int32(2), d.Holder, d.Pool, d.Donation, "p-wang", "other")
	f.Add("yangguang", "HOUR_CAP", int32(2), d.Holder, d.Pool, d.Donation, "p-wang", "other")
	f.Add("yangguang", "ＨＯＵＲ", int32(2), d.Holder, d.Pool, d.Donation, "p-wang", "other")
	f.Add("yangguang", "HOUR", int32(-1), d.Holder, d.Pool, d.Donation, "p-wang", "other")
	f.Add("yangguang", "HOUR", int32(2147483647), d.Holder, d.Pool, d.Donation, "p-wang", "other")
	f.Add("yang\x00guang", "HOUR\u200b", int32(2), d.Holder, d.Pool, d.Donation, "p\xff", "o\x00")
	f.Fuzz(func(t *testing.T, community, asset string, scale int32, holderT, poolT, donationT, holder, other string) {
		ctx := context.Background()
		l, err := ledger.New(ctx, memstore.New())
		if err != nil {
			t.Fatal(err)
		}
		cfg := TimeBankConfig{Community: community, Asset: asset, Scale: scale,
			Accounts: Naming{Holder: holderT, Pool: poolT, Donation: donationT}}
		tb, err := NewTimeBank(ctx, l, cfg)
		if err != nil {
			if !errors.Is(err, ErrInvalidScheme) {
				t.Fatalf("NewTimeBank refused without ErrInvalidScheme: %v", err)
			}
			if h, herr := l.Head(ctx); herr != nil || h.Seq != 0 {
				t.Fatalf("refused configuration changed the ledger: %+v, %v", h, herr)
			}
			if err := l.CreateAsset(ctx, ledger.Asset{Code: DefaultHourAsset, Scale: 7}); err != nil {
				t.Fatalf("refused configuration defined an asset: %v", err)
			}
			return
		}
		if !ValidHolder(holder) {
			return
		}
		m := tb.MemberAccount(holder)
		if err := m.Validate(); err != nil {
			t.Fatalf("member %q: account %q: %v", holder, m, err)
		}
		if m == tb.PoolAccount() || m == tb.DonationAccount() {
			t.Fatalf("member %q: account %q is the pool or donation account", holder, m)
		}
		if got, ok := newMatcher(tb.c.Accounts.Holder, tb.c.Community, tb.c.Asset).holder(m); !ok || got != holder {
			t.Fatalf("member %q: account %q reads back as %q, %v", holder, m, got, ok)
		}
		if ValidHolder(other) && other != tb.Community() {
			c := tb.ClearingAccount(other)
			if c.Validate() != nil || c == m || c == tb.PoolAccount() || c == tb.DonationAccount() {
				t.Fatalf("clearing account %q with %q (member %q)", c, other, m)
			}
		}
	})
}

// FuzzExpireAsOfH84: Expire takes any asOf: the zero time is refused with ErrInvalid and
// posts nothing; otherwise points awarded on 1 May 2026 with a 12-month validity stay while
// asOf is before 30 April 2027 (in any zone) and are gone once it is after 2 May 2027, up to
// the largest year a time can be written with; a second run of the same asOf expires nothing.
func FuzzExpireAsOfH84(f *testing.F) {
	f.Add(int64(1777593600), int64(0), int16(480))          // 2026-05-01: nothing due
	f.Add(int64(1809129600), int64(0), int16(480))          // 2027-05-01
	f.Add(int64(1809302400), int64(0), int16(-720))         // 2027-05-03: due
	f.Add(int64(253402300799), int64(999999999), int16(0))  // 9999-12-31
	f.Add(int64(253402300800), int64(0), int16(0))          // year 10000
	f.Add(int64(-62135596800), int64(0), int16(0))          // year 1
	f.Add(int64(-62135596801), int64(0), int16(0))          // year 0
	f.Add(int64(-9223372036854775808), int64(0), int16(0))  // the earliest time
	f.Add(int64(9223372036854775807), int64(0), int16(0))   // the latest
	f.Add(int64(-4611686018427387904), int64(0), int16(14)) // micro- and nanoseconds overflow
	f.Add(int64(9223372036), int64(854775807), int16(0))    // past UnixNano's range
	f.Add(int64(0), int64(0), int16(0))                     // the zero time (see below)
	f.Fuzz(func(t *testing.T, sec, nsec int64, offset int16) {
		ctx := context.Background()
		now := time.Date(2026, 5, 1, 2, 0, 0, 0, time.UTC)
		l, err := ledger.New(ctx, memstore.New(), ledger.WithClock(func() time.Time { return now }))
		if err != nil {
			t.Fatal(err)
		}
		inc, err := New(ctx, l, Scheme{Community: "c01", ValidityMonths: 12})
		if err != nil {
			t.Fatal(err)
		}
		holder := inc.HolderAccount("p-wang")
		if err := l.OpenAccount(ctx, ledger.Account{ID: holder, Asset: DefaultAsset}); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Post(ctx, ledger.Transaction{Postings: []ledger.Posting{{From: inc.IssuerAccount(), To: holder,
			Amount: decimal.NewFromInt(100), Asset: DefaultAsset}}}); err != nil {
			t.Fatal(err)
		}
		var asOf time.Time
		if sec != 0 || nsec != 0 {
			asOf = time.Unix(sec, nsec%1e9).In(time.FixedZone("z", int(offset)*60))
		}
		head, err := l.Head(ctx)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := inc.Expire(ctx, asOf)
		bal, berr := inc.Balance(ctx, "p-wang")
		if berr != nil {
			t.Fatal(berr)
		}
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Expire(%v) refused without ErrInvalid: %v", asOf, err)
			}
			if h, _ := l.Head(ctx); h.Seq != head.Seq || !bal.Equal(decimal.NewFromInt(100)) {
				t.Fatalf("refused Expire(%v) posted (head %d -> %d, balance %s)", asOf, head.Seq, h.Seq, bal)
			}
			if !asOf.IsZero() {
				t.Logf("Expire(%v) refused: %v", asOf, err)
			}
			return
		}
		if asOf.IsZero() {
			t.Fatal("Expire of the zero time accepted")
		}
		early := time.Date(2027, 4, 30, 0, 0, 0, 0, time.UTC)
		late := time.Date(2027, 5, 2, 12, 0, 0, 0, time.UTC)
		switch {
		case asOf.Before(early):
			if !bal.Equal(decimal.NewFromInt(100)) || !rep.Points.IsZero() {
				t.Fatalf("Expire(%v) (before the points are due) expired %s, balance %s", asOf, rep.Points, bal)
			}
		case asOf.After(late) && asOf.Year() <= 9999:
			if !bal.IsZero() || !rep.Points.Equal(decimal.NewFromInt(100)) {
				t.Fatalf("Expire(%v) (after the points are due) expired %s, balance %s", asOf, rep.Points, bal)
			}
		}
		again, err := inc.Expire(ctx, asOf)
		if err != nil || !again.Points.IsZero() {
			t.Fatalf("second Expire(%v): %s, %v", asOf, again.Points, err)
		}
	})
}
