package sqlstore

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/tongxin/tongxin/ledger"
)

// Conversions between ledger records and rows. Everything written is checked first (bad input
// is ErrInvalid and reaches no SQL); everything read is checked again (a row that cannot have
// been written by this package is ErrCorrupt).

func corrupt(format string, args ...any) error {
	return fmt.Errorf("sqlstore: "+format+": %w", append(args, ledger.ErrCorrupt)...)
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("sqlstore: "+format+": %w", append(args, ledger.ErrInvalid)...)
}

// The times that int64 unix microseconds hold. time.Time.UnixMicro wraps around beyond them
// (year 300000 comes out in year -284555), so a time is written only strictly between them,
// and a bound beyond them in a query is taken as the end or the beginning of time.
var (
	microsMin = time.UnixMicro(math.MinInt64)
	microsMax = time.UnixMicro(math.MaxInt64)
)

// micros is t in unix microseconds, saturated at the int64 range: exact for every time
// checkTime accepts, and for a query bound beyond the range one that compares with every
// stored time as t does.
func micros(t time.Time) int64 {
	switch {
	case t.Before(microsMin):
		return math.MinInt64
	case t.After(microsMax):
		return math.MaxInt64
	}
	return t.UnixMicro()
}

func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

// checkTime accepts only what round-trips exactly: UTC-equivalent, microsecond precision,
// strictly inside the int64 microseconds (so that a saturated query bound compares with it
// as the unsaturated time would).
func checkTime(what string, t time.Time) error {
	if t.IsZero() {
		return invalid("%s is zero", what)
	}
	if !t.After(microsMin) || !t.Before(microsMax) {
		return invalid("%s %s is beyond int64 microseconds", what, t)
	}
	if t.Nanosecond()%1000 != 0 {
		return invalid("%s %s has sub-microsecond precision", what, t)
	}
	return nil
}

// text fields must be valid UTF-8 without NUL: PostgreSQL refuses NUL and JSON would
// silently replace invalid bytes, and either would break the hash chain on read-back.
func checkText(what, s string) error {
	if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
		return invalid("%s %q is not UTF-8 without NUL", what, s)
	}
	return nil
}

func checkMetadata(md map[string]string) error {
	if len(md) > ledger.MetadataEntriesMax {
		return invalid("metadata has %d entries, at most %d", len(md), ledger.MetadataEntriesMax)
	}
	for k, v := range md {
		if k == "" || len(k) > ledger.MetadataKeyBytesMax || len(v) > ledger.MetadataValueBytesMax {
			return invalid("metadata entry of %d and %d bytes: key 1..%d, value at most %d",
				len(k), len(v), ledger.MetadataKeyBytesMax, ledger.MetadataValueBytesMax)
		}
		if err := checkText("metadata key", k); err != nil {
			return err
		}
		if err := checkText("metadata value", v); err != nil {
			return err
		}
	}
	return nil
}

// encodeMetadata stores nil as NULL and anything else (an empty map included) as JSON, so
// that nil and empty both come back as they went in.
func encodeMetadata(md map[string]string) (any, error) {
	if md == nil {
		return nil, nil
	}
	if err := checkMetadata(md); err != nil {
		return nil, err
	}
	b, err := json.Marshal(md)
	if err != nil {
		return nil, invalid("metadata: %v", err)
	}
	return string(b), nil
}

