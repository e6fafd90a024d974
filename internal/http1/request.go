package http1

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strconv"
)

// Default limits of one request.
const (
	DefaultMaxHeaderBytes = 8192
	DefaultMaxBodyBytes   = 2 << 20
)

// Limits bound one request. Zero fields take the defaults.
type Limits struct {
	// MaxHeaderBytes bounds the request line plus the header section,
	// CRLFs included (and, separately, a chunked body's trailer section).
	// Over it: 431, close.
	MaxHeaderBytes int
	// MaxBodyBytes bounds the decoded body. Over it, declared by
	// Content-Length or reached by a chunked body's running total: 413,
	// close, without reading the body into memory.
	MaxBodyBytes int64
}

func (l Limits) maxHeader() int {
	if l.MaxHeaderBytes <= 0 {
		return DefaultMaxHeaderBytes
	}
	return l.MaxHeaderBytes
}

func (l Limits) maxBody() int64 {
	if l.MaxBodyBytes <= 0 {
		return DefaultMaxBodyBytes
	}
	return l.MaxBodyBytes
}

// Request is one request's head, and its body once ReadBody has run.
type Request struct {
	Method        string // as sent; a token
	Target        string // request-target as sent
	Path          string // path of Target without the query, not percent-decoded; "*" for "OPTIONS *"
	ProtoMinor    int    // 0 or 1 (HTTP/1.0 or HTTP/1.1)
	Host          string // the Host header, or the authority of an absolute-form target
	Authorization string
	ContentLength int64 // -1 when absent
	Chunked       bool
	// KeepAlive: HTTP/1.1 defaults to true unless "Connection: close";
	// HTTP/1.0 defaults to false unless "Connection: keep-alive".
	KeepAlive bool
	// Expect100 is set for "Expect: 100-continue" on HTTP/1.1 (curl sends
	// it for bodies over 1 KiB). The server answers 100 Continue, or a
	// final status, before reading the body.
	Expect100 bool
	// Body is filled by ReadBody. It aliases the Reader's buffer: valid
	// until the next ReadHeader or ReadBody on the same Reader.
	Body []byte
}

// Reader reads requests from one connection, reusing its buffers. Use one
// per connection; it is not safe for concurrent use.
type Reader struct {
	Limits Limits
	// Budget, if non-nil, bounds the body bytes buffered across every
	// Reader sharing it (see BodyBudget); nil: only MaxBodyBytes bounds a
	// body.
	Budget *BodyBudget

	charged int64 // taken from Budget for the current body; Release gives it back

	line  []byte // a line that did not fit in the bufio.Reader's buffer; bounded by MaxHeaderBytes + the buffer size
	body  []byte // body buffer reused across requests; dropped when it grew past maxRetainedBody
	clRaw []byte // the first Content-Length value of the current request, to compare duplicates

	// The last Host and Authorization handed out: a keep-alive client
	// repeats them, and reusing the string saves an allocation per request.
	host, auth string
}

// maxRetainedBody is the largest body buffer kept between requests: a
// connection that once sent a 2 MiB body should not pin 2 MiB while idle.
const maxRetainedBody = 64 << 10

// maxLeadingCRLF is how many empty lines before a request line are skipped
// (RFC 9112 section 2.2: "SHOULD ignore at least one").
const maxLeadingCRLF = 2

// errLineTooLong is readLine's signal that a line passed its budget; callers
// turn it into the status that fits where the line was.
var errLineTooLong = errors.New("http1: line too long")

// readLine returns the next line, LF included, if it fits in budget bytes.
// The line aliases br's buffer, or r.line when longer than br's buffer, and
// is valid until the next read. On error it returns what it consumed.
func (r *Reader) readLine(br *bufio.Reader, budget int) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if err == nil {
		if len(line) > budget {
			return nil, errLineTooLong
		}
		return line, nil
	}
	if err != bufio.ErrBufferFull {
		return line, err
	}
	// Slow path: the line is longer than br's buffer.
	r.line = append(r.line[:0], line...)
	for len(r.line) <= budget {
		line, err = br.ReadSlice('\n')
		r.line = append(r.line, line...)
		if err == nil {
			break
		}
		if err != bufio.ErrBufferFull {
			return r.line, err
		}
	}
	if len(r.line) > budget {
		return nil, errLineTooLong
	}
	return r.line, nil
}

