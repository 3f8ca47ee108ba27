package points_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/internal/sqltest"
	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/memstore"
	"github.com/tongxin/tongxin/ledger/sqlstore"
	"github.com/tongxin/tongxin/points"
)

// h74Award is an award as the model keeps it.
type h74Award struct {
	sc     *h74Scheme
	c      points.Completion
	points decimal.Decimal
	at     time.Time // the award transaction's effective time
	clawed bool
}

// h74Activity is one provider's part in one demand, as a service record lists it.
type h74Activity struct {
	award     *h74Award
	deposited bool
}

// h74Scheme is one community's points scheme and shop, and what the model expects of them.
type h74Scheme struct {
	inc     *points.Incentive
	shop    *points.Shop
	zone    *time.Location
	awards  []*h74Award
	pending []points.Redemption

	issued, recovered, redeemed, expired decimal.Decimal // points reaching, leaving holders
	// Lots: what each holder received (in time order) and everything that left the account,
	// so that what expires is what is left of the old lots once the oldest went first.
	recv               map[string][]h74Lot
	out                map[string]decimal.Decimal
	expDay             map[string]string // the period of the holder's last expiry
	debtMade, debtPaid decimal.Decimal
}

// h74Model runs a random sequence of points and time-bank operations on one ledger and
// keeps, beside it, what a report must add up to.
type h74Model struct {
	t   *testing.T
	ctx context.Context
	clk *clock
	l   *ledger.Ledger
	// yangguang's scheme (China time, points valid a month) and heping's (UTC, two months).
	schemes [2]*h74Scheme
	banks   [2]*points.TimeBank // yangguang's and heping's
	provs   []catalog.Provider
	// holders of points (every provider's holder and every team member's) and of hours.
	holders []string

	activities map[string]*h74Activity // demand/provider
	n          int

	hoursIn, hoursOut decimal.Decimal // time-bank hours reaching, leaving members
	closed            bool            // the banks' withdraw policy refuses everyone
	owes              decimal.Decimal // hours heping owes yangguang (通存通兑)
}

var h74Zone = time.FixedZone("cst", 8*3600)

type h74Lot struct {
	at     time.Time
	amount decimal.Decimal
}

// moved notes a transaction's postings into or out of holders' points accounts.
func (m *h74Model) moved(sc *h74Scheme, tx ledger.Transaction) {
	for _, h := range m.holders {
		acct := sc.inc.HolderAccount(h)
		for _, p := range tx.Postings {
			if p.To == acct {
				sc.recv[h] = append(sc.recv[h], h74Lot{tx.EffectiveAt, p.Amount})
			}
			if p.From == acct {
				sc.out[h] = sc.out[h].Add(p.Amount)
			}
		}
	}
}

// expiryDue is what Expire as of asOf should take from each holder: what is left of the lots
// received at or before the cutoff (the same day ValidityMonths earlier in the scheme's zone,
// or that month's last day), once what left the account and what is held for redemptions
// took the oldest first; nothing from a holder expired in the same period already.
func (m *h74Model) expiryDue(sc *h74Scheme, asOf time.Time) (map[string]decimal.Decimal, string) {
	months := sc.inc.Scheme().ValidityMonths
	local := asOf.In(sc.zone)
	period := local.Format("20060102")
	first := time.Date(local.Year(), local.Month()-time.Month(months), 1, local.Hour(), local.Minute(), local.Second(), local.Nanosecond(), sc.zone)
	last := first.AddDate(0, 1, -1).Day()
	cutoff := first.AddDate(0, 0, min(local.Day(), last)-1)
	held := map[string]decimal.Decimal{}
	for _, r := range sc.pending {
		held[r.Holder] = held[r.Holder].Add(r.Points)
	}
	due := map[string]decimal.Decimal{}
	for _, h := range m.holders {
		if sc.expDay[h] == period {
			continue
		}
		old := decimal.Zero
		for _, l := range sc.recv[h] {
			if !l.at.After(cutoff) {
				old = old.Add(l.amount)
			}
		}
		if v := old.Sub(sc.out[h]).Sub(held[h]); v.IsPositive() {
			due[h] = v
		}
	}
	return due, period
}

