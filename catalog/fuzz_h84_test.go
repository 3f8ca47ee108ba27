package catalog_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/tongxin/tongxin/catalog"
)

// Seeds shared by the string fuzz targets of this file: CJK, full-width characters, invisible
// characters, NUL, invalid UTF-8 and huge inputs.
var seedsH84 = []string{
	"", " ", "wish", "微心愿", " 微实事 ", "ＷＩＳＨ", "wish\x00", "wi\u200bsh", "\ufeffwish",
	"幸福街道/阳光社区/1网格/3栋", "幸福街道／阳光社区", "a/\u200b/b", "a\x00/b", "\xff\xfe",
	"a / b / c / d / e", strings.Repeat("街", 200), "İ", "WISH", "Project", "draft", "草稿",
	"\u00a0wish\u00a0", "\u3000wish\u3000", "wish\n", "v1", "v1 ", "\u202ev1",
}

func mustInvalidH84(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, catalog.ErrInvalid) {
		t.Fatalf("%s: refused without ErrInvalid: %v", what, err)
	}
}

// FuzzGridPathAgreeH84: NewGridPath and ParseGridPath agree. Segments NewGridPath accepts are
// canonical, so joining them parses back to the same path; a path ParseGridPath accepts is
// built again by NewGridPath from its segments and validates; a refusal is ErrInvalid with
// the empty path.
func FuzzGridPathAgreeH84(f *testing.F) {
	for _, s := range seedsH84 {
		f.Add(s, "阳光社区", "1网格", "3栋", uint8(4))
	}
	f.Add("a", "b\u3000", "c", "d", uint8(2))
	f.Add("a", "b", "c", "d", uint8(0))
	f.Add("a", "b", "c", "d", uint8(5))
	f.Add("ａ", "／", "c", "d", uint8(2))
	f.Fuzz(func(t *testing.T, s1, s2, s3, s4 string, n uint8) {
		segs := []string{s1, s2, s3, s4, "e"}[:int(n)%6]
		p, err := catalog.NewGridPath(segs...)
		if err != nil {
			mustInvalidH84(t, "NewGridPath", err)
			if p != "" {
				t.Fatalf("NewGridPath refused %q with a path %q", segs, p)
			}
		} else {
			if !reflect.DeepEqual(p.Segments(), segs) || p.Depth() != len(segs) {
				t.Fatalf("NewGridPath(%q) = %q: segments %q", segs, p, p.Segments())
			}
			if err := p.Validate(); err != nil {
				t.Fatalf("NewGridPath(%q) = %q does not validate: %v", segs, p, err)
			}
			q, err := catalog.ParseGridPath(strings.Join(segs, "/"))
			if err != nil || q != p {
				t.Fatalf("NewGridPath(%q) = %q but ParseGridPath gives %q, %v", segs, p, q, err)
			}
			if !strings.Contains(string(p), "/") && len(segs) > 1 {
				t.Fatalf("%q lost its separators", p)
			}
		}
		// Each string parsed on its own.
		for _, s := range []string{s1, s2, s3, s4} {
			q, err := catalog.ParseGridPath(s)
			if err != nil {
				mustInvalidH84(t, "ParseGridPath", err)
				if q != "" {
					t.Fatalf("ParseGridPath refused %q with a path %q", s, q)
				}
				if catalog.GridPath(s).Validate() == nil {
					t.Fatalf("%q validates but ParseGridPath refuses it: %v", s, err)
				}
				continue
			}
			again, err := catalog.NewGridPath(q.Segments()...)
			if err != nil || again != q {
				t.Fatalf("ParseGridPath(%q) = %q, NewGridPath of its segments gives %q, %v", s, q, again, err)
			}
			if back, err := catalog.ParseGridPath(string(q)); err != nil || back != q {
				t.Fatalf("ParseGridPath(%q) = %q does not parse back: %q, %v", s, q, back, err)
			}
			if catalog.GridPath(s).Validate() == nil && q != catalog.GridPath(s) {
				t.Fatalf("canonical %q parsed to another path %q", s, q)
			}
		}
	})
}

