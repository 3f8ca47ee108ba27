// Package textwidth measures text as a terminal shows it, for the examples' aligned columns: a
// Chinese, Japanese or Korean character (and a full-width form) takes two columns, a combining
// mark or a format character none, anything else one. It covers the East Asian wide blocks the
// examples print, not the whole of Unicode's East Asian Width table.
package textwidth

import "unicode"

// wide are the East Asian wide and full-width blocks, in order.
var wide = []struct{ lo, hi rune }{
	{0x1100, 0x115F},   // Hangul Jamo initial consonants
	{0x2E80, 0x303E},   // CJK radicals, Kangxi radicals, CJK symbols and punctuation (「」、。)
	{0x3041, 0x33FF},   // Hiragana, Katakana, Bopomofo, Hangul compatibility Jamo, CJK strokes, enclosed and compatibility
	{0x3400, 0x4DBF},   // CJK unified ideographs extension A
	{0x4E00, 0x9FFF},   // CJK unified ideographs
	{0xA000, 0xA4CF},   // Yi
	{0xA960, 0xA97F},   // Hangul Jamo extended A
	{0xAC00, 0xD7A3},   // Hangul syllables
	{0xF900, 0xFAFF},   // CJK compatibility ideographs
	{0xFE10, 0xFE19},   // vertical forms
	{0xFE30, 0xFE6F},   // CJK compatibility forms, small form variants
	{0xFF00, 0xFF60},   // full-width forms
	{0xFFE0, 0xFFE6},   // full-width signs
	{0x1F300, 0x1F64F}, // pictographs and emoticons
	{0x1F900, 0x1F9FF}, // supplemental symbols and pictographs
	{0x20000, 0x2FFFD}, // CJK unified ideographs extensions B-F, compatibility supplement
	{0x30000, 0x3FFFD}, // CJK unified ideographs extensions G-H
}

// RuneWidth is the number of columns r takes: 0, 1 or 2.
func RuneWidth(r rune) int {
	if r < 0x20 || r == 0x7F || unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf) {
		return 0
	}
	if r < 0x1100 {
		return 1
	}
	for _, b := range wide {
		if r < b.lo {
			return 1
		}
		if r <= b.hi {
			return 2
		}
	}
	return 1
}

// Width is the number of columns s takes.
func Width(s string) int {
	n := 0
	for _, r := range s {
		n += RuneWidth(r)
	}
	return n
}

// PadRight returns s followed by spaces up to w columns; s itself if it is as wide or wider.
func PadRight(s string, w int) string {
	n := Width(s)
	if n >= w {
		return s
	}
	b := make([]byte, 0, len(s)+w-n)
	b = append(b, s...)
	for ; n < w; n++ {
		b = append(b, ' ')
	}
	return string(b)
}
