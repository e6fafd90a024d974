package server

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"metricstream/variants"
)

// badCase is one row of the "Bad input" table of docs/faults.md (or one of our
// own), sent as raw bytes on a fresh connection.
type badCase struct {
	name   string
	raw    string
	status int
	// want: the error message (lower-cased) contains one of these
	// "|"-separated keywords; the two parsers word some errors differently.
	want   string
	close  bool              // framing no longer trusted: answered, then closed
	header map[string]string // headers the answer must carry
}

// post is a POST /metrics with body framed by Content-Length.
func post(body string) string { return request("POST", "/metrics", "bad", body) }

// chunked is a POST /metrics whose body is sent as the given chunk stream.
func chunked(stream string) string {
	return "POST /metrics HTTP/1.1\r\nHost: t\r\nAuthorization: bad\r\nTransfer-Encoding: chunked\r\n\r\n" + stream
}

// chunks frames parts as a chunked body, last chunk and empty trailer
// included.
func chunks(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		fmt.Fprintf(&b, "%x\r\n%s\r\n", len(p), p)
	}
	b.WriteString("0\r\n\r\n")
	return b.String()
}

func metricsN(n int) string {
	var b strings.Builder
	b.WriteString(`{"metrics":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"name":"m%d","value":%d}`, i, i)
	}
	b.WriteString(`]}`)
	return b.String()
}

const one = `{"name":"cpu","value":1`

