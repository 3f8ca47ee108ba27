package ledger

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// Limits on account ids and metadata.
const (
	AccountIDSegmentsMax     = 8
	AccountIDSegmentBytesMax = 64
	MetadataEntriesMax       = 16
	MetadataKeyBytesMax      = 64
	MetadataValueBytesMax    = 256
	MemoBytesMax             = 512
	IdempotencyKeyBytesMax   = 128
)

// AccountID names an account: 1..8 segments of [A-Za-z0-9_.-]{1,64} joined by ':', such as
// "community:c01:issuer" or "vol:6f1c…:pts". The segments read as a path so that exports
// (hledger journals) show the accounts as a tree.
type AccountID string

// idByte marks the bytes allowed in an account id segment: a table is faster than a chain of
// comparisons on the Post path, which validates every posting's two ids.
var idByte = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-'
	}
	return t
}()

// Validate reports whether id is well-formed. The error wraps ErrInvalid.
func (id AccountID) Validate() error {
	s := string(id)
	if s == "" {
		return fmt.Errorf("account id is empty: %w", ErrInvalid)
	}
	if len(s) > AccountIDSegmentsMax*(AccountIDSegmentBytesMax+1) {
		return fmt.Errorf("account id of %d bytes: longer than any valid id: %w", len(s), ErrInvalid)
	}
	// One table lookup per byte; segment lengths are measured at the separators.
	segments, start := 1, 0
	for i := 0; i < len(s); i++ {
		if idByte[s[i]] {
			continue
		}
		if s[i] != ':' {
			return fmt.Errorf("account id %q: byte %q not in [A-Za-z0-9_.-:]: %w", s, s[i], ErrInvalid)
		}
		if err := checkSegment(s, i-start); err != nil {
			return err
		}
		if segments++; segments > AccountIDSegmentsMax {
			return fmt.Errorf("account id %q: more than %d segments: %w", s, AccountIDSegmentsMax, ErrInvalid)
		}
		start = i + 1
	}
	return checkSegment(s, len(s)-start)
}

func checkSegment(s string, n int) error {
	if n == 0 {
		return fmt.Errorf("account id %q: empty segment: %w", s, ErrInvalid)
	}
	if n > AccountIDSegmentBytesMax {
		return fmt.Errorf("account id %q: segment longer than %d bytes: %w", s, AccountIDSegmentBytesMax, ErrInvalid)
	}
	return nil
}

// Segments returns the ':'-separated parts of the id.
func (id AccountID) Segments() []string { return strings.Split(string(id), ":") }

// Account is a place where an asset is held.
type Account struct {
	ID    AccountID
	Asset string // asset code
	// MinBalance is the lowest balance allowed, open holds counted: zero means no overdraft,
	// -10 an overdraft of 10. It must not be positive.
	MinBalance decimal.Decimal
	// Unbounded accounts may go without limit below zero: issuers and the outside world.
	Unbounded bool
	// MaxBalance, when Valid, is the highest posted balance allowed (a time-bank storage cap,
	// say): a posting that would take the account above it is ErrAboveMaxBalance. It must not
	// be negative. The ledger checks it under the same lock as the minimum, so it holds across
	// processes sharing one store.
	MaxBalance decimal.NullDecimal
	Metadata   map[string]string
}

// validateMetadata checks the named limits; keys and values must be valid UTF-8 without NUL
// so that every store (PostgreSQL text included) keeps them byte for byte.
func validateMetadata(md map[string]string) error {
	if len(md) > MetadataEntriesMax {
		return fmt.Errorf("metadata: %d entries, at most %d: %w", len(md), MetadataEntriesMax, ErrInvalid)
	}
	for k, v := range md {
		if err := validateEntry(k, v); err != nil {
			return err
		}
	}
	return nil
}

// sortedMetadata checks md as validateMetadata does and appends its entries to buf sorted by
// key: the order the hash chain needs, found while the map is read for the checks anyway.
func sortedMetadata(md map[string]string, buf [][2]string) ([][2]string, error) {
	if len(md) > MetadataEntriesMax {
		return buf, fmt.Errorf("metadata: %d entries, at most %d: %w", len(md), MetadataEntriesMax, ErrInvalid)
	}
	start := len(buf)
	for k, v := range md {
		if err := validateEntry(k, v); err != nil {
			return buf[:start], err
		}
		buf = append(buf, [2]string{k, v})
	}
	sortPairs(buf[start:])
	return buf, nil
}