// FuzzParseEnumsH84: ParseDemandKind, ParseProviderKind and ParseStatus accept a valid value
// whose String parses back to it, or refuse with ErrInvalid.
func FuzzParseEnumsH84(f *testing.F) {
	for _, s := range seedsH84 {
		f.Add(s)
	}
	for _, s := range []string{"volunteer", "志愿者", "team", "unit", "social_org", "open", "claimed", "已完成", "done", "completed", "major_item", "大事项"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if k, err := catalog.ParseDemandKind(s); err != nil {
			mustInvalidH84(t, "ParseDemandKind", err)
		} else {
			back, err := catalog.ParseDemandKind(k.String())
			if !k.Valid() || err != nil || back != k {
				t.Fatalf("ParseDemandKind(%q) = %v (valid %v) does not round-trip: %v, %v", s, k, k.Valid(), back, err)
			}
		}
		if k, err := catalog.ParseProviderKind(s); err != nil {
			mustInvalidH84(t, "ParseProviderKind", err)
		} else {
			back, err := catalog.ParseProviderKind(k.String())
			if !k.Valid() || err != nil || back != k {
				t.Fatalf("ParseProviderKind(%q) = %v (valid %v) does not round-trip: %v, %v", s, k, k.Valid(), back, err)
			}
		}
		if st, err := catalog.ParseStatus(s); err != nil {
			mustInvalidH84(t, "ParseStatus", err)
		} else {
			back, err := catalog.ParseStatus(st.String())
			if !st.Valid() || err != nil || back != st {
				t.Fatalf("ParseStatus(%q) = %v (valid %v) does not round-trip: %v, %v", s, st, st.Valid(), back, err)
			}
			if !catalog.Statuses(st).Has(st) {
				t.Fatalf("Statuses(%v) does not have it", st)
			}
		}
	})
}

// FuzzTaxonomyRoundTripH84: a taxonomy ParseTaxonomy accepts is written by MarshalJSON in a
// form ParseTaxonomy and LoadTaxonomy read back to the same categories; a refusal is ErrInvalid
// and LoadTaxonomy refuses it too.
func FuzzTaxonomyRoundTripH84(f *testing.F) {
	def, err := json.Marshal(catalog.DefaultTaxonomy())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(def)
	f.Add([]byte(`[{"code":"a","name":"维修","name_en":"x","skills":["s"],"default_minutes":5}]`))
	f.Add([]byte(`[{"code":"a","name":"ａ\u200b","skills":[]}]`))
	f.Add([]byte(`[{"code":"a","name":"x\u0000"}]`))
	f.Add([]byte("[{\"code\":\"a\",\"name\":\"\xff\"}]"))
	f.Add([]byte(`[{"code":"a","name":"x","default_minutes":1e400}]`))
	f.Add([]byte(`[{"code":"a","name":"x","default_minutes":99999999999999999999}]`))
	f.Add([]byte(`[{"code":"a","name":"x","parent":"b"},{"code":"b","name":"y"}]`))
	f.Add([]byte(`[{"code":"a","name":"x","big_item":true,"functions":["housing"]}] `))
	f.Add([]byte(`[{"code":"a","name":"x","Name":"y"}]`))
	f.Add([]byte(`null`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tax, err := catalog.ParseTaxonomy(data)
		_, lerr := catalog.LoadTaxonomy(bytes.NewReader(data))
		if err != nil {
			mustInvalidH84(t, "ParseTaxonomy", err)
			if lerr == nil {
				t.Fatalf("ParseTaxonomy refuses (%v) what LoadTaxonomy accepts", err)
			}
			mustInvalidH84(t, "LoadTaxonomy", lerr)
			return
		}
		if lerr != nil {
			t.Fatalf("LoadTaxonomy refuses (%v) what ParseTaxonomy accepts", lerr)
		}
		out, err := json.Marshal(tax)
		if err != nil {
			t.Fatalf("MarshalJSON: %v", err)
		}
		back, err := catalog.ParseTaxonomy(out)
		if err != nil {
			t.Fatalf("exported taxonomy %s does not load back: %v", out, err)
		}
		if !reflect.DeepEqual(normCatsH84(back.Categories()), normCatsH84(tax.Categories())) {
			t.Fatalf("taxonomy changed over export:\n%v\n%v", tax.Categories(), back.Categories())
		}
		out2, err := json.Marshal(back)
		if err != nil || !bytes.Equal(out, out2) {
			t.Fatalf("export not stable: %s vs %s, %v", out, out2, err)
		}
		for _, c := range tax.Categories() {
			got, ok := tax.Category(c.Code)
			if !ok || !reflect.DeepEqual(normCatH84(got), normCatH84(c)) {
				t.Fatalf("Category(%q) = %v, %v; want %v", c.Code, got, ok, c)
			}
		}
	})
}

