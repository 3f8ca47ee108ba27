package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/internal/sqltest"
	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/sqlstore"
)

// backend opens a fresh store of one database and a raw connection to the same data, for
// editing rows behind the ledger's back.
type backend struct {
	name string
	open func(t *testing.T) (*sqlstore.Store, *sql.DB)
}

func backends(t *testing.T) []backend {
	bs := []backend{{"sqlite", func(t *testing.T) (*sqlstore.Store, *sql.DB) {
		s, path := openSQLite(t)
		raw, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)")
		require.NoError(t, err)
		t.Cleanup(func() { _ = raw.Close() })
		return s, raw
	}}}
	if sqltest.PostgresConfigured() {
		bs = append(bs, backend{"postgres", func(t *testing.T) (*sqlstore.Store, *sql.DB) {
			s, dsn := openPostgres(t)
			raw, err := sql.Open("pgx", dsn)
			require.NoError(t, err)
			t.Cleanup(func() { _ = raw.Close() })
			return s, raw
		}})
	}
	return bs
}

func pts(from, to ledger.AccountID, amount string) ledger.Posting {
	return ledger.Posting{From: from, To: to, Amount: decimal.RequireFromString(amount), Asset: "PTS"}
}

// smallLedger sets up PTS with issuer, a and b, and posts three transactions.
func smallLedger(t *testing.T, s ledger.Store) (*ledger.Ledger, []ledger.Transaction) {
	t.Helper()
	ctx := context.Background()
	l, err := ledger.New(ctx, s)
	require.NoError(t, err)
	require.NoError(t, l.CreateAsset(ctx, ledger.Asset{Code: "PTS", Scale: 2}))
	require.NoError(t, l.OpenAccount(ctx, ledger.Account{ID: "issuer", Asset: "PTS", Unbounded: true}))
	require.NoError(t, l.OpenAccount(ctx, ledger.Account{ID: "a", Asset: "PTS", Metadata: map[string]string{"name": "张三"}}))
	require.NoError(t, l.OpenAccount(ctx, ledger.Account{ID: "b", Asset: "PTS"}))
	var txs []ledger.Transaction
	for _, tr := range []ledger.Transaction{
		{IdempotencyKey: "award:1", Postings: []ledger.Posting{pts("issuer", "a", "10")}, Memo: "微心愿", Metadata: map[string]string{"demand": "d1"}},
		{Postings: []ledger.Posting{pts("a", "b", "3.5"), pts("issuer", "b", "1")}},
		{IdempotencyKey: "award:2", Postings: []ledger.Posting{pts("issuer", "b", "2")}},
	} {
		out, err := l.Post(ctx, tr)
		require.NoError(t, err)
		txs = append(txs, out)
	}
	require.NoError(t, l.Verify(ctx))
	return l, txs
}

