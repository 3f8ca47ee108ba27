package points_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/points"
)

func TestAwardPostsOnceAndMarks(t *testing.T) {
	e := newEnv(t, testScheme())
	v := e.volunteer(t, "wang")
	d := e.done(t, "r1", catalog.UrgencyNormal, true, work{v, "2", true})
	r, err := e.inc.AwardAudited(e.ctx, e.cat, d.ID, v.ID, "auditor-li")
	require.NoError(t, err)
	// 20 base for a haircut wish + 2 h × 5.
	assert.Equal(t, "30", r.Points.String())
	holder := points.ProviderHolder(v)
	assert.Equal(t, "30", e.balance(t, e.inc.HolderAccount(holder)).String())
	got, err := e.cat.Demand(e.ctx, d.ID)
	require.NoError(t, err)
	assert.Equal(t, catalog.StatusAwarded, got.Status)

	seq := e.head(t)
	again, err := e.inc.AwardAudited(e.ctx, e.cat, d.ID, v.ID, "auditor-li")
	require.NoError(t, err)
	assert.Equal(t, r.Transaction.ID, again.Transaction.ID)
	assert.Equal(t, seq, e.head(t), "a retry posts nothing")
	e.verify(t)
}

// TestAwardCrashBetweenPostAndMark simulates a process that posted the points and died before
// marking the demand: the retry finds the posting and completes the mark, posting nothing.
func TestAwardCrashBetweenPostAndMark(t *testing.T) {
	e := newEnv(t, testScheme())
	v := e.volunteer(t, "wang")
	d := e.done(t, "r1", catalog.UrgencyNormal, true, work{v, "2", true})
	c, err := points.CompletionOf(e.ctx, e.cat, d.ID, v.ID)
	require.NoError(t, err)
	first, err := e.inc.Award(e.ctx, c) // posted; the "crash" skips MarkAwarded
	require.NoError(t, err)
	a, err := e.cat.AuditOf(e.ctx, d.ID, v.ID)
	require.NoError(t, err)
	require.False(t, a.Awarded)
	seq := e.head(t)

	r, err := e.inc.AwardAudited(e.ctx, e.cat, d.ID, v.ID, "auditor-li")
	require.NoError(t, err)
	assert.Equal(t, first.Transaction.ID, r.Transaction.ID)
	assert.Equal(t, seq, e.head(t), "the repair posts nothing")
	a, err = e.cat.AuditOf(e.ctx, d.ID, v.ID)
	require.NoError(t, err)
	assert.True(t, a.Awarded)
	assert.Equal(t, "30", e.balance(t, e.inc.HolderAccount(points.ProviderHolder(v))).String())
	e.verify(t)
}

func TestAwardConcurrentAuditors(t *testing.T) {
	e := newEnv(t, testScheme())
	v := e.volunteer(t, "wang")
	d := e.done(t, "r1", catalog.UrgencyNormal, true, work{v, "2", true})
	const auditors = 16
	var wg sync.WaitGroup
	errs := make([]error, auditors)
	for i := range auditors {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = e.inc.AwardAudited(e.ctx, e.cat, d.ID, v.ID, "auditor")
		}()
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	assert.Equal(t, uint64(1), e.head(t), "one posting")
	assert.Equal(t, "30", e.balance(t, e.inc.HolderAccount(points.ProviderHolder(v))).String())
	e.verify(t)
}