func decodeMetadata(v sql.NullString) (map[string]string, error) {
	if !v.Valid {
		return nil, nil
	}
	md := map[string]string{}
	if err := json.Unmarshal([]byte(v.String), &md); err != nil {
		return nil, corrupt("metadata %q: %v", v.String, err)
	}
	if md == nil {
		return nil, corrupt("metadata %q", v.String)
	}
	// What checkMetadata refuses no write stored (account metadata is outside the hash
	// chain, so Verify would not see it otherwise).
	if err := checkMetadata(md); err != nil {
		return nil, corrupt("metadata %q: %v", v.String, err)
	}
	return md, nil
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullUUID(id uuid.UUID) any {
	if id == uuid.Nil {
		return nil
	}
	return id[:]
}

func decodeUUID(what string, b []byte, nullable bool) (uuid.UUID, error) {
	if b == nil && nullable {
		return uuid.Nil, nil
	}
	if len(b) != 16 {
		return uuid.Nil, corrupt("%s of %d bytes", what, len(b))
	}
	id := uuid.UUID(b)
	if id == uuid.Nil {
		return uuid.Nil, corrupt("%s is the nil uuid", what)
	}
	return id, nil
}

func decodeHash(b []byte) ([32]byte, error) {
	if len(b) != 32 {
		return [32]byte{}, corrupt("hash of %d bytes", len(b))
	}
	return [32]byte(b), nil
}

func checkAccountID(id ledger.AccountID) error {
	if err := id.Validate(); err != nil {
		return fmt.Errorf("sqlstore: %w", err)
	}
	return nil
}

// accountsAfter returns a bound that every valid account id compares with as it does with
// after, and that PostgreSQL can hold as text: after cut at its first NUL or byte of invalid
// UTF-8. Ids are ASCII above NUL and below 0x7f, so an id greater than after up to a NUL is
// greater than the text before it, and one greater than after up to a byte of 0x80 or more
// is greater than the text before it followed by 0x7f.
func accountsAfter(after ledger.AccountID) string {
	s := string(after)
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == 0:
			return s[:i]
		case c < utf8.RuneSelf:
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			return s[:i] + "\x7f"
		}
		i += n
	}
	return s
}

func checkPosting(p ledger.PostingRecord) error {
	if err := checkAccountID(p.From); err != nil {
		return err
	}
	if err := checkAccountID(p.To); err != nil {
		return err
	}
	if err := ledger.ValidateAssetCode(p.Asset); err != nil {
		return fmt.Errorf("sqlstore: %w", err)
	}
	if p.From == p.To || p.Amount <= 0 || p.Amount > ledger.AmountMinorMax {
		return invalid("posting %+v", p)
	}
	return nil
}

// checkTx validates a record before it is written.
func checkTx(r *ledger.TxRecord) error {
	if r.ID == uuid.Nil {
		return invalid("transaction %d has no id", r.Seq)
	}
	if n := len(r.Postings); n == 0 || n > ledger.PostingsMax {
		return invalid("transaction %s has %d postings", r.ID, n)
	}
	for _, p := range r.Postings {
		if err := checkPosting(p); err != nil {
			return err
		}
	}
	if len(r.IdempotencyKey) > ledger.IdempotencyKeyBytesMax {
		return invalid("idempotency key of %d bytes", len(r.IdempotencyKey))
	}
	if len(r.Memo) > ledger.MemoBytesMax {
		return invalid("memo of %d bytes", len(r.Memo))
	}
	if err := checkText("idempotency key", r.IdempotencyKey); err != nil {
		return err
	}
	if err := checkText("memo", r.Memo); err != nil {
		return err
	}
	if err := checkTime("effective time", r.EffectiveAt); err != nil {
		return err
	}
	if err := checkTime("posting time", r.PostedAt); err != nil {
		return err
	}
	return nil
}

func checkHold(h *ledger.HoldRecord) error {
	if h.ID == uuid.Nil {
		return invalid("hold has no id")
	}
	if err := checkPosting(h.Posting); err != nil {
		return err
	}
	if len(h.IdempotencyKey) > ledger.IdempotencyKeyBytesMax {
		return invalid("hold key of %d bytes", len(h.IdempotencyKey))
	}
	if err := checkText("hold key", h.IdempotencyKey); err != nil {
		return err
	}
	if err := checkTime("hold creation time", h.CreatedAt); err != nil {
		return err
	}
	if !h.ExpiresAt.IsZero() {
		if err := checkTime("hold expiry", h.ExpiresAt); err != nil {
			return err
		}
	}
	if h.Status != ledger.HoldOpen {
		return invalid("new hold %s has status %d", h.ID, h.Status)
	}
	return nil
}
