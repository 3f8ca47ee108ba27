package points_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/memstore"
	"github.com/tongxin/tongxin/points"
)

// TestExpireRacingRunsExpireEachHolderOnce: two Incentives of one scheme (two processes)
// expire the same period, and the ledger changes between their scans, so the two runs find
// different holders due. Each holder's old points must expire once, whichever run posts
// them, and the two reports together must say what the ledger shows.
func TestExpireRacingRunsExpireEachHolderOnce(t *testing.T) {
	for _, tc := range []struct {
		name    string
		between func(tw *twin) // runs after our scan, before the other run scans
		want    map[string]string
		expired string
	}{{
		// p-2 spends its old points: the other run finds only p-1 due, ours p-1 and p-2.
		name: "holder spent between the scans",
		between: func(tw *twin) {
			tw.move(t, tw.incs[0].HolderAccount("p-2"), tw.incs[0].ShopAccount(), 30)
		},
		want:    map[string]string{"p-1": "100", "p-2": "0"},
		expired: "20",
	}, {
		// A back-dated award to p-3: the other run finds p-1, p-2 and p-3 due, ours p-1, p-2.
		name: "old points posted between the scans",
		between: func(tw *twin) {
			tw.give(t, 0, "p-3", 10, 400)
		},
		want:    map[string]string{"p-1": "100", "p-2": "0", "p-3": "0"},
		expired: "60",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			rs := &raceStore{Store: memstore.New()}
			tw := newTwin(t, rs, expiryScheme("c0", 12, false))
			other, err := points.New(tw.ctx, tw.l, expiryScheme("c0", 12, false))
			require.NoError(t, err)
			tw.give(t, 0, "p-1", 20, 400) // expired
			tw.give(t, 0, "p-1", 100, 10) // not expired
			tw.give(t, 0, "p-2", 30, 400)
			now := tw.clock.Now()
			var theirs points.ExpiryReport
			var theirErr error
			rs.race = func() {
				tc.between(tw)
				theirs, theirErr = other.Expire(tw.ctx, now)
			}
			rs.armed = true // the next Update is our first posting: our scan is done
			ours, err := tw.incs[0].Expire(tw.ctx, now)
			require.NoError(t, err)
			require.NoError(t, theirErr)

			for h, want := range tc.want {
				assert.Equal(t, want, tw.state(t).balances[tw.incs[0].HolderAccount(h)], h)
			}
			expired, err := tw.l.Balance(tw.ctx, tw.incs[0].ExpiryAccount())
			require.NoError(t, err)
			assert.Equal(t, tc.expired, expired.String(), "each holder's old points expire once")
			assert.Equal(t, expired.String(), ours.Points.Add(theirs.Points).String(), "the reports add up to the ledger")
			assertExpiredOncePerHolder(t, tw, now.Format("20060102"))
		})
	}
}

// assertExpiredOncePerHolder checks that no holder account is in two expiry postings of
// the period.
func assertExpiredOncePerHolder(t *testing.T, tw *twin, period string) {
	t.Helper()
	seen := map[ledger.AccountID]int{}
	q := ledger.ScanQuery{Limit: ledger.ScanLimitMax}
	for range 1000 {
		page, err := tw.l.Scan(tw.ctx, q)
		require.NoError(t, err)
		for _, tx := range page.Transactions {
			if tx.Metadata[points.MetaKind] != points.KindExpire || tx.Metadata[points.MetaPeriod] != period {
				continue
			}
			for _, p := range tx.Postings {
				seen[p.From]++
			}
		}
		if page.Done {
			break
		}
		q = page.Next
	}
	for id, n := range seen {
		assert.Equal(t, 1, n, "%s expired %d times in %s", id, n, period)
	}
}