func TestAwardSplitAndTeam(t *testing.T) {
	s := testScheme()
	s.Team = points.TeamToMembers
	s.DailyCap, s.MonthlyCap = dec("0"), dec("0")
	e := newEnv(t, s)
	a := e.volunteer(t, "a")
	tm := e.team(t, "理发队", "m1", "m2", "m3")
	// Base 20 split by hours 1:3 (5 and 15), plus 5 per hour: a gets 10, the team 30 split
	// among three members: 10 each.
	d := e.done(t, "r1", catalog.UrgencyNormal, true, work{a, "1", true}, work{tm, "3", true})
	ra, err := e.inc.AwardAudited(e.ctx, e.cat, d.ID, a.ID, "x")
	require.NoError(t, err)
	rt, err := e.inc.AwardAudited(e.ctx, e.cat, d.ID, tm.ID, "x")
	require.NoError(t, err)
	assert.Equal(t, "10", ra.Points.String())
	assert.Equal(t, "30", rt.Points.String())
	require.Len(t, rt.Shares, 3)
	for _, m := range []string{"m1", "m2", "m3"} {
		assert.Equal(t, "10", e.balance(t, e.inc.HolderAccount(points.PersonHolder(m))).String(), m)
	}
	// Urgent doubles, equal split: (20×2)/2 + 1×5×2 = 30 for a.
	s2 := testScheme()
	s2.Split = points.SplitEqually
	s2.DailyCap, s2.MonthlyCap = dec("0"), dec("0")
	e2 := newEnv(t, s2)
	b := e2.volunteer(t, "b")
	c := e2.volunteer(t, "c")
	d2 := e2.done(t, "r2", catalog.UrgencyUrgent, true, work{b, "1", true}, work{c, "5", true})
	rb, err := e2.inc.AwardAudited(e2.ctx, e2.cat, d2.ID, b.ID, "x")
	require.NoError(t, err)
	assert.Equal(t, "30", rb.Points.String())
	e.verify(t)
	e2.verify(t)
}

// TestAwardRefusals provokes every refusal of Award and checks that nothing was posted.
func TestAwardRefusals(t *testing.T) {
	e := newEnv(t, testScheme())
	v := e.volunteer(t, "wang")
	w := e.volunteer(t, "li")
	self := e.volunteer(t, "r-self")

	rejected := e.done(t, "r1", catalog.UrgencyNormal, true, work{v, "1", false})
	unaudited := e.done(t, "r2", catalog.UrgencyNormal, false, work{v, "1", true})
	// Two 24-hour wishes: 20 + 24×5 = 140 each, over the daily cap of 100.
	big := e.done(t, "r3", catalog.UrgencyNormal, true, work{w, "24", true})

	cases := []struct {
		name     string
		c        func() points.Completion
		want     error
		refusal  bool
		contains string
	}{
		{"rejected", func() points.Completion { return completion(t, e, rejected.ID, v.ID) }, points.ErrRejected, true, "no show"},
		{"unaudited", func() points.Completion { return completion(t, e, unaudited.ID, v.ID) }, points.ErrNotAudited, false, ""},
		{"self-dealing", func() points.Completion {
			c := completion(t, e, big.ID, w.ID)
			c.Provider = self
			c.Demand.Requester.ID = "r-self"
			c.Audits[0].ProviderID = self.ID
			return c
		}, points.ErrSelfDealing, true, "r-self"},
		{"daily cap", func() points.Completion { return completion(t, e, big.ID, w.ID) }, points.ErrOverCap, true, "daily cap 100"},
		{"foreign audit", func() points.Completion {
			c := completion(t, e, big.ID, w.ID)
			c.Audits[0].DemandID = rejected.ID
			return c
		}, points.ErrInvalid, false, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			seq := e.head(t)
			_, err := e.inc.Award(e.ctx, tc.c())
			require.ErrorIs(t, err, tc.want)
			var r *points.Refusal
			assert.Equal(t, tc.refusal, errors.As(err, &r))
			if tc.refusal {
				assert.Contains(t, r.Reason, tc.contains)
			}
			assert.Equal(t, seq, e.head(t), "nothing posted")
			e.verify(t)
		})
	}
	// Through the catalog: an unaudited demand is refused and stays unmarked.
	_, err := e.inc.AwardAudited(e.ctx, e.cat, unaudited.ID, v.ID, "x")
	require.ErrorIs(t, err, points.ErrNotAudited)
}

func TestAwardMonthlyCap(t *testing.T) {
	s := testScheme()
	s.DailyCap = dec("0")
	s.MonthlyCap = dec("50")
	e := newEnv(t, s)
	v := e.volunteer(t, "wang")
	d1 := e.done(t, "r1", catalog.UrgencyNormal, true, work{v, "2", true})
	d2 := e.done(t, "r2", catalog.UrgencyNormal, true, work{v, "2", true})
	_, err := e.inc.AwardAudited(e.ctx, e.cat, d1.ID, v.ID, "x")
	require.NoError(t, err)
	seq := e.head(t)
	_, err = e.inc.AwardAudited(e.ctx, e.cat, d2.ID, v.ID, "x")
	var r *points.Refusal
	require.ErrorAs(t, err, &r)
	require.ErrorIs(t, err, points.ErrOverCap)
	assert.Contains(t, r.Reason, "monthly cap 50")
	assert.Equal(t, seq, e.head(t))
	// With the cap reached, a retry of the first award is still a replay, not a refusal.
	_, err = e.inc.AwardAudited(e.ctx, e.cat, d1.ID, v.ID, "x")
	require.NoError(t, err)
	assert.Equal(t, seq, e.head(t))
	a, err := e.cat.AuditOf(e.ctx, d2.ID, v.ID)
	require.NoError(t, err)
	assert.False(t, a.Awarded, "a refused award is not marked")
	e.verify(t)
}

