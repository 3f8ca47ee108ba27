package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRosterColumnsAlignH75: the roster's kind column lines up on a terminal, where a Chinese
// character is two columns wide. An earlier version padded names by their number of characters,
// so 李师傅, 赵志愿者 and 义务理发队 pushed "volunteer" and "team" to three different columns.
func TestRosterColumnsAlignH75(t *testing.T) {
	var out bytes.Buffer
	_, err := run(context.Background(), &out)
	require.NoError(t, err, out.String())
	columns := func(s string) int {
		n := 0
		for _, r := range s {
			if unicode.Is(unicode.Han, r) {
				n += 2
			} else {
				n++
			}
		}
		return n
	}
	var kinds, skills []int
	for _, line := range strings.Split(out.String(), "\n") {
		i := strings.Index(line, " skills [")
		if i < 0 || !strings.Contains(line, "capacity 服务容量") {
			continue
		}
		name := strings.TrimSpace(line[:i])
		j := strings.LastIndex(name, " ")
		require.Positive(t, j, line)
		kinds = append(kinds, columns(line[:strings.Index(line, name[j+1:])]))
		skills = append(skills, columns(line[:i]))
	}
	require.Len(t, kinds, 9, out.String())
	for i := range kinds {
		assert.Equal(t, kinds[0], kinds[i], "the kind column starts at one place")
		assert.Equal(t, skills[0], skills[i], "the skills column starts at one place")
	}
}
