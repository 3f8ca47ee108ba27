package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"

	"github.com/tongxin/tongxin/ledger"
)

// model is the simplest ledger that could work: PTS balances in minor units, holds, keys.
type model struct {
	now      time.Time
	seq      uint64
	balances map[ledger.AccountID]int64
	minimum  map[ledger.AccountID]int64
	maximum  map[ledger.AccountID]int64
	keys     map[string]modelPost
	posted   []modelPost
	reversed map[uuid.UUID]bool
	holds    []*modelHold
	log      []string
}

type modelPost struct {
	id       uuid.UUID
	from, to ledger.AccountID
	amount   int64
}

type modelHold struct {
	id       uuid.UUID
	from, to ledger.AccountID
	amount   int64
	expires  time.Time
	open     bool
}

var modelAccounts = []ledger.AccountID{"issuer", "a", "b", "c", "od", "cap"}

func newModel() *model {
	return &model{
		now:      Start,
		balances: map[ledger.AccountID]int64{},
		minimum:  map[ledger.AccountID]int64{"a": 0, "b": 0, "c": 0, "od": -1000, "cap": 0},
		maximum:  map[ledger.AccountID]int64{"cap": 5000},
		keys:     map[string]modelPost{},
		reversed: map[uuid.UUID]bool{},
	}
}

func (m *model) held(id ledger.AccountID) int64 {
	var h int64
	for _, x := range m.holds {
		if x.from == id && x.open && (x.expires.IsZero() || m.now.Before(x.expires)) {
			h += x.amount
		}
	}
	return h
}

// canSpend reports whether id may pay amount more.
func (m *model) canSpend(id ledger.AccountID, amount int64) bool {
	min, bounded := m.minimum[id]
	return !bounded || m.balances[id]-m.held(id)-amount >= min
}

// canReceive reports whether id may receive amount more.
func (m *model) canReceive(id ledger.AccountID, amount int64) bool {
	max, capped := m.maximum[id]
	return !capped || m.balances[id]+amount <= max
}

func minor(v int64) decimal.Decimal { return decimal.New(v, -2) }

