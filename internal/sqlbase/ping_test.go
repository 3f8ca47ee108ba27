package sqlbase_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"

	"github.com/tongxin/tongxin/internal/sqlbase"
)

func TestPing(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("sqlite", sqlbase.SQLiteDSN(filepath.Join(t.TempDir(), "x.db"), sqlbase.SyncNormal))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := sqlbase.Ping(ctx, db); err != nil {
		t.Fatalf("ping a new file: %v", err)
	}
	// A file that cannot be opened fails at once, not after retries.
	bad, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "missing", "x.db")+"?mode=rw")
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close()
	if err := sqlbase.Ping(ctx, bad); err == nil || sqlbase.IsSQLiteBusy(err) {
		t.Fatalf("ping of an unopenable file: %v", err)
	}
	for _, e := range []error{nil, errors.New("busy"), context.Canceled} {
		if sqlbase.IsSQLiteBusy(e) {
			t.Errorf("IsSQLiteBusy(%v) = true", e)
		}
	}
}
