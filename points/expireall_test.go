package points_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/memstore"
	"github.com/tongxin/tongxin/points"
)

// tb is what the helpers need of a *testing.T or a *rapid.T.
type tb interface {
	Helper()
	require.TestingT
}

// twin is a ledger with several schemes on it, built step by step the same way as another
// twin so that two ways of expiring can be compared.
type twin struct {
	ctx   context.Context
	clock *clock
	l     *ledger.Ledger
	incs  []*points.Incentive
}

// expiryScheme is a scheme of community c with the given validity; shared holder accounts
// (a template without {community}) make every such scheme's holders the same accounts.
func expiryScheme(c string, validity int, sharedHolders bool) points.Scheme {
	s := testScheme()
	s.Community = c
	s.ValidityMonths = validity
	s.DailyCap, s.MonthlyCap = decimal.Zero, decimal.Zero
	if sharedHolders {
		s.Accounts.Holder = "member:{holder}:{asset}"
	}
	return s
}

func newTwin(t tb, store ledger.Store, schemes ...points.Scheme) *twin {
	t.Helper()
	ctx := context.Background()
	clk := newClock()
	l, err := ledger.New(ctx, store, ledger.WithClock(clk.Now), ledger.WithIDs(seqIDs(0x01)))
	require.NoError(t, err)
	tw := &twin{ctx: ctx, clock: clk, l: l}
	for _, s := range schemes {
		inc, err := points.New(ctx, l, s)
		require.NoError(t, err)
		tw.incs = append(tw.incs, inc)
	}
	return tw
}

// give posts amount points of scheme s to holder h, effective daysAgo days before now.
func (tw *twin) give(t tb, s int, h string, amount int64, daysAgo int) {
	t.Helper()
	inc := tw.incs[s]
	id := inc.HolderAccount(h)
	require.NoError(t, tw.l.OpenAccount(tw.ctx, ledger.Account{ID: id, Asset: "PTS"}))
	_, err := tw.l.Post(tw.ctx, ledger.Transaction{
		EffectiveAt: tw.clock.Now().AddDate(0, 0, -daysAgo),
		Postings:    []ledger.Posting{{From: inc.IssuerAccount(), To: id, Amount: decimal.NewFromInt(amount), Asset: "PTS"}},
	})
	require.NoError(t, err)
}

// move posts amount from one account to another, ignoring a refusal for want of balance (the
// twins refuse alike).
func (tw *twin) move(t tb, from, to ledger.AccountID, amount int64) {
	t.Helper()
	require.NoError(t, tw.l.OpenAccount(tw.ctx, ledger.Account{ID: to, Asset: "PTS"}))
	_, err := tw.l.Post(tw.ctx, ledger.Transaction{Postings: []ledger.Posting{{From: from, To: to, Amount: decimal.NewFromInt(amount), Asset: "PTS"}}})
	if err != nil && !errors.Is(err, ledger.ErrInsufficientBalance) && !errors.Is(err, ledger.ErrUnknownAccount) {
		require.NoError(t, err)
	}
}

// hold reserves amount of from for the shop, ignoring a refusal for want of balance.
func (tw *twin) hold(t tb, s int, from ledger.AccountID, amount int64) {
	t.Helper()
	_, err := tw.l.Hold(tw.ctx, ledger.Posting{From: from, To: tw.incs[s].ShopAccount(), Amount: decimal.NewFromInt(amount), Asset: "PTS"}, ledger.HoldOptions{})
	if err != nil && !errors.Is(err, ledger.ErrInsufficientBalance) && !errors.Is(err, ledger.ErrUnknownAccount) {
		require.NoError(t, err)
	}
}

// state is what the comparison looks at: every account's balance, and every expiry
// transaction (by idempotency key) as its postings, memo and metadata.
type state struct {
	balances map[ledger.AccountID]string
	expiries map[string]string
	head     uint64
}

func (tw *twin) state(t tb) state {
	t.Helper()
	st := state{balances: map[ledger.AccountID]string{}, expiries: map[string]string{}}
	q := ledger.ScanQuery{Limit: ledger.ScanLimitMax}
	for range 1000 {
		page, err := tw.l.Scan(tw.ctx, q)
		require.NoError(t, err)
		for _, tx := range page.Transactions {
			for _, p := range tx.Postings {
				st.balances[p.From], st.balances[p.To] = "", ""
			}
			if tx.Metadata[points.MetaKind] == points.KindExpire {
				_, dup := st.expiries[tx.IdempotencyKey]
				require.False(t, dup, "key %s posted twice", tx.IdempotencyKey)
				st.expiries[tx.IdempotencyKey] = fmt.Sprint(tx.Postings, tx.Memo, tx.Metadata, tx.EffectiveAt.UnixMicro())
			}
		}
		if page.Done {
			break
		}
		q = page.Next
	}
	for id := range st.balances {
		b, err := tw.l.Balance(tw.ctx, id)
		require.NoError(t, err)
		st.balances[id] = b.String()
	}
	h, err := tw.l.Head(tw.ctx)
	require.NoError(t, err)
	st.head = h.Seq
	require.NoError(t, tw.l.Verify(tw.ctx))
	return st
}