func normCatH84(c catalog.Category) catalog.Category {
	if len(c.Skills) == 0 {
		c.Skills = nil
	}
	if len(c.Functions) == 0 {
		c.Functions = nil
	}
	return c
}

func normCatsH84(cs []catalog.Category) []catalog.Category {
	for i := range cs {
		cs[i] = normCatH84(cs[i])
	}
	return cs
}

// FuzzValidateActorH84: ValidateActor refuses with ErrInvalid, and an actor it accepts is
// valid UTF-8 without surrounding spaces or control characters.
func FuzzValidateActorH84(f *testing.F) {
	for _, s := range seedsH84 {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := catalog.ValidateActor(s)
		if err != nil {
			mustInvalidH84(t, "ValidateActor", err)
			return
		}
		if s == "" || strings.TrimSpace(s) != s || strings.ContainsRune(s, 0) || !utf8ValidH84(s) {
			t.Fatalf("ValidateActor accepts %q", s)
		}
	})
}

func utf8ValidH84(s string) bool { return strings.ToValidUTF8(s, "\ufffd") == s }

// FuzzCoordinatesH84: Coordinates.Validate refuses NaN and out-of-range values with
// ErrInvalid; for valid coordinates the distances are finite, non-negative and symmetric.
func FuzzCoordinatesH84(f *testing.F) {
	f.Add(39.9, 116.4, 31.2, 121.5)
	f.Add(math.NaN(), 0.0, 0.0, 0.0)
	f.Add(math.Inf(1), 0.0, 0.0, 0.0)
	f.Add(90.0, 180.0, -90.0, -180.0)
	f.Add(90.0000001, 0.0, 0.0, 0.0)
	f.Add(1e308, -1e308, 5e-324, 0.0)
	f.Fuzz(func(t *testing.T, lat1, lng1, lat2, lng2 float64) {
		a := catalog.Coordinates{Lat: lat1, Lng: lng1}
		b := catalog.Coordinates{Lat: lat2, Lng: lng2}
		ea, eb := a.Validate(), b.Validate()
		for _, e := range []struct {
			c   catalog.Coordinates
			err error
		}{{a, ea}, {b, eb}} {
			inRange := e.c.Lat >= -90 && e.c.Lat <= 90 && e.c.Lng >= -180 && e.c.Lng <= 180
			if e.err != nil {
				mustInvalidH84(t, "Coordinates.Validate", e.err)
				if inRange {
					t.Fatalf("%v in range refused: %v", e.c, e.err)
				}
			} else if !inRange {
				t.Fatalf("%v out of range accepted", e.c)
			}
		}
		if ea != nil || eb != nil {
			return
		}
		d := catalog.StraightMeters(a, b)
		w := catalog.WalkingMeters(a, b)
		if math.IsNaN(d) || math.IsInf(d, 0) || d < 0 || d > 2.1e7 || math.IsNaN(w) || w < d {
			t.Fatalf("distance %v,%v -> %v m straight, %v m walking", a, b, d, w)
		}
		if d2 := catalog.StraightMeters(b, a); math.Abs(d2-d) > 1e-6*math.Max(1, d) {
			t.Fatalf("not symmetric: %v vs %v", d, d2)
		}
	})
}

// FuzzParseAvailabilityTypedH84: ParseAvailability refuses with ErrInvalid; an accepted
// availability's String parses back to it and is stable.
func FuzzParseAvailabilityTypedH84(f *testing.F) {
	for _, s := range seedsH84 {
		f.Add(s)
	}
	for _, s := range []string{"mon 9-12; 周六 8-18", "any", "MON 0-24", "周一 9－12", "mon 9-12;;", "mon 99999999999999999999-1", "mon -1-3", "mon 12-9", "mon 9-9", "sun 23-24"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := catalog.ParseAvailability(s)
		if err != nil {
			mustInvalidH84(t, "ParseAvailability", err)
			if !a.IsZero() {
				t.Fatalf("refused %q with a non-zero availability %v", s, a)
			}
			return
		}
		txt := a.String()
		back, err := catalog.ParseAvailability(txt)
		if err != nil || back != a || back.String() != txt {
			t.Fatalf("%q -> %q does not round-trip: %v %v", s, txt, back, err)
		}
	})
}
