package points_test

import (
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/points"
)

// TestAwardKeyText: the keys are built without uuid.String but must read exactly as before,
// or retries across versions would post twice.
func TestAwardKeyText(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		var d, p uuid.UUID
		copy(d[:], rapid.SliceOfN(rapid.Byte(), 16, 16).Draw(rt, "demand"))
		copy(p[:], rapid.SliceOfN(rapid.Byte(), 16, 16).Draw(rt, "provider"))
		if got, want := points.AwardKey(d, p), "award:"+d.String()+":"+p.String(); got != want {
			rt.Fatalf("AwardKey %q, want %q", got, want)
		}
		if got, want := points.ClawbackKey(d, p), "clawback:"+d.String()+":"+p.String(); got != want {
			rt.Fatalf("ClawbackKey %q, want %q", got, want)
		}
	})
}

// completionAt is an audited 2-hour haircut wish (30 points in testScheme) by p, audited at.
func completionAt(p catalog.Provider, at time.Time) points.Completion {
	c := audited(p, dec("2"))
	c.Audits[0].At = at
	return c
}

// TestAwardCapDays: the daily cap counts awards by the audit's day in the scheme's time zone,
// also when a provider's awards move between days and back (the cap accounts are cached per
// provider and day).
func TestAwardCapDays(t *testing.T) {
	utc := func(s string) time.Time {
		at, err := time.Parse(time.RFC3339, s)
		require.NoError(t, err)
		return at
	}
	cases := []struct {
		name          string
		offsetMinutes int
		at            []string
		overCap       []bool // per award: refused by the daily cap of 40 (30 points each)
	}{
		{"+08:00 midnight splits", 8 * 60, []string{"2026-05-01T15:59:00Z", "2026-05-01T16:01:00Z"}, []bool{false, false}},
		{"+08:00 same day", 8 * 60, []string{"2026-05-01T16:01:00Z", "2026-05-02T15:59:00Z"}, []bool{false, true}},
		{"-05:00 midnight splits", -5 * 60, []string{"2026-05-01T04:59:00Z", "2026-05-01T05:01:00Z"}, []bool{false, false}},
		{"-05:00 same day", -5 * 60, []string{"2026-05-01T05:01:00Z", "2026-05-02T04:59:00Z"}, []bool{false, true}},
		{"before 1970 splits", 0, []string{"1969-12-31T23:59:59Z", "1970-01-01T00:00:01Z"}, []bool{false, false}},
		{"before 1970 same day", 0, []string{"1969-12-31T00:00:01Z", "1969-12-31T23:59:59Z"}, []bool{false, true}},
		{"back to an earlier day", 8 * 60, []string{"2026-05-01T01:00:00Z", "2026-05-02T01:00:00Z", "2026-05-01T02:00:00Z", "2026-05-02T02:00:00Z"}, []bool{false, false, true, true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := testScheme()
			s.DailyCap, s.MonthlyCap = dec("40"), dec("0")
			s.UTCOffsetMinutes = &tc.offsetMinutes
			e := newEnv(t, s)
			p := catalog.Provider{ID: uuid.New(), Kind: catalog.Volunteer, PersonID: "wang"}
			for i, at := range tc.at {
				_, err := e.inc.Award(e.ctx, completionAt(p, utc(at)))
				if tc.overCap[i] {
					require.ErrorIs(t, err, points.ErrOverCap, "award %d at %s", i, at)
				} else {
					require.NoError(t, err, "award %d at %s", i, at)
				}
			}
			e.verify(t)
		})
	}
}

