package points_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/memstore"
	"github.com/tongxin/tongxin/points"
)

const schemeJSON = `{
  "community": "yangguang",
  "asset": "PTS", "scale": 2,
  "base": [{"points": "10"}, {"category": "haircut", "kind": "微心愿", "points": "20"}],
  "points_per_hour": "5",
  "multipliers": {"urgent": "2", "priority": "1.5", "big_item": "3"},
  "hours_per_activity_max": "8",
  "daily_cap": "100", "monthly_cap": "300",
  "split": "equal", "team": "members",
  "validity_months": 36,
  "utc_offset_minutes": 480,
  "accounts": {"issuer": "street:xingfu:{community}:issuer:{asset}"}
}`

func TestParseScheme(t *testing.T) {
	s, err := points.ParseScheme([]byte(schemeJSON))
	require.NoError(t, err)
	assert.Equal(t, "yangguang", s.Community)
	assert.Equal(t, points.SplitEqually, s.Split)
	ctx := context.Background()
	l, err := ledger.New(ctx, memstore.New())
	require.NoError(t, err)
	inc, err := points.New(ctx, l, s)
	require.NoError(t, err)
	assert.Equal(t, ledger.AccountID("street:xingfu:yangguang:issuer:PTS"), inc.IssuerAccount())
	assert.Equal(t, "wish", inc.Scheme().Base[1].Kind, "kinds are kept as English codes")
	// The normalized scheme round-trips through JSON.
	data, err := json.Marshal(inc.Scheme())
	require.NoError(t, err)
	again, err := points.ParseScheme(data)
	require.NoError(t, err)
	assert.Equal(t, inc.Scheme().Accounts, again.Accounts)
	_, err = points.New(ctx, l, s)
	require.NoError(t, err, "the same scheme again")
}

