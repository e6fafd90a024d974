package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"metricstream/internal/redistest"
	"metricstream/variants"
	"metricstream/variants/limiter"
	"metricstream/variants/writer"
)

// specs are every preset plus the variants no preset uses: the end-to-end
// suite runs against each.
func specs() []string {
	s := variants.PresetNames()
	return append(s, "lock=perclient", "limiter=bucket", "limiter=redis", "executor=thread") // thread: a seed design that keeps the contract
}

type testServer struct {
	*Server
	addr string
	data string
	set  variants.Set
	stop func() error // graceful shutdown; idempotent

	stopErrOK bool          // the test expects stop to fail and checks the error itself
	stopWait  time.Duration // Shutdown's deadline in stop (default 20s): how long the writer may retry held batches
}

// fixedClock is a settable clock for rate-limit tests.
type fixedClock struct{ ns atomic.Int64 }

func (c *fixedClock) Now() time.Time      { return time.Unix(0, c.ns.Load()) }
func (c *fixedClock) Add(d time.Duration) { c.ns.Add(int64(d)) }

func newClock() *fixedClock {
	c := &fixedClock{}
	c.ns.Store(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC).UnixNano())
	return c
}

// start runs a server for spec on 127.0.0.1 with a fresh data file, on
// the listener cmd/metricstream uses (Listen).
func start(t testing.TB, spec string, mod func(*Config)) *testServer {
	t.Helper()
	ln, err := Listen(context.Background(), "127.0.0.1:0")
	require.NoError(t, err)
	return startOn(t, ln, spec, mod)
}

// startOn is start on ln.
func startOn(t testing.TB, ln net.Listener, spec string, mod func(*Config)) *testServer {
	t.Helper()
	set, err := variants.Parse(spec)
	require.NoError(t, err)
	comp, err := ByName(set)
	require.NoError(t, err)
	data := filepath.Join(t.TempDir(), "metrics.jsonl")
	f, err := writer.Open(data, t.Logf)
	require.NoError(t, err)
	cfg := Config{Components: comp, Sink: f, RateLimit: 0, Workers: 4, Queue: 64}
	if set["limiter"] == "redis" {
		// a Redis of its own; the caller's clock, so tests' fixed clocks
		// script the limit as they do for the local limiters. A 2 s
		// timeout, not the server's 100 ms: under go test's parallel load on
		// a 2-core machine a Redis round trip has taken over 100 ms, and the
		// fail-closed 503 then stood in for the status a test expected.
		cfg.Redis = limiter.RedisConfig{Addr: redistest.Start(t).Addr, CallerClock: true, Timeout: 2 * time.Second}
	}
	if mod != nil {
		mod(&cfg)
	}
	if cfg.Sink != writer.Sink(f) {
		f.Close() // the test injected a sink of its own
	}
	s, err := New(cfg)
	if err != nil {
		ln.Close()
	}
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln) }()
	var once sync.Once
	var stopErr error
	ts := &testServer{Server: s, addr: ln.Addr().String(), data: data, set: set}
	ts.stop = func() error {
		once.Do(func() {
			wait := 20 * time.Second
			if ts.stopWait > 0 {
				wait = ts.stopWait
			}
			ctx, cancel := context.WithTimeout(context.Background(), wait)
			defer cancel()
			stopErr = s.Shutdown(ctx)
			if err := <-served; err != ErrServerClosed {
				stopErr = fmt.Errorf("Serve returned %v, want ErrServerClosed", err)
			}
		})
		return stopErr
	}
	t.Cleanup(func() {
		if err := ts.stop(); err != nil && !ts.stopErrOK {
			t.Errorf("shutdown: %v", err)
		}
	})
	return ts
}

// client is a raw keep-alive HTTP/1.1 connection.
type client struct {
	t  testing.TB
	nc net.Conn
	br *bufio.Reader
}

func dial(t testing.TB, addr string) *client {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	require.NoError(t, err)
	nc.SetDeadline(time.Now().Add(30 * time.Second))
	t.Cleanup(func() { nc.Close() })
	return &client{t: t, nc: nc, br: bufio.NewReader(nc)}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) errorMsg() string {
	var e struct{ Error string }
	json.Unmarshal(r.body, &e)
	return e.Error
}

func (c *client) send(raw string) {
	c.t.Helper()
	if _, err := io.WriteString(c.nc, raw); err != nil {
		c.t.Fatal(err)
	}
}

