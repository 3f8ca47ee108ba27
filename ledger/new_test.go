package ledger_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/memstore"
)

// New refuses what would otherwise panic on the first call: a nil option or clock.
func TestNewRefusesNilOptionAndClock(t *testing.T) {
	ctx := context.Background()
	for name, opts := range map[string][]ledger.Option{
		"nil store":  nil,
		"nil option": {nil},
		"nil clock":  {ledger.WithClock(nil)},
	} {
		var store ledger.Store = memstore.New()
		if name == "nil store" {
			store = nil
		}
		l, err := ledger.New(ctx, store, opts...)
		require.ErrorIs(t, err, ledger.ErrInvalid, name)
		require.Nil(t, l, name)
	}
	// WithIDs(nil) is the default id source, not an error.
	l, err := ledger.New(ctx, memstore.New(), ledger.WithIDs(nil))
	require.NoError(t, err)
	require.NoError(t, l.CreateAsset(ctx, ledger.Asset{Code: "PTS", Scale: 2}))
}
