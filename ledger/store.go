package ledger

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Store persists a ledger. It holds no ledger rules: [Ledger] validates every request, checks
// every balance and computes every hash before it asks a Store to write, so a Store only has to
// keep what it is given, atomically, and read it back. Amounts are exact minor units.
//
// Every method of a Store and of the StoreReader and StoreTx it hands out must return an error
// wrapping ErrClosed once Close has been called, and ErrNotFound (wrapped) for an id it does not
// hold. A call that fails because its ctx ended must return an error wrapping ctx.Err(),
// even when the database reports the failure as something else (a dropped connection), so
// that a caller can tell a timeout from a refusal. Stores are safe for concurrent use.
type Store interface {
	// Update runs fn in one atomic read-write transaction: either everything fn wrote through
	// tx is kept, or (fn or the commit failed) nothing is. A store that can lose a race to
	// another process (a serialization failure, a deadlock, a unique-key violation) runs fn
	// again, a bounded number of times, so fn must have no effects outside tx.
	Update(ctx context.Context, fn func(tx StoreTx) error) error
	// View runs fn against one consistent read view.
	View(ctx context.Context, fn func(r StoreReader) error) error
	// Close releases the store; later calls return ErrClosed. Closing twice is not an error.
	Close() error
}

// Head is the tip of the transaction hash chain: the last committed sequence number and hash.
// The empty ledger's head is the zero Head.
type Head struct {
	Seq  uint64
	Hash [32]byte
}

// PostingRecord is a posting as stored: the amount in minor units of the asset.
type PostingRecord struct {
	From, To AccountID
	Asset    string
	Amount   int64
}

// TxRecord is a committed transaction as stored. Times are UTC with microsecond precision.
type TxRecord struct {
	ID             uuid.UUID
	Seq            uint64
	IdempotencyKey string
	Postings       []PostingRecord
	Memo           string
	Metadata       map[string]string
	// MetadataSorted, when not nil, holds Metadata's entries sorted by key: the Ledger has
	// them from its checks, so a Store may encode from it instead of reading the map again.
	// It is the Ledger's scratch memory: a Store copies what it keeps, and reads Metadata
	// when it is nil.
	MetadataSorted [][2]string
	EffectiveAt    time.Time
	PostedAt       time.Time
	// EffectiveDefaulted records that the request left EffectiveAt zero, so that a replay of
	// the same request is recognised as the same content.
	EffectiveDefaulted bool
	Reverses           uuid.UUID
	CapturesHold       uuid.UUID
	// Hash is SHA-256 over the previous transaction's hash and this one's canonical encoding.
	Hash [32]byte
}

// HoldStatus is the state of a hold.
type HoldStatus uint8

// Hold states. A hold past its expiry stays HoldOpen in the store but reserves nothing and can
// no longer be captured.
const (
	HoldOpen HoldStatus = iota + 1
	HoldCaptured
	HoldReleased
)

// HoldRecord is a hold as stored.
type HoldRecord struct {
	ID             uuid.UUID
	IdempotencyKey string
	Posting        PostingRecord
	ExpiresAt      time.Time // zero: never
	CreatedAt      time.Time
	Status         HoldStatus
	ClosedAt       time.Time
}

// reserves reports whether the hold counts against its From account at time now.
func (h HoldRecord) reserves(now time.Time) bool {
	return h.Status == HoldOpen && (h.ExpiresAt.IsZero() || now.Before(h.ExpiresAt))
}

// Reserves reports whether the hold still reserves its amount at time now: open and unexpired.
// Stores use it to compute AccountState.Held.
func (h HoldRecord) Reserves(now time.Time) bool { return h.reserves(now) }

// HoldClosure closes an open hold.
type HoldClosure struct {
	ID       uuid.UUID
	Status   HoldStatus // HoldCaptured or HoldReleased
	ClosedAt time.Time
}

// BalanceUpdate sets an account's posted balance.
type BalanceUpdate struct {
	Account AccountID
	Balance int64
}

// Commit is everything one store transaction writes besides assets and accounts. A Store
// applies it whole. Its slices belong to the Ledger and are valid only until Update returns:
// a Store copies what it keeps, the records' Metadata maps included (they are the maps the
// caller passed to Post).
type Commit struct {
	Transactions []TxRecord      // in Seq order, continuing the chain from the locked head
	Balances     []BalanceUpdate // the new posted balance of every account the transactions touch
	Head         Head            // the new tip; equal to the locked head when Transactions is empty
	OpenHolds    []HoldRecord
	CloseHolds   []HoldClosure
}

