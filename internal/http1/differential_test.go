package http1

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/url"
	"testing"
)

// A request as both parsers read it, plus where it ended in the input.
type parsed struct {
	method, target, path, host, auth string
	protoMinor                       int
	keepAlive                        bool
	body                             []byte
	headEnd, end                     int // offsets in the input
}

const maxPipelined = 4

// readAllOurs reads up to maxPipelined requests from data and returns the
// ones accepted, stopping at the first error. It checks the properties that
// need no reference: bounded reads, bounded buffers, and no body byte past
// the request's end.
func readAllOurs(t testing.TB, data []byte, lim Limits) []parsed {
	cr := &countReader{r: bytes.NewReader(data)}
	br := bufio.NewReaderSize(cr, 4096)
	r := &Reader{Limits: lim}
	var out []parsed
	for range maxPipelined {
		start := cr.n - br.Buffered()
		var req Request
		err := r.ReadHeader(br, &req)
		headEnd := cr.n - br.Buffered()
		if headEnd-start > lim.maxHeader()+br.Size() {
			t.Fatalf("ReadHeader consumed %d bytes with a %d-byte limit", headEnd-start, lim.maxHeader())
		}
		if err == nil {
			err = r.ReadBody(br, &req)
		}
		if int64(cap(r.body)) > max(lim.maxBody(), minBodyBuf) {
			t.Fatalf("body buffer grew to %d with a %d-byte limit", cap(r.body), lim.maxBody())
		}
		var he *Error
		if errors.As(err, &he) && !he.Close {
			t.Fatalf("framing error without Close: %v", he)
		}
		if err != nil {
			return out
		}
		end := cr.n - br.Buffered()
		p := parsed{req.Method, req.Target, req.Path, req.Host, req.Authorization, req.ProtoMinor, req.KeepAlive,
			bytes.Clone(req.Body), headEnd, end}
		// No smuggling: the body lies between the head and the request's
		// end, and a Content-Length body is exactly those bytes, so the
		// next read starts after every body byte.
		if int64(len(p.body)) > lim.maxBody() || headEnd+len(p.body) > end {
			t.Fatalf("body of %d bytes outside [%d, %d)", len(p.body), headEnd, end)
		}
		if !req.Chunked && (end-headEnd != len(p.body) || !bytes.Equal(data[headEnd:end], p.body)) {
			t.Fatalf("Content-Length body %q is not the bytes %q after the head", p.body, data[headEnd:end])
		}
		out = append(out, p)
	}
	return out
}

// differential checks that every request we accept from data, net/http's
// http.ReadRequest accepts too, reads the same way, and ends at the same
// byte (a disagreement there is what request smuggling is made of).
//
// Deliberate divergence: we skip up to two leading CRLFs before a request
// line; http.ReadRequest skips none (net/http's server skips up to four CR
// or LF bytes, only after a POST). The reference side skips what we skipped.
func differential(t testing.TB, data []byte, lim Limits) {
	ours := readAllOurs(t, data, lim)
	if len(ours) == 0 {
		return
	}
	sr := bytes.NewReader(data)
	br := bufio.NewReaderSize(sr, 64<<10)
	offset := func() int { return len(data) - sr.Len() - br.Buffered() }
	for i, o := range ours {
		for skipped := 0; skipped < maxLeadingCRLF; skipped++ {
			if p, _ := br.Peek(2); string(p) == "\r\n" {
				br.Discard(2)
			}
		}
		req, err := http.ReadRequest(br)
		if err != nil {
			t.Fatalf("request %d: we accepted %s %q, net/http rejects: %v\ninput %q", i, o.method, o.target, err, data)
		}
		body, err := io.ReadAll(req.Body)
		if err != nil {
			t.Fatalf("request %d: we read body %q, net/http fails: %v\ninput %q", i, o.body, err, data)
		}
		ourPath, _ := url.PathUnescape(o.path)
		switch {
		case req.Method != o.method, req.RequestURI != o.target, req.URL.Path != ourPath,
			req.Host != o.host, req.Header.Get("Authorization") != o.auth,
			req.ProtoMinor != o.protoMinor, req.Close == o.keepAlive, !bytes.Equal(body, o.body):
			t.Fatalf("request %d disagrees:\n ours    %s %q path %q host %q auth %q 1.%d keep-alive %v body %q\n net/http %s %q path %q host %q auth %q 1.%d keep-alive %v body %q\ninput %q",
				i, o.method, o.target, ourPath, o.host, o.auth, o.protoMinor, o.keepAlive, o.body,
				req.Method, req.RequestURI, req.URL.Path, req.Host, req.Header.Get("Authorization"), req.ProtoMinor, !req.Close, body, data)
		}
		if end := offset(); end != o.end {
			t.Fatalf("request %d ends at byte %d for us, %d for net/http\ninput %q", i, o.end, end, data)
		}
	}
}

// diffCorpus adds inputs where net/http's leniency and ours differ, on top
// of the accept and reject tables.
var diffCorpus = []string{
	"GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 30\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\n\r\n",
	"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\nhello",
	"GET / HTTP/1.1\nHost: h\n\n",
	"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\n0\n\n",
	"GET / HTTP/1.2\r\nHost: h\r\n\r\n",
	"GET /a%2Fb/%7e?x HTTP/1.1\r\nHost: h\r\n\r\n",
	"GET http://h.example/p%20q HTTP/1.1\r\nHost: x\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhelloPOST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3;a=b\r\nabc\r\n0\r\nT: v\r\n\r\nGET /x HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
}

func TestDifferential(t *testing.T) {
	var corpus []string
	for _, c := range acceptCases {
		corpus = append(corpus, c.raw)
	}
	for _, c := range rejectCases {
		corpus = append(corpus, c.raw)
	}
	corpus = append(corpus, diffCorpus...)
	accepted := 0
	for _, raw := range corpus {
		differential(t, []byte(raw), Limits{})
		differential(t, []byte(raw), Limits{MaxHeaderBytes: 256, MaxBodyBytes: 64})
		if len(readAllOurs(t, []byte(raw), Limits{})) > 0 {
			accepted++
		}
	}
	if accepted < len(acceptCases) {
		t.Errorf("only %d corpus inputs accepted; the differential checked too little", accepted)
	}
}

func FuzzReadRequest(f *testing.F) {
	for _, c := range acceptCases {
		f.Add([]byte(c.raw), false)
	}
	for _, c := range rejectCases {
		if len(c.raw) < 1024 {
			f.Add([]byte(c.raw), true)
		}
	}
	for _, c := range diffCorpus {
		f.Add([]byte(c), false)
	}
	f.Fuzz(func(t *testing.T, data []byte, small bool) {
		lim := Limits{}
		if small {
			lim = Limits{MaxHeaderBytes: 128, MaxBodyBytes: 32}
		}
		differential(t, data, lim)
	})
}