// sortPairs sorts metadata entries by key. Keys are unique, so the order is total. A
// transaction's dozen entries are sorted as integers: each key's first seven bytes with the
// entry's index in the low byte, which decides almost every comparison without comparing
// strings and moves eight bytes instead of a pair of strings; the pairs are then moved once.
func sortPairs(kv [][2]string) {
	n := len(kv)
	if n > sortPairsInsertionMax {
		slices.SortFunc(kv, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
		return
	}
	var order [sortPairsInsertionMax]uint64
	for i := range kv {
		order[i] = keyPrefix(kv[i][0])<<8 | uint64(i)
	}
	for i := 1; i < n; i++ {
		v := order[i]
		j := i
		for ; j > 0; j-- {
			u := order[j-1]
			if v>>8 > u>>8 || v>>8 == u>>8 && kv[v&0xff][0] > kv[u&0xff][0] {
				break
			}
			order[j] = u
		}
		order[j] = v
	}
	var tmp [sortPairsInsertionMax][2]string
	copy(tmp[:n], kv)
	for i := range n {
		kv[i] = tmp[order[i]&0xff]
	}
}

// sortPairsInsertionMax is the most entries sortPairs sorts by insertion (an index fits in
// the low byte of its sort key).
const sortPairsInsertionMax = 16

// keyPrefix is s's first seven bytes, big-endian, zero-padded: prefixes compare as the
// strings do, except that equal prefixes leave the order to the rest.
func keyPrefix(s string) uint64 {
	if len(s) >= 7 {
		return uint64(s[0])<<48 | uint64(s[1])<<40 | uint64(s[2])<<32 | uint64(s[3])<<24 |
			uint64(s[4])<<16 | uint64(s[5])<<8 | uint64(s[6])
	}
	var p uint64
	for i := range 7 {
		p <<= 8
		if i < len(s) {
			p |= uint64(s[i])
		}
	}
	return p
}

func validateEntry(k, v string) error {
	if k == "" || len(k) > MetadataKeyBytesMax {
		return fmt.Errorf("metadata key %q: length must be 1..%d bytes: %w", k, MetadataKeyBytesMax, ErrInvalid)
	}
	if len(v) > MetadataValueBytesMax {
		return fmt.Errorf("metadata %q: value longer than %d bytes: %w", k, MetadataValueBytesMax, ErrInvalid)
	}
	if err := validateText("metadata key", k); err != nil {
		return err
	}
	return validateText("metadata value", v)
}

func validateText(what, s string) error {
	if !plainText(s) {
		return fmt.Errorf("%s %q: must be UTF-8 without NUL: %w", what, s, ErrInvalid)
	}
	return nil
}

// plainText reports whether s is valid UTF-8 without NUL. ASCII is checked eight bytes at a
// time in one pass; the first byte above ASCII hands the rest to the standard library. A
// transaction's memo and a dozen metadata entries are two dozen short strings, where two
// library calls per string cost more than the check.
func plainText(s string) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(s); i += 8 {
		x := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		if x&highs != 0 || (x-ones)&^x&highs != 0 { // a byte above ASCII, or a zero byte
			break
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; c == 0 {
			return false
		} else if c >= utf8.RuneSelf {
			rest := s[i:]
			return utf8.ValidString(rest) && strings.IndexByte(rest, 0) < 0
		}
	}
	return true
}

func validateKey(key string) error {
	if len(key) > IdempotencyKeyBytesMax {
		return fmt.Errorf("idempotency key of %d bytes, at most %d: %w", len(key), IdempotencyKeyBytesMax, ErrInvalid)
	}
	return validateText("idempotency key", key)
}

// validateLookupKey checks a key that TransactionByKey or HoldByKey looks a first attempt up
// by: a valid key, and not the empty one, which every request without a key shares.
func validateLookupKey(key string) error {
	if key == "" {
		return fmt.Errorf("empty idempotency key: %w", ErrInvalid)
	}
	return validateKey(key)
}

// AccountRecord is an account as a Store keeps it: the minimum balance in minor units.
type AccountRecord struct {
	ID         AccountID
	Asset      string
	MinBalance int64 // minor units; ignored when Unbounded
	Unbounded  bool
	HasMax     bool  // MaxBalance applies
	MaxBalance int64 // minor units, when HasMax
	Metadata   map[string]string
}

func (a AccountRecord) equal(b AccountRecord) bool {
	return a.ID == b.ID && a.Asset == b.Asset && a.MinBalance == b.MinBalance &&
		a.Unbounded == b.Unbounded && a.HasMax == b.HasMax && a.MaxBalance == b.MaxBalance &&
		maps.Equal(a.Metadata, b.Metadata)
}

// AccountState is an account with its balance and what its open holds reserve.
type AccountState struct {
	AccountRecord
	Balance int64 // posted balance, minor units
	Held    int64 // sum of open, unexpired holds drawing on the account, minor units
}