// TestSchemeInvalid lists every validation rule with a scheme that breaks it.
func TestSchemeInvalid(t *testing.T) {
	off := 15 * 60
	cases := []struct {
		name string
		edit func(*points.Scheme)
	}{
		{"empty community", func(s *points.Scheme) { s.Community = "" }},
		{"community with colon", func(s *points.Scheme) { s.Community = "a:b" }},
		{"bad asset", func(s *points.Scheme) { s.Asset = "pts" }},
		// Two such codes once shared one cap asset ("VOLUNTEERPTS_CAP"), so the awards of one
		// scheme counted against the other's caps.
		{"asset too long for its cap asset", func(s *points.Scheme) { s.Asset = "VOLUNTEERPTS1" }},
		{"asset named like a cap asset", func(s *points.Scheme) { s.Asset = "PTS_CAP" }},
		{"scale", func(s *points.Scheme) { s.Scale = 10 }},
		{"negative base", func(s *points.Scheme) { s.Base = []points.BaseRule{{Points: dec("-1")}} }},
		{"base beyond scale", func(s *points.Scheme) { s.Base = []points.BaseRule{{Points: dec("0.001")}} }},
		{"base too large", func(s *points.Scheme) { s.Base = []points.BaseRule{{Points: dec("1000001")}} }},
		{"bad category", func(s *points.Scheme) { s.Base = []points.BaseRule{{Category: "Hair Cut", Points: dec("1")}} }},
		{"bad kind", func(s *points.Scheme) { s.Base = []points.BaseRule{{Kind: "party", Points: dec("1")}} }},
		{"duplicate rule", func(s *points.Scheme) {
			s.Base = []points.BaseRule{{Kind: "wish", Points: dec("1")}, {Kind: "微心愿", Points: dec("2")}}
		}},
		{"too many rules", func(s *points.Scheme) { s.Base = make([]points.BaseRule, points.BaseRulesMax+1) }},
		{"negative per hour", func(s *points.Scheme) { s.PointsPerHour = dec("-5") }},
		{"multiplier too large", func(s *points.Scheme) { s.Multipliers.Urgent = dec("11") }},
		{"negative multiplier", func(s *points.Scheme) { s.Multipliers.BigItem = dec("-1") }},
		{"hours max", func(s *points.Scheme) { s.HoursPerActivityMax = dec("241") }},
		{"daily cap", func(s *points.Scheme) { s.DailyCap = dec("-1") }},
		{"monthly cap", func(s *points.Scheme) { s.MonthlyCap = dec("0.001") }},
		{"split", func(s *points.Scheme) { s.Split = "random" }},
		{"team", func(s *points.Scheme) { s.Team = "leader" }},
		{"validity", func(s *points.Scheme) { s.ValidityMonths = -1 }},
		{"offset", func(s *points.Scheme) { s.UTCOffsetMinutes = &off }},
		{"template partial placeholder", func(s *points.Scheme) { s.Accounts.Shop = "shop-{community}" }},
		{"template without holder", func(s *points.Scheme) { s.Accounts.Holder = "community:{community}:member" }},
		{"template same as another", func(s *points.Scheme) { s.Accounts.Shop = s.Accounts.Expiry + "x"; s.Accounts.Expiry = s.Accounts.Shop }},
		{"template bad id", func(s *points.Scheme) { s.Accounts.Issuer = "a::b" }},
		// A holder called "shop" would own the shop's account (and "issuer" the issuer's).
		{"holder template can name the shop account", func(s *points.Scheme) { s.Accounts.Holder = "community:{community}:{holder}:{asset}" }},
		// An item with SKU "PTS" would be counted in the shop's points account.
		{"stock template can name the shop account", func(s *points.Scheme) { s.Accounts.Stock = "community:{community}:shop:{holder}" }},
		{"shop template a holder's account", func(s *points.Scheme) { s.Accounts.Shop = "community:{community}:member:shop:{asset}" }},
		{"debt and holder templates overlap", func(s *points.Scheme) { s.Accounts.Debt = "community:{community}:{holder}:debt:{asset}" }},
		{"quota template a holder's account", func(s *points.Scheme) {
			s.Accounts.Quota = "community:{community}:member:{holder}:{period}"
			s.Accounts.Holder = "community:{community}:member:{holder}:PTS_CAP"
		}},
		{"literal community", func(s *points.Scheme) { s.Accounts.Shop = "community:yangguang:member:x:{asset}" }},
	}
	ctx := context.Background()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := testScheme()
			s.Accounts.Expiry = "community:{community}:expired:{asset}"
			tc.edit(&s)
			require.ErrorIs(t, s.Validate(), points.ErrInvalidScheme)
			l, err := ledger.New(ctx, memstore.New())
			require.NoError(t, err)
			_, err = points.New(ctx, l, s)
			require.ErrorIs(t, err, points.ErrInvalidScheme)
			h, err := l.Head(ctx)
			require.NoError(t, err)
			assert.Zero(t, h.Seq)
			_, err = l.Balance(ctx, "community:yangguang:issuer:PTS")
			require.ErrorIs(t, err, ledger.ErrUnknownAccount, "nothing opened")
		})
	}
	for _, bad := range []string{``, `{`, `{"community":"a"} {}`, `{"community":"a","unknown":1}`, `{"community":"a","split":"x"}`, `[]`} {
		_, err := points.ParseScheme([]byte(bad))
		require.ErrorIs(t, err, points.ErrInvalidScheme, bad)
	}
	_, err := points.ParseScheme([]byte(`{"community":"` + strings.Repeat("a", points.SchemeBytesMax) + `"}`))
	require.ErrorIs(t, err, points.ErrInvalidScheme)

	// An asset that exists with another scale.
	l, err := ledger.New(ctx, memstore.New())
	require.NoError(t, err)
	require.NoError(t, l.CreateAsset(ctx, ledger.Asset{Code: "PTS", Scale: 0}))
	_, err = points.New(ctx, l, testScheme())
	require.ErrorIs(t, err, points.ErrInvalidScheme)
	_, err = points.New(ctx, nil, testScheme())
	require.ErrorIs(t, err, points.ErrInvalidScheme)
}

// FuzzParseScheme: any input either parses to a scheme that validates, renders valid account
// ids and prices a completion without panicking, or is refused with ErrInvalidScheme.
func FuzzParseScheme(f *testing.F) {
	f.Add([]byte(schemeJSON))
	f.Add([]byte(`{"community":"c01"}`))
	f.Add([]byte(`{"community":"c01","base":[{"kind":"project","points":"1e3"}],"multipliers":{"urgent":"9.9999"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := points.ParseScheme(data)
		if err != nil {
			require.ErrorIs(t, err, points.ErrInvalidScheme)
			return
		}
		require.NoError(t, s.Validate())
		ctx := context.Background()
		l, err := ledger.New(ctx, memstore.New())
		require.NoError(t, err)
		inc, err := points.New(ctx, l, s)
		if err != nil {
			require.ErrorIs(t, err, points.ErrInvalidScheme)
			return
		}
		require.NoError(t, inc.HolderAccount("p-x").Validate())
		require.NoError(t, inc.DebtAccount("p-x").Validate())
		_, _, err = inc.Quote(points.Completion{})
		require.ErrorIs(t, err, points.ErrNotAudited)
	})
}