// ReadHeader reads the request line and header section into req, which it
// resets first. It returns io.EOF if the connection was closed cleanly
// before the first byte of a request (empty lines skipped before a request
// line do not count), io.ErrUnexpectedEOF if it ended mid-request, a *Error
// for bad framing (see the package doc), and any other error of br (a
// timeout, a reset) as is.
//
// On success exactly the head has been consumed from br; call ReadBody next
// (or close the connection) before the next ReadHeader.
func (r *Reader) ReadHeader(br *bufio.Reader, req *Request) error {
	*req = Request{ContentLength: -1}
	r.Release()
	if cap(r.body) > maxRetainedBody {
		r.body = nil
	}
	limit := r.Limits.maxHeader()
	budget := limit // what is left of limit; readLine calls below spend it
	tooLarge := func() error {
		return newError(431, "request header section exceeds "+strconv.Itoa(limit)+" bytes")
	}

	// Request line, after at most maxLeadingCRLF empty lines.
	var line []byte
	for skipped := 0; ; skipped++ {
		l, err := r.readLine(br, budget)
		if err == errLineTooLong {
			return tooLarge()
		}
		if err != nil {
			if err == io.EOF && len(l) == 0 {
				return io.EOF
			}
			return eofIsUnexpected(err)
		}
		budget -= len(l)
		if len(l) == 2 && l[0] == '\r' && skipped < maxLeadingCRLF {
			continue
		}
		line = l
		break
	}
	if !endsCRLF(line) {
		return badRequest("request line ends with a bare LF")
	}
	absHost, herr := r.parseRequestLine(line[:len(line)-2], req)
	if herr != nil {
		return herr
	}

	var (
		hostSeen, authSeen, teSeen, teChunked bool
		connClose, connKeepAlive, expect100   bool
		badTE, badTrailer, badExpect          string
	)
	r.clRaw = r.clRaw[:0]
	for {
		l, err := r.readLine(br, budget)
		if err == errLineTooLong {
			return tooLarge()
		}
		if err != nil {
			return eofIsUnexpected(err)
		}
		budget -= len(l)
		if !endsCRLF(l) {
			return badRequest("header line ends with a bare LF")
		}
		l = l[:len(l)-2]
		if len(l) == 0 {
			break
		}
		name, value, ferr := parseField(l)
		if ferr != nil {
			return ferr
		}
		switch {
		case equalFold(name, "host"):
			if hostSeen {
				return badRequest("repeated Host header")
			}
			hostSeen = true
			for _, c := range value {
				if !isHostByte[c] {
					return badRequest("invalid Host header " + quote(value))
				}
			}
			req.Host = r.internHost(value)
		case equalFold(name, "authorization"):
			if authSeen {
				return badRequest("repeated Authorization header")
			}
			authSeen = true
			if string(value) != r.auth {
				r.auth = string(value)
			}
			req.Authorization = r.auth
		case equalFold(name, "content-length"):
			if herr := r.contentLength(value, req); herr != nil {
				return herr
			}
		case equalFold(name, "transfer-encoding"):
			// A second Transfer-Encoding line makes a list of two codings,
			// which is not exactly "chunked".
			teChunked = !teSeen && equalFold(value, "chunked")
			if !teChunked && badTE == "" {
				badTE = quote(value)
			}
			teSeen = true
		case equalFold(name, "connection"):
			connClose = connClose || listHasToken(value, "close")
			connKeepAlive = connKeepAlive || listHasToken(value, "keep-alive")
		case equalFold(name, "expect"):
			switch {
			case len(value) == 0: // net/http ignores an empty Expect too
			case equalFold(value, "100-continue"):
				expect100 = true
			case badExpect == "":
				badExpect = quote(value)
			}
		case equalFold(name, "trailer"):
			// net/http refuses to let a trailer redefine the framing.
			for v := value; len(v) > 0; {
				var e []byte
				e, v = nextListElem(v)
				if badTrailer == "" && (equalFold(e, "content-length") ||
					equalFold(e, "transfer-encoding") || equalFold(e, "trailer")) {
					badTrailer = quote(e)
				}
			}
		}
	}

	// Framing: RFC 9112 section 6.3.
	if teSeen {
		switch {
		case req.ContentLength >= 0:
			return badRequest("Transfer-Encoding together with Content-Length")
		case req.ProtoMinor == 0:
			return badRequest("Transfer-Encoding on an HTTP/1.0 request")
		case !teChunked:
			return newError(501, "unsupported Transfer-Encoding "+badTE+" (only chunked)")
		}
		req.Chunked = true
		if badTrailer != "" {
			return badRequest("Trailer header names " + badTrailer)
		}
	}
	if req.ProtoMinor == 1 && !hostSeen {
		return badRequest("missing Host header")
	}
	if absHost != "" {
		// RFC 9112 section 3.2.2: the target's authority wins over Host.
		req.Host = absHost
	}
	if badExpect != "" {
		return newError(417, "unsupported Expect "+badExpect+" (only 100-continue)")
	}
	if limit := r.Limits.maxBody(); req.ContentLength > limit {
		return newError(413, "body exceeds "+strconv.FormatInt(limit, 10)+" bytes")
	}
	req.Expect100 = expect100 && req.ProtoMinor == 1
	if req.ProtoMinor == 1 {
		req.KeepAlive = !connClose
	} else {
		req.KeepAlive = connKeepAlive && !connClose
	}
	return nil
}

