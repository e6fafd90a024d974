package http1

import (
	"bufio"
	"strconv"
	"sync/atomic"
)

// Body buffer policy: the buffer grows by doubling (from minBodyBuf) as
// bytes actually arrive, capped at the declared Content-Length (when over
// minBodyBuf) or at MaxBodyBytes for chunked bodies. A declared length is never preallocated:
// a client that announces 2 MiB and sends nothing costs nothing.
const minBodyBuf = 4096

// maxChunkLine bounds one chunk-size line, extensions and CRLF included.
// net/http allows 4 KiB; extensions are ignored anyway and no client of
// this server sends them.
const maxChunkLine = 1024

// maxChunkOverhead is net/http's budget for chunk framing bytes beyond 16
// per chunk plus twice the chunk's data (see net/http/internal/chunked.go):
// it keeps a sender from trickling one data byte per kilobyte of extension.
const maxChunkOverhead = 16 << 10

// BodyBudget bounds the body bytes buffered at once by every Reader that
// shares it: a connection's first minBodyBuf (4 KiB) bytes of a body are
// its own, every byte beyond them is taken from the budget as the body
// arrives and given back by Release. So memory stays bounded when many
// connections each send a large body slowly: past the budget, ReadBody
// answers 503 instead of buffering more. A small body (the common case)
// never touches the budget. Safe for concurrent use.
type BodyBudget struct {
	max  int64
	used atomic.Int64
}

// NewBodyBudget returns a budget of max bytes.
func NewBodyBudget(max int64) *BodyBudget { return &BodyBudget{max: max} }

// Used returns the bytes taken now.
func (b *BodyBudget) Used() int64 { return b.used.Load() }

// Max returns the budget's size.
func (b *BodyBudget) Max() int64 { return b.max }

func (b *BodyBudget) take(n int64) bool {
	if b.used.Add(n) > b.max {
		b.used.Add(-n)
		return false
	}
	return true
}

// Release gives back what the current body took from the Budget. The
// server calls it once the request is answered (its body no longer
// needed) and when the connection closes; ReadHeader calls it too.
func (r *Reader) Release() {
	if r.charged > 0 {
		r.Budget.used.Add(-r.charged)
		r.charged = 0
	}
}

// charge takes from the Budget what a body of end bytes needs beyond the
// free minBodyBuf, or returns a 503 *Error when the budget is spent.
func (r *Reader) charge(end int) error {
	need := int64(end-minBodyBuf) - r.charged
	if need <= 0 || r.Budget == nil {
		return nil
	}
	if !r.Budget.take(need) {
		return newError(503, "server busy: request bodies being received fill its "+
			strconv.FormatInt(r.Budget.max, 10)+"-byte buffer; retry later")
	}
	r.charged += need
	return nil
}

// ReadBody reads the body declared by req's headers (Content-Length or
// chunked; neither means an empty body) into req.Body, consuming exactly
// the body's bytes (for chunked, through the trailer section) from br. It
// returns io.ErrUnexpectedEOF if the connection ends mid-body, a *Error for
// bad chunked framing or a body over MaxBodyBytes (detected before the
// excess is read), a 503 *Error when the Budget is spent (before the bytes
// it could not take are read), and other errors of br as is.
func (r *Reader) ReadBody(br *bufio.Reader, req *Request) error {
	req.Body = r.body[:0]
	var err error
	switch {
	case req.Chunked:
		req.Body, err = r.readChunked(br)
	case req.ContentLength > 0:
		limit := r.Limits.maxBody()
		if req.ContentLength > limit {
			return newError(413, "body exceeds "+strconv.FormatInt(limit, 10)+" bytes")
		}
		n := int(req.ContentLength)
		req.Body, err = r.readN(br, r.body[:0], n, int(min(max(req.ContentLength, minBodyBuf), limit)))
	}
	if cap(req.Body) > cap(r.body) {
		r.body = req.Body[:0]
	}
	return err
}