// TestTamper edits rows behind the ledger's back: Verify (or the read itself) must report
// ErrCorrupt, never pass and never return garbage.
func TestTamper(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			for _, tc := range []struct{ name, sql string }{
				{"posting amount", `UPDATE postings SET amount = amount + 1 WHERE seq = 2 AND idx = 0`},
				{"posting account", `UPDATE postings SET to_account = 'issuer' WHERE seq = 3`},
				{"balance", `UPDATE accounts SET balance = balance + 100 WHERE id = 'b'`},
				{"memo", `UPDATE transactions SET memo = 'x' WHERE seq = 1`},
				{"effective time", `UPDATE transactions SET effective_at = effective_at - 1 WHERE seq = 1`},
				{"metadata", `UPDATE transactions SET metadata = '{"demand":"d2"}' WHERE seq = 1`},
				{"metadata not json", `UPDATE transactions SET metadata = 'nope' WHERE seq = 1`},
				// Account metadata is not in the hash chain: the read check must catch what no
				// write could have stored.
				{"account metadata too long", `UPDATE accounts SET metadata = '{"name":"` + strings.Repeat("x", ledger.MetadataValueBytesMax+1) + `"}' WHERE id = 'a'`},
				{"account metadata empty key", `UPDATE accounts SET metadata = '{"":"x"}' WHERE id = 'a'`},
				{"deleted transaction", `DELETE FROM transactions WHERE seq = 3`},
				{"deleted posting", `DELETE FROM postings WHERE seq = 2 AND idx = 1`},
				{"negative amount", `UPDATE postings SET amount = -5 WHERE seq = 1`},
				{"head", `UPDATE head SET seq = 2`},
				{"short hash", `UPDATE transactions SET hash = id WHERE seq = 2`},
				// entries are what BalanceAt and statements read.
				{"entry delta", `UPDATE entries SET delta = delta + 1 WHERE seq = 1 AND account = 'a'`},
				{"entry account", `UPDATE entries SET account = 'b' WHERE seq = 1 AND account = 'a'`},
				{"deleted entry", `DELETE FROM entries WHERE seq = 2 AND account = 'b'`},
				{"entry effective time", `UPDATE entries SET effective_at = 9000000000000000 WHERE seq = 1 AND account = 'a'`},
			} {
				t.Run(tc.name, func(t *testing.T) {
					s, raw := b.open(t)
					l, _ := smallLedger(t, s)
					if b.name == "postgres" {
						_, err := raw.Exec(`ALTER TABLE postings DROP CONSTRAINT IF EXISTS postings_amount_check`)
						require.NoError(t, err)
					} else if tc.name == "negative amount" {
						t.Skip("SQLite cannot drop a CHECK constraint; the read check is covered on PostgreSQL")
					}
					res, err := raw.Exec(tc.sql)
					require.NoError(t, err)
					n, err := res.RowsAffected()
					require.NoError(t, err)
					require.Equal(t, int64(1), n, "the edit must hit one row")
					err = l.Verify(context.Background())
					require.ErrorIs(t, err, ledger.ErrCorrupt)
				})
			}
		})
	}
}

// TestTamperCapturedHold edits the row of a captured hold behind the ledger's back. Holds are
// not in the hash chain, but a capture transaction is, and the hold it names must be there,
// captured, with the capture's accounts and at least its amount: re-opened, the hold reserved
// again and could be captured a second time, paying twice for one reservation.
func TestTamperCapturedHold(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			for _, tc := range []struct{ name, sql string }{
				{"reopened", `UPDATE holds SET status = 1, closed_at = NULL`},
				{"released", `UPDATE holds SET status = 3`},
				{"deleted", `DELETE FROM holds`},
				{"amount below the capture", `UPDATE holds SET amount = 1`},
				{"recipient", `UPDATE holds SET to_account = 'issuer'`},
			} {
				t.Run(tc.name, func(t *testing.T) {
					s, raw := b.open(t)
					l, _ := smallLedger(t, s)
					ctx := context.Background()
					h, err := l.Hold(ctx, pts("a", "b", "2"), ledger.HoldOptions{})
					require.NoError(t, err)
					_, err = l.Capture(ctx, h.ID, decimal.RequireFromString("1.5"))
					require.NoError(t, err)
					require.NoError(t, l.Verify(ctx))
					res, err := raw.Exec(tc.sql)
					require.NoError(t, err)
					n, err := res.RowsAffected()
					require.NoError(t, err)
					require.Equal(t, int64(1), n, "the edit must hit one row")
					require.ErrorIs(t, l.Verify(ctx), ledger.ErrCorrupt)
				})
			}
		})
	}
}

