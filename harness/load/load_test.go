package load

import (
	"bufio"
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"metricstream/harness/internal/fakeserver"
	"metricstream/harness/sink"
)

func fake(t *testing.T, opt fakeserver.Options) string {
	t.Helper()
	s, err := fakeserver.Start(opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s.Addr()
}

func attack(t *testing.T, cfg Config) Summary {
	t.Helper()
	m := NewMetrics()
	d, err := Attack(context.Background(), cfg, m)
	if err != nil {
		t.Fatal(err)
	}
	return m.Summary(d)
}

// A server that stalls once for 200ms: the open model, timing from the
// intended send time, shows the stall in its upper percentiles; the closed
// model, whose one client simply waits, shows it in one request only.
func TestOpenLoopShowsStall(t *testing.T) {
	const stall = 200 * time.Millisecond
	open := attack(t, Config{Addr: fake(t, fakeserver.Options{StallOnce: stall, StallAt: 20}), Model: Open,
		Clients: 1, Rate: 500, Duration: 600 * time.Millisecond, KeepAlive: true})
	closed := attack(t, Config{Addr: fake(t, fakeserver.Options{StallOnce: stall, StallAt: 20}), Model: Closed,
		Clients: 1, Requests: 300, KeepAlive: true})

	if got := open.Counts.Total(); got != 300 {
		t.Fatalf("open: %d requests, want 300 (500/s for 0.6s)", got)
	}
	if open.Counts.Status2xx != 300 || closed.Counts.Status2xx != 300 {
		t.Fatalf("want all 2xx: open %+v closed %+v", open.Counts, closed.Counts)
	}
	// ~100 requests were due during the stall: ~1/3 of the run waited
	// between 200ms and 0, so p99 is close to the stall and p90 well above
	// any normal answer.
	if p99 := open.Histogram.ValueAtQuantile(99); p99 < int64(stall)*3/4 {
		t.Errorf("open p99 = %v, want >= %v: the stall must show", time.Duration(p99), stall*3/4)
	}
	if p90 := open.Histogram.ValueAtQuantile(90); p90 < int64(stall)/4 {
		t.Errorf("open p90 = %v, want >= %v", time.Duration(p90), stall/4)
	}
	if open.Counts.Late == 0 {
		t.Error("open: no late sends counted during a 200ms stall")
	}
	// The closed loop saw one slow request among 300: max shows it, p99 hides it.
	if mx := closed.Histogram.Max(); mx < int64(stall) {
		t.Errorf("closed max = %v, want >= %v", time.Duration(mx), stall)
	}
	if p99 := closed.Histogram.ValueAtQuantile(99); p99 >= int64(stall)/2 {
		t.Errorf("closed p99 = %v: want the closed loop to hide the stall (< %v)", time.Duration(p99), stall/2)
	}
	if closed.Counts.Late != 0 {
		t.Errorf("closed loop counted %d late sends", closed.Counts.Late)
	}
}

func TestClosedCountsAndAcks(t *testing.T) {
	for _, ka := range []bool{true, false} {
		s := attack(t, Config{Addr: fake(t, fakeserver.Options{RateLimit: 3}), Clients: 4, Requests: 5, Batch: 7, KeepAlive: ka, ClientPrefix: "c"})
		// 3 per client within the second pass, the other 2 get 429.
		if s.Counts.Status2xx != 12 || s.Counts.Status429 != 8 || s.Counts.Total() != 20 {
			t.Fatalf("keepalive=%v: counts %+v, want 12 2xx and 8 429", ka, s.Counts)
		}
		if s.Acked != 12*7 {
			t.Fatalf("keepalive=%v: acked %d, want %d", ka, s.Acked, 12*7)
		}
		if s.Histogram.TotalCount() != 20 {
			t.Fatalf("histogram holds %d values, want 20", s.Histogram.TotalCount())
		}
	}
}

func TestConnErrorAndTimeout(t *testing.T) {
	// Nothing listens: connection errors, not an aborted run.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	s := attack(t, Config{Addr: addr, Clients: 2, Requests: 2, Timeout: time.Second})
	if s.Counts.ConnError != 4 || s.Histogram.TotalCount() != 0 {
		t.Fatalf("counts %+v", s.Counts)
	}
	// A server that never answers: timeouts.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { <-done; c.Close() }()
		}
	}()
	s = attack(t, Config{Addr: ln.Addr().String(), Clients: 1, Requests: 1, Timeout: 50 * time.Millisecond})
	if s.Counts.Timeout != 1 {
		t.Fatalf("counts %+v, want 1 timeout", s.Counts)
	}
}

func TestReadResponseFraming(t *testing.T) {
	for _, tc := range []struct {
		name, resp string
		status     int
		accepted   int64
		closeAfter bool
	}{
		{"content-length", "HTTP/1.1 200 OK\r\nContent-Length: 14\r\n\r\n{\"accepted\":3}", 200, 3, false},
		{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"acc\r\n9\r\nepted\":4}\r\n0\r\n\r\n", 200, 4, false},
		{"close", "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\nContent-Length: 2\r\n\r\n{}", 503, 0, true},
		{"http/1.0", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n{}", 200, 5, true},
		{"to EOF", "HTTP/1.1 200 OK\r\n\r\n{\"accepted\": 9}", 200, 9, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &client{br: bufio.NewReader(strings.NewReader(tc.resp)), batch: 5}
			var r Result
			closeAfter, err := c.readResponse(&r)
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != tc.status || closeAfter != tc.closeAfter {
				t.Fatalf("status %d close %v, want %d %v", r.Status, closeAfter, tc.status, tc.closeAfter)
			}
			if tc.status == 200 {
				n := accepted(c.buf)
				if n < 0 {
					n = int64(c.batch)
				}
				if n != tc.accepted {
					t.Fatalf("accepted %d, want %d (body %q)", n, tc.accepted, c.buf)
				}
			}
		})
	}
	c := &client{br: bufio.NewReader(strings.NewReader("SSH-2.0-OpenSSH\r\n"))}
	if _, err := c.readResponse(&Result{}); err == nil {
		t.Fatal("accepted a non-HTTP answer")
	}
}

func TestAgainstSink(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go sink.Serve(ln)
	s := attack(t, Config{Addr: ln.Addr().String(), Clients: 3, Requests: 50, KeepAlive: true, Batch: 1000})
	if s.Counts.Status2xx != 150 || s.Acked != 150 {
		t.Fatalf("counts %+v acked %d", s.Counts, s.Acked)
	}
}

func TestValidate(t *testing.T) {
	for _, c := range []Config{
		{Clients: 1, Requests: 1},
		{Addr: "x:1", Requests: 1},
		{Addr: "x:1", Clients: 1},
		{Addr: "x:1", Clients: 1, Model: Open, Duration: time.Second},
		{Addr: "x:1", Clients: 1, Model: Open, Rate: 5},
		{Addr: "x:1", Clients: 1, Model: "half-open", Requests: 1},
	} {
		if err := c.Validate(); err == nil || !strings.HasPrefix(err.Error(), "load: ") {
			t.Errorf("%+v: err %v", c, err)
		}
	}
}
