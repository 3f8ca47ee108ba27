package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/ledger"
)

// stepStore counts the steps of the ledger's store calls (each Update and View, each call
// on their transaction or reader, and the end of each function passed to Update, just before
// the store commits) and cancels a context at one of them: a call's ctx ending at any point.
type stepStore struct {
	ledger.Store
	mu     sync.Mutex
	steps  int
	at     int // the step that cancels; 0: none
	cancel context.CancelFunc
	fired  bool
}

func (s *stepStore) arm(at int, cancel context.CancelFunc) {
	s.mu.Lock()
	s.steps, s.at, s.cancel, s.fired = 0, at, cancel, false
	s.mu.Unlock()
}

// disarm stops counting and reports whether the cancel fired.
func (s *stepStore) disarm() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	fired := s.fired
	s.at, s.cancel = 0, nil
	return fired
}

func (s *stepStore) step() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.at == 0 {
		return
	}
	s.steps++
	if s.steps == s.at {
		s.cancel()
		s.fired = true
	}
}

// GroupCommit passes on the store's choice (ledger.StoreGroupCommit), so Post runs as it
// would on the store itself.
func (s *stepStore) GroupCommit() bool {
	g, ok := s.Store.(ledger.StoreGroupCommit)
	return ok && g.GroupCommit()
}

func (s *stepStore) Update(ctx context.Context, fn func(tx ledger.StoreTx) error) error {
	s.step()
	return s.Store.Update(ctx, func(tx ledger.StoreTx) error {
		s.step()
		var w ledger.StoreTx = &stepTx{StoreTx: tx, s: s}
		if l, ok := tx.(ledger.StoreKeyLookup); ok {
			w = &stepLookupTx{stepTx: stepTx{StoreTx: tx, s: s}, lookup: l}
		}
		err := fn(w)
		s.step()
		return err
	})
}

func (s *stepStore) View(ctx context.Context, fn func(r ledger.StoreReader) error) error {
	s.step()
	return s.Store.View(ctx, func(r ledger.StoreReader) error {
		return fn(&stepReader{StoreReader: r, s: s})
	})
}

type stepReader struct {
	ledger.StoreReader
	s *stepStore
}

func (r *stepReader) Asset(ctx context.Context, code string) (ledger.Asset, error) {
	r.s.step()
	return r.StoreReader.Asset(ctx, code)
}

func (r *stepReader) Account(ctx context.Context, id ledger.AccountID, now time.Time) (ledger.AccountState, error) {
	r.s.step()
	return r.StoreReader.Account(ctx, id, now)
}

func (r *stepReader) Transaction(ctx context.Context, id uuid.UUID) (ledger.TxRecord, error) {
	r.s.step()
	return r.StoreReader.Transaction(ctx, id)
}

func (r *stepReader) Hold(ctx context.Context, id uuid.UUID) (ledger.HoldRecord, error) {
	r.s.step()
	return r.StoreReader.Hold(ctx, id)
}

type stepTx struct {
	ledger.StoreTx
	s *stepStore
}

func (t *stepTx) Asset(ctx context.Context, code string) (ledger.Asset, error) {
	t.s.step()
	return t.StoreTx.Asset(ctx, code)
}

func (t *stepTx) Account(ctx context.Context, id ledger.AccountID, now time.Time) (ledger.AccountState, error) {
	t.s.step()
	return t.StoreTx.Account(ctx, id, now)
}

func (t *stepTx) Transaction(ctx context.Context, id uuid.UUID) (ledger.TxRecord, error) {
	t.s.step()
	return t.StoreTx.Transaction(ctx, id)
}

func (t *stepTx) TransactionByKey(ctx context.Context, key string) (ledger.TxRecord, error) {
	t.s.step()
	return t.StoreTx.TransactionByKey(ctx, key)
}

func (t *stepTx) ReversalOf(ctx context.Context, id uuid.UUID) (uuid.UUID, error) {
	t.s.step()
	return t.StoreTx.ReversalOf(ctx, id)
}

func (t *stepTx) Hold(ctx context.Context, id uuid.UUID) (ledger.HoldRecord, error) {
	t.s.step()
	return t.StoreTx.Hold(ctx, id)
}

func (t *stepTx) HoldByKey(ctx context.Context, key string) (ledger.HoldRecord, error) {
	t.s.step()
	return t.StoreTx.HoldByKey(ctx, key)
}

func (t *stepTx) LockHead(ctx context.Context) (ledger.Head, error) {
	t.s.step()
	return t.StoreTx.LockHead(ctx)
}

func (t *stepTx) LockAccounts(ctx context.Context, ids []ledger.AccountID, now time.Time) ([]ledger.AccountState, error) {
	t.s.step()
	return t.StoreTx.LockAccounts(ctx, ids, now)
}

func (t *stepTx) InsertAsset(ctx context.Context, a ledger.Asset) error {
	t.s.step()
	return t.StoreTx.InsertAsset(ctx, a)
}

func (t *stepTx) InsertAccount(ctx context.Context, a ledger.AccountRecord) error {
	t.s.step()
	return t.StoreTx.InsertAccount(ctx, a)
}

func (t *stepTx) Commit(ctx context.Context, c ledger.Commit) error {
	t.s.step()
	return t.StoreTx.Commit(ctx, c)
}

type stepLookupTx struct {
	stepTx
	lookup ledger.StoreKeyLookup
}

