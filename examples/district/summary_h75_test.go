package main

import (
	"bytes"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// columnsH75 is a terminal's width of s for this test: a Han character takes two columns,
// anything else here one. It is independent of the code under test.
func columnsH75(s string) int {
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

// TestLeaderboardColumnsAlignH75: the leaderboards' columns line up on a terminal, where a
// Chinese character is two columns wide. An earlier version padded names by their number of
// characters, so 杨党员 (3 characters, 6 columns) and 孙志愿者 (4, 8) pushed the community and
// points columns to different places, and a name longer than the pad (城关社区卫生服务中心12)
// pushed its line further still.
func TestLeaderboardColumnsAlignH75(t *testing.T) {
	sm := &summary{
		Seed: 1, Scale: 1, Months: 1, Stats: newStats(1, 1),
		TopVolunteers: []standing{
			{Name: "孙志愿者", Community: "阳光新村社区", Points: "259.42", Count: 10, Hours: "11.0"},
			{Name: "杨党员", Community: "和平社区", Points: "123.00", Count: 5, Hours: "6.0"},
			{Name: "Li Wei", Community: "c01", Points: "9.50", Count: 1, Hours: "1.0"},
		},
		TopOrganisations: []standing{
			{Name: "城关社区卫生服务中心12", Community: "和平社区", Points: "3885.00", Count: 5, Hours: "199.0"},
			{Name: "阳光新村社区义务理发队", Community: "阳光新村社区", Points: "900.00", Count: 1, Hours: "40.0"},
		},
		TopCommunities: []standing{
			{Name: "阳光新村社区", Points: "9528.07", Count: 104},
			{Name: "和平社区", Points: "4531.94", Count: 66},
		},
	}
	var out bytes.Buffer
	sm.writeText(&out)
	var providers, communities []string
	section := ""
	for _, line := range strings.Split(out.String(), "\n") {
		switch {
		case strings.HasPrefix(line, "Top "):
			section = line
		case strings.HasPrefix(line, "   ") || strings.HasPrefix(line, "  1"):
			if strings.HasPrefix(section, "Top communities") {
				communities = append(communities, line)
			} else if section != "" {
				providers = append(providers, line)
			}
		}
	}
	require.Len(t, providers, 5, out.String())
	require.Len(t, communities, 2, out.String())

	// Where a field starts or ends, in columns, must be the same on every line of a table.
	at := func(line, field string) int {
		i := strings.Index(line, field)
		require.GreaterOrEqual(t, i, 0, "%q in %q", field, line)
		return columnsH75(line[:i])
	}
	all := append(append([]standing{}, sm.TopVolunteers...), sm.TopOrganisations...)
	for i, line := range providers {
		assert.Equal(t, at(providers[0], " "+all[0].Community+" "), at(line, " "+all[i].Community+" "),
			"the community column starts at one place:\n%s\n%s", providers[0], line)
		assert.Equal(t, at(providers[0], " points,"), at(line, " points,"),
			"the points column ends at one place:\n%s\n%s", providers[0], line)
	}
	for _, line := range communities {
		assert.Equal(t, at(communities[0], " points from"), at(line, " points from"),
			"the points column ends at one place:\n%s\n%s", communities[0], line)
	}
}
