package ledger

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// Limits on requests.
const (
	PostingsMax = 256    // postings in one transaction
	BatchMax    = 10_000 // transactions in one PostBatch call
	BalancesMax = 10_000 // accounts in one Balances call
)

// The times int64 microseconds since 1970 can hold.
var (
	microsMin = time.UnixMicro(math.MinInt64).UTC()
	microsMax = time.UnixMicro(math.MaxInt64).UTC()
)

// noHoldsReserve is the time passed to a store's Account by reads that need an account's
// record or balance but not what its holds reserve (OpenAccount's check, BalanceAt,
// Statement): after every expiry, so a store adds up only the holds without one. The zero
// time would count every open hold, those that expired and were never released too, whose
// amounts need not fit in int64 (SQLite failed with "integer overflow", PostgreSQL with
// "bigint out of range"), and memstore would walk all of them.
var noHoldsReserve = microsMax

// EffectiveAtMin is the earliest EffectiveAt accepted: back-dating further is taken for a bug.
var EffectiveAtMin = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// Posting moves Amount of Asset from one account to another. Amount must be positive.
type Posting struct {
	From, To AccountID
	Amount   decimal.Decimal
	Asset    string
}

// Transaction is a set of postings applied all or nothing.
type Transaction struct {
	ID             uuid.UUID // set by the ledger
	Seq            uint64    // set by the ledger: strictly increasing commit order
	IdempotencyKey string    // optional, at most IdempotencyKeyBytesMax bytes
	Postings       []Posting // 1..PostingsMax
	Memo           string
	Metadata       map[string]string
	// EffectiveAt is when the transaction counts for BalanceAt. Zero means now; it may be
	// back-dated but never in the future. Times are kept to the microsecond, in UTC.
	EffectiveAt time.Time
	PostedAt    time.Time // set by the ledger: when it was committed
	Reverses    uuid.UUID // set on a reversal: the transaction it undoes
	// CapturesHold is set on the transaction that captured a hold.
	CapturesHold uuid.UUID
	// Replayed is set on a result that an idempotency key answered: the transaction was
	// committed by an earlier call, and this call changed nothing.
	Replayed bool
}

// BatchResult is the outcome of one transaction of a PostBatch: Err nil means it was posted,
// or replayed under its idempotency key.
type BatchResult struct {
	Transaction Transaction
	Err         error
}

// Option configures a Ledger.
type Option func(*Ledger)

// WithClock sets the source of the current time (default time.Now).
func WithClock(now func() time.Time) Option { return func(l *Ledger) { l.now = now } }

// WithIDs sets the source of transaction and hold ids (default: version-7 UUIDs, strictly
// increasing per Ledger, which keep database indexes in insertion order). A transaction's id
// is dated by the clock read once the store's write is under way (its first attempt, when
// the store retries), a hold's when the call came in; PostedAt and CreatedAt are read under
// the store's lock, so they may be a little later than an id's time. A nil id, or one that
// a transaction (for a transaction) or a hold (for a hold) already has, refuses the call
// with ErrInvalid and changes nothing; checking costs a store lookup per record, which the
// default source, whose ids never repeat, does not pay.
func WithIDs(newID func() uuid.UUID) Option { return func(l *Ledger) { l.newID = newID } }

// Ledger is a double-entry ledger over a Store. It is safe for concurrent use; several
// Ledgers (in several processes) may share one Store that supports it.
type Ledger struct {
	store Store
	now   func() time.Time
	newID func() uuid.UUID // set by WithIDs; nil for the default, ids
	ids   idSource

	// assets caches asset definitions, which never change once created. It is replaced, never
	// modified, so Post reads it without a lock.
	assets   atomic.Pointer[map[string]Asset]
	assetsMu sync.Mutex // serialises replacements of assets

	group *groupCommitter // nil unless the store asks for group commit
}

// New returns a Ledger over store.
//
// Errors: ErrInvalid (nil store, nil option, WithClock(nil)), the store's error reading its
// head (ErrClosed).
func New(ctx context.Context, store Store, opts ...Option) (*Ledger, error) {
	if store == nil {
		return nil, fmt.Errorf("new ledger: nil store: %w", ErrInvalid)
	}
	l := &Ledger{
		store: store,
		now:   time.Now,
	}
	l.assets.Store(&map[string]Asset{})
	for _, o := range opts {
		if o == nil {
			return nil, fmt.Errorf("new ledger: nil option: %w", ErrInvalid)
		}
		o(l)
	}
	if l.now == nil {
		return nil, fmt.Errorf("new ledger: nil clock: %w", ErrInvalid)
	}
	if g, ok := store.(StoreGroupCommit); ok && g.GroupCommit() {
		l.group = &groupCommitter{}
	}
	if err := store.View(ctx, func(r StoreReader) error {
		_, err := r.Head(ctx)
		return err
	}); err != nil {
		return nil, fmt.Errorf("new ledger: %w", err)
	}
	return l, nil
}

// idSource makes version-7 UUIDs (RFC 9562) from a buffered random source and the time the
// caller already read. uuid.NewV7FromReader reads the clock itself under a lock of its own and
// takes 16 random bytes where 8 are random in a version-7 id: per id that was an eighth of a
// Post, and a batch of 1,000 ids needs one clock reading, not 1,000. The layout is the one
// uuid.NewV7 makes: 48 bits of Unix milliseconds, the version, 12 bits of sub-millisecond
// time (bumped when the clock does not move, so ids from one source strictly increase), the
// variant and 62 random bits.
type idSource struct {
	mu   sync.Mutex
	last int64 // milliseconds<<12 | sub-millisecond sequence of the last id
	buf  [4096]byte
	n    int
}

// nextAt returns a new id for a transaction committed at now.
func (s *idSource) nextAt(now time.Time) uuid.UUID {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nextLocked(now.UnixNano())
}

// fill sets ids to new ids for transactions committed at now, under one lock.
func (s *idSource) fill(ids []uuid.UUID, now time.Time) {
	nano := now.UnixNano()
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range ids {
		ids[i] = s.nextLocked(nano)
	}
}

