package experiment

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
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"metricstream/harness/launch"
	"metricstream/harness/results"
	"metricstream/harness/scenario"
)

// The seed-design experiments: one per-trial kind per seed
// design, run against the seed's design and the corrected variant alike.
// This file holds what they share (which arm a scenario applies to, the
// /health reader, a raw HTTP driver whose clients may share or renew
// their Authorization); each kind's runner is in seed_<kind>.go.

// seedApplies reports whether seed-design scenario sc runs on arm a: on
// the arm that runs the scenario's seed design, and on every arm that runs
// no seed design at all (the corrected variants beside it). An arm that
// runs another dimension's seed design is skipped: lock=naive's crash says
// nothing of metrics=spsc. Other kinds apply to every arm.
func seedApplies(sc *scenario.Scenario, a launch.Arm) bool {
	sk, ok := scenario.SeedKindOf(sc.Kind)
	if !ok {
		return true
	}
	return a.Set[sk.Dimension] == sk.Seed || (!a.Reference && !a.Set.SeedDesign())
}

// seedHealth is the part of GET /health the seed-design runners read.
type seedHealth struct {
	SeedDesign bool `json:"seed_design"`
	Process    struct {
		Threads  int   `json:"os_threads"`
		RSSBytes int64 `json:"rss_bytes"`
	} `json:"process"`
	Writer struct {
		QueueDepth int `json:"queue_depth"`
	} `json:"writer"`
	Seed *struct {
		Thread *struct {
			Threads int   `json:"threads"`
			Peak    int   `json:"peak"`
			OverCap int64 `json:"over_cap"`
		} `json:"thread"`
		SPSC *struct {
			Offered, Flushed, Lost, Torn, Overrun uint64
		} `json:"spsc"`
		Unbounded *struct {
			QueueDepth  int   `json:"queue_depth"`
			QueuedBytes int64 `json:"queued_bytes"`
			PeakBytes   int64 `json:"peak_bytes"`
		} `json:"unbounded"`
	} `json:"seed"`
}

var seedHTTP = &http.Client{Timeout: 5 * time.Second}

// getJSON GETs http://addr+path into v.
func getJSON(ctx context.Context, addr, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, "GET", "http://"+addr+path, nil)
	if err != nil {
		return err
	}
	resp, err := seedHTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

func readHealth(ctx context.Context, addr string) (seedHealth, error) {
	var h seedHealth
	return h, getJSON(ctx, addr, "/health", &h)
}

// exitWatch is what the process launcher's instances add (launch/seed.go).
type exitWatch interface {
	LogFile() string
	Exited() bool
}

func exited(inst launch.Instance) bool {
	w, ok := inst.(exitWatch)
	return ok && w.Exited()
}

// crashReason is the reason a crashed server's log gives: "concurrent map
// writes" (or reads) when the runtime says so, else its first "fatal
// error" or "panic:" line, else its exit.
func crashReason(inst launch.Instance) string {
	w, ok := inst.(exitWatch)
	if !ok {
		return "exited"
	}
	b, _ := os.ReadFile(w.LogFile())
	for _, s := range []string{"concurrent map writes", "concurrent map read and map write", "concurrent map iteration and map write"} {
		if bytes.Contains(b, []byte(s)) {
			return s
		}
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "fatal error:") || strings.HasPrefix(line, "panic:") {
			return strings.TrimSpace(line)
		}
	}
	return "exited without a fatal error in its log"
}

// driveOpts is one raw load: Clients goroutines, each on its own
// keep-alive connection, sending POST /metrics with Body for Duration
// (or PerClient requests), Authorization from Auth(client, seq).
type driveOpts struct {
	Addr      string
	Clients   int
	PerClient int           // requests per client; 0: until Duration
	Duration  time.Duration // bound on the whole load
	// Rate is the total requests/s over all clients, sent in bursts: every
	// client sends at start + k·Clients/Rate; 0: closed loop unpaced.
	Rate    float64
	Auth    func(client int, seq int64) string
	Body    []byte
	Timeout time.Duration
	// Stop is polled after a connection error: true ends the client (the
	// server has exited).
	Stop func() bool
}

// driveStats is what a raw load got.
type driveStats struct {
	mu       sync.Mutex
	hist     *hdrhistogram.Histogram
	counts   results.Counts
	acked    int64
	answered atomic.Int64 // 2xx and 429 answers
	dur      time.Duration
}

// drive runs o and returns its counts.
func drive(ctx context.Context, o driveOpts) *driveStats {
	ds := &driveStats{hist: results.NewHDR()}
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, o.Duration)
	defer cancel()
	start := time.Now()
	var every time.Duration
	if o.Rate > 0 {
		every = time.Duration(float64(o.Clients) / o.Rate * float64(time.Second))
	}
	var wg sync.WaitGroup
	for c := 0; c < o.Clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ds.client(ctx, o, c, start, every)
		}()
	}
	wg.Wait()
	ds.dur = time.Since(start)
	return ds
}