// expired applies to the model an expiry run's report, checking it against what was due.
func (m *h74Model) expired(sc *h74Scheme, asOf time.Time, due map[string]decimal.Decimal, period string, rep points.ExpiryReport) {
	done := 0 // holders an expiry of this period covers already
	for _, h := range m.holders {
		if sc.expDay[h] == period {
			done++
		}
	}
	require.Equal(m.t, done, rep.AlreadyDone, "%s as of %s", sc.inc.Scheme().Community, asOf)
	total := decimal.Zero
	for h, v := range due {
		total = total.Add(v)
		sc.out[h] = sc.out[h].Add(v)
		sc.expDay[h] = period
	}
	require.Equal(m.t, period, rep.Period)
	require.True(m.t, total.Equal(rep.Points), "%s expired %s as of %s, want %s (%v)", sc.inc.Scheme().Community, rep.Points, asOf, total, due)
	require.Equal(m.t, len(due), rep.Accounts)
	sc.expired = sc.expired.Add(rep.Points)
}

func newH74Model(t *testing.T, store ledger.Store) *h74Model {
	ctx := context.Background()
	clk := newClock()
	l, err := ledger.New(ctx, store, ledger.WithClock(clk.Now))
	require.NoError(t, err)
	m := &h74Model{t: t, ctx: ctx, clk: clk, l: l, activities: map[string]*h74Activity{},
		hoursIn: decimal.Zero, hoursOut: decimal.Zero, owes: decimal.Zero}
	utc := 0
	for i, c := range []string{"yangguang", "heping"} {
		s := testScheme()
		s.Community = c
		s.DailyCap, s.MonthlyCap = dec("60"), dec("150")
		s.ValidityMonths = 1 + i
		s.Team = points.TeamToMembers
		zone := h74Zone
		if i == 1 {
			s.UTCOffsetMinutes, zone = &utc, time.UTC
		}
		inc, err := points.New(ctx, l, s)
		require.NoError(t, err)
		shop, err := points.NewShop(ctx, inc)
		require.NoError(t, err)
		require.NoError(t, shop.AddItem(ctx, points.Item{SKU: "rice", Name: "大米", Price: dec("7.5")}))
		require.NoError(t, shop.Restock(ctx, "rice", 100000, "init"))
		m.schemes[i] = &h74Scheme{inc: inc, shop: shop, zone: zone,
			recv: map[string][]h74Lot{}, out: map[string]decimal.Decimal{}, expDay: map[string]string{},
			issued: decimal.Zero, recovered: decimal.Zero, redeemed: decimal.Zero, expired: decimal.Zero,
			debtMade: decimal.Zero, debtPaid: decimal.Zero}
		m.banks[i], err = points.NewTimeBank(ctx, l, points.TimeBankConfig{
			Community: c, StorageCap: dec("20"), GiftMax: dec("4"), GiftYearMax: dec("10"), Now: clk.Now,
			Policy: points.WithdrawPolicyFunc(func(context.Context, points.Withdrawal) error {
				if m.closed {
					return errors.New("withdrawals closed")
				}
				return nil
			}),
		})
		require.NoError(t, err)
	}
	for _, p := range []string{"a", "b", "c"} {
		m.provs = append(m.provs, volunteerOf(p))
	}
	team := catalog.Provider{ID: uuid.New(), Kind: catalog.Team, Name: "理发队",
		Members: []catalog.Member{{PersonID: "a", Name: "a"}, {PersonID: "d", Name: "d"}}}
	m.provs = append(m.provs, team)
	for _, p := range []string{"a", "b", "c", "d"} {
		m.holders = append(m.holders, points.PersonHolder(p))
	}
	// The team's hours are its own (a deposit goes to the provider's holder).
	m.holders = append(m.holders, points.ProviderHolder(team))
	return m
}