func (s *idSource) nextLocked(nano int64) uuid.UUID {
	const nanoPerMilli = 1_000_000
	milli := nano / nanoPerMilli
	t := milli<<12 | (nano-milli*nanoPerMilli)>>8 // sub-millisecond part: 0..3906, fits 12 bits
	if t <= s.last {
		t = s.last + 1
	}
	s.last = t
	if s.n < 8 {
		_, _ = rand.Read(s.buf[:]) // crypto/rand.Read never fails (Go 1.24+)
		s.n = len(s.buf)
	}
	var id uuid.UUID
	copy(id[8:], s.buf[len(s.buf)-s.n:])
	s.n -= 8
	milli, seq := t>>12, t&0xfff
	binary.BigEndian.PutUint16(id[0:], uint16(milli>>32))
	binary.BigEndian.PutUint32(id[2:], uint32(milli))
	id[6] = 0x70 | byte(seq>>8)
	id[7] = byte(seq)
	id[8] = id[8]&0x3f | 0x80 // variant 10
	return id
}

// newIDAt returns the id of a transaction or hold created at now.
func (l *Ledger) newIDAt(now time.Time) uuid.UUID {
	if l.newID != nil {
		return l.newID()
	}
	return l.ids.nextAt(now)
}

func (l *Ledger) clock() time.Time { return l.now().UTC().Truncate(time.Microsecond) }

// CreateAsset defines an asset. Creating the same definition again returns nil.
// Errors: ErrInvalid (bad code or scale), ErrConflict (the code exists with another scale),
// ErrClosed.
func (l *Ledger) CreateAsset(ctx context.Context, a Asset) error {
	if err := a.validate(); err != nil {
		return fmt.Errorf("create asset: %w", err)
	}
	err := l.store.Update(ctx, func(tx StoreTx) error {
		old, err := tx.Asset(ctx, a.Code)
		switch {
		case err == nil:
			if old != a {
				return fmt.Errorf("asset %s has scale %d: %w", a.Code, old.Scale, ErrConflict)
			}
			return nil
		case !errors.Is(err, ErrNotFound):
			return err
		}
		return tx.InsertAsset(ctx, a)
	})
	if err != nil {
		return fmt.Errorf("create asset %s: %w", a.Code, err)
	}
	l.cacheAsset(a)
	return nil
}

func (l *Ledger) cacheAsset(a Asset) {
	l.assetsMu.Lock()
	defer l.assetsMu.Unlock()
	next := maps.Clone(*l.assets.Load())
	next[a.Code] = a
	l.assets.Store(&next)
}

// asset returns a cached asset, reading the store on a miss.
func (l *Ledger) asset(ctx context.Context, code string) (Asset, error) {
	if a, ok := (*l.assets.Load())[code]; ok {
		return a, nil
	}
	if err := ValidateAssetCode(code); err != nil {
		return Asset{}, err
	}
	var a Asset
	err := l.store.View(ctx, func(r StoreReader) error {
		var err error
		a, err = r.Asset(ctx, code)
		return err
	})
	if errors.Is(err, ErrNotFound) {
		return Asset{}, fmt.Errorf("asset %s: %w", code, ErrUnknownAsset)
	}
	if err != nil {
		return Asset{}, err
	}
	l.cacheAsset(a)
	return a, nil
}

// OpenAccount opens an account. Opening the same definition again returns nil.
// Errors: ErrInvalid (bad id, metadata, positive MinBalance, MinBalance set on an Unbounded
// account, negative MaxBalance), ErrInvalidAmount (MinBalance or MaxBalance beyond the asset's
// scale), ErrUnknownAsset,
// ErrConflict (the id exists with another definition), ErrClosed.
func (l *Ledger) OpenAccount(ctx context.Context, a Account) error {
	rec, err := l.accountRecord(ctx, a)
	if err != nil {
		return fmt.Errorf("open account %s: %w", a.ID, err)
	}
	err = l.store.Update(ctx, func(tx StoreTx) error {
		old, err := tx.Account(ctx, rec.ID, noHoldsReserve)
		switch {
		case err == nil:
			if !old.AccountRecord.equal(rec) {
				return fmt.Errorf("account %s exists with another definition: %w", rec.ID, ErrConflict)
			}
			return nil
		case !errors.Is(err, ErrNotFound):
			return err
		}
		return tx.InsertAccount(ctx, rec)
	})
	if err != nil {
		return fmt.Errorf("open account %s: %w", a.ID, err)
	}
	return nil
}

func (l *Ledger) accountRecord(ctx context.Context, a Account) (AccountRecord, error) {
	if err := a.ID.Validate(); err != nil {
		return AccountRecord{}, err
	}
	if err := validateMetadata(a.Metadata); err != nil {
		return AccountRecord{}, err
	}
	asset, err := l.asset(ctx, a.Asset)
	if err != nil {
		return AccountRecord{}, err
	}
	minBalance, err := ToMinor(a.MinBalance, asset.Scale)
	if err != nil {
		return AccountRecord{}, fmt.Errorf("min balance: %w", err)
	}
	if minBalance > 0 {
		return AccountRecord{}, fmt.Errorf("min balance %s is positive: %w", a.MinBalance, ErrInvalid)
	}
	if a.Unbounded && minBalance != 0 {
		return AccountRecord{}, fmt.Errorf("an unbounded account has no min balance: %w", ErrInvalid)
	}
	var md map[string]string
	if len(a.Metadata) > 0 {
		md = maps.Clone(a.Metadata)
	}
	rec := AccountRecord{ID: a.ID, Asset: asset.Code, MinBalance: minBalance, Unbounded: a.Unbounded, Metadata: md}
	if a.MaxBalance.Valid {
		if rec.MaxBalance, err = ToMinor(a.MaxBalance.Decimal, asset.Scale); err != nil {
			return AccountRecord{}, fmt.Errorf("max balance: %w", err)
		}
		if rec.MaxBalance < 0 {
			return AccountRecord{}, fmt.Errorf("max balance %s is negative: %w", a.MaxBalance.Decimal, ErrInvalid)
		}
		rec.HasMax = true
	}
	return rec, nil
}

// Account returns an account's definition.
// Errors: ErrInvalid, ErrUnknownAccount, ErrClosed.
func (l *Ledger) Account(ctx context.Context, id AccountID) (Account, error) {
	st, asset, err := l.accountState(ctx, id)
	if err != nil {
		return Account{}, fmt.Errorf("account %s: %w", id, err)
	}
	return Account{
		ID: st.ID, Asset: st.Asset, MinBalance: FromMinor(st.MinBalance, asset.Scale),
		Unbounded: st.Unbounded, Metadata: maps.Clone(st.Metadata),
		MaxBalance: decimal.NullDecimal{Decimal: FromMinor(st.MaxBalance, asset.Scale), Valid: st.HasMax},
	}, nil
}