// readN appends exactly n bytes from br to buf, growing buf by doubling but
// never past ceiling (>= len(buf)+n), and charging the Budget for the bytes
// beyond the first minBodyBuf before reading them.
func (r *Reader) readN(br *bufio.Reader, buf []byte, n, ceiling int) ([]byte, error) {
	want := len(buf) + n
	for len(buf) < want {
		if len(buf) == cap(buf) {
			c := min(max(2*cap(buf), minBodyBuf), ceiling)
			nb := make([]byte, len(buf), c)
			copy(nb, buf)
			buf = nb
		}
		end := min(cap(buf), want)
		if err := r.charge(end); err != nil {
			return buf, err
		}
		k, err := br.Read(buf[len(buf):end])
		buf = buf[:len(buf)+k]
		if err != nil && len(buf) < want {
			return buf, eofIsUnexpected(err)
		}
	}
	return buf, nil
}

// readChunked decodes a chunked body (RFC 9112 section 7.1) into r.body.
func (r *Reader) readChunked(br *bufio.Reader) ([]byte, error) {
	limit := r.Limits.maxBody()
	buf := r.body[:0]
	var excess int64
	for {
		line, err := r.readLine(br, maxChunkLine)
		if err == errLineTooLong {
			return buf, badRequest("chunk size line over " + strconv.Itoa(maxChunkLine) + " bytes")
		}
		if err != nil {
			return buf, eofIsUnexpected(err)
		}
		size, herr := parseChunkLine(line)
		if herr != nil {
			return buf, herr
		}
		if size > uint64(limit-int64(len(buf))) {
			return buf, newError(413, "body exceeds "+strconv.FormatInt(limit, 10)+" bytes")
		}
		excess += int64(len(line)) - 16 - 2*int64(size)
		excess = max(excess, 0)
		if excess > maxChunkOverhead {
			return buf, badRequest("chunked body has too much framing overhead")
		}
		if size == 0 {
			break
		}
		if buf, err = r.readN(br, buf, int(size), int(limit)); err != nil {
			return buf, err
		}
		crlf, err := br.Peek(2)
		if len(crlf) == 2 && (crlf[0] != '\r' || crlf[1] != '\n') {
			return buf, badRequest("chunk data not followed by CRLF")
		}
		if err != nil {
			return buf, eofIsUnexpected(err)
		}
		_, _ = br.Discard(2) // Peek just returned these 2 bytes
	}
	return buf, r.readTrailers(br)
}

// parseChunkLine parses "chunk-size [ chunk-ext ] CRLF". The size is 1 to 16
// hex digits (as net/http); extensions must start right after the size
// (net/http rejects whitespace there too), hold no control bytes, and are
// discarded.
func parseChunkLine(line []byte) (uint64, *Error) {
	if !endsCRLF(line) {
		return 0, badRequest("chunk size line ends with a bare LF")
	}
	p := line[:len(line)-2]
	var size uint64
	i := 0
	for ; i < len(p); i++ {
		d, ok := unhex(p[i])
		if !ok {
			break
		}
		if i == 16 {
			return 0, badRequest("chunk size over 16 hex digits")
		}
		size = size<<4 | uint64(d)
	}
	if i == 0 || i < len(p) && p[i] != ';' {
		return 0, badRequest("invalid chunk size line " + quote(p))
	}
	if !validValue(p[i:]) {
		return 0, badRequest("invalid byte in chunk extension " + quote(p))
	}
	return size, nil
}

// readTrailers reads and discards the trailer section after the last
// chunk, bounded by MaxHeaderBytes.
func (r *Reader) readTrailers(br *bufio.Reader) error {
	budget := r.Limits.maxHeader()
	for {
		l, err := r.readLine(br, budget)
		if err == errLineTooLong {
			return newError(431, "trailer section exceeds "+strconv.Itoa(r.Limits.maxHeader())+" bytes")
		}
		if err != nil {
			return eofIsUnexpected(err)
		}
		budget -= len(l)
		if !endsCRLF(l) {
			return badRequest("trailer line ends with a bare LF")
		}
		l = l[:len(l)-2]
		if len(l) == 0 {
			return nil
		}
		if _, _, ferr := parseField(l); ferr != nil {
			return ferr
		}
	}
}