func (ds *driveStats) client(ctx context.Context, o driveOpts, c int, start time.Time, every time.Duration) {
	var conn net.Conn
	var br *bufio.Reader
	var req []byte
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	// paced clients all send at the same due times: bursts of Clients
	// requests, so that requests of one client id are in the server at
	// once (what a shared single-producer index cannot take)
	next := start
	for seq := int64(0); o.PerClient == 0 || seq < int64(o.PerClient); seq++ {
		if every > 0 {
			if d := time.Until(next); d > 0 {
				select {
				case <-ctx.Done():
					return
				case <-time.After(d):
				}
			}
			next = next.Add(every)
		}
		if ctx.Err() != nil {
			return
		}
		if conn == nil {
			var err error
			conn, err = (&net.Dialer{Timeout: o.Timeout}).DialContext(ctx, "tcp", o.Addr)
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				ds.add(func(cs *results.Counts) { cs.ConnError++ })
				if o.Stop != nil && o.Stop() {
					return
				}
				time.Sleep(10 * time.Millisecond)
				continue
			}
			br = bufio.NewReader(conn)
		}
		req = req[:0]
		req = append(req, "POST /metrics HTTP/1.1\r\nHost: lab\r\nContent-Type: application/json\r\nAuthorization: "...)
		req = append(req, o.Auth(c, seq)...)
		req = append(req, "\r\nContent-Length: "...)
		req = strconv.AppendInt(req, int64(len(o.Body)), 10)
		req = append(req, "\r\n\r\n"...)
		req = append(req, o.Body...)
		t0 := time.Now()
		_ = conn.SetDeadline(t0.Add(o.Timeout))
		code, n, err := roundTrip(conn, br, req)
		lat := time.Since(t0)
		if err != nil {
			conn.Close()
			conn = nil
			if ctx.Err() != nil {
				return
			}
			ds.add(func(cs *results.Counts) { cs.ConnError++ })
			if o.Stop != nil && o.Stop() {
				return
			}
			continue
		}
		ds.mu.Lock()
		_ = ds.hist.RecordValue(min(int64(lat), results.HDRHighest))
		switch {
		case code >= 200 && code < 300:
			ds.counts.Status2xx++
			ds.acked += n
		case code == 400:
			ds.counts.Status400++
		case code == 429:
			ds.counts.Status429++
		case code == 503:
			ds.counts.Status503++
		default:
			ds.counts.Other++
		}
		ds.mu.Unlock()
		if code == 429 || (code >= 200 && code < 300) {
			ds.answered.Add(1)
		}
	}
}

func (ds *driveStats) add(f func(*results.Counts)) {
	ds.mu.Lock()
	f(&ds.counts)
	ds.mu.Unlock()
}

// roundTrip writes req and reads one answer: its status and the
// "accepted" count of a 2xx body.
func roundTrip(conn net.Conn, br *bufio.Reader, req []byte) (int, int64, error) {
	if _, err := conn.Write(req); err != nil {
		return 0, 0, err
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return 0, 0, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return 0, 0, err
	}
	var n int64
	if resp.StatusCode/100 == 2 {
		var a struct {
			Accepted int64 `json:"accepted"`
		}
		if json.Unmarshal(body, &a) == nil {
			n = a.Accepted
		}
	}
	if resp.Close {
		return resp.StatusCode, n, fmt.Errorf("server closed the connection")
	}
	return resp.StatusCode, n, nil
}

// trial fills t's load fields from ds.
func (ds *driveStats) fill(t *results.Trial) {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	t.Counts, t.Acked, t.DurationNS = ds.counts, ds.acked, int64(ds.dur)
	if n := t.Counts.Total(); n > 0 {
		t.SuccessPct = 100 * float64(t.Counts.Status2xx) / float64(n)
	}
	if ds.dur > 0 {
		t.Throughput = float64(t.Counts.Status2xx) / ds.dur.Seconds()
	}
	t.Latency = results.LatencyOf(ds.hist)
	t.HDR, _ = results.EncodeHDR(ds.hist)
}

// seedTrial starts a seed-design trial's record (tr.rec) and returns it.
func seedTrial(tr *trial) *results.Trial {
	st := tr.step
	tr.rec = results.Trial{Model: "closed", Clients: st.Config.Clients, Requests: st.Config.Requests, Batch: max(1, st.Config.Batch),
		KeepAlive: true, Seed: &results.SeedStats{}}
	return &tr.rec
}

// every calls fn every d on a goroutine of its own until the returned stop
// is called; stop returns once fn is no longer running (the seed runners
// sample /health this way while their load runs).
func every(d time.Duration, fn func()) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(d)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				fn()
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}