func (l *Ledger) accountState(ctx context.Context, id AccountID) (AccountState, Asset, error) {
	if err := id.Validate(); err != nil {
		return AccountState{}, Asset{}, err
	}
	ar := accountReadPool.Get().(*accountRead)
	ar.ctx, ar.id, ar.now = ctx, id, l.clock()
	err := l.store.View(ctx, ar.fn)
	st := ar.st
	*ar = accountRead{fn: ar.fn}
	accountReadPool.Put(ar)
	if errors.Is(err, ErrNotFound) {
		return AccountState{}, Asset{}, ErrUnknownAccount
	}
	if err != nil {
		return AccountState{}, Asset{}, err
	}
	asset, err := l.asset(ctx, st.Asset)
	return st, asset, err
}

// accountRead is accountState's store read, pooled with its func made once: a closure per
// call was an allocation per Balance, and schemes call Balance on every award.
type accountRead struct {
	ctx context.Context
	id  AccountID
	now time.Time
	st  AccountState
	fn  func(StoreReader) error
}

func (a *accountRead) read(r StoreReader) error {
	var err error
	a.st, err = r.Account(a.ctx, a.id, a.now)
	return err
}

var accountReadPool = sync.Pool{New: func() any {
	a := new(accountRead)
	a.fn = a.read
	return a
}}

// Balance returns an account's posted balance.
// Errors: ErrInvalid, ErrUnknownAccount, ErrClosed.
func (l *Ledger) Balance(ctx context.Context, id AccountID) (decimal.Decimal, error) {
	st, asset, err := l.accountState(ctx, id)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("balance %s: %w", id, err)
	}
	return FromMinor(st.Balance, asset.Scale), nil
}

// Available returns an account's posted balance minus what its open, unexpired holds reserve.
// Errors: ErrInvalid, ErrUnknownAccount, ErrClosed.
func (l *Ledger) Available(ctx context.Context, id AccountID) (decimal.Decimal, error) {
	st, asset, err := l.accountState(ctx, id)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("available %s: %w", id, err)
	}
	return FromMinor(st.Balance-st.Held, asset.Scale), nil
}

// AccountBalance is one account's posted balance and what of it is available (the balance
// minus what its open, unexpired holds reserve), read at one point.
type AccountBalance struct {
	ID        AccountID
	Balance   decimal.Decimal
	Available decimal.Decimal
}

// Balances returns the balance and available amount of each account, in the order given, all
// read in one store view: one consistent point, where separate Balance and Available calls
// could straddle a Post, and one store round trip for a page of accounts instead of two per
// account. An id may appear more than once.
//
// Errors: ErrInvalid (a bad id, more than BalancesMax ids), ErrUnknownAccount (naming the
// first unknown id), ErrClosed.
func (l *Ledger) Balances(ctx context.Context, ids []AccountID) ([]AccountBalance, error) {
	if len(ids) > BalancesMax {
		return nil, fmt.Errorf("balances: %d accounts, at most %d: %w", len(ids), BalancesMax, ErrInvalid)
	}
	for _, id := range ids {
		if err := id.Validate(); err != nil {
			return nil, fmt.Errorf("balances: %w", err)
		}
	}
	states := make([]AccountState, len(ids))
	now := l.clock()
	err := l.store.View(ctx, func(r StoreReader) error {
		for i, id := range ids {
			st, err := r.Account(ctx, id, now)
			if errors.Is(err, ErrNotFound) {
				return fmt.Errorf("account %s: %w", id, ErrUnknownAccount)
			}
			if err != nil {
				return err
			}
			states[i] = st
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("balances: %w", err)
	}
	out := make([]AccountBalance, len(ids))
	for i := range states {
		st := &states[i]
		asset, err := l.asset(ctx, st.Asset)
		if err != nil {
			return nil, fmt.Errorf("balances: account %s: %w", st.ID, err)
		}
		out[i] = AccountBalance{ID: ids[i], Balance: FromMinor(st.Balance, asset.Scale), Available: FromMinor(st.Balance-st.Held, asset.Scale)}
	}
	return out, nil
}

// BalanceAt returns an account's balance counting only transactions effective at or before t.
// Every committed balance is within ±4·10^18 minor units, but back-dated postings can make a
// past one beyond int64 (about ±9.2·10^18): that is ErrInvalidAmount.
// Errors: ErrInvalid, ErrInvalidAmount, ErrUnknownAccount, ErrClosed.
func (l *Ledger) BalanceAt(ctx context.Context, id AccountID, t time.Time) (decimal.Decimal, error) {
	if err := id.Validate(); err != nil {
		return decimal.Decimal{}, fmt.Errorf("balance at %s: %w", id, err)
	}
	// Stores compare int64 microseconds: a time beyond them would wrap around. Every stored
	// time lies well inside.
	at := t.UTC().Truncate(time.Microsecond)
	if at.Before(microsMin) {
		at = microsMin
	} else if at.After(microsMax) {
		at = microsMax
	}
	var st AccountState
	var v int64
	err := l.store.View(ctx, func(r StoreReader) error {
		var err error
		if st, err = r.Account(ctx, id, noHoldsReserve); err != nil {
			return err
		}
		v, err = r.BalanceAt(ctx, id, at)
		return err
	})
	if errors.Is(err, ErrNotFound) {
		err = ErrUnknownAccount
	}
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("balance at %s: %w", id, err)
	}
	asset, err := l.asset(ctx, st.Asset)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("balance at %s: %w", id, err)
	}
	return FromMinor(v, asset.Scale), nil
}

// Transaction returns a committed transaction by id.
// Errors: ErrNotFound, ErrClosed.
func (l *Ledger) Transaction(ctx context.Context, id uuid.UUID) (Transaction, error) {
	var rec TxRecord
	err := l.store.View(ctx, func(r StoreReader) error {
		var err error
		rec, err = r.Transaction(ctx, id)
		return err
	})
	if err != nil {
		return Transaction{}, fmt.Errorf("transaction %s: %w", id, err)
	}
	return l.toTransaction(ctx, &rec)
}

