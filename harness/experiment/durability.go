package experiment

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
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

// Durability experiments (scenario kinds "shutdown" and "crash"): load a
// server with metrics that each carry a unique name, stop it at a random
// point of the load (SIGTERM, or SIGKILL for a crash), restart it on the
// same data file, stop it cleanly, and count the acknowledged metrics that
// are missing from the file. One trial is one such cycle, so the report
// shows each variant's loss next to its latency, per fsync policy.

// killer is implemented by instances the harness can SIGKILL.
type killer interface {
	Kill() error
}

// durabilityTrial runs one load → stop → restart → check cycle of sc's step
// st for arm a. The returned step describes a problem the cycle found (a
// restart that failed, a file left unreadable, acknowledged metrics lost on
// a graceful stop), or is nil.
func durabilityTrial(ctx context.Context, cfg Config, a *armState, sc *scenario.Scenario, st scenario.Step, id string, rng *rand.Rand) (results.Trial, *results.Step) {
	dir := filepath.Join(cfg.Dir, "servers")
	data := filepath.Join(dir, "durability-"+launch.SafeName(id)+".jsonl")
	flags := append(sc.Server.Flags(), "-data", data) // the last -data wins over the launcher's own
	if st.Fsync != "" {
		flags = append(flags, "-fsync", st.Fsync)
	}
	t := results.Trial{Model: "closed", Clients: st.Config.Clients, Batch: st.Config.Batch, KeepAlive: true, Kind: sc.Kind}
	problem := func(format string, args ...any) *results.Step {
		return &results.Step{Name: sc.Kind + " " + st.Name + " (" + id + ")", Detail: fmt.Sprintf(format, args...)}
	}
	inst, err := cfg.Launcher.Start(ctx, a.Arm, flags, dir)
	if err != nil {
		return t, problem("start: %v", err)
	}

	// Load, then stop at a random point between 30% and 70% of the duration.
	d := &durDriver{addr: inst.Addr(), batch: st.Config.Batch, id: id, timeout: st.Config.Timeout}
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	d.start(lctx, st.Config.Clients)
	at := time.Duration(float64(st.Config.Duration) * (0.3 + 0.4*rng.Float64()))
	select {
	case <-time.After(at):
	case <-ctx.Done():
	}
	d.stopping.Store(true)
	t.Start, t.DurationNS = d.began, int64(time.Since(d.began))
	var stopErr error
	code := 0
	if sc.Kind == "crash" {
		k, ok := inst.(killer)
		if !ok {
			cancel()
			d.wait()
			_, _ = inst.Stop(ctx)
			return t, problem("this launcher cannot SIGKILL its servers")
		}
		stopErr = k.Kill()
	} else {
		code, stopErr = inst.Stop(ctx)
	}
	cancel()
	d.wait()
	d.fill(&t)

	var found *results.Step
	if sc.Kind == "shutdown" && (stopErr != nil || code != 0) {
		found = problem("graceful stop under load: exit code %d, %v", code, stopErr)
	}
	if torn, err := tornTail(data); err == nil && torn {
		t.Torn = 1
	}

	// Restart on the same file: it must come up (repairing a torn line) and
	// stop cleanly.
	inst2, err := cfg.Launcher.Start(ctx, a.Arm, flags, dir)
	if err != nil {
		return t, problem("restart on the crashed file: %v", err)
	}
	code, err = inst2.Stop(ctx)
	t.RestartOK = err == nil && code == 0
	if !t.RestartOK {
		found = problem("restart: stop gave exit code %d, %v", code, err)
	}
	present, partial, err := readNames(data, id)
	if err != nil || partial > 0 {
		return t, problem("after restart the file is not whole: %d partial lines, %v", partial, err)
	}
	t.Lost = d.lost(present)
	if sc.Kind == "shutdown" && t.Lost > 0 && found == nil {
		found = problem("SIGTERM lost %d acknowledged metrics", t.Lost)
	}
	if !cfg.KeepData && found == nil {
		_ = os.Remove(data)
	}
	return t, found
}

// durDriver is a closed-loop keep-alive load whose every metric has a
// unique name "<id>.<client>.<seq>.<i>", remembering which requests were
// acknowledged.
type durDriver struct {
	addr, id string
	batch    int
	timeout  time.Duration

	began    time.Time
	stopping atomic.Bool // outcomes after the stop signal are not counted
	wg       sync.WaitGroup

	mu     sync.Mutex
	acked  map[[2]int]bool // (client, seq) answered 2xx; guarded by mu
	counts results.Counts  // guarded by mu
	hist   *hdrhistogram.Histogram
}

func (d *durDriver) start(ctx context.Context, clients int) {
	if d.timeout <= 0 {
		d.timeout = 5 * time.Second
	}
	d.acked = map[[2]int]bool{}
	d.hist = results.NewHDR()
	d.began = time.Now()
	for c := 0; c < clients; c++ {
		d.wg.Add(1)
		go d.client(ctx, c)
	}
}

