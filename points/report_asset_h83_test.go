package points_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/memstore"
	"github.com/tongxin/tongxin/points"
)

// TestLeaderboardMixedAssetsH83: one community runs two schemes on one ledger, points PTS and
// an honour score HONOR. Leaderboards added up the points of every award whatever its asset:
// a provider with 30 PTS and 25 HONOR stood at 55 "points", a sum of two units. Asked for no
// asset, a period whose awards use two is ErrInvalid now, never a mixed sum.
func TestLeaderboardMixedAssetsH83(t *testing.T) {
	e := newEnv(t, testScheme())
	sh := testScheme()
	sh.Asset, sh.Scale = "HONOR", 0
	hon, err := points.New(e.ctx, e.l, sh)
	require.NoError(t, err)
	v := e.volunteer(t, "wang")
	d1 := e.done(t, "r1", catalog.UrgencyNormal, true, work{v, "2", true}) // 30
	_, err = e.inc.Award(e.ctx, completion(t, e, d1.ID, v.ID))
	require.NoError(t, err)
	d2 := e.done(t, "r2", catalog.UrgencyNormal, true, work{v, "1", true}) // 25
	_, err = hon.Award(e.ctx, completion(t, e, d2.ID, v.ID))
	require.NoError(t, err)

	lb, err := points.Leaderboards(e.ctx, e.l, points.LeaderboardQuery{From: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)})
	require.ErrorIs(t, err, points.ErrInvalid, "a leaderboard of PTS and HONOR added up: %+v", lb)
	require.ErrorContains(t, err, "HONOR")
	require.ErrorContains(t, err, "PTS")
}

// TestLeaderboardAssetH83: the rules of LeaderboardQuery.Asset on a ledger of three schemes:
// PTS and HONOR of yangguang, HONOR of heping. Each case is one rule: no Asset with awards of
// two assets selected is ErrInvalid naming both; no Asset with one (the period's or the
// community's awards) ranks it as before; an Asset counts only its awards, and their
// clawbacks (a reversal, a partial clawback) only there, not a clawback in another asset
// naming the same demand and provider; an asset without awards (or a cap asset) is an empty
// board; an Asset that is not an asset code is ErrInvalid before anything is read.
func TestLeaderboardAssetH83(t *testing.T) {
	e := newEnv(t, testScheme())
	sh := testScheme()
	sh.Asset, sh.Scale = "HONOR", 0
	hon, err := points.New(e.ctx, e.l, sh)
	require.NoError(t, err)
	sp := sh
	sp.Community = "heping"
	hp, err := points.New(e.ctx, e.l, sp)
	require.NoError(t, err)
	wang, li, zhao := e.volunteer(t, "wang"), e.volunteer(t, "li"), e.volunteer(t, "zhao")
	n := 0
	award := func(inc *points.Incentive, p catalog.Provider, hours string) catalog.Demand {
		n++
		d := e.done(t, fmt.Sprintf("r%d", n), catalog.UrgencyNormal, true, work{p, hours, true})
		_, err := inc.Award(e.ctx, completion(t, e, d.ID, p.ID))
		require.NoError(t, err)
		return d
	}
	award(e.inc, wang, "2")          // 30 PTS
	award(e.inc, li, "4")            // 40 PTS
	honWang := award(hon, wang, "1") // 25 HONOR
	reversed := award(hon, li, "10") // 70 HONOR, reversed below
	partial := award(hon, wang, "2") // 30 HONOR, clawed back in part below
	award(hp, zhao, "1")             // 25 HONOR of heping
	_, err = hon.Clawback(e.ctx, reversed.ID, li, "虚报")
	require.NoError(t, err)
	hw := points.ProviderHolder(wang)
	_, err = e.l.Post(e.ctx, ledger.Transaction{Postings: []ledger.Posting{{From: hon.HolderAccount(hw), To: hon.ShopAccount(), Amount: dec("40"), Asset: "HONOR"}}})
	require.NoError(t, err)
	res, err := hon.Clawback(e.ctx, partial.ID, wang, "虚报")
	require.NoError(t, err)
	require.Equal(t, "15", res.Debt.String(), "a partial clawback")
	// A clawback in PTS naming the demand and provider of a HONOR award (posted outside the
	// package): it is not that award's.
	_, err = e.l.Post(e.ctx, ledger.Transaction{
		Postings: []ledger.Posting{{From: e.inc.HolderAccount(hw), To: e.inc.IssuerAccount(), Amount: dec("1"), Asset: "PTS"}},
		Metadata: map[string]string{points.MetaKind: points.KindClawback, points.MetaCommunity: "yangguang",
			points.MetaDemand: honWang.ID.String(), points.MetaProvider: wang.ID.String()}})
	require.NoError(t, err)
	e.clock.Advance(40 * 24 * time.Hour)
	award(hon, li, "1") // 25 HONOR in June
	e.verify(t)

	may := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	june := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	cancelled, cancel := context.WithCancel(e.ctx)
	cancel()
	for _, c := range []struct {
		name        string
		ctx         context.Context
		q           points.LeaderboardQuery
		err         error
		names       []string // in the error
		providers   []string // holder and points, ranked
		communities []string
	}{
		{name: "no asset, two in May", q: points.LeaderboardQuery{From: may, To: june}, err: points.ErrInvalid, names: []string{"HONOR, PTS", "Asset"}},
		{name: "no asset, two in all time", q: points.LeaderboardQuery{}, err: points.ErrInvalid, names: []string{"HONOR, PTS"}},
		{name: "no asset, two in yangguang", q: points.LeaderboardQuery{Community: "yangguang", Limit: 1}, err: points.ErrInvalid, names: []string{"HONOR, PTS"}},
		{name: "no asset, one in heping", q: points.LeaderboardQuery{From: may, Community: "heping"},
			providers: []string{"p-zhao 25"}, communities: []string{"heping 25"}},
		{name: "no asset, one in June", q: points.LeaderboardQuery{From: june},
			providers: []string{"p-li 25"}, communities: []string{"yangguang 25"}},
		{name: "PTS in May", q: points.LeaderboardQuery{From: may, To: june, Asset: "PTS"},
			providers: []string{"p-li 40", "p-wang 30"}, communities: []string{"yangguang 70"}},
		{name: "HONOR in May", q: points.LeaderboardQuery{From: may, To: june, Asset: "HONOR"},
			providers: []string{"p-wang 25", "p-zhao 25"}, communities: []string{"heping 25", "yangguang 25"}},
		{name: "HONOR of yangguang, all time", q: points.LeaderboardQuery{Community: "yangguang", Asset: "HONOR"},
			providers: []string{"p-wang 25", "p-li 25"}, communities: []string{"yangguang 50"}},
		{name: "PTS in June", q: points.LeaderboardQuery{From: june, Asset: "PTS"}},
		{name: "an asset without awards", q: points.LeaderboardQuery{Asset: "GOLD"}},
		{name: "a cap asset", q: points.LeaderboardQuery{Asset: "PTS_CAP"}},
		{name: "lower case", q: points.LeaderboardQuery{Asset: "pts"}, err: points.ErrInvalid},
		{name: "digit first", q: points.LeaderboardQuery{Asset: "1PTS"}, err: points.ErrInvalid},
		{name: "dash", q: points.LeaderboardQuery{Asset: "P-T"}, err: points.ErrInvalid},
		{name: "17 bytes", q: points.LeaderboardQuery{Asset: "ABCDEFGHIJKLMNOPQ"}, err: points.ErrInvalid},
		{name: "not an asset code, before reading", ctx: cancelled, q: points.LeaderboardQuery{Asset: "PTS "}, err: points.ErrInvalid},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := e.ctx
			if c.ctx != nil {
				ctx = c.ctx
			}
			lb, err := points.Leaderboards(ctx, e.l, c.q)
			if c.err != nil {
				require.ErrorIs(t, err, c.err)
				require.NotErrorIs(t, err, context.Canceled)
				for _, s := range c.names {
					require.ErrorContains(t, err, s)
				}
				require.Empty(t, lb.Providers)
				return
			}
			require.NoError(t, err)
			var ps, cs []string
			for _, p := range lb.Providers {
				ps = append(ps, p.Holder+" "+p.Points.String())
			}
			for _, s := range lb.Communities {
				cs = append(cs, s.Community+" "+s.Points.String())
			}
			assert.Equal(t, c.providers, ps)
			assert.Equal(t, c.communities, cs)
		})
	}
}