// TestRoundTrip checks what the hash chain depends on: metadata nil stays nil, times keep
// their microseconds, keys and memos come back byte for byte.
func TestRoundTrip(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			s, _ := b.open(t)
			l, txs := smallLedger(t, s)
			ctx := context.Background()
			for _, want := range txs {
				got, err := l.Transaction(ctx, want.ID)
				require.NoError(t, err)
				assert.Equal(t, want.Seq, got.Seq)
				assert.Equal(t, want.Memo, got.Memo)
				assert.Equal(t, want.Metadata, got.Metadata)
				assert.True(t, want.EffectiveAt.Equal(got.EffectiveAt))
				assert.Equal(t, want.PostedAt.UnixMicro(), got.PostedAt.UnixMicro())
				assert.Equal(t, len(want.Postings), len(got.Postings))
			}
			got, err := l.Transaction(ctx, txs[1].ID)
			require.NoError(t, err)
			assert.Nil(t, got.Metadata, "no metadata must come back nil")
			acc, err := l.Account(ctx, "a")
			require.NoError(t, err)
			assert.Equal(t, map[string]string{"name": "张三"}, acc.Metadata)
			_, err = l.Transaction(ctx, uuid.New())
			assert.ErrorIs(t, err, ledger.ErrNotFound)
		})
	}
}

// TestCommitRejectsBadInput drives the store directly with records the ledger would never
// produce: each is refused with ErrInvalid and leaves the store unchanged.
func TestCommitRejectsBadInput(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			s, _ := b.open(t)
			l, _ := smallLedger(t, s)
			ctx := context.Background()
			before, err := l.Head(ctx)
			require.NoError(t, err)
			good := func(h ledger.Head) ledger.TxRecord {
				return ledger.TxRecord{
					ID: uuid.New(), Seq: h.Seq + 1, Postings: []ledger.PostingRecord{{From: "issuer", To: "a", Asset: "PTS", Amount: 1}},
					EffectiveAt: before2000(), PostedAt: before2000(),
				}
			}
			for _, tc := range []struct {
				name   string
				mutate func(c *ledger.Commit)
			}{
				{"seq gap", func(c *ledger.Commit) { c.Transactions[0].Seq += 1; c.Head.Seq += 1 }},
				{"no postings", func(c *ledger.Commit) { c.Transactions[0].Postings = nil }},
				{"zero amount", func(c *ledger.Commit) { c.Transactions[0].Postings[0].Amount = 0 }},
				{"bad account", func(c *ledger.Commit) { c.Transactions[0].Postings[0].To = "a b" }},
				{"NUL memo", func(c *ledger.Commit) { c.Transactions[0].Memo = "a\x00b" }},
				{"invalid UTF-8 metadata", func(c *ledger.Commit) { c.Transactions[0].Metadata = map[string]string{"k": "\xff"} }},
				{"metadata value too long", func(c *ledger.Commit) {
					c.Transactions[0].Metadata = map[string]string{"k": strings.Repeat("x", ledger.MetadataValueBytesMax+1)}
				}},
				{"metadata key too long", func(c *ledger.Commit) {
					c.Transactions[0].Metadata = map[string]string{strings.Repeat("k", ledger.MetadataKeyBytesMax+1): "v"}
				}},
				{"empty metadata key", func(c *ledger.Commit) { c.Transactions[0].Metadata = map[string]string{"": "v"} }},
				{"nanoseconds", func(c *ledger.Commit) { c.Transactions[0].PostedAt = c.Transactions[0].PostedAt.Add(1) }},
				{"no id", func(c *ledger.Commit) { c.Transactions[0].ID = uuid.Nil }},
				{"head mismatch", func(c *ledger.Commit) { c.Head.Hash[0] ^= 1 }},
				{"unknown account balance", func(c *ledger.Commit) { c.Balances = []ledger.BalanceUpdate{{Account: "nobody", Balance: 1}} }},
				// Beyond int64 microseconds a time would be stored wrapped around (year 300000 read
				// back as year -284555), breaking the hash chain.
				{"posted beyond int64 micros", func(c *ledger.Commit) { c.Transactions[0].PostedAt = farFuture }},
				{"effective before int64 micros", func(c *ledger.Commit) { c.Transactions[0].EffectiveAt = farPast }},
				{"hold expiry beyond int64 micros", func(c *ledger.Commit) {
					c.OpenHolds = []ledger.HoldRecord{{ID: uuid.New(), Posting: ledger.PostingRecord{From: "a", To: "b", Asset: "PTS", Amount: 1},
						CreatedAt: before2000(), ExpiresAt: farFuture, Status: ledger.HoldOpen}}
				}},
			} {
				t.Run(tc.name, func(t *testing.T) {
					err := s.Update(ctx, func(tx ledger.StoreTx) error {
						h, err := tx.LockHead(ctx)
						if err != nil {
							return err
						}
						rec := good(h)
						rec.Hash = [32]byte{1}
						c := ledger.Commit{Transactions: []ledger.TxRecord{rec}, Head: ledger.Head{Seq: rec.Seq, Hash: rec.Hash}}
						tc.mutate(&c)
						return tx.Commit(ctx, c)
					})
					require.ErrorIs(t, err, ledger.ErrInvalid)
					after, err := l.Head(ctx)
					require.NoError(t, err)
					assert.Equal(t, before, after)
					require.NoError(t, l.Verify(ctx))
				})
			}
		})
	}
}

