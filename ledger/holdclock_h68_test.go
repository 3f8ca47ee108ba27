package ledger_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/memstore"
)

// h68Clock is a clock the test moves by hand.
type h68Clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *h68Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *h68Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// h68GateStore delays the next Update, once armed: it reports that the Update arrived on
// entered and waits for release before taking the store's lock, as a call queued behind
// another writer (a group commit, a PostgreSQL row lock) would.
type h68GateStore struct {
	ledger.Store
	mu      sync.Mutex
	armed   bool
	entered chan struct{}
	release chan struct{}
}

func (s *h68GateStore) arm() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.armed = true
	s.entered = make(chan struct{})
	s.release = make(chan struct{})
}

func (s *h68GateStore) Update(ctx context.Context, fn func(tx ledger.StoreTx) error) error {
	s.mu.Lock()
	armed := s.armed
	s.armed = false
	entered, release := s.entered, s.release
	s.mu.Unlock()
	if armed {
		close(entered)
		<-release
	}
	return s.Store.Update(ctx, fn)
}

type h68Fixture struct {
	ctx   context.Context
	clock *h68Clock
	store *h68GateStore
	l     *ledger.Ledger
	t0    time.Time
}

func newH68Fixture(t *testing.T) *h68Fixture {
	t.Helper()
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	clock := &h68Clock{now: t0}
	store := &h68GateStore{Store: memstore.New()}
	l, err := ledger.New(ctx, store, ledger.WithClock(clock.Now))
	require.NoError(t, err)
	require.NoError(t, l.CreateAsset(ctx, ledger.Asset{Code: "PTS", Scale: 2}))
	require.NoError(t, l.OpenAccount(ctx, ledger.Account{ID: "issuer", Asset: "PTS", Unbounded: true}))
	for _, id := range []ledger.AccountID{"vol", "shop"} {
		require.NoError(t, l.OpenAccount(ctx, ledger.Account{ID: id, Asset: "PTS"}))
	}
	_, err = l.Post(ctx, ledger.Transaction{Postings: []ledger.Posting{
		{From: "issuer", To: "vol", Amount: decimal.NewFromInt(100), Asset: "PTS"}}})
	require.NoError(t, err)
	return &h68Fixture{ctx: ctx, clock: clock, store: store, l: l, t0: t0}
}

// gated runs call with the store's next Update held back; while it waits, during runs (with
// the store free) and then the Update goes on. It returns call's error.
func (f *h68Fixture) gated(call func() error, during func()) error {
	f.store.arm()
	done := make(chan error, 1)
	go func() { done <- call() }()
	<-f.store.entered
	during()
	close(f.store.release)
	return <-done
}

// A hold that expires while Capture waits for the store is refused with ErrHoldClosed: the

// overtaken runs write (at t0+5s) held back at the store while a Post from the issuer to
// "shop" commits ahead of it at t0+15s; the clock reads t0+16s when write goes on. It returns
// write's transaction and the Post's, and requires that write came later in Seq and was not
// dated before the Post (PostedAt and EffectiveAt).
func (f *h68Fixture) overtaken(t *testing.T, write func() (ledger.Transaction, error)) (waited, first ledger.Transaction) {
	t.Helper()
	f.clock.Set(f.t0.Add(5 * time.Second))
	err := f.gated(func() error {
		var err error
		waited, err = write()
		return err
	}, func() {
		f.clock.Set(f.t0.Add(15 * time.Second))
		var err error
		first, err = f.l.Post(f.ctx, ledger.Transaction{Postings: []ledger.Posting{
			{From: "issuer", To: "shop", Amount: decimal.NewFromInt(1), Asset: "PTS"}}})
		require.NoError(t, err)
		f.clock.Set(f.t0.Add(16 * time.Second))
	})
	require.NoError(t, err)
	require.Greater(t, waited.Seq, first.Seq)
	require.False(t, waited.PostedAt.Before(first.PostedAt), "posted %s before %s", waited.PostedAt, first.PostedAt)
	require.False(t, waited.EffectiveAt.Before(first.EffectiveAt), "effective %s before %s", waited.EffectiveAt, first.EffectiveAt)
	return waited, first
}

// expiry is decided by the clock when the write is under way, not when the call came in.
func TestCaptureExpiryDecidedUnderStoreLockH68(t *testing.T) {
	f := newH68Fixture(t)
	h, err := f.l.Hold(f.ctx, ledger.Posting{From: "vol", To: "shop", Amount: decimal.NewFromInt(30), Asset: "PTS"},
		ledger.HoldOptions{ExpiresAt: f.t0.Add(10 * time.Second)})
	require.NoError(t, err)

	f.clock.Set(f.t0.Add(5 * time.Second)) // the call: the hold is still open
	err = f.gated(func() error {
		_, err := f.l.Capture(f.ctx, h.ID, decimal.NewFromInt(30))
		return err
	}, func() { f.clock.Set(f.t0.Add(20 * time.Second)) }) // the lock: the hold has expired
	require.ErrorIs(t, err, ledger.ErrHoldClosed)

	// Nothing moved, and the expired hold reserves nothing.
	bal, err := f.l.Balance(f.ctx, "vol")
	require.NoError(t, err)
	require.True(t, bal.Equal(decimal.NewFromInt(100)), "balance %s", bal)
	avail, err := f.l.Available(f.ctx, "vol")
	require.NoError(t, err)
	require.True(t, avail.Equal(decimal.NewFromInt(100)), "available %s", avail)
	require.NoError(t, f.l.Verify(f.ctx))
}