// StoreReader reads a consistent view of a store.
type StoreReader interface {
	// Asset returns the asset with this code, or ErrNotFound.
	Asset(ctx context.Context, code string) (Asset, error)
	// Assets lists every asset, ordered by code.
	Assets(ctx context.Context) ([]Asset, error)
	// Account returns the account with its balance and what its holds reserve at time now.
	Account(ctx context.Context, id AccountID, now time.Time) (AccountState, error)
	// Accounts lists accounts ordered by id, starting after the given id ("" for the first).
	Accounts(ctx context.Context, after AccountID, limit int, now time.Time) ([]AccountState, error)
	// Transaction returns the transaction with this id, or ErrNotFound.
	Transaction(ctx context.Context, id uuid.UUID) (TxRecord, error)
	// TransactionByKey returns the transaction posted with this idempotency key, or ErrNotFound.
	TransactionByKey(ctx context.Context, key string) (TxRecord, error)
	// ReversalOf returns the id of the transaction that reverses id, or ErrNotFound.
	ReversalOf(ctx context.Context, id uuid.UUID) (uuid.UUID, error)
	// Transactions lists transactions in Seq order with Seq > afterSeq.
	Transactions(ctx context.Context, afterSeq uint64, limit int) ([]TxRecord, error)
	// AccountTransactions lists the transactions touching an account, Seq > afterSeq, in Seq order.
	AccountTransactions(ctx context.Context, id AccountID, afterSeq uint64, limit int) ([]TxRecord, error)
	// BalanceAt sums what was posted to the account minus what was posted from it by
	// transactions whose EffectiveAt is at or before t. A sum beyond int64 (back-dated
	// postings can make one) is an error wrapping ErrInvalidAmount, never a wrapped number.
	BalanceAt(ctx context.Context, id AccountID, t time.Time) (int64, error)
	// Hold returns the hold with this id, open or closed, or ErrNotFound.
	Hold(ctx context.Context, id uuid.UUID) (HoldRecord, error)
	// HoldByKey returns the hold opened with this idempotency key, or ErrNotFound.
	HoldByKey(ctx context.Context, key string) (HoldRecord, error)
	// Head returns the chain tip: the last Seq and hash (zero in an empty store).
	Head(ctx context.Context) (Head, error)
}

// StoreTx is a StoreReader inside Update that can also lock and write. The Ledger always locks
// the head first and then accounts in ascending id order, so stores that lock rows never
// deadlock against each other.
type StoreTx interface {
	StoreReader
	// LockHead locks the chain tip until the transaction ends and returns it.
	LockHead(ctx context.Context) (Head, error)
	// LockAccounts locks the accounts (ids sorted ascending, unique) and returns their states
	// at time now, aligned with ids; an account that does not exist yields a zero AccountState.
	// The Ledger uses the result only until Update returns, so a store may reuse its memory.
	LockAccounts(ctx context.Context, ids []AccountID, now time.Time) ([]AccountState, error)
	// InsertAsset adds an asset the Ledger has just found missing (Asset gave ErrNotFound).
	InsertAsset(ctx context.Context, a Asset) error
	// InsertAccount adds an account the Ledger has just found missing in this transaction.
	InsertAccount(ctx context.Context, a AccountRecord) error
	// Commit writes c whole, as part of the store transaction: it lasts only if Update's
	// function returns nil.
	Commit(ctx context.Context, c Commit) error
}

// StoreKeyLookup is an optional StoreTx capability: look up many idempotency keys at once.
// The result holds only the keys that exist. The Ledger uses it for batches, where one round
// trip per key would dominate on a networked database.
type StoreKeyLookup interface {
	TransactionsByKeys(ctx context.Context, keys []string) (map[string]TxRecord, error)
}

// StoreGroupCommit is an optional Store capability. A store whose commits are expensive (a
// database round trip and a disk flush) returns true, and the Ledger then gathers Post calls
// that arrive while a commit is under way into the next store transaction: one flush serves
// many callers, each still accepted or rejected on its own.
type StoreGroupCommit interface {
	GroupCommit() bool
}