func (m *h74Model) step(rng *rand.Rand) {
	t, ctx := m.t, m.ctx
	sc := m.schemes[rng.IntN(2)]
	switch k := rng.IntN(100); {
	case k < 30: // an award, sometimes asked twice, sometimes deposited in the time bank too
		p := rng.IntN(len(m.provs))
		m.n++
		c := h61Completion(m.provs[p], fmt.Sprintf("req-%d", m.n), fmt.Sprint(1+rng.IntN(6)), m.clk.Now())
		r, err := sc.inc.Award(ctx, c)
		if errors.Is(err, points.ErrOverCap) {
			return
		}
		require.NoError(t, err)
		require.False(t, r.Transaction.Replayed)
		a := &h74Award{sc: sc, c: c, points: r.Points, at: r.Transaction.EffectiveAt}
		sc.awards = append(sc.awards, a)
		m.activities[c.Demand.ID.String()+"/"+c.Provider.ID.String()] = &h74Activity{award: a}
		sc.issued = sc.issued.Add(r.Points).Sub(r.DebtPaid)
		m.moved(sc, r.Transaction)
		sc.debtPaid = sc.debtPaid.Add(r.DebtPaid)
		if rng.IntN(4) == 0 {
			again, err := sc.inc.Award(ctx, c)
			require.NoError(t, err)
			require.True(t, again.Transaction.Replayed, "replay of %s (debt paid %s, %s)", a.c.Provider.Name, r.DebtPaid, again.DebtPaid)
			require.Equal(t, r.Transaction.ID, again.Transaction.ID)
			require.True(t, r.Points.Equal(again.Points))
		}
		if rng.IntN(8) == 0 {
			other := m.schemes[0]
			if other == sc {
				other = m.schemes[1]
			}
			_, err := other.inc.Award(ctx, c)
			require.ErrorIs(t, err, points.ErrNotAwarded)
		}
		if rng.IntN(2) == 0 {
			d, err := m.banks[0].Deposit(ctx, c)
			require.NoError(t, err)
			m.hoursIn = m.hoursIn.Add(d.Hours).Sub(d.Donated)
			m.activities[c.Demand.ID.String()+"/"+c.Provider.ID.String()].deposited = true
		}
	case k < 38: // a deposit alone
		p := rng.IntN(len(m.provs))
		m.n++
		c := h61Completion(m.provs[p], fmt.Sprintf("req-%d", m.n), fmt.Sprint(1+rng.IntN(3)), m.clk.Now())
		d, err := m.banks[rng.IntN(2)].Deposit(ctx, c)
		require.NoError(t, err)
		m.hoursIn = m.hoursIn.Add(d.Hours).Sub(d.Donated)
		m.activities[c.Demand.ID.String()+"/"+c.Provider.ID.String()] = &h74Activity{deposited: true}
	case k < 45: // a clawback
		if len(sc.awards) == 0 {
			return
		}
		a := sc.awards[rng.IntN(len(sc.awards))]
		res, err := sc.inc.Clawback(ctx, a.c.Demand.ID, a.c.Provider, "虚报")
		require.NoError(t, err)
		require.Equal(t, a.clawed, res.AlreadyDone)
		if !res.AlreadyDone {
			require.True(t, res.Recovered.Add(res.Debt).Equal(a.points), "recovered %s + debt %s vs %s", res.Recovered, res.Debt, a.points)
			a.clawed = true
			sc.recovered = sc.recovered.Add(res.Recovered)
			m.moved(sc, res.Transaction)
			sc.debtMade = sc.debtMade.Add(res.Debt)
		}
	case k < 60: // a redemption
		m.n++
		h := m.holders[rng.IntN(len(m.holders))]
		r, err := sc.shop.Redeem(ctx, fmt.Sprintf("o-%d", m.n), h, "rice", int64(1+rng.IntN(3)))
		if errors.Is(err, points.ErrInsufficientPoints) {
			return
		}
		require.NoError(t, err)
		sc.pending = append(sc.pending, r)
		if rng.IntN(4) == 0 {
			// A retry, sometimes after the price changed: the same redemption, at its price.
			if rng.IntN(2) == 0 {
				it, _ := sc.shop.Item("rice")
				it.Price = it.Price.Add(dec("0.5"))
				require.NoError(t, sc.shop.AddItem(ctx, it))
			}
			again, err := sc.shop.Redeem(ctx, r.Key, r.Holder, r.SKU, r.Quantity)
			require.NoError(t, err)
			require.True(t, r.Points.Equal(again.Points), "%s reserved, the retry says %s", r.Points, again.Points)
			again.Points = r.Points
			require.Equal(t, r, again)
		}
	case k < 70: // a redemption fulfilled or cancelled
		if len(sc.pending) == 0 {
			return
		}
		i := rng.IntN(len(sc.pending))
		r := sc.pending[i]
		sc.pending = append(sc.pending[:i], sc.pending[i+1:]...)
		if rng.IntN(3) > 0 {
			require.NoError(t, sc.shop.Fulfil(ctx, r))
			sc.redeemed = sc.redeemed.Add(r.Points)
			sc.out[r.Holder] = sc.out[r.Holder].Add(r.Points)
		} else {
			require.NoError(t, sc.shop.Cancel(ctx, r))
		}
	case k < 73: // expiry of one scheme, now
		asOf := m.clk.Now()
		due, period := m.expiryDue(sc, asOf)
		rep, err := sc.inc.Expire(ctx, asOf)
		require.NoError(t, err)
		m.expired(sc, asOf, due, period, rep)
	case k < 76: // expiry of both in one run, in either order
		asOf := m.clk.Now()
		order := []*h74Scheme{m.schemes[0], m.schemes[1]}
		if rng.IntN(2) == 0 {
			order[0], order[1] = order[1], order[0]
		}
		dues := make([]map[string]decimal.Decimal, 2)
		periods := make([]string, 2)
		for i, s := range order {
			dues[i], periods[i] = m.expiryDue(s, asOf)
		}
		reps, err := points.ExpireAll(ctx, asOf, order[0].inc, order[1].inc)
		require.NoError(t, err)
		require.Len(t, reps, 2)
		for i, s := range order {
			m.expired(s, asOf, dues[i], periods[i], reps[i])
		}
	case k < 86: // time goes by: days, or to the last instant of a month or its first, in China or in UTC
		switch rng.IntN(3) {
		case 0:
			m.clk.Advance(time.Duration(1+rng.IntN(12)) * 24 * time.Hour)
		default:
			now := m.clk.Now().In(sc.zone)
			next := time.Date(now.Year(), now.Month()+1, 1, 0, 0, 0, 0, sc.zone)
			if rng.IntN(2) == 0 {
				next = next.Add(-time.Microsecond)
			}
			m.clk.Advance(next.Sub(m.clk.Now()))
		}
	case k < 93: // a withdrawal
		m.n++
		h := m.holders[rng.IntN(len(m.holders))]
		hours := decimal.NewFromInt(int64(1 + rng.IntN(3)))
		b, served := rng.IntN(2), rng.IntN(2)
		w := points.Withdrawal{Member: points.Member{Holder: h, Age: 70}, Hours: hours, DemandID: uuid.New(), ServedBy: m.banks[served]}
		r, err := m.banks[b].Withdraw(ctx, w)
		if errors.Is(err, points.ErrInsufficientPoints) {
			return
		}
		require.NoError(t, err)
		m.hoursOut = m.hoursOut.Add(r.Hours)
		if rng.IntN(4) == 0 {
			// A retry once the policy would refuse: the same withdrawal, replayed.
			m.closed = true
			again, err := m.banks[b].Withdraw(ctx, w)
			m.closed = false
			require.NoError(t, err)
			require.True(t, again.Replayed)
			require.Equal(t, r.Transaction.ID, again.Transaction.ID)
		}
		switch {
		case b == 1 && served == 0:
			m.owes = m.owes.Add(hours)
		case b == 0 && served == 1:
			m.owes = m.owes.Sub(hours)
		}
	default: // a gift
		m.n++
		i := rng.IntN(len(m.holders))
		j := (i + 1 + rng.IntN(len(m.holders)-1)) % len(m.holders)
		r, err := m.banks[rng.IntN(2)].Gift(ctx, points.Gift{Key: fmt.Sprintf("g-%d", m.n), From: m.holders[i], To: m.holders[j],
			Hours: decimal.NewFromInt(int64(1 + rng.IntN(3))), Relationship: "spouse"})
		if errors.Is(err, points.ErrInsufficientPoints) || errors.Is(err, points.ErrOverCap) {
			return
		}
		require.NoError(t, err)
		m.hoursOut = m.hoursOut.Add(r.Donated)
	}
}

