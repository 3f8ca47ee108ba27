package catalog_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
)

func TestParseGridPath(t *testing.T) {
	tests := []struct {
		in      string
		want    catalog.GridPath
		wantErr bool
	}{
		{"幸福街道", "幸福街道", false},
		{"幸福街道/阳光社区/1网格/3栋", "幸福街道/阳光社区/1网格/3栋", false},
		{" 幸福街道 / 阳光社区 ", "幸福街道/阳光社区", false},
		{"", "", true},
		{"a//b", "", true},
		{"a/b/c/d/e", "", true},
		{"a/\x01", "", true},
		{"a/\xff", "", true},
		{"a/" + string(make([]byte, 65)), "", true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := catalog.ParseGridPath(tc.in)
			if tc.wantErr {
				require.ErrorIs(t, err, catalog.ErrInvalid)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestGridPathTree(t *testing.T) {
	b := catalog.GridPath("s/c/g/b")
	assert.Equal(t, 4, b.Depth())
	assert.Equal(t, catalog.GridPath("s/c"), b.Community())
	assert.Equal(t, catalog.GridPath("s/c/g"), b.Parent())
	assert.Equal(t, catalog.GridPath(""), catalog.GridPath("s").Parent())
	assert.True(t, b.Within("s/c"))
	assert.True(t, b.Within(b))
	assert.True(t, b.Within(""))
	assert.False(t, catalog.GridPath("s/cc").Within("s/c"), "a prefix of a name is not an ancestor")
	assert.False(t, catalog.GridPath("s/c").Within(b))

	tests := []struct {
		a, b catalog.GridPath
		want int
	}{
		{"s/c/g/b1", "s/c/g/b1", 0},
		{"s/c/g/b1", "s/c/g/b2", 2},
		{"s/c/g1/b1", "s/c/g2/b1", 4},
		{"s/c/g/b", "s/c", 2},
		{"s1/c", "s2/c", 4},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, tc.a.Distance(tc.b), "%s - %s", tc.a, tc.b)
		assert.Equal(t, tc.want, tc.b.Distance(tc.a), "symmetric")
	}
}

func TestWalking(t *testing.T) {
	a := catalog.Coordinates{Lat: 30.2741, Lng: 120.1551}
	near := catalog.Coordinates{Lat: 30.2741 + 0.005, Lng: 120.1551} // ~556 m north
	far := catalog.Coordinates{Lat: 30.2741 + 0.02, Lng: 120.1551}   // ~2.2 km north
	assert.InDelta(t, 556, catalog.StraightMeters(a, near), 5)
	assert.InDelta(t, 556*catalog.WalkingDetourFactor, catalog.WalkingMeters(a, near), 7)
	assert.True(t, catalog.WithinFifteenMinutes(a, near))
	assert.False(t, catalog.WithinFifteenMinutes(a, far))
	assert.False(t, catalog.WithinFifteenMinutes(a, catalog.Coordinates{}), "unknown coordinates are never within")
	assert.ErrorIs(t, catalog.Coordinates{Lat: 91}.Validate(), catalog.ErrInvalid)
}

func FuzzParseGridPath(f *testing.F) {
	f.Add("幸福街道/阳光社区/1网格/3栋")
	f.Add(" a / b ")
	f.Add("a//b")
	f.Add("幸福街道／阳光社区\u200b")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := catalog.ParseGridPath(s)
		if err != nil {
			if p != "" {
				t.Fatalf("error with a path %q", p)
			}
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("parsed %q does not validate: %v", p, err)
		}
		again, err := catalog.ParseGridPath(string(p))
		if err != nil || again != p {
			t.Fatalf("not canonical: %q -> %q, %v", p, again, err)
		}
		if p.Depth() < 1 || p.Depth() > catalog.GridDepthMax || p.Distance(p) != 0 {
			t.Fatalf("depth %d, self-distance %d", p.Depth(), p.Distance(p))
		}
		for l := 1; l <= p.Depth(); l++ {
			if !p.Within(p.Truncate(l)) {
				t.Fatalf("%q not within its ancestor %q", p, p.Truncate(l))
			}
		}
	})
}
