package sqlstore

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/internal/sqltest"
)

// TestHeldSumSeeksPastExpiredHolds_h79: the statements that add up an account's open holds
// (Account, Accounts, LockAccounts; on PostgreSQL also the array forms) find the holds still
// in force by an index range on their expiry, so that holds that expired and were never
// released are not read. With an index on (from_account) alone, every Post from an account
// read all its expired holds (BenchmarkSQLitePostExpiredHoldsH73).
func TestHeldSumSeeksPastExpiredHolds_h79(t *testing.T) {
	ctx := context.Background()
	t.Run("sqlite", func(t *testing.T) {
		s, err := OpenSQLite(ctx, filepath.Join(t.TempDir(), "l.db"))
		require.NoError(t, err)
		defer s.Close()
		lock := s.q.lockAccountsPrefix + "?, ?" + s.q.lockAccountsTail
		for name, c := range map[string]struct {
			query string
			args  []any
		}{
			"account":  {s.q.account, []any{int64(0), "a"}},
			"accounts": {s.q.accounts, []any{int64(0), "", 10}},
			"lock":     {lock, []any{int64(0), "a", "b"}},
		} {
			rows, err := s.rdb.QueryContext(ctx, "EXPLAIN QUERY PLAN "+c.query, c.args...)
			require.NoError(t, err, name)
			var plan []string
			for rows.Next() {
				var id, parent, unused int
				var detail string
				require.NoError(t, rows.Scan(&id, &parent, &unused, &detail))
				plan = append(plan, detail)
			}
			require.NoError(t, rows.Err())
			rows.Close()
			text := strings.Join(plan, "\n")
			require.Contains(t, text, "expires_at>?", "%s:\n%s", name, text)
			require.NotContains(t, text, "SCAN h", "%s:\n%s", name, text)
		}
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := sqltest.FreshSchema(t)
		s, err := OpenPostgres(ctx, dsn)
		require.NoError(t, err)
		defer s.Close()
		db, err := sql.Open("pgx", dsn)
		require.NoError(t, err)
		defer db.Close()
		conn, err := db.Conn(ctx)
		require.NoError(t, err)
		defer conn.Close()
		// The tables are empty: without this the planner reads them whole, which is cheapest.
		_, err = conn.ExecContext(ctx, `SET enable_seqscan = off`)
		require.NoError(t, err)
		list := []string{"a", "b"}
		for name, c := range map[string]struct {
			query string
			args  []any
		}{
			"account":     {s.q.account, []any{int64(0), "a"}},
			"accounts":    {s.q.accounts, []any{int64(0), "", 10}},
			"lock arrays": {s.q.lockAccountsArrays, []any{int64(0), list}},
			"read arrays": {arraysReadAccounts, []any{int64(0), list}},
		} {
			rows, err := conn.QueryContext(ctx, "EXPLAIN "+c.query, c.args...)
			require.NoError(t, err, name)
			var plan []string
			for rows.Next() {
				var line string
				require.NoError(t, rows.Scan(&line))
				plan = append(plan, line)
			}
			require.NoError(t, rows.Err())
			rows.Close()
			text := strings.Join(plan, "\n")
			seek := false
			for _, line := range plan {
				if strings.Contains(line, "Index Cond:") && strings.Contains(line, "expires_at >") {
					seek = true
				}
				require.False(t, strings.Contains(line, "Filter:") && strings.Contains(line, "expires_at"), "%s:\n%s", name, text)
			}
			require.True(t, seek, "%s:\n%s", name, text)
		}
	})
}
