package ledger

import (
	"crypto/sha256"
	"encoding/binary"
	"slices"
)

// chainHash returns SHA-256(prev || canonical(rec)). The encoding is length-prefixed so that
// no two different records encode alike, and it covers every field a user can see.
func chainHash(prev [32]byte, rec *TxRecord, buf []byte) ([32]byte, []byte) {
	buf = append(buf[:0], prev[:]...)
	buf = append(buf, "tongxin.tx.v1"...)
	buf = binary.BigEndian.AppendUint64(buf, rec.Seq)
	buf = append(buf, rec.ID[:]...)
	buf = binary.BigEndian.AppendUint64(buf, uint64(rec.EffectiveAt.UnixMicro()))
	buf = binary.BigEndian.AppendUint64(buf, uint64(rec.PostedAt.UnixMicro()))
	if rec.EffectiveDefaulted {
		buf = append(buf, 1)
	} else {
		buf = append(buf, 0)
	}
	buf = append(buf, rec.Reverses[:]...)
	buf = append(buf, rec.CapturesHold[:]...)
	buf = appendString(buf, rec.IdempotencyKey)
	buf = appendString(buf, rec.Memo)
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(rec.Metadata)))
	if len(rec.Metadata) > 0 {
		keys := make([]string, 0, len(rec.Metadata))
		for k := range rec.Metadata {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			buf = appendString(buf, k)
			buf = appendString(buf, rec.Metadata[k])
		}
	}
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(rec.Postings)))
	for i := range rec.Postings {
		p := &rec.Postings[i]
		buf = appendString(buf, string(p.From))
		buf = appendString(buf, string(p.To))
		buf = appendString(buf, p.Asset)
		buf = binary.BigEndian.AppendUint64(buf, uint64(p.Amount))
	}
	return sha256.Sum256(buf), buf
}

func appendString(buf []byte, s string) []byte {
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(s)))
	return append(buf, s...)
}