// TestExpireConcurrentIncentives runs Expire of one period from several Incentives of one
// scheme at once, while holders spend: whatever the interleaving, no holder is expired twice
// in the period and the reports add up to what the ledger shows. Run it with -race.
func TestExpireConcurrentIncentives(t *testing.T) {
	const holders, runs = 300, 3
	for round := range 20 {
		tw := newTwin(t, memstore.New(), expiryScheme("c0", 12, false))
		incs := []*points.Incentive{tw.incs[0]}
		for range runs - 1 {
			inc, err := points.New(tw.ctx, tw.l, expiryScheme("c0", 12, false))
			require.NoError(t, err)
			incs = append(incs, inc)
		}
		for h := range holders {
			tw.give(t, 0, holderName(h), int64(h%7+1), 400)
			if h%2 == 0 {
				tw.give(t, 0, holderName(h), 50, 10)
			}
		}
		now := tw.clock.Now()
		var wg sync.WaitGroup
		reports := make([]points.ExpiryReport, runs)
		errs := make([]error, runs)
		for i, inc := range incs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				reports[i], errs[i] = inc.Expire(tw.ctx, now)
			}()
		}
		// Holders spend while the runs scan and post; refusals for want of points are fine.
		spendErrs := make([]error, 0)
		for h := round % 3; h < holders; h += 3 {
			_, err := tw.l.Post(tw.ctx, ledger.Transaction{Postings: []ledger.Posting{{
				From: incs[0].HolderAccount(holderName(h)), To: incs[0].ShopAccount(), Amount: decimal.NewFromInt(3), Asset: "PTS",
			}}})
			if err != nil && !isInsufficient(err) {
				spendErrs = append(spendErrs, err)
			}
		}
		wg.Wait()
		require.Empty(t, spendErrs)
		total := decimal.Zero
		for i := range runs {
			require.NoError(t, errs[i])
			total = total.Add(reports[i].Points)
		}
		expired, err := tw.l.Balance(tw.ctx, incs[0].ExpiryAccount())
		require.NoError(t, err)
		require.Equal(t, expired.String(), total.String(), "round %d: the reports add up to the ledger", round)
		assertExpiredOncePerHolder(t, tw, now.Format("20060102"))
		if t.Failed() {
			t.Fatalf("round %d", round)
		}
		tw.state(t) // verifies the ledger
	}
}

func holderName(h int) string { return "p-" + decimal.NewFromInt(int64(h)).String() }

func isInsufficient(err error) bool { return errors.Is(err, ledger.ErrInsufficientBalance) }

// TestExpireAllSharedHoldersRacingRun: two schemes share every holder account, and another
// process expires the first scheme between ExpireAll's scan and its posting, so ExpireAll's
// posting for the first scheme replays. The second scheme must still see that expiry, as it
// would in turn, and not expire the same old points again out of the holder's new ones.
func TestExpireAllSharedHoldersRacingRun(t *testing.T) {
	rs := &raceStore{Store: memstore.New()}
	schemes := []points.Scheme{expiryScheme("c0", 12, true), expiryScheme("c1", 12, true)}
	tw := newTwin(t, rs, schemes...)
	other, err := points.New(tw.ctx, tw.l, schemes[0])
	require.NoError(t, err)
	tw.give(t, 0, "p-1", 30, 400) // expired for both schemes
	tw.give(t, 1, "p-1", 10, 10)
	now := tw.clock.Now()
	var theirErr error
	rs.race = func() { _, theirErr = other.Expire(tw.ctx, now) }
	rs.armed = true
	reps, err := points.ExpireAll(tw.ctx, now, tw.incs...)
	require.NoError(t, err)
	require.NoError(t, theirErr)
	assert.Equal(t, 1, reps[0].AlreadyDone, "the other process expired c0")
	assert.True(t, reps[1].Points.IsZero(), "c1 found nothing left to expire, expired %s", reps[1].Points)
	assert.Equal(t, "10", tw.state(t).balances[tw.incs[0].HolderAccount("p-1")], "the new points stay")
	assertExpiredOncePerHolder(t, tw, now.Format("20060102"))
}
