package points_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/points"
)

// audited builds an audited completion without a catalog: provider p served demand d for
// hours.
func audited(p catalog.Provider, hours decimal.Decimal) points.Completion {
	d := catalog.Demand{ID: uuid.New(), Kind: catalog.Wish, Category: "haircut", Title: "上门理发",
		Requester: catalog.RequesterRef{ID: "resident"}, Status: catalog.StatusAudited}
	a := catalog.Audit{DemandID: d.ID, ProviderID: p.ID, Approved: true, Hours: hours, Auditor: "li",
		At: time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)}
	return points.Completion{Demand: d, Provider: p, Audits: []catalog.Audit{a}}
}

// TestStorageCapAcrossBanks deposits to one member from many goroutines through two TimeBank
// instances over one ledger (two processes sharing a store, as far as the bank can tell),
// every deposit sent through both banks at once: the member never holds more than the cap,
// no deposit is applied twice, and member plus donation account hold exactly what was
// deposited.
func TestStorageCapAcrossBanks(t *testing.T) {
	const (
		goroutines = 8
		deposits   = 12 // per goroutine, each sent through both banks
		storageCap = 40
	)
	e := newEnv(t, testScheme())
	cfg := points.TimeBankConfig{Community: "yangguang", StorageCap: decimal.NewFromInt(storageCap)}
	banks := [2]*points.TimeBank{newBank(t, e, cfg), newBank(t, e, cfg)}
	p := catalog.Provider{ID: uuid.New(), Kind: catalog.Volunteer, PersonID: "wang"}
	holder := points.ProviderHolder(p)
	member := banks[0].MemberAccount(holder)

	type outcome struct {
		key string
		r   points.HoursReceipt
		err error
	}
	results := make(chan outcome, goroutines*deposits*2)
	sum := decimal.Zero
	var sumMu sync.Mutex
	stop := make(chan struct{})
	var over sync.Map // balances above the cap seen while depositing
	var watch sync.WaitGroup
	watch.Add(1)
	go func() {
		defer watch.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if b, err := e.l.Balance(e.ctx, member); err == nil && b.GreaterThan(cfg.StorageCap) {
				over.Store(b.String(), true)
			}
		}
	}()
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range deposits {
				hours := decimal.New(int64(50+(g*deposits+i)*37%400), -2) // 0.50..4.49 h
				c := audited(p, hours)
				sumMu.Lock()
				sum = sum.Add(hours)
				sumMu.Unlock()
				var both sync.WaitGroup
				for _, b := range banks {
					both.Add(1)
					go func() {
						defer both.Done()
						r, err := b.Deposit(context.Background(), c)
						results <- outcome{points.DepositKey(c.Demand.ID, p.ID), r, err}
					}()
				}
				both.Wait()
			}
		}()
	}
	wg.Wait()
	close(stop)
	watch.Wait()
	close(results)

	byKey := map[string]uuid.UUID{}
	for o := range results {
		require.NoError(t, o.err, o.key)
		if id, ok := byKey[o.key]; ok {
			assert.Equal(t, id, o.r.Transaction.ID, "both banks answer %s with one transaction", o.key)
		}
		byKey[o.key] = o.r.Transaction.ID
	}
	assert.Len(t, byKey, goroutines*deposits)
	over.Range(func(k, _ any) bool {
		t.Errorf("member held %s hours, cap %d", k, storageCap)
		return true
	})
	got, err := banks[1].Hours(e.ctx, holder)
	require.NoError(t, err)
	donated := e.balance(t, banks[0].DonationAccount())
	require.True(t, sum.GreaterThan(cfg.StorageCap), "the test must overflow the cap")
	assert.Equal(t, cfg.StorageCap.String(), got.String())
	assert.Equal(t, sum.String(), got.Add(donated).String(), "nothing lost, nothing doubled")
	e.verify(t)
}