func before2000() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC) }

// Times beyond what int64 unix microseconds hold (about year ±294,000).
var (
	farFuture = time.Date(300000, 1, 1, 0, 0, 0, 0, time.UTC)
	farPast   = time.Date(-300000, 1, 1, 0, 0, 0, 0, time.UTC)
)

// TestFarTimeReads asks the store itself (the ledger clamps its own arguments) about times
// beyond int64 microseconds: they must answer as of the end or the beginning of time, not as of
// a time wrapped around to the other end.
func TestFarTimeReads(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			s, _ := b.open(t)
			l, _ := smallLedger(t, s)
			ctx := context.Background()
			_, err := l.Hold(ctx, pts("a", "b", "1"), ledger.HoldOptions{ExpiresAt: time.Now().Add(time.Hour)})
			require.NoError(t, err)
			err = s.View(ctx, func(r ledger.StoreReader) error {
				for _, c := range []struct {
					at   time.Time
					want int64
				}{{farFuture, 650}, {farPast, 0}} {
					v, err := r.BalanceAt(ctx, "a", c.at)
					require.NoError(t, err)
					assert.Equal(t, c.want, v, "balance at %s", c.at)
				}
				for _, c := range []struct {
					now  time.Time
					held int64
				}{{farFuture, 0}, {farPast, 100}} {
					st, err := r.Account(ctx, "a", c.now)
					require.NoError(t, err)
					assert.Equal(t, c.held, st.Held, "held at %s", c.now)
					sts, err := r.Accounts(ctx, "", 10, c.now)
					require.NoError(t, err)
					require.Len(t, sts, 3)
					assert.Equal(t, c.held, sts[0].Held, "held at %s (Accounts)", c.now)
				}
				return nil
			})
			require.NoError(t, err)
			err = s.Update(ctx, func(tx ledger.StoreTx) error {
				for _, c := range []struct {
					now  time.Time
					held int64
				}{{farFuture, 0}, {farPast, 100}} {
					sts, err := tx.LockAccounts(ctx, []ledger.AccountID{"a", "b"}, c.now)
					require.NoError(t, err)
					assert.Equal(t, c.held, sts[0].Held, "held at %s (LockAccounts)", c.now)
				}
				return nil
			})
			require.NoError(t, err)
		})
	}
}

// TestClosedStore calls the Store itself after Close.
func TestClosedStore(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			s, _ := b.open(t)
			require.NoError(t, s.Close())
			require.NoError(t, s.Close())
			ctx := context.Background()
			err := s.View(ctx, func(r ledger.StoreReader) error { _, err := r.Head(ctx); return err })
			assert.ErrorIs(t, err, ledger.ErrClosed)
			err = s.Update(ctx, func(tx ledger.StoreTx) error { _, err := tx.LockHead(ctx); return err })
			assert.ErrorIs(t, err, ledger.ErrClosed)
		})
	}
}