// TestAwardProviderChanges: a provider whose person id or kind changed between awards is paid
// to the holder it has now, not to the one cached from an earlier award.
func TestAwardProviderChanges(t *testing.T) {
	e := newEnv(t, testScheme())
	p := catalog.Provider{ID: uuid.New(), Kind: catalog.Volunteer, PersonID: "wang"}
	at := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	steps := []struct {
		change func(*catalog.Provider)
		holder func(catalog.Provider) string
	}{
		{func(*catalog.Provider) {}, func(p catalog.Provider) string { return points.PersonHolder("wang") }},
		{func(p *catalog.Provider) { p.PersonID = "wang2" }, func(p catalog.Provider) string { return points.PersonHolder("wang2") }},
		{func(p *catalog.Provider) { p.Kind = catalog.Unit }, func(p catalog.Provider) string { return p.ID.String() }},
	}
	for i, st := range steps {
		st.change(&p)
		r, err := e.inc.Award(e.ctx, completionAt(p, at))
		require.NoError(t, err, "step %d", i)
		require.Len(t, r.Shares, 1)
		assert.Equal(t, st.holder(p), r.Shares[0].Holder, "step %d", i)
		assert.Equal(t, "30", e.balance(t, e.inc.HolderAccount(st.holder(p))).String(), "step %d", i)
	}
	e.verify(t)
}

// TestAwardMetadata: an award records what leaderboards, statements and service records read,
// and the audited hours only when the per-activity maximum cut them.
func TestAwardMetadata(t *testing.T) {
	s := testScheme()
	s.HoursPerActivityMax = dec("4")
	e := newEnv(t, s)
	p := catalog.Provider{ID: uuid.New(), Kind: catalog.Volunteer, PersonID: "wang"}
	want := []string{points.MetaKind, points.MetaCommunity, points.MetaDemand, points.MetaProvider, points.MetaHolder,
		points.MetaCategory, points.MetaTitle, points.MetaHours, points.MetaPoints, points.MetaAuditedAt, points.MetaAuditor}
	cases := []struct {
		name, hours, credited string
		audited               bool
	}{
		{"within the maximum", "2", "2", false},
		{"cut to the maximum", "6.5", "4", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := audited(p, dec(tc.hours))
			r, err := e.inc.Award(e.ctx, c)
			require.NoError(t, err)
			m := r.Transaction.Metadata
			keys := slices.Sorted(maps.Keys(m))
			w := slices.Clone(want)
			if tc.audited {
				w = append(w, points.MetaAuditedHours)
				assert.Equal(t, tc.hours, m[points.MetaAuditedHours])
			}
			slices.Sort(w)
			assert.Equal(t, w, keys)
			assert.Equal(t, points.KindAward, m[points.MetaKind])
			assert.Equal(t, c.Demand.ID.String(), m[points.MetaDemand])
			assert.Equal(t, p.ID.String(), m[points.MetaProvider])
			assert.Equal(t, tc.credited, m[points.MetaHours])
			assert.Equal(t, "2026-05-01T09:00:00Z", m[points.MetaAuditedAt])
		})
	}
}

