package main

// In package main: a command cannot be imported by an external _test package.

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testdata/output.golden with the story's output")

// TestTimebankOutput compares the whole story, line by line, with testdata/output.golden, so
// that every number it prints (balances, the cap split, the settlement, the statement) is
// checked, not only its labels. After a deliberate change, run
// go test ./examples/timebank -run TestTimebankOutput -update and read the diff.
func TestTimebankOutput(t *testing.T) {
	var out bytes.Buffer
	_, err := run(context.Background(), &out)
	require.NoError(t, err, out.String())
	golden := filepath.Join("testdata", "output.golden")
	if *update {
		require.NoError(t, os.WriteFile(golden, []byte(out.String()), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	assert.Equal(t, string(want), out.String())
}

func TestTimebank(t *testing.T) {
	var out bytes.Buffer
	res, err := run(context.Background(), &out)
	require.NoError(t, err, out.String())
	text := out.String()

	assert.True(t, res.verified, "ledger Verify passed")
	// The story's own rule: one audited hour served is one hour saved, for every service,
	// including those the receiver pays for with a withdrawal.
	assert.Equal(t, res.served.String(), res.deposited.String(), "every audited hour served is deposited")
	assert.Equal(t, "44", res.deposited.String(), "2+1.5+6+3+4, 2+1.5, 18, 2+3+1")
	assert.Equal(t, "2.5", res.donated.String(), "老周 holds 4.5 h, serves 18 h: the 2.5 h over the 20 h cap are donated")
	assert.Equal(t, "4.5", res.withdrawn.String(), "1.5 h by 老周, 2 h and 1 h across communities")
	assert.Equal(t, "4", res.gifted.String())
	assert.Equal(t, 1, res.refused, "the withdrawal at 58 is refused by the age policy")
	assert.Equal(t, 1, res.giftsRefused, "the gift over the per-gift limit is refused")

	// 李奶奶 spent 2 h of 阳光社区's in 和平社区, 老孙 1 h of 和平社区's in 阳光社区: net 1 h.
	require.Len(t, res.settlement, 1)
	net := res.settlement[0]
	owes, owed, hours := net.A, net.B, net.Hours
	if hours.IsNegative() {
		owes, owed, hours = owed, owes, hours.Neg()
	}
	assert.Equal(t, "yangguang", owes)
	assert.Equal(t, "heping", owed)
	assert.Equal(t, "1", hours.String())

	for _, want := range []string{
		"存入", "兑换服务", "refused 不符合条件", "allowed 兑换成功", "转赠", "超出限额", "存储上限",
		"donation account 公益捐赠", "通存通兑", "settlement 结算", "明细", "Ledger Verify: OK",
	} {
		assert.True(t, strings.Contains(text, want), "output tells %q", want)
	}
}

func TestTimebankRepeats(t *testing.T) {
	tell := func() string {
		var out bytes.Buffer
		_, err := run(context.Background(), &out)
		require.NoError(t, err)
		return out.String()
	}
	assert.Equal(t, tell(), tell(), "the story is the same every run")
}
