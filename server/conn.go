package server

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"sync"
	"time"

	"metricstream/internal/http1"
	"metricstream/internal/metric"
	"metricstream/internal/stages"
	"metricstream/variants/executor"
	"metricstream/variants/parser"
)

// conn is one accepted connection. The executor drives it through the
// executor.Conn methods; at most one of them runs at a time, so the fields
// below mu are owned by whichever goroutine the executor is running it on.
//
// WaitRequest reads a whole request, head and body, and ServeRequest
// answers it. The split matters for the pool executor: WaitRequest runs on
// the connection's own goroutine, holding no worker, so a client that
// trickles its header or its body, or sends "Expect: 100-continue" and then
// nothing, costs a parked goroutine until its deadline (HeaderTimeout from
// its first byte, BodyTimeout from the end of its head), never a worker;
// and the bytes it makes the server buffer come out of the shared
// BodyBuffer budget. A worker only ever runs a request whose bytes have all
// arrived.
type conn struct {
	s      *Server
	nc     net.Conn
	remote string // client id when a request has no Authorization header

	mu      sync.Mutex
	waiting waitState // guarded by mu: what WaitRequest is blocked reading
	closed  bool      // guarded by mu
	// The read deadline set on nc and what it was set for (guarded by mu),
	// and the write deadline (owned by the serving goroutine): coarse
	// deadlines reuse them while they are still far enough away.
	rdl    time.Time
	rdlFor waitState
	wdl    time.Time

	// linger: Close half-closes and drains the connection briefly before
	// closing it, so that a client still sending (a body over the limit, a
	// rejected request) reads our answer instead of a reset.
	linger bool

	br     *bufio.Reader
	rd     http1.Reader
	req    http1.Request
	parser parser.Parser // created on the first POST /metrics
	out    []byte        // answers being written; between requests, those held back for a pipelined batch
	lines  []byte        // JSON lines of the batch being ingested
	body   []byte        // scratch for small JSON bodies
	sample stages.Sample // the current request's stage timing (Config.Stages)

	// What admit decided for the current request, from its head alone.
	now     time.Time      // the request's clock reading: limiter, validation, Date
	handler handler        // what ServeRequest runs
	refusal http1.Response // handler == hRefuse: the answer (404, 405, 429, 503)

	// The last Authorization value and the rate-limit key identities gave
	// it, during second idSec: a keep-alive client repeats its value, and
	// asks the shared table again only once a second.
	idAuth, idKey string
	idSec         int64
}

// handler is what a request routes to.
type handler uint8

const (
	hRefuse handler = iota // answer c.refusal
	hIngest                // POST /metrics
	hStats                 // GET or HEAD /metrics
	hHealth                // GET or HEAD /health
)

// waitState says what a connection inside WaitRequest is waiting for;
// Shutdown wakes it in every case (nothing of its request was taken yet).
type waitState uint8

const (
	waitNone waitState = iota // not in WaitRequest: serving, or between calls
	waitIdle                  // for the first byte of the next request
	waitHead                  // for the rest of the request's head
	waitBody                  // for the request's body
)

var _ executor.Conn = (*conn)(nil)

// lingerAfterReject bounds how long a rejected connection is drained so the
// client reads its answer instead of a reset; lingerBytes bounds how much
// of the unread request is discarded meanwhile (discarded, never buffered).
const (
	lingerAfterReject = 250 * time.Millisecond
	lingerBytes       = 1 << 20
)

func (s *Server) newConn(nc net.Conn) *conn {
	host, _, err := net.SplitHostPort(nc.RemoteAddr().String())
	if err != nil {
		host = nc.RemoteAddr().String()
	}
	c := &conn{s: s, nc: nc, remote: host}
	if b, ok := s.bufs.Get().(*connBufs); ok && !s.cfg.freshBufs {
		b.br.Reset(nc)
		c.br, c.rd, c.parser, c.out, c.lines, c.body = b.br, b.rd, b.parser, b.out, b.lines, b.body
	} else {
		c.br = bufio.NewReaderSize(nc, 4096)
	}
	c.rd.Limits = s.cfg.Limits
	c.rd.Budget = s.budget
	return c
}

