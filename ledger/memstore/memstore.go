// Package memstore is the in-memory ledger.Store: the default for tests and small
// deployments, and the reference the SQL stores are checked against. It keeps everything in
// compact structures (interned account ids, fixed-size transaction records in chunks, integer
// minor units) so that ten million transactions fit in a few gigabytes.
//
// Nothing survives the process: use ledger/sqlstore for a durable ledger.
package memstore

import (
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"maps"
	"math/bits"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/tongxin/tongxin/ledger"
)

const (
	chunkBits = 14
	chunkSize = 1 << chunkBits // records per chunk: appending never copies old records
	// checkpointEvery is how many of an account's in-order entries one running-balance
	// checkpoint covers: BalanceAt sums at most this many entries after a binary search.
	checkpointEvery = 64
	// TransactionsMax bounds the transactions one Store holds (record indexes are uint32 and
	// the top bit of an account index carries a flag).
	TransactionsMax = 1<<32 - 2
	// AccountsMax bounds the accounts one Store holds.
	AccountsMax    = 1<<31 - 1
	flagDefaulted  = 1 << 31 // in txRec.from
	flagOutOfOrder = 1 << 31 // in txRec.to: the id is in the exceptions map
)

// Store is an in-memory ledger.Store. The zero value is not usable; call New.
type Store struct {
	mu     sync.RWMutex
	closed bool

	assets   map[string]ledger.Asset
	accIndex map[ledger.AccountID]uint32
	accounts []*account

	chunks [][]txRec
	count  uint32
	keys   keyIndex
	// extras holds each transaction's rare fields (memo, metadata, several postings, the
	// transaction it reverses, the hold it captures), encoded by encodeExtra under txRec.extra.
	extras   arena
	extraBuf []byte // encoding scratch, used under the write lock
	deltaBuf []accountDelta
	tx       storeTx // reused by every Update: the write lock makes it exclusive
	// Ledger ids are version-7 UUIDs, which increase in the order they are drawn, and commits
	// mostly follow that order: records in ascending id order are found by binary search, and
	// only ids that arrive out of order (concurrent posters, custom id sources) are kept here.
	byID      map[uuid.UUID]uint32
	maxID     uuid.UUID
	reversals map[uuid.UUID]uint32 // reversed transaction id -> reversing record index

	// order caches account indexes in id order for Accounts; accounts are never removed, so
	// it is current while its length equals len(accounts).
	orderMu sync.Mutex
	order   []uint32

	holds    map[uuid.UUID]*hold
	holdKeys map[string]*hold

	head ledger.Head
}

type account struct {
	rec     ledger.AccountRecord
	balance int64
	// heldForever sums open holds without expiry; expiring lists open holds that have one,
	// whose amounts count only until they expire, in ascending order of expiry (ties in the
	// order they were opened): the holds that still reserve at a time are a suffix, so
	// expired holds that are never released are not read again.
	heldForever int64
	expiring    []*hold

	// Entries for this account, split so that BalanceAt can binary-search by time: ordered
	// holds the entries whose effective time is not before any earlier one, late the
	// back-dated rest. Both are ascending record indexes; together they are every entry.
	ordered     []uint32
	late        []uint32
	checkpoints []wide // checkpoints[k]: sum of deltas of ordered[0 : (k+1)*checkpointEvery]
	pending     wide   // sum of deltas of the ordered entries after the last checkpoint
	maxEff      int64
}

// txRec is one committed transaction, 88 bytes and free of pointers, so the garbage collector
// never scans the chunks that hold them. A one-posting transaction (the common case) keeps its
// posting inline; anything rarer lives in the extras arena, also free of pointers.
type txRec struct {
	id     uuid.UUID
	eff    int64 // unix microseconds
	posted int64
	hash   [32]byte
	from   uint32 // account index; the top bit is flagDefaulted
	to     uint32
	amount int64
	extra  uint64 // arena ref of the encoded rare fields, 0 for none
}

type posting struct {
	from, to uint32
	amount   int64
}

type hold struct {
	rec ledger.HoldRecord
}

// New returns an empty Store.
func New() *Store {
	return &Store{
		keys:      newKeyIndex(),
		assets:    make(map[string]ledger.Asset),
		accIndex:  make(map[ledger.AccountID]uint32),
		byID:      make(map[uuid.UUID]uint32),
		reversals: make(map[uuid.UUID]uint32),
		holds:     make(map[uuid.UUID]*hold),
		holdKeys:  make(map[string]*hold),
	}
}

var _ ledger.Store = (*Store)(nil)

// Update runs fn holding the store's write lock; fn's writes are applied when it returns nil.
func (s *Store) Update(ctx context.Context, fn func(tx ledger.StoreTx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ledger.ErrClosed
	}
	tx := &s.tx
	tx.reader = reader{s}
	defer tx.reset()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.apply()
}

// View runs fn holding the store's read lock.
func (s *Store) View(ctx context.Context, fn func(r ledger.StoreReader) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return ledger.ErrClosed
	}
	return fn(reader{s})
}