func TestOpenSQLiteBadPath(t *testing.T) {
	for _, p := range []string{"", "x.db?mode=ro", "a#b"} {
		_, err := sqlstore.OpenSQLite(context.Background(), p)
		assert.ErrorIs(t, err, ledger.ErrInvalid, p)
	}
	_, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "missing-dir", "x.db"))
	assert.Error(t, err)
}

// TestOpenSQLiteBadSynchronous: a durability setting that is neither SyncFull nor SyncNormal
// is refused, not taken silently as SyncFull, and creates no file.
func TestOpenSQLiteBadSynchronous(t *testing.T) {
	for _, sync := range []sqlstore.Synchronous{-1, 2, 100} {
		path := filepath.Join(t.TempDir(), "l.db")
		s, err := sqlstore.OpenSQLite(context.Background(), path, sqlstore.WithSynchronous(sync))
		if err == nil {
			_ = s.Close()
		}
		assert.ErrorIs(t, err, ledger.ErrInvalid, "synchronous %d", sync)
		assert.NoFileExists(t, path)
	}
}

func TestMigrations(t *testing.T) {
	ctx := context.Background()
	t.Run("fresh and reopen", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "l.db")
		s, err := sqlstore.OpenSQLite(ctx, path)
		require.NoError(t, err)
		l, txs := smallLedger(t, s)
		_ = l
		require.NoError(t, s.Close())
		s, err = sqlstore.OpenSQLite(ctx, path)
		require.NoError(t, err)
		defer s.Close()
		l, err = ledger.New(ctx, s)
		require.NoError(t, err)
		require.NoError(t, l.Verify(ctx))
		got, err := l.Transaction(ctx, txs[2].ID)
		require.NoError(t, err)
		assert.Equal(t, uint64(3), got.Seq)
		assertVersion(t, path, "sqlite", sqlstore.SchemaVersion())
	})
	t.Run("concurrent open sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "l.db")
		concurrentOpen(t, func() (*sqlstore.Store, error) { return sqlstore.OpenSQLite(ctx, path) })
		assertVersion(t, path, "sqlite", sqlstore.SchemaVersion())
	})
	t.Run("concurrent open postgres", func(t *testing.T) {
		dsn := sqltest.FreshSchema(t)
		concurrentOpen(t, func() (*sqlstore.Store, error) { return sqlstore.OpenPostgres(ctx, dsn, testPoolOptions...) })
		assertVersion(t, dsn, "pgx", sqlstore.SchemaVersion())
	})
	t.Run("upgrade from version 1", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "l.db")
		s, err := sqlstore.OpenSQLite(ctx, path)
		require.NoError(t, err)
		_, txs := smallLedger(t, s)
		require.NoError(t, s.Close())
		// Turn the database back into what version 1 wrote.
		db := rawOpen(t, path, "sqlite")
		_, err = db.Exec(`ALTER TABLE accounts DROP COLUMN max_balance`)
		require.NoError(t, err)
		_, err = db.Exec(`CREATE INDEX entries_account_effective ON entries (account, effective_at, delta)`)
		require.NoError(t, err)
		undoHoldsOpenExpiry(t, db)
		require.NoError(t, db.Close())
		setVersion(t, path, "sqlite", 1)
		s, err = sqlstore.OpenSQLite(ctx, path)
		require.NoError(t, err)
		defer s.Close()
		assertVersion(t, path, "sqlite", sqlstore.SchemaVersion())
		l, err := ledger.New(ctx, s)
		require.NoError(t, err)
		require.NoError(t, l.Verify(ctx))
		_, err = l.Transaction(ctx, txs[0].ID)
		require.NoError(t, err)
		require.NoError(t, l.OpenAccount(ctx, ledger.Account{ID: "capped", Asset: "PTS", MaxBalance: decimal.NewNullDecimal(decimal.NewFromInt(5))}))
		acc, err := l.Account(ctx, "capped")
		require.NoError(t, err)
		assert.Equal(t, "5", acc.MaxBalance.Decimal.String())
	})
	// Version 3 dropped the (account, effective_at) entries index.
	type db struct {
		name, driver string
		open         func(t testing.TB) (*sqlstore.Store, string)
		reopen       func(target string) (*sqlstore.Store, error)
	}
	dbs := []db{{"sqlite", "sqlite", openSQLite, func(path string) (*sqlstore.Store, error) { return sqlstore.OpenSQLite(ctx, path) }}}
	if sqltest.PostgresConfigured() {
		dbs = append(dbs, db{"postgres", "pgx", openPostgres, func(dsn string) (*sqlstore.Store, error) {
			return sqlstore.OpenPostgres(ctx, dsn, testPoolOptions...)
		}})
	}
	for _, d := range dbs {
		t.Run("upgrade from version 2 "+d.name, func(t *testing.T) {
			s, target := d.open(t)
			l, txs := smallLedger(t, s)
			wantBalance, err := l.BalanceAt(ctx, "b", txs[1].EffectiveAt)
			require.NoError(t, err)
			require.NoError(t, s.Close())
			// Turn the database back into what version 2 wrote.
			raw := rawOpen(t, target, d.driver)
			_, err = raw.Exec(`CREATE INDEX entries_account_effective ON entries (account, effective_at, delta)`)
			require.NoError(t, err)
			undoHoldsOpenExpiry(t, raw)
			setVersion(t, target, d.driver, 2)

			s, err = d.reopen(target)
			require.NoError(t, err)
			defer s.Close()
			assertVersion(t, target, d.driver, sqlstore.SchemaVersion())
			q := `SELECT count(*) FROM sqlite_master WHERE name = 'entries_account_effective'`
			if d.name == "postgres" {
				q = `SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() AND indexname = 'entries_account_effective'`
			}
			var indexes int
			require.NoError(t, raw.QueryRow(q).Scan(&indexes))
			assert.Zero(t, indexes)
			l, err = ledger.New(ctx, s)
			require.NoError(t, err)
			require.NoError(t, l.Verify(ctx))
			got, err := l.BalanceAt(ctx, "b", txs[1].EffectiveAt)
			require.NoError(t, err)
			assert.Equal(t, wantBalance.String(), got.String())
			_, err = l.Post(ctx, ledger.Transaction{Postings: []ledger.Posting{pts("issuer", "a", "1")}})
			require.NoError(t, err)
			require.NoError(t, l.Verify(ctx))
		})
	}
	t.Run("too new sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "l.db")
		s, err := sqlstore.OpenSQLite(ctx, path)
		require.NoError(t, err)
		require.NoError(t, s.Close())
		setVersion(t, path, "sqlite", sqlstore.SchemaVersion()+1)
		_, err = sqlstore.OpenSQLite(ctx, path)
		require.ErrorIs(t, err, sqlstore.ErrSchemaTooNew)
	})
	t.Run("too new postgres", func(t *testing.T) {
		s, dsn := openPostgres(t)
		require.NoError(t, s.Close())
		setVersion(t, dsn, "pgx", sqlstore.SchemaVersion()+1)
		_, err := sqlstore.OpenPostgres(ctx, dsn, testPoolOptions...)
		require.ErrorIs(t, err, sqlstore.ErrSchemaTooNew)
	})
}