// connBufs are the buffers a connection grows, handed from a closed
// connection to the next one (Server.bufs): the 4 KiB read buffer, the
// request reader's line and body buffers, the parser and the answer,
// JSON lines and scratch buffers. A client that opens a connection per
// request otherwise makes the server allocate (and zero, and collect)
// about 9 KB for each one.
type connBufs struct {
	br               *bufio.Reader
	rd               http1.Reader
	parser           parser.Parser
	out, lines, body []byte
}

// recycle gives c's buffers to the next connection. It runs last in
// Close, once c is untracked (nothing reaches c's buffers any more: the
// executor calls nothing after Close, Shutdown's wake touches only nc);
// c keeps none of them, so a stray use after Close fails loudly instead
// of reading another connection's bytes.
func (c *conn) recycle() {
	if c.s.cfg.freshBufs || c.br == nil {
		return
	}
	c.br.Reset(nil)
	b := &connBufs{br: c.br, rd: c.rd, parser: c.parser, out: c.out[:0], lines: c.lines[:0], body: c.body[:0]}
	if cap(b.lines) > 1<<20 {
		b.lines = nil // one huge batch must not pin its buffer in the pool
	}
	c.br, c.rd, c.parser, c.out, c.lines, c.body = nil, http1.Reader{}, nil, nil, nil, nil
	c.s.bufs.Put(b)
}

// WaitRequest implements executor.Conn: it waits for the next request, for
// at most the idle timeout, reads its head (request line and headers), for
// at most the header timeout from the request's first byte, routes it and
// decides its rate limit (admit), then reads its body, for at most the body
// timeout. "Expect: 100-continue" is answered 100 only when the request
// passed routing, the limit and the length check; otherwise its final
// answer is sent and the connection closed without reading the body. A
// framing error is answered here (and the connection closed). It returns
// true when a whole request was read: ServeRequest answers it.
//
// Nothing here costs a keep-alive client whose request arrived in one
// piece more than before: its body is already buffered, so no deadline is
// set for it and no read reaches the network.
func (c *conn) WaitRequest() bool {
	s := c.s
	// Answers held back while a pipelining client's requests were
	// buffered go out before anything can wait on the network.
	if len(c.out) > 0 && (c.br.Buffered() == 0 || !c.headBuffered()) && !c.flush() {
		return false
	}
	if c.br.Buffered() == 0 {
		if !c.wait(waitIdle, s.cfg.IdleTimeout) {
			return false
		}
		if _, err := c.br.Peek(1); err != nil {
			c.wait(waitNone, 0)
			return false
		}
	}
	// The request's first byte is there (read by Peek, or buffered behind
	// the previous request of a pipelining client): its time starts now;
	// the idle wait before it is no stage.
	s.cfg.Stages.Begin(&c.sample)
	if !c.wait(waitHead, s.cfg.HeaderTimeout) {
		c.sample.End()
		return false
	}
	if err := c.rd.ReadHeader(c.br, &c.req); err != nil {
		c.wait(waitNone, 0)
		c.readFailed(err, stages.ReadHeader)
		return false
	}
	c.sample.Mark(stages.ReadHeader)
	c.now = s.cfg.Now()
	c.admit() // marks RateLimit and Record for POST /metrics
	if c.req.Chunked || c.req.ContentLength > 0 {
		if c.req.Expect100 && c.br.Buffered() == 0 {
			// RFC 9110 section 10.1.1: a server that already has some of
			// the body may skip the 100; one that will refuse the request
			// answers it now and never asks for the body.
			if c.handler == hRefuse {
				c.wait(waitNone, 0)
				resp := c.refusal
				resp.Close, resp.ProtoMinor = true, c.req.ProtoMinor
				c.linger = c.write(&resp)
				c.sample.Mark(stages.Respond)
				c.sample.End()
				return false
			}
			c.out = append(c.out, "HTTP/1.1 100 Continue\r\n\r\n"...) // after any answer held back
			if !c.flush() {
				c.wait(waitNone, 0)
				c.sample.End()
				return false
			}
		}
		if c.req.Chunked || int64(c.br.Buffered()) < c.req.ContentLength {
			if !c.flush() || !c.wait(waitBody, s.cfg.BodyTimeout) {
				c.wait(waitNone, 0)
				c.sample.End()
				return false
			}
		}
	}
	err := c.rd.ReadBody(c.br, &c.req)
	c.wait(waitNone, 0)
	if err != nil {
		c.readFailed(err, stages.ReadBody)
		return false
	}
	c.sample.Mark(stages.ReadBody)
	return true
}

