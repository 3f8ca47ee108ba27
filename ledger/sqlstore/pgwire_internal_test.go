package sqlstore

import (
	"context"
	"database/sql"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/internal/sqltest"
)

// TestRawArrays sends rawArrays of every element type, with NULLs and empty, and reads back
// what PostgreSQL made of them.
func TestRawArrays(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("pgx", sqltest.PostgresDSN(t))
	require.NoError(t, err)
	defer db.Close()
	conn, err := db.Conn(ctx)
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, (&pgTx{conn: conn}).acceptRawArrays())

	i8 := newArray(oidInt8, 3, 0)
	for _, v := range []int64{-1 << 63, 0, 1<<63 - 1} {
		i8.int8(v)
	}
	i4 := newArray(oidInt4, 2, 0)
	i4.int4(-7)
	i4.int4(1 << 30)
	txt := newArray(oidText, 3, 0)
	txt.text("微心愿 \"q\" \\ {}")
	txt.optText("")
	txt.text("")
	byt := newArray(oidBytea, 2, 0)
	byt.optUUID(uuid.Nil)
	byt.bytes([]byte{0, 0xff})
	bools := newArray(oidBool, 2, 0)
	bools.bool(true)
	bools.bool(false)
	empty := newArray(oidText, 0, 0)

	var got [6]string
	err = conn.QueryRowContext(ctx, `SELECT CAST(CAST($1 AS BIGINT[]) AS TEXT), CAST(CAST($2 AS INTEGER[]) AS TEXT),
 CAST(CAST($3 AS TEXT[]) AS TEXT), CAST(CAST($4 AS BYTEA[]) AS TEXT), CAST(CAST($5 AS BOOLEAN[]) AS TEXT),
 CAST(cardinality(CAST($6 AS TEXT[])) AS TEXT)`,
		i8.done(), i4.done(), txt.done(), byt.done(), bools.done(), empty.done()).
		Scan(&got[0], &got[1], &got[2], &got[3], &got[4], &got[5])
	require.NoError(t, err)
	assert.Equal(t, [6]string{
		"{-9223372036854775808,0,9223372036854775807}",
		"{-7,1073741824}",
		`{"微心愿 \"q\" \\ {}",NULL,""}`,
		`{NULL,"\\x00ff"}`,
		"{t,f}",
		"0",
	}, got)
}
