package sqlstore_test

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/catalog/storetest"
)

// cancelOnWrite cancels its context on the first write, then takes everything.
type cancelOnWrite struct {
	cancel context.CancelFunc
	n      int
}

func (w *cancelOnWrite) Write(p []byte) (int, error) {
	w.cancel()
	w.n += len(p)
	return len(p), nil
}

// fillH80 stores n demands (open, on no board) and n providers straight through the store.
func fillH80(t *testing.T, f *storetest.Fixture, n int) {
	t.Helper()
	now := f.Clock.Now()
	var ch catalog.Change
	for i := range n {
		d := storetest.Wish("r")
		d.ID, d.Status, d.Version, d.CreatedAt, d.UpdatedAt = uuid.New(), catalog.StatusOpen, 1, now, now
		d.Deadline = now.Add(time.Hour)
		ch.Demands = append(ch.Demands, d)
		p := storetest.Volunteer("v" + uuid.NewString()[:8])
		p.ID, p.Version, p.CreatedAt, p.UpdatedAt = uuid.New(), 1, now, now
		_ = i
		ch.Providers = append(ch.Providers, p)
	}
	require.NoError(t, f.Store.Apply(context.Background(), ch))
}

// TestReadsStopOnEndedContextH80: every store answers a read, an export, an expiry run and a
// board close whose context has ended with the context's error. memstore ignores the context of
// its reads, so an export of several pages (or an ExpireDue finding nothing due) went on to the
// end after its caller gave up, where the SQL stores stop.
func TestReadsStopOnEndedContextH80(t *testing.T) {
	eachStore(t, func(t *testing.T, f *storetest.Fixture) {
		const n = catalog.PageSizeMax + 10
		fillH80(t, f, n)
		bg := context.Background()
		d := f.OpenWish(t, storetest.Wish("r2"))
		b := f.Board(t, d.ID)
		p := f.Register(t, storetest.Volunteer("v1"))

		// Cancelled mid-export: the writer cancels on its first write, during the first page.
		for name, export := range map[string]func(ctx context.Context, w io.Writer) error{
			"demands": func(ctx context.Context, w io.Writer) error {
				return f.Cat.ExportDemands(ctx, w, catalog.DemandQuery{}, catalog.CSVOptions{})
			},
			"providers": func(ctx context.Context, w io.Writer) error {
				return f.Cat.ExportProviders(ctx, w, catalog.ProviderQuery{}, catalog.CSVOptions{})
			},
		} {
			ctx, cancel := context.WithCancel(bg)
			w := &cancelOnWrite{cancel: cancel}
			err := export(ctx, w)
			assert.ErrorIs(t, err, context.Canceled, "export %s cancelled mid-way", name)
			cancel()
		}

		ctx, cancel := context.WithCancel(bg)
		cancel()
		_, err := f.Cat.Demands(ctx, catalog.DemandQuery{})
		assert.ErrorIs(t, err, context.Canceled, "demands")
		_, err = f.Cat.Providers(ctx, catalog.ProviderQuery{})
		assert.ErrorIs(t, err, context.Canceled, "providers")
		_, err = f.Cat.Boards(ctx, catalog.BoardQuery{})
		assert.ErrorIs(t, err, context.Canceled, "boards")
		_, err = f.Cat.ProviderClaims(ctx, p.ID, catalog.ClaimQuery{})
		assert.ErrorIs(t, err, context.Canceled, "provider claims")
		_, err = f.Cat.History(ctx, d.ID, 0, 0)
		assert.ErrorIs(t, err, context.Canceled, "history")
		_, err = f.Cat.Claims(ctx, d.ID)
		assert.ErrorIs(t, err, context.Canceled, "claims")
		_, err = f.Cat.Audits(ctx, d.ID)
		assert.ErrorIs(t, err, context.Canceled, "audits")
		_, err = f.Cat.AuditOf(ctx, d.ID, p.ID)
		assert.ErrorIs(t, err, context.Canceled, "audit of")
		_, err = f.Cat.ProviderLoad(ctx, p.ID)
		assert.ErrorIs(t, err, context.Canceled, "provider load")
		_, err = f.Cat.Demand(ctx, d.ID)
		assert.ErrorIs(t, err, context.Canceled, "demand")
		_, err = f.Cat.Provider(ctx, p.ID)
		assert.ErrorIs(t, err, context.Canceled, "provider")
		_, err = f.Cat.Board(ctx, b.ID)
		assert.ErrorIs(t, err, context.Canceled, "board")
		err = f.Cat.ExportBoard(ctx, io.Discard, b.ID, catalog.CSVOptions{})
		assert.ErrorIs(t, err, context.Canceled, "export board")
		// Nothing is due before the deadlines: the run only reads.
		got, err := f.Cat.ExpireDue(ctx, f.Clock.Now())
		assert.ErrorIs(t, err, context.Canceled, "expire due, nothing due")
		assert.Zero(t, got)
		got, err = f.Cat.ExpireDue(ctx, f.Clock.Now().Add(2*time.Hour))
		assert.ErrorIs(t, err, context.Canceled, "expire due")
		assert.Zero(t, got)
		_, err = f.Cat.CloseBoard(ctx, b.ID, "community")
		assert.ErrorIs(t, err, context.Canceled, "close board")

		// Nothing changed.
		page, err := f.Cat.Demands(bg, catalog.DemandQuery{Statuses: catalog.Statuses(catalog.StatusExpired)})
		require.NoError(t, err)
		assert.Empty(t, page.Demands, "nothing expired")
		nb, err := f.Cat.Board(bg, b.ID)
		require.NoError(t, err)
		assert.False(t, nb.Closed, "board still open")
		assert.Equal(t, b.Version, nb.Version)
	})
}
