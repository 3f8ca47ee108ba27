package sqlstore

import (
	"encoding/binary"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
)

// The bulk statements on PostgreSQL take one array parameter per column, tens of thousands of
// elements in a batch. pgx encodes a Go slice one element at a time through an interface (an
// allocation and a plan lookup each), which cost ~2 ms of client CPU per 1,000-transaction
// batch; rawArray is the array already in PostgreSQL's binary format, built here by appending
// bytes, and rawArrayCodec hands it to the server as it is.

// rawArray is a one-dimensional PostgreSQL array in the binary wire format (array_send).
type rawArray []byte

// arrayBuilder builds a rawArray of n elements of type elem: append exactly n elements.
type arrayBuilder struct {
	b       []byte
	hasNull bool
}

// Element type OIDs (pg_type) of the arrays the bulk statements take.
const (
	oidBool  = pgtype.BoolOID
	oidBytea = pgtype.ByteaOID
	oidInt4  = pgtype.Int4OID
	oidInt8  = pgtype.Int8OID
	oidText  = pgtype.TextOID
)

// newArray starts an array of n elements of type elem, with room for size bytes of elements.
func newArray(elem uint32, n, size int) *arrayBuilder {
	a := &arrayBuilder{b: make([]byte, 0, 20+4*n+size)}
	if n == 0 {
		// No dimensions: PostgreSQL's empty array.
		a.b = binary.BigEndian.AppendUint32(a.b, 0)
		a.b = binary.BigEndian.AppendUint32(a.b, 0)
		a.b = binary.BigEndian.AppendUint32(a.b, elem)
		return a
	}
	a.b = binary.BigEndian.AppendUint32(a.b, 1) // dimensions
	a.b = binary.BigEndian.AppendUint32(a.b, 0) // has nulls: set by done
	a.b = binary.BigEndian.AppendUint32(a.b, elem)
	a.b = binary.BigEndian.AppendUint32(a.b, uint32(n))
	a.b = binary.BigEndian.AppendUint32(a.b, 1) // lower bound
	return a
}

func (a *arrayBuilder) done() rawArray {
	if a.hasNull {
		binary.BigEndian.PutUint32(a.b[4:], 1)
	}
	return a.b
}

func (a *arrayBuilder) null() {
	a.b = binary.BigEndian.AppendUint32(a.b, 0xffffffff)
	a.hasNull = true
}

func (a *arrayBuilder) int8(v int64) {
	a.b = binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint32(a.b, 8), uint64(v))
}

func (a *arrayBuilder) int4(v int32) {
	a.b = binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(a.b, 4), uint32(v))
}

func (a *arrayBuilder) bool(v bool) {
	a.b = binary.BigEndian.AppendUint32(a.b, 1)
	if v {
		a.b = append(a.b, 1)
	} else {
		a.b = append(a.b, 0)
	}
}

// text appends s; bytes appends b. Both are sent as they are: text was checked to be valid
// UTF-8 without NUL (checkText and the ledger's validation) before it reaches here.
func (a *arrayBuilder) text(s string) {
	a.b = append(binary.BigEndian.AppendUint32(a.b, uint32(len(s))), s...)
}

func (a *arrayBuilder) bytes(b []byte) {
	a.b = append(binary.BigEndian.AppendUint32(a.b, uint32(len(b))), b...)
}

// optText appends "" as NULL; optUUID the nil uuid.
func (a *arrayBuilder) optText(s string) {
	if s == "" {
		a.null()
		return
	}
	a.text(s)
}

func (a *arrayBuilder) optUUID(id uuid.UUID) {
	if id == uuid.Nil {
		a.null()
		return
	}
	a.bytes(id[:])
}

// rawArrayOIDs are the array types that take a rawArray.
var rawArrayOIDs = [...]uint32{pgtype.BoolArrayOID, pgtype.ByteaArrayOID, pgtype.Int4ArrayOID, pgtype.Int8ArrayOID, pgtype.TextArrayOID}

// rawArrayCodec is the connection's codec for an array type, which also encodes a rawArray
// (binary format) by copying it.
type rawArrayCodec struct{ pgtype.Codec }

func (c rawArrayCodec) PlanEncode(m *pgtype.Map, oid uint32, format int16, value any) pgtype.EncodePlan {
	if _, ok := value.(rawArray); ok && format == pgtype.BinaryFormatCode {
		return rawArrayPlan{}
	}
	return c.Codec.PlanEncode(m, oid, format, value)
}

type rawArrayPlan struct{}

func (rawArrayPlan) Encode(value any, buf []byte) ([]byte, error) {
	return append(buf, value.(rawArray)...), nil
}

// acceptRawArrays registers rawArrayCodec on a connection's type map, once per connection.
func acceptRawArrays(m *pgtype.Map) {
	for _, oid := range rawArrayOIDs {
		t, ok := m.TypeForOID(oid)
		if !ok {
			continue
		}
		if _, done := t.Codec.(rawArrayCodec); done {
			continue
		}
		m.RegisterType(&pgtype.Type{Name: t.Name, OID: oid, Codec: rawArrayCodec{t.Codec}})
	}
}
