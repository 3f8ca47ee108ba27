package textwidth

import "testing"

func TestWidthH75(t *testing.T) {
	for _, tt := range []struct {
		s    string
		want int
	}{
		{"", 0},
		{"Li Wei", 6},
		{"孙志愿者", 8},
		{"城关社区卫生服务中心12", 22},
		{"「上门理发」", 12},
		{"ＡＢ", 4},         // full-width Latin
		{"한국", 4},         // Hangul syllables
		{"かな", 4},         // Hiragana
		{"e\u0301", 1},    // e and a combining acute accent
		{"a\u200bb", 2},   // a zero-width space
		{"→ 2.00 h", 8},   // an arrow is narrow
		{"\U00020000", 2}, // CJK extension B
		{"\t", 0},         // a control character
		{"和平社区 owes", 13}, // mixed
	} {
		if got := Width(tt.s); got != tt.want {
			t.Errorf("Width(%q) = %d, want %d", tt.s, got, tt.want)
		}
	}
}

func TestPadRightH75(t *testing.T) {
	for _, tt := range []struct {
		s    string
		w    int
		want string
	}{
		{"杨党员", 8, "杨党员  "},
		{"孙志愿者", 8, "孙志愿者"},
		{"城关社区卫生服务中心12", 8, "城关社区卫生服务中心12"}, // wider than w: unchanged, never cut
		{"ab", 4, "ab  "},
		{"ab", -1, "ab"},
	} {
		if got := PadRight(tt.s, tt.w); got != tt.want {
			t.Errorf("PadRight(%q, %d) = %q, want %q", tt.s, tt.w, got, tt.want)
		}
	}
}