func (d *durDriver) wait() { d.wg.Wait() }

func (d *durDriver) client(ctx context.Context, c int) {
	defer d.wg.Done()
	var conn net.Conn
	var br *bufio.Reader
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	var body, req []byte
	for seq := 0; ctx.Err() == nil; seq++ {
		if conn == nil {
			var err error
			conn, err = (&net.Dialer{Timeout: time.Second}).DialContext(ctx, "tcp", d.addr)
			if err != nil {
				d.outcome(0, 0, false, err)
				select { // the server is gone (stopped) or refusing: back off
				case <-ctx.Done():
				case <-time.After(5 * time.Millisecond):
				}
				continue
			}
			br = bufio.NewReader(conn)
		}
		body = append(body[:0], `{"metrics":[`...)
		for i := 0; i < d.batch; i++ {
			if i > 0 {
				body = append(body, ',')
			}
			body = fmt.Appendf(body, `{"name":"%s.%d.%d.%d","value":%d}`, d.id, c, seq, i, i)
		}
		body = append(body, "]}"...)
		req = fmt.Appendf(req[:0], "POST /metrics HTTP/1.1\r\nHost: lab\r\nAuthorization: durability-%d\r\nContent-Length: %d\r\n\r\n%s", c, len(body), body)
		conn.SetDeadline(time.Now().Add(d.timeout))
		start := time.Now()
		status, closeAfter, err := roundTrip(conn, br, req)
		d.outcome(status, time.Since(start), status == 200, err)
		if status == 200 {
			d.mu.Lock()
			d.acked[[2]int{c, seq}] = true
			d.mu.Unlock()
		}
		if err != nil || closeAfter {
			conn.Close()
			conn = nil
		}
	}
}

func roundTrip(conn net.Conn, br *bufio.Reader, req []byte) (status int, closeAfter bool, err error) {
	if _, err := conn.Write(req); err != nil {
		return 0, true, err
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return 0, true, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, resp.Close, err
}

// outcome counts one request, unless it ended after the stop signal (an
// error then is the experiment's doing, not the server's).
func (d *durDriver) outcome(status int, lat time.Duration, ok bool, err error) {
	if d.stopping.Load() {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	var ne net.Error
	switch {
	case err != nil && errors.As(err, &ne) && ne.Timeout():
		d.counts.Timeout++
	case err != nil:
		d.counts.ConnError++
	case status >= 200 && status < 300:
		d.counts.Status2xx++
	case status == 400:
		d.counts.Status400++
	case status == 429:
		d.counts.Status429++
	case status == 503:
		d.counts.Status503++
	default:
		d.counts.Other++
	}
	if ok {
		_ = d.hist.RecordValue(lat.Nanoseconds())
	}
}

func (d *durDriver) fill(t *results.Trial) {
	d.mu.Lock()
	defer d.mu.Unlock()
	t.Counts = d.counts
	t.Acked = int64(len(d.acked) * d.batch)
	t.SuccessPct = d.counts.SuccessPct()
	if t.DurationNS > 0 {
		t.Throughput = float64(d.counts.Status2xx) / (float64(t.DurationNS) / 1e9)
	}
	t.Latency = results.LatencyOf(d.hist)
	t.HDR, _ = results.EncodeHDR(d.hist)
}

// lost counts acknowledged metrics whose names are not in present.
func (d *durDriver) lost(present map[[3]int]bool) int64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	var n int64
	for k := range d.acked {
		for i := 0; i < d.batch; i++ {
			if !present[[3]int{k[0], k[1], i}] {
				n++
			}
		}
	}
	return n
}

// tornTail reports whether path ends in a partial line.
func tornTail(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || fi.Size() == 0 {
		return false, err
	}
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, fi.Size()-1); err != nil {
		return false, err
	}
	return b[0] != '\n', nil
}

// readNames reads the data file and returns the (client, seq, i) of every
// metric named by this trial's id, and how many lines are not whole JSON
// objects.
func readNames(path, id string) (map[[3]int]bool, int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, err
	}
	present := map[[3]int]bool{}
	var partial int64 // a torn last line fails to decode like any other partial line
	prefix := id + "."
	for _, line := range bytes.Split(bytes.TrimSuffix(b, []byte{'\n'}), []byte{'\n'}) {
		if len(line) == 0 {
			continue
		}
		var m struct {
			Name string `json:"name"`
		}
		if json.Unmarshal(line, &m) != nil {
			partial++
			continue
		}
		parts := strings.Split(strings.TrimPrefix(m.Name, prefix), ".")
		if !strings.HasPrefix(m.Name, prefix) || len(parts) != 3 {
			continue
		}
		var k [3]int
		for j, p := range parts {
			k[j], _ = strconv.Atoi(p)
		}
		present[k] = true
	}
	return present, partial, nil
}