func (l *Ledger) toTransaction(ctx context.Context, rec *TxRecord) (Transaction, error) {
	t := Transaction{
		ID: rec.ID, Seq: rec.Seq, IdempotencyKey: rec.IdempotencyKey, Memo: rec.Memo,
		EffectiveAt: rec.EffectiveAt, PostedAt: rec.PostedAt, Reverses: rec.Reverses,
		CapturesHold: rec.CapturesHold, Postings: make([]Posting, len(rec.Postings)),
	}
	if len(rec.Metadata) > 0 {
		t.Metadata = maps.Clone(rec.Metadata)
	}
	for i, p := range rec.Postings {
		a, err := l.asset(ctx, p.Asset)
		if err != nil {
			return Transaction{}, err
		}
		t.Postings[i] = Posting{From: p.From, To: p.To, Asset: p.Asset, Amount: FromMinor(p.Amount, a.Scale)}
	}
	return t, nil
}

// request is one transaction on its way into the store: validated outside the store lock,
// checked against balances inside it.
type request struct {
	in    *Transaction
	rec   TxRecord
	err   error        // set when the request is rejected; it then changes nothing
	done  bool         // posted
	prior *TxRecord    // set when the request replays an earlier transaction under its key
	out   *Transaction // where commit writes the result: Post's scratch.res; nil in a PostBatch, which writes its results after the commit
}

// prepare validates r's transaction without touching balances and sets r.rec and r.err.
// The record's postings are appended to buf and its sorted metadata (MetadataSorted) to
// meta, both of which may be scratch memory: stores copy what they keep.
func (l *Ledger) prepare(ctx context.Context, r *request, now time.Time, buf []PostingRecord, meta [][2]string) {
	if r.err = l.prepareTx(ctx, r.in, now, buf, meta, &r.rec); r.err != nil {
		r.rec = TxRecord{}
	}
}

// prepareTx fills rec in place: a TxRecord is over 200 bytes, and returning one by value
// cost two copies a transaction (3 % of a batch).
func (l *Ledger) prepareTx(ctx context.Context, t *Transaction, now time.Time, buf []PostingRecord, meta [][2]string, rec *TxRecord) error {
	if err := validateKey(t.IdempotencyKey); err != nil {
		return err
	}
	if n := len(t.Postings); n == 0 || n > PostingsMax {
		return fmt.Errorf("%d postings, want 1..%d: %w", n, PostingsMax, ErrInvalid)
	}
	if len(t.Memo) > MemoBytesMax {
		return fmt.Errorf("memo of %d bytes, at most %d: %w", len(t.Memo), MemoBytesMax, ErrInvalid)
	}
	if err := validateText("memo", t.Memo); err != nil {
		return err
	}
	var sorted [][2]string
	if len(t.Metadata) > 0 {
		var err error
		if sorted, err = sortedMetadata(t.Metadata, meta[:0]); err != nil {
			return err
		}
	}
	if t.ID != uuid.Nil || t.Seq != 0 || t.Reverses != uuid.Nil || t.CapturesHold != uuid.Nil || !t.PostedAt.IsZero() {
		return fmt.Errorf("ID, Seq, PostedAt, Reverses and CapturesHold are set by the ledger: %w", ErrInvalid)
	}
	*rec = TxRecord{
		IdempotencyKey: t.IdempotencyKey,
		Memo:           t.Memo,
		Postings:       slices.Grow(buf[:0], len(t.Postings))[:len(t.Postings)],
		PostedAt:       now,
		EffectiveAt:    now,
	}
	if len(t.Metadata) > 0 {
		// The caller's map, not a copy: stores copy what they keep (see Commit), and the
		// returned Transaction shares it anyway.
		rec.Metadata, rec.MetadataSorted = t.Metadata, sorted
	}
	if t.EffectiveAt.IsZero() {
		rec.EffectiveDefaulted = true
	} else {
		eff := t.EffectiveAt.UTC().Truncate(time.Microsecond)
		if eff.After(now) {
			return fmt.Errorf("effective at %s is in the future: %w", t.EffectiveAt, ErrInvalid)
		}
		if eff.Before(EffectiveAtMin) {
			return fmt.Errorf("effective at %s is before %s: %w", t.EffectiveAt, EffectiveAtMin, ErrInvalid)
		}
		rec.EffectiveAt = eff
	}
	for i := range t.Postings {
		p, err := l.preparePosting(ctx, &t.Postings[i])
		if err != nil {
			return fmt.Errorf("posting %d: %w", i, err)
		}
		rec.Postings[i] = p
	}
	return nil
}

func (l *Ledger) preparePosting(ctx context.Context, p *Posting) (PostingRecord, error) {
	if err := p.From.Validate(); err != nil {
		return PostingRecord{}, err
	}
	if err := p.To.Validate(); err != nil {
		return PostingRecord{}, err
	}
	if p.From == p.To {
		return PostingRecord{}, fmt.Errorf("from and to are both %s: %w", p.From, ErrInvalid)
	}
	asset, err := l.asset(ctx, p.Asset)
	if err != nil {
		return PostingRecord{}, err
	}
	amount, err := ToMinor(p.Amount, asset.Scale)
	if err != nil {
		return PostingRecord{}, err
	}
	if amount <= 0 {
		return PostingRecord{}, fmt.Errorf("amount %s is not positive: %w", p.Amount, ErrInvalidAmount)
	}
	return PostingRecord{From: p.From, To: p.To, Asset: asset.Code, Amount: amount}, nil
}

// sameRequest reports whether a stored transaction is a replay of rec's request.
func sameRequest(stored, rec *TxRecord) bool {
	if stored.Memo != rec.Memo || !maps.Equal(stored.Metadata, rec.Metadata) ||
		stored.Reverses != rec.Reverses || stored.CapturesHold != rec.CapturesHold ||
		stored.EffectiveDefaulted != rec.EffectiveDefaulted ||
		(!rec.EffectiveDefaulted && !stored.EffectiveAt.Equal(rec.EffectiveAt)) {
		return false
	}
	return slices.Equal(stored.Postings, rec.Postings)
}

