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
	c      points.Completion
	prov   int
	points decimal.Decimal
	at     time.Time // the award transaction's effective time
	clawed bool
}

// h74Activity is one provider's part in one demand, as a service record lists it.
type h74Activity struct {
	award     *h74Award
	deposited bool
}

// h74Model runs a random sequence of points and time-bank operations on one ledger and
// keeps, beside it, what a report must add up to.
type h74Model struct {
	t     *testing.T
	ctx   context.Context
	clk   *clock
	l     *ledger.Ledger
	inc   *points.Incentive
	shop  *points.Shop
	banks [2]*points.TimeBank // yangguang's (this scheme's community) and heping's
	provs []catalog.Provider
	// holders of points (every provider's holder and every team member's) and of hours.
	holders []string

	awards     []*h74Award
	activities map[string]*h74Activity // demand/provider
	pending    []points.Redemption
	n          int

	issued, recovered, redeemed, expired decimal.Decimal // points reaching, leaving holders
	// Lots: what each holder received (in time order) and everything that left the account,
	// so that what expires is what is left of the old lots once the oldest went first.
	recv               map[string][]h74Lot
	out                map[string]decimal.Decimal
	expDay             map[string]string // the period of the holder's last expiry
	debtMade, debtPaid decimal.Decimal
	hoursIn, hoursOut  decimal.Decimal // time-bank hours reaching, leaving members
	owes               decimal.Decimal // hours heping owes yangguang (通存通兑)
}

var h74Zone = time.FixedZone("cst", 8*3600)

type h74Lot struct {
	at     time.Time
	amount decimal.Decimal
}

// moved notes a transaction's postings into or out of holders' points accounts.
func (m *h74Model) moved(tx ledger.Transaction) {
	for _, h := range m.holders {
		acct := m.inc.HolderAccount(h)
		for _, p := range tx.Postings {
			if p.To == acct {
				m.recv[h] = append(m.recv[h], h74Lot{tx.EffectiveAt, p.Amount})
			}
			if p.From == acct {
				m.out[h] = m.out[h].Add(p.Amount)
			}
		}
	}
}

// expiryDue is what Expire as of asOf should take from each holder: what is left of the lots
// received at or before the cutoff (the same day ValidityMonths earlier, or that month's last
// day), once what left the account and what is held for redemptions took the oldest first;
// nothing from a holder expired in the same period already.
func (m *h74Model) expiryDue(asOf time.Time, months int) (map[string]decimal.Decimal, string) {
	local := asOf.In(h74Zone)
	period := local.Format("20060102")
	first := time.Date(local.Year(), local.Month()-time.Month(months), 1, local.Hour(), local.Minute(), local.Second(), local.Nanosecond(), h74Zone)
	last := first.AddDate(0, 1, -1).Day()
	cutoff := first.AddDate(0, 0, min(local.Day(), last)-1)
	held := map[string]decimal.Decimal{}
	for _, r := range m.pending {
		held[r.Holder] = held[r.Holder].Add(r.Points)
	}
	due := map[string]decimal.Decimal{}
	for _, h := range m.holders {
		if m.expDay[h] == period {
			continue
		}
		old := decimal.Zero
		for _, l := range m.recv[h] {
			if !l.at.After(cutoff) {
				old = old.Add(l.amount)
			}
		}
		if v := old.Sub(m.out[h]).Sub(held[h]); v.IsPositive() {
			due[h] = v
		}
	}
	return due, period
}

