package server

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// Hostile clients that stall after their head: they must cost a
// deadline on their own connection's goroutine, never a worker, so that an
// honest client beside them is served at once, with the pool's 2 workers
// as with a goroutine per connection.

const (
	hostileBodyTimeout = 500 * time.Millisecond
	hostileFlood       = 64             // connections of each kind
	honestRequests     = 20             // requests of the honest client
	honestDeadline     = time.Second    // each must be answered within it
	closeSlack         = time.Second    // stallers closed by body timeout + this
	stallDeclared      = 4000           // the stallers' declared Content-Length
	stallSent          = `{"metrics":[` // the slow-body stallers' 10 (here 12) bytes
)

// staller sends head (and, for the slow-body kind, a few body bytes), then
// nothing; it reports what the server sent and how long after it began
// sending its last bytes the server closed.
type stalled struct {
	got    []byte
	closed time.Duration
	err    error
}

func stall(addr, raw string, ready chan<- struct{}) stalled {
	nc, err := net.DialTimeout("tcp", addr, hangLimit)
	if err != nil {
		ready <- struct{}{}
		return stalled{err: err}
	}
	defer nc.Close()
	sent := time.Now() // before the write: the server's deadline starts after it
	if _, err := io.WriteString(nc, raw); err != nil {
		ready <- struct{}{}
		return stalled{err: err}
	}
	ready <- struct{}{}
	nc.SetReadDeadline(time.Now().Add(hangLimit))
	got, err := io.ReadAll(nc)
	return stalled{got: got, closed: time.Since(sent), err: err}
}

func stallerHead(expect bool) string {
	h := "POST /metrics HTTP/1.1\r\nHost: t\r\nAuthorization: staller\r\nContent-Length: " + fmt.Sprint(stallDeclared) + "\r\n"
	if expect {
		return h + "Expect: 100-continue\r\n\r\n"
	}
	return h + "\r\n" + stallSent
}