// TestStorageCapKeptByLedger: member accounts carry the cap as their MaxBalance, so the ledger
// refuses anything that would take a member over it, whoever posts.
func TestStorageCapKeptByLedger(t *testing.T) {
	e := newEnv(t, testScheme())
	tb := newBank(t, e, points.TimeBankConfig{StorageCap: dec("5")})
	p := catalog.Provider{ID: uuid.New(), Kind: catalog.Volunteer, PersonID: "wang"}
	_, err := tb.Deposit(e.ctx, audited(p, dec("4")))
	require.NoError(t, err)
	member := tb.MemberAccount(points.ProviderHolder(p))
	a, err := e.l.Account(e.ctx, member)
	require.NoError(t, err)
	require.True(t, a.MaxBalance.Valid)
	assert.Equal(t, "5", a.MaxBalance.Decimal.String())
	_, err = e.l.Post(e.ctx, ledger.Transaction{Postings: []ledger.Posting{{From: tb.PoolAccount(), To: member, Amount: dec("2"), Asset: "HOUR"}}})
	require.ErrorIs(t, err, ledger.ErrAboveMaxBalance)

	// A bank of the same community with another cap cannot use the same accounts.
	other := newBank(t, e, points.TimeBankConfig{StorageCap: dec("9")})
	seq := e.head(t)
	_, err = other.Deposit(e.ctx, audited(p, dec("1")))
	require.ErrorIs(t, err, points.ErrInvalidScheme)
	assert.Equal(t, seq, e.head(t))
	e.verify(t)
}

// TestStorageCapRetryAfterSplitMoved: a retried deposit or gift whose split would differ now
// (the member withdrew meanwhile) is answered with the first transaction, not posted again.
func TestStorageCapRetryAfterSplitMoved(t *testing.T) {
	e := newEnv(t, testScheme())
	tb := newBank(t, e, points.TimeBankConfig{StorageCap: dec("5")})
	p := catalog.Provider{ID: uuid.New(), Kind: catalog.Volunteer, PersonID: "wang"}
	h := points.ProviderHolder(p)
	_, err := tb.Deposit(e.ctx, audited(p, dec("3")))
	require.NoError(t, err)
	c := audited(p, dec("4"))
	first, err := tb.Deposit(e.ctx, c)
	require.NoError(t, err)
	assert.Equal(t, "2", first.Donated.String())
	g := points.Gift{Key: "g1", From: points.PersonHolder("kin"), To: h, Hours: dec("1"), Relationship: "child"}
	_, err = tb.Deposit(e.ctx, audited(catalog.Provider{ID: uuid.New(), Kind: catalog.Volunteer, PersonID: "kin"}, dec("2")))
	require.NoError(t, err)
	gift, err := tb.Gift(e.ctx, g)
	require.NoError(t, err)
	assert.Equal(t, "1", gift.Donated.String(), "the member is full")

	_, err = tb.Withdraw(e.ctx, points.Withdrawal{Member: points.Member{Holder: h}, Hours: dec("3"), DemandID: uuid.New()})
	require.NoError(t, err)
	seq := e.head(t)
	again, err := tb.Deposit(e.ctx, c)
	require.NoError(t, err)
	assert.True(t, again.Replayed)
	assert.Equal(t, first.Transaction.ID, again.Transaction.ID)
	assert.Equal(t, "2", again.Donated.String())
	giftAgain, err := tb.Gift(e.ctx, g)
	require.NoError(t, err)
	assert.True(t, giftAgain.Replayed)
	assert.Equal(t, gift.Transaction.ID, giftAgain.Transaction.ID)
	assert.Equal(t, "1", giftAgain.Donated.String())
	assert.Equal(t, seq, e.head(t))

	g.Hours = dec("0.5")
	_, err = tb.Gift(e.ctx, g)
	require.ErrorIs(t, err, points.ErrKeyReused)
	assert.Equal(t, seq, e.head(t))
	e.verify(t)
}

// TestStorageCapLegacyAccount: a member account opened before the ledger kept the cap (no
// MaxBalance) is still served, the cap kept by serialising its credits in this process.
func TestStorageCapLegacyAccount(t *testing.T) {
	e := newEnv(t, testScheme())
	tb := newBank(t, e, points.TimeBankConfig{StorageCap: dec("10")})
	p := catalog.Provider{ID: uuid.New(), Kind: catalog.Volunteer, PersonID: "old"}
	h := points.ProviderHolder(p)
	// Opened without a maximum, as an earlier version did.
	require.NoError(t, e.l.OpenAccount(e.ctx, ledger.Account{ID: tb.MemberAccount(h), Asset: "HOUR"}))

	const deposits = 16
	var wg sync.WaitGroup
	errs := make(chan error, deposits)
	for range deposits {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := tb.Deposit(context.Background(), audited(p, dec("1.5")))
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	got, err := tb.Hours(e.ctx, h)
	require.NoError(t, err)
	assert.Equal(t, "10", got.String())
	assert.Equal(t, fmt.Sprint(1.5*deposits-10), e.balance(t, tb.DonationAccount()).String())
	a, err := e.l.Account(e.ctx, tb.MemberAccount(h))
	require.NoError(t, err)
	assert.False(t, a.MaxBalance.Valid, "the account keeps its definition")
	e.verify(t)
}
