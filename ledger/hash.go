package ledger

import (
	"crypto/sha256"
	"encoding/binary"
)

// chainHash returns SHA-256(prev || canonical(rec)). The encoding is length-prefixed (so no
// two different records encode alike), covers every field a user can see, and is kept short:
// each SHA-256 block saved is a few percent of a Post. sorted is rec.Metadata's entries sorted
// by key when the caller has them (Post sorts them outside the store's lock), or nil.
func chainHash(prev [32]byte, rec *TxRecord, sorted [][2]string, buf []byte) ([32]byte, []byte) {
	buf = append(buf[:0], prev[:]...)
	var flags byte = 1 << 7 // encoding version 1
	if rec.EffectiveDefaulted {
		flags |= 1
	}
	if rec.Reverses != [16]byte{} {
		flags |= 2
	}
	if rec.CapturesHold != [16]byte{} {
		flags |= 4
	}
	buf = append(buf, flags)
	buf = binary.AppendUvarint(buf, rec.Seq)
	buf = append(buf, rec.ID[:]...)
	buf = binary.AppendVarint(buf, rec.EffectiveAt.UnixMicro())
	buf = binary.AppendVarint(buf, rec.PostedAt.UnixMicro()-rec.EffectiveAt.UnixMicro())
	if flags&2 != 0 {
		buf = append(buf, rec.Reverses[:]...)
	}
	if flags&4 != 0 {
		buf = append(buf, rec.CapturesHold[:]...)
	}
	buf = appendString(buf, rec.IdempotencyKey)
	buf = appendString(buf, rec.Memo)
	buf = binary.AppendUvarint(buf, uint64(len(rec.Metadata)))
	if len(rec.Metadata) > 0 {
		kv := sorted
		if len(kv) != len(rec.Metadata) {
			// Pairs, not keys: one pass over the map and no lookups after sorting.
			var stack [MetadataEntriesMax][2]string
			kv = stack[:0]
			for k, v := range rec.Metadata {
				kv = append(kv, [2]string{k, v})
			}
			sortPairs(kv)
		}
		for _, p := range kv {
			buf = appendString(buf, p[0])
			buf = appendString(buf, p[1])
		}
	}
	buf = binary.AppendUvarint(buf, uint64(len(rec.Postings)))
	for i := range rec.Postings {
		p := &rec.Postings[i]
		buf = appendString(buf, string(p.From))
		buf = appendString(buf, string(p.To))
		buf = appendString(buf, p.Asset)
		buf = binary.AppendUvarint(buf, uint64(p.Amount))
	}
	return sha256.Sum256(buf), buf
}

func appendString(buf []byte, s string) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(s)))
	return append(buf, s...)
}
