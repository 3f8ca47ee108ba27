package ledger

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzPlainText compares the eight-bytes-at-a-time check with the plain definition.
func FuzzPlainText(f *testing.F) {
	for _, s := range []string{"", "a", "abcdefgh", "abcdefg\x00", "abcdefghi\x00", "积分 award: 上门理发",
		"abcdefgh积", "\xff", "abcdefgh\xff", "\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f", "\x01\x01\x01\x01\x01\x01\x01\x00",
		"abcdefgh\xe7\xa7", "\x00abcdefgh", "ab\x80cdefgh"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := utf8.ValidString(s) && !strings.Contains(s, "\x00")
		if got := plainText(s); got != want {
			t.Fatalf("plainText(%q) = %v, want %v", s, got, want)
		}
	})
}