// TestLeaderboardAwardOfTwoAssetsH83: an award (posted outside the package) whose postings
// move two assets, neither the other's cap asset, has points no asset can be given: the
// leaderboard is ledger.ErrCorrupt, asked for either asset or none, not a guess.
func TestLeaderboardAwardOfTwoAssetsH83(t *testing.T) {
	ctx := context.Background()
	l, err := ledger.New(ctx, memstore.New())
	require.NoError(t, err)
	for _, a := range []string{"PTS", "HONOR"} {
		require.NoError(t, l.CreateAsset(ctx, ledger.Asset{Code: a, Scale: 0}))
		require.NoError(t, l.OpenAccount(ctx, ledger.Account{ID: ledger.AccountID("x:issuer:" + a), Asset: a, Unbounded: true}))
		require.NoError(t, l.OpenAccount(ctx, ledger.Account{ID: ledger.AccountID("x:holder:" + a), Asset: a}))
	}
	_, err = l.Post(ctx, ledger.Transaction{
		Postings: []ledger.Posting{
			{From: "x:issuer:PTS", To: "x:holder:PTS", Amount: dec("5"), Asset: "PTS"},
			{From: "x:issuer:HONOR", To: "x:holder:HONOR", Amount: dec("5"), Asset: "HONOR"},
		},
		Metadata: map[string]string{points.MetaKind: points.KindAward, points.MetaCommunity: "yangguang",
			points.MetaDemand: "d", points.MetaProvider: "p", points.MetaHolder: "h", points.MetaPoints: "5", points.MetaHours: "1"}})
	require.NoError(t, err)
	for _, asset := range []string{"", "PTS", "HONOR"} {
		_, err := points.Leaderboards(ctx, l, points.LeaderboardQuery{Asset: asset})
		require.ErrorIs(t, err, ledger.ErrCorrupt, "asset %q", asset)
	}
	lb, err := points.Leaderboards(ctx, l, points.LeaderboardQuery{Community: "heping"})
	require.NoError(t, err, "not selected, not read")
	require.Empty(t, lb.Providers)
}
