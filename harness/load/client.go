package load

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"time"

	"metricstream/internal/clip"
)

// client is one virtual client: its own Authorization, its own connection.
// It is used by one goroutine at a time. With several targets (Config.Addrs)
// the virtual client holds one such client per target in replicas and
// hands each request to the next in turn.
type client struct {
	id        int
	addr      string
	head      []byte // request line and headers; holds the body too when body is nil
	body      []byte // shared body, written with writev after head (large batches)
	batch     int    // metrics per request: the acknowledgement when a 2xx body has no "accepted"
	keepAlive bool
	timeout   time.Duration

	conn clientConn
	br   *bufio.Reader
	// raw is the target's address when connections are dialled with raw
	// system calls (dialRaw: a new connection per request to a literal
	// IP address, on Linux); invalid otherwise (net.Dialer). Set by the
	// first dial (rawSet).
	raw    netip.AddrPort
	rawSet bool
	buf    []byte // response body scratch, reused

	replicas []*client // several targets: one client per target (same id and Authorization); nil for one target
	next     int       // index in replicas of the next request's target

	// Config.Body set: the request is made per request from fixed (request
	// line and headers but Content-Length) and bodyFn; seq counts the
	// virtual client's requests.
	bodyFn func(buf []byte, client int, seq int64) []byte
	fixed  []byte
	seq    int64
}

// clientConn is what a client needs of its connection: a *net.TCPConn or
// a *rawConn.
type clientConn interface {
	io.ReadWriteCloser
	SetDeadline(time.Time) error
}

// errMalformed marks an answer that is not HTTP/1.x.
var errMalformed = errors.New("malformed response")

// maxBody bounds how much of a response body is kept; the rest is discarded.
const maxBody = 64 << 10

// do sends one request and reads its answer into res (all fields but
// Intended, Latency and Late). With several targets it goes to the next
// one in turn.
func (c *client) do(res *Result) {
	res.Seq = c.seq
	c.seq++
	if c.replicas != nil {
		r := c.replicas[c.next]
		if c.next++; c.next == len(c.replicas) {
			c.next = 0
		}
		r.send(res)
		return
	}
	c.send(res)
}

// send is do on this client's own connection. It dials with TCP
// keep-alive probes off (KeepAlive: -1): a load generator's connections
// live for one request or one run, and net.Dial's default keep-alive costs
// four setsockopt calls per connection (SO_KEEPALIVE, TCP_KEEPIDLE,
// TCP_KEEPINTVL, TCP_KEEPCNT), a quarter of the system calls of a
// connection-per-request round trip; wrk sets none of them.
func (c *client) send(res *Result) {
	res.Client = c.id
	res.Status, res.Accepted, res.Err = 0, 0, nil
	if c.conn == nil {
		conn, err := c.dial()
		if err != nil {
			c.fail(res, err)
			return
		}
		c.conn = conn
		if c.br == nil {
			c.br = bufio.NewReaderSize(conn, 16<<10)
		} else {
			c.br.Reset(conn)
		}
	}
	if c.timeout > 0 {
		if err := c.conn.SetDeadline(time.Now().Add(c.timeout)); err != nil {
			c.fail(res, err)
			return
		}
	}
	if c.bodyFn != nil {
		c.body = c.bodyFn(c.body[:0], c.id, res.Seq)
		c.head = append(append(c.head[:0], c.fixed...), "Content-Length: "...)
		c.head = append(strconv.AppendInt(c.head, int64(len(c.body)), 10), "\r\n\r\n"...)
	}
	var err error
	res.Sent = time.Now()
	if c.body == nil {
		_, err = c.conn.Write(c.head)
	} else {
		bufs := net.Buffers{c.head, c.body}
		_, err = bufs.WriteTo(c.conn)
	}
	if err != nil {
		c.fail(res, err)
		return
	}
	closeAfter, err := c.readResponse(res)
	if err != nil {
		c.fail(res, err)
		return
	}
	res.Class = ClassOf(res.Status)
	if res.Class == Class2xx {
		if res.Accepted = accepted(c.buf); res.Accepted < 0 {
			res.Accepted = int64(c.batch)
		}
	}
	if closeAfter || !c.keepAlive {
		c.close()
	}
}

// dial opens the client's connection: dialRaw for a new connection per
// request to a literal address, net.Dialer otherwise.
func (c *client) dial() (clientConn, error) {
	if !c.rawSet {
		c.rawSet = true
		if !c.keepAlive {
			c.raw = rawTarget(c.addr)
		}
	}
	if c.raw.IsValid() {
		return dialRaw(c.raw)
	}
	conn, err := (&net.Dialer{Timeout: c.timeout, KeepAlive: -1}).Dial("tcp", c.addr)
	if err != nil {
		return nil, err
	}
	return conn.(*net.TCPConn), nil
}

func (c *client) fail(res *Result, err error) {
	res.Err = err
	res.Status = 0
	if errors.Is(err, os.ErrDeadlineExceeded) {
		res.Class = ClassTimeout
	} else {
		res.Class = ClassConnError
	}
	c.close()
}