// TestExpireAllMatchesExpire drives two identical ledgers through a random history of awards
// (back-dated), spending, transfers between holders of any scheme, holds and expiry runs of
// single schemes, then expires every scheme: one ledger with ExpireAll, the other with Expire
// on each scheme in the same order. Balances, expiry transactions (by key) and reports must
// be the same.
func TestExpireAllMatchesExpire(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		n := rapid.IntRange(2, 4).Draw(rt, "schemes") // one scheme alone is Expire itself
		shared := rapid.Bool().Draw(rt, "sharedHolders")
		schemes := make([]points.Scheme, n)
		for i := range schemes {
			schemes[i] = expiryScheme(fmt.Sprint("c", i), rapid.SampledFrom([]int{0, 6, 12, 36}).Draw(rt, "validity"), shared)
		}
		a, b := newTwin(rt, memstore.New(), schemes...), newTwin(rt, memstore.New(), schemes...)
		both := func(f func(tw *twin)) { f(a); f(b) }
		holders := []string{"p-0", "p-1", "p-2", "p-3"}
		scheme := func(rt *rapid.T) int { return rapid.IntRange(0, n-1).Draw(rt, "scheme") }
		holder := func(rt *rapid.T) string { return rapid.SampledFrom(holders).Draw(rt, "holder") }
		amount := func(rt *rapid.T) int64 { return rapid.Int64Range(1, 60).Draw(rt, "amount") }
		steps := rapid.IntRange(4, 40).Draw(rt, "steps")
		for range steps {
			switch rapid.IntRange(0, 7).Draw(rt, "op") {
			case 0, 1, 6, 7: // award, possibly long ago
				s, h, v, d := scheme(rt), holder(rt), amount(rt), rapid.IntRange(0, 1500).Draw(rt, "daysAgo")
				both(func(tw *twin) { tw.give(rt, s, h, v, d) })
			case 2: // spend at the shop
				s, h, v := scheme(rt), holder(rt), amount(rt)
				both(func(tw *twin) { tw.move(rt, tw.incs[s].HolderAccount(h), tw.incs[s].ShopAccount(), v) })
			case 3: // transfer to a holder of any scheme
				s, h, s2, h2, v := scheme(rt), holder(rt), scheme(rt), holder(rt), amount(rt)
				both(func(tw *twin) {
					if from, to := tw.incs[s].HolderAccount(h), tw.incs[s2].HolderAccount(h2); from != to {
						tw.move(rt, from, to, v)
					}
				})
			case 4: // a redemption in progress
				s, h, v := scheme(rt), holder(rt), amount(rt)
				both(func(tw *twin) { tw.hold(rt, s, tw.incs[s].HolderAccount(h), v) })
			case 5: // time passes, and maybe one scheme's expiry runs
				days, s, run := rapid.IntRange(0, 400).Draw(rt, "days"), scheme(rt), rapid.Bool().Draw(rt, "expire")
				both(func(tw *twin) {
					tw.clock.Advance(time.Duration(days) * 24 * time.Hour)
					if run {
						_, err := tw.incs[s].Expire(tw.ctx, tw.clock.Now())
						require.NoError(rt, err)
					}
				})
			}
		}
		// Some schemes may already have expired this period; then every scheme, in an order.
		early := rapid.SliceOfDistinct(rapid.IntRange(0, n-1), rapid.ID).Draw(rt, "early")
		order := rapid.Permutation(func() []int {
			o := make([]int, n)
			for i := range o {
				o[i] = i
			}
			return o
		}()).Draw(rt, "order")
		both(func(tw *twin) {
			for _, s := range early {
				_, err := tw.incs[s].Expire(tw.ctx, tw.clock.Now())
				require.NoError(rt, err)
			}
		})
		incs := make([]*points.Incentive, n)
		for i, s := range order {
			incs[i] = a.incs[s]
		}
		got, err := points.ExpireAll(a.ctx, a.clock.Now(), incs...)
		require.NoError(rt, err)
		require.Len(rt, got, n)
		for i, s := range order {
			want, err := b.incs[s].Expire(b.ctx, b.clock.Now())
			require.NoError(rt, err)
			require.Equal(rt, want, got[i], "report of scheme %d", s)
		}
		sa, sb := a.state(rt), b.state(rt)
		require.Equal(rt, sb.expiries, sa.expiries)
		require.Equal(rt, sb.balances, sa.balances)
		require.Equal(rt, sb.head, sa.head)

		// Idempotent: again, the same period moves nothing.
		again, err := points.ExpireAll(a.ctx, a.clock.Now(), incs...)
		require.NoError(rt, err)
		for _, r := range again {
			require.Zero(rt, r.Accounts)
		}
		require.Equal(rt, sa, a.state(rt))
	})
}

