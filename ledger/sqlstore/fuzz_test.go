package sqlstore_test

import (
	"context"
	"maps"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/sqlstore"
)

// FuzzRoundTrip posts a transaction with fuzzed key, memo and metadata through SQLite: what
// the ledger accepts must come back byte for byte (the hash chain covers it), and what it
// rejects must leave the store unchanged. Verify passes either way.
func FuzzRoundTrip(f *testing.F) {
	f.Add("k1", "memo", "demand", "d1")
	f.Add("", "", "", "")
	f.Add("键", "微心愿 \u00e9", "名字", "张三")
	f.Add("k\x00", "m\xff", "a", "\x00")
	f.Fuzz(func(t *testing.T, key, memo, mdKey, mdValue string) {
		ctx := context.Background()
		s, err := sqlstore.OpenSQLite(ctx, ":memory:")
		require.NoError(t, err)
		defer s.Close()
		l, err := ledger.New(ctx, s)
		require.NoError(t, err)
		require.NoError(t, l.CreateAsset(ctx, ledger.Asset{Code: "PTS", Scale: 2}))
		require.NoError(t, l.OpenAccount(ctx, ledger.Account{ID: "issuer", Asset: "PTS", Unbounded: true}))
		require.NoError(t, l.OpenAccount(ctx, ledger.Account{ID: "a", Asset: "PTS"}))
		var md map[string]string
		if mdKey != "" {
			md = map[string]string{mdKey: mdValue}
		}
		in := ledger.Transaction{IdempotencyKey: key, Memo: memo, Metadata: md, Postings: []ledger.Posting{pts("issuer", "a", "1")}}
		out, err := l.Post(ctx, in)
		if err != nil {
			require.ErrorIs(t, err, ledger.ErrInvalid)
			head, herr := l.Head(ctx)
			require.NoError(t, herr)
			require.Zero(t, head.Seq)
		} else {
			got, err := l.Transaction(ctx, out.ID)
			require.NoError(t, err)
			require.Equal(t, memo, got.Memo)
			require.Equal(t, key, got.IdempotencyKey)
			require.True(t, maps.Equal(md, got.Metadata), "metadata %q came back as %q", md, got.Metadata)
			require.Equal(t, md == nil, got.Metadata == nil)
		}
		require.NoError(t, l.Verify(ctx))
	})
}