func testStateMachine(t *testing.T, newStore NewStore) {
	checks := 0
	rapid.Check(t, func(rt *rapid.T) {
		f := newFixture(t, newStore)
		m := newModel()
		ctx := f.ctx
		pair := func(rt *rapid.T) (ledger.AccountID, ledger.AccountID) {
			i := rapid.IntRange(0, len(modelAccounts)-1).Draw(rt, "from")
			j := (i + rapid.IntRange(1, len(modelAccounts)-1).Draw(rt, "to")) % len(modelAccounts)
			return modelAccounts[i], modelAccounts[j]
		}
		// drawPost only draws: rapid may abandon an action part-way through its draws, so the
		// model is changed only by predict, after every draw of the action is done.
		drawPost := func(rt *rapid.T) ledger.Transaction {
			from, to := pair(rt)
			amount := rapid.Int64Range(1, 3000).Draw(rt, "amount")
			key := ""
			if rapid.IntRange(0, 2).Draw(rt, "keyed") == 0 {
				key = fmt.Sprint("k", rapid.IntRange(0, 4).Draw(rt, "key"))
				if prior, ok := m.keys[key]; ok && rapid.Bool().Draw(rt, "replay") {
					from, to, amount = prior.from, prior.to, prior.amount
				}
			}
			return ledger.Transaction{IdempotencyKey: key, Postings: []ledger.Posting{{From: from, To: to, Amount: minor(amount), Asset: "PTS"}}}
		}
		// predict updates the model for a request and returns the check of its outcome.
		predict := func(rt *rapid.T, tx ledger.Transaction) func(ledger.Transaction, error) {
			p := tx.Postings[0]
			from, to, key := p.From, p.To, tx.IdempotencyKey
			amount := p.Amount.Shift(2).IntPart()
			m.log = append(m.log, fmt.Sprintf("post %s->%s %d key %q", from, to, amount, key))
			prior, used := m.keys[key]
			switch {
			case key != "" && used && (prior.from != from || prior.to != to || prior.amount != amount):
				return func(_ ledger.Transaction, err error) { expectErr(rt, err, ledger.ErrIdempotencyConflict) }
			case key != "" && used:
				return func(got ledger.Transaction, err error) {
					expectErr(rt, err, nil)
					// Read the id at check time: the first use may be earlier in this batch.
					if want := m.keys[key].id; got.ID != want {
						rt.Fatalf("replay of %s returned %s, want %s", key, got.ID, want)
					}
				}
			case !m.canSpend(from, amount):
				return func(_ ledger.Transaction, err error) { expectErr(rt, err, ledger.ErrInsufficientBalance) }
			case !m.canReceive(to, amount):
				return func(_ ledger.Transaction, err error) { expectErr(rt, err, ledger.ErrAboveMaxBalance) }
			}
			m.balances[from] -= amount
			m.balances[to] += amount
			m.seq++
			idx := len(m.posted)
			m.posted = append(m.posted, modelPost{from: from, to: to, amount: amount})
			if key != "" {
				// Later requests in the same batch see the key as used.
				m.keys[key] = m.posted[idx]
			}
			return func(got ledger.Transaction, err error) {
				expectErr(rt, err, nil)
				m.posted[idx].id = got.ID
				if key != "" {
					m.keys[key] = m.posted[idx]
				}
			}
		}
		rt.Repeat(map[string]func(*rapid.T){
			"post": func(rt *rapid.T) {
				tx := drawPost(rt)
				check := predict(rt, tx)
				got, err := f.l.Post(ctx, tx)
				check(got, err)
			},
			"batch": func(rt *rapid.T) {
				n := rapid.IntRange(1, 6).Draw(rt, "n")
				txs := make([]ledger.Transaction, n)
				checks := make([]func(ledger.Transaction, error), n)
				for i := range txs {
					txs[i] = drawPost(rt)
				}
				for i := range txs {
					checks[i] = predict(rt, txs[i])
				}
				res, err := f.l.PostBatch(ctx, txs)
				if err != nil {
					rt.Fatalf("batch: %v", err)
				}
				for i := range res {
					checks[i](res[i].Transaction, res[i].Err)
				}
			},
			"reverse": func(rt *rapid.T) {
				if len(m.posted) == 0 {
					rt.Skip("nothing posted")
				}
				p := rapid.SampledFrom(m.posted).Draw(rt, "tx")
				_, err := f.l.Reverse(ctx, p.id, "")
				switch {
				case m.reversed[p.id]:
					expectErr(rt, err, ledger.ErrAlreadyReversed)
				case !m.canSpend(p.to, p.amount):
					expectErr(rt, err, ledger.ErrInsufficientBalance)
				case !m.canReceive(p.from, p.amount):
					expectErr(rt, err, ledger.ErrAboveMaxBalance)
				default:
					expectErr(rt, err, nil)
					m.reversed[p.id] = true
					m.balances[p.to] -= p.amount
					m.balances[p.from] += p.amount
					m.seq++
				}
			},
			"hold": func(rt *rapid.T) {
				from, to := pair(rt)
				amount := rapid.Int64Range(1, 2000).Draw(rt, "amount")
				var expires time.Time
				if rapid.Bool().Draw(rt, "expires") {
					expires = m.now.Add(time.Duration(rapid.IntRange(1, 120).Draw(rt, "minutes")) * time.Minute)
				}
				h, err := f.l.Hold(ctx, ledger.Posting{From: from, To: to, Amount: minor(amount), Asset: "PTS"}, ledger.HoldOptions{ExpiresAt: expires})
				if !m.canSpend(from, amount) {
					expectErr(rt, err, ledger.ErrInsufficientBalance)
					return
				}
				if !m.canReceive(to, amount) {
					expectErr(rt, err, ledger.ErrAboveMaxBalance)
					return
				}
				expectErr(rt, err, nil)
				m.holds = append(m.holds, &modelHold{id: h.ID, from: from, to: to, amount: amount, expires: expires, open: true})
			},
			"capture": func(rt *rapid.T) {
				if len(m.holds) == 0 {
					rt.Skip("no holds")
				}
				h := rapid.SampledFrom(m.holds).Draw(rt, "hold")
				amount := rapid.Int64Range(1, h.amount).Draw(rt, "amount")
				_, err := f.l.Capture(ctx, h.id, minor(amount))
				if !h.open || (!h.expires.IsZero() && !m.now.Before(h.expires)) {
					expectErr(rt, err, ledger.ErrHoldClosed)
					return
				}
				if !m.canReceive(h.to, amount) {
					expectErr(rt, err, ledger.ErrAboveMaxBalance)
					return
				}
				expectErr(rt, err, nil)
				h.open = false
				m.balances[h.from] -= amount
				m.balances[h.to] += amount
				m.seq++
			},
			"release": func(rt *rapid.T) {
				if len(m.holds) == 0 {
					rt.Skip("no holds")
				}
				h := rapid.SampledFrom(m.holds).Draw(rt, "hold")
				err := f.l.Release(ctx, h.id)
				if !h.open {
					expectErr(rt, err, ledger.ErrHoldClosed)
					return
				}
				expectErr(rt, err, nil)
				h.open = false
			},
			"advance": func(rt *rapid.T) {
				d := time.Duration(rapid.IntRange(1, 90).Draw(rt, "minutes")) * time.Minute
				f.clock.Advance(d)
				m.now = m.now.Add(d)
			},
			"": func(rt *rapid.T) {
				checks++
				var sum int64
				for _, id := range modelAccounts {
					b, err := f.l.Balance(ctx, id)
					if err != nil {
						rt.Fatal(err)
					}
					if !b.Equal(minor(m.balances[id])) {
						rt.Fatalf("balance %s = %s, model %s (model %v, seq %d, log %v)", id, b, minor(m.balances[id]), m.balances, m.seq, m.log)
					}
					av, err := f.l.Available(ctx, id)
					if err != nil {
						rt.Fatal(err)
					}
					if want := minor(m.balances[id] - m.held(id)); !av.Equal(want) {
						rt.Fatalf("available %s = %s, model %s", id, av, want)
					}
					if min, ok := m.minimum[id]; ok && m.balances[id]-m.held(id) < min {
						rt.Fatalf("model: %s below minimum", id)
					}
					if !m.canReceive(id, 0) {
						rt.Fatalf("model: %s above maximum", id)
					}
					sum += m.balances[id]
				}
				if sum != 0 {
					rt.Fatalf("balances sum to %d", sum)
				}
				head, err := f.l.Head(ctx)
				if err != nil {
					rt.Fatal(err)
				}
				if head.Seq != m.seq {
					rt.Fatalf("head seq %d, model %d", head.Seq, m.seq)
				}
				if err := f.l.Verify(ctx); err != nil {
					rt.Fatal(err)
				}
			},
		})
	})
	t.Logf("state machine: %d checks", checks)
	if checks == 0 {
		t.Fatal("the state machine ran no checks")
	}
}

func expectErr(rt *rapid.T, err, want error) {
	rt.Helper()
	if want == nil {
		if err != nil {
			rt.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if !errors.Is(err, want) {
		rt.Fatalf("error %v, want %v", err, want)
	}
}