// badCases are the requests the bad-input suite sends to every variant;
// none of them may add a line to the data file.
func badCases() []badCase {
	bodies := []struct{ name, body, want string }{
		// malformed JSON: truncated, unbalanced, trailing garbage, two objects
		{"truncated", `{"metrics":[` + one + `}`, "end of json"},
		{"truncated-in-string", `{"metrics":[{"name":"cp`, "end of json|unterminated|string"},
		{"truncated-in-number", `{"metrics":[{"name":"cpu","value":1.`, "end of json|number"},
		{"unbalanced-bracket", `{"metrics":[` + one + `]}`, "unbalanced|want ',' or '}'"},
		{"unbalanced-extra-brace", `{"metrics":[` + one + `}]}}`, "after the"},
		{"trailing-garbage", `{"metrics":[` + one + `}]}x`, "after the"},
		{"two-objects", `{"metrics":[` + one + `}]}{"metrics":[` + one + `}]}`, "after the"},
		{"trailing-comma", `{"metrics":[` + one + `},]}`, "trailing comma|want a metric object"},
		{"missing-comma", `{"metrics":[{"name":"cpu" "value":1}]}`, "want ',' or '}'"},
		{"single-quotes", `{'metrics':[]}`, "quoted key"},
		{"leading-zero", `{"metrics":[{"name":"cpu","value":01}]}`, "number|want ',' or '}'"},
		{"form-encoded", `name=cpu&value=1`, "json object"},
		// non-finite values
		{"nan", `{"metrics":[{"name":"cpu","value":NaN}]}`, "value must be finite"},
		{"infinity", `{"metrics":[{"name":"cpu","value":Infinity}]}`, "value must be finite"},
		{"minus-infinity", `{"metrics":[{"name":"cpu","value":-Infinity}]}`, "value must be finite"},
		{"1e400", `{"metrics":[{"name":"cpu","value":1e400}]}`, "value must be finite"},
		{"-1e400", `{"metrics":[{"name":"cpu","value":-1e400}]}`, "value must be finite"},
		// wrong types, nested or non-string tags, unknown type or key
		{"value-string", `{"metrics":[{"name":"cpu","value":"75"}]}`, `"value" must be a number`},
		{"value-bool", `{"metrics":[{"name":"cpu","value":true}]}`, `"value" must be a number`},
		{"value-null", `{"metrics":[{"name":"cpu","value":null}]}`, `"value" must be a number`},
		{"value-missing", `{"metrics":[{"name":"cpu"}]}`, `missing "value"`},
		{"name-missing", `{"metrics":[{"value":1}]}`, `missing "name"`},
		{"name-number", `{"metrics":[{"name":7,"value":1}]}`, `"name" must be a string`},
		{"tags-nested", `{"metrics":[` + one + `,"tags":{"a":{"b":"c"}}}]}`, "must be a string"},
		{"tags-number", `{"metrics":[` + one + `,"tags":{"a":1}}]}`, "must be a string"},
		{"tags-array", `{"metrics":[` + one + `,"tags":["a"]}]}`, `"tags" must be an object`},
		{"tag-key-empty", `{"metrics":[` + one + `,"tags":{"":"x"}}]}`, "tag key cannot be empty"},
		{"tag-value-nul", `{"metrics":[` + one + `,"tags":{"k":"a\u0000"}}]}`, "control character"},
		{"type-unknown", `{"metrics":[` + one + `,"type":"bogus"}]}`, "unknown type"},
		{"type-null", `{"metrics":[` + one + `,"type":null}]}`, `"type" must be a string`},
		{"key-unknown", `{"metrics":[` + one + `,"unit":"s"}]}`, `unknown key "unit"`},
		{"timestamp-fraction", `{"metrics":[` + one + `,"timestamp":1.5}]}`, "timestamp"},
		{"timestamp-negative", `{"metrics":[` + one + `,"timestamp":-5}]}`, "timestamp"},
		// the timestamp window: 2000-01-01 to a day after the server's clock
		{"timestamp-1999", `{"metrics":[` + one + `,"timestamp":946684799999}]}`, "timestamp 946684799999 is outside the accepted window"},
		{"timestamp-seconds", `{"metrics":[` + one + `,"timestamp":1732640000}]}`, "looks like seconds"},
		{"timestamp-year-3000", `{"metrics":[` + one + `,"timestamp":32503680000000}]}`, "1 day after the server's clock"},
		{"timestamp-nanoseconds", `{"metrics":[` + one + `,"timestamp":1732640000000000000}]}`, "looks like nanoseconds"},
		// duplicate keys
		{"dup-name", `{"metrics":[` + one + `,"name":"mem"}]}`, `duplicate key "name"`},
		{"dup-value", `{"metrics":[` + one + `,"value":2}]}`, `duplicate key "value"`},
		{"dup-tag", `{"metrics":[` + one + `,"tags":{"a":"x","a":"y"}}]}`, `duplicate tag key "a"`},
		{"dup-metrics", `{"metrics":[` + one + `}],"metrics":[` + one + `}]}`, `duplicate key "metrics"`},
		// names
		{"name-empty", `{"metrics":[{"name":"","value":1}]}`, "name cannot be empty"},
		{"name-256", `{"metrics":[{"name":"` + strings.Repeat("n", 256) + `","value":1}]}`, "name too long"},
		{"name-invalid-utf8", "{\"metrics\":[{\"name\":\"c\xffu\",\"value\":1}]}", "utf-8"},
		{"name-escaped-newline", `{"metrics":[{"name":"a\nb","value":1}]}`, "control character"},
		{"name-raw-newline", "{\"metrics\":[{\"name\":\"a\nb\",\"value\":1}]}", "control character"},
		{"name-escaped-ctrl", `{"metrics":[{"name":"a\u0001b","value":1}]}`, "control character"},
		{"name-del", "{\"metrics\":[{\"name\":\"a\x7fb\",\"value\":1}]}", "control character"},
		{"name-lone-surrogate", `{"metrics":[{"name":"\ud800","value":1}]}`, "surrogate"},
		// empty batches and non-objects
		{"metrics-empty", `{"metrics":[]}`, "batch cannot be empty"},
		{"empty-object", `{}`, `missing key "metrics"`},
		{"null", `null`, "json object"},
		{"array", `[]`, "json object"},
		{"empty-body", ``, "empty"},
		{"whitespace-body", "  \r\n\t", "empty"},
		{"metrics-null", `{"metrics":null}`, "must be an array"},
		{"metrics-object", `{"metrics":{}}`, "must be an array"},
		{"metrics-number", `{"metrics":[1]}`, "object"},
		// one bad metric rejects the batch: the good ones before it stay out
		{"bad-last-of-three", `{"metrics":[{"name":"a","value":1},{"name":"b","value":2},{"name":"","value":3}]}`, "metrics[2]"},
		{"batch-1001", metricsN(1001), "batch too large"},
	}
	var cs []badCase
	for _, b := range bodies {
		cs = append(cs, badCase{name: "json/" + b.name, raw: post(b.body), status: 400, want: b.want})
	}
	// The same JSON errors in a chunked body: the framing is fine, so the
	// connection stays open.
	cs = append(cs,
		badCase{name: "json/chunked-nan", raw: chunked(chunks(`{"metrics":[{"name":`, `"cpu","value":NaN}]}`)), status: 400, want: "finite"},
		badCase{name: "json/chunked-truncated", raw: chunked(chunks(`{"metrics":[{"name":`, `"cpu","value":1}`)), status: 400, want: "end of json"},
	)

	big := "X-Pad: " + strings.Repeat("a", 9000) + "\r\n"
	framing := []badCase{
		{name: "framing/te-and-cl", raw: "POST /metrics HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /health HTTP/1.1\r\nHost: t\r\n\r\n", status: 400, want: "transfer-encoding together with content-length"},
		{name: "framing/cl-and-te", raw: "POST /metrics HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nContent-Length: 40\r\n\r\n0\r\n\r\nGET /health HTTP/1.1\r\nHost: t\r\n\r\n", status: 400, want: "transfer-encoding together with content-length"},
		{name: "framing/te-gzip", raw: "POST /metrics HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n", status: 501, want: "transfer-encoding"},
		{name: "framing/te-gzip-chunked", raw: "POST /metrics HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", status: 501, want: "transfer-encoding"},
		{name: "framing/te-twice", raw: "POST /metrics HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", status: 501, want: "transfer-encoding"},
		{name: "framing/te-http10", raw: "POST /metrics HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", status: 400, want: "http/1.0"},
		{name: "framing/chunk-size-bare-lf", raw: chunked("5\n{\"met\r\n0\r\n\r\n"), status: 400, want: "bare lf"},
		{name: "framing/chunk-size-not-hex", raw: chunked("zz\r\n"), status: 400, want: "chunk size"},
		{name: "framing/chunk-data-no-crlf", raw: chunked("2\r\n{}xx"), status: 400, want: "crlf"},
		{name: "framing/header-bare-lf", raw: "POST /metrics HTTP/1.1\nHost: t\nContent-Length: 2\n\n{}", status: 400, want: "bare lf"},
		{name: "framing/obs-fold", raw: "GET /health HTTP/1.1\r\nHost: t\r\nX-A: b\r\n c\r\n\r\n", status: 400, want: "folding"},
		{name: "framing/space-before-colon", raw: "GET /health HTTP/1.1\r\nHost : t\r\n\r\n", status: 400, want: "whitespace"},
		{name: "framing/nul-in-header", raw: "GET /health HTTP/1.1\r\nHost: t\r\nX-A: a\x00b\r\n\r\n", status: 400, want: "invalid byte"},
		{name: "framing/cl-not-digits", raw: "POST /metrics HTTP/1.1\r\nHost: t\r\nContent-Length: 1x\r\n\r\n", status: 400, want: "content-length"},
		{name: "framing/cl-negative", raw: "POST /metrics HTTP/1.1\r\nHost: t\r\nContent-Length: -1\r\n\r\n", status: 400, want: "content-length"},
		{name: "framing/cl-conflict", raw: "POST /metrics HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}", status: 400, want: "content-length"},
		{name: "framing/no-host", raw: "GET /health HTTP/1.1\r\n\r\n", status: 400, want: "host"},
		{name: "framing/two-authorizations", raw: "GET /health HTTP/1.1\r\nHost: t\r\nAuthorization: a\r\nAuthorization: b\r\n\r\n", status: 400, want: "authorization"},
		{name: "framing/bad-request-line", raw: "GET  /health HTTP/1.1\r\nHost: t\r\n\r\n", status: 400, want: "request"},
		{name: "framing/http-2.0", raw: "GET /health HTTP/2.0\r\nHost: t\r\n\r\n", status: 505, want: "version"},
		{name: "framing/expect-unknown", raw: "POST /metrics HTTP/1.1\r\nHost: t\r\nExpect: 200-ok\r\nContent-Length: 2\r\n\r\n{}", status: 417, want: "expect"},
		{name: "framing/body-over-limit-declared", raw: "POST /metrics HTTP/1.1\r\nHost: t\r\nContent-Length: 99999999\r\n\r\n{\"metrics\":[", status: 413, want: "body exceeds"},
		{name: "framing/body-over-limit-chunked", raw: chunked("FFFFFFF\r\n{\"metrics\":["), status: 413, want: "body exceeds"},
		{name: "framing/header-over-limit", raw: "GET /health HTTP/1.1\r\nHost: t\r\n" + big + "\r\n", status: 431, want: "header section exceeds"},
		{name: "framing/many-headers", raw: "GET /health HTTP/1.1\r\nHost: t\r\n" + strings.Repeat("X-A: 0123456789\r\n", 600) + "\r\n", status: 431, want: "header section exceeds"},
		{name: "framing/huge-authorization", raw: "POST /metrics HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + strings.Repeat("k", 64<<10) + "\r\nContent-Length: 2\r\n\r\n{}", status: 431, want: "header section exceeds"},
		{name: "framing/long-target", raw: "GET /" + strings.Repeat("p", 10000) + " HTTP/1.1\r\nHost: t\r\n\r\n", status: 431, want: "header section exceeds"},
	}
	for i := range framing {
		framing[i].close = true
	}
	cs = append(cs, framing...)

	cs = append(cs,
		badCase{name: "route/unknown-path", raw: request("GET", "/nonexistent", "", ""), status: 404, want: "no such path"},
		badCase{name: "route/post-unknown-path", raw: request("POST", "/metric", "bad", `{"metrics":[`+one+`}]}`), status: 404, want: "no such path"},
		badCase{name: "route/percent-encoded", raw: request("POST", "/m%65trics", "bad", `{"metrics":[`+one+`}]}`), status: 404, want: "no such path"},
		badCase{name: "route/delete-health", raw: request("DELETE", "/health", "", ""), status: 405, want: "not allowed", header: map[string]string{"Allow": "GET, HEAD"}},
		badCase{name: "route/post-health", raw: request("POST", "/health", "", `{"metrics":[`+one+`}]}`), status: 405, want: "not allowed", header: map[string]string{"Allow": "GET, HEAD"}},
		badCase{name: "route/put-metrics", raw: request("PUT", "/metrics", "bad", `{"metrics":[`+one+`}]}`), status: 405, want: "not allowed", header: map[string]string{"Allow": "GET, HEAD, POST"}},
		badCase{name: "route/delete-metrics", raw: request("DELETE", "/metrics", "", ""), status: 405, want: "not allowed", header: map[string]string{"Allow": "GET, HEAD, POST"}},
	)
	return cs
}

// readResponse reads one response; the body must be JSON.
func readResponse(br *bufio.Reader) (response, *http.Response, error) {
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return response{}, nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return response{}, nil, err
	}
	return response{resp.StatusCode, resp.Header, body}, resp, nil
}