// Post commits one transaction: all its postings or none. The returned Transaction shares
// Postings and Metadata with t: the ledger keeps copies of its own.
//
// With an IdempotencyKey, a replay of the same request returns the first transaction and
// changes nothing; the key with other content is ErrIdempotencyConflict. A rejected request
// does not use up its key.
//
// Errors: ErrInvalid, ErrInvalidAmount, ErrUnknownAsset, ErrUnknownAccount, ErrAssetMismatch,
// ErrInsufficientBalance, ErrAboveMaxBalance, ErrIdempotencyConflict, ErrClosed.
func (l *Ledger) Post(ctx context.Context, t Transaction) (Transaction, error) {
	var now time.Time // only an explicit EffectiveAt is checked against the call's clock
	if !t.EffectiveAt.IsZero() {
		now = l.clock()
	}
	sc := getScratch()
	defer putScratch(sc)
	sc.tx = t
	r := &sc.req
	*r = request{in: &sc.tx, out: &sc.res}
	l.prepare(ctx, r, now, sc.postings[:0], sc.meta[:0])
	if cap(r.rec.Postings) > cap(sc.postings) {
		sc.postings = r.rec.Postings // kept: a scheme's transactions have a few postings each
	}
	if cap(r.rec.MetadataSorted) > cap(sc.meta) {
		sc.meta = r.rec.MetadataSorted
	}
	if r.err == nil && l.group != nil {
		if err := l.group.post(ctx, l, r); err != nil {
			return Transaction{}, fmt.Errorf("post %q: %w", t.IdempotencyKey, err)
		}
	} else if r.err == nil {
		sc.one[0] = r
		if err := l.commit(ctx, sc.one[:], now, sc); err != nil {
			return Transaction{}, fmt.Errorf("post %q: %w", t.IdempotencyKey, err)
		}
	}
	if r.err != nil {
		return Transaction{}, fmt.Errorf("post %q: %w", t.IdempotencyKey, r.err)
	}
	return sc.res, nil
}

// PostBatch commits many independent transactions in one store transaction; each result
// shares Postings and Metadata with its input, as with Post. Each is accepted
// or rejected on its own, exactly as Post would; results are in input order. The returned
// error is non-nil only when the batch as a whole failed (too large, store failure, closed
// store), and then nothing was posted.
//
// Errors: ErrInvalid (more than BatchMax transactions), ErrClosed; per item, those of Post.
func (l *Ledger) PostBatch(ctx context.Context, ts []Transaction) ([]BatchResult, error) {
	if len(ts) > BatchMax {
		return nil, fmt.Errorf("post batch: %d transactions, at most %d: %w", len(ts), BatchMax, ErrInvalid)
	}
	now := l.clock()
	sc := getBatchScratch()
	defer putScratch(sc)
	// Requests and their postings live in the pooled scratch: a batch of 1,000 allocated
	// half a megabyte of them per call, and the collector's work grew with it.
	reqs := slices.Grow(sc.batch[:0], len(ts))[:len(ts)]
	sc.batch = reqs
	npostings, nmeta := 0, 0
	for i := range ts {
		if n := len(ts[i].Postings); n <= PostingsMax {
			npostings += n
		}
		if n := len(ts[i].Metadata); n <= MetadataEntriesMax {
			nmeta += n
		}
	}
	// Room for every request that can pass prepare: each takes its part without growing.
	postings := slices.Grow(sc.batchPostings[:0], npostings)
	meta := slices.Grow(sc.batchMeta[:0], nmeta)
	ptrs := slices.Grow(sc.ptrs[:0], len(ts))
	for i := range ts {
		r := &reqs[i]
		r.in, r.out = &ts[i], nil
		l.prepare(ctx, r, now, postings[len(postings):], meta[len(meta):])
		if r.err == nil {
			postings = postings[:len(postings)+len(r.rec.Postings)]
			meta = meta[:len(meta)+len(r.rec.MetadataSorted)]
			ptrs = append(ptrs, r)
		}
	}
	sc.batchPostings, sc.batchMeta, sc.ptrs = postings, meta, ptrs
	if len(ptrs) > 0 {
		if err := l.commit(ctx, ptrs, now, sc); err != nil {
			return nil, fmt.Errorf("post batch: %w", err)
		}
	}
	// The results are allocated only now and written in one pass: made before the commit,
	// their 190 KB had left the cache by the time each was written (an eighth of a batch).
	out := make([]BatchResult, len(ts))
	for i := range reqs {
		r := &reqs[i]
		r.out = &out[i].Transaction
		l.finish(ctx, r)
		if r.err != nil {
			out[i].Err = fmt.Errorf("post %q: %w", ts[i].IdempotencyKey, r.err)
		}
	}
	return out, nil
}

// scratch is the per-call working memory of Post and PostBatch, pooled so that a Post
// allocates almost nothing: every slice in it is only used until the store call returns.
type scratch struct {
	tx       Transaction
	res      Transaction // Post's result
	req      request
	one      [1]*request
	postings []PostingRecord
	bal      balances
	changes  []change
	newBal   []int64
	updates  []BalanceUpdate
	recs     []TxRecord
	buf      []byte
	ids      []uuid.UUID

	// PostBatch's requests, the ones that passed prepare, and their postings.
	batch         []request
	ptrs          []*request
	batchPostings []PostingRecord
	batchMeta     [][2]string
	keys          batchKeys   // commitTx's keys posted earlier in the same batch
	keyList       []string    // commitTx's keys to look up
	meta          [][2]string // Post's sorted metadata

	// commit's arguments while its store transaction runs, and that transaction as a func
	// made once: Update takes a func, and a closure made per call would be allocated per call.
	commitFn func(StoreTx) error
	ctx      context.Context
	reqs     []*request
	now      time.Time // the clock when the call came in, or zero; commitTx reads it again under the lock
	l        *Ledger
	idsDrawn bool // commitTx drew the requests' ids on an earlier attempt of this commit
}

// scratchKeepMax bounds the buffers a pooled scratch keeps, so one huge batch does not pin
// its memory forever.
const scratchKeepMax = 4096

// Two pools: putScratch clears every buffer to its capacity (so nothing a call wrote stays
// reachable), which for a scratch that served a batch is a quarter of a megabyte. Calls that
// commit one transaction take theirs from scratchPool, which only ever holds scratches with
// small buffers; PostBatch and the group-commit leader take the big ones.
var (
	scratchPool      = sync.Pool{New: func() any { return new(scratch) }}
	batchScratchPool = sync.Pool{New: func() any { return new(scratch) }}
)

// scratchSmallMax is the largest buffer (in transactions; twice that in account ids and
// postings) a scratch in scratchPool has.
const scratchSmallMax = 16

// getScratch is the scratch of a call that commits one transaction.
func getScratch() *scratch { return scratchPool.Get().(*scratch) }

// getBatchScratch is the scratch of a call that commits many.
func getBatchScratch() *scratch { return batchScratchPool.Get().(*scratch) }