// concurrentOpen opens one new database from several independent pools at once (as several
// processes would): all succeed, and the ledger built on them works.
func concurrentOpen(t *testing.T, open func() (*sqlstore.Store, error)) {
	t.Helper()
	const openers = 6
	stores := make([]*sqlstore.Store, openers)
	errs := make([]error, openers)
	var wg sync.WaitGroup
	for i := range openers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stores[i], errs[i] = open()
		}()
	}
	wg.Wait()
	for i := range openers {
		require.NoError(t, errs[i])
		defer stores[i].Close()
	}
	smallLedger(t, stores[0])
}

func rawOpen(t *testing.T, target, driver string) *sql.DB {
	t.Helper()
	db, err := sql.Open(driver, target)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func assertVersion(t *testing.T, target, driver string, want int) {
	t.Helper()
	var v, n int
	db := rawOpen(t, target, driver)
	require.NoError(t, db.QueryRow(`SELECT version FROM schema_version`).Scan(&v))
	require.NoError(t, db.QueryRow(`SELECT count(*) FROM schema_version`).Scan(&n))
	assert.Equal(t, want, v)
	assert.Equal(t, 1, n)
}

func setVersion(t *testing.T, target, driver string, v int) {
	t.Helper()
	db := rawOpen(t, target, driver)
	_, err := db.Exec(fmt.Sprintf(`UPDATE schema_version SET version = %d`, v))
	require.NoError(t, err)
}

// TestCommitTwiceInOneUpdate commits two rounds of transactions in one store transaction: the
// second continues the chain from the first's head, and both are kept.
func TestCommitTwiceInOneUpdate(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			s, _ := b.open(t)
			smallLedger(t, s)
			ctx := context.Background()
			var start ledger.Head
			ids := []uuid.UUID{uuid.New(), uuid.New()}
			err := s.Update(ctx, func(tx ledger.StoreTx) error {
				h, err := tx.LockHead(ctx)
				if err != nil {
					return err
				}
				start = h
				for i, id := range ids {
					rec := ledger.TxRecord{ID: id, Seq: h.Seq + 1, Postings: []ledger.PostingRecord{{From: "issuer", To: "a", Asset: "PTS", Amount: 1}},
						EffectiveAt: before2000(), PostedAt: before2000(), Hash: [32]byte{byte(i + 1)}}
					next := ledger.Head{Seq: rec.Seq, Hash: rec.Hash}
					if err := tx.Commit(ctx, ledger.Commit{Transactions: []ledger.TxRecord{rec}, Head: next}); err != nil {
						return err
					}
					h = next
				}
				return nil
			})
			require.NoError(t, err)
			err = s.View(ctx, func(r ledger.StoreReader) error {
				h, err := r.Head(ctx)
				require.NoError(t, err)
				assert.Equal(t, ledger.Head{Seq: start.Seq + 2, Hash: [32]byte{2}}, h)
				for i, id := range ids {
					rec, err := r.Transaction(ctx, id)
					require.NoError(t, err)
					assert.Equal(t, start.Seq+uint64(i)+1, rec.Seq)
				}
				return nil
			})
			require.NoError(t, err)
		})
	}
}

