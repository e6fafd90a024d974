package http1

import (
	"bufio"
	"errors"
	"io"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// countReader counts the bytes its consumer pulled from r.
type countReader struct {
	r io.Reader
	n int
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// readOne reads one request (head and body) from raw through a bufio.Reader
// of the given size.
func readOne(raw string, lim Limits, bufSize int) (*Request, error) {
	br := bufio.NewReaderSize(strings.NewReader(raw), bufSize)
	r := &Reader{Limits: lim}
	req := new(Request)
	if err := r.ReadHeader(br, req); err != nil {
		return req, err
	}
	return req, r.ReadBody(br, req)
}

const h11 = "HTTP/1.1\r\nHost: h\r\n"

// acceptCases are requests the reader must accept, and what it must read.
var acceptCases = []struct {
	name string
	raw  string
	want Request // Body compared as a string; ContentLength 0 means -1 unless wantCL
}{
	{"get health", "GET /health " + h11 + "\r\n",
		Request{Method: "GET", Target: "/health", Path: "/health", ProtoMinor: 1, Host: "h", KeepAlive: true}},
	{"post metrics CL", "POST /metrics " + h11 + "Authorization: Bearer t0k\r\nContent-Length: 5\r\n\r\nhello",
		Request{Method: "POST", Target: "/metrics", Path: "/metrics", ProtoMinor: 1, Host: "h", Authorization: "Bearer t0k", ContentLength: 5, KeepAlive: true, Body: []byte("hello")}},
	{"curl form post", "POST /metrics HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 2\r\n\r\n{}",
		Request{Method: "POST", Target: "/metrics", Path: "/metrics", ProtoMinor: 1, Host: "localhost:8080", ContentLength: 2, KeepAlive: true, Body: []byte("{}")}},
	{"query", "GET /metrics?x=1&y=%20 " + h11 + "\r\n",
		Request{Method: "GET", Target: "/metrics?x=1&y=%20", Path: "/metrics", ProtoMinor: 1, Host: "h", KeepAlive: true}},
	{"other path with query", "GET /a/b%2Fc?q " + h11 + "\r\n",
		Request{Method: "GET", Target: "/a/b%2Fc?q", Path: "/a/b%2Fc", ProtoMinor: 1, Host: "h", KeepAlive: true}},
	{"absolute form overrides Host", "GET http://example.com:8080/a?q HTTP/1.1\r\nHost: other\r\n\r\n",
		Request{Method: "GET", Target: "http://example.com:8080/a?q", Path: "/a", ProtoMinor: 1, Host: "example.com:8080", KeepAlive: true}},
	{"absolute form https upper case", "GET HTTPS://h/metrics " + h11 + "\r\n",
		Request{Method: "GET", Target: "HTTPS://h/metrics", Path: "/metrics", ProtoMinor: 1, Host: "h", KeepAlive: true}},
	{"OPTIONS *", "OPTIONS * " + h11 + "\r\n",
		Request{Method: "OPTIONS", Target: "*", Path: "*", ProtoMinor: 1, Host: "h", KeepAlive: true}},
	{"any token method", "FOO-BAR /x " + h11 + "\r\n",
		Request{Method: "FOO-BAR", Target: "/x", Path: "/x", ProtoMinor: 1, Host: "h", KeepAlive: true}},
	{"chunked multi-chunk, extensions, trailers", "POST /metrics " + h11 + "Transfer-Encoding: chunked\r\n\r\n" +
		"5\r\nhello\r\n6;ext=1;q=\"a b\"\r\n world\r\n0\r\nX-Trailer: t\r\nOther: u\r\n\r\n",
		Request{Method: "POST", Target: "/metrics", Path: "/metrics", ProtoMinor: 1, Host: "h", Chunked: true, KeepAlive: true, Body: []byte("hello world")}},
	{"chunked case-insensitive, hex sizes", "POST / " + h11 + "transfer-encoding:  Chunked \r\n\r\n" +
		"A\r\n0123456789\r\n0000000000000001\r\nx\r\n0\r\n\r\n",
		Request{Method: "POST", Target: "/", Path: "/", ProtoMinor: 1, Host: "h", Chunked: true, KeepAlive: true, Body: []byte("0123456789x")}},
	{"chunked empty", "POST / " + h11 + "Transfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n0\r\n\r\n",
		Request{Method: "POST", Target: "/", Path: "/", ProtoMinor: 1, Host: "h", Chunked: true, KeepAlive: true}},
	{"1.1 Connection: close", "GET / " + h11 + "Connection: close\r\n\r\n",
		Request{Method: "GET", Target: "/", Path: "/", ProtoMinor: 1, Host: "h"}},
	{"1.1 close wins in a list", "GET / " + h11 + "Connection: keep-alive, Close\r\n\r\n",
		Request{Method: "GET", Target: "/", Path: "/", ProtoMinor: 1, Host: "h"}},
	{"1.1 close in a second Connection line", "GET / " + h11 + "Connection: upgrade\r\nconnection: close\r\n\r\n",
		Request{Method: "GET", Target: "/", Path: "/", ProtoMinor: 1, Host: "h"}},
	{"1.0 default close, no Host needed", "GET / HTTP/1.0\r\n\r\n",
		Request{Method: "GET", Target: "/", Path: "/", ProtoMinor: 0}},
	{"1.0 keep-alive", "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
		Request{Method: "GET", Target: "/", Path: "/", ProtoMinor: 0, KeepAlive: true}},
	{"1.0 keep-alive and close", "GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n",
		Request{Method: "GET", Target: "/", Path: "/", ProtoMinor: 0}},
	{"1.0 with body", "POST /metrics HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc",
		Request{Method: "POST", Target: "/metrics", Path: "/metrics", ProtoMinor: 0, ContentLength: 3, Body: []byte("abc")}},
	{"Expect 100-continue", "POST / " + h11 + "Expect: 100-Continue\r\nContent-Length: 1\r\n\r\nx",
		Request{Method: "POST", Target: "/", Path: "/", ProtoMinor: 1, Host: "h", ContentLength: 1, KeepAlive: true, Expect100: true, Body: []byte("x")}},
	{"Expect 100-continue ignored on 1.0", "POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx",
		Request{Method: "POST", Target: "/", Path: "/", ContentLength: 1, Body: []byte("x")}},
	{"empty Expect ignored", "GET / " + h11 + "Expect:\r\n\r\n",
		Request{Method: "GET", Target: "/", Path: "/", ProtoMinor: 1, Host: "h", KeepAlive: true}},
	{"identical duplicate Content-Length", "POST / " + h11 + "Content-Length: 2\r\ncontent-length: 2\r\n\r\nab",
		Request{Method: "POST", Target: "/", Path: "/", ProtoMinor: 1, Host: "h", ContentLength: 2, KeepAlive: true, Body: []byte("ab")}},
	{"Content-Length 0", "POST / " + h11 + "Content-Length: 0\r\n\r\n",
		Request{Method: "POST", Target: "/", Path: "/", ProtoMinor: 1, Host: "h", ContentLength: 0, KeepAlive: true}},
	{"leading empty lines skipped", "\r\n\r\nGET / " + h11 + "\r\n",
		Request{Method: "GET", Target: "/", Path: "/", ProtoMinor: 1, Host: "h", KeepAlive: true}},
	{"OWS around values, empty value", "GET / HTTP/1.1\r\nHost: \t h \t\r\nX-Empty:\r\n\r\n",
		Request{Method: "GET", Target: "/", Path: "/", ProtoMinor: 1, Host: "h", KeepAlive: true}},
	{"empty Host", "GET / HTTP/1.1\r\nHost:\r\n\r\n",
		Request{Method: "GET", Target: "/", Path: "/", ProtoMinor: 1, KeepAlive: true}},
	{"IPv6 Host", "GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n",
		Request{Method: "GET", Target: "/", Path: "/", ProtoMinor: 1, Host: "[::1]:8080", KeepAlive: true}},
	{"long header line over the bufio buffer", "GET / " + h11 + "X-Long: " + strings.Repeat("a", 5000) + "\r\n\r\n",
		Request{Method: "GET", Target: "/", Path: "/", ProtoMinor: 1, Host: "h", KeepAlive: true}},
}

func TestReadAccepts(t *testing.T) {
	for _, tc := range acceptCases {
		for _, size := range []int{16, 4096} {
			req, err := readOne(tc.raw, Limits{}, size)
			if err != nil {
				t.Errorf("%s (bufio %d): %v", tc.name, size, err)
				continue
			}
			want := tc.want
			if want.ContentLength == 0 && !strings.Contains(strings.ToLower(tc.raw), "content-length: 0") {
				want.ContentLength = -1
			}
			if got := string(req.Body); got != string(want.Body) {
				t.Errorf("%s (bufio %d): body %q, want %q", tc.name, size, got, want.Body)
			}
			req.Body, want.Body = nil, nil
			assert.True(t, reflect.DeepEqual(*req, want), "%s (bufio %d):\n got %+v\nwant %+v", tc.name, size, *req, want)
		}
	}
}

var (
	big       = strings.Repeat("a", DefaultMaxHeaderBytes)
	chunkedH  = "POST / " + h11 + "Transfer-Encoding: chunked\r\n\r\n"
	errTarget = errors.New("peer reset")
)

// rejectCases are requests the reader must reject with a *Error.
var rejectCases = []struct {
	name   string
	raw    string
	lim    Limits
	status int
}{
	// request line
	{"bare LF request line", "GET / HTTP/1.1\nHost: h\r\n\r\n", Limits{}, 400},
	{"CR inside request line", "GET /\r HTTP/1.1\r\nHost: h\r\n\r\n", Limits{}, 400},
	{"double space", "GET  / " + h11 + "\r\n", Limits{}, 400},
	{"trailing space", "GET / HTTP/1.1 \r\nHost: h\r\n\r\n", Limits{}, 400},
	{"no version", "GET /\r\nHost: h\r\n\r\n", Limits{}, 400},
	{"method not a token", "G(T / " + h11 + "\r\n", Limits{}, 400},
	{"empty request line after two skipped", "\r\n\r\n\r\nGET / " + h11 + "\r\n", Limits{}, 400},
	{"lower-case version", "GET / http/1.1\r\nHost: h\r\n\r\n", Limits{}, 400},
	{"version garbage", "GET / HTTP/1.1x\r\nHost: h\r\n\r\n", Limits{}, 400},
	{"version two digits", "GET / HTTP/11\r\nHost: h\r\n\r\n", Limits{}, 400},
	{"target relative", "GET foo " + h11 + "\r\n", Limits{}, 400},
	{"target * for GET", "GET * " + h11 + "\r\n", Limits{}, 400},
	{"target bad percent", "GET /%zz " + h11 + "\r\n", Limits{}, 400},
	{"target short percent", "GET /%4 " + h11 + "\r\n", Limits{}, 400},
	{"target fragment", "GET /a#b " + h11 + "\r\n", Limits{}, 400},
	{"target non-ASCII", "GET /\xc3\xa9 " + h11 + "\r\n", Limits{}, 400},
	{"target control byte", "GET /\x01 " + h11 + "\r\n", Limits{}, 400},
	{"absolute without path", "GET http://h " + h11 + "\r\n", Limits{}, 400},
	{"absolute with userinfo", "GET http://u@h/ " + h11 + "\r\n", Limits{}, 400},
	{"absolute bad port", "GET http://h:x/ " + h11 + "\r\n", Limits{}, 400},
	{"absolute empty host", "GET http:///a " + h11 + "\r\n", Limits{}, 400},
	{"authority form", "CONNECT h:443 " + h11 + "\r\n", Limits{}, 400},
	// header section
	{"bare LF header", "GET / HTTP/1.1\r\nHost: h\n\r\n", Limits{}, 400},
	{"bare LF end of head", "GET / " + h11 + "\n", Limits{}, 400},
	{"obs-fold", "GET / " + h11 + "X: a\r\n b\r\n\r\n", Limits{}, 400},
	{"leading whitespace first header", "GET / HTTP/1.1\r\n Host: h\r\n\r\n", Limits{}, 400},
	{"space before colon", "GET / HTTP/1.1\r\nHost : h\r\n\r\n", Limits{}, 400},
	{"no colon", "GET / " + h11 + "X\r\n\r\n", Limits{}, 400},
	{"empty name", "GET / " + h11 + ": v\r\n\r\n", Limits{}, 400},
	{"name not a token", "GET / " + h11 + "X@Y: v\r\n\r\n", Limits{}, 400},
	{"CR in value", "GET / " + h11 + "X: a\rb\r\n\r\n", Limits{}, 400},
	{"NUL in value", "GET / " + h11 + "X: a\x00b\r\n\r\n", Limits{}, 400},
	{"DEL in value", "GET / " + h11 + "X: a\x7fb\r\n\r\n", Limits{}, 400},
	{"obs-text in value", "GET / " + h11 + "X: \xe9\r\n\r\n", Limits{}, 400},
	{"missing Host 1.1", "GET / HTTP/1.1\r\n\r\n", Limits{}, 400},
	{"repeated Host", "GET / " + h11 + "Host: h\r\n\r\n", Limits{}, 400},
	{"bad Host", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", Limits{}, 400},
	{"Host with userinfo", "GET / HTTP/1.1\r\nHost: u@h\r\n\r\n", Limits{}, 400},
	{"repeated Authorization", "GET / " + h11 + "Authorization: a\r\nAuthorization: b\r\n\r\n", Limits{}, 400},
	// Content-Length
	{"CL not digits", "POST / " + h11 + "Content-Length: abc\r\n\r\n", Limits{}, 400},
	{"CL list", "POST / " + h11 + "Content-Length: 5, 5\r\n\r\nhello", Limits{}, 400},
	{"CL empty", "POST / " + h11 + "Content-Length:\r\n\r\n", Limits{}, 400},
	{"CL plus sign", "POST / " + h11 + "Content-Length: +5\r\n\r\nhello", Limits{}, 400},
	{"CL negative", "POST / " + h11 + "Content-Length: -1\r\n\r\n", Limits{}, 400},
	{"CL conflicting", "POST / " + h11 + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", Limits{}, 400},
	{"CL 5 and 05", "POST / " + h11 + "Content-Length: 5\r\nContent-Length: 05\r\n\r\nhello", Limits{}, 400},
	// Transfer-Encoding
	{"TE and CL", "POST / " + h11 + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", Limits{}, 400},
	{"CL after TE", "POST / " + h11 + "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n", Limits{}, 400},
	{"TE on 1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", Limits{}, 400},
	{"Trailer names Content-Length", chunkedH[:len(chunkedH)-2] + "Trailer: X, content-length\r\n\r\n0\r\n\r\n", Limits{}, 400},
	{"TE gzip", "POST / " + h11 + "Transfer-Encoding: gzip\r\n\r\n", Limits{}, 501},
	{"TE list", "POST / " + h11 + "Transfer-Encoding: gzip, chunked\r\n\r\n", Limits{}, 501},
	{"TE identity", "POST / " + h11 + "Transfer-Encoding: identity\r\n\r\n", Limits{}, 501},
	{"TE twice", "POST / " + h11 + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", Limits{}, 501},
	// chunked body
	{"chunk size bare LF", chunkedH + "5\nhello\r\n0\r\n\r\n", Limits{}, 400},
	{"chunk size CR LF inside", chunkedH + "5\r;x\r\nhello\r\n0\r\n\r\n", Limits{}, 400},
	{"last chunk bare LF", chunkedH + "5\r\nhello\r\n0\n\r\n", Limits{}, 400},
	{"chunk size not hex", chunkedH + "x\r\n", Limits{}, 400},
	{"chunk size empty", chunkedH + "\r\n", Limits{}, 400},
	{"chunk size negative", chunkedH + "-1\r\n", Limits{}, 400},
	{"chunk size whitespace", chunkedH + "5 \r\nhello\r\n0\r\n\r\n", Limits{}, 400},
	{"chunk ext after whitespace", chunkedH + "5 ;a\r\nhello\r\n0\r\n\r\n", Limits{}, 400},
	{"chunk ext control byte", chunkedH + "5;a\x01\r\nhello\r\n0\r\n\r\n", Limits{}, 400},
	{"chunk size 17 digits", chunkedH + "00000000000000005\r\nhello\r\n0\r\n\r\n", Limits{}, 400},
	{"chunk data without CRLF", chunkedH + "5\r\nhelloX\r\n0\r\n\r\n", Limits{}, 400},
	{"chunk data bare LF", chunkedH + "5\r\nhello\n0\r\n\r\n", Limits{}, 400},
	{"chunk line too long", chunkedH + "5;" + strings.Repeat("e", maxChunkLine) + "\r\nhello\r\n0\r\n\r\n", Limits{}, 400},
	{"chunk overhead", chunkedH + strings.Repeat("1;"+strings.Repeat("e", 500)+"\r\nx\r\n", 40) + "0\r\n\r\n", Limits{}, 400},
	{"trailer bare LF", chunkedH + "0\r\nX: y\n\r\n", Limits{}, 400},
	{"trailer obs-fold", chunkedH + "0\r\nX: y\r\n z\r\n\r\n", Limits{}, 400},
	{"trailer bad name", chunkedH + "0\r\nX Y: z\r\n\r\n", Limits{}, 400},
	// limits
	{"CL over default", "POST / " + h11 + "Content-Length: 2097153\r\n\r\n", Limits{}, 413},
	{"CL over limit", "POST / " + h11 + "Content-Length: 11\r\n\r\nhello world", Limits{MaxBodyBytes: 10}, 413},
	{"CL overflow", "POST / " + h11 + "Content-Length: 99999999999999999999999\r\n\r\n", Limits{}, 413},
	{"chunked over limit", chunkedH + "6\r\nhello \r\n6\r\nworld!\r\n0\r\n\r\n", Limits{MaxBodyBytes: 10}, 413},
	{"chunk size huge", chunkedH + "ffffffffffffffff\r\n", Limits{}, 413},
	{"header section over limit", "GET / " + h11 + "X: " + big + "\r\n\r\n", Limits{}, 431},
	{"many small headers over limit", "GET / " + h11 + strings.Repeat("X: y\r\n", 2000) + "\r\n", Limits{}, 431},
	{"huge Authorization", "GET / " + h11 + "Authorization: Bearer " + big + "\r\n\r\n", Limits{}, 431},
	{"request line alone over limit", "GET /" + big + " " + h11 + "\r\n", Limits{}, 431},
	{"header over custom limit", "GET / " + h11 + "X: 0123456789\r\n\r\n", Limits{MaxHeaderBytes: 32}, 431},
	{"limit counts final CRLF", "GET / HTTP/1.0\r\n\r\n", Limits{MaxHeaderBytes: 17}, 431},
	{"trailers over limit", chunkedH + "0\r\nX: " + big + "\r\n\r\n", Limits{}, 431},
	// Expect, versions
	{"Expect other", "POST / " + h11 + "Expect: 200-ok\r\n\r\n", Limits{}, 417},
	{"Expect list", "POST / " + h11 + "Expect: 100-continue, x\r\n\r\n", Limits{}, 417},
	{"HTTP/2.0", "GET / HTTP/2.0\r\nHost: h\r\n\r\n", Limits{}, 505},
	{"HTTP/1.2", "GET / HTTP/1.2\r\nHost: h\r\n\r\n", Limits{}, 505},
	{"HTTP/0.9", "GET / HTTP/0.9\r\n\r\n", Limits{}, 505},
	{"h2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", Limits{}, 505},
}

func TestReadRejects(t *testing.T) {
	for _, tc := range rejectCases {
		for _, size := range []int{16, 4096} {
			_, err := readOne(tc.raw, tc.lim, size)
			var he *Error
			if !errors.As(err, &he) {
				t.Errorf("%s (bufio %d): err = %v, want *Error %d", tc.name, size, err, tc.status)
				continue
			}
			if he.Status != tc.status || !he.Close {
				t.Errorf("%s (bufio %d): got %d close=%v (%s), want %d close=true", tc.name, size, he.Status, he.Close, he.Msg, tc.status)
			}
			if len(he.Msg) > 200 {
				t.Errorf("%s: message of %d bytes quotes unbounded input: %.80s", tc.name, len(he.Msg), he.Msg)
			}
			assert.True(t, strings.HasPrefix(he.Error(), "http1: "), "%s: Error() = %q, want the package prefix", tc.name, he.Error())
		}
	}
}

func TestReadEOF(t *testing.T) {
	cases := []struct {
		name string
		raw  string
		want error
	}{
		{"closed before a request", "", io.EOF},
		{"closed after empty lines", "\r\n", io.EOF},
		{"mid request line", "GET / HT", io.ErrUnexpectedEOF},
		{"mid headers", "GET / HTTP/1.1\r\nHost: h\r\n", io.ErrUnexpectedEOF},
		{"mid CL body", "POST / " + h11 + "Content-Length: 10\r\n\r\nhello", io.ErrUnexpectedEOF},
		{"mid chunk", chunkedH + "5\r\nhel", io.ErrUnexpectedEOF},
		{"before chunk CRLF", chunkedH + "5\r\nhello", io.ErrUnexpectedEOF},
		{"between chunk CR and LF", chunkedH + "5\r\nhello\r", io.ErrUnexpectedEOF},
		{"before last chunk", chunkedH + "5\r\nhello\r\n", io.ErrUnexpectedEOF},
		{"in trailers", chunkedH + "0\r\nX: y\r\n", io.ErrUnexpectedEOF},
	}
	for _, tc := range cases {
		for _, size := range []int{16, 4096} {
			if _, err := readOne(tc.raw, Limits{}, size); err != tc.want {
				t.Errorf("%s (bufio %d): err = %v, want %v", tc.name, size, err, tc.want)
			}
		}
	}
}

// failReader returns data, then err.
type failReader struct {
	data string
	err  error
}

func (f *failReader) Read(p []byte) (int, error) {
	if f.data == "" {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

func TestReadNetErrorAsIs(t *testing.T) {
	for _, data := range []string{"", "GET / HTTP/1.1\r\nHo", "POST / " + h11 + "Content-Length: 9\r\n\r\nabc"} {
		br := bufio.NewReader(&failReader{data: data, err: errTarget})
		var r Reader
		var req Request
		err := r.ReadHeader(br, &req)
		if err == nil {
			err = r.ReadBody(br, &req)
		}
		assert.Same(t, errTarget, err, "%q: want the reader's error as is", data)
	}
}

// TestPipelined reads several requests from one buffer, in order, each
// consuming exactly its own bytes.
func TestPipelined(t *testing.T) {
	raw := "POST /metrics " + h11 + "Content-Length: 5\r\n\r\nfirst" +
		chunkedH + "6\r\nsecond\r\n0\r\nT: x\r\n\r\n" +
		"GET /health " + h11 + "\r\n" +
		"POST /metrics HTTP/1.1\r\nHost: h\r\nContent-Length: 22\r\n\r\nGET /smuggled HTTP/1.1" +
		"\r\n\r\nGET /last HTTP/1.0\r\n\r\n"
	wantPaths := []string{"/metrics", "/", "/health", "/metrics", "/last"}
	wantBodies := []string{"first", "second", "", "GET /smuggled HTTP/1.1", ""}
	for _, size := range []int{16, 64, 4096} {
		br := bufio.NewReaderSize(strings.NewReader(raw), size)
		var r Reader
		var req Request
		for i := range wantPaths {
			require.NoError(t, r.ReadHeader(br, &req), "bufio %d, request %d", size, i)
			require.NoError(t, r.ReadBody(br, &req), "bufio %d, request %d body", size, i)
			if req.Path != wantPaths[i] || string(req.Body) != wantBodies[i] {
				t.Errorf("bufio %d, request %d: %s %q, want %s %q", size, i, req.Path, req.Body, wantPaths[i], wantBodies[i])
			}
		}
		if err := r.ReadHeader(br, &req); err != io.EOF {
			t.Errorf("bufio %d: after the last request err = %v, want io.EOF", size, err)
		}
	}
}

// TestBodyNotReadPastLimit checks that a body over the limit is refused
// before it is read: declared lengths before any body byte, chunked bodies
// before the chunk that would pass the limit.
func TestBodyNotReadPastLimit(t *testing.T) {
	const limit = 1 << 16
	payload := strings.Repeat("x", 4*limit)
	cases := []struct {
		name string
		raw  string
	}{
		{"declared", "POST / " + h11 + "Content-Length: " + "262144" + "\r\n\r\n" + payload},
		{"chunked one big chunk", chunkedH + "40000\r\n" + payload},
		{"chunked running total", chunkedH + strings.Repeat("1000\r\n"+payload[:0x1000]+"\r\n", 64)},
	}
	for _, tc := range cases {
		cr := &countReader{r: strings.NewReader(tc.raw)}
		br := bufio.NewReaderSize(cr, 4096)
		r := &Reader{Limits: Limits{MaxBodyBytes: limit}}
		var req Request
		err := r.ReadHeader(br, &req)
		if err == nil {
			err = r.ReadBody(br, &req)
		}
		var he *Error
		if !errors.As(err, &he) || he.Status != 413 {
			t.Errorf("%s: err = %v, want 413", tc.name, err)
			continue
		}
		if cr.n > limit+2*4096 {
			t.Errorf("%s: read %d bytes with a %d-byte limit", tc.name, cr.n, limit)
		}
		if cap(r.body) > limit {
			t.Errorf("%s: body buffer grew to %d with a %d-byte limit", tc.name, cap(r.body), limit)
		}
	}
}

// TestDeclaredLengthNotPreallocated: a client that announces a large body
// and sends a little costs the little, not the announcement.
func TestDeclaredLengthNotPreallocated(t *testing.T) {
	raw := "POST / " + h11 + "Content-Length: 2000000\r\n\r\nabc"
	br := bufio.NewReader(strings.NewReader(raw))
	var r Reader
	var req Request
	require.NoError(t, r.ReadHeader(br, &req))
	if err := r.ReadBody(br, &req); err != io.ErrUnexpectedEOF {
		t.Fatalf("err = %v, want io.ErrUnexpectedEOF", err)
	}
	if cap(r.body) > minBodyBuf {
		t.Errorf("body buffer %d bytes for 3 bytes received", cap(r.body))
	}
}

func TestBodyBufferReusedAndReleased(t *testing.T) {
	small := "POST /metrics " + h11 + "Content-Length: 5\r\n\r\nhello"
	large := "POST /metrics " + h11 + "Content-Length: 100000\r\n\r\n" + strings.Repeat("y", 100000)
	br := bufio.NewReader(strings.NewReader(small + small + large + small))
	var r Reader
	var req Request
	var caps []int
	for range 4 {
		require.NoError(t, r.ReadHeader(br, &req))
		require.NoError(t, r.ReadBody(br, &req))
		caps = append(caps, cap(r.body))
	}
	if caps[0] != minBodyBuf || caps[1] != minBodyBuf {
		t.Errorf("small bodies: buffer caps %v, want %d reused", caps[:2], minBodyBuf)
	}
	assert.Equal(t, 100000, caps[2], "large body: buffer cap")
	if caps[3] > maxRetainedBody {
		t.Errorf("after a large body the buffer stayed at %d", caps[3])
	}
}

// TestKeepAliveNoAllocs: on a keep-alive connection repeating its Host and
// Authorization, reading a POST /metrics allocates nothing.
func TestKeepAliveNoAllocs(t *testing.T) {
	raw := benchPost
	sr := strings.NewReader(raw)
	br := bufio.NewReader(sr)
	var r Reader
	var req Request
	allocs := testing.AllocsPerRun(100, func() {
		sr.Reset(raw)
		br.Reset(sr)
		require.NoError(t, r.ReadHeader(br, &req))
		require.NoError(t, r.ReadBody(br, &req))
	})
	assert.Zero(t, allocs, "%v allocations per keep-alive request, want 0", allocs)
}

// TestHeaderLimitMessage: the 431 names the configured limit, not what was
// left of it when the limit was hit (the message once said "exceeds 1
// bytes" for a 512-byte limit).
func TestHeaderLimitMessage(t *testing.T) {
	for _, limit := range []int{0, 512} {
		want := limit
		if want == 0 {
			want = DefaultMaxHeaderBytes
		}
		raw := "GET / HTTP/1.1\r\nHost: x\r\nX: " + strings.Repeat("a", want) + "\r\n\r\n"
		r := Reader{Limits: Limits{MaxHeaderBytes: limit}}
		var req Request
		err := r.ReadHeader(bufio.NewReader(strings.NewReader(raw)), &req)
		var he *Error
		if !errors.As(err, &he) || he.Status != 431 || !strings.Contains(he.Msg, "exceeds "+strconv.Itoa(want)+" bytes") {
			t.Errorf("limit %d: err = %v, want 431 naming %d bytes", limit, err, want)
		}
	}
}