// A capture committed after a Post is never dated before it: PostedAt follows Seq.
func TestCapturePostedAtFollowsCommitOrderH68(t *testing.T) {
	f := newH68Fixture(t)
	h, err := f.l.Hold(f.ctx, ledger.Posting{From: "vol", To: "shop", Amount: decimal.NewFromInt(30), Asset: "PTS"}, ledger.HoldOptions{})
	require.NoError(t, err)

	capture, _ := f.overtaken(t, func() (ledger.Transaction, error) {
		return f.l.Capture(f.ctx, h.ID, decimal.NewFromInt(20))
	})
	require.Equal(t, f.t0.Add(16*time.Second), capture.PostedAt)

	got, err := f.l.GetHold(f.ctx, h.ID)
	require.NoError(t, err)
	require.Equal(t, ledger.HoldCaptured, got.Status)
	require.NoError(t, f.l.Verify(f.ctx))
}

// A Hold whose expiry passes while it waits for the store is not opened: its expiry is not
// in the future when the hold would be written.
func TestHoldExpiryCheckedUnderStoreLockH68(t *testing.T) {
	f := newH68Fixture(t)
	f.clock.Set(f.t0.Add(5 * time.Second))
	var h ledger.Hold
	err := f.gated(func() error {
		var err error
		h, err = f.l.Hold(f.ctx, ledger.Posting{From: "vol", To: "shop", Amount: decimal.NewFromInt(30), Asset: "PTS"},
			ledger.HoldOptions{IdempotencyKey: "h68:late", ExpiresAt: f.t0.Add(10 * time.Second)})
		return err
	}, func() { f.clock.Set(f.t0.Add(20 * time.Second)) })
	require.ErrorIs(t, err, ledger.ErrInvalid, "opened %+v", h)
	_, err = f.l.HoldByKey(f.ctx, "h68:late")
	require.ErrorIs(t, err, ledger.ErrNotFound)

	// A hold opened after a wait is dated when it was written.
	f.clock.Set(f.t0.Add(25 * time.Second))
	err = f.gated(func() error {
		var err error
		h, err = f.l.Hold(f.ctx, ledger.Posting{From: "vol", To: "shop", Amount: decimal.NewFromInt(30), Asset: "PTS"}, ledger.HoldOptions{})
		return err
	}, func() { f.clock.Set(f.t0.Add(30 * time.Second)) })
	require.NoError(t, err)
	require.Equal(t, f.t0.Add(30*time.Second), h.CreatedAt)
}

// A hold that expired while another hold waited for the store no longer counts against the
// balance of the waiting Hold.
func TestHoldSeesExpiryAtStoreLockH68(t *testing.T) {
	f := newH68Fixture(t)
	_, err := f.l.Hold(f.ctx, ledger.Posting{From: "vol", To: "shop", Amount: decimal.NewFromInt(80), Asset: "PTS"},
		ledger.HoldOptions{ExpiresAt: f.t0.Add(10 * time.Second)})
	require.NoError(t, err)
	f.clock.Set(f.t0.Add(5 * time.Second))
	err = f.gated(func() error {
		_, err := f.l.Hold(f.ctx, ledger.Posting{From: "vol", To: "shop", Amount: decimal.NewFromInt(50), Asset: "PTS"}, ledger.HoldOptions{})
		return err
	}, func() { f.clock.Set(f.t0.Add(20 * time.Second)) })
	require.NoError(t, err)
}

// A Post that waits for the store behind another writer is dated when it commits, so
// PostedAt never goes backwards in Seq order.
func TestPostPostedAtFollowsCommitOrderH68(t *testing.T) {
	f := newH68Fixture(t)
	f.overtaken(t, func() (ledger.Transaction, error) {
		return f.l.Post(f.ctx, ledger.Transaction{Postings: []ledger.Posting{
			{From: "issuer", To: "vol", Amount: decimal.NewFromInt(1), Asset: "PTS"}}})
	})
	require.NoError(t, f.l.Verify(f.ctx))
}

// A Reverse that waits for the store behind another writer is dated when it commits.
func TestReversePostedAtFollowsCommitOrderH68(t *testing.T) {
	f := newH68Fixture(t)
	orig, err := f.l.Post(f.ctx, ledger.Transaction{Postings: []ledger.Posting{
		{From: "vol", To: "shop", Amount: decimal.NewFromInt(1), Asset: "PTS"}}})
	require.NoError(t, err)
	rev, _ := f.overtaken(t, func() (ledger.Transaction, error) {
		return f.l.Reverse(f.ctx, orig.ID, "h68:rev")
	})
	// A replay returns the reversal as first committed.
	again, err := f.l.Reverse(f.ctx, orig.ID, "h68:rev")
	require.NoError(t, err)
	require.Equal(t, rev.ID, again.ID)
	require.Equal(t, rev.PostedAt, again.PostedAt)
	require.NoError(t, f.l.Verify(f.ctx))
}
