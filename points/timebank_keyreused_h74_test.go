package points_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/points"
)

// TestH74GiftKeyReusedOpensNothing: a gift key used again for a gift to someone else is
// ErrKeyReused, and Gift's doc says a refused gift changes nothing; but the new receiver's
// account (and the giver's yearly account of a new year) were opened before the posting met
// the key.
func TestH74GiftKeyReusedOpensNothing(t *testing.T) {
	e := newEnv(t, testScheme())
	tb := newBank(t, e, points.TimeBankConfig{GiftYearMax: dec("10")})
	v := e.volunteer(t, "wang")
	d := e.done(t, "r1", catalog.UrgencyNormal, true, work{v, "8", true})
	_, err := tb.Deposit(e.ctx, completion(t, e, d.ID, v.ID))
	require.NoError(t, err)
	from := points.ProviderHolder(v)
	_, err = tb.Gift(e.ctx, points.Gift{Key: "g1", From: from, To: "p-son", Hours: dec("2"), Relationship: "child"})
	require.NoError(t, err)

	seq := e.head(t)
	_, err = tb.Gift(e.ctx, points.Gift{Key: "g1", From: from, To: "p-daughter", Hours: dec("2"), Relationship: "child"})
	require.ErrorIs(t, err, points.ErrKeyReused)
	assert.Equal(t, seq, e.head(t))
	_, err = e.l.Account(e.ctx, tb.MemberAccount("p-daughter"))
	assert.ErrorIs(t, err, ledger.ErrUnknownAccount, "the refused gift's receiver")
}

// TestH74DepositThroughAnotherBankOpensNothing: a completion deposited by one bank and asked
// again of another bank on the ledger (another community) is ErrKeyReused; the provider's
// account in the other bank was opened first.
func TestH74DepositThroughAnotherBankOpensNothing(t *testing.T) {
	e := newEnv(t, testScheme())
	tb := newBank(t, e, points.TimeBankConfig{})
	other := newBank(t, e, points.TimeBankConfig{Community: "heping"})
	v := e.volunteer(t, "wang")
	d := e.done(t, "r1", catalog.UrgencyNormal, true, work{v, "2", true})
	_, err := tb.Deposit(e.ctx, completion(t, e, d.ID, v.ID))
	require.NoError(t, err)
	_, err = other.Deposit(e.ctx, completion(t, e, d.ID, v.ID))
	require.ErrorIs(t, err, points.ErrKeyReused)
	_, err = e.l.Account(e.ctx, other.MemberAccount(points.ProviderHolder(v)))
	assert.ErrorIs(t, err, ledger.ErrUnknownAccount, "the refused deposit's member account")
}

// TestH74GiftRetryAfterYearLimitChangedIsReplayed: a gift made, then asked again of a bank
// whose GiftYearMax changed meanwhile (a restart with new settings), was refused with
// ErrInvalidScheme: the retry opened the giver's yearly account again, now with the other
// limit. The used key is answered first now, so the retry is the first gift, replayed.
// (A retry after GiftMax or the relationships changed is still refused: owner decision.)
func TestH74GiftRetryAfterYearLimitChangedIsReplayed(t *testing.T) {
	e := newEnv(t, testScheme())
	tb := newBank(t, e, points.TimeBankConfig{GiftYearMax: dec("10")})
	v := e.volunteer(t, "wang")
	d := e.done(t, "r1", catalog.UrgencyNormal, true, work{v, "8", true})
	_, err := tb.Deposit(e.ctx, completion(t, e, d.ID, v.ID))
	require.NoError(t, err)
	g := points.Gift{Key: "g1", From: points.ProviderHolder(v), To: "p-son", Hours: dec("2"), Relationship: "child"}
	first, err := tb.Gift(e.ctx, g)
	require.NoError(t, err)
	seq := e.head(t)
	r, err := newBank(t, e, points.TimeBankConfig{GiftYearMax: dec("12")}).Gift(e.ctx, g)
	require.NoError(t, err)
	assert.True(t, r.Replayed)
	assert.Equal(t, first.Transaction.ID, r.Transaction.ID)
	assert.Equal(t, seq, e.head(t))
}