// TestReadsWithOddIDs gives the store itself (the ledger never does) ids that no account can
// have, NUL and invalid UTF-8 among them: both databases answer as if comparing bytes, which
// PostgreSQL refused to do for text it cannot hold (invalid byte sequence for encoding UTF8).
func TestReadsWithOddIDs(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			s, _ := b.open(t)
			smallLedger(t, s)
			ctx := context.Background()
			all := []ledger.AccountID{"a", "b", "issuer"}
			err := s.View(ctx, func(r ledger.StoreReader) error {
				for _, after := range []ledger.AccountID{"a\x00", "a\xff", "\xff", "\x00", "a\x00b", "b\xc3", "a b", "日\xff", "a\x7f\x00"} {
					var want []ledger.AccountID
					for _, id := range all {
						if id > after {
							want = append(want, id)
						}
					}
					sts, err := r.Accounts(ctx, after, 10, time.Now())
					require.NoError(t, err, "after %q", after)
					var got []ledger.AccountID
					for _, st := range sts {
						got = append(got, st.ID)
					}
					assert.Equal(t, want, got, "after %q", after)
				}
				return nil
			})
			require.NoError(t, err)
			err = s.Update(ctx, func(tx ledger.StoreTx) error {
				ids := []ledger.AccountID{"\x00", "a", "a\x00b", "a\xff", "b", "issuer", "\xff"}
				sts, err := tx.LockAccounts(ctx, ids, time.Now())
				require.NoError(t, err)
				require.Len(t, sts, len(ids))
				for i, id := range ids {
					if id.Validate() == nil {
						assert.Equal(t, id, sts[i].ID)
					} else {
						assert.Zero(t, sts[i], "account %q", id)
					}
				}
				return nil
			})
			require.NoError(t, err)
		})
	}
}