// Close drops the store's contents; later calls return ledger.ErrClosed.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		s.chunks, s.accounts, s.order = nil, nil, nil
		s.byID, s.reversals, s.accIndex = nil, nil, nil
		s.keys, s.extras = keyIndex{}, arena{}
		s.assets, s.holds, s.holdKeys = nil, nil, nil
		s.tx, s.extraBuf, s.deltaBuf = storeTx{}, nil, nil
	}
	return nil
}

func (s *Store) rec(i uint32) *txRec { return &s.chunks[i>>chunkBits][i&(chunkSize-1)] }

func (s *Store) key(i uint32) string { return s.keys.key(i) }

// reader implements ledger.StoreReader; the caller holds the lock.
type reader struct{ s *Store }

func notFound(what string, v any) error { return fmt.Errorf("%s %v: %w", what, v, ledger.ErrNotFound) }

func (r reader) Asset(_ context.Context, code string) (ledger.Asset, error) {
	a, ok := r.s.assets[code]
	if !ok {
		return ledger.Asset{}, notFound("asset", code)
	}
	return a, nil
}

func (r reader) Assets(context.Context) ([]ledger.Asset, error) {
	out := slices.Collect(maps.Values(r.s.assets))
	slices.SortFunc(out, func(a, b ledger.Asset) int { return compareStrings(a.Code, b.Code) })
	return out, nil
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (r reader) state(a *account, now time.Time) ledger.AccountState {
	held := a.heldForever
	// Every hold in expiring is open; those expiring after now are at the end.
	for k := len(a.expiring) - 1; k >= 0 && now.Before(a.expiring[k].rec.ExpiresAt); k-- {
		held += a.expiring[k].rec.Posting.Amount
	}
	return ledger.AccountState{AccountRecord: a.rec, Balance: a.balance, Held: held}
}

// addExpiring files an open hold with an expiry in a's list, after those expiring no later.
// Most holds are opened with the latest expiry yet and go at the end.
func (a *account) addExpiring(h *hold) {
	at := h.rec.ExpiresAt
	k := len(a.expiring)
	if k > 0 && a.expiring[k-1].rec.ExpiresAt.After(at) {
		k, _ = slices.BinarySearchFunc(a.expiring, at, func(x *hold, at time.Time) int {
			if x.rec.ExpiresAt.After(at) {
				return 1
			}
			return -1
		})
	}
	a.expiring = slices.Insert(a.expiring, k, h)
}

// removeExpiring takes a closed hold out of a's list; it must be there.
func (a *account) removeExpiring(h *hold) {
	at := h.rec.ExpiresAt
	k, _ := slices.BinarySearchFunc(a.expiring, at, func(x *hold, at time.Time) int {
		if x.rec.ExpiresAt.Before(at) {
			return -1
		}
		return 1
	})
	for k < len(a.expiring) && a.expiring[k] != h {
		k++
	}
	if k == len(a.expiring) {
		panic(fmt.Sprintf("memstore: open hold %s is not in its account's list", h.rec.ID))
	}
	a.expiring = slices.Delete(a.expiring, k, k+1)
}

func (r reader) Account(_ context.Context, id ledger.AccountID, now time.Time) (ledger.AccountState, error) {
	i, ok := r.s.accIndex[id]
	if !ok {
		return ledger.AccountState{}, notFound("account", id)
	}
	return r.state(r.s.accounts[i], now), nil
}

func (r reader) Accounts(_ context.Context, after ledger.AccountID, limit int, now time.Time) ([]ledger.AccountState, error) {
	order := r.s.accountOrder()
	k, _ := slices.BinarySearchFunc(order, after, func(i uint32, id ledger.AccountID) int {
		return compareStrings(string(r.s.accounts[i].rec.ID), string(id))
	})
	if k < len(order) && r.s.accounts[order[k]].rec.ID == after {
		k++
	}
	order = order[k : k+min(len(order)-k, max(limit, 0))] // k+limit could overflow
	out := make([]ledger.AccountState, len(order))
	for j, i := range order {
		out[j] = r.state(r.s.accounts[i], now)
	}
	return out, nil
}

// accountOrder returns account indexes in ascending id order, sorted again only after accounts
// were added: paging through a million accounts must not sort them once per page. Readers
// share the read lock, so the cache has a lock of its own.
func (s *Store) accountOrder() []uint32 {
	s.orderMu.Lock()
	defer s.orderMu.Unlock()
	if len(s.order) != len(s.accounts) {
		order := make([]uint32, len(s.accounts))
		for i := range order {
			order[i] = uint32(i)
		}
		slices.SortFunc(order, func(a, b uint32) int {
			return compareStrings(string(s.accounts[a].rec.ID), string(s.accounts[b].rec.ID))
		})
		s.order = order
	}
	return s.order
}

func (r reader) record(i uint32) ledger.TxRecord {
	s := r.s
	t := s.rec(i)
	out := ledger.TxRecord{
		ID: t.id, Seq: uint64(i) + 1, IdempotencyKey: s.key(i),
		EffectiveAt:        time.UnixMicro(t.eff).UTC(),
		PostedAt:           time.UnixMicro(t.posted).UTC(),
		EffectiveDefaulted: t.from&flagDefaulted != 0,
		Hash:               t.hash,
	}
	if t.extra != 0 {
		x := decodeExtra(s.extras.get(t.extra))
		out.Memo, out.Reverses, out.CapturesHold, out.Metadata = x.memo, x.reverses, x.captures, x.metadata
		if n := x.postings(); n > 0 {
			out.Postings = make([]ledger.PostingRecord, n)
			for k := range out.Postings {
				p := x.posting(k)
				out.Postings[k] = r.posting(p.from, p.to, p.amount)
			}
			return out
		}
	}
	out.Postings = []ledger.PostingRecord{r.posting(t.from&^flagDefaulted, t.to&^flagOutOfOrder, t.amount)}
	return out
}

func (r reader) posting(from, to uint32, amount int64) ledger.PostingRecord {
	f := r.s.accounts[from]
	return ledger.PostingRecord{From: f.rec.ID, To: r.s.accounts[to].rec.ID, Asset: f.rec.Asset, Amount: amount}
}

func (r reader) Transaction(_ context.Context, id uuid.UUID) (ledger.TxRecord, error) {
	i, ok := r.s.lookupID(id)
	if !ok {
		return ledger.TxRecord{}, notFound("transaction", id)
	}
	return r.record(i), nil
}

// lookupID finds a record by id: the exceptions map first, else a binary search over the
// records that were appended in ascending id order (those not in byID).
func (s *Store) lookupID(id uuid.UUID) (uint32, bool) {
	if i, ok := s.byID[id]; ok {
		return i, true
	}
	lo, hi := uint32(0), s.count
	for lo < hi {
		mid := lo + (hi-lo)/2
		// Records in the exceptions map break the order; step over them to an ordered one.
		j := mid
		for j < hi && s.rec(j).to&flagOutOfOrder != 0 {
			j++
		}
		if j == hi {
			hi = mid
			continue
		}
		switch c := compareIDs(s.rec(j).id, id); {
		case c == 0:
			return j, true
		case c < 0:
			lo = j + 1
		default:
			hi = mid
		}
	}
	return 0, false
}

func compareIDs(a, b uuid.UUID) int {
	for k := range a {
		if a[k] != b[k] {
			if a[k] < b[k] {
				return -1
			}
			return 1
		}
	}
	return 0
}

func (r reader) TransactionByKey(_ context.Context, key string) (ledger.TxRecord, error) {
	i, ok := r.s.keys.find(key)
	if !ok {
		// Most keys are new: the bare sentinel spares every Post a formatted error.
		return ledger.TxRecord{}, ledger.ErrNotFound
	}
	return r.record(i), nil
}

func (r reader) ReversalOf(_ context.Context, id uuid.UUID) (uuid.UUID, error) {
	i, ok := r.s.reversals[id]
	if !ok {
		return uuid.Nil, notFound("reversal of", id)
	}
	return r.s.rec(i).id, nil
}

func (r reader) Transactions(_ context.Context, afterSeq uint64, limit int) ([]ledger.TxRecord, error) {
	if afterSeq >= uint64(r.s.count) {
		return nil, nil // and afterSeq+1 below cannot wrap around to 0
	}
	var out []ledger.TxRecord
	for seq := afterSeq + 1; seq <= uint64(r.s.count) && len(out) < limit; seq++ {
		out = append(out, r.record(uint32(seq-1)))
	}
	return out, nil
}

func (r reader) AccountTransactions(_ context.Context, id ledger.AccountID, afterSeq uint64, limit int) ([]ledger.TxRecord, error) {
	ai, ok := r.s.accIndex[id]
	if !ok {
		return nil, notFound("account", id)
	}
	a := r.s.accounts[ai]
	// Record index = seq-1, so entries after afterSeq start at index afterSeq.
	start := uint32(min(afterSeq, uint64(TransactionsMax)))
	i, _ := slices.BinarySearch(a.ordered, start)
	j, _ := slices.BinarySearch(a.late, start)
	var out []ledger.TxRecord
	for len(out) < limit && (i < len(a.ordered) || j < len(a.late)) {
		var next uint32
		if j >= len(a.late) || (i < len(a.ordered) && a.ordered[i] < a.late[j]) {
			next = a.ordered[i]
			i++
		} else {
			next = a.late[j]
			j++
		}
		out = append(out, r.record(next))
	}
	return out, nil
}

// delta is what record i changed account ai by.
func (s *Store) delta(i, ai uint32) int64 {
	t := s.rec(i)
	var postings []byte
	if t.extra != 0 {
		postings, _ = splitPostings(s.extras.get(t.extra))
	}
	// A one-posting record keeps its posting inline even when it has extras (a memo, say).
	if len(postings) > 0 {
		x := extra{postingBytes: postings}
		var d int64
		for k := range x.postings() {
			p := x.posting(k)
			if p.from == ai {
				d -= p.amount
			}
			if p.to == ai {
				d += p.amount
			}
		}
		return d
	}
	if t.from&^flagDefaulted == ai {
		return -t.amount
	}
	return t.amount
}

func (r reader) BalanceAt(_ context.Context, id ledger.AccountID, t time.Time) (int64, error) {
	s := r.s
	ai, ok := s.accIndex[id]
	if !ok {
		return 0, notFound("account", id)
	}
	a := s.accounts[ai]
	at := t.UnixMicro()
	// Entries of ordered are sorted by effective time, so those at or before t are a prefix.
	n, _ := slices.BinarySearchFunc(a.ordered, at, func(i uint32, at int64) int {
		if s.rec(i).eff <= at {
			return -1
		}
		return 1
	})
	// The entries of a sound ledger add up to a committed balance, but those effective by a
	// past time need not: back-dated postings can take it beyond int64.
	var sum wide
	k := n / checkpointEvery
	if k > 0 {
		sum = a.checkpoints[k-1]
	}
	for _, i := range a.ordered[k*checkpointEvery : n] {
		sum.add(s.delta(i, ai))
	}
	for _, i := range a.late {
		if s.rec(i).eff <= at {
			sum.add(s.delta(i, ai))
		}
	}
	v, ok := sum.int64()
	if !ok {
		return 0, fmt.Errorf("memstore: balance of %s at %s is beyond int64 minor units: %w", id, t, ledger.ErrInvalidAmount)
	}
	return v, nil
}

// wide is a 128-bit two's-complement sum (hi:lo) of int64s: the running sums of an account's
// entries, which can pass int64 where a subset of the entries is added up (see BalanceAt).
type wide struct {
	hi int64
	lo uint64
}

func (w *wide) add(d int64) {
	var carry uint64
	w.lo, carry = bits.Add64(w.lo, uint64(d), 0)
	w.hi += int64(carry) + d>>63 // d>>63 is -1 for a negative d: its sign extended
}

func (w wide) plus(v wide) wide {
	lo, carry := bits.Add64(w.lo, v.lo, 0)
	return wide{hi: w.hi + v.hi + int64(carry), lo: lo}
}

// int64 returns the sum and whether it fits in an int64.
func (w wide) int64() (int64, bool) {
	v := int64(w.lo)
	return v, w.hi == v>>63
}

func (r reader) Hold(_ context.Context, id uuid.UUID) (ledger.HoldRecord, error) {
	h, ok := r.s.holds[id]
	if !ok {
		return ledger.HoldRecord{}, notFound("hold", id)
	}
	return h.rec, nil
}

func (r reader) HoldByKey(_ context.Context, key string) (ledger.HoldRecord, error) {
	h, ok := r.s.holdKeys[key]
	if !ok {
		return ledger.HoldRecord{}, notFound("hold key", key)
	}
	return h.rec, nil
}

func (r reader) Head(context.Context) (ledger.Head, error) { return r.s.head, nil }

// storeTx buffers writes until fn returns, so a failed fn leaves the store untouched.
type storeTx struct {
	reader
	assets   []ledger.Asset
	accounts []ledger.AccountRecord
	commits  []ledger.Commit
	// lockedIDs (ascending, as the Ledger passes them) and their indexes, from LockAccounts.
	lockedIDs []ledger.AccountID
	lockedIdx []uint32
	lockedPos map[ledger.AccountID]uint32 // lockedIDs -> lockedIdx, when there are many
	states    []ledger.AccountState
	resolved  []uint32 // account indexes apply resolved, in the order it writes

	// TransactionsByKeys' and apply's buffers, kept between Updates up to lookupKeepMax keys.
	lookups []keyLookup
	tags    []uint32
	addTags []uint32 // apply's tags of the keys it adds
}

// TransactionsByKeys implements ledger.StoreKeyLookup.
func (t *storeTx) TransactionsByKeys(_ context.Context, keys []string) (map[string]ledger.TxRecord, error) {
	res := slices.Grow(t.lookups[:0], len(keys))[:len(keys)]
	tags := slices.Grow(t.tags[:0], len(keys))[:len(keys)]
	t.lookups, t.tags = res, tags
	t.s.keys.lookupMany(keys, res, tags)
	var found map[string]ledger.TxRecord
	for k := range res {
		if res[k].found {
			if found == nil {
				found = make(map[string]ledger.TxRecord)
			}
			found[keys[k]] = t.record(res[k].i)
		}
	}
	return found, nil
}

// lookupKeepMax bounds the key-lookup buffers a write transaction keeps between Updates: a
// Ledger batch (at most ledger.BatchMax keys) fits.
const lookupKeepMax = ledger.BatchMax

func (t *storeTx) reset() {
	clear(t.lockedPos)
	clear(t.lockedIDs)
	clear(t.states)
	t.lockedIDs, t.lockedIdx = t.lockedIDs[:0], t.lockedIdx[:0]
	clear(t.assets)
	clear(t.accounts)
	clear(t.commits)
	t.assets, t.accounts, t.commits = t.assets[:0], t.accounts[:0], t.commits[:0]
	if cap(t.lookups) > lookupKeepMax || cap(t.addTags) > lookupKeepMax {
		// One huge lookup (a store driven directly) must not pin its buffers for good.
		t.lookups, t.tags, t.addTags = nil, nil, nil
	}
}

func (t *storeTx) LockHead(context.Context) (ledger.Head, error) { return t.s.head, nil }

func (t *storeTx) LockAccounts(_ context.Context, ids []ledger.AccountID, now time.Time) ([]ledger.AccountState, error) {
	// The result is only used until Update returns, so one buffer serves every Update.
	out := slices.Grow(t.states[:0], len(ids))[:len(ids)]
	clear(out)
	t.states = out
	many := len(ids) > lockedScanMax
	if many && t.lockedPos == nil {
		t.lockedPos = make(map[ledger.AccountID]uint32, len(ids))
	}
	for k, id := range ids {
		if i, ok := t.s.accIndex[id]; ok {
			out[k] = t.state(t.s.accounts[i], now)
			if many {
				t.lockedPos[id] = i
			} else {
				t.lockedIDs = append(t.lockedIDs, id)
				t.lockedIdx = append(t.lockedIdx, i)
			}
		}
	}
	return out, nil
}

// InsertAsset buffers a new asset. A code the store holds is ErrInvalid; apply catches one
// inserted twice in an Update.
func (t *storeTx) InsertAsset(_ context.Context, a ledger.Asset) error {
	if _, ok := t.s.assets[a.Code]; ok {
		return fmt.Errorf("memstore: asset %s exists: %w", a.Code, ledger.ErrInvalid)
	}
	t.assets = append(t.assets, a)
	return nil
}

// InsertAccount buffers a new account. An id the store holds is ErrInvalid; apply catches one
// inserted twice in an Update.
func (t *storeTx) InsertAccount(_ context.Context, a ledger.AccountRecord) error {
	if len(t.s.accounts)+len(t.accounts) >= AccountsMax {
		return fmt.Errorf("memstore: more than %d accounts: %w", AccountsMax, ledger.ErrInvalid)
	}
	if _, ok := t.s.accIndex[a.ID]; ok {
		// A second account under the id would hide the first and be listed beside it.
		return fmt.Errorf("memstore: account %s exists: %w", a.ID, ledger.ErrInvalid)
	}
	t.accounts = append(t.accounts, a)
	return nil
}

// Commit checks the order of what it is given; apply checks every account it names. A
// caller driving the Store directly with a malformed Commit gets ErrInvalid, not a panic.
// The Ledger never sends one.
func (t *storeTx) Commit(_ context.Context, c ledger.Commit) error {
	s := t.s
	if uint64(s.count)+uint64(len(c.Transactions)) > TransactionsMax {
		return fmt.Errorf("memstore: more than %d transactions: %w", uint64(TransactionsMax), ledger.ErrInvalid)
	}
	if len(t.commits) > 0 || len(t.accounts) > 0 {
		return fmt.Errorf("memstore: one Commit per Update, after the accounts it names exist: %w", ledger.ErrInvalid)
	}
	for k, tr := range c.Transactions {
		if tr.Seq != uint64(s.count)+uint64(k)+1 || len(tr.Postings) == 0 {
			return fmt.Errorf("memstore: transaction seq %d after %d, %d postings: %w", tr.Seq, uint64(s.count)+uint64(k), len(tr.Postings), ledger.ErrInvalid)
		}
	}
	if err := t.checkTaken(c.Transactions); err != nil {
		return err
	}
	// The Ledger opens or closes one hold per Commit: the sets of ids are only needed, and
	// only allocated, for more.
	var closing map[uuid.UUID]bool
	if len(c.CloseHolds) > 1 {
		closing = make(map[uuid.UUID]bool, len(c.CloseHolds))
	}
	for _, cl := range c.CloseHolds {
		if h := s.holds[cl.ID]; h == nil || h.rec.Status != ledger.HoldOpen || closing[cl.ID] {
			return fmt.Errorf("memstore: closing hold %s that is not open: %w", cl.ID, ledger.ErrInvalid)
		}
		if closing != nil {
			closing[cl.ID] = true
		}
	}
	var opening map[uuid.UUID]bool
	var openingKeys map[string]bool
	if len(c.OpenHolds) > 1 {
		opening, openingKeys = make(map[uuid.UUID]bool, len(c.OpenHolds)), make(map[string]bool)
	}
	for _, h := range c.OpenHolds {
		// A second hold under one id or key would hide the first, whose amount would then
		// stay held for good: it could no longer be closed.
		if s.holds[h.ID] != nil || opening[h.ID] {
			return fmt.Errorf("memstore: opening hold %s that exists: %w", h.ID, ledger.ErrInvalid)
		}
		if k := h.IdempotencyKey; k != "" && (s.holdKeys[k] != nil || openingKeys[k]) {
			return fmt.Errorf("memstore: opening hold %s under key %q that exists: %w", h.ID, k, ledger.ErrInvalid)
		}
		if opening != nil {
			opening[h.ID] = true
			if h.IdempotencyKey != "" {
				openingKeys[h.IdempotencyKey] = true
			}
		}
	}
	t.commits = append(t.commits, c)
	return nil
}

// apply writes what fn buffered, which Commit checked; anything still wrong here is a
// programmer error and panics rather than corrupting the store.
func (t *storeTx) apply() error {
	s := t.s
	// Resolve every account the commits name before writing anything: one lookup each, and a
	// name that does not exist is ErrInvalid with the store untouched.
	idx := t.resolved[:0]
	for _, c := range t.commits {
		for _, tr := range c.Transactions {
			for _, p := range tr.Postings {
				f, ok1 := s.index(p.From)
				to, ok2 := s.index(p.To)
				if !ok1 || !ok2 {
					return fmt.Errorf("memstore: posting names an unknown account: %w", ledger.ErrInvalid)
				}
				if f == to {
					// One posting's record would file the account's entry twice.
					return fmt.Errorf("memstore: posting from %s to itself: %w", p.From, ledger.ErrInvalid)
				}
				idx = append(idx, f, to)
			}
		}
		for _, b := range c.Balances {
			i, ok := s.index(b.Account)
			if !ok {
				return fmt.Errorf("memstore: balance of unknown account %s: %w", b.Account, ledger.ErrInvalid)
			}
			idx = append(idx, i)
		}
		for _, h := range c.OpenHolds {
			i, ok1 := s.index(h.Posting.From)
			_, ok2 := s.index(h.Posting.To)
			if !ok1 || !ok2 {
				return fmt.Errorf("memstore: hold names an unknown account: %w", ledger.ErrInvalid)
			}
			idx = append(idx, i)
		}
	}
	t.resolved = idx
	// The Ledger inserts one asset or account per Update, after reading that it is absent.
	if len(t.assets) > 1 && hasRepeat(t.assets, func(a ledger.Asset) string { return a.Code }) {
		return fmt.Errorf("memstore: one asset inserted twice: %w", ledger.ErrInvalid)
	}
	if len(t.accounts) > 1 && hasRepeat(t.accounts, func(a ledger.AccountRecord) ledger.AccountID { return a.ID }) {
		return fmt.Errorf("memstore: one account inserted twice: %w", ledger.ErrInvalid)
	}
	for _, a := range t.assets {
		s.assets[a.Code] = a
	}
	for _, a := range t.accounts {
		s.accIndex[a.ID] = uint32(len(s.accounts))
		s.accounts = append(s.accounts, &account{rec: a, maxEff: -1 << 63})
	}
	tags := t.addTags[:0]
	for _, c := range t.commits {
		for k := range c.Transactions {
			if key := c.Transactions[k].IdempotencyKey; key != "" {
				tags = append(tags, s.keys.tagOf(key))
			}
		}
	}
	t.addTags = tags
	s.keys.touch(tags)
	for _, c := range t.commits {
		for k := range c.Transactions {
			n := 2 * len(c.Transactions[k].Postings)
			var tag uint32
			if c.Transactions[k].IdempotencyKey != "" {
				tag, tags = tags[0], tags[1:]
			}
			s.appendTx(&c.Transactions[k], idx[:n], tag)
			idx = idx[n:]
		}
		for _, b := range c.Balances {
			s.accounts[idx[0]].balance = b.Balance
			idx = idx[1:]
		}
		for _, h := range c.OpenHolds {
			hp := &hold{rec: h}
			s.holds[h.ID] = hp
			if h.IdempotencyKey != "" {
				s.holdKeys[h.IdempotencyKey] = hp
			}
			a := s.accounts[idx[0]]
			idx = idx[1:]
			if h.ExpiresAt.IsZero() {
				a.heldForever += h.Posting.Amount
			} else {
				a.addExpiring(hp)
			}
		}
		for _, c := range c.CloseHolds {
			hp := s.holds[c.ID]
			if hp == nil || hp.rec.Status != ledger.HoldOpen {
				panic(fmt.Sprintf("memstore: closing hold %s that is not open", c.ID))
			}
			a := s.accounts[s.mustIndex(hp.rec.Posting.From)]
			if hp.rec.ExpiresAt.IsZero() {
				a.heldForever -= hp.rec.Posting.Amount
			} else {
				a.removeExpiring(hp)
			}
			hp.rec.Status, hp.rec.ClosedAt = c.Status, c.ClosedAt
		}
		s.head = c.Head
	}
	return nil
}

// checkTaken refuses a transaction whose id or reversed transaction the store holds, or an
// earlier transaction of the same Commit has: stored, the second would hide the first from
// Transaction and ReversalOf (the SQL stores' unique indexes refuse them too). The Ledger
// never sends one, so the usual case is cheap: an id above every id so far (the Ledger's v7
// ids ascend) is new by one comparison, and only a reversal is looked up. A key the store
// holds is not checked: the probe cost PostBatch about 5 %, and the Ledger looks every key up
// before it commits.
func (t *storeTx) checkTaken(txs []ledger.TxRecord) error {
	s := t.s
	maxID := s.maxID
	var ids map[uuid.UUID]struct{} // the Commit's ids, once one does not ascend
	for k := range txs {
		tr := &txs[k]
		if compareIDs(tr.ID, maxID) > 0 {
			maxID = tr.ID
			if ids != nil {
				ids[tr.ID] = struct{}{}
			}
		} else {
			if _, ok := s.lookupID(tr.ID); ok {
				return fmt.Errorf("memstore: transaction id %s exists: %w", tr.ID, ledger.ErrInvalid)
			}
			if ids == nil {
				ids = make(map[uuid.UUID]struct{}, len(txs))
				for _, p := range txs[:k] {
					ids[p.ID] = struct{}{}
				}
			}
			if _, ok := ids[tr.ID]; ok {
				return fmt.Errorf("memstore: transaction id %s twice in one Commit: %w", tr.ID, ledger.ErrInvalid)
			}
			ids[tr.ID] = struct{}{}
		}
		if tr.Reverses != uuid.Nil {
			// Reversals come one per Commit from the Ledger: a scan of the earlier ones only.
			if _, ok := s.reversals[tr.Reverses]; ok || slices.ContainsFunc(txs[:k], func(p ledger.TxRecord) bool { return p.Reverses == tr.Reverses }) {
				return fmt.Errorf("memstore: transaction %s reversed twice: %w", tr.Reverses, ledger.ErrInvalid)
			}
		}
	}
	return nil
}

// hasRepeat reports whether two of xs have the same key.
func hasRepeat[T any, K comparable](xs []T, key func(T) K) bool {
	seen := make(map[K]struct{}, len(xs))
	for _, x := range xs {
		k := key(x)
		if _, ok := seen[k]; ok {
			return true
		}
		seen[k] = struct{}{}
	}
	return false
}

// lockedScanMax is the most locked accounts index finds by scanning; beyond it, a map. The
// store-wide accIndex would do, but it is large enough that every lookup misses the cache.
const lockedScanMax = 16

// index finds an account: the accounts this Update locked were resolved once already.
func (s *Store) index(id ledger.AccountID) (uint32, bool) {
	if len(s.tx.lockedPos) > 0 {
		if i, ok := s.tx.lockedPos[id]; ok {
			return i, true
		}
	} else {
		for k := range s.tx.lockedIDs {
			if s.tx.lockedIDs[k] == id {
				return s.tx.lockedIdx[k], true
			}
		}
	}
	i, ok := s.accIndex[id]
	return i, ok
}

func (s *Store) mustIndex(id ledger.AccountID) uint32 {
	i, ok := s.index(id)
	if !ok {
		panic(fmt.Sprintf("memstore: commit names unknown account %s", id))
	}
	return i
}

// appendTx stores one record; idx holds its postings' resolved (from, to) account indexes,
// keyTag its idempotency key's tag (keyIndex.tagOf) if it has one.
func (s *Store) appendTx(tr *ledger.TxRecord, idx []uint32, keyTag uint32) {
	i := s.count
	if tr.Seq != uint64(i)+1 {
		panic(fmt.Sprintf("memstore: transaction seq %d appended after %d", tr.Seq, i))
	}
	if int(i>>chunkBits) == len(s.chunks) {
		s.chunks = append(s.chunks, make([]txRec, chunkSize))
	}
	t := s.rec(i)
	*t = txRec{id: tr.ID, eff: tr.EffectiveAt.UnixMicro(), posted: tr.PostedAt.UnixMicro(), hash: tr.Hash}
	if tr.IdempotencyKey != "" {
		s.keys.addTag(tr.IdempotencyKey, keyTag, i)
	}
	if tr.Memo != "" || tr.Metadata != nil || tr.Reverses != uuid.Nil || tr.CapturesHold != uuid.Nil || len(tr.Postings) > 1 {
		s.extraBuf = encodeExtra(s.extraBuf[:0], tr, idx)
		t.extra = s.extras.add(s.extraBuf)
	}
	// Each account the record touches, with what it changes the account by: addEntry keeps
	// running sums with it, so no checkpoint decodes the records again.
	var two [2]accountDelta
	touched := two[:0]
	if len(tr.Postings) == 1 {
		p := tr.Postings[0]
		t.from, t.to, t.amount = idx[0], idx[1], p.Amount
		touched = append(touched, accountDelta{t.from, -p.Amount}, accountDelta{t.to, p.Amount})
	} else {
		// A separate slice from two: were two ever stored in s.deltaBuf, it would escape to
		// the heap and cost every record an allocation.
		all := s.deltaBuf[:0]
		for k, p := range tr.Postings {
			all = append(all, accountDelta{idx[2*k], -p.Amount}, accountDelta{idx[2*k+1], p.Amount})
		}
		s.deltaBuf = all[:0]
		sortDeltas(all)
		merged := all[:1]
		for _, d := range all[1:] {
			if last := &merged[len(merged)-1]; last.ai == d.ai {
				last.d += d.d
			} else {
				merged = append(merged, d)
			}
		}
		touched = merged
		t.from, t.to = touched[0].ai, touched[0].ai
	}
	if tr.EffectiveDefaulted {
		t.from |= flagDefaulted
	}
	if compareIDs(tr.ID, s.maxID) > 0 {
		s.maxID = tr.ID
	} else {
		s.byID[tr.ID] = i
		t.to |= flagOutOfOrder
	}
	s.count++
	if tr.Reverses != uuid.Nil {
		s.reversals[tr.Reverses] = i
	}
	for _, d := range touched {
		s.addEntry(d.ai, i, t.eff, d.d)
	}
}

// sortDeltas sorts by account index. A transaction names a handful of accounts, sorted by
// insertion: a func call per comparison cost more than the sort.
func sortDeltas(ds []accountDelta) {
	if len(ds) > 32 {
		slices.SortFunc(ds, func(a, b accountDelta) int { return cmp.Compare(a.ai, b.ai) })
		return
	}
	for i := 1; i < len(ds); i++ {
		v := ds[i]
		j := i
		for ; j > 0 && ds[j-1].ai > v.ai; j-- {
			ds[j] = ds[j-1]
		}
		ds[j] = v
	}
}

type accountDelta struct {
	ai uint32
	d  int64
}

// addEntry files record i under account ai, which it changes by d.
func (s *Store) addEntry(ai, i uint32, eff int64, d int64) {
	a := s.accounts[ai]
	if eff < a.maxEff {
		a.late = append(a.late, i)
		return
	}
	a.maxEff = eff
	a.ordered = append(a.ordered, i)
	a.pending.add(d)
	if n := len(a.ordered); n%checkpointEvery == 0 {
		var prev wide
		if k := len(a.checkpoints); k > 0 {
			prev = a.checkpoints[k-1]
		}
		a.checkpoints = append(a.checkpoints, prev.plus(a.pending))
		a.pending = wide{}
	}
}

// A transaction's rare fields are encoded as: the number of postings kept here (0 when its
// one posting is inline in txRec) and each as (from, to, amount) in 16 bytes; a flags byte;
// the reversed transaction and the captured hold when flagged; the memo; and, when flagged,
// the metadata as a count and length-prefixed key/value pairs. Postings come first so that
// delta reads them without decoding the rest.
const (
	extraReverses = 1 << iota
	extraCaptures
	extraMetadata // a map, possibly empty, as opposed to nil
)

func encodeExtra(buf []byte, tr *ledger.TxRecord, idx []uint32) []byte {
	if len(tr.Postings) > 1 {
		buf = binary.AppendUvarint(buf, uint64(len(tr.Postings)))
		for k, p := range tr.Postings {
			buf = binary.LittleEndian.AppendUint32(buf, idx[2*k])
			buf = binary.LittleEndian.AppendUint32(buf, idx[2*k+1])
			buf = binary.LittleEndian.AppendUint64(buf, uint64(p.Amount))
		}
	} else {
		buf = append(buf, 0)
	}
	var flags byte
	if tr.Reverses != uuid.Nil {
		flags |= extraReverses
	}
	if tr.CapturesHold != uuid.Nil {
		flags |= extraCaptures
	}
	if tr.Metadata != nil {
		flags |= extraMetadata
	}
	buf = append(buf, flags)
	if flags&extraReverses != 0 {
		buf = append(buf, tr.Reverses[:]...)
	}
	if flags&extraCaptures != 0 {
		buf = append(buf, tr.CapturesHold[:]...)
	}
	buf = appendString(buf, tr.Memo)
	if flags&extraMetadata != 0 {
		buf = binary.AppendUvarint(buf, uint64(len(tr.Metadata)))
		if len(tr.MetadataSorted) == len(tr.Metadata) && len(tr.Metadata) > 0 {
			// The Ledger's sorted copy: a slice reads faster than the map.
			for _, kv := range tr.MetadataSorted {
				buf = appendString(buf, kv[0])
				buf = appendString(buf, kv[1])
			}
		} else {
			for k, v := range tr.Metadata {
				buf = appendString(buf, k)
				buf = appendString(buf, v)
			}
		}
	}
	return buf
}

func appendString(buf []byte, s string) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(s)))
	return append(buf, s...)
}

