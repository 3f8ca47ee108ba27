package points_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/points"
)

// pending is an audited completion waiting for its award, as the model sees it.
type pending struct {
	demand   catalog.Demand
	provider int
	hours    int64
	approved bool
	awarded  bool
	day      string
	month    string
	points   int64
}

// TestStateMachine drives awards, redemptions, expiry, deposits, gifts and withdrawals at
// random against a small model and checks after every step: the ledger verifies, stock is
// never negative and matches the model, no award was posted twice, every award the model
// expects was posted and every cap held, and no member holds more hours than the storage cap.
func TestStateMachine(t *testing.T) {
	const (
		dailyCap   = 100
		monthlyCap = 250
		storageCap = 8
		price      = 10
	)
	rapid.Check(t, func(rt *rapid.T) {
		s := testScheme()
		s.DailyCap, s.MonthlyCap = decimal.NewFromInt(dailyCap), decimal.NewFromInt(monthlyCap)
		e := newEnv(t, s)
		sh, err := points.NewShop(e.ctx, e.inc)
		require.NoError(t, err)
		require.NoError(t, sh.AddItem(e.ctx, points.Item{SKU: "rice", Name: "大米", Price: decimal.NewFromInt(price)}))
		require.NoError(t, sh.Restock(e.ctx, "rice", 20, "n0"))
		// Two banks of one community on one ledger, as two processes would run it: each step
		// uses either, and the storage cap must hold whichever credits a member.
		banks := [2]*points.TimeBank{
			newBank(t, e, points.TimeBankConfig{StorageCap: decimal.NewFromInt(storageCap)}),
			newBank(t, e, points.TimeBankConfig{StorageCap: decimal.NewFromInt(storageCap)}),
		}
		bank := func(rt *rapid.T) *points.TimeBank { return banks[rapid.IntRange(0, 1).Draw(rt, "bank")] }
		tb := banks[0]

		providers := []catalog.Provider{e.volunteer(t, "a"), e.volunteer(t, "b"), e.volunteer(t, "c")}
		holders := []string{points.ProviderHolder(providers[0]), points.ProviderHolder(providers[1]), points.ProviderHolder(providers[2]), points.PersonHolder("kin")}
		var work []*pending
		stock := int64(20)
		dayTotal := map[string]int64{}   // provider/day → points
		monthTotal := map[string]int64{} // provider/month → points
		hours := map[string]int64{}      // holder → hours (whole hours in this test)
		deposited := map[int]bool{}
		redemptions := []points.Redemption{}
		n := 0

		rt.Repeat(map[string]func(*rapid.T){
			"complete": func(rt *rapid.T) {
				if len(work) >= 30 {
					rt.Skip("enough demands")
				}
				p := rapid.IntRange(0, len(providers)-1).Draw(rt, "provider")
				h := rapid.Int64Range(1, 12).Draw(rt, "hours")
				ok := rapid.Float64().Draw(rt, "approve") < 0.8
				n++
				d := e.done(t, sprint("r", n), catalog.UrgencyNormal, true, workOf(providers[p], h, ok))
				at := e.clock.Now().In(time.FixedZone("cst", 8*3600))
				work = append(work, &pending{demand: d, provider: p, hours: h, approved: ok,
					day: sprint(p, at.Format("20060102")), month: sprint(p, at.Format("200601")), points: 20 + 5*h})
			},
			"award": func(rt *rapid.T) {
				if len(work) == 0 {
					rt.Skip("nothing to award")
				}
				w := work[rapid.IntRange(0, len(work)-1).Draw(rt, "demand")]
				before := e.head(t)
				_, err := e.inc.AwardAudited(e.ctx, e.cat, w.demand.ID, providers[w.provider].ID, "auditor")
				switch {
				case !w.approved:
					if !errors.Is(err, points.ErrRejected) {
						rt.Fatalf("rejected completion: %v", err)
					}
				case w.awarded:
					if err != nil || e.head(t) != before {
						rt.Fatalf("replay of an award: err %v, head %d → %d", err, before, e.head(t))
					}
				case dayTotal[w.day]+w.points > dailyCap || monthTotal[w.month]+w.points > monthlyCap:
					if !errors.Is(err, points.ErrOverCap) {
						rt.Fatalf("over cap (day %d, month %d, +%d): %v", dayTotal[w.day], monthTotal[w.month], w.points, err)
					}
				default:
					if err != nil {
						rt.Fatalf("award: %v", err)
					}
					w.awarded = true
					dayTotal[w.day] += w.points
					monthTotal[w.month] += w.points
				}
				if err != nil && e.head(t) != before {
					rt.Fatalf("a refused award posted something")
				}
			},
			"redeem": func(rt *rapid.T) {
				h := holders[rapid.IntRange(0, len(holders)-1).Draw(rt, "holder")]
				q := rapid.Int64Range(1, 3).Draw(rt, "quantity")
				avail, err := e.l.Available(e.ctx, e.inc.HolderAccount(h))
				if err != nil {
					avail = decimal.Zero
				}
				n++
				r, err := sh.Redeem(e.ctx, sprint("o", n), h, "rice", q)
				switch {
				case q > stock:
					if !errors.Is(err, points.ErrOutOfStock) {
						rt.Fatalf("out of stock: %v", err)
					}
				case avail.LessThan(decimal.NewFromInt(q * price)):
					if !errors.Is(err, points.ErrInsufficientPoints) {
						rt.Fatalf("insufficient points: %v", err)
					}
				default:
					if err != nil {
						rt.Fatalf("redeem: %v", err)
					}
					stock -= q
					redemptions = append(redemptions, r)
				}
			},
			"close": func(rt *rapid.T) {
				if len(redemptions) == 0 {
					rt.Skip("no open redemption")
				}
				i := rapid.IntRange(0, len(redemptions)-1).Draw(rt, "redemption")
				r := redemptions[i]
				redemptions = append(redemptions[:i], redemptions[i+1:]...)
				if rapid.Bool().Draw(rt, "fulfil") {
					if err := sh.Fulfil(e.ctx, r); err != nil {
						rt.Fatalf("fulfil: %v", err)
					}
				} else {
					if err := sh.Cancel(e.ctx, r); err != nil {
						rt.Fatalf("cancel: %v", err)
					}
					stock += r.Quantity
				}
			},
			"time passes": func(rt *rapid.T) {
				days := rapid.IntRange(1, 400).Draw(rt, "days")
				e.clock.Advance(time.Duration(days) * 24 * time.Hour)
			},
			"expire": func(rt *rapid.T) {
				if _, err := e.inc.Expire(e.ctx, e.clock.Now()); err != nil {
					rt.Fatalf("expire: %v", err)
				}
			},
			"deposit": func(rt *rapid.T) {
				if len(work) == 0 {
					rt.Skip("nothing to deposit")
				}
				i := rapid.IntRange(0, len(work)-1).Draw(rt, "demand")
				w := work[i]
				c, err := points.CompletionOf(e.ctx, e.cat, w.demand.ID, providers[w.provider].ID)
				require.NoError(t, err)
				_, err = bank(rt).Deposit(e.ctx, c)
				if !w.approved {
					if !errors.Is(err, points.ErrRejected) {
						rt.Fatalf("deposit of a rejected completion: %v", err)
					}
					return
				}
				if err != nil {
					rt.Fatalf("deposit: %v", err)
				}
				if !deposited[i] {
					deposited[i] = true
					h := holders[w.provider]
					hours[h] = min(storageCap, hours[h]+w.hours)
				}
			},
			"gift": func(rt *rapid.T) {
				from := holders[rapid.IntRange(0, len(holders)-1).Draw(rt, "from")]
				to := holders[rapid.IntRange(0, len(holders)-1).Draw(rt, "to")]
				h := rapid.Int64Range(1, 5).Draw(rt, "hours")
				n++
				_, err := bank(rt).Gift(e.ctx, points.Gift{Key: sprint("g", n), From: from, To: to, Hours: decimal.NewFromInt(h), Relationship: "relative"})
				switch {
				case from == to:
					if !errors.Is(err, points.ErrInvalid) {
						rt.Fatalf("gift to oneself: %v", err)
					}
				case hours[from] < h:
					if !errors.Is(err, points.ErrInsufficientPoints) {
						rt.Fatalf("gift beyond balance: %v", err)
					}
				default:
					if err != nil {
						rt.Fatalf("gift: %v", err)
					}
					hours[from] -= h
					hours[to] = min(storageCap, hours[to]+h)
				}
			},
			"withdraw": func(rt *rapid.T) {
				who := holders[rapid.IntRange(0, len(holders)-1).Draw(rt, "member")]
				h := rapid.Int64Range(1, 5).Draw(rt, "hours")
				_, err := bank(rt).Withdraw(e.ctx, points.Withdrawal{Member: points.Member{Holder: who, Age: 70}, Hours: decimal.NewFromInt(h), DemandID: uuid.New()})
				if hours[who] < h {
					if !errors.Is(err, points.ErrInsufficientPoints) {
						rt.Fatalf("withdraw beyond balance: %v", err)
					}
					return
				}
				if err != nil {
					rt.Fatalf("withdraw: %v", err)
				}
				hours[who] -= h
			},
			"": func(rt *rapid.T) {
				if err := e.l.Verify(e.ctx); err != nil {
					rt.Fatalf("verify: %v", err)
				}
				got, err := sh.Stock(e.ctx, "rice")
				if err != nil || got < 0 || got != stock {
					rt.Fatalf("stock %d (model %d): %v", got, stock, err)
				}
				for _, h := range holders {
					v, err := tb.Hours(e.ctx, h)
					if err != nil || v.GreaterThan(decimal.NewFromInt(storageCap)) || !v.Equal(decimal.NewFromInt(hours[h])) {
						rt.Fatalf("hours of %s: %s (model %d, cap %d): %v", h, v, hours[h], storageCap, err)
					}
				}
				checkAwards(rt, e, work, dailyCap, monthlyCap)
			},
		})
	})
}

