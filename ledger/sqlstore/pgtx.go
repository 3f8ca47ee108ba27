package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// pgTx is a read-write transaction on PostgreSQL run on one pooled connection by hand rather
// than through database/sql's Tx: BEGIN then travels in one round trip with the first
// statement (LockHead, in a pgx pipeline) instead of costing a round trip of its own. A
// group-commit round of single Posts is a handful of round trips, so one fewer shows.
type pgTx struct {
	conn  *sql.Conn
	begun bool
}

// begin sends BEGIN on its own, for an Update whose first statement is not LockHead.
func (p *pgTx) begin(ctx context.Context) error {
	if p.begun {
		return nil
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
		if p.begun {
			stmt := "ROLLBACK"
			if commit {
				stmt = "COMMIT"
			}
			tag, xerr := pc.Exec(ctx, stmt).ReadAll()
			switch {
			case xerr != nil:
				err = xerr
			case commit && (len(tag) != 1 || tag[0].CommandTag.String() != "COMMIT"):
				// The server rolled back: a statement of the transaction had failed.
				err = errors.New("transaction rolled back by the server")
			}
		}
		if pc.TxStatus() != 'I' {
			return driver.ErrBadConn
		}
		return nil
	})
	return errors.Join(err, rawErr, p.conn.Close())
}
