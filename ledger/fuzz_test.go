package ledger_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/memstore"
)

func FuzzAccountID(f *testing.F) {
	for _, s := range []string{"community:c01:issuer", "vol:6f1c:pts", "a", "", ":", "a::b", "a:", ":a", "a b", "x" + strings.Repeat(":y", 8),
		"x" + strings.Repeat(":y", 7), strings.Repeat("z", 65), strings.Repeat("z", 64), "a:" + strings.Repeat("z", 65), "网格", strings.Repeat("a:", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		// The documented rules, checked the slow way.
		segs := strings.Split(s, ":")
		want := len(segs) <= ledger.AccountIDSegmentsMax
		for _, seg := range segs {
			want = want && len(seg) > 0 && len(seg) <= ledger.AccountIDSegmentBytesMax
			for _, c := range []byte(seg) {
				want = want && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-')
			}
		}
		err := ledger.AccountID(s).Validate()
		if err != nil && !errors.Is(err, ledger.ErrInvalid) {
			t.Fatalf("error %v does not wrap ErrInvalid", err)
		}
		if (err == nil) != want {
			t.Fatalf("Validate(%q) = %v, the rules say valid: %v", s, err, want)
		}
	})
}

func FuzzAssetCode(f *testing.F) {
	for _, s := range []string{"PTS", "HOUR", "A", "A_1", "", "pts", "1A", "ABCDEFGHIJKLMNOPQ", "É"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := ledger.ValidateAssetCode(s)
		if err != nil {
			if !errors.Is(err, ledger.ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		if len(s) == 0 || len(s) > ledger.AssetCodeBytesMax || s[0] < 'A' || s[0] > 'Z' {
			t.Fatalf("%q accepted", s)
		}
		if strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != "" {
			t.Fatalf("%q accepted", s)
		}
	})
}

// FuzzAmount checks that every amount either converts exactly (the decimal round-trips) or
// is rejected with ErrInvalidAmount: never rounded, never a panic.
func FuzzAmount(f *testing.F) {
	for _, s := range []string{"1", "0.01", "0.001", "-5", "0", "12.3400", "1e3", "1e-30", "1e30", "999999999999999999", "1000000000000000001", "-0.00"} {
		f.Add(s, int32(2))
	}
	f.Fuzz(func(t *testing.T, s string, scale int32) {
		d, err := decimal.NewFromString(s)
		if err != nil {
			return
		}
		scale = ((scale % 10) + 10) % 10
		v, err := ledger.ToMinor(d, scale)
		if err != nil {
			if !errors.Is(err, ledger.ErrInvalidAmount) {
				t.Fatalf("%s: error %v does not wrap ErrInvalidAmount", s, err)
			}
			return
		}
		if !ledger.FromMinor(v, scale).Equal(d) {
			t.Fatalf("%s at scale %d became %d minor units (%s): rounded", s, scale, v, ledger.FromMinor(v, scale))
		}
		if v > ledger.AmountMinorMax || v < -ledger.AmountMinorMax {
			t.Fatalf("%s: %d beyond AmountMinorMax", s, v)
		}
	})
}

// FuzzPost posts whatever the fuzzer makes up against a small ledger: the call must return a
// typed error or succeed, and the ledger must verify afterwards.
func FuzzPost(f *testing.F) {
	f.Add("issuer", "a", "10", "PTS", "k", "memo")
	f.Add("a", "a", "1", "PTS", "", "")
	f.Add("a", "b", "0.001", "PTS", "", "")
	f.Add("issuer", "ghost", "1", "HOUR", "", "\x00")
	f.Fuzz(func(t *testing.T, from, to, amount, asset, key, memo string) {
		ctx := context.Background()
		l, err := ledger.New(ctx, memstore.New())
		if err != nil {
			t.Fatal(err)
		}
		_ = l.CreateAsset(ctx, ledger.Asset{Code: "PTS", Scale: 2})
		_ = l.OpenAccount(ctx, ledger.Account{ID: "issuer", Asset: "PTS", Unbounded: true})
		_ = l.OpenAccount(ctx, ledger.Account{ID: "a", Asset: "PTS"})
		_ = l.OpenAccount(ctx, ledger.Account{ID: "b", Asset: "PTS"})
		d, err := decimal.NewFromString(amount)
		if err != nil {
			d = decimal.Zero
		}
		_, err = l.Post(ctx, ledger.Transaction{IdempotencyKey: key, Memo: memo,
			Postings: []ledger.Posting{{From: ledger.AccountID(from), To: ledger.AccountID(to), Amount: d, Asset: asset}}})
		if err != nil {
			known := []error{ledger.ErrInvalid, ledger.ErrUnknownAsset, ledger.ErrUnknownAccount, ledger.ErrAssetMismatch, ledger.ErrInsufficientBalance}
			ok := false
			for _, k := range known {
				ok = ok || errors.Is(err, k)
			}
			if !ok {
				t.Fatalf("untyped error: %v", err)
			}
		}
		if err := l.Verify(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzStatementCursor: whatever cursor a caller sends back, Statement returns a page or
// ErrInvalid; never a panic or a running balance that wrapped around, and never a last page
// whose running balance does not end at the account's balance. A cursor the ledger wrote
// pages on exactly where the last page stopped.
func FuzzStatementCursor(f *testing.F) {
	for _, c := range []string{"", "s0b0", "s2b1250", "s1b-5", "s99b0", "s2b", "sb", "b1", "s-1b0", "s2b+1",
		"s18446744073709551615b9223372036854775807", "s1b-9223372036854775808", "s1b4000000000000000000", "s1b4000000000000000001", "s2 b1", "x2b1"} {
		f.Add(c)
	}
	l, ctx := newPTSLedger(f, "issuer", "a")
	for _, amount := range []string{"12.5", "999999999999999", "0.01"} { // near the per-posting maximum
		if _, err := l.Post(ctx, ledger.Transaction{Postings: []ledger.Posting{{From: "issuer", To: "a", Amount: decimal.RequireFromString(amount), Asset: "PTS"}}}); err != nil {
			f.Fatal(err)
		}
	}
	balance, err := l.Balance(ctx, "a")
	if err != nil {
		f.Fatal(err)
	}
	// The cursors the ledger writes (with their check), and each edited by one character.
	for q := (ledger.StatementQuery{Limit: 1}); ; {
		page, err := l.Statement(ctx, "a", q)
		if err != nil {
			f.Fatal(err)
		}
		if page.NextCursor == "" {
			break
		}
		c := page.NextCursor
		f.Add(c)
		f.Add(strings.Replace(c, "b", "b1", 1))
		f.Add(c[:len(c)-1] + "0")
		q.Cursor = c
	}
	f.Fuzz(func(t *testing.T, cursor string) {
		page, err := l.Statement(ctx, "a", ledger.StatementQuery{Cursor: cursor, Limit: 2})
		if err != nil {
			if !errors.Is(err, ledger.ErrInvalid) {
				t.Fatalf("cursor %q: error %v does not wrap ErrInvalid", cursor, err)
			}
			return
		}
		for _, line := range page.Lines {
			if line.Balance.Abs().GreaterThan(decimal.New(4, 16)) { // 4e18 minor units at scale 2
				t.Fatalf("cursor %q: running balance %s beyond any stored balance", cursor, line.Balance)
			}
		}
		if page.NextCursor == "" {
			if n := len(page.Lines); n > 0 && !page.Lines[n-1].Balance.Equal(balance) {
				t.Fatalf("cursor %q: last page ends at %s, the account holds %s", cursor, page.Lines[n-1].Balance, balance)
			}
			return
		}
		next, err := l.Statement(ctx, "a", ledger.StatementQuery{Cursor: page.NextCursor, Limit: 2})
		if err != nil {
			t.Fatalf("cursor %q written by the ledger: %v", page.NextCursor, err)
		}
		if len(next.Lines) == 0 || next.Lines[0].Seq <= page.Lines[len(page.Lines)-1].Seq {
			t.Fatalf("next page after %q does not continue: %+v", page.NextCursor, next.Lines)
		}
	})
}

// FuzzBalances: ids split from the input at newlines. Balances refuses a list with a bad id
// (ErrInvalid) or an unknown one (ErrUnknownAccount) whole, and otherwise answers each id what
// Balance and Available answer.
func FuzzBalances(f *testing.F) {
	for _, s := range []string{"vol:v0001:pts", "vol:v0001:pts\ncommunity:c01:issuer\nvol:v0001:pts", "", "\n", "nobody", "a b", "vol:v0002:pts\n网格"} {
		f.Add(s)
	}
	l, ctx := newPTSLedger(f, "community:c01:issuer", benchIDs[:4]...)
	for i := range 4 {
		if _, err := l.Post(ctx, ledger.Transaction{Postings: []ledger.Posting{benchPosting(i)}}); err != nil {
			f.Fatal(err)
		}
	}
	if _, err := l.Hold(ctx, ledger.Posting{From: benchIDs[1], To: benchIDs[2], Amount: decimal.RequireFromString("2.5"), Asset: "PTS"}, ledger.HoldOptions{}); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var ids []ledger.AccountID
		if s != "" {
			for _, part := range strings.Split(s, "\n") {
				ids = append(ids, ledger.AccountID(part))
			}
		}
		got, err := l.Balances(ctx, ids)
		var want error
		for _, id := range ids {
			if id.Validate() != nil {
				want = ledger.ErrInvalid
				break
			}
		}
		if want == nil {
			for _, id := range ids {
				if _, err := l.Balance(ctx, id); err != nil {
					want = ledger.ErrUnknownAccount
					break
				}
			}
		}
		if want != nil {
			if !errors.Is(err, want) || got != nil {
				t.Fatalf("Balances(%q) = %v, %v; want %v", ids, got, err, want)
			}
			return
		}
		if err != nil || len(got) != len(ids) {
			t.Fatalf("Balances(%q) = %v, %v", ids, got, err)
		}
		for i, id := range ids {
			b, _ := l.Balance(ctx, id)
			a, _ := l.Available(ctx, id)
			if got[i].ID != id || !got[i].Balance.Equal(b) || !got[i].Available.Equal(a) {
				t.Fatalf("Balances(%q)[%d] = %+v; Balance %s, Available %s", ids, i, got[i], b, a)
			}
		}
	})
}