func (c *client) read() response {
	c.t.Helper()
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		c.t.Fatalf("reading response: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		c.t.Fatalf("reading body: %v", err)
	}
	return response{resp.StatusCode, resp.Header, body}
}

func (c *client) do(method, path, auth, body string) response {
	c.t.Helper()
	c.send(request(method, path, auth, body))
	return c.read()
}

func request(method, path, auth, body string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: test\r\n", method, path)
	if auth != "" {
		fmt.Fprintf(&b, "Authorization: %s\r\n", auth)
	}
	if body != "" || method == "POST" {
		fmt.Fprintf(&b, "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n")
	b.WriteString(body)
	return b.String()
}

func lines(t testing.TB, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	if len(b) == 0 {
		return nil
	}
	require.Equal(t, byte('\n'), b[len(b)-1], "data file ends in a partial line: %q", b[max(0, len(b)-80):])
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

const full = `{"metrics":[{"name":"cpu","value":75.5,"type":"gauge","timestamp":1732640000000,"tags":{"host":"a"}}]}`

// TestEndToEnd is the suite every preset must pass: the same answers, the
// same file, only the speed may differ.
func TestEndToEnd(t *testing.T) {
	for _, spec := range specs() {
		t.Run("variant="+spec, func(t *testing.T) {
			t.Parallel()
			clock := newClock()
			ts := start(t, spec, func(c *Config) { c.RateLimit = 10; c.Now = clock.Now })
			c := dial(t, ts.addr)

			t.Run("health", func(t *testing.T) {
				r := c.do("GET", "/health", "", "")
				require.Equal(t, 200, r.status, "GET /health = %d %s", r.status, r.body)
				var h struct {
					Status  string
					Variant map[string]string
				}
				require.NoError(t, json.Unmarshal(r.body, &h))
				if h.Status != "ok" || !variants.Set(h.Variant).Equal(ts.set) {
					t.Fatalf("health = %s, want status ok and variant %v", r.body, ts.set)
				}
			})

			t.Run("valid", func(t *testing.T) {
				r := c.do("POST", "/metrics", "valid", full)
				if r.status != 200 || string(bytes.TrimSpace(r.body)) != `{"accepted":1}` {
					t.Fatalf("POST = %d %s", r.status, r.body)
				}
				r = c.do("POST", "/metrics", "valid", `{"metrics":[{"name":"cpu","value":75},{"name":"mem","value":80}]}`)
				if r.status != 200 || string(bytes.TrimSpace(r.body)) != `{"accepted":2}` {
					t.Fatalf("POST 2 metrics = %d %s", r.status, r.body)
				}
			})

			t.Run("invalid", func(t *testing.T) {
				for _, tc := range []struct{ body, want string }{
					{`{"metrics":[{"name":"","value":75.5}]}`, "name"},
					{`{"metrics":[{"name":"cpu","value":NaN}]}`, "finite"},
					{`{"metrics":[{"name":"cpu","value":1e400}]}`, "finite"},
					{`{"metrics":[]}`, "empty"},
					{`{"metrics":[{"name":"cpu","value":"1"}]}`, "value"},
					{`{"metrics":[{"name":"cpu","value":1,"type":"bogus"}]}`, "type"},
					{`{"metrics":[{"name":"cpu","value":1}]}x`, ""},
					{``, ""},
				} {
					r := c.do("POST", "/metrics", "invalid", tc.body)
					if r.status != 400 || !strings.Contains(strings.ToLower(r.errorMsg()), tc.want) {
						t.Errorf("POST %q = %d %s, want 400 naming %q", tc.body, r.status, r.body, tc.want)
					}
				}
			})

			t.Run("routing", func(t *testing.T) {
				if r := c.do("GET", "/nonexistent", "", ""); r.status != 404 || r.errorMsg() == "" {
					t.Errorf("GET /nonexistent = %d %s", r.status, r.body)
				}
				if r := c.do("DELETE", "/health", "", ""); r.status != 405 || r.header.Get("Allow") != "GET, HEAD" {
					t.Errorf("DELETE /health = %d Allow %q", r.status, r.header.Get("Allow"))
				}
				if r := c.do("PUT", "/metrics", "", "x"); r.status != 405 || r.header.Get("Allow") != "GET, HEAD, POST" {
					t.Errorf("PUT /metrics = %d Allow %q", r.status, r.header.Get("Allow"))
				}
			})

			t.Run("ratelimit", func(t *testing.T) {
				// chapter 4: 15 requests in the same instant: 10 then 5 × 429
				var got []int
				for i := 0; i < 15; i++ {
					r := c.do("POST", "/metrics", "client1", `{"metrics":[{"name":"test","value":1}]}`)
					got = append(got, r.status)
					if r.status == 429 && r.header.Get("Retry-After") != "1" {
						t.Errorf("429 without Retry-After: 1: %v", r.header)
					}
				}
				want := "[200 200 200 200 200 200 200 200 200 200 429 429 429 429 429]"
				require.Equal(t, want, fmt.Sprint(got), "statuses = %v, want %s", got, want)
				// another client is not affected
				if r := c.do("POST", "/metrics", "client2", `{"metrics":[{"name":"test","value":1}]}`); r.status != 200 {
					t.Fatalf("client2 = %d", r.status)
				}
				// one second later the window has slid
				clock.Add(time.Second)
				if r := c.do("POST", "/metrics", "client1", `{"metrics":[{"name":"test","value":1}]}`); r.status != 200 {
					t.Fatalf("client1 after 1s = %d", r.status)
				}
			})

			t.Run("stats", func(t *testing.T) {
				r := c.do("GET", "/metrics", "", "")
				var st Stats
				if r.status != 200 || json.Unmarshal(r.body, &st) != nil {
					t.Fatalf("GET /metrics = %d %s", r.status, r.body)
				}
				assert.EqualValues(t, 3+10+1+1, st.MetricsAccepted, "metrics_accepted")
				if st.Clients.Clients["client1"].Rejected != 5 || st.Clients.Clients["client1"].Admitted != 11 {
					t.Errorf("client1 totals = %+v", st.Clients.Clients["client1"])
				}
				assert.EqualValues(t, 5, st.Requests.ByStatus["429"], "429 count")
			})

			require.NoError(t, ts.stop())
			ls := lines(t, ts.data)
			require.Equal(t, 15, len(ls), "file has %d lines, want 15:\n%s", len(ls), strings.Join(ls, "\n"))
			var first map[string]any
			require.NoError(t, json.Unmarshal([]byte(ls[0]), &first))
			want := map[string]any{"timestamp": 1732640000000.0, "name": "cpu", "value": 75.5, "type": "gauge", "tags": map[string]any{"host": "a"}}
			require.Equal(t, fmt.Sprint(want), fmt.Sprint(first), "first line = %v, want %v", first, want)
		})
	}
}

// TestShutdownLosesNothing: concurrent clients post while the server is
// stopped; every acknowledged metric is in the file, and nothing else.
func TestShutdownLosesNothing(t *testing.T) {
	for _, spec := range specs() {
		t.Run("variant="+spec, func(t *testing.T) {
			t.Parallel()
			ts := start(t, spec, nil)
			var acked atomic.Int64
			var wg sync.WaitGroup
			seen := make(chan struct{}, 1000)
			for g := 0; g < 20; g++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					nc, err := net.Dial("tcp", ts.addr)
					if err != nil {
						return
					}
					defer nc.Close()
					nc.SetDeadline(time.Now().Add(20 * time.Second))
					br := bufio.NewReader(nc)
					for i := 0; i < 200; i++ {
						body := fmt.Sprintf(`{"metrics":[{"name":"g%d.%d.a","value":1},{"name":"g%d.%d.b","value":2}]}`, g, i, g, i)
						if _, err := io.WriteString(nc, request("POST", "/metrics", fmt.Sprint("c", g), body)); err != nil {
							return
						}
						resp, err := http.ReadResponse(br, nil)
						if err != nil {
							return
						}
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						if resp.StatusCode == 200 {
							acked.Add(2)
							select {
							case seen <- struct{}{}:
							default:
							}
						}
						if resp.Close {
							return
						}
					}
				}()
			}
			for i := 0; i < 100; i++ { // stop in the middle of the load
				<-seen
			}
			require.NoError(t, ts.stop())
			wg.Wait()
			ls := lines(t, ts.data)
			require.Equal(t, acked.Load(), int64(len(ls)), "acknowledged %d metrics, file has %d lines", acked.Load(), len(ls))
			if got := ts.Accepted(); int64(got) != acked.Load() {
				t.Fatalf("server counted %d accepted, clients saw %d", got, acked.Load())
			}
			names := map[string]bool{}
			for _, l := range ls {
				var m struct{ Name string }
				require.NoError(t, json.Unmarshal([]byte(l), &m), "bad line %q", l)
				if names[m.Name] {
					t.Fatalf("duplicate line for %s", m.Name)
				}
				names[m.Name] = true
			}
		})
	}
}

