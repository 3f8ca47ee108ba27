package points_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/memstore"
	"github.com/tongxin/tongxin/points"
)

func TestDepositRefusals(t *testing.T) {
	e := newEnv(t, testScheme())
	tb := newBank(t, e, points.TimeBankConfig{})
	v := e.volunteer(t, "wang")
	self := e.volunteer(t, "r-self")
	rejected := e.done(t, "r1", catalog.UrgencyNormal, true, work{v, "1", false})
	unaudited := e.done(t, "r2", catalog.UrgencyNormal, false, work{v, "1", true})
	ok := e.done(t, "r3", catalog.UrgencyNormal, true, work{v, "1", true})
	cases := []struct {
		name string
		c    func() points.Completion
		want error
	}{
		{"rejected", func() points.Completion { return completion(t, e, rejected.ID, v.ID) }, points.ErrRejected},
		{"unaudited", func() points.Completion { return completion(t, e, unaudited.ID, v.ID) }, points.ErrNotAudited},
		{"self-dealing", func() points.Completion {
			c := completion(t, e, ok.ID, v.ID)
			c.Provider, c.Audits[0].ProviderID, c.Demand.Requester.ID = self, self.ID, "r-self"
			return c
		}, points.ErrSelfDealing},
		{"foreign audit", func() points.Completion {
			c := completion(t, e, ok.ID, v.ID)
			c.Audits[0].DemandID = rejected.ID
			return c
		}, points.ErrInvalid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			seq := e.head(t)
			_, err := tb.Deposit(e.ctx, tc.c())
			require.ErrorIs(t, err, tc.want)
			assert.Equal(t, seq, e.head(t))
		})
	}
}

func TestWithdrawInvalid(t *testing.T) {
	e := newEnv(t, testScheme())
	tb := newBank(t, e, points.TimeBankConfig{})
	other, err := ledger.New(e.ctx, memstore.New())
	require.NoError(t, err)
	foreign, err := points.NewTimeBank(e.ctx, other, points.TimeBankConfig{Community: "heping"})
	require.NoError(t, err)
	h := points.PersonHolder("wang")
	cases := []struct {
		name string
		w    points.Withdrawal
	}{
		{"bad holder", points.Withdrawal{Member: points.Member{Holder: "a:b"}, Hours: dec("1"), DemandID: uuid.New()}},
		{"zero hours", points.Withdrawal{Member: points.Member{Holder: h}, Hours: dec("0"), DemandID: uuid.New()}},
		{"too precise", points.Withdrawal{Member: points.Member{Holder: h}, Hours: dec("0.001"), DemandID: uuid.New()}},
		{"other ledger", points.Withdrawal{Member: points.Member{Holder: h}, Hours: dec("1"), DemandID: uuid.New(), ServedBy: foreign}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			seq := e.head(t)
			_, err := tb.Withdraw(e.ctx, tc.w)
			require.ErrorIs(t, err, points.ErrInvalid)
			assert.Equal(t, seq, e.head(t))
		})
	}
	_, err = tb.Hours(e.ctx, "a:b")
	require.ErrorIs(t, err, points.ErrInvalid)
	_, err = tb.Statement(e.ctx, "a:b", "", 0)
	require.ErrorIs(t, err, points.ErrInvalid)
	_, err = tb.Statement(e.ctx, h, "", 0)
	require.ErrorIs(t, err, ledger.ErrUnknownAccount)
}

func TestTimeBankConfigInvalid(t *testing.T) {
	off := -15 * 60
	cases := []struct {
		name string
		c    points.TimeBankConfig
	}{
		{"community", points.TimeBankConfig{Community: ""}},
		{"asset", points.TimeBankConfig{Community: "c", Asset: "hour"}},
		{"scale", points.TimeBankConfig{Community: "c", Asset: "HOUR", Scale: 12}},
		{"negative cap", points.TimeBankConfig{Community: "c", StorageCap: dec("-1")}},
		{"asset too long for its cap asset", points.TimeBankConfig{Community: "c", Asset: "SERVICEHOURS1"}},
		{"asset named like a cap asset", points.TimeBankConfig{Community: "c", Asset: "HRS_CAP"}},
		{"cap too precise", points.TimeBankConfig{Community: "c", StorageCap: dec("0.001")}},
		{"gift max", points.TimeBankConfig{Community: "c", GiftMax: dec("2000000")}},
		{"relationship", points.TimeBankConfig{Community: "c", Relationships: []string{"Best Friend"}}},
		{"offset", points.TimeBankConfig{Community: "c", UTCOffsetMinutes: &off}},
		{"template", points.TimeBankConfig{Community: "c", Accounts: points.Naming{Pool: "pool-{community}"}}},
		{"holder template can name the pool", points.TimeBankConfig{Community: "c", Accounts: points.Naming{Holder: "community:{community}:{holder}:{asset}"}}},
		{"pool a member's account", points.TimeBankConfig{Community: "c", Accounts: points.Naming{Pool: "community:c:member:pool:HOUR"}}},
	}
	ctx := context.Background()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l, err := ledger.New(ctx, memstore.New())
			require.NoError(t, err)
			_, err = points.NewTimeBank(ctx, l, tc.c)
			require.ErrorIs(t, err, points.ErrInvalidScheme)
			h, err := l.Head(ctx)
			require.NoError(t, err)
			assert.Zero(t, h.Seq)
		})
	}
	_, err := points.NewTimeBank(ctx, nil, points.TimeBankConfig{Community: "c"})
	require.ErrorIs(t, err, points.ErrInvalidScheme)
}

func TestNothingToAwardAndHolderErrors(t *testing.T) {
	s := testScheme()
	s.Base, s.PointsPerHour = nil, dec("0")
	e := newEnv(t, s)
	v := e.volunteer(t, "wang")
	d := e.done(t, "r1", catalog.UrgencyNormal, true, work{v, "1", true})
	_, err := e.inc.AwardAudited(e.ctx, e.cat, d.ID, v.ID, "x")
	require.ErrorIs(t, err, points.ErrNothingToAward)
	assert.Zero(t, e.head(t))
	_, err = e.inc.Balance(e.ctx, "")
	require.ErrorIs(t, err, points.ErrInvalid)
	_, err = e.inc.Debt(e.ctx, "a:b")
	require.ErrorIs(t, err, points.ErrInvalid)
	_, err = e.inc.AwardAudited(e.ctx, e.cat, uuid.New(), v.ID, "x")
	require.ErrorIs(t, err, catalog.ErrNotFound)
}
