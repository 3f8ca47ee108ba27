package points_test

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/ledger/memstore"
	"github.com/tongxin/tongxin/points"
)

// TestSettlementDuringWithdrawal: a withdrawal across communities that commits while
// Settlement reads a pair is either in the pair's net or not, never half of it. Settlement
// read the pair's two clearing accounts one after the other, so a withdrawal posted between
// the two reads made them disagree and Settlement reported ledger.ErrCorrupt on a sound
// ledger.
func TestSettlementDuringWithdrawal(t *testing.T) {
	for _, opened := range []bool{true, false} {
		for at := 1; at <= 3; at++ {
			settlementDuringWithdrawal(t, opened, at)
		}
	}
}

// settlementDuringWithdrawal runs a withdrawal before the at-th store call of Settlement,
// with the pair's clearing accounts opened (by a first withdrawal) or not yet.
func settlementDuringWithdrawal(t *testing.T, opened bool, at int) {
	t.Run(sprint("opened ", opened, " before call ", at), func(t *testing.T) {
		store := &nthCallStore{Store: memstore.New()}
		e := newEnvOn(t, store, testScheme())
		a := newBank(t, e, points.TimeBankConfig{Community: "a"})
		b := newBank(t, e, points.TimeBankConfig{Community: "b"})
		fundMember(t, e, a, "w", "5")
		withdraw := func() {
			_, err := a.Withdraw(e.ctx, points.Withdrawal{Member: points.Member{Holder: "w"}, Hours: dec("1"), DemandID: uuid.New(), ServedBy: b})
			if err != nil {
				panic(err) // not require: this runs inside the store call of Settlement
			}
		}
		want := []string{"1"}
		if opened {
			withdraw() // the pair's clearing accounts exist
			want = []string{"1", "2"}
		}

		fired := false
		store.arm(at, func() { fired = true; withdraw() })
		nets, err := points.Settlement(e.ctx, []*points.TimeBank{a, b})
		require.NoError(t, err)
		if !fired {
			store.arm(0, nil)
			withdraw() // Settlement made fewer calls: the withdrawal comes after it
		}
		if len(nets) == 1 {
			assert.Contains(t, want, nets[0].Hours.String())
		}

		nets, err = points.Settlement(e.ctx, []*points.TimeBank{a, b})
		require.NoError(t, err)
		require.Len(t, nets, 1)
		assert.Equal(t, want[len(want)-1], nets[0].Hours.String())
		e.verify(t)
	})
}