// wait records what WaitRequest blocks on and sets the read deadline d from
// now. It refuses (false) to start waiting once the server is shutting
// down or c is closed, so Shutdown's wake cannot be missed.
//
// Unless Config.exactDeadlines, a deadline is not reset for every request: each is
// set slack(d) later than d from now and kept while it is still at least
// d away, so a keep-alive client gets between d and d + slack(d), and a
// busy connection touches its timer a few times a second instead of
// twice a request (a timer update is a lock and a heap operation in the
// runtime). The header deadline is not set at all when the whole head is
// already buffered: no read can block before the head is parsed.
func (c *conn) wait(w waitState, d time.Duration) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if w != waitNone && (c.s.shutting.Load() || c.closed) {
		c.waiting = waitNone
		return false
	}
	c.waiting = w
	coarse := !c.s.cfg.exactDeadlines
	if w == waitNone || (coarse && w == waitHead && c.headBuffered()) {
		return true
	}
	now := time.Now()
	if !coarse {
		c.nc.SetReadDeadline(now.Add(d))
		return true
	}
	if w != c.rdlFor || now.Add(d).After(c.rdl) {
		c.rdl, c.rdlFor = now.Add(d+slack(d)), w
		c.nc.SetReadDeadline(c.rdl)
	}
	return true
}

// slack is how much later than d a coarse deadline is set: 1/16 of d, at
// most 250 ms.
func slack(d time.Duration) time.Duration { return min(d/16, 250*time.Millisecond) }

// setWriteDeadline gives the next write WriteTimeout (coarsely: see wait).
func (c *conn) setWriteDeadline() {
	d := c.s.cfg.WriteTimeout
	now := time.Now()
	if c.s.cfg.exactDeadlines {
		c.nc.SetWriteDeadline(now.Add(d))
		return
	}
	if now.Add(d).After(c.wdl) {
		c.wdl = now.Add(d + slack(d))
		c.nc.SetWriteDeadline(c.wdl)
	}
}

// headBuffered reports whether the request's head, up to its empty line,
// is all in br's buffer (after at most a few empty lines before it, which
// the reader skips).
func (c *conn) headBuffered() bool {
	b, _ := c.br.Peek(c.br.Buffered())
	i := 0
	for i < len(b) && i < 4 && (b[i] == '\r' || b[i] == '\n') {
		i++
	}
	b = b[i:]
	return bytes.Contains(b, crlfcrlf) || bytes.Contains(b, lflf)
}

var crlfcrlf, lflf = []byte("\n\r\n"), []byte("\n\n")

// wakeIfWaiting makes a connection blocked in WaitRequest return, for
// Shutdown. A connection whose request is being served is left to finish
// it.
func (c *conn) wakeIfWaiting() {
	c.mu.Lock()
	if c.waiting != waitNone {
		c.nc.SetReadDeadline(time.Unix(1, 0))
		c.rdl = time.Unix(1, 0)
	}
	c.mu.Unlock()
}

// ServeRequest implements executor.Conn: it answers the request
// WaitRequest read and reports whether the connection stays open.
func (c *conn) ServeRequest() bool {
	s := c.s
	c.sample.Mark(stages.Queue) // the executor's hand-off, from the end of the body
	resp := c.route()
	c.rd.Release() // the body is no longer needed (resp does not alias it)
	keep := c.req.KeepAlive && !resp.Close && !s.shutting.Load()
	resp.Close = !keep
	resp.ProtoMinor = c.req.ProtoMinor
	resp.Date = s.dates.Get(c.now)
	c.appendResponse(&resp)
	ok := true
	if !keep || !c.holdBack() {
		ok = c.flush()
	}
	c.sample.Mark(stages.Respond)
	c.sample.End()
	if cap(c.lines) > 1<<20 {
		c.lines = nil // don't let one huge batch pin memory on an idle connection
	}
	return ok && keep
}