// TestHostileFloods: 64 slow-body and 64 silent-expect connections beside
// an honest keep-alive client, with 2 workers, for spawn (baseline) and
// pool (optimized): the honest client gets 20 of 20 answers, each within
// 1 s (executor=thread, a seed design keeping the contract, too); every
// staller is closed at the body timeout (not before, at most 1 s
// after), unanswered (the silent-expect ones got only their 100 Continue);
// nothing of theirs reaches the file.
func TestHostileFloods(t *testing.T) {
	for _, spec := range []string{"baseline", "optimized", "executor=thread"} {
		t.Run("variant="+spec, func(t *testing.T) {
			ts := start(t, spec, func(c *Config) {
				c.Workers, c.Queue = 2, 16
				c.BodyTimeout = hostileBodyTimeout
			})
			honest := dial(t, ts.addr)
			if r := honest.do("GET", "/health", "", ""); r.status != 200 { // connected before the flood
				t.Fatalf("health = %d", r.status)
			}

			results := make([]stalled, 2*hostileFlood)
			ready := make(chan struct{}, 2*hostileFlood)
			var wg sync.WaitGroup
			for i := range results {
				wg.Add(1)
				go func() {
					defer wg.Done()
					results[i] = stall(ts.addr, stallerHead(i%2 == 1), ready)
				}()
			}
			for range results {
				<-ready
			}

			var took []time.Duration
			for i := range honestRequests {
				t0 := time.Now()
				honest.nc.SetDeadline(t0.Add(honestDeadline))
				honest.send(request("POST", "/metrics", "honest", fmt.Sprintf(`{"metrics":[{"name":"honest.%d","value":1}]}`, i)))
				resp, err := http.ReadResponse(honest.br, nil)
				if err != nil {
					t.Fatalf("honest request %d of %d: no answer within %v: %v", i+1, honestRequests, honestDeadline, err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Fatalf("honest request %d = %d", i+1, resp.StatusCode)
				}
				took = append(took, time.Since(t0))
			}
			wg.Wait()

			var closed []time.Duration
			for i, r := range results {
				kind, want := "slow-body", ""
				if i%2 == 1 {
					kind, want = "silent-expect", "HTTP/1.1 100 Continue\r\n\r\n"
				}
				if r.err != nil {
					t.Fatalf("%s staller %d: %v (got %q)", kind, i, r.err, r.got)
				}
				if string(r.got) != want {
					t.Fatalf("%s staller %d got %q, want %q", kind, i, r.got, want)
				}
				if r.closed < hostileBodyTimeout || r.closed > hostileBodyTimeout+closeSlack {
					t.Fatalf("%s staller %d closed %v after its last byte, want within [%v, %v]",
						kind, i, r.closed, hostileBodyTimeout, hostileBodyTimeout+closeSlack)
				}
				closed = append(closed, r.closed)
			}
			sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
			sort.Slice(closed, func(i, j int) bool { return closed[i] < closed[j] })
			t.Logf("honest: %d/%d answered, median %v, max %v; %d stallers closed %v..%v after their last byte (body timeout %v)",
				len(took), honestRequests, took[len(took)/2].Round(time.Microsecond), took[len(took)-1].Round(time.Microsecond),
				len(closed), closed[0].Round(time.Millisecond), closed[len(closed)-1].Round(time.Millisecond), hostileBodyTimeout)

			honest.nc.Close()
			if err := ts.stop(); err != nil {
				t.Fatal(err)
			}
			if ls := lines(t, ts.data); len(ls) != honestRequests || strings.Contains(strings.Join(ls, ""), "staller") {
				t.Fatalf("file has %d lines, want the honest client's %d", len(ls), honestRequests)
			}
		})
	}
}

// expectHead is a POST head with "Expect: 100-continue" and no body yet.
func expectHead(path, auth string, length int) string {
	return fmt.Sprintf("POST %s HTTP/1.1\r\nHost: t\r\nAuthorization: %s\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n", path, auth, length)
}

// TestExpectContinue: "100 Continue" goes out only once the request has
// been routed and passed the rate limit and the length check; a request
// that will be refused gets its final status at once, without a 100, and
// the connection is closed without the body being asked for.
func TestExpectContinue(t *testing.T) {
	const body = `{"metrics":[{"name":"expect","value":1}]}`
	for _, spec := range []string{"baseline", "optimized"} {
		t.Run("variant="+spec, func(t *testing.T) {
			clock := newClock()
			ts := start(t, spec, func(c *Config) { c.RateLimit, c.Now = 1, clock.Now })

			// Admitted: 100, then the body, then 200 on the same connection.
			c := dial(t, ts.addr)
			c.send(expectHead("/metrics", "a", len(body)))
			if r := c.read(); r.status != 100 {
				t.Fatalf("admitted request: first answer %d %s, want 100", r.status, r.body)
			}
			c.send(body)
			if r := c.read(); r.status != 200 {
				t.Fatalf("admitted request = %d %s", r.status, r.body)
			}

			for _, tc := range []struct {
				name, head string
				status     int
				want       string
			}{
				{"404", expectHead("/nope", "b", len(body)), 404, "no such path"},
				{"405", strings.Replace(expectHead("/health", "b", len(body)), "POST", "PUT", 1), 405, "not allowed"},
				{"413", expectHead("/metrics", "b", 3<<20), 413, "body exceeds"},
				{"429", expectHead("/metrics", "a", len(body)), 429, "rate limit"}, // a's 1 request this second is spent
			} {
				c := dial(t, ts.addr)
				c.send(tc.head)
				r, resp, err := readResponse(c.br)
				if err != nil || r.status != tc.status || !resp.Close {
					t.Fatalf("%s: first answer %d %s (close %v, err %v), want a final %d with Connection: close",
						tc.name, r.status, r.body, resp != nil && resp.Close, err, tc.status)
				}
				checkError(t, r, tc.want)
				expectClosed(t, c.nc, c.br)
			}
			if err := ts.stop(); err != nil {
				t.Fatal(err)
			}
			if ls := lines(t, ts.data); len(ls) != 1 {
				t.Fatalf("file has %d lines, want the admitted request's 1", len(ls))
			}
		})
	}
}

// TestHead: HEAD on every GET route answers GET's status and headers,
// Content-Length included, and no content; pipelined with GETs on one
// connection, every response is framed right. 405s list HEAD wherever GET
// is allowed. Every response carries a Date.
func TestHead(t *testing.T) {
	for _, spec := range specs() {
		t.Run("variant="+spec, func(t *testing.T) {
			t.Parallel()
			clock := newClock()
			ts := start(t, spec, func(c *Config) { c.Now = clock.Now })
			c := dial(t, ts.addr)
			c.send(request("HEAD", "/health", "", "") + request("GET", "/health", "", "") +
				request("HEAD", "/metrics", "", "") + request("HEAD", "/nope", "", "") +
				request("GET", "/health", "", "") + request("DELETE", "/health", "", ""))
			readAs := func(method string) (*http.Response, []byte) {
				t.Helper()
				resp, err := http.ReadResponse(c.br, &http.Request{Method: method})
				if err != nil {
					t.Fatalf("%s: %v", method, err)
				}
				b, err := io.ReadAll(resp.Body)
				if err != nil {
					t.Fatalf("%s body: %v", method, err)
				}
				resp.Body.Close()
				return resp, b
			}
			headHealth, _ := readAs("HEAD")
			getHealth, body := readAs("GET")
			headMetrics, _ := readAs("HEAD")
			headNope, _ := readAs("HEAD")
			getHealth2, _ := readAs("GET")
			del, _ := readAs("DELETE")
			if headHealth.StatusCode != 200 || getHealth.StatusCode != 200 || getHealth2.StatusCode != 200 {
				t.Fatalf("HEAD /health %d, GET /health %d, %d", headHealth.StatusCode, getHealth.StatusCode, getHealth2.StatusCode)
			}
			// /health reports live process figures (goroutines, RSS, CPU
			// time), so the GET that follows the HEAD may be a digit or two
			// longer or shorter; the framing itself is checked exactly by
			// reading every pipelined response after it.
			if d := headHealth.ContentLength - int64(len(body)); headHealth.ContentLength <= 0 || d < -8 || d > 8 ||
				headHealth.Header.Get("Content-Type") != getHealth.Header.Get("Content-Type") {
				t.Fatalf("HEAD /health: Content-Length %d, type %q; GET: %d bytes, type %q",
					headHealth.ContentLength, headHealth.Header.Get("Content-Type"), len(body), getHealth.Header.Get("Content-Type"))
			}
			if headMetrics.StatusCode != 200 || headMetrics.ContentLength <= 0 {
				t.Fatalf("HEAD /metrics = %d, Content-Length %d", headMetrics.StatusCode, headMetrics.ContentLength)
			}
			if headNope.StatusCode != 404 {
				t.Fatalf("HEAD /nope = %d", headNope.StatusCode)
			}
			if del.StatusCode != 405 || del.Header.Get("Allow") != "GET, HEAD" {
				t.Fatalf("DELETE /health = %d, Allow %q", del.StatusCode, del.Header.Get("Allow"))
			}
			for i, r := range []*http.Response{headHealth, getHealth, headMetrics, headNope, getHealth2, del} {
				d, err := http.ParseTime(r.Header.Get("Date"))
				if err != nil || !d.Equal(clock.Now().Truncate(time.Second)) {
					t.Fatalf("response %d: Date %q (%v), want %v", i, r.Header.Get("Date"), err, clock.Now().UTC().Format(http.TimeFormat))
				}
			}
			// The raw bytes: the HEAD answer ends at its header section.
			raw := dial(t, ts.addr)
			raw.send(request("HEAD", "/health", "", "") + request("GET", "/nope", "", ""))
			tp := bufio.NewReader(raw.nc)
			for {
				l, err := tp.ReadString('\n')
				if err != nil {
					t.Fatal(err)
				}
				if l == "\r\n" {
					break
				}
			}
			if next, err := tp.Peek(len("HTTP/1.1 404")); err != nil || string(next) != "HTTP/1.1 404" {
				t.Fatalf("after the HEAD answer's headers came %q (%v), want the next response", next, err)
			}
		})
	}
}

// TestBodyBuffer: the bytes of bodies being received are bounded across
// connections. With a 256 KiB budget, one connection that sent 200 KiB of
// a 1 MiB body and stalled holds 252 KiB of it; a 20 KiB body on another
// connection then gets 503 with Retry-After and a close, while a small
// body (within each connection's free 4 KiB) is still served; once the
// staller is gone its bytes are given back and the 20 KiB body passes.
func TestBodyBuffer(t *testing.T) {
	for _, spec := range []string{"baseline", "optimized"} {
		t.Run("variant="+spec, func(t *testing.T) {
			ts := start(t, spec, func(c *Config) {
				c.BodyBuffer = 256 << 10
				c.BodyTimeout = hangLimit
			})
			staller := dial(t, ts.addr)
			staller.send("POST /metrics HTTP/1.1\r\nHost: t\r\nContent-Length: 1048576\r\n\r\n" + strings.Repeat(" ", 200<<10))
			eventually(t, hangLimit, "staller's body never buffered", func() bool { return ts.Snapshot().BodyBuffer.Used == 252<<10 })

			mid := `{"metrics":[{"name":"mid","value":1}]}` + strings.Repeat(" ", 20<<10)
			c := dial(t, ts.addr)
			c.send(request("POST", "/metrics", "mid", mid))
			r, resp, err := readResponse(c.br)
			if err != nil || r.status != 503 || r.header.Get("Retry-After") == "" || !resp.Close {
				t.Fatalf("20 KiB body over a spent budget = %d %s (%v), want 503, Retry-After, close", r.status, r.body, err)
			}
			checkError(t, r, "request bodies being received")

			small := dial(t, ts.addr)
			if r := small.do("POST", "/metrics", "small", `{"metrics":[{"name":"small","value":1}]}`); r.status != 200 {
				t.Fatalf("small body over a spent budget = %d %s", r.status, r.body)
			}

			staller.nc.Close()
			eventually(t, hangLimit, "staller's bytes never given back", func() bool { return ts.Snapshot().BodyBuffer.Used == 0 })
			c = dial(t, ts.addr)
			if r := c.do("POST", "/metrics", "mid", mid); r.status != 200 {
				t.Fatalf("20 KiB body after the staller left = %d %s", r.status, r.body)
			}
			if used := ts.Snapshot().BodyBuffer.Used; used != 0 {
				t.Fatalf("%d bytes still taken after the request was answered", used)
			}
		})
	}
}
