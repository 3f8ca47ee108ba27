package memstore

import (
	"bytes"
	"maps"
	"testing"

	"github.com/google/uuid"
	"pgregory.net/rapid"

	"github.com/tongxin/tongxin/ledger"
)

// TestArena stores entries of every size class, including ones that get a chunk of their
// own between small ones, and reads each back.
func TestArena(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var a arena
		var want [][]byte
		var refs []uint64
		for i, n := 0, rapid.IntRange(1, 40).Draw(t, "n"); i < n; i++ {
			size := rapid.SampledFrom([]int{0, 1, 127, 128, 4000, arenaOwnChunkBytes, arenaChunkBytes + 5}).Draw(t, "size")
			b := bytes.Repeat([]byte{byte(i)}, size)
			want = append(want, b)
			refs = append(refs, a.add(b))
		}
		for i, ref := range refs {
			if ref == 0 {
				t.Fatalf("entry %d: zero ref", i)
			}
			if got := a.get(ref); !bytes.Equal(got, want[i]) {
				t.Fatalf("entry %d: %d bytes back, want %d", i, len(got), len(want[i]))
			}
		}
		if a.get(0) != nil {
			t.Fatal("zero ref gave bytes")
		}
	})
}

// TestExtraRoundTrip: every rare field a transaction can carry comes back as stored, with
// nil and empty metadata kept apart.
func TestExtraRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		str := rapid.StringN(0, 40, 600)
		tr := ledger.TxRecord{Memo: str.Draw(t, "memo")}
		switch rapid.IntRange(0, 2).Draw(t, "metadata") {
		case 1:
			tr.Metadata = map[string]string{}
		case 2:
			tr.Metadata = rapid.MapOfN(str, str, 1, 16).Draw(t, "md")
		}
		if rapid.Bool().Draw(t, "reverses") {
			tr.Reverses = uuid.New()
		}
		if rapid.Bool().Draw(t, "captures") {
			tr.CapturesHold = uuid.New()
		}
		n := rapid.IntRange(1, 5).Draw(t, "postings")
		var idx []uint32
		for k := 0; k < n; k++ {
			tr.Postings = append(tr.Postings, ledger.PostingRecord{Amount: rapid.Int64Range(1, ledger.AmountMinorMax).Draw(t, "amount")})
			idx = append(idx, rapid.Uint32().Draw(t, "from"), rapid.Uint32().Draw(t, "to"))
		}
		x := decodeExtra(encodeExtra(nil, &tr, idx))
		if x.memo != tr.Memo || x.reverses != tr.Reverses || x.captures != tr.CapturesHold {
			t.Fatalf("fields: %+v", x)
		}
		if (x.metadata == nil) != (tr.Metadata == nil) || !maps.Equal(x.metadata, tr.Metadata) {
			t.Fatalf("metadata %v, want %v", x.metadata, tr.Metadata)
		}
		if n == 1 {
			if x.postings() != 0 {
				t.Fatalf("%d postings kept for a one-posting transaction", x.postings())
			}
			return
		}
		if x.postings() != n {
			t.Fatalf("%d postings, want %d", x.postings(), n)
		}
		for k := 0; k < n; k++ {
			p := x.posting(k)
			if p.from != idx[2*k] || p.to != idx[2*k+1] || p.amount != tr.Postings[k].Amount {
				t.Fatalf("posting %d: %+v", k, p)
			}
		}
	})
}