// checkError checks r is an {"error": "..."} JSON body naming want.
func checkError(t *testing.T, r response, want string) {
	t.Helper()
	assert.Equal(t, "application/json", r.header.Get("Content-Type"), "Content-Type")
	var e map[string]string
	if err := json.Unmarshal(r.body, &e); err != nil || len(e) != 1 || e["error"] == "" {
		t.Fatalf("body %q is not {\"error\": \"...\"} (%v)", r.body, err)
	}
	msg := strings.ToLower(e["error"])
	for _, w := range strings.Split(want, "|") {
		if strings.Contains(msg, w) {
			return
		}
	}
	t.Errorf("error %q does not name the problem (want one of %q)", e["error"], want)
}

// expectClosed checks the server closed the connection after its answer:
// nothing more arrives, however long the client waits.
func expectClosed(t *testing.T, nc net.Conn, br *bufio.Reader) {
	t.Helper()
	nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := br.Read(make([]byte, 1))
	if n != 0 || err == nil {
		t.Fatalf("connection open after the answer (read %d bytes)", n)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("connection not closed within 10s of the answer")
	}
}

// TestBadInput sends every bad-input case to every variant: the right
// status, an {"error"} body naming the problem, the connection closed
// where the framing can no longer be trusted (and kept where it can), and
// not one line in the data file.
func TestBadInput(t *testing.T) {
	cases := badCases()
	if len(cases) < 40 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, spec := range specs() {
		t.Run("variant="+spec, func(t *testing.T) {
			t.Parallel()
			clock := newClock()
			// every case has a client id of its own, all from 127.0.0.1:
			// lift the cap on ids per address (TestIdentityFlood tests it)
			ts := start(t, spec, func(c *Config) { c.RateLimit, c.MaxIDsPerAddr, c.Now = 3, 1<<20, clock.Now })
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					c := dial(t, ts.addr)
					// a client id of its own, so the rate limit never answers first
					c.send(strings.Replace(tc.raw, "Authorization: bad\r\n", "Authorization: "+tc.name+"\r\n", 1))
					r, resp, err := readResponse(c.br)
					require.NoError(t, err, "no answer")
					require.Equal(t, tc.status, r.status, "status %d %s, want %d", r.status, r.body, tc.status)
					checkError(t, r, tc.want)
					for k, v := range tc.header {
						assert.Equal(t, v, r.header.Get(k), "%s", k)
					}
					if tc.close {
						assert.True(t, resp.Close, "no Connection: close")
						expectClosed(t, c.nc, c.br)
						return
					}
					// The framing was fine: the connection serves the next request.
					if r := c.do("GET", "/health", "", ""); r.status != 200 {
						t.Fatalf("next request on the connection = %d %s", r.status, r.body)
					}
				})
			}

			// Pipelined requests, bad ones among them, are answered in order.
			t.Run("pipelined", func(t *testing.T) {
				c := dial(t, ts.addr)
				c.send(post(`{"metrics":[]}`) + request("GET", "/nope", "", "") +
					request("POST", "/metrics", "pipe", `{"metrics":[{"name":"p1","value":1},{"name":"p2","value":2}]}`) +
					request("DELETE", "/metrics", "", "") + post(`{"metrics":[{"name":"x","value":NaN}]}`) +
					request("GET", "/health", "", ""))
				for i, w := range []int{400, 404, 200, 405, 400, 200} {
					if r := c.read(); r.status != w {
						t.Fatalf("response %d = %d %s, want %d", i, r.status, r.body, w)
					}
				}
			})

			// Rate limit: 3 per second per client, then 429 with Retry-After.
			t.Run("rate-limit", func(t *testing.T) {
				c := dial(t, ts.addr)
				for i := range 3 {
					if r := c.do("POST", "/metrics", "limited", `{"metrics":[{"name":"rl","value":1}]}`); r.status != 200 {
						t.Fatalf("request %d = %d %s", i, r.status, r.body)
					}
				}
				r := c.do("POST", "/metrics", "limited", `{"metrics":[{"name":"rl","value":1}]}`)
				if r.status != 429 || r.header.Get("Retry-After") == "" {
					t.Fatalf("4th request = %d Retry-After %q", r.status, r.header.Get("Retry-After"))
				}
				checkError(t, r, "rate limit exceeded")
			})

			// Client disconnects mid-body: nothing written, nothing acknowledged.
			t.Run("disconnect-mid-body", func(t *testing.T) {
				full := `{"metrics":[{"name":"half","value":1},{"name":"half2","value":2}]}`
				for _, raw := range []string{
					post(full)[:len(post(full))-10],
					chunked("10\r\n" + full[:16] + "\r\n"),
					chunked("10\r\n" + full[:16] + "\r\n" + "0\r\n"), // ends in the trailer section
				} {
					c := dial(t, ts.addr)
					c.send(raw)
					c.nc.Close()
				}
			})

			// Bodies over the limit are refused before they are read: the
			// server answers 413 and closes while the client is still sending.
			t.Run("huge-body-not-read", func(t *testing.T) {
				for _, head := range []string{
					"POST /metrics HTTP/1.1\r\nHost: t\r\nContent-Length: 1073741824\r\n\r\n",
					"POST /metrics HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n",
				} {
					hugeBodyRefused(t, ts.addr, head, strings.Contains(head, "chunked"))
				}
			})

			require.NoError(t, ts.stop())
			// Only the 3 admitted rate-limit requests and the 2 pipelined
			// metrics were acknowledged.
			ls := lines(t, ts.data)
			require.Equal(t, 5, len(ls), "file has %d lines, want the 5 acknowledged:\n%s", len(ls), strings.Join(ls, "\n"))
			for _, l := range ls {
				var m struct{ Name string }
				if json.Unmarshal([]byte(l), &m) != nil || (m.Name != "rl" && m.Name != "p1" && m.Name != "p2") {
					t.Fatalf("unexpected line %q", l)
				}
			}
		})
	}
}