// small reports whether every buffer putScratch clears to its capacity is small.
func (sc *scratch) small() bool {
	return cap(sc.recs) <= scratchSmallMax && cap(sc.bal.ids) <= 2*scratchSmallMax &&
		cap(sc.updates) <= 2*scratchSmallMax && cap(sc.postings) <= 2*scratchSmallMax &&
		cap(sc.meta) <= 2*scratchSmallMax && cap(sc.keyList) <= scratchSmallMax
}

func putScratch(sc *scratch) {
	if cap(sc.recs) > scratchKeepMax || cap(sc.bal.ids) > 2*scratchKeepMax ||
		cap(sc.batch) > scratchKeepMax || cap(sc.batchPostings) > 4*scratchKeepMax ||
		cap(sc.batchMeta) > 4*scratchKeepMax || cap(sc.keyList) > scratchKeepMax {
		return
	}
	if cap(sc.keys.slots) > batchKeysKeepMax {
		sc.keys = batchKeys{}
	}
	// Each use leaves its length on these, and clearing that much clears all it wrote.
	clear(sc.batch)
	clear(sc.ptrs)
	clear(sc.batchPostings)
	clear(sc.batchMeta)
	clear(sc.meta[:cap(sc.meta)])
	sc.tx, sc.res, sc.req = Transaction{}, Transaction{}, request{}
	sc.one[0] = nil
	clear(sc.recs[:cap(sc.recs)])
	clear(sc.bal.ids[:cap(sc.bal.ids)])
	sc.bal.states = nil // the store's memory (LockAccounts), not ours to clear
	clear(sc.bal.pos)
	clear(sc.updates[:cap(sc.updates)])
	clear(sc.postings[:cap(sc.postings)])
	clear(sc.keyList[:cap(sc.keyList)])
	if sc.small() {
		scratchPool.Put(sc)
	} else {
		batchScratchPool.Put(sc)
	}
}

// balances is the working set of locked accounts during one store transaction: ids sorted,
// states aligned. A Post names a handful of accounts, found by a linear scan with no map
// allocated; a batch names hundreds, found through pos.
type balances struct {
	ids     []AccountID
	states  []AccountState
	touched []bool
	pos     map[AccountID]int // id -> index in ids, when len(ids) > balancesScanMax
}

// balanceLimit bounds every balance, held amounts counted, in minor units: far beyond any
// real ledger and well inside int64.
const balanceLimit = AmountMinorMax * 4

// balancesScanMax is the most accounts looked up by scanning: beyond it a map is cheaper.
const balancesScanMax = 16

type change struct {
	i     int
	delta int64
}

func (b *balances) index(id AccountID) int {
	if len(b.ids) > balancesScanMax {
		if i, ok := b.pos[id]; ok {
			return i
		}
		return -1
	}
	for i := range b.ids {
		if b.ids[i] == id {
			return i
		}
	}
	return -1
}