// TestPipelining: requests sent in one write are answered in order.
func TestPipelining(t *testing.T) {
	for _, spec := range specs() {
		t.Run("variant="+spec, func(t *testing.T) {
			t.Parallel()
			ts := start(t, spec, nil)
			c := dial(t, ts.addr)
			c.send(request("GET", "/health", "", "") +
				request("POST", "/metrics", "p", `{"metrics":[{"name":"a","value":1}]}`) +
				request("GET", "/nope", "", "") +
				request("POST", "/metrics", "p", `{"metrics":[{"name":"b","value":2},{"name":"c","value":3}]}`))
			want := []int{200, 200, 404, 200}
			for i, w := range want {
				r := c.read()
				require.Equal(t, w, r.status, "response %d = %d %s, want %d", i, r.status, r.body, w)
				if i == 3 && !bytes.Contains(r.body, []byte(`"accepted":2`)) {
					t.Fatalf("last response %s", r.body)
				}
			}
		})
	}
}

// TestKeepAliveTrap: with ten idle keep-alive clients per worker, every
// client is still served (idle connections hold no worker).
func TestKeepAliveTrap(t *testing.T) {
	for _, ex := range []string{"executor=pool", "executor=spawn"} {
		t.Run("variant="+ex, func(t *testing.T) {
			ts := start(t, ex, func(c *Config) { c.Workers = 2; c.Queue = 64 })
			var cs []*client
			for i := 0; i < 20; i++ {
				c := dial(t, ts.addr)
				if r := c.do("POST", "/metrics", fmt.Sprint("k", i), `{"metrics":[{"name":"x","value":1}]}`); r.status != 200 {
					t.Fatalf("client %d first request = %d", i, r.status)
				}
				cs = append(cs, c) // stays open and idle
			}
			for i, c := range cs {
				if r := c.do("GET", "/health", "", ""); r.status != 200 {
					t.Fatalf("client %d second request = %d", i, r.status)
				}
			}
		})
	}
}