// check compares the ledger's balances and the package's reports with the model.
func (m *h74Model) check() {
	t, ctx := m.t, m.ctx
	require.NoError(t, m.l.Verify(ctx))
	for _, sc := range m.schemes {
		balances, avail, debts := decimal.Zero, decimal.Zero, decimal.Zero
		for _, h := range m.holders {
			b, err := sc.inc.Balance(ctx, h)
			require.NoError(t, err)
			balances = balances.Add(b)
			a, err := m.l.Available(ctx, sc.inc.HolderAccount(h))
			if err == nil {
				avail = avail.Add(a)
			}
			d, err := sc.inc.Debt(ctx, h)
			require.NoError(t, err)
			debts = debts.Add(d)
		}
		name := sc.inc.Scheme().Community
		want := sc.issued.Sub(sc.recovered).Sub(sc.redeemed).Sub(sc.expired)
		require.True(t, want.Equal(balances), "%s: issued %s - clawed back %s - redeemed %s - expired %s = %s, holders have %s",
			name, sc.issued, sc.recovered, sc.redeemed, sc.expired, want, balances)
		held := decimal.Zero
		for _, r := range sc.pending {
			held = held.Add(r.Points)
		}
		require.True(t, balances.Sub(held).Equal(avail), "%s: available %s, balances %s held %s", name, avail, balances, held)
		require.True(t, sc.debtMade.Sub(sc.debtPaid).Equal(debts), "%s: debt made %s paid %s, owed %s", name, sc.debtMade, sc.debtPaid, debts)
	}
	hours := decimal.Zero
	for _, h := range m.holders {
		for _, tb := range m.banks {
			hs, err := tb.Hours(ctx, h)
			require.NoError(t, err)
			hours = hours.Add(hs)
			m.checkStatement(tb, h, hs)
		}
	}
	require.True(t, m.hoursIn.Sub(m.hoursOut).Equal(hours), "hours in %s out %s, held %s", m.hoursIn, m.hoursOut, hours)
	nets, err := points.Settlement(ctx, m.banks[:])
	require.NoError(t, err)
	if m.owes.IsZero() {
		require.Empty(t, nets)
	} else {
		require.Len(t, nets, 1)
		require.Equal(t, "heping", nets[0].A)
		require.True(t, m.owes.Equal(nets[0].Hours), "heping owes yangguang %s, settlement says %s", m.owes, nets[0].Hours)
	}
	m.checkLeaderboards()
	m.checkServiceRecords()
}

