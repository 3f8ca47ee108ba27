package ledger

import (
	"slices"
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

// FuzzSortPairs compares sortPairs with sorting by strings.Compare, for key sets small enough
// for its insertion sort and larger ones.
func FuzzSortPairs(f *testing.F) {
	f.Add("kind,community,demand,provider,holder,category,title,hours,points,audited_at,auditor")
	f.Add("a,a\x00,a\x00\x00,abcdefgh,abcdefghi,abcdefgg,b")
	f.Add("z,y,x,w,v,u,t,s,r,q,p,o,n,m,l,k,j,i,h,g")
	f.Add("audited_hours,audited_at,auditor,audit,audited,auditee,audited_")
	f.Fuzz(func(t *testing.T, keys string) {
		seen := map[string]bool{}
		var kv [][2]string
		for _, k := range strings.Split(keys, ",") {
			if !seen[k] && len(kv) < MetadataEntriesMax {
				seen[k] = true
				kv = append(kv, [2]string{k, "v" + k})
			}
		}
		want := slices.Clone(kv)
		slices.SortFunc(want, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
		sortPairs(kv)
		if !slices.Equal(kv, want) {
			t.Fatalf("sortPairs = %q, want %q", kv, want)
		}
	})
}
