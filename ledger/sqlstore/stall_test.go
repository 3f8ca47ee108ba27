package sqlstore_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/internal/sqltest"
	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/sqlstore"
)

// stallProxy forwards TCP connections to a server and can stall them: while stalled, bytes
// are read but held, as on a network that drops packets without resetting the connection.
type stallProxy struct {
	ln      net.Listener
	target  string
	mu      sync.Mutex
	stalled bool
	resume  chan struct{}
	conns   []net.Conn
}

func newStallProxy(tb testing.TB, target string) *stallProxy {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	p := &stallProxy{ln: ln, target: target, resume: make(chan struct{})}
	go p.accept()
	tb.Cleanup(p.close)
	return p
}

func (p *stallProxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, s)
		p.mu.Unlock()
		go p.pipe(c, s)
		go p.pipe(s, c)
	}
}

func (p *stallProxy) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		p.mu.Lock()
		wait := p.resume
		stalled := p.stalled
		p.mu.Unlock()
		if stalled {
			<-wait
		}
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				_ = dst.(*net.TCPConn).CloseWrite()
			}
			return
		}
	}
}

func (p *stallProxy) stall() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stalled = true
}

func (p *stallProxy) close() {
	_ = p.ln.Close()
	p.mu.Lock()
	if p.stalled {
		p.stalled = false
		close(p.resume)
	}
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.mu.Unlock()
}

// TestPostgresRollbackHonoursContext: an Update whose fn fails after its last statement, when
// the network to the server has just stalled, returns once its context ends. The rollback ran
// on a context without cancellation, so Update waited for the network for as long as it
// stayed down (minutes, until TCP gave up), far past the caller's deadline.
func TestPostgresRollbackHonoursContext(t *testing.T) {
	dsn := sqltest.FreshSchema(t)
	u, err := url.Parse(dsn)
	require.NoError(t, err)
	proxy := newStallProxy(t, u.Host)
	u.Host = proxy.ln.Addr().String()
	ctx := context.Background()
	s, err := sqlstore.OpenPostgres(ctx, u.String(), sqlstore.WithMaxConns(2))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })

	verdict := errors.New("verdict")
	deadline := 300 * time.Millisecond
	uctx, cancel := context.WithTimeout(ctx, deadline)
	defer cancel()
	done := make(chan error, 1)
	start := time.Now()
	go func() {
		done <- s.Update(uctx, func(tx ledger.StoreTx) error {
			if _, err := tx.LockHead(uctx); err != nil {
				return err
			}
			proxy.stall()
			return verdict
		})
	}()
	select {
	case err := <-done:
		assert.ErrorIs(t, err, verdict)
		assert.Less(t, time.Since(start), deadline+2*time.Second)
	case <-time.After(deadline + 5*time.Second):
		proxy.close() // lets the Update return, so that the test ends
		<-done
		t.Fatalf("Update still running %s after its context ended", 5*time.Second)
	}
}