// checkStatement reads a member's whole statement: its changes add up to the hours held and
// each line's balance follows from the one before.
func (m *h74Model) checkStatement(tb *points.TimeBank, h string, hours decimal.Decimal) {
	run, cursor := decimal.Zero, ""
	for {
		page, err := tb.Statement(m.ctx, h, cursor, 7)
		if errors.Is(err, ledger.ErrUnknownAccount) {
			require.True(m.t, hours.IsZero())
			return
		}
		require.NoError(m.t, err)
		for _, e := range page.Entries {
			run = run.Add(e.Change)
			require.True(m.t, run.Equal(e.Balance), "statement of %s: %s after the changes, line says %s", h, run, e.Balance)
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	require.True(m.t, run.Equal(hours), "statement of %s ends at %s, holds %s", h, run, hours)
}

// checkLeaderboards compares the leaderboard of every month the run covered (in China time,
// months running from midnight of the first), and of all time, of each community and of both,
// with the awards not clawed back.
func (m *h74Model) checkLeaderboards() {
	start := newClock().Now().In(h74Zone)
	from := time.Date(start.Year(), start.Month(), 1, 0, 0, 0, 0, h74Zone)
	end := m.clk.Now()
	windows := [][2]time.Time{{{}, {}}}
	for f := from; !f.After(end); f = f.AddDate(0, 1, 0) {
		windows = append(windows, [2]time.Time{f, f.AddDate(0, 1, 0)})
	}
	for _, community := range []string{"", "yangguang", "heping"} {
		for _, w := range windows {
			lb, err := points.Leaderboards(m.ctx, m.l, points.LeaderboardQuery{From: w[0], To: w[1], Community: community})
			require.NoError(m.t, err)
			want := map[string]decimal.Decimal{}
			count := map[string]int{}
			totals := map[string]decimal.Decimal{}
			for _, sc := range m.schemes {
				c := sc.inc.Scheme().Community
				if community != "" && c != community {
					continue
				}
				for _, a := range sc.awards {
					if a.clawed || a.at.Before(w[0]) || (!w[1].IsZero() && !a.at.Before(w[1])) {
						continue
					}
					id := c + "/" + a.c.Provider.ID.String()
					want[id] = want[id].Add(a.points)
					count[id]++
					totals[c] = totals[c].Add(a.points)
				}
			}
			require.Len(m.t, lb.Providers, len(want), "providers of %q in %v", community, w)
			for _, s := range lb.Providers {
				id := s.Community + "/" + s.ProviderID
				require.True(m.t, want[id].Equal(s.Points), "%s in %v: %s, want %s", id, w, s.Points, want[id])
				require.Equal(m.t, count[id], s.Activities)
			}
			require.Len(m.t, lb.Communities, len(totals))
			for _, c := range lb.Communities {
				require.True(m.t, totals[c.Community].Equal(c.Points), "%s in %v: %s, want %s", c.Community, w, c.Points, totals[c.Community])
			}
		}
	}
}

func (m *h74Model) checkServiceRecords() {
	for _, p := range m.provs {
		rec, err := points.ServiceRecordOf(m.ctx, m.l, p.ID)
		require.NoError(m.t, err)
		pts, n := decimal.Zero, 0
		for key, a := range m.activities {
			if key[len(key)-36:] != p.ID.String() || (a.award != nil && a.award.clawed) {
				continue
			}
			n++
			if a.award != nil {
				pts = pts.Add(a.award.points)
			}
		}
		require.Equal(m.t, n, rec.Count, "activities of %s", p.Name)
		require.True(m.t, pts.Equal(rec.Points), "points of %s: %s, want %s", p.Name, rec.Points, pts)
	}
}

func runH74Model(t *testing.T, store ledger.Store, seed uint64, steps int) {
	t.Logf("seed %d", seed)
	m := newH74Model(t, store)
	rng := rand.New(rand.NewPCG(seed, 74))
	for i := 0; i < steps; i++ {
		m.step(rng)
		if i%50 == 49 {
			m.check()
		}
	}
	m.check()
	for _, sc := range m.schemes {
		t.Logf("%s: %d awards, points issued %s, clawed back %s, redeemed %s, expired %s, debt %s (paid %s)", sc.inc.Scheme().Community,
			len(sc.awards), sc.issued, sc.recovered, sc.redeemed, sc.expired, sc.debtMade, sc.debtPaid)
	}
	t.Logf("hours in %s out %s, heping owes %s h, until %s", m.hoursIn, m.hoursOut, m.owes, m.clk.Now().Format(time.DateOnly))
}

// TestH74ModelMemstore runs random sequences of awards, clawbacks, redemptions, expiry,
// time passing over month ends, deposits, withdrawals and gifts, and checks that points issued
// − clawed back − redeemed − expired equal the holders' balances (and debts, available points
// and hours likewise), that statements add up, and that leaderboards by month and service
// records count exactly the awards not clawed back.
func TestH74ModelMemstore(t *testing.T) {
	for seed := uint64(1); seed <= 8; seed++ {
		runH74Model(t, memstore.New(), seed, 400)
	}
}

// TestH74ModelSQLite is TestH74ModelMemstore on a SQLite file.
func TestH74ModelSQLite(t *testing.T) {
	if testing.Short() {
		t.Skip("model on SQLite")
	}
	st, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "model.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	runH74Model(t, st, 11, 300)
}

// TestH74ModelPostgres is TestH74ModelMemstore on PostgreSQL (TONGXIN_POSTGRES_DSN).
func TestH74ModelPostgres(t *testing.T) {
	dsn := sqltest.FreshSchema(t)
	st, err := sqlstore.OpenPostgres(context.Background(), dsn, sqlstore.WithMaxConns(4))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	runH74Model(t, st, 12, 300)
}
