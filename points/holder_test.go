package points_test

import (
	"regexp"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/tongxin/tongxin/points"
)

// holderModel is the rule ValidHolder implements, as the regular expression it documents.
var holderModel = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

func checkHolder(t testing.TB, s string) {
	if got, want := points.ValidHolder(s), holderModel.MatchString(s); got != want {
		t.Fatalf("ValidHolder(%q) = %v, want %v", s, got, want)
	}
	h := points.PersonHolder(s)
	if !points.ValidHolder(h) || h != points.PersonHolder(s) {
		t.Fatalf("PersonHolder(%q) = %q: not a valid, stable holder", s, h)
	}
	if len(s) <= 60 && holderModel.MatchString(s) && h != "p-"+s {
		t.Fatalf("PersonHolder(%q) = %q, want p-%s", s, h, s)
	}
}

// TestValidHolder checks ValidHolder against its regular expression on strings drawn mostly
// from the allowed alphabet, around the length limit.
func TestValidHolder(t *testing.T) {
	alphabet := []rune("azAZ09_.-:/ 中\x00")
	rapid.Check(t, func(rt *rapid.T) {
		rs := rapid.SliceOfN(rapid.SampledFrom(alphabet), 0, 70).Draw(rt, "runes")
		checkHolder(t, string(rs))
	})
	checkHolder(t, strings.Repeat("a", 64))
	checkHolder(t, strings.Repeat("a", 65))
}

// FuzzValidHolder: ValidHolder agrees with its regular expression, and PersonHolder always
// yields a valid holder.
func FuzzValidHolder(f *testing.F) {
	for _, s := range []string{"", "p-wang", "a:b", "王", strings.Repeat("x", 64), strings.Repeat("x", 65)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkHolder(t, s) })
}