// TestAwardCacheTwoIncentives: two Incentives on one ledger (two processes, as far as each can
// tell) each cache a provider's accounts and cap accounts. What one of them changes must hold
// for the other's next award: a debt the other recorded is paid off first, and the cap counts
// the other's awards. Every step awards a provider whose accounts both have cached.
func TestAwardCacheTwoIncentives(t *testing.T) {
	s := testScheme()
	s.DailyCap, s.MonthlyCap = dec("70"), dec("0") // 30 points an award: two a day
	e := newEnv(t, s)
	other, err := points.New(e.ctx, e.l, s)
	require.NoError(t, err)
	p := catalog.Provider{ID: uuid.New(), Kind: catalog.Volunteer, PersonID: "wang"}
	h := points.PersonHolder("wang")
	acct := e.inc.HolderAccount(h)
	day1 := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	day2 := day1.AddDate(0, 0, 1)

	// Both award on day 1: both cache the holder and the day's cap account.
	first := completionAt(p, day1)
	_, err = e.inc.Award(e.ctx, first)
	require.NoError(t, err)
	_, err = other.Award(e.ctx, completionAt(p, day1))
	require.NoError(t, err)
	// The cap is the ledger's: neither Incentive may pass it, whoever awarded before.
	_, err = e.inc.Award(e.ctx, completionAt(p, day1))
	require.ErrorIs(t, err, points.ErrOverCap)
	_, err = other.Award(e.ctx, completionAt(p, day1))
	require.ErrorIs(t, err, points.ErrOverCap)

	// The holder spends everything; the other Incentive claws the first award back: 30 owed.
	_, err = e.l.Post(e.ctx, ledger.Transaction{Postings: []ledger.Posting{{From: acct, To: e.inc.ShopAccount(), Amount: dec("60"), Asset: e.inc.Scheme().Asset}}})
	require.NoError(t, err)
	cb, err := other.Clawback(e.ctx, first.Demand.ID, p, "虚报时长 falsified hours")
	require.NoError(t, err)
	require.Equal(t, "30", cb.Debt.String())

	// This Incentive's next award (day 2, 30 points) goes wholly to the debt it never saw.
	r, err := e.inc.Award(e.ctx, completionAt(p, day2))
	require.NoError(t, err)
	assert.Equal(t, "30", r.DebtPaid.String())
	assert.Equal(t, "0", e.balance(t, acct).String())
	debt, err := other.Debt(e.ctx, h)
	require.NoError(t, err)
	assert.True(t, debt.IsZero(), "debt %s", debt)

	// The other's next award on day 2 finds the debt paid and the day's cap half used.
	r, err = other.Award(e.ctx, completionAt(p, day2))
	require.NoError(t, err)
	assert.True(t, r.DebtPaid.IsZero(), "paid %s", r.DebtPaid)
	assert.Equal(t, "30", e.balance(t, acct).String())
	_, err = e.inc.Award(e.ctx, completionAt(p, day2))
	require.ErrorIs(t, err, points.ErrOverCap)
	e.verify(t)
}

// TestAwardAccountNames: the accounts an award posts to are named exactly as the scheme's
// templates say (Award renders them its own way, and accounts opened by earlier versions must
// keep being found), with the default templates and with templates that put the holder and
// the period elsewhere.
func TestAwardAccountNames(t *testing.T) {
	custom := points.Naming{Holder: "{asset}:{holder}:{community}", Debt: "owed:{holder}:{asset}:{community}",
		Quota: "{period}:cap:{holder}:{community}:{asset}"}
	cases := []struct {
		name                         string
		naming                       points.Naming
		holder, debt, daily, monthly string
	}{
		{"default", points.Naming{}, "community:yangguang:member:p-wang:PTS", "community:yangguang:debt:p-wang:PTS",
			"community:yangguang:quota:p-wang:d20260501:PTS_CAP", "community:yangguang:quota:p-wang:m202605:PTS_CAP"},
		{"custom", custom, "PTS:p-wang:yangguang", "owed:p-wang:PTS:yangguang",
			"d20260501:cap:p-wang:yangguang:PTS_CAP", "m202605:cap:p-wang:yangguang:PTS_CAP"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := testScheme()
			s.Accounts = tc.naming
			e := newEnv(t, s)
			p := catalog.Provider{ID: uuid.New(), Kind: catalog.Volunteer, PersonID: "wang"}
			h := points.PersonHolder("wang")
			require.Equal(t, tc.holder, string(e.inc.HolderAccount(h)))
			require.Equal(t, tc.debt, string(e.inc.DebtAccount(h)))
			r, err := e.inc.Award(e.ctx, completionAt(p, time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)))
			require.NoError(t, err)
			var from, to []string
			for _, ps := range r.Transaction.Postings {
				from, to = append(from, string(ps.From)), append(to, string(ps.To))
			}
			assert.Equal(t, []string{tc.daily, tc.monthly, string(e.inc.IssuerAccount())}, from)
			assert.Equal(t, tc.holder, to[2])
			_, err = e.l.Account(e.ctx, ledger.AccountID(tc.debt)) // opened with the holder's account
			require.NoError(t, err)
			assert.Equal(t, h, r.Transaction.Metadata[points.MetaHolder])
		})
	}
}
