package points_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/points"
)

// TestAwardTeamMemberListedTwiceWithDebt: a team paying its members lists one member twice
// (the catalog allows it) and that member owes 5 points after a clawback. Each of the
// member's two shares read the same debt and paid it off in full, so the posting took 10
// from a debt of 5 and was refused every time: the award could never be made.
func TestAwardTeamMemberListedTwiceWithDebt(t *testing.T) {
	e, tm, h := teamListingMemberTwice(t)
	debt := e.inc.DebtAccount(h)
	require.NoError(t, e.l.OpenAccount(e.ctx, ledger.Account{ID: debt, Asset: "PTS"}))
	_, err := e.l.Post(e.ctx, ledger.Transaction{Postings: []ledger.Posting{{From: e.inc.IssuerAccount(), To: debt, Amount: dec("5"), Asset: "PTS"}}})
	require.NoError(t, err)

	d := e.done(t, "r1", catalog.UrgencyNormal, true, work{tm, "2", true}) // 20 + 2×5 = 30 points
	r, err := e.inc.AwardAudited(e.ctx, e.cat, d.ID, tm.ID, "x")
	require.NoError(t, err)
	assert.Equal(t, "30", r.Points.String())
	assert.Equal(t, "5", r.DebtPaid.String())
	assert.Equal(t, "25", e.balance(t, e.inc.HolderAccount(h)).String())
	assert.Equal(t, "0", e.balance(t, debt).String())
	e.verify(t)
}

// TestClawbackTeamMemberListedTwice: the award above, clawed back after the member spent most
// of it. Each of the member's two postings was checked against the whole available balance,
// so the clawback took more than there was and was refused every time.
func TestClawbackTeamMemberListedTwice(t *testing.T) {
	e, tm, h := teamListingMemberTwice(t)
	d := e.done(t, "r1", catalog.UrgencyNormal, true, work{tm, "2", true}) // 30 points, 15 each
	_, err := e.inc.AwardAudited(e.ctx, e.cat, d.ID, tm.ID, "x")
	require.NoError(t, err)
	_, err = e.l.Post(e.ctx, ledger.Transaction{Postings: []ledger.Posting{{From: e.inc.HolderAccount(h), To: e.inc.ShopAccount(), Amount: dec("25"), Asset: "PTS"}}})
	require.NoError(t, err)

	res, err := e.inc.Clawback(e.ctx, d.ID, tm, "fraud")
	require.NoError(t, err)
	assert.Equal(t, "5", res.Recovered.String())
	assert.Equal(t, "25", res.Debt.String())
	assert.Equal(t, "0", e.balance(t, e.inc.HolderAccount(h)).String())
	assert.Equal(t, "25", e.balance(t, e.inc.DebtAccount(h)).String())
	e.verify(t)
}

// teamListingMemberTwice is a scheme paying teams' members, without caps, and a team that
// lists its member m1 twice.
func teamListingMemberTwice(t *testing.T) (*env, catalog.Provider, string) {
	s := testScheme()
	s.Team = points.TeamToMembers
	s.DailyCap, s.MonthlyCap = dec("0"), dec("0")
	e := newEnv(t, s)
	return e, e.team(t, "理发队", "m1", "m1"), points.PersonHolder("m1")
}