func (t *stepLookupTx) TransactionsByKeys(ctx context.Context, keys []string) (map[string]ledger.TxRecord, error) {
	t.s.step()
	return t.lookup.TransactionsByKeys(ctx, keys)
}

// testCancelAtEveryStep cancels each kind of write at every step of its store calls in turn:
// the call either did everything (the store noticed too late) or fails with an error
// wrapping context.Canceled and changed nothing, and the ledger still verifies.
func testCancelAtEveryStep(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := &stepStore{Store: newStore(t)}
	f := fixtureOn(t, s)
	l, clock := f.l, f.clock
	f.post(one(pts("issuer", "a", "1000")))

	// An op prepares what its write needs, calls ready, runs the write with ctx and returns
	// a check of whether the write happened.
	type op struct {
		name string
		run  func(ctx context.Context, k int, ready func()) (done func() bool, err error)
	}
	holdFor := func(k int) ledger.Hold {
		h, err := l.Hold(ctx, pts("a", "c", "1"), ledger.HoldOptions{IdempotencyKey: fmt.Sprintf("cancel:setup-hold:%d:%d", k, time.Now().UnixNano())})
		require.NoError(t, err)
		return h
	}
	ops := []op{
		{"Post", func(c context.Context, k int, ready func()) (func() bool, error) {
			key := fmt.Sprintf("cancel:post:%d", k)
			ready()
			_, err := l.Post(c, ledger.Transaction{IdempotencyKey: key, Postings: []ledger.Posting{pts("issuer", "b", "1")}})
			return func() bool { _, err := l.TransactionByKey(ctx, key); return err == nil }, err
		}},
		{"PostBatch", func(c context.Context, k int, ready func()) (func() bool, error) {
			key := fmt.Sprintf("cancel:batch:%d:", k)
			ready()
			_, err := l.PostBatch(c, []ledger.Transaction{
				{IdempotencyKey: key + "0", Postings: []ledger.Posting{pts("issuer", "b", "1")}},
				{IdempotencyKey: key + "1", Postings: []ledger.Posting{pts("a", "b", "1")}},
			})
			return func() bool {
				_, err0 := l.TransactionByKey(ctx, key+"0")
				_, err1 := l.TransactionByKey(ctx, key+"1")
				require.Equal(t, err0 == nil, err1 == nil, "half a batch")
				return err0 == nil
			}, err
		}},
		{"Hold", func(c context.Context, k int, ready func()) (func() bool, error) {
			key := fmt.Sprintf("cancel:hold:%d", k)
			ready()
			_, err := l.Hold(c, pts("a", "b", "1"), ledger.HoldOptions{IdempotencyKey: key, ExpiresAt: clock.Now().Add(time.Hour)})
			return func() bool { _, err := l.HoldByKey(ctx, key); return err == nil }, err
		}},
		{"Capture", func(c context.Context, k int, ready func()) (func() bool, error) {
			h := holdFor(k)
			ready()
			_, err := l.Capture(c, h.ID, dec("0.5"))
			return func() bool {
				g, err := l.GetHold(ctx, h.ID)
				require.NoError(t, err)
				return g.Status == ledger.HoldCaptured
			}, err
		}},
		{"Release", func(c context.Context, k int, ready func()) (func() bool, error) {
			h := holdFor(k)
			ready()
			err := l.Release(c, h.ID)
			return func() bool {
				g, err := l.GetHold(ctx, h.ID)
				require.NoError(t, err)
				return g.Status == ledger.HoldReleased
			}, err
		}},
		{"Reverse", func(c context.Context, k int, ready func()) (func() bool, error) {
			orig := f.post(one(pts("issuer", "b", "2")))
			key := fmt.Sprintf("cancel:reverse:%d", k)
			ready()
			_, err := l.Reverse(c, orig.ID, key)
			return func() bool { _, err := l.TransactionByKey(ctx, key); return err == nil }, err
		}},
		{"OpenAccount", func(c context.Context, k int, ready func()) (func() bool, error) {
			id := ledger.AccountID(fmt.Sprintf("cancel:acct:%d", k))
			ready()
			err := l.OpenAccount(c, ledger.Account{ID: id, Asset: "PTS"})
			return func() bool {
				_, err := l.Account(ctx, id)
				if errors.Is(err, ledger.ErrUnknownAccount) {
					return false
				}
				require.NoError(t, err)
				return true
			}, err
		}},
	}
	for _, o := range ops {
		t.Run(o.name, func(t *testing.T) {
			for k := 1; ; k++ {
				require.Less(t, k, 100, "more store steps than expected")
				c, cancel := context.WithCancel(ctx)
				var before snapshot
				done, err := o.run(c, k, func() {
					before = f.snapshot()
					s.arm(k, cancel)
				})
				fired := s.disarm()
				cancel()
				if err != nil {
					require.ErrorIs(t, err, context.Canceled, "%s cancelled at step %d", o.name, k)
					require.False(t, done(), "%s cancelled at step %d failed but did its write", o.name, k)
					f.requireUnchanged(before)
				} else {
					require.True(t, done(), "%s cancelled at step %d succeeded without its write", o.name, k)
				}
				if !fired {
					require.NoError(t, err, "%s not cancelled", o.name)
					require.Greater(t, k, 3, "%s took fewer store steps than expected", o.name)
					t.Logf("cancelled at each of %d steps", k-1)
					break
				}
			}
			f.verify()
		})
	}
}
