package points_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/points"
)

// TestTimeBankRefusedGiftOpensNoAccounts: a gift refused because the giver has too few hours,
// or has given the year's limit, changes nothing. It used to open the receiver's account (with
// the storage cap) and the giver's yearly gift account before the posting was refused, so a
// gift from a member without hours left an empty account for any holder named as receiver.
// A gift that was made is still answered (Replayed) when the giver has spent everything since.
func TestTimeBankRefusedGiftOpensNoAccounts(t *testing.T) {
	e := newEnv(t, testScheme())
	tb := newBank(t, e, points.TimeBankConfig{StorageCap: dec("10"), GiftYearMax: dec("3")})
	fundMember(t, e, tb, "giver", "5")
	// The yearly gift account of a holder, by DefaultNaming (the clock is in 2026, +08:00).
	quota := func(holder string) ledger.AccountID {
		return ledger.AccountID("community:yangguang:quota:" + holder + ":g2026:HOUR_CAP")
	}
	unknown := func(id ledger.AccountID) {
		t.Helper()
		_, err := e.l.Account(e.ctx, id)
		assert.ErrorIs(t, err, ledger.ErrUnknownAccount, "%s was opened by a refused gift", id)
	}

	seq := e.head(t)
	_, err := tb.Gift(e.ctx, points.Gift{Key: "none", From: "nobody", To: "stranger", Hours: dec("1"), Relationship: "child"})
	require.ErrorIs(t, err, points.ErrInsufficientPoints)
	_, err = tb.Gift(e.ctx, points.Gift{Key: "short", From: "giver", To: "stranger2", Hours: dec("6"), Relationship: "child"})
	require.ErrorIs(t, err, points.ErrInsufficientPoints)
	assert.Equal(t, seq, e.head(t))
	unknown(tb.MemberAccount("stranger"))
	unknown(tb.MemberAccount("stranger2"))
	unknown(quota("nobody"))

	g := points.Gift{Key: "made", From: "giver", To: "mother", Hours: dec("3"), Relationship: "parent"}
	_, err = tb.Gift(e.ctx, g)
	require.NoError(t, err)
	seq = e.head(t)
	_, err = tb.Gift(e.ctx, points.Gift{Key: "over", From: "giver", To: "father", Hours: dec("1"), Relationship: "parent"})
	require.ErrorIs(t, err, points.ErrOverCap)
	var ref *points.Refusal
	require.ErrorAs(t, err, &ref)
	assert.Equal(t, seq, e.head(t))
	unknown(tb.MemberAccount("father"))

	// The giver spends the rest; the gift retried is the first one, not a refusal.
	fundMember(t, e, tb, "spender", "1")
	_, err = e.l.Post(e.ctx, ledger.Transaction{Postings: []ledger.Posting{
		{From: tb.MemberAccount("giver"), To: tb.PoolAccount(), Amount: dec("2"), Asset: "HOUR"},
	}})
	require.NoError(t, err)
	r, err := tb.Gift(e.ctx, g)
	require.NoError(t, err)
	assert.True(t, r.Replayed)
	g.Hours = dec("2")
	_, err = tb.Gift(e.ctx, g)
	require.ErrorIs(t, err, points.ErrKeyReused, "other hours under the key, giver without hours")
	e.verify(t)
}