func newH74Model(t *testing.T, store ledger.Store) *h74Model {
	ctx := context.Background()
	clk := newClock()
	l, err := ledger.New(ctx, store, ledger.WithClock(clk.Now))
	require.NoError(t, err)
	s := testScheme()
	s.DailyCap, s.MonthlyCap = dec("60"), dec("150")
	s.ValidityMonths = 1
	s.Team = points.TeamToMembers
	inc, err := points.New(ctx, l, s)
	require.NoError(t, err)
	shop, err := points.NewShop(ctx, inc)
	require.NoError(t, err)
	require.NoError(t, shop.AddItem(ctx, points.Item{SKU: "rice", Name: "大米", Price: dec("7.5")}))
	require.NoError(t, shop.Restock(ctx, "rice", 100000, "init"))
	var banks [2]*points.TimeBank
	for i, c := range []string{"yangguang", "heping"} {
		banks[i], err = points.NewTimeBank(ctx, l, points.TimeBankConfig{
			Community: c, StorageCap: dec("20"), GiftMax: dec("4"), GiftYearMax: dec("10"), Now: clk.Now,
		})
		require.NoError(t, err)
	}
	m := &h74Model{t: t, ctx: ctx, clk: clk, l: l, inc: inc, shop: shop, banks: banks, activities: map[string]*h74Activity{},
		recv: map[string][]h74Lot{}, out: map[string]decimal.Decimal{}, expDay: map[string]string{},
		issued: decimal.Zero, recovered: decimal.Zero, redeemed: decimal.Zero, expired: decimal.Zero,
		debtMade: decimal.Zero, debtPaid: decimal.Zero, hoursIn: decimal.Zero, hoursOut: decimal.Zero, owes: decimal.Zero}
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
	switch k := rng.IntN(100); {
	case k < 30: // an award, sometimes asked twice, sometimes deposited in the time bank too
		p := rng.IntN(len(m.provs))
		m.n++
		c := h61Completion(m.provs[p], fmt.Sprintf("req-%d", m.n), fmt.Sprint(1+rng.IntN(6)), m.clk.Now())
		r, err := m.inc.Award(ctx, c)
		if errors.Is(err, points.ErrOverCap) {
			return
		}
		require.NoError(t, err)
		require.False(t, r.Transaction.Replayed)
		a := &h74Award{c: c, prov: p, points: r.Points, at: r.Transaction.EffectiveAt}
		m.awards = append(m.awards, a)
		m.activities[c.Demand.ID.String()+"/"+c.Provider.ID.String()] = &h74Activity{award: a}
		m.issued = m.issued.Add(r.Points).Sub(r.DebtPaid)
		m.moved(r.Transaction)
		m.debtPaid = m.debtPaid.Add(r.DebtPaid)
		if rng.IntN(4) == 0 {
			again, err := m.inc.Award(ctx, c)
			require.NoError(t, err)
			require.True(t, again.Transaction.Replayed, "replay of %s (debt paid %s, %s)", a.c.Provider.Name, r.DebtPaid, again.DebtPaid)
			require.Equal(t, r.Transaction.ID, again.Transaction.ID)
			require.True(t, r.Points.Equal(again.Points))
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
		if len(m.awards) == 0 {
			return
		}
		a := m.awards[rng.IntN(len(m.awards))]
		res, err := m.inc.Clawback(ctx, a.c.Demand.ID, a.c.Provider, "虚报")
		require.NoError(t, err)
		require.Equal(t, a.clawed, res.AlreadyDone)
		if !res.AlreadyDone {
			require.True(t, res.Recovered.Add(res.Debt).Equal(a.points), "recovered %s + debt %s vs %s", res.Recovered, res.Debt, a.points)
			a.clawed = true
			m.recovered = m.recovered.Add(res.Recovered)
			m.moved(res.Transaction)
			m.debtMade = m.debtMade.Add(res.Debt)
		}
	case k < 60: // a redemption
		m.n++
		h := m.holders[rng.IntN(len(m.holders))]
		r, err := m.shop.Redeem(ctx, fmt.Sprintf("o-%d", m.n), h, "rice", int64(1+rng.IntN(3)))
		if errors.Is(err, points.ErrInsufficientPoints) {
			return
		}
		require.NoError(t, err)
		m.pending = append(m.pending, r)
	case k < 70: // a redemption fulfilled or cancelled
		if len(m.pending) == 0 {
			return
		}
		i := rng.IntN(len(m.pending))
		r := m.pending[i]
		m.pending = append(m.pending[:i], m.pending[i+1:]...)
		if rng.IntN(3) > 0 {
			require.NoError(t, m.shop.Fulfil(ctx, r))
			m.redeemed = m.redeemed.Add(r.Points)
			m.out[r.Holder] = m.out[r.Holder].Add(r.Points)
		} else {
			require.NoError(t, m.shop.Cancel(ctx, r))
		}
	case k < 76: // expiry, now
		asOf := m.clk.Now()
		due, period := m.expiryDue(asOf, m.inc.Scheme().ValidityMonths)
		rep, err := m.inc.Expire(ctx, asOf)
		require.NoError(t, err)
		total := decimal.Zero
		for h, v := range due {
			total = total.Add(v)
			m.out[h] = m.out[h].Add(v)
			m.expDay[h] = period
		}
		require.True(t, total.Equal(rep.Points), "expired %s as of %s, want %s (%v)", rep.Points, asOf, total, due)
		require.Equal(t, len(due), rep.Accounts)
		m.expired = m.expired.Add(rep.Points)
	case k < 86: // time goes by: days, or to the last instant of a month or its first, in China
		switch rng.IntN(3) {
		case 0:
			m.clk.Advance(time.Duration(1+rng.IntN(12)) * 24 * time.Hour)
		default:
			now := m.clk.Now().In(h74Zone)
			next := time.Date(now.Year(), now.Month()+1, 1, 0, 0, 0, 0, h74Zone)
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
		r, err := m.banks[b].Withdraw(ctx, points.Withdrawal{Member: points.Member{Holder: h, Age: 70}, Hours: hours, DemandID: uuid.New(), ServedBy: m.banks[served]})
		if errors.Is(err, points.ErrInsufficientPoints) {
			return
		}
		require.NoError(t, err)
		m.hoursOut = m.hoursOut.Add(r.Hours)
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
	balances, avail, debts, hours := decimal.Zero, decimal.Zero, decimal.Zero, decimal.Zero
	for _, h := range m.holders {
		b, err := m.inc.Balance(ctx, h)
		require.NoError(t, err)
		balances = balances.Add(b)
		a, err := m.l.Available(ctx, m.inc.HolderAccount(h))
		if err == nil {
			avail = avail.Add(a)
		}
		d, err := m.inc.Debt(ctx, h)
		require.NoError(t, err)
		debts = debts.Add(d)
		for _, tb := range m.banks {
			hs, err := tb.Hours(ctx, h)
			require.NoError(t, err)
			hours = hours.Add(hs)
			m.checkStatement(tb, h, hs)
		}
	}
	want := m.issued.Sub(m.recovered).Sub(m.redeemed).Sub(m.expired)
	require.True(t, want.Equal(balances), "issued %s - clawed back %s - redeemed %s - expired %s = %s, holders have %s",
		m.issued, m.recovered, m.redeemed, m.expired, want, balances)
	held := decimal.Zero
	for _, r := range m.pending {
		held = held.Add(r.Points)
	}
	require.True(t, balances.Sub(held).Equal(avail), "available %s, balances %s held %s", avail, balances, held)
	require.True(t, m.debtMade.Sub(m.debtPaid).Equal(debts), "debt made %s paid %s, owed %s", m.debtMade, m.debtPaid, debts)
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
// months running from midnight of the first), and of all time, with the awards not clawed
// back.
func (m *h74Model) checkLeaderboards() {
	start := newClock().Now().In(h74Zone)
	from := time.Date(start.Year(), start.Month(), 1, 0, 0, 0, 0, h74Zone)
	end := m.clk.Now()
	windows := [][2]time.Time{{{}, {}}}
	for f := from; !f.After(end); f = f.AddDate(0, 1, 0) {
		windows = append(windows, [2]time.Time{f, f.AddDate(0, 1, 0)})
	}
	for _, w := range windows {
		lb, err := points.Leaderboards(m.ctx, m.l, points.LeaderboardQuery{From: w[0], To: w[1]})
		require.NoError(m.t, err)
		want := map[string]decimal.Decimal{}
		count := map[string]int{}
		for _, a := range m.awards {
			if a.clawed || a.at.Before(w[0]) || (!w[1].IsZero() && !a.at.Before(w[1])) {
				continue
			}
			id := a.c.Provider.ID.String()
			want[id] = want[id].Add(a.points)
			count[id]++
		}
		require.Len(m.t, lb.Providers, len(want), "providers in %v", w)
		total := decimal.Zero
		for _, s := range lb.Providers {
			require.True(m.t, want[s.ProviderID].Equal(s.Points), "%s in %v: %s, want %s", s.ProviderID, w, s.Points, want[s.ProviderID])
			require.Equal(m.t, count[s.ProviderID], s.Activities)
			total = total.Add(s.Points)
		}
		if len(want) > 0 {
			require.Len(m.t, lb.Communities, 1)
			require.True(m.t, total.Equal(lb.Communities[0].Points))
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
	t.Logf("%d awards, points issued %s, clawed back %s, redeemed %s, expired %s, debt %s (paid %s), hours in %s out %s, heping owes %s h, until %s",
		len(m.awards), m.issued, m.recovered, m.redeemed, m.expired, m.debtMade, m.debtPaid, m.hoursIn, m.hoursOut, m.owes, m.clk.Now().Format(time.DateOnly))
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
