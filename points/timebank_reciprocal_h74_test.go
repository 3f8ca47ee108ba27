package points_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/points"
)

// TestH74ReciprocalDepositRefusedOpensNothing: in reciprocal mode a deposit the requester
// cannot pay is refused (ErrInsufficientPoints), but the provider's member account was opened
// first, as a refused gift once opened the receiver's: a refusal now reads the payer's hours
// before anything is opened, and leaves the ledger as it was.
func TestH74ReciprocalDepositRefusedOpensNothing(t *testing.T) {
	e := newEnv(t, testScheme())
	tb := newBank(t, e, points.TimeBankConfig{Reciprocal: true})
	v := e.volunteer(t, "wang")
	d := e.done(t, "r1", catalog.UrgencyNormal, true, work{v, "2", true})
	_, err := tb.Deposit(e.ctx, completion(t, e, d.ID, v.ID))
	require.ErrorIs(t, err, points.ErrInsufficientPoints)
	_, err = e.l.Account(e.ctx, tb.MemberAccount(points.ProviderHolder(v)))
	assert.ErrorIs(t, err, ledger.ErrUnknownAccount, "the refused deposit's provider account")

	// Once paid, a retry is the first deposit even though the requester has no hours left.
	seed := newBank(t, e, points.TimeBankConfig{})
	r := e.volunteer(t, "r1x")
	d0 := e.done(t, "someone", catalog.UrgencyNormal, true, work{r, "2", true})
	_, err = seed.Deposit(e.ctx, completion(t, e, d0.ID, r.ID))
	require.NoError(t, err)
	_, err = seed.Gift(e.ctx, points.Gift{Key: "seed", From: points.ProviderHolder(r), To: points.PersonHolder("r1"), Hours: dec("2"), Relationship: "friend"})
	require.NoError(t, err)
	first, err := tb.Deposit(e.ctx, completion(t, e, d.ID, v.ID))
	require.NoError(t, err)
	seq := e.head(t)
	again, err := tb.Deposit(e.ctx, completion(t, e, d.ID, v.ID))
	require.NoError(t, err)
	assert.True(t, again.Replayed)
	assert.Equal(t, first.Transaction.ID, again.Transaction.ID)
	assert.Equal(t, seq, e.head(t))
	e.verify(t)
}
