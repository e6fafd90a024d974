package http1

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAppendResponse(t *testing.T) {
	cases := []struct {
		name string
		resp Response
		want string
	}{
		{"200 json", Response{ProtoMinor: 1, Status: 200, Body: []byte(`{"ok":true}`)},
			"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}"},
		{"empty body has no Content-Type", Response{ProtoMinor: 1, Status: 200},
			"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"},
		{"explicit type", Response{ProtoMinor: 1, Status: 200, ContentType: "text/plain", Body: []byte("hi")},
			"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi"},
		{"error close", Response{ProtoMinor: 1, Status: 431, Close: true, Body: []byte(`{"error":"x"}`)},
			"HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: application/json\r\nContent-Length: 13\r\nConnection: close\r\n\r\n{\"error\":\"x\"}"},
		{"1.0 keep-alive", Response{ProtoMinor: 0, Status: 202},
			"HTTP/1.0 202 Accepted\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n"},
		{"1.0 close", Response{ProtoMinor: 0, Status: 200, Close: true},
			"HTTP/1.0 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"},
		{"429 Retry-After", Response{ProtoMinor: 1, Status: 429, RetryAfter: 1},
			"HTTP/1.1 429 Too Many Requests\r\nContent-Length: 0\r\nRetry-After: 1\r\n\r\n"},
		{"405 Allow", Response{ProtoMinor: 1, Status: 405, Allow: "GET, HEAD"},
			"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nAllow: GET, HEAD\r\n\r\n"},
		{"header injection neutralised", Response{ProtoMinor: 1, Status: 405, Allow: "GET\r\nX: y"},
			"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nAllow: GET  X: y\r\n\r\n"},
		{"100 Continue", Response{ProtoMinor: 1, Status: 100},
			"HTTP/1.1 100 Continue\r\n\r\n"},
		{"204 no length no body", Response{ProtoMinor: 1, Status: 204, Body: []byte("x")},
			"HTTP/1.1 204 No Content\r\n\r\n"},
		{"unknown code empty reason", Response{ProtoMinor: 1, Status: 599},
			"HTTP/1.1 599 \r\nContent-Length: 0\r\n\r\n"},
	}
	for _, tc := range cases {
		got := AppendResponse([]byte("prefix"), &tc.resp)
		assert.Equal(t, "prefix"+tc.want, string(got), "%s:\n got %q\nwant %q", tc.name, got[6:], tc.want)
	}
}

// TestAppendResponseNetHTTP: net/http's client reads what we write, with
// the same status, body and keep-alive decision.
func TestAppendResponseNetHTTP(t *testing.T) {
	for _, resp := range []Response{
		{ProtoMinor: 1, Status: 200, Body: []byte(`{"accepted":3}`)},
		{ProtoMinor: 1, Status: 413, Close: true, Body: []byte(`{"error":"body too large"}`)},
		{ProtoMinor: 0, Status: 200, Body: []byte("{}")},
		{ProtoMinor: 1, Status: 503, RetryAfter: 2, Body: []byte(`{"error":"busy"}`)},
	} {
		raw := AppendResponse(nil, &resp)
		br := bufio.NewReader(bytes.NewReader(append(raw, "trailing"...)))
		hr, err := http.ReadResponse(br, nil)
		require.NoError(t, err, "%q", raw)
		body, err := io.ReadAll(hr.Body)
		require.NoError(t, err, "%q", raw)
		if hr.StatusCode != resp.Status || !bytes.Equal(body, resp.Body) || hr.Close != (resp.Close) {
			t.Errorf("%q: net/http read status %d body %q close %v", raw, hr.StatusCode, body, hr.Close)
		}
		if rest, _ := io.ReadAll(br); string(rest) != "trailing" {
			t.Errorf("%q: response framing consumed %q of what followed", raw, rest)
		}
	}
}

func TestStatusText(t *testing.T) {
	for code := 0; code < 1000; code++ {
		if got, want := StatusText(code), http.StatusText(code); got != want {
			t.Errorf("StatusText(%d) = %q, net/http says %q", code, got, want)
		}
	}
}

func TestAppendResponseNoAllocs(t *testing.T) {
	resp := &Response{ProtoMinor: 1, Status: 429, RetryAfter: 1, Allow: "POST", Body: []byte(`{"error":"rate limited"}`)}
	buf := make([]byte, 0, 512)
	if n := testing.AllocsPerRun(100, func() { buf = AppendResponse(buf[:0], resp) }); n != 0 {
		t.Errorf("%v allocations, want 0", n)
	}
}
