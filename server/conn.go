package server

import (
	"bufio"
	"errors"
	"io"
	"net"
	"sync"
	"time"

	"metricstream/internal/http1"
	"metricstream/internal/metric"
	"metricstream/variants/executor"
	"metricstream/variants/parser"
)

// conn is one accepted connection. The executor drives it through the
// executor.Conn methods; at most one of them runs at a time, so the fields
// below mu are owned by whichever goroutine the executor is running it on.
type conn struct {
	s      *Server
	nc     net.Conn
	remote string // client id when a request has no Authorization header

	mu     sync.Mutex
	idle   bool // guarded by mu: blocked in WaitRequest's read
	closed bool // guarded by mu

	br     *bufio.Reader
	rd     http1.Reader
	req    http1.Request
	parser parser.Parser // created on the first POST /metrics
	out    []byte        // response being written
	lines  []byte        // JSON lines of the batch being ingested
	body   []byte        // scratch for small JSON bodies
}

var _ executor.Conn = (*conn)(nil)

// lingerAfterReject bounds how long a rejected connection is drained so the
// client reads its 503 instead of a reset.
const lingerAfterReject = 250 * time.Millisecond

func (s *Server) newConn(nc net.Conn) *conn {
	host, _, err := net.SplitHostPort(nc.RemoteAddr().String())
	if err != nil {
		host = nc.RemoteAddr().String()
	}
	c := &conn{s: s, nc: nc, remote: host, br: bufio.NewReaderSize(nc, 4096)}
	c.rd.Limits = s.cfg.Limits
	return c
}

// WaitRequest implements executor.Conn: it waits, holding no worker, for the
// first byte of the next request, for at most the idle timeout.
func (c *conn) WaitRequest() bool {
	if c.br.Buffered() > 0 {
		return true // pipelined: the next request has already arrived
	}
	c.mu.Lock()
	if c.s.shutting.Load() || c.closed {
		c.mu.Unlock()
		return false
	}
	c.idle = true
	c.nc.SetReadDeadline(time.Now().Add(c.s.cfg.IdleTimeout))
	c.mu.Unlock()

	_, err := c.br.Peek(1)

	c.mu.Lock()
	c.idle = false
	c.mu.Unlock()
	return err == nil
}

// wakeIfIdle makes a connection blocked in WaitRequest return, for Shutdown.
// A connection in the middle of a request is left to finish it.
func (c *conn) wakeIfIdle() {
	c.mu.Lock()
	if c.idle {
		c.nc.SetReadDeadline(time.Unix(1, 0))
	}
	c.mu.Unlock()
}

// ServeRequest implements executor.Conn: it reads one request, answers it and
// reports whether the connection stays open.
func (c *conn) ServeRequest() bool {
	s := c.s
	c.nc.SetReadDeadline(time.Now().Add(s.cfg.HeaderTimeout))
	if err := c.rd.ReadHeader(c.br, &c.req); err != nil {
		return c.readFailed(err)
	}
	if c.req.Expect100 && (c.req.ContentLength > 0 || c.req.Chunked) {
		c.nc.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
		if _, err := io.WriteString(c.nc, "HTTP/1.1 100 Continue\r\n\r\n"); err != nil {
			return false
		}
	}
	c.nc.SetReadDeadline(time.Now().Add(s.cfg.BodyTimeout))
	if err := c.rd.ReadBody(c.br, &c.req); err != nil {
		return c.readFailed(err)
	}
	resp := c.route()
	keep := c.req.KeepAlive && !resp.Close && !s.shutting.Load()
	resp.Close = !keep
	resp.ProtoMinor = c.req.ProtoMinor
	if !c.write(&resp) {
		return false
	}
	if cap(c.lines) > 1<<20 {
		c.lines = nil // don't let one huge batch pin memory on an idle connection
	}
	return keep
}

// readFailed answers a framing error (and closes), or gives up silently on
// EOF, timeouts and broken connections: nothing was acknowledged.
func (c *conn) readFailed(err error) bool {
	var he *http1.Error
	if errors.As(err, &he) {
		resp := c.errorResponse(he.Status, he.Msg)
		resp.Close = true
		resp.ProtoMinor = 1
		c.write(&resp)
	}
	return false
}

// Reject implements executor.Conn: 503 with Retry-After, then close.
func (c *conn) Reject() {
	c.rejectWith(503, "server overloaded: worker queue full", 1)
}

func (c *conn) rejectWith(status int, msg string, retry int) {
	resp := c.errorResponse(status, msg)
	resp.RetryAfter = retry
	resp.Close = true
	resp.ProtoMinor = 1
	if !c.write(&resp) {
		return
	}
	// Half-close and drain briefly: closing with unread request bytes would
	// make the kernel send a reset, and the client might never see the 503.
	if tc, ok := c.nc.(*net.TCPConn); ok {
		tc.CloseWrite()
		c.nc.SetReadDeadline(time.Now().Add(lingerAfterReject))
		io.Copy(io.Discard, io.LimitReader(c.nc, 1<<20))
	}
}

// Close implements executor.Conn.
func (c *conn) Close() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	c.mu.Unlock()
	c.nc.Close()
	c.s.untrack(c)
}

// write sends resp and counts its status; false when the connection broke.
func (c *conn) write(resp *http1.Response) bool {
	c.s.stats.count(resp.Status)
	c.out = http1.AppendResponse(c.out[:0], resp)
	c.nc.SetWriteDeadline(time.Now().Add(c.s.cfg.WriteTimeout))
	_, err := c.nc.Write(c.out)
	return err == nil
}

// errorResponse is status with the body {"error": msg}.
func (c *conn) errorResponse(status int, msg string) http1.Response {
	c.body = append(c.body[:0], `{"error":`...)
	c.body = metric.AppendString(c.body, msg)
	c.body = append(c.body, '}', '\n')
	return http1.Response{Status: status, Body: c.body}
}

func (st *stats) count(status int) {
	if status >= 0 && status < len(st.byStatus) {
		st.byStatus[status].Add(1)
	}
}