// readFailed answers a framing error (and closes, lingering so the client
// reads the answer), or gives up silently on EOF, timeouts and broken
// connections: nothing was acknowledged. in is the stage the read failed
// in: an answered request is timed like any other (the failed read, then
// Respond); an abandoned one stops being timed where it was.
func (c *conn) readFailed(err error, in stages.Stage) bool {
	var he *http1.Error
	if errors.As(err, &he) {
		c.sample.Mark(in)
		resp := c.errorResponse(he.Status, he.Msg)
		resp.Close = true
		resp.ProtoMinor = 1
		if he.Status == 503 { // the body budget is spent
			resp.RetryAfter = 1
		}
		c.linger = c.write(&resp)
		c.sample.Mark(stages.Respond)
	}
	c.sample.End()
	return false
}

// Reject implements executor.Conn: 503 with Retry-After, then close.
func (c *conn) Reject() {
	c.sample.Mark(stages.Queue) // the hand-off that found no room
	c.rejectWith(503, "server overloaded: worker queue full", 1)
	c.sample.Mark(stages.Respond)
	c.sample.End()
}

// rejectWith answers status with Retry-After and marks c to linger in
// Close; the caller closes it.
func (c *conn) rejectWith(status int, msg string, retry int) {
	resp := c.errorResponse(status, msg)
	resp.RetryAfter = retry
	resp.Close = true
	resp.ProtoMinor = 1
	c.linger = c.write(&resp)
}

// Close implements executor.Conn. After an answer that ends the connection
// early (linger), it half-closes and drains briefly first: closing with
// unread request bytes makes the kernel send a reset, and the client might
// never see the answer. The drain is bounded in time and bytes and
// discards what it reads.
func (c *conn) Close() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	c.mu.Unlock()
	c.flush() // answers held back (a pipelined request refused by Shutdown)
	if tc, ok := c.nc.(*net.TCPConn); ok && c.linger {
		tc.CloseWrite()
		tc.SetReadDeadline(time.Now().Add(lingerAfterReject))
		io.Copy(io.Discard, io.LimitReader(tc, lingerBytes))
	}
	c.nc.Close()
	c.rd.Release()
	c.s.untrack(c)
	c.recycle()
}

// write sends resp, after any answers held back, and counts its status;
// false when the connection broke.
func (c *conn) write(resp *http1.Response) bool {
	c.appendResponse(resp)
	return c.flush()
}

// appendResponse adds resp to the answers to send and counts its status.
// It adds the Date header when the caller has not, and sends no content in
// the answer to a HEAD request.
func (c *conn) appendResponse(resp *http1.Response) {
	c.s.stats.count(resp.Status)
	if resp.Date == nil {
		resp.Date = c.s.dates.Get(c.s.cfg.Now())
	}
	resp.Head = c.req.Method == "HEAD"
	c.out = http1.AppendResponse(c.out, resp)
}

// flush writes the answers in c.out; false when the connection broke.
func (c *conn) flush() bool {
	if len(c.out) == 0 {
		return true
	}
	c.setWriteDeadline()
	_, err := c.nc.Write(c.out)
	if cap(c.out) > maxHeldBack<<2 {
		c.out = nil // a large answer (GET /metrics) must not stay pinned
	} else {
		c.out = c.out[:0]
	}
	return err == nil
}

// holdBack reports whether the answer just appended may wait for the next
// ones: a pipelining client's next request head is already buffered
// (serving it reads nothing from the network), and less than maxHeldBack
// is waiting. The answers to a batch of pipelined requests then leave in
// one write(2) instead of one each; WaitRequest sends them before it can
// block on a read, and Close before closing.
func (c *conn) holdBack() bool {
	return !c.s.cfg.writeEach && len(c.out) < maxHeldBack && c.br.Buffered() > 0 && c.headBuffered()
}

// maxHeldBack bounds the answers held back for one write.
const maxHeldBack = 16 << 10

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
