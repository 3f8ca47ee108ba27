package points_test

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/points"
)

func TestExpireOldestFirst(t *testing.T) {
	e, sh, h := shopEnv(t) // 30 points on 2026-05-01, rice at 10
	acct := e.inc.HolderAccount(h)
	e.clock.Advance(365 * 24 * time.Hour)
	v, err := e.cat.Providers(e.ctx, catalog.ProviderQuery{Limit: 1})
	require.NoError(t, err)
	d := e.done(t, "r9", catalog.UrgencyNormal, true, work{v.Providers[0], "2", true})
	_, err = e.inc.AwardAudited(e.ctx, e.cat, d.ID, v.Providers[0].ID, "x") // 30 more on 2027-05-01
	require.NoError(t, err)
	r, err := sh.Redeem(e.ctx, "o1", h, "rice", 1) // spends 10 of the oldest lot
	require.NoError(t, err)
	require.NoError(t, sh.Fulfil(e.ctx, r))

	// Nothing is three years old yet.
	rep, err := e.inc.Expire(e.ctx, time.Date(2029, 4, 30, 0, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	assert.Equal(t, 0, rep.Accounts)

	// Three years after the first award: what is left of it (20) expires.
	e.clock.Advance(2 * 366 * 24 * time.Hour)
	asOf := time.Date(2029, 5, 2, 0, 0, 0, 0, time.UTC)
	seq := e.head(t)
	rep, err = e.inc.Expire(e.ctx, asOf)
	require.NoError(t, err)
	assert.Equal(t, "20", rep.Points.String())
	assert.Equal(t, 1, rep.Accounts)
	assert.Equal(t, "20290502", rep.Period)
	assert.Equal(t, "30", e.balance(t, acct).String())
	assert.Equal(t, "20", e.balance(t, e.inc.ExpiryAccount()).String())
	assert.Equal(t, seq+1, e.head(t))

	// Idempotent: the same period again moves nothing.
	rep, err = e.inc.Expire(e.ctx, asOf)
	require.NoError(t, err)
	assert.Equal(t, 0, rep.Accounts)
	assert.Equal(t, seq+1, e.head(t))

	// A year later the second lot expires.
	e.clock.Advance(366 * 24 * time.Hour)
	rep, err = e.inc.Expire(e.ctx, time.Date(2030, 5, 2, 0, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	assert.Equal(t, "30", rep.Points.String())
	assert.Equal(t, "0", e.balance(t, acct).String())
	e.verify(t)
}

func TestExpireSkipsHeldPoints(t *testing.T) {
	e, sh, h := shopEnv(t)
	_, err := sh.Redeem(e.ctx, "o1", h, "rice", 2) // 20 of 30 held
	require.NoError(t, err)
	e.clock.Advance(4 * 366 * 24 * time.Hour)
	rep, err := e.inc.Expire(e.ctx, e.clock.Now())
	require.NoError(t, err)
	assert.Equal(t, "10", rep.Points.String(), "held points stay for the redemption in progress")
	e.verify(t)
}

func TestExpireNoValidityAndBadInput(t *testing.T) {
	s := testScheme()
	s.ValidityMonths = 0
	e := newEnv(t, s)
	rep, err := e.inc.Expire(e.ctx, e.clock.Now())
	require.NoError(t, err)
	assert.Equal(t, 0, rep.Transactions)
	_, err = e.inc.Expire(e.ctx, time.Time{})
	require.ErrorIs(t, err, points.ErrInvalid)
}

func TestClawback(t *testing.T) {
	e, sh, h := shopEnv(t) // 30 points for demand 1
	acct := e.inc.HolderAccount(h)
	ps, err := e.cat.Providers(e.ctx, catalog.ProviderQuery{Limit: 1})
	require.NoError(t, err)
	v := ps.Providers[0]
	ds, err := e.cat.Demands(e.ctx, catalog.DemandQuery{Limit: 1})
	require.NoError(t, err)
	d1 := ds.Demands[0]

	// Spend 20, then claw back: 10 recovered, 20 owed.
	r, err := sh.Redeem(e.ctx, "o1", h, "rice", 2)
	require.NoError(t, err)
	require.NoError(t, sh.Fulfil(e.ctx, r))
	res, err := e.inc.Clawback(e.ctx, d1.ID, v, "虚报时长 falsified hours")
	require.NoError(t, err)
	assert.Equal(t, "10", res.Recovered.String())
	assert.Equal(t, "20", res.Debt.String())
	assert.Equal(t, "0", e.balance(t, acct).String())
	debt, err := e.inc.Debt(e.ctx, h)
	require.NoError(t, err)
	assert.Equal(t, "20", debt.String())

	seq := e.head(t)
	again, err := e.inc.Clawback(e.ctx, d1.ID, v, "again")
	require.NoError(t, err)
	assert.True(t, again.AlreadyDone)
	assert.Equal(t, seq, e.head(t))

	// The next award (30) pays the debt first: 20 to the debt, 10 to the holder.
	d2 := e.done(t, "r2", catalog.UrgencyNormal, true, work{v, "2", true})
	rec, err := e.inc.AwardAudited(e.ctx, e.cat, d2.ID, v.ID, "x")
	require.NoError(t, err)
	assert.Equal(t, "20", rec.DebtPaid.String())
	assert.Equal(t, "10", e.balance(t, acct).String())
	debt, err = e.inc.Debt(e.ctx, h)
	require.NoError(t, err)
	assert.True(t, debt.IsZero())

	// A clean clawback reverses: the award had 10 to the holder and 20 to the debt; both return.
	res, err = e.inc.Clawback(e.ctx, d2.ID, v, "duplicate report")
	require.NoError(t, err)
	assert.False(t, res.AlreadyDone)
	assert.Equal(t, "0", e.balance(t, acct).String())
	debt, err = e.inc.Debt(e.ctx, h)
	require.NoError(t, err)
	assert.Equal(t, "20", debt.String())
	e.verify(t)

	seq = e.head(t)
	_, err = e.inc.Clawback(e.ctx, uuid.New(), v, "no such award")
	require.ErrorIs(t, err, points.ErrNotAwarded)
	_, err = e.inc.Clawback(e.ctx, d1.ID, v, "")
	require.ErrorIs(t, err, points.ErrInvalid)
	assert.Equal(t, seq, e.head(t))
}

// TestAwardRetryAfterDebtChanged: an award that went wholly to a debt is retried after the
// debt was paid off by another award; the retry's postings would differ, yet it finds the
// first posting (in the debt account's statement) and posts nothing.
func TestAwardRetryAfterDebtChanged(t *testing.T) {
	e, sh, h := shopEnv(t) // 30 points
	ps, err := e.cat.Providers(e.ctx, catalog.ProviderQuery{Limit: 1})
	require.NoError(t, err)
	v := ps.Providers[0]
	require.NoError(t, sh.AddItem(e.ctx, points.Item{SKU: "oil", Name: "食用油", Price: dec("20")}))
	require.NoError(t, sh.Restock(e.ctx, "oil", 1, "n-oil"))
	d1 := e.done(t, "r1", catalog.UrgencyNormal, true, work{v, "4", true}) // 40
	_, err = e.inc.AwardAudited(e.ctx, e.cat, d1.ID, v.ID, "x")
	require.NoError(t, err)
	for i, it := range []struct {
		sku string
		q   int64
	}{{"rice", 5}, {"oil", 1}} { // spend all 70
		r, err := sh.Redeem(e.ctx, sprint("o", i), h, it.sku, it.q)
		require.NoError(t, err)
		require.NoError(t, sh.Fulfil(e.ctx, r))
	}
	_, err = e.inc.Clawback(e.ctx, d1.ID, v, "fraud")
	require.NoError(t, err)
	debt, err := e.inc.Debt(e.ctx, h)
	require.NoError(t, err)
	require.Equal(t, "40", debt.String())

	d2 := e.done(t, "r2", catalog.UrgencyNormal, true, work{v, "1", true}) // 25, all to the debt
	first, err := e.inc.Award(e.ctx, completion(t, e, d2.ID, v.ID))        // posted; the mark is lost
	require.NoError(t, err)
	assert.Equal(t, "25", first.DebtPaid.String())
	d3 := e.done(t, "r3", catalog.UrgencyNormal, true, work{v, "1", true}) // 25: 15 to the debt
	_, err = e.inc.AwardAudited(e.ctx, e.cat, d3.ID, v.ID, "x")
	require.NoError(t, err)

	seq := e.head(t)
	r, err := e.inc.AwardAudited(e.ctx, e.cat, d2.ID, v.ID, "x")
	require.NoError(t, err)
	assert.Equal(t, first.Transaction.ID, r.Transaction.ID)
	assert.Equal(t, seq, e.head(t))
	assert.Equal(t, "10", e.balance(t, e.inc.HolderAccount(h)).String())
	a, err := e.cat.AuditOf(e.ctx, d2.ID, v.ID)
	require.NoError(t, err)
	assert.True(t, a.Awarded)
	e.verify(t)
}
