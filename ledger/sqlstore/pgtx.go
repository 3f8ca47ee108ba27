package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// pgTx is a read-write transaction on PostgreSQL run on one pooled connection by hand rather
// than through database/sql's Tx: BEGIN then travels in one round trip with the first
// statement (LockHead, in a pgx pipeline) instead of costing a round trip of its own. A
// group-commit round of single Posts is a handful of round trips, so one fewer shows.
type pgTx struct {
	conn  *sql.Conn
	begun bool
	// pending holds the arguments of arraysWrite from Commit, not yet sent: it travels with
	// COMMIT in one pipeline, or alone before any later statement.
	pending []any
}

// pgInvalidText is SQLSTATE invalid_text_representation, which arraysWrite raises on purpose.
const pgInvalidText = "22P02"

// flush sends the pending write, for a statement that follows Commit.
func (p *pgTx) flush(ctx context.Context) error {
	if p.pending == nil {
		return nil
	}
	args := p.pending
	p.pending = nil
	var a, b int64
	if err := p.conn.QueryRowContext(ctx, arraysWrite, args...).Scan(&a, &b); err != nil {
		return writeErr(err)
	}
	return nil
}

// begin sends BEGIN on its own, for an Update whose first statement is not LockHead.
func (p *pgTx) begin(ctx context.Context) error {
	if p.begun {
		return p.flush(ctx)
	}
	if _, err := p.conn.ExecContext(ctx, "BEGIN"); err != nil {
		return opErr("begin", err)
	}
	p.begun = true
	return nil
}

// beginLockHead sends BEGIN and query (which returns seq and hash) in one pipeline.
func (p *pgTx) beginLockHead(ctx context.Context, query string, seq *int64, hash *[]byte) error {
	err := p.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("driver connection is %T, not pgx", dc)
		}
		b := &pgx.Batch{}
		b.Queue("BEGIN")
		b.Queue(query)
		br := c.Conn().SendBatch(ctx, b)
		_, err := br.Exec()
		if err == nil {
			p.begun = true
			err = br.QueryRow().Scan(seq, hash)
		}
		return errors.Join(err, br.Close())
	})
	if err != nil {
		return opErr("begin and read head", err)
	}
	return nil
}

// end commits (or rolls back) the transaction and returns the connection to the pool. A
// connection left in a transaction (a failed COMMIT or ROLLBACK) is discarded, never reused.
func (p *pgTx) end(ctx context.Context, commit bool) error {
	var err error
	rawErr := p.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return driver.ErrBadConn
		}
		pc := c.Conn().PgConn()
		switch {
		case !p.begun:
		case commit && p.pending != nil:
			err = p.writeCommit(ctx, c.Conn())
		case commit:
			err = checkCommitTag(pc.Exec(ctx, "COMMIT").ReadAll())
		default:
			_, _ = pc.Exec(ctx, "ROLLBACK").ReadAll() // a failure leaves TxStatus not idle
		}
		if pc.TxStatus() == 'E' { // failed in the pipeline: COMMIT was never run
			_, _ = pc.Exec(ctx, "ROLLBACK").ReadAll()
		}
		if pc.TxStatus() != 'I' {
			return driver.ErrBadConn
		}
		return nil
	})
	return errors.Join(err, rawErr, p.conn.Close())
}

// writeCommit sends the pending write and COMMIT in one pipeline. When the write fails the
// server skips the rest of the pipeline and the transaction stays failed; end rolls it back.
func (p *pgTx) writeCommit(ctx context.Context, c *pgx.Conn) error {
	b := &pgx.Batch{}
	b.Queue(arraysWrite, p.pending...)
	b.Queue("COMMIT")
	p.pending = nil
	br := c.SendBatch(ctx, b)
	var x, y int64
	if err := br.QueryRow().Scan(&x, &y); err != nil {
		return errors.Join(writeErr(err), br.Close())
	}
	tag, err := br.Exec()
	if err == nil && tag.String() != "COMMIT" {
		err = errRolledBack
	}
	return errors.Join(err, br.Close())
}

var errRolledBack = errors.New("transaction rolled back by the server")

// checkCommitTag turns a COMMIT answered with ROLLBACK (a statement of the transaction had
// failed) into an error.
func checkCommitTag(rs []*pgconn.Result, err error) error {
	if err != nil {
		return err
	}
	if len(rs) != 1 || rs[0].CommandTag.String() != "COMMIT" {
		return errRolledBack
	}
	return nil
}