// extra is a decoded view of a transaction's rare fields; postings stay encoded.
type extra struct {
	postingBytes []byte
	memo         string
	metadata     map[string]string
	reverses     uuid.UUID
	captures     uuid.UUID
}

func (x *extra) postings() int { return len(x.postingBytes) / 16 }

func (x *extra) posting(k int) posting {
	b := x.postingBytes[16*k:]
	return posting{
		from:   binary.LittleEndian.Uint32(b),
		to:     binary.LittleEndian.Uint32(b[4:]),
		amount: int64(binary.LittleEndian.Uint64(b[8:])),
	}
}

// splitPostings returns the encoded postings an encoding keeps (none for a one-posting
// transaction) and the rest of it, without decoding the rest.
func splitPostings(buf []byte) (postings, rest []byte) {
	n, w := binary.Uvarint(buf)
	if w <= 0 || uint64(len(buf)-w) < 16*n+1 {
		panic("memstore: corrupt transaction encoding")
	}
	end := w + 16*int(n)
	return buf[w:end], buf[end:]
}

// decodeExtra reads what encodeExtra wrote. Only this package writes it, so a malformed
// encoding is a bug and panics.
func decodeExtra(buf []byte) extra {
	var x extra
	x.postingBytes, buf = splitPostings(buf)
	flags := buf[0]
	buf = buf[1:]
	if flags&extraReverses != 0 {
		x.reverses, buf = uuid.UUID(buf[:16]), buf[16:]
	}
	if flags&extraCaptures != 0 {
		x.captures, buf = uuid.UUID(buf[:16]), buf[16:]
	}
	x.memo, buf = readString(buf)
	if flags&extraMetadata != 0 {
		count, w := binary.Uvarint(buf)
		if w <= 0 {
			panic("memstore: corrupt metadata encoding")
		}
		buf = buf[w:]
		x.metadata = make(map[string]string, count)
		for range count {
			var k, v string
			k, buf = readString(buf)
			v, buf = readString(buf)
			x.metadata[k] = v
		}
	}
	return x
}

func readString(buf []byte) (string, []byte) {
	n, w := binary.Uvarint(buf)
	if w <= 0 || uint64(len(buf)-w) < n {
		panic("memstore: corrupt transaction encoding") // only this package writes it
	}
	return string(buf[w : w+int(n)]), buf[w+int(n):]
}