// TestExpireAllReports: three communities whose holders received points four years ago; one
// already expired this period. ExpireAll expires the other two in one go, reports in the
// order given, and a second run posts nothing.
func TestExpireAllReports(t *testing.T) {
	tw := newTwin(t, memstore.New(), expiryScheme("c0", 36, false), expiryScheme("c1", 36, false), expiryScheme("c2", 0, false))
	for s := range tw.incs {
		tw.give(t, s, "p-1", 30, 4*366)
		tw.give(t, s, "p-2", 20, 4*366)
		tw.give(t, s, "p-2", 5, 10)
	}
	now := tw.clock.Now()
	first, err := tw.incs[1].Expire(tw.ctx, now)
	require.NoError(t, err)
	assert.Equal(t, "50", first.Points.String())
	head := tw.state(t).head

	reps, err := points.ExpireAll(tw.ctx, now, tw.incs[2], tw.incs[1], tw.incs[0])
	require.NoError(t, err)
	require.Len(t, reps, 3)
	assert.Zero(t, reps[0].Transactions, "c2 has no validity")
	assert.Zero(t, reps[1].Accounts, "c1 expired already this period")
	assert.Equal(t, 2, reps[2].Accounts)
	assert.Equal(t, "50", reps[2].Points.String())
	for _, r := range reps {
		assert.Equal(t, now.Format("20060102"), r.Period)
	}
	st := tw.state(t)
	assert.Equal(t, head+2, st.head, "one transaction per expired holder of c0")
	for s, want := range []string{"5", "5", "25"} {
		assert.Equal(t, want, st.balances[tw.incs[s].HolderAccount("p-2")], "scheme %d", s)
	}

	again, err := points.ExpireAll(tw.ctx, now, tw.incs...)
	require.NoError(t, err)
	for _, r := range again {
		assert.Zero(t, r.Accounts)
	}
	assert.Equal(t, st, tw.state(t))
}

// failingStore fails every Update once failAfter of them succeeded (a crash mid-run).
type failingStore struct {
	ledger.Store
	updates, failAfter atomic.Int64
}

var errCrash = errors.New("store crashed")

func (f *failingStore) Update(ctx context.Context, fn func(tx ledger.StoreTx) error) error {
	if n := f.failAfter.Load(); n > 0 && f.updates.Add(1) > n {
		return errCrash
	}
	return f.Store.Update(ctx, fn)
}

// TestExpireAllRetryAfterCrash: a run that dies after the first scheme's expiry is posted is
// repaired by running again, with the result of an uninterrupted run.
func TestExpireAllRetryAfterCrash(t *testing.T) {
	schemes := []points.Scheme{expiryScheme("c0", 12, false), expiryScheme("c1", 12, false), expiryScheme("c2", 12, false)}
	fs := &failingStore{Store: memstore.New()}
	a, b := newTwin(t, fs, schemes...), newTwin(t, memstore.New(), schemes...)
	for _, tw := range []*twin{a, b} {
		for s := range tw.incs {
			for h := range 300 { // one expiry batch per scheme
				tw.give(t, s, fmt.Sprint("p-", h), int64(h+1), 400)
			}
		}
	}
	fs.failAfter.Store(fs.updates.Load() + 1) // the first PostBatch commits, the next fails
	reps, err := points.ExpireAll(a.ctx, a.clock.Now(), a.incs...)
	require.ErrorIs(t, err, errCrash)
	require.Len(t, reps, 2, "the reports of the schemes it got to")
	assert.Equal(t, 300, reps[0].Transactions)
	assert.Zero(t, reps[1].Transactions, "c1's batch failed")
	fs.failAfter.Store(0)

	reps, err = points.ExpireAll(a.ctx, a.clock.Now(), a.incs...)
	require.NoError(t, err)
	assert.Zero(t, reps[0].Accounts, "c0 was done before the crash")
	assert.Equal(t, 300, reps[1].Accounts)
	assert.Equal(t, 300, reps[2].Accounts)
	_, err = points.ExpireAll(b.ctx, b.clock.Now(), b.incs...)
	require.NoError(t, err)
	sa, sb := a.state(t), b.state(t)
	assert.Equal(t, sb.expiries, sa.expiries)
	assert.Equal(t, sb.balances, sa.balances)
}