func workOf(p catalog.Provider, hours int64, approve bool) work {
	return work{p: p, hours: sprint(hours), approve: approve}
}

// checkAwards reads every award from the ledger: at most one per (demand, provider), exactly
// those the model awarded, and no provider over a cap on any day or month.
func checkAwards(rt *rapid.T, e *env, model []*pending, dailyCap, monthlyCap int64) {
	seen := map[string]int{}
	day := map[string]decimal.Decimal{}
	month := map[string]decimal.Decimal{}
	zone := time.FixedZone("cst", 8*3600)
	q := ledger.ScanQuery{Limit: ledger.ScanLimitMax}
	for {
		page, err := e.l.Scan(e.ctx, q)
		if err != nil {
			rt.Fatalf("scan: %v", err)
		}
		for _, tx := range page.Transactions {
			m := tx.Metadata
			if m[points.MetaKind] != points.KindAward {
				continue
			}
			seen[m[points.MetaDemand]+m[points.MetaProvider]]++
			at, err := time.Parse(time.RFC3339Nano, m[points.MetaAuditedAt])
			if err != nil {
				rt.Fatalf("audited_at %q", m[points.MetaAuditedAt])
			}
			pts := decimal.RequireFromString(m[points.MetaPoints])
			dk, mk := m[points.MetaProvider]+at.In(zone).Format("20060102"), m[points.MetaProvider]+at.In(zone).Format("200601")
			day[dk], month[mk] = day[dk].Add(pts), month[mk].Add(pts)
		}
		if page.Done {
			break
		}
		q = page.Next
	}
	for k, c := range seen {
		if c > 1 {
			rt.Fatalf("award %s posted %d times", k, c)
		}
	}
	awarded := 0
	for _, w := range model {
		if w.awarded {
			awarded++
			if seen[w.demand.ID.String()+e.providerID(w)] != 1 {
				rt.Fatalf("award of %s missing", w.demand.ID)
			}
		}
	}
	if awarded != len(seen) {
		rt.Fatalf("%d awards posted, model %d", len(seen), awarded)
	}
	for k, v := range day {
		if v.GreaterThan(decimal.NewFromInt(dailyCap)) {
			rt.Fatalf("daily cap broken: %s has %s", k, v)
		}
	}
	for k, v := range month {
		if v.GreaterThan(decimal.NewFromInt(monthlyCap)) {
			rt.Fatalf("monthly cap broken: %s has %s", k, v)
		}
	}
}

func (e *env) providerID(w *pending) string {
	as, err := e.cat.Audits(e.ctx, w.demand.ID)
	if err != nil || len(as) != 1 {
		return ""
	}
	return as[0].ProviderID.String()
}
