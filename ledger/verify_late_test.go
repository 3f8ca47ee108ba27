package ledger_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/memstore"
)

// lateAccountStore runs hook once, outside any view, at the first View after a page of
// accounts was listed: as a writer that commits between two of Verify's views.
type lateAccountStore struct {
	ledger.Store
	mu     sync.Mutex
	listed bool
	hook   func()
}

func (s *lateAccountStore) View(ctx context.Context, fn func(ledger.StoreReader) error) error {
	s.mu.Lock()
	hook := s.hook
	if s.listed && hook != nil {
		s.hook = nil
	} else {
		hook = nil
	}
	s.mu.Unlock()
	if hook != nil {
		hook()
	}
	return s.Store.View(ctx, func(r ledger.StoreReader) error {
		return fn(&lateAccountReader{StoreReader: r, s: s})
	})
}

type lateAccountReader struct {
	ledger.StoreReader
	s *lateAccountStore
}

func (r *lateAccountReader) Accounts(ctx context.Context, after ledger.AccountID, limit int, now time.Time) ([]ledger.AccountState, error) {
	r.s.mu.Lock()
	r.s.listed = true
	r.s.mu.Unlock()
	return r.StoreReader.Accounts(ctx, after, limit, now)
}

// TestVerifyAccountOpenedBehindItsPage: an account opened and posted to while Verify runs,
// whose id sorts before the page of accounts Verify already compared, is a concurrent write,
// not an account that "does not exist".
func TestVerifyAccountOpenedBehindItsPage(t *testing.T) {
	ctx := context.Background()
	store := &lateAccountStore{Store: memstore.New()}
	l, err := ledger.New(ctx, store)
	require.NoError(t, err)
	require.NoError(t, l.CreateAsset(ctx, ledger.Asset{Code: "PTS", Scale: 2}))
	require.NoError(t, l.OpenAccount(ctx, ledger.Account{ID: "issuer", Asset: "PTS", Unbounded: true}))
	const accounts = 4200 // more than one page of accounts
	for i := 0; i < accounts; i++ {
		require.NoError(t, l.OpenAccount(ctx, ledger.Account{ID: ledger.AccountID(fmt.Sprintf("m%05d", i)), Asset: "PTS"}))
	}
	_, err = l.Post(ctx, ledger.Transaction{Postings: []ledger.Posting{award2("issuer", "m00001", "1")}})
	require.NoError(t, err)
	require.NoError(t, l.Verify(ctx))

	var hookErr error
	store.mu.Lock()
	store.listed = false
	store.hook = func() {
		if hookErr = l.OpenAccount(ctx, ledger.Account{ID: "a-late", Asset: "PTS"}); hookErr == nil {
			_, hookErr = l.Post(ctx, ledger.Transaction{Postings: []ledger.Posting{award2("issuer", "a-late", "2")}})
		}
	}
	store.mu.Unlock()
	require.NoError(t, l.Verify(ctx))
	require.NoError(t, hookErr)
	store.mu.Lock()
	require.Nil(t, store.hook, "the write ran between Verify's views")
	store.mu.Unlock()
	require.NoError(t, l.Verify(ctx))
}
