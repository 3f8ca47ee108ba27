package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/catalog/memstore"
	"github.com/tongxin/tongxin/catalog/sqlstore"
)

// FuzzApplyDemand writes arbitrary demands through Apply. The store either refuses one with
// catalog.ErrInvalid, exactly when it cannot keep it exactly (text that is not UTF-8 or holds
// NUL, coordinates that are not numbers, a version outside 1..MaxInt64), and writes nothing;
// or it keeps it, and reads it back (by id and through a grid query) exactly as memstore does.
func FuzzApplyDemand(f *testing.F) {
	f.Add("上门理发", "haircut", "幸福街道/阳光社区/1网格", 30.27, int64(1200050), int8(-2), uint64(1))
	f.Add("t", "", "s", 0.0, int64(0), int8(0), uint64(1))
	f.Add("\xff", "c", "s/c", 1.0, int64(5), int8(3), uint64(1))
	f.Add("t", "a\x00b", "s/c%_", -1.0, int64(-7), int8(-9), uint64(0))
	f.Add("t", "c", "s/c", math.Inf(1), int64(1), int8(0), uint64(math.MaxInt64)+1)
	f.Add("t", "c", "s/c", 1.0, int64(1), int8(0), uint64(2))
	ctx := context.Background()
	s, err := sqlstore.OpenSQLite(ctx, ":memory:")
	require.NoError(f, err)
	f.Cleanup(func() { _ = s.Close() })
	model := memstore.New()
	f.Fuzz(func(t *testing.T, title, category, grid string, lat float64, coef int64, exp int8, version uint64) {
		d := catalog.Demand{
			ID: uuid.New(), Kind: catalog.Project, Title: title, Category: category,
			Location: catalog.Location{Grid: catalog.GridPath(grid), At: catalog.Coordinates{Lat: lat, Lng: 1}},
			Budget:   decimal.New(coef, int32(exp)), Status: catalog.StatusOpen, Version: version,
		}
		ch := catalog.Change{Demands: []catalog.Demand{d}}
		errModel, errSQL := model.Apply(ctx, ch), s.Apply(ctx, ch)
		unkeepable := version == 0 || version > math.MaxInt64 || math.IsNaN(lat) || math.IsInf(lat, 0)
		for _, text := range []string{title, category, grid} {
			unkeepable = unkeepable || !utf8.ValidString(text) || strings.IndexByte(text, 0) >= 0
		}
		if unkeepable {
			if !errors.Is(errSQL, catalog.ErrInvalid) {
				t.Fatalf("got %v, want ErrInvalid", errSQL)
			}
			if _, err := s.Demand(ctx, d.ID); !errors.Is(err, catalog.ErrNotFound) {
				t.Fatalf("refused demand was written: %v", err)
			}
			return
		}
		if (errModel == nil) != (errSQL == nil) || (errSQL != nil && !errors.Is(errSQL, errors.Unwrap(errModel))) {
			t.Fatalf("model %v, sqlstore %v", errModel, errSQL)
		}
		if errSQL != nil {
			return
		}
		want, err := model.Demand(ctx, d.ID)
		require.NoError(t, err)
		got, err := s.Demand(ctx, d.ID)
		require.NoError(t, err)
		if fmt.Sprintf("%#v", want) != fmt.Sprintf("%#v", got) {
			t.Fatalf("read back\n%#v\nwant\n%#v", got, want)
		}
		q := catalog.DemandQuery{Grid: d.Location.Grid, After: uuid.UUID{}, Limit: catalog.PageSizeMax}
		q.After = d.ID
		q.After[15]-- // just before d (ids from uuid.New are random: the last byte is rarely 0)
		if d.ID[15] == 0 {
			return
		}
		page, err := s.Demands(ctx, catalog.DemandQuery{Grid: d.Location.Grid, After: q.After, Limit: 1})
		require.NoError(t, err)
		if len(page) != 1 || page[0].ID != d.ID {
			t.Fatalf("grid query %q from just before the demand: %v", d.Location.Grid, page)
		}
	})
}