// TestUpdatePanic: fn panics inside Update (a bug in the caller, recovered further up, as
// net/http recovers a handler's panic). The panic goes on up unchanged, and the transaction
// is rolled back: the store keeps taking writes. Before, SQLite's pinned connection stayed
// inside the transaction (every later BEGIN failed), and PostgreSQL's connection was never
// returned, holding the head lock, so every writer of every process waited for ever.
func TestUpdatePanic(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			s, _ := b.open(t)
			l, _ := smallLedger(t, s)
			ctx := context.Background()
			for range 3 { // more than one: each must give back what it took
				func() {
					defer func() { assert.Equal(t, "bug", recover()) }()
					_ = s.Update(ctx, func(tx ledger.StoreTx) error {
						if _, err := tx.LockHead(ctx); err != nil {
							return err
						}
						panic("bug")
					})
				}()
			}
			tctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			_, err := l.Post(tctx, ledger.Transaction{Postings: []ledger.Posting{pts("issuer", "a", "1")}})
			require.NoError(t, err)
			require.NoError(t, l.Verify(ctx))
		})
	}
}

// TestSQLiteWriterQueueHonoursContext: an Update waiting for this process's write connection,
// held by a long writer, returns when its context ends, with an error that wraps the
// context's. It waited for the writer, however long that took.
func TestSQLiteWriterQueueHonoursContext(t *testing.T) {
	s, _ := openSQLite(t)
	smallLedger(t, s)
	ctx := context.Background()
	release := make(chan struct{})
	holding := make(chan struct{})
	long := make(chan error, 1)
	go func() {
		long <- s.Update(ctx, func(tx ledger.StoreTx) error {
			if _, err := tx.LockHead(ctx); err != nil {
				return err
			}
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding
	defer func() { close(release); require.NoError(t, <-long) }()
	wctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	start := time.Now()
	go func() {
		done <- s.Update(wctx, func(tx ledger.StoreTx) error { _, err := tx.LockHead(wctx); return err })
	}()
	select {
	case err := <-done:
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Less(t, time.Since(start), 2*time.Second)
	case <-time.After(3 * time.Second):
		close(release)
		<-done
		release = make(chan struct{}) // for the deferred close
		t.Fatal("Update still waiting for the write connection 3s after its context ended")
	}
}

// TestSQLiteOtherProcessLockHonoursContext: an Update waiting for the write lock of the file
// held by another process (here another Store) returns when its context ends, with an error
// that wraps the context's; without a deadline it still waits for the lock and succeeds. It
// waited in SQLite's busy handler, which no interrupt ends, for SQLiteBusyTimeout (10 s)
// whatever its deadline.
func TestSQLiteOtherProcessLockHonoursContext(t *testing.T) {
	a, path := openSQLite(t)
	smallLedger(t, a)
	ctx := context.Background()
	b, err := sqlstore.OpenSQLite(ctx, path)
	require.NoError(t, err)
	defer b.Close()
	hold := func(d time.Duration) chan error {
		holding, done := make(chan struct{}), make(chan error, 1)
		go func() {
			done <- a.Update(ctx, func(tx ledger.StoreTx) error {
				if _, err := tx.LockHead(ctx); err != nil {
					return err
				}
				close(holding)
				time.Sleep(d)
				return nil
			})
		}()
		<-holding
		return done
	}
	lockHead := func(ctx context.Context) error {
		return b.Update(ctx, func(tx ledger.StoreTx) error { _, err := tx.LockHead(ctx); return err })
	}

	done := hold(1500 * time.Millisecond)
	wctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = lockHead(wctx)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), time.Second)
	require.NoError(t, <-done)

	done = hold(300 * time.Millisecond)
	require.NoError(t, lockHead(ctx), "waits for the other writer")
	require.NoError(t, <-done)
}
