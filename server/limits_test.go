package server

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"metricstream/internal/http1"
)

// eventually polls cond every few milliseconds for at most limit: a bounded
// wait for state another goroutine changes, not a timed assertion.
func eventually(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", limit, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestMaxConns: MaxConns connections are served; the next one gets 503
// with Retry-After and is closed; once one closes, a new one is served.
func TestMaxConns(t *testing.T) {
	for _, spec := range []string{"baseline", "optimized"} {
		t.Run("variant="+spec, func(t *testing.T) {
			ts := start(t, spec, func(c *Config) { c.MaxConns = 3 })
			var cs []*client
			for i := range 3 {
				c := dial(t, ts.addr)
				if r := c.do("GET", "/health", "", ""); r.status != 200 {
					t.Fatalf("connection %d: %d", i, r.status)
				}
				cs = append(cs, c)
			}
			over := dial(t, ts.addr)
			r, resp, err := readResponse(over.br) // answered before it sends anything
			require.NoError(t, err)
			if r.status != 503 || r.header.Get("Retry-After") == "" || !resp.Close {
				t.Fatalf("connection over the cap = %d Retry-After %q close %v", r.status, r.header.Get("Retry-After"), resp.Close)
			}
			checkError(t, r, "too many open connections")
			expectClosed(t, over.nc, over.br)
			assert.EqualValues(t, 1, ts.Snapshot().Connections.Rejected, "connections rejected")
			cs[0].nc.Close()
			eventually(t, 10*time.Second, "closed connection still counted", func() bool { return ts.Snapshot().Connections.Open < 3 })
			if r := dial(t, ts.addr).do("GET", "/health", "", ""); r.status != 200 {
				t.Fatalf("after a slot freed: %d", r.status)
			}
		})
	}
}

// head builds a GET /health request whose head is exactly n bytes.
func head(n int) string {
	base := "GET /health HTTP/1.1\r\nHost: t\r\nX-Pad: \r\n\r\n"
	return strings.Replace(base, "X-Pad: ", "X-Pad: "+strings.Repeat("p", n-len(base)), 1)
}

// TestHeaderLimit: a head of exactly MaxHeaderBytes passes, one byte more
// gets 431 and a close; for a configured limit and for the default.
func TestHeaderLimit(t *testing.T) {
	for _, limit := range []int{512, http1.DefaultMaxHeaderBytes} {
		t.Run(fmt.Sprint("limit=", limit), func(t *testing.T) {
			ts := start(t, "optimized", func(c *Config) {
				if limit != http1.DefaultMaxHeaderBytes {
					c.Limits.MaxHeaderBytes = limit
				}
			})
			c := dial(t, ts.addr)
			if h := head(limit); len(h) != limit {
				t.Fatalf("head is %d bytes", len(h))
			}
			if r := c.do2(head(limit)); r.status != 200 {
				t.Fatalf("head of exactly %d bytes = %d %s", limit, r.status, r.body)
			}
			c.send(head(limit + 1))
			r, resp, err := readResponse(c.br)
			if err != nil || r.status != 431 || !resp.Close {
				t.Fatalf("head of %d bytes = %d %s (%v)", limit+1, r.status, r.body, err)
			}
			checkError(t, r, fmt.Sprint("exceeds ", limit, " bytes"))
			expectClosed(t, c.nc, c.br)
		})
	}
}

func (c *client) do2(raw string) response {
	c.t.Helper()
	c.send(raw)
	return c.read()
}

// paddedBatch is a valid one-metric body of exactly n bytes (JSON
// whitespace pads it).
func paddedBatch(n int) string {
	b := `{"metrics":[{"name":"edge","value":1}]}`
	return b + strings.Repeat(" ", n-len(b))
}

// TestBodyLimit: a body of exactly MaxBodyBytes is accepted, one byte more
// gets 413 and a close, framed by Content-Length or chunked.
func TestBodyLimit(t *testing.T) {
	const limit = 1024
	ts := start(t, "optimized", func(c *Config) { c.Limits.MaxBodyBytes = limit })
	for _, framing := range []string{"content-length", "chunked"} {
		t.Run(framing, func(t *testing.T) {
			frame := func(body string) string {
				if framing == "chunked" {
					return chunked(chunks(body[:300], body[300:]))
				}
				return request("POST", "/metrics", "edge", body)
			}
			c := dial(t, ts.addr)
			if r := c.do2(frame(paddedBatch(limit))); r.status != 200 {
				t.Fatalf("body of exactly %d bytes = %d %s", limit, r.status, r.body)
			}
			c.send(frame(paddedBatch(limit + 1)))
			r, resp, err := readResponse(c.br)
			if err != nil || r.status != 413 || !resp.Close {
				t.Fatalf("body of %d bytes = %d %s (%v)", limit+1, r.status, r.body, err)
			}
			checkError(t, r, "body exceeds 1024 bytes")
			expectClosed(t, c.nc, c.br)
		})
	}
	require.NoError(t, ts.stop())
	if n := len(lines(t, ts.data)); n != 2 {
		t.Fatalf("file has %d lines, want the 2 bodies at the limit", n)
	}
}

// TestLimiterCap: a flood of distinct Authorization values never makes the
// limiter track more than MaxClients; new clients beyond it get 503 with
// Retry-After (not a silent drop, not growth), and once the tracked ones
// are idle the janitor evicts them and new clients are served again.
func TestLimiterCap(t *testing.T) {
	const maxClients, flood = 64, 10000
	for _, lk := range []string{"global", "perclient", "pooled"} {
		t.Run("lock="+lk, func(t *testing.T) {
			t.Parallel()
			clock := newClock()
			ts := start(t, "lock="+lk, func(c *Config) { c.RateLimit = 5; c.MaxClients = maxClients; c.Now = clock.Now })
			c := dial(t, ts.addr)
			counts := map[int]int{}
			const burst = 500 // pipelined, to keep 10^4 requests quick
			for i := 0; i < flood; i += burst {
				var b strings.Builder
				for j := i; j < i+burst; j++ {
					b.WriteString(request("POST", "/metrics", fmt.Sprint("flood-", j), `{"metrics":[{"name":"f","value":1}]}`))
				}
				c.send(b.String())
				for range burst {
					r := c.read()
					counts[r.status]++
					if r.status == 503 && (r.header.Get("Retry-After") == "" || !strings.Contains(r.errorMsg(), "distinct clients")) {
						t.Fatalf("503 = %s Retry-After %q", r.body, r.header.Get("Retry-After"))
					}
				}
				if n := ts.limiter.Clients(); n > maxClients {
					t.Fatalf("limiter tracks %d clients, cap %d", n, maxClients)
				}
			}
			if counts[200] != maxClients || counts[503] != flood-maxClients {
				t.Fatalf("statuses %v, want %d × 200 and the rest 503", counts, maxClients)
			}
			// Idle for 11s (clock): the janitor (every second, real time) evicts them.
			clock.Add(11 * time.Second)
			eventually(t, 10*time.Second, "idle clients not evicted", func() bool { return ts.limiter.Clients() == 0 })
			// the janitor counts its evictions just after it makes them
			eventually(t, 5*time.Second, "evictions not counted", func() bool { return ts.Snapshot().Limiter.Evicted >= maxClients })
			assert.EqualValues(t, maxClients, ts.Snapshot().Limiter.Evicted, "evicted")
			if r := c.do("POST", "/metrics", "newcomer", `{"metrics":[{"name":"f","value":1}]}`); r.status != 200 {
				t.Fatalf("new client after eviction = %d %s", r.status, r.body)
			}
			require.NoError(t, ts.stop())
			if n := len(lines(t, ts.data)); n != maxClients+1 {
				t.Fatalf("file has %d lines, want %d", n, maxClients+1)
			}
		})
	}
}