// parseField splits a header or trailer line, CRLF removed, into its name
// and its value without surrounding whitespace.
func parseField(l []byte) (name, value []byte, err *Error) {
	if l[0] == ' ' || l[0] == '\t' {
		return nil, nil, badRequest("obsolete line folding in header section")
	}
	i := 0
	for i < len(l) && isTchar[l[i]] {
		i++
	}
	switch {
	case i == len(l):
		return nil, nil, badRequest("header line without a colon " + quote(l))
	case l[i] == ' ' || l[i] == '\t':
		return nil, nil, badRequest("whitespace before the colon in header " + quote(l[:i]))
	case l[i] != ':' || i == 0:
		return nil, nil, badRequest("invalid header field name " + quote(l[:min(i+1, len(l))]))
	}
	name, value = l[:i], trimOWS(l[i+1:])
	if !validValue(value) {
		return nil, nil, badRequest("invalid byte in the value of header " + quote(name))
	}
	return name, value, nil
}

// contentLength handles one Content-Length field: digits only, and a
// repeat must be byte-identical to the first (net/http compares the strings
// too, so "5" and "05" conflict).
func (r *Reader) contentLength(value []byte, req *Request) *Error {
	if len(value) == 0 {
		return badRequest("empty Content-Length")
	}
	var n int64
	for _, c := range value {
		if c < '0' || c > '9' {
			return badRequest("invalid Content-Length " + quote(value))
		}
		if n <= (1<<62)/10 {
			n = n*10 + int64(c-'0')
		} // else: saturate; it is over any limit anyway.
	}
	if req.ContentLength >= 0 {
		if !bytes.Equal(value, r.clRaw) {
			return badRequest("conflicting Content-Length values")
		}
		return nil
	}
	r.clRaw = append(r.clRaw[:0], value...)
	req.ContentLength = n
	return nil
}

func (r *Reader) internHost(v []byte) string {
	if string(v) != r.host {
		r.host = string(v)
	}
	return r.host
}

func endsCRLF(line []byte) bool {
	return len(line) >= 2 && line[len(line)-2] == '\r'
}

func eofIsUnexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