// lockAccounts collects, sorts and locks every account the requests name.
func lockAccounts(ctx context.Context, tx StoreTx, reqs []*request, now time.Time, sc *scratch) (*balances, error) {
	b := &sc.bal
	ids := b.ids[:0]
	for _, r := range reqs {
		for _, p := range r.rec.Postings {
			ids = append(ids, p.From, p.To)
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) > balancesScanMax {
		if b.pos == nil {
			b.pos = make(map[AccountID]int, len(ids))
		}
		clear(b.pos)
		for i, id := range ids {
			b.pos[id] = i
		}
	}
	states, err := tx.LockAccounts(ctx, ids, now)
	if err != nil {
		return nil, err
	}
	if len(states) != len(ids) {
		return nil, fmt.Errorf("store returned %d accounts for %d ids: %w", len(states), len(ids), ErrCorrupt)
	}
	b.ids, b.states = ids, states
	b.touched = slices.Grow(b.touched[:0], len(ids))[:len(ids)]
	clear(b.touched)
	return b, nil
}

// apply checks a record's postings against the working balances and, if every check passes,
// applies them. On error nothing changed.
func (b *balances) apply(postings []PostingRecord, sc *scratch) error {
	changes := sc.changes[:0]
	defer func() { sc.changes = changes[:0] }()
	add := func(i int, d int64) error {
		for k := range changes {
			if changes[k].i == i {
				v, err := addChecked(changes[k].delta, d)
				if err != nil {
					return err
				}
				changes[k].delta = v
				return nil
			}
		}
		changes = append(changes, change{i, d})
		return nil
	}
	for _, p := range postings {
		fi, ti := b.index(p.From), b.index(p.To)
		if err := b.check(fi, p.From, p.Asset); err != nil {
			return err
		}
		if err := b.check(ti, p.To, p.Asset); err != nil {
			return err
		}
		if err := add(fi, -p.Amount); err != nil {
			return err
		}
		if err := add(ti, p.Amount); err != nil {
			return err
		}
	}
	newBal := slices.Grow(sc.newBal[:0], len(changes))[:len(changes)]
	sc.newBal = newBal
	for k, c := range changes {
		st := &b.states[c.i]
		v, err := addChecked(st.Balance, c.delta)
		if err != nil {
			return fmt.Errorf("account %s: %w", st.ID, err)
		}
		if v-st.Held < -balanceLimit || v > balanceLimit {
			return fmt.Errorf("account %s: balance %d beyond the limit: %w", st.ID, v, ErrInvalidAmount)
		}
		if c.delta < 0 && !st.Unbounded && v-st.Held < st.MinBalance {
			return fmt.Errorf("account %s: balance %d, held %d, minimum %d, change %d: %w",
				st.ID, st.Balance, st.Held, st.MinBalance, c.delta, ErrInsufficientBalance)
		}
		if c.delta > 0 && st.HasMax && v > st.MaxBalance {
			return fmt.Errorf("account %s: balance %d, maximum %d, change %d: %w",
				st.ID, st.Balance, st.MaxBalance, c.delta, ErrAboveMaxBalance)
		}
		newBal[k] = v
	}
	for k, c := range changes {
		b.states[c.i].Balance = newBal[k]
		b.touched[c.i] = true
	}
	return nil
}

func (b *balances) check(i int, id AccountID, asset string) error {
	if i < 0 || b.states[i].ID == "" {
		return fmt.Errorf("account %s: %w", id, ErrUnknownAccount)
	}
	if b.states[i].Asset != asset {
		return fmt.Errorf("account %s holds %s, posting is in %s: %w", id, b.states[i].Asset, asset, ErrAssetMismatch)
	}
	return nil
}

func (b *balances) updates(sc *scratch) []BalanceUpdate {
	out := sc.updates[:0]
	for i, t := range b.touched {
		if t {
			out = append(out, BalanceUpdate{Account: b.ids[i], Balance: b.states[i].Balance})
		}
	}
	sc.updates = out
	return out
}

// seal gives a record the next sequence number and its place in the hash chain.
func seal(head *Head, r *request, sc *scratch) {
	head.Seq++
	r.rec.Seq = head.Seq
	head.Hash, sc.buf = chainHash(head.Hash, &r.rec, r.rec.MetadataSorted, sc.buf)
	r.rec.Hash = head.Hash
}

// commit runs the requests through one store transaction. Requests that fail a check get
// their err set and change nothing; the returned error means the whole store transaction
// failed and nothing was posted.
//
// now is the clock when the call came in, against which an explicit EffectiveAt was checked,
// or zero when nothing was checked against it (a Post with EffectiveAt zero reads the clock
// once, under the lock: at about 50 ns a reading that is 4 % of a Post).
func (l *Ledger) commit(ctx context.Context, reqs []*request, now time.Time, sc *scratch) error {
	if sc.commitFn == nil {
		sc.commitFn = sc.commitTx // once per pooled scratch: a closure per call would escape
	}
	sc.ctx, sc.reqs, sc.now, sc.l, sc.idsDrawn = ctx, reqs, now, l, false
	err := l.store.Update(ctx, sc.commitFn)
	sc.ctx, sc.reqs, sc.l = nil, nil, nil
	if err != nil {
		return err
	}
	for _, r := range reqs {
		if r.out != nil {
			l.finish(ctx, r)
		}
	}
	return nil
}

// finish writes a committed request's result to r.out: the transaction it posted, or the
// one its idempotency key replayed.
func (l *Ledger) finish(ctx context.Context, r *request) {
	switch {
	case r.err != nil:
	case r.done:
		l.output(r.out, r.in, &r.rec)
	case r.prior != nil:
		t, err := l.toTransaction(ctx, r.prior)
		if r.err = err; err == nil {
			*r.out = t
			r.out.Replayed = true
		}
	}
}

// drawIDs gives each request of the commit its id, dated now.
func (sc *scratch) drawIDs(now time.Time) {
	l, reqs := sc.l, sc.reqs
	if l.newID != nil {
		for _, r := range reqs {
			r.rec.ID = l.newID()
		}
	} else if len(reqs) == 1 {
		reqs[0].rec.ID = l.ids.nextAt(now)
	} else {
		ids := slices.Grow(sc.ids[:0], len(reqs))[:len(reqs)]
		l.ids.fill(ids, now)
		for i, r := range reqs {
			r.rec.ID = ids[i]
		}
		sc.ids = ids
	}
}

// takenID reports whether a transaction id that a WithIDs source gave cannot be used: the
// nil id (which means "none" in Reverses and CapturesHold) or one a committed transaction
// has. The error is the store's failure to tell. The default source never repeats itself and
// is not checked, so only a custom source pays the lookup.
func (l *Ledger) takenID(ctx context.Context, r StoreReader, id uuid.UUID) (bool, error) {
	if l.newID == nil {
		return false, nil
	}
	if id == uuid.Nil {
		return true, nil
	}
	_, err := r.Transaction(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// errTakenID is the error for an id takenID refused.
func errTakenID(what string, id uuid.UUID) error {
	return fmt.Errorf("the id source (WithIDs) gave %s id %s, which is nil or taken: %w", what, id, ErrInvalid)
}

// commitTx is commit's store transaction, run with the arguments commit left in sc.
func (sc *scratch) commitTx(tx StoreTx) error {
	ctx, reqs := sc.ctx, sc.reqs
	head, err := tx.LockHead(ctx)
	if err != nil {
		return err
	}
	// The commit is dated by the clock read with the head locked, not when the call came in
	// (sc.now, which dated the ids and checked EffectiveAt): the wait for the lock may be long,
	// and a transaction that waited must not be dated before those committed ahead of it.
	// Never before sc.now, so an EffectiveAt checked against it is not after PostedAt.
	now := sc.l.clock()
	if now.Before(sc.now) {
		now = sc.now
	}
	if !sc.idsDrawn {
		// Drawn on the first attempt only, so a retried Update reuses them.
		sc.drawIDs(now)
		sc.idsDrawn = true
	}
	bal, err := lockAccounts(ctx, tx, reqs, now, sc)
	if err != nil {
		return err
	}
	var known map[string]TxRecord
	// A store that looks keys up together is asked once, a single Post included: its answer
	// on a miss is a nil map, where TransactionByKey returns a zero record of 240 bytes.
	lookup, lookupMany := tx.(StoreKeyLookup)
	if lookupMany {
		all := sc.keyList[:0]
		for _, r := range reqs {
			if r.rec.IdempotencyKey != "" {
				all = append(all, r.rec.IdempotencyKey)
			}
		}
		sc.keyList = all
		if len(all) > 0 {
			if known, err = lookup.TransactionsByKeys(ctx, all); err != nil {
				return err
			}
		}
	}
	recs := sc.recs[:0]
	var drawn map[uuid.UUID]struct{} // ids of a WithIDs source taken by this commit
	keys := &sc.keys                 // keys posted earlier in this same batch
	if len(reqs) > 1 {
		keys.reset(len(reqs))
	}
	for _, r := range reqs {
		r.err, r.done, r.prior = nil, false, nil
		// One time for the whole store transaction, so PostedAt follows Seq.
		r.rec.PostedAt = now
		if r.rec.EffectiveDefaulted {
			r.rec.EffectiveAt = now
		}
		var keyHash uint64
		if k := r.rec.IdempotencyKey; k != "" {
			if lookupMany {
				// Most batches replay nothing: skip the lookup (and its copy of a record).
				if len(known) > 0 {
					if prior, ok := known[k]; ok {
						r.err = replayCheck(r, &prior)
						continue
					}
				}
			} else if prior, err := tx.TransactionByKey(ctx, k); err == nil {
				r.err = replayCheck(r, &prior)
				continue
			} else if !errors.Is(err, ErrNotFound) {
				return err
			}
			if len(reqs) > 1 {
				keyHash = batchKeyHash(k)
				if i := keys.find(keyHash, k, recs); i >= 0 {
					r.err = replayCheck(r, &recs[i])
					continue
				}
			}
		}
		if l := sc.l; l.newID != nil {
			taken, err := l.takenID(ctx, tx, r.rec.ID)
			if err != nil {
				return err
			}
			// An id an earlier request of this commit took is not in the store yet.
			if _, ok := drawn[r.rec.ID]; taken || ok {
				r.err = errTakenID("transaction", r.rec.ID)
				continue
			}
			if len(reqs) > 1 {
				if drawn == nil {
					drawn = make(map[uuid.UUID]struct{}, len(reqs))
				}
				drawn[r.rec.ID] = struct{}{}
			}
		}
		if err := bal.apply(r.rec.Postings, sc); err != nil {
			r.err = err
			continue
		}
		seal(&head, r, sc)
		r.done = true
		recs = append(recs, r.rec)
		if r.rec.IdempotencyKey != "" && len(reqs) > 1 {
			keys.add(keyHash, len(recs)-1)
		}
	}
	sc.recs = recs
	if len(recs) == 0 {
		return nil
	}
	return tx.Commit(ctx, Commit{Transactions: recs, Balances: bal.updates(sc), Head: head})
}

// replayCheck answers a request whose key was already used: the first transaction if the
// content is the same, ErrIdempotencyConflict if not. It runs inside the store transaction, so
// it only records the prior; converting it to a Transaction waits until the store is released.
func replayCheck(r *request, prior *TxRecord) error {
	if !sameRequest(prior, &r.rec) {
		return fmt.Errorf("key %q: %w", r.rec.IdempotencyKey, ErrIdempotencyConflict)
	}
	p := *prior
	r.prior = &p
	return nil
}

// output writes the returned Transaction to out. Postings and Metadata are the caller's own
// (the ledger and its store keep copies), so the caller's decimals come back as given and
// nothing is copied again.
func (l *Ledger) output(out, in *Transaction, rec *TxRecord) {
	*out = *in
	out.ID, out.Seq, out.PostedAt, out.EffectiveAt = rec.ID, rec.Seq, rec.PostedAt, rec.EffectiveAt
	out.Reverses, out.CapturesHold = rec.Reverses, rec.CapturesHold
}

// Reverse undoes a transaction with a new one that moves every amount back, pointing at the
// original through Reverses. A transaction is reversed at most once. With an idempotency key a
// retried Reverse returns the first reversal.
//
// Errors: ErrInvalid (bad key; a WithIDs source gave a nil or taken id), ErrNotFound,
// ErrAlreadyReversed, ErrInsufficientBalance (what the original brought in was spent),
// ErrAboveMaxBalance (what the original paid out would not fit back under its payer's
// maximum), ErrIdempotencyConflict, ErrClosed.
func (l *Ledger) Reverse(ctx context.Context, id uuid.UUID, idempotencyKey string) (Transaction, error) {
	if err := validateKey(idempotencyKey); err != nil {
		return Transaction{}, fmt.Errorf("reverse %s: %w", id, err)
	}
	// The id is drawn once, outside Update, so a retried Update reuses it; the reversal is
	// dated inside, with the head locked, as commitTx dates a Post.
	rec := TxRecord{ID: l.newIDAt(l.clock()), IdempotencyKey: idempotencyKey, Reverses: id, EffectiveDefaulted: true}
	var out TxRecord
	replayed := false
	sc := getScratch()
	defer putScratch(sc)
	err := l.store.Update(ctx, func(tx StoreTx) error {
		head, err := tx.LockHead(ctx)
		if err != nil {
			return err
		}
		now := l.clock()
		rec.PostedAt, rec.EffectiveAt = now, now
		if idempotencyKey != "" {
			prior, err := tx.TransactionByKey(ctx, idempotencyKey)
			if err == nil {
				// A key that did not reverse anything conflicts, whatever id (uuid.Nil too).
				if prior.Reverses == uuid.Nil || prior.Reverses != id {
					return fmt.Errorf("key %q: %w", idempotencyKey, ErrIdempotencyConflict)
				}
				out, replayed = prior, true
				return nil
			} else if !errors.Is(err, ErrNotFound) {
				return err
			}
		}
		orig, err := tx.Transaction(ctx, id)
		if err != nil {
			return err
		}
		if _, err := tx.ReversalOf(ctx, id); err == nil {
			return ErrAlreadyReversed
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		if taken, err := l.takenID(ctx, tx, rec.ID); err != nil {
			return err
		} else if taken {
			return errTakenID("transaction", rec.ID)
		}
		rec.Postings = make([]PostingRecord, len(orig.Postings))
		for i, p := range orig.Postings {
			rec.Postings[i] = PostingRecord{From: p.To, To: p.From, Asset: p.Asset, Amount: p.Amount}
		}
		r := &request{rec: rec}
		bal, err := lockAccounts(ctx, tx, []*request{r}, now, sc)
		if err != nil {
			return err
		}
		if err := bal.apply(rec.Postings, sc); err != nil {
			return err
		}
		seal(&head, r, sc)
		out = r.rec
		return tx.Commit(ctx, Commit{Transactions: []TxRecord{r.rec}, Balances: bal.updates(sc), Head: head})
	})
	if err != nil {
		return Transaction{}, fmt.Errorf("reverse %s: %w", id, err)
	}
	t, err := l.toTransaction(ctx, &out)
	t.Replayed = replayed
	return t, err
}

// Head returns the tip of the transaction hash chain: the last sequence number and its hash.
// Errors: ErrClosed.
func (l *Ledger) Head(ctx context.Context) (Head, error) {
	var h Head
	err := l.store.View(ctx, func(r StoreReader) error {
		var err error
		h, err = r.Head(ctx)
		return err
	})
	if err != nil {
		return Head{}, fmt.Errorf("head: %w", err)
	}
	return h, nil
}

// TransactionByKey returns the transaction committed under an idempotency key. It answers
// "what did my first attempt do?" when a retry's content legitimately differs from the first
// attempt's (the retry then gets ErrIdempotencyConflict from Post).
// Errors: ErrInvalid (bad key), ErrNotFound, ErrClosed.
func (l *Ledger) TransactionByKey(ctx context.Context, key string) (Transaction, error) {
	if err := validateLookupKey(key); err != nil {
		return Transaction{}, fmt.Errorf("transaction by key %q: %w", key, err)
	}
	var rec TxRecord
	err := l.store.View(ctx, func(r StoreReader) error {
		var err error
		rec, err = r.TransactionByKey(ctx, key)
		return err
	})
	if err != nil {
		return Transaction{}, fmt.Errorf("transaction by key %q: %w", key, err)
	}
	return l.toTransaction(ctx, &rec)
}
