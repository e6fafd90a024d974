package server

import (
	"bufio"
	"errors"
	"io"
	"net"
	"runtime"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// These tests pace raw-TCP writes (a slow client is one that writes
// slowly) with short timeouts in the server's config. They assert what
// happens (closed, no answer, nothing written, honest clients served), and
// bound every wait generously only to catch hangs; the latencies they log
// are figures, not assertions.

const (
	slowHeaderTimeout = 300 * time.Millisecond
	slowIdleTimeout   = 300 * time.Millisecond
	slowBodyTimeout   = 300 * time.Millisecond
	hangLimit         = 10 * time.Second // a wait longer than this is a hang
)

func slowConfig(c *Config) {
	c.HeaderTimeout = slowHeaderTimeout
	c.IdleTimeout = slowIdleTimeout
	c.BodyTimeout = slowBodyTimeout
}

// trickle writes raw one byte every gap until the server closes the
// connection or raw runs out; it returns when the server closed, measured
// from the first byte, and whatever the server sent.
func trickle(nc net.Conn, raw string, gap time.Duration) (time.Duration, []byte, error) {
	first := time.Now()
	closed := make(chan struct{})
	var got []byte
	var rerr error
	var closedAt time.Time
	go func() {
		defer close(closed)
		nc.SetReadDeadline(time.Now().Add(hangLimit))
		got, rerr = io.ReadAll(nc)
		closedAt = time.Now()
	}()
	t := time.NewTicker(gap)
	defer t.Stop()
	for i := 0; i < len(raw); i++ {
		if _, err := nc.Write([]byte{raw[i]}); err != nil {
			break
		}
		select {
		case <-closed:
			return closedAt.Sub(first), got, rerr
		case <-t.C:
		}
	}
	<-closed
	return closedAt.Sub(first), got, rerr
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// TestSlowloris: a header trickled a byte every 100ms is cut at the header
// timeout (counted from its first byte), unanswered, for both executors.
func TestSlowloris(t *testing.T) {
	for _, spec := range []string{"baseline", "optimized"} {
		t.Run("variant="+spec, func(t *testing.T) {
			ts := start(t, spec, slowConfig)
			nc := dial(t, ts.addr).nc
			d, got, err := trickle(nc, "POST /metrics HTTP/1.1\r\nHost: t\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n", 100*time.Millisecond)
			require.False(t, isTimeout(err), "not closed within %v", hangLimit)
			require.Zero(t, len(got), "slowloris got an answer: %q", got)
			if d < slowHeaderTimeout {
				t.Fatalf("closed after %v, before the header timeout %v", d, slowHeaderTimeout)
			}
			t.Logf("closed %v after its first byte (header timeout %v)", d.Round(time.Millisecond), slowHeaderTimeout)
		})
	}
}

// TestSlowlorisAfterKeepAlive: the header timeout still holds on a
// keep-alive connection whose earlier requests arrived whole (their heads
// were buffered, so no header deadline was set for them and the idle one
// was reused): a head trickled next is cut at the header timeout, not at
// the far longer idle timeout.
func TestSlowlorisAfterKeepAlive(t *testing.T) {
	for _, spec := range []string{"baseline", "optimized"} {
		t.Run("variant="+spec, func(t *testing.T) {
			ts := start(t, spec, func(c *Config) {
				slowConfig(c)
				c.IdleTimeout = 3 * hangLimit // a cut at the idle timeout shows as a hang
			})
			c := dial(t, ts.addr)
			for range 5 {
				require.Equal(t, 200, c.do("POST", "/metrics", "ka", `{"metrics":[{"name":"cpu","value":1}]}`).status)
			}
			d, got, err := trickle(c.nc, "POST /metrics HTTP/1.1\r\nHost: t\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n", 100*time.Millisecond)
			require.False(t, isTimeout(err), "not closed within %v: the header timeout did not apply", hangLimit)
			require.Zero(t, len(got), "slowloris got an answer: %q", got)
			require.GreaterOrEqual(t, d, slowHeaderTimeout, "closed before the header timeout")
			t.Logf("closed %v after its first byte (header timeout %v)", d.Round(time.Millisecond), slowHeaderTimeout)
		})
	}
}

// TestSlowBody: a body trickled after a prompt head is cut at the body
// timeout; nothing is written or acknowledged.
func TestSlowBody(t *testing.T) {
	for _, spec := range []string{"baseline", "optimized"} {
		t.Run("variant="+spec, func(t *testing.T) {
			ts := start(t, spec, slowConfig)
			c := dial(t, ts.addr)
			body := `{"metrics":[{"name":"slow","value":1}]}`
			raw := request("POST", "/metrics", "slow", body)
			c.send(raw[:len(raw)-len(body)])
			d, got, err := trickle(c.nc, body, 100*time.Millisecond)
			if isTimeout(err) || len(got) != 0 {
				t.Fatalf("slow body: got %q, err %v", got, err)
			}
			t.Logf("closed %v after the body's first byte (body timeout %v)", d.Round(time.Millisecond), slowBodyTimeout)
			require.NoError(t, ts.stop())
			if n := len(lines(t, ts.data)); n != 0 {
				t.Fatalf("%d lines written for a body that never arrived", n)
			}
		})
	}
}

// TestIdleTimeout: a keep-alive connection with no next request is closed
// at the idle timeout; one that never sends anything too.
func TestIdleTimeout(t *testing.T) {
	ts := start(t, "optimized", slowConfig)
	c := dial(t, ts.addr)
	if r := c.do("GET", "/health", "", ""); r.status != 200 {
		t.Fatal(r.status)
	}
	silent := dial(t, ts.addr)
	for name, cl := range map[string]*client{"after a request": c, "silent": silent} {
		t0 := time.Now()
		cl.nc.SetReadDeadline(time.Now().Add(hangLimit))
		n, err := cl.br.Read(make([]byte, 1))
		if n != 0 || err == nil || isTimeout(err) {
			t.Fatalf("%s: idle connection not closed (n %d, err %v)", name, n, err)
		}
		t.Logf("%s: closed within %v of waiting (idle timeout %v)", name, time.Since(t0).Round(time.Millisecond), slowIdleTimeout)
	}
}

// goroutines waits (bounded) for the goroutine count to fall to at most
// want and returns it.
func goroutines(want int) int {
	deadline := time.Now().Add(hangLimit)
	n := runtime.NumGoroutine()
	for n > want && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		n = runtime.NumGoroutine()
	}
	return n
}

// TestSlowFlood: 500 hostile connections (half idle, half slowloris) are
// all closed at their deadlines while an honest client on its own
// connection keeps getting 200s, with the pool executor's 4 workers too;
// after shutdown no goroutine is left behind.
func TestSlowFlood(t *testing.T) {
	const flood = 500
	for _, spec := range []string{"baseline", "optimized"} {
		t.Run("variant="+spec, func(t *testing.T) {
			base := runtime.NumGoroutine()
			ts := start(t, spec, func(c *Config) { slowConfig(c); c.Workers = 4; c.Queue = 16 })

			var wg sync.WaitGroup
			closedAfter := make([]time.Duration, flood)
			answered := make([]bool, flood)
			ready := make(chan struct{}, flood)
			for i := range flood {
				nc, err := net.DialTimeout("tcp", ts.addr, hangLimit)
				require.NoError(t, err)
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer nc.Close()
					if i%2 == 0 { // idle: connects, never sends
						t0 := time.Now()
						ready <- struct{}{}
						nc.SetReadDeadline(time.Now().Add(hangLimit))
						got, _ := io.ReadAll(nc)
						closedAfter[i], answered[i] = time.Since(t0), len(got) > 0
						return
					}
					ready <- struct{}{}
					d, got, _ := trickle(nc, "POST /metrics HTTP/1.1\r\nHost: t\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n", 100*time.Millisecond)
					closedAfter[i], answered[i] = d, len(got) > 0
				}()
			}
			for range flood {
				<-ready
			}

			// The honest client, meanwhile.
			honest := dial(t, ts.addr)
			br := bufio.NewReader(honest.nc)
			honest.br = br
			ok := 0
			done := make(chan struct{})
			go func() { wg.Wait(); close(done) }()
			for running := true; running; {
				select {
				case <-done:
					running = false
				default:
				}
				if r := honest.do("POST", "/metrics", "honest", `{"metrics":[{"name":"honest","value":1}]}`); r.status != 200 {
					t.Fatalf("honest client got %d %s during the flood", r.status, r.body)
				}
				ok++
			}
			for i, a := range answered {
				require.False(t, a, "hostile connection %d got an answer", i)
			}
			sorted := append([]time.Duration(nil), closedAfter...)
			sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
			worst := sorted[flood-1]
			if worst >= hangLimit {
				t.Fatalf("a hostile connection was not closed within %v", hangLimit)
			}
			t.Logf("%d hostile connections closed %v..%v (median %v) after connecting/first byte (timeouts %v); honest client: %d × 200 meanwhile",
				flood, sorted[0].Round(time.Millisecond), worst.Round(time.Millisecond), sorted[flood/2].Round(time.Millisecond), slowHeaderTimeout, ok)

			honest.nc.Close()
			require.NoError(t, ts.stop())
			if n := len(lines(t, ts.data)); n != ok {
				t.Fatalf("file has %d lines, honest client had %d acknowledged", n, ok)
			}
			// The janitor, the listener and every connection are gone (a
			// little slack for the runtime's own goroutines).
			if n := goroutines(base + 2); n > base+2 {
				buf := make([]byte, 1<<16)
				t.Fatalf("goroutines: %d before, %d after\n%s", base, n, buf[:runtime.Stack(buf, true)])
			}
		})
	}
}