func TestExpireAllInvalid(t *testing.T) {
	tw := newTwin(t, memstore.New(), expiryScheme("c0", 12, false), expiryScheme("c1", 12, false))
	other := newTwin(t, memstore.New(), expiryScheme("c2", 12, false))
	for s := range tw.incs {
		tw.give(t, s, "p-1", 30, 400)
	}
	dup, err := points.New(tw.ctx, tw.l, expiryScheme("c0", 6, false))
	require.NoError(t, err)
	now := tw.clock.Now()
	tooMany := make([]*points.Incentive, points.ExpireSchemesMax+1)
	for i := range tooMany {
		tooMany[i] = tw.incs[0]
	}
	for _, c := range []struct {
		name string
		asOf time.Time
		incs []*points.Incentive
		want error
	}{
		{"zero time", time.Time{}, tw.incs, points.ErrInvalid},
		{"nil incentive", now, []*points.Incentive{tw.incs[0], nil}, points.ErrInvalid},
		{"other ledger", now, []*points.Incentive{tw.incs[0], other.incs[0]}, points.ErrLedgerMismatch},
		{"same incentive twice", now, []*points.Incentive{tw.incs[0], tw.incs[1], tw.incs[0]}, points.ErrDuplicateCommunity},
		{"two of one community", now, []*points.Incentive{tw.incs[0], dup}, points.ErrDuplicateCommunity},
		{"too many", now, tooMany, points.ErrInvalid},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := tw.state(t)
			reps, err := points.ExpireAll(tw.ctx, c.asOf, c.incs...)
			require.ErrorIs(t, err, c.want)
			assert.ErrorIs(t, err, points.ErrInvalid, "every input error is invalid input")
			assert.Nil(t, reps)
			assert.Equal(t, before, tw.state(t), "nothing posted")
		})
	}
	reps, err := points.ExpireAll(tw.ctx, now)
	require.NoError(t, err)
	assert.Empty(t, reps, "no incentives, nothing to do")
}

// TestExpireAfterTransferToNewHolder: a holder who received many lots passes most of them to
// a holder account seen for the first time, then receives recent points. Only what is left of
// the old lots expires. (An earlier scan spent through a pointer into the slice of accounts
// that the new account grew: the spending compacted the lots of a stale copy, and the run
// expired 60 instead of 30.)
func TestExpireAfterTransferToNewHolder(t *testing.T) {
	tw := newTwin(t, memstore.New(), expiryScheme("c0", 12, false))
	inc := tw.incs[0]
	for range 100 {
		tw.give(t, 0, "p-a", 1, 400)
	}
	tw.move(t, inc.HolderAccount("p-a"), inc.HolderAccount("p-b"), 70)
	tw.give(t, 0, "p-a", 50, 10)
	rep, err := inc.Expire(tw.ctx, tw.clock.Now())
	require.NoError(t, err)
	assert.Equal(t, "30", rep.Points.String())
	assert.Equal(t, "50", tw.state(t).balances[inc.HolderAccount("p-a")])
}

// TestExpireAllSharedHolders: two schemes whose holder template has no {community} share
// every holder account. In turn, the first scheme expires the old points and the second finds
// nothing left to expire; ExpireAll must not expire them twice.
func TestExpireAllSharedHolders(t *testing.T) {
	schemes := []points.Scheme{expiryScheme("c0", 12, true), expiryScheme("c1", 6, true)}
	a, b := newTwin(t, memstore.New(), schemes...), newTwin(t, memstore.New(), schemes...)
	for _, tw := range []*twin{a, b} {
		tw.give(t, 0, "p-1", 30, 400) // expired for both schemes
		tw.give(t, 1, "p-1", 20, 250) // expired for c1 only
		tw.give(t, 1, "p-1", 10, 10)
	}
	reps, err := points.ExpireAll(a.ctx, a.clock.Now(), a.incs...)
	require.NoError(t, err)
	assert.Equal(t, "30", reps[0].Points.String())
	assert.Equal(t, "20", reps[1].Points.String())
	assert.Equal(t, "10", a.state(t).balances[a.incs[0].HolderAccount("p-1")])
	for _, inc := range b.incs {
		_, err := inc.Expire(b.ctx, b.clock.Now())
		require.NoError(t, err)
	}
	sa, sb := a.state(t), b.state(t)
	assert.Equal(t, sb.expiries, sa.expiries)
	assert.Equal(t, sb.balances, sa.balances)
}
