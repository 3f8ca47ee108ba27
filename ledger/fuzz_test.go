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
	for _, s := range []string{"community:c01:issuer", "vol:6f1c:pts", "a", "", ":", "a::b", "a:", "a b", "x" + strings.Repeat(":y", 8), strings.Repeat("z", 65), "网格"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := ledger.AccountID(s).Validate()
		if err != nil {
			if !errors.Is(err, ledger.ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		// Accepted ids obey every documented rule.
		segs := strings.Split(s, ":")
		if len(segs) < 1 || len(segs) > ledger.AccountIDSegmentsMax {
			t.Fatalf("%q accepted with %d segments", s, len(segs))
		}
		for _, seg := range segs {
			if len(seg) == 0 || len(seg) > ledger.AccountIDSegmentBytesMax {
				t.Fatalf("%q accepted with segment %q", s, seg)
			}
			for _, c := range []byte(seg) {
				if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
					t.Fatalf("%q accepted with byte %q", s, c)
				}
			}
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
