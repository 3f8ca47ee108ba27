package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPrintedTotalsAddUpH75 reads the numbers the summary and the report print, as a reader
// would, and checks every total against its parts: the demand kinds against the demands posted,
// the outcomes against the demands posted, the channels against the demands fulfilled, each
// percentage against its count, the optimiser's offers against its results, the audits against
// the awards, the communities' points against the points issued, and the report's table and
// key numbers against the summary.
func TestPrintedTotalsAddUpH75(t *testing.T) {
	cfg := smallConfig(t)
	cfg.scale = 0.1 // 7 communities: every community is in the top-10 board
	cfg.db = memoryDB
	var out bytes.Buffer
	sm, err := run(context.Background(), cfg, &out, nil)
	require.NoError(t, err, out.String())
	text := out.String()
	require.LessOrEqual(t, sm.Communities, topCommunities)

	// ints finds pattern (a regexp with groups of digits) in the summary and returns the groups.
	ints := func(pattern string) []int {
		t.Helper()
		m := regexp.MustCompile(pattern).FindStringSubmatch(text)
		require.NotNil(t, m, "the summary prints %s", pattern)
		var xs []int
		for _, g := range m[1:] {
			x, err := strconv.Atoi(g)
			require.NoError(t, err)
			xs = append(xs, x)
		}
		return xs
	}
	dec := func(pattern string) decimal.Decimal {
		t.Helper()
		m := regexp.MustCompile(pattern).FindStringSubmatch(text)
		require.NotNil(t, m, "the summary prints %s", pattern)
		return decimal.RequireFromString(m[1])
	}
	pctOf := func(a, b int) string { return fmt.Sprintf("%.1f", pct(a, b)) }
	pcts := func(pattern string) []string {
		t.Helper()
		m := regexp.MustCompile(pattern).FindStringSubmatch(text)
		require.NotNil(t, m, "the summary prints %s", pattern)
		return m[1:]
	}

	kinds := ints(`posted: (\d+) \(wishes 微心愿 (\d+), practical matters 微实事 (\d+), big items 大事项 (\d+), micro-venture projects 微创投 (\d+)\)`)
	posted := kinds[0]
	assert.Equal(t, posted, kinds[1]+kinds[2]+kinds[3]+kinds[4], "the kinds add up to the demands posted")

	outcome := ints(`fulfilled \(completed\): (\d+) \([\d.]+%\); expired unclaimed: (\d+); cancelled by residents: (\d+); still open or under way at the end: (\d+)`)
	fulfilled := outcome[0]
	assert.Equal(t, posted, outcome[0]+outcome[1]+outcome[2]+outcome[3], "every demand posted has one outcome")
	assert.Equal(t, []string{pctOf(fulfilled, posted)}, pcts(`fulfilled \(completed\): \d+ \(([\d.]+)%\)`))

	ch := ints(`via the board 揭榜认领: (\d+) \([\d.]+%\); via the optimiser 派单: (\d+) \([\d.]+%\), of which urgent same-day 急事: (\d+)`)
	assert.Equal(t, fulfilled, ch[0]+ch[1], "board and optimiser add up to the demands fulfilled")
	assert.LessOrEqual(t, ch[2], ch[1])
	assert.Equal(t, []string{pctOf(ch[0], fulfilled), pctOf(ch[1], fulfilled)},
		pcts(`via the board 揭榜认领: \d+ \(([\d.]+)%\); via the optimiser 派单: \d+ \(([\d.]+)%\)`))

	claims := ints(`claims: (\d+) from boards, (\d+) accepted dispatches \((\d+) urgent\)`)
	assert.LessOrEqual(t, ch[0], claims[0], "a demand fulfilled from a board had a claim from one")
	assert.LessOrEqual(t, ch[1], claims[1])
	assert.LessOrEqual(t, claims[2], claims[1])

	opt := ints(`optimiser: (\d+) rounds over (\d+) open demands \((\d+) offers: a demand a round left unmatched is offered again\), (\d+) demands dispatched, (\d+) dispatches declined`)
	assert.LessOrEqual(t, opt[1], opt[2], "demands offered at most once per round")
	assert.LessOrEqual(t, opt[3], opt[1], "a demand is dispatched at most once")
	unmatched := 0
	line := regexp.MustCompile(`left with places unfilled by a round of the optimiser \(a demand once per round; (\d+) of them dispatched to fewer providers than asked\): (.*)\n`).FindStringSubmatch(text)
	require.NotNil(t, line, text)
	partly, err := strconv.Atoi(line[1])
	require.NoError(t, err)
	line = line[1:]
	for _, part := range strings.Split(line[1], "; ") {
		n, err := strconv.Atoi(part[strings.LastIndex(part, ": ")+2:])
		require.NoError(t, err, part)
		unmatched += n
	}
	assert.Equal(t, opt[2], opt[3]+unmatched-partly, "every offer is dispatched or left unmatched with a reason")

	audits := ints(`audits: (\d+) parts approved, (\d+) rejected`)
	awards := ints(`issued: [\d.]+ in (\d+) awards \((\d+) refused over the monthly cap, (\d+) refused otherwise\)`)
	assert.Equal(t, audits[0], awards[0]+awards[1]+awards[2], "every approved part is awarded or refused")

	issued := dec(`issued: ([\d.]+) in`)
	redeemed := dec(`redeemed at the points shops 积分超市: ([\d.]+) in`)
	expired := dec(`expired at year end 年底清零 \(older than the validity\): ([\d.]+)`)
	assert.True(t, redeemed.Add(expired).LessThanOrEqual(issued))
	var communities decimal.Decimal
	for _, m := range regexp.MustCompile(`(?m)^ +\d+\. \S+ +([\d.]+) points from \d+ providers$`).FindAllStringSubmatch(text, -1) {
		communities = communities.Add(decimal.RequireFromString(m[1]))
	}
	assert.Equal(t, issued.StringFixed(2), communities.StringFixed(2), "the communities' points add up to the points issued")

	deposited := dec(`deposited: ([\d.]+) h`)
	withdrawn := dec(`withdrawn: ([\d.]+) h in`)
	cross := dec(`across communities 通存通兑: \d+ withdrawals, ([\d.]+) h`)
	assert.True(t, withdrawn.LessThanOrEqual(deposited))
	assert.True(t, cross.LessThanOrEqual(withdrawn))
	var owed decimal.Decimal
	for _, m := range regexp.MustCompile(`(?m)^    \S+ owes \S+ ([\d.]+) h$`).FindAllStringSubmatch(text, -1) {
		owed = owed.Add(decimal.RequireFromString(m[1]))
	}
	assert.True(t, owed.LessThanOrEqual(cross), "net settlement %s within the hours that crossed %s", owed, cross)

	// The report's table of communities adds up to the summary's totals, and its key numbers are
	// the summary's.
	cfg.db = smallConfig(t).db
	var again bytes.Buffer
	_, err = run(context.Background(), cfg, &again, nil)
	require.NoError(t, err)
	html, err := os.ReadFile(cfg.report)
	require.NoError(t, err)
	rows := regexp.MustCompile(`<tr><td>[^<]+</td><td>\d+</td><td>\d+</td><td>(\d+)</td><td>(\d+)</td><td>([\d.]+)%</td><td>(\d+)</td><td>[\d.]+</td><td>([\d.]+)</td><td>([\d.]+)</td><td>([\d.]+)</td></tr>`).FindAllStringSubmatch(string(html), -1)
	require.Len(t, rows, sm.Communities)
	var tPosted, tFulfilled, tExpired int
	var tPoints, tRedeemed, tHours decimal.Decimal
	for _, r := range rows {
		p, _ := strconv.Atoi(r[1])
		f, _ := strconv.Atoi(r[2])
		e, _ := strconv.Atoi(r[4])
		assert.Equal(t, pctOf(f, p), r[3], "a row's percentage is its fulfilled over its posted")
		tPosted, tFulfilled, tExpired = tPosted+p, tFulfilled+f, tExpired+e
		tPoints = tPoints.Add(decimal.RequireFromString(r[5]))
		tRedeemed = tRedeemed.Add(decimal.RequireFromString(r[6]))
		tHours = tHours.Add(decimal.RequireFromString(r[7]))
	}
	assert.Equal(t, posted, tPosted)
	assert.Equal(t, fulfilled, tFulfilled)
	assert.Equal(t, outcome[1], tExpired)
	assert.Equal(t, issued.StringFixed(2), tPoints.StringFixed(2))
	assert.Equal(t, redeemed.StringFixed(2), tRedeemed.StringFixed(2))
	assert.Equal(t, deposited.StringFixed(2), tHours.StringFixed(2))
	for label, want := range map[string]string{
		"posted 点单": strconv.Itoa(posted), "fulfilled 完成": strconv.Itoa(fulfilled),
		"via board 揭榜": pctOf(ch[0], fulfilled) + "%", "via optimiser 派单": pctOf(ch[1], fulfilled) + "%",
		"points issued 积分": issued.StringFixed(2), "points redeemed 兑换": redeemed.StringFixed(2),
		"points expired 清零": expired.StringFixed(2), "hours deposited 时间银行": deposited.StringFixed(2),
	} {
		assert.Contains(t, string(html), "<div>"+label+"<b>"+want+"</b></div>", "the report's %s", label)
	}
}