// TestAwardCapsConcurrent: many awards for one provider on one day at once; the ledger's cap
// account lets exactly as many through as the cap allows.
func TestAwardCapsConcurrent(t *testing.T) {
	e := newEnv(t, testScheme())
	v := e.volunteer(t, "wang")
	const n = 10 // 30 points each against a daily cap of 100: three pass
	cs := make([]points.Completion, n)
	for i := range cs {
		d := e.done(t, sprint("r", i), catalog.UrgencyNormal, true, work{v, "2", true})
		cs[i] = completion(t, e, d.ID, v.ID)
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range cs {
		wg.Add(1)
		go func() { defer wg.Done(); _, errs[i] = e.inc.Award(e.ctx, cs[i]) }()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else {
			require.ErrorIs(t, err, points.ErrOverCap)
		}
	}
	assert.Equal(t, 3, ok)
	assert.Equal(t, "90", e.balance(t, e.inc.HolderAccount(points.ProviderHolder(v))).String())
	e.verify(t)
}

// servedWang is an env on the test scheme with a time bank and one volunteer, wang, who has
// served a 2-hour demand, audited: the completion Award and Deposit take.
func servedWang(t testing.TB) (*env, *points.TimeBank, catalog.Provider, points.Completion) {
	t.Helper()
	e := newEnv(t, testScheme())
	bank := newBank(t, e, points.TimeBankConfig{})
	v := e.volunteer(t, "wang")
	d := e.done(t, "r1", catalog.UrgencyNormal, true, work{v, "2", true})
	return e, bank, v, completion(t, e, d.ID, v.ID)
}

func completion(t testing.TB, e *env, demand, provider [16]byte) points.Completion {
	t.Helper()
	c, err := points.CompletionOf(e.ctx, e.cat, demand, provider)
	require.NoError(t, err)
	return c
}

// TestAwardRetryAfterRateChangeReportsPostedAward: an award posted at 5 points an hour (30
// points) is retried (a crash before the catalog mark) by an Incentive whose scheme now gives
// 7 an hour. The retry posts nothing and marks the demand, as it should, but its receipt said
// 34 points (and shares of 34) beside the 30-point transaction; it now reports the 30 posted,
// shared as they were.
func TestAwardRetryAfterRateChangeReportsPostedAward(t *testing.T) {
	s := testScheme()
	s.Team = points.TeamToMembers
	e := newEnv(t, s)
	for _, p := range []catalog.Provider{e.volunteer(t, "wang"), e.team(t, "理发队", "li", "zhao", "qian")} {
		t.Run(p.Name, func(t *testing.T) {
			d := e.done(t, "r-"+p.ID.String()[:8], catalog.UrgencyNormal, true, work{p, "2", true})
			first, err := e.inc.Award(e.ctx, completion(t, e, d.ID, p.ID)) // the mark is lost
			require.NoError(t, err)
			require.Equal(t, "30", first.Points.String())

			s2 := s
			s2.PointsPerHour = dec("7")
			inc2, err := points.New(e.ctx, e.l, s2)
			require.NoError(t, err)
			seq := e.head(t)
			r, err := inc2.AwardAudited(e.ctx, e.cat, d.ID, p.ID, "auditor-li")
			require.NoError(t, err)
			assert.Equal(t, seq, e.head(t), "the retry posts nothing")
			assert.Equal(t, first.Transaction.ID, r.Transaction.ID)
			assert.Equal(t, "30", r.Points.String())
			assert.Equal(t, sprint(first.Shares), sprint(r.Shares))
			a, err := e.cat.AuditOf(e.ctx, d.ID, p.ID)
			require.NoError(t, err)
			assert.True(t, a.Awarded)
		})
	}
	e.verify(t)
}