// TestHTTP10: HTTP/1.0 without keep-alive gets an answer and a close.
func TestHTTP10(t *testing.T) {
	ts := start(t, "optimized", nil)
	c := dial(t, ts.addr)
	c.send("GET /health HTTP/1.0\r\n\r\n")
	if r := c.read(); r.status != 200 {
		t.Fatalf("status %d", r.status)
	}
	if n, err := c.br.Read(make([]byte, 1)); n != 0 || err == nil {
		t.Fatalf("connection still open after HTTP/1.0 response")
	}
}

// TestFramingErrorsClose: a framing error is answered and the connection
// closed, so no smuggled request is served.
func TestFramingErrorsClose(t *testing.T) {
	ts := start(t, "optimized", nil)
	for _, tc := range []struct {
		raw    string
		status int
	}{
		{"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n", 400},
		{"POST /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
		{"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n", 413},
		{"GET /health HTTP/1.1\r\nHost: x\r\nX: " + strings.Repeat("a", 9000) + "\r\n\r\n", 431},
	} {
		c := dial(t, ts.addr)
		c.send(tc.raw)
		r := c.read()
		if r.status != tc.status || r.errorMsg() == "" {
			t.Errorf("%.40q = %d %s, want %d", tc.raw, r.status, r.body, tc.status)
		}
		if _, err := http.ReadResponse(c.br, nil); err == nil {
			t.Errorf("%.40q: a second response followed", tc.raw)
		}
	}
	if n := len(lines(t, ts.data)); n != 0 {
		t.Fatalf("rejected requests wrote %d lines", n)
	}
}

// failingSink fails every write while failing is set.
type failingSink struct {
	mu      sync.Mutex
	failing bool
	buf     bytes.Buffer
}

func (f *failingSink) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failing {
		return 0, fmt.Errorf("no space left on device")
	}
	return f.buf.Write(p)
}
func (f *failingSink) Sync() error  { return nil }
func (f *failingSink) Close() error { return nil }
func (f *failingSink) set(v bool)   { f.mu.Lock(); f.failing = v; f.mu.Unlock() }