// close drops the connection with SO_LINGER 0, so that thousands of
// connection-per-request trials do not leave the client's ephemeral ports
// in TIME_WAIT.
func (c *client) close() {
	for _, r := range c.replicas {
		r.close()
	}
	if c.conn == nil {
		return
	}
	switch conn := c.conn.(type) {
	case *net.TCPConn:
		_ = conn.SetLinger(0)
		_ = conn.Close()
	case *rawConn:
		_ = conn.closeReset()
	default:
		_ = conn.Close()
	}
	c.conn = nil
}

// readResponse parses one HTTP/1.x response: status line, headers
// (Content-Length, Transfer-Encoding: chunked, Connection), body into c.buf.
func (c *client) readResponse(res *Result) (closeAfter bool, err error) {
	line, err := c.br.ReadSlice('\n')
	if err != nil {
		return true, err
	}
	// "HTTP/1.1 200 OK\r\n"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
		return true, fmt.Errorf("%w: status line %q", errMalformed, clip.Bytes(line))
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return true, fmt.Errorf("%w: status line %q", errMalformed, clip.Bytes(line))
	}
	res.Status = status
	closeAfter = line[7] == '0' // HTTP/1.0 closes unless told otherwise
	length, chunked := -1, false
	for {
		line, err = c.br.ReadSlice('\n')
		if err != nil {
			return true, err
		}
		if len(line) <= 2 { // "\r\n" ends the headers
			break
		}
		k, v, ok := bytes.Cut(line, []byte{':'})
		if !ok {
			return true, fmt.Errorf("%w: header %q", errMalformed, clip.Bytes(line))
		}
		v = bytes.TrimSpace(v)
		switch {
		case asciiEqualFold(k, "content-length"):
			n, err := strconv.Atoi(string(v))
			if err != nil || n < 0 {
				return true, fmt.Errorf("%w: content-length %q", errMalformed, clip.Bytes(v))
			}
			length = n
		case asciiEqualFold(k, "transfer-encoding"):
			chunked = asciiEqualFold(v, "chunked")
		case asciiEqualFold(k, "connection"):
			if asciiEqualFold(v, "close") {
				closeAfter = true
			} else if asciiEqualFold(v, "keep-alive") {
				closeAfter = false
			}
		}
	}
	c.buf = c.buf[:0]
	switch {
	case chunked:
		err = c.readChunked()
	case length >= 0:
		err = c.readN(length)
	case status == 204 || status == 304 || status < 200:
	default: // body runs to EOF
		closeAfter = true
		err = c.readToEOF()
	}
	return closeAfter, err
}

func (c *client) readN(n int) error {
	keep := min(n, maxBody)
	if cap(c.buf) < keep {
		c.buf = make([]byte, 0, keep)
	}
	c.buf = c.buf[:keep]
	if _, err := io.ReadFull(c.br, c.buf); err != nil {
		return err
	}
	if n > keep {
		if _, err := c.br.Discard(n - keep); err != nil {
			return err
		}
	}
	return nil
}

func (c *client) readChunked() error {
	for {
		line, err := c.br.ReadSlice('\n')
		if err != nil {
			return err
		}
		sz, _, _ := bytes.Cut(bytes.TrimSpace(line), []byte{';'})
		n, err := strconv.ParseInt(string(sz), 16, 32)
		if err != nil || n < 0 {
			return fmt.Errorf("%w: chunk size %q", errMalformed, clip.Bytes(line))
		}
		if n == 0 { // trailers until the empty line
			for {
				line, err = c.br.ReadSlice('\n')
				if err != nil {
					return err
				}
				if len(line) <= 2 {
					return nil
				}
			}
		}
		for i := int64(0); i < n; i++ {
			b, err := c.br.ReadByte()
			if err != nil {
				return err
			}
			if len(c.buf) < maxBody {
				c.buf = append(c.buf, b)
			}
		}
		if _, err := c.br.Discard(2); err != nil { // CRLF after the chunk
			return err
		}
	}
}

func (c *client) readToEOF() error {
	for {
		b, err := c.br.ReadByte()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if len(c.buf) < maxBody {
			c.buf = append(c.buf, b)
		}
	}
}

// accepted extracts N from a {"accepted":N} body; -1 when absent.
func accepted(body []byte) int64 {
	i := bytes.Index(body, []byte(`"accepted"`))
	if i < 0 {
		return -1
	}
	b := body[i+len(`"accepted"`):]
	for len(b) > 0 && (b[0] == ' ' || b[0] == ':' || b[0] == '\t') {
		b = b[1:]
	}
	var n int64
	digits := 0
	for ; digits < len(b) && b[digits] >= '0' && b[digits] <= '9'; digits++ {
		n = n*10 + int64(b[digits]-'0')
	}
	if digits == 0 {
		return -1
	}
	return n
}

func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		x, y := b[i], s[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