// hugeSend is how much hugeBodyRefused tries to send: far more than the
// body limit (2 MiB) plus the linger drain (1 MiB) plus socket buffers.
const hugeSend = 256 << 20

// hugeBodyRefused sends head then keeps sending body bytes; the server must
// answer 413 and close before the client gets through hugeSend bytes.
func hugeBodyRefused(t *testing.T, addr, head string, isChunked bool) {
	t.Helper()
	c := dial(t, addr)
	c.send(head)
	sent := make(chan int64, 1)
	go func() {
		var n int64
		var buf []byte
		if isChunked {
			buf = []byte("ffff\r\n" + strings.Repeat(" ", 0xffff) + "\r\n")
		} else {
			buf = []byte(strings.Repeat(" ", 64<<10))
		}
		for n < hugeSend {
			k, err := c.nc.Write(buf)
			n += int64(k)
			if err != nil {
				break
			}
		}
		sent <- n
	}()
	r, resp, err := readResponse(c.br)
	require.NoError(t, err, "no answer to a huge body")
	if r.status != 413 || !resp.Close {
		t.Fatalf("huge body = %d %s (close %v), want 413 and close", r.status, r.body, resp.Close)
	}
	checkError(t, r, "body exceeds")
	n := <-sent
	if n >= hugeSend {
		t.Fatalf("the server read all %d bytes of a body over its limit", n)
	}
	t.Logf("connection closed after the client sent %.1f MiB of a %d MiB body", float64(n)/(1<<20), hugeSend>>20)
}

