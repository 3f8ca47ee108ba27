package sqlbase_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/tongxin/tongxin/catalog"
	catalogsql "github.com/tongxin/tongxin/catalog/sqlstore"
	"github.com/tongxin/tongxin/internal/sqlbase"
	"github.com/tongxin/tongxin/ledger"
	ledgersql "github.com/tongxin/tongxin/ledger/sqlstore"
)

// badDSNs do not parse, and each holds the password "hunter2" where pgx's redaction of the
// DSN in its error missed it: a password holding ':' or '@' in a URL that does not parse,
// the password as a URL query parameter, and spaces around '=' in keyword/value form.
var badDSNs = []string{
	"postgres://u:hunter2:x@127.0.0.1:badport/db",
	"postgres://u:hun@ter2@127.0.0.1:badport/db",
	"postgres://u@127.0.0.1/db?password=hunter2&port=bad",
	"postgresql://u:x@127.0.0.1/db?password=hunter2&sslmode=bogus",
	"host=127.0.0.1 password = hunter2 sslmode=bogus",
	"password = 'hunter2' port=x",
}

// TestOpenPostgresRefusesBadDSNWithoutItsPassword_h76: a DSN that did not parse was found out
// only when the first connection was made, as the driver's untyped error, and that error
// repeated the DSN with the password in it for each of badDSNs. It is the store's invalid
// error at Open, naming what is wrong but not the DSN.
func TestOpenPostgresRefusesBadDSNWithoutItsPassword_h76(t *testing.T) {
	ctx := context.Background()
	for _, dsn := range badDSNs {
		db, err := sqlbase.OpenPostgres(dsn, sqlbase.Options{MaxConns: 1, MaxIdleTime: time.Second}, errInvalid)
		if err == nil {
			err = sqlbase.Ping(ctx, db)
			_ = db.Close()
		}
		if assert.ErrorIs(t, err, errInvalid, dsn) {
			assert.NotContains(t, err.Error(), "unter2", dsn)
			assert.Contains(t, err.Error(), "DSN", dsn)
		}
		_, err = ledgersql.OpenPostgres(ctx, dsn)
		if assert.ErrorIs(t, err, ledger.ErrInvalid, dsn) {
			assert.NotContains(t, err.Error(), "unter2", dsn)
		}
		_, err = catalogsql.OpenPostgres(ctx, dsn)
		if assert.ErrorIs(t, err, catalog.ErrInvalid, dsn) {
			assert.NotContains(t, err.Error(), "unter2", dsn)
		}
	}
}