// blockingSink holds every Write until release is closed, and says when
// the first one started.
type blockingSink struct {
	failingSink
	entered chan struct{}
	release chan struct{}
	once    sync.Once
}

func newBlockingSink() *blockingSink {
	return &blockingSink{entered: make(chan struct{}), release: make(chan struct{})}
}

func (b *blockingSink) Write(p []byte) (int, error) {
	b.once.Do(func() { close(b.entered) })
	<-b.release
	return b.failingSink.Write(p)
}

// TestOverload: a full worker-pool queue (pool executor) and a full async
// writer queue each answer 503 with Retry-After, for every variant that
// has them; the refused batches never reach the file, the admitted ones do.
func TestOverload(t *testing.T) {
	for _, spec := range specs() {
		t.Run("variant="+spec, func(t *testing.T) {
			t.Parallel()
			set, err := variants.Parse(spec)
			require.NoError(t, err)
			if set["executor"] == "pool" {
				t.Run("pool-queue-full", func(t *testing.T) {
					// A worker is held by the sync writer's Write (a request
					// waiting for its body holds none: bodies are read first).
					held := variants.Set{}
					for k, v := range set {
						held[k] = v
					}
					held["writer"] = "sync"
					sink := newBlockingSink()
					ts := start(t, held.String(), func(c *Config) { c.Workers, c.Queue, c.Sink = 1, 1, sink })
					a := dial(t, ts.addr)
					a.send(request("POST", "/metrics", "a", `{"metrics":[{"name":"held","value":1}]}`))
					<-sink.entered
					eventually(t, hangLimit, "worker never busy", func() bool { return ts.Snapshot().Executor.Active == 1 })
					b := dial(t, ts.addr)
					b.send(request("POST", "/metrics", "b", `{"metrics":[{"name":"queued","value":1}]}`))
					eventually(t, hangLimit, "request never queued", func() bool { return ts.Snapshot().Executor.Queue == 1 })
					c := dial(t, ts.addr)
					c.send(request("POST", "/metrics", "c", `{"metrics":[{"name":"refused","value":1}]}`))
					r, resp, err := readResponse(c.br)
					if err != nil || r.status != 503 || r.header.Get("Retry-After") == "" || !resp.Close {
						t.Fatalf("request over a full pool = %d %s (%v)", r.status, r.body, err)
					}
					checkError(t, r, "worker queue full")
					expectClosed(t, c.nc, c.br)
					close(sink.release)
					if r := a.read(); r.status != 200 {
						t.Fatalf("held request = %d", r.status)
					}
					if r := b.read(); r.status != 200 {
						t.Fatalf("queued request = %d", r.status)
					}
					require.NoError(t, ts.stop())
					if got := sink.buf.String(); strings.Count(got, "\n") != 2 || strings.Contains(got, "refused") {
						t.Fatalf("sink %q, want the held and the queued metric", got)
					}
				})
			}
			if set["writer"] == "async" {
				t.Run("writer-queue-full", func(t *testing.T) {
					sink := newBlockingSink()
					ts := start(t, spec, func(c *Config) { c.Sink, c.WriterQueue = sink, 1 })
					c := dial(t, ts.addr)
					if r := postOne(c, "written"); r.status != 200 {
						t.Fatalf("first = %d", r.status)
					}
					<-sink.entered // the writer holds it, blocked in Write
					if r := postOne(c, "queued"); r.status != 200 {
						t.Fatalf("second = %d", r.status)
					}
					r := postOne(c, "refused")
					if r.status != 503 || r.header.Get("Retry-After") == "" {
						t.Fatalf("over a full writer queue = %d %s", r.status, r.body)
					}
					checkError(t, r, "writer queue full")
					close(sink.release)
					require.NoError(t, ts.stop())
					if got := sink.buf.String(); strings.Count(got, "\n") != 2 || strings.Contains(got, "refused") {
						t.Fatalf("sink %q, want the written and the queued metric", got)
					}
				})
			}
		})
	}
}
