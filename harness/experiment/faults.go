package experiment

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"metricstream/harness/launch"
	"metricstream/harness/load"
	"metricstream/harness/results"
	"metricstream/harness/scenario"
)

// Fault experiments (scenario kinds "slowloris" and "overload"), the two
// RELIABILITY.md fault scenarios that are measured rather than unit-tested.
// Like a durability trial, each trial is self-contained: it starts a server
// of its own with the scenario's flags, runs the fault, SIGTERMs the server
// and checks its data file against the metrics the trial got acknowledged.
// A failed stop or integrity check is a problem step on the arm's check;
// the trial is still recorded.
//
//   - slowloris: N attacker connections each send a request line and the
//     start of a header, then one byte every slowEvery, and note when the
//     server closes them; meanwhile the scenario's honest closed-loop
//     keep-alive clients run, and the trial records their load. The
//     criterion: every attacker closed within header timeout + 1 s of its
//     first byte, and the honest p99 at most 2× the slowloris=0 step's.
//   - overload: a 1 s closed-loop probe measures the capacity C (2xx/s of
//     probeClients clients), an open-loop phase offers 5×C for the
//     scenario's duration (recorded; latency of 2xx answers only), then a
//     recovery phase offers 0.5×C for 3 s and notes the last 503 in it.
//     The criterion: 503s appear, 2xx latency stays bounded, nothing
//     acknowledged is lost, 503s stop within 2 s of the recovery start.

func init() {
	registerRunner(scenario.KindSlowloris, func(ctx context.Context, cfg Config, a *armState, sc *scenario.Scenario, st scenario.Step, id string, _ *rand.Rand) (results.Trial, *results.Step) {
		return slowlorisTrial(ctx, cfg, a, sc, st, id)
	})
	registerRunner(scenario.KindOverload, func(ctx context.Context, cfg Config, a *armState, sc *scenario.Scenario, st scenario.Step, id string, _ *rand.Rand) (results.Trial, *results.Step) {
		return overloadTrial(ctx, cfg, a, sc, st, id)
	})
}

// Slowloris attack parameters.
const (
	// slowPrefix is what an attacker sends at once: a request line and the
	// start of a header that never ends.
	slowPrefix = "POST /metrics HTTP/1.1\r\nHost: lab\r\nX-Slow: "
	slowEvery  = 200 * time.Millisecond // one more header byte this often
	slowGrace  = time.Second            // the criterion: closed within header timeout + slowGrace
	slowWait   = 2 * time.Second        // the wait: at most header timeout + slowWait after the last first byte
	attackDial = 2 * time.Second        // connect timeout of an attacker
)

// Overload phases.
const (
	probeClients  = 4           // closed-loop clients of the capacity probe
	probeDuration = time.Second // length of the probe
)

func faultProblem(sc *scenario.Scenario, st scenario.Step, id string) func(format string, args ...any) *results.Step {
	return func(format string, args ...any) *results.Step {
		name := string(sc.Kind)
		if st.Name != "" {
			name += " " + st.Name
		}
		return &results.Step{Name: name + " (" + id + ")", Detail: fmt.Sprintf(format, args...)}
	}
}

// slowlorisTrial runs step st (st.Attackers attackers beside the honest
// load st.Config) of slowloris scenario sc against a fresh server of arm a.
func slowlorisTrial(ctx context.Context, cfg Config, a *armState, sc *scenario.Scenario, st scenario.Step, id string) (results.Trial, *results.Step) {
	ht := sc.HeaderTimeoutDuration()
	fs := &results.FaultStats{HeaderTimeoutNS: int64(ht), Attackers: st.Attackers}
	t := results.Trial{Model: "closed", Clients: st.Config.Clients, Batch: st.Config.Batch, KeepAlive: true}
	problem := faultProblem(sc, st, id)
	inst, err := cfg.Launcher.Start(ctx, a.Arm, sc.Server.Flags(), filepath.Join(cfg.Dir, "servers"))
	if err != nil {
		t.Kind, t.Fault = string(sc.Kind), fs
		return t, problem("start: %v", err)
	}

	// Every attacker connected and parked on its header before the honest
	// load starts, so the load meets the whole attack.
	at := startAttack(ctx, inst.Addr(), st.Attackers)
	at.started.Wait()

	tally := &Tally{}
	lc := st.Config
	lc.Addr, lc.ClientPrefix = inst.Addr(), "f-"+id+"-"
	m := load.NewMetrics()
	start := time.Now()
	d, _ := load.Attack(ctx, lc, load.Tee(m, tally)) // errors are in the counts
	t, _ = load.NewTrial(lc, start, m.Summary(d))
	t.Kind, t.Fault = string(sc.Kind), fs

	at.finish(ctx, ht+slowWait)
	at.fill(fs, ht+slowGrace)
	return t, stopAndAudit(ctx, cfg, inst, tally.Acked(), &t, problem)
}

// attacker is one slowloris connection's record. Its goroutine writes it;
// it is read after attack.wg.Wait.
type attacker struct {
	first  time.Time // just before the first byte was written; zero if it never connected
	closed time.Time // when the server closed it (EOF, reset, or a write failing); zero if not
}

// attack is a running slowloris attack.
type attack struct {
	as      []attacker
	started sync.WaitGroup // each attacker sent its first bytes, or gave up
	wg      sync.WaitGroup // the attackers' goroutines
	cancel  context.CancelFunc
}

// startAttack opens n attacker connections to addr, one goroutine each.
func startAttack(ctx context.Context, addr string, n int) *attack {
	actx, cancel := context.WithCancel(ctx)
	at := &attack{as: make([]attacker, n), cancel: cancel}
	at.started.Add(n)
	at.wg.Add(n)
	for i := range at.as {
		go at.run(actx, addr, &at.as[i])
	}
	return at
}

// run is one attacker: connect, send slowPrefix, then a byte every
// slowEvery until the server closes the connection or ctx ends. A read
// with a deadline doubles as the ticker, so the close is seen at once.
func (at *attack) run(ctx context.Context, addr string, me *attacker) {
	defer at.wg.Done()
	started := sync.OnceFunc(at.started.Done)
	defer started()
	conn, err := (&net.Dialer{Timeout: attackDial}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() }) // the trial is over: unblock the read
	defer stop()
	me.first = time.Now()
	_, err = io.WriteString(conn, slowPrefix)
	started()
	if err != nil {
		if ctx.Err() == nil {
			me.closed = time.Now()
		}
		return
	}
	buf := make([]byte, 512)
	for {
		conn.SetReadDeadline(time.Now().Add(slowEvery))
		_, err := conn.Read(buf)
		switch {
		case ctx.Err() != nil:
			return // closed by us, not by the server
		case err == nil:
			continue // an answer (408, 503, ...): wait for the close itself
		case isTimeout(err):
			if _, err := conn.Write([]byte{'x'}); err != nil {
				if ctx.Err() == nil {
					me.closed = time.Now()
				}
				return
			}
		default: // EOF or reset: the server closed it
			me.closed = time.Now()
			return
		}
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// finish waits until every attacker is closed, or wait has passed since
// the last attacker's first byte, then closes the rest and waits for all
// attacker goroutines.
func (at *attack) finish(ctx context.Context, wait time.Duration) {
	var last time.Time // launch.SafeName to read: at.started.Wait returned before
	for i := range at.as {
		if f := at.as[i].first; f.After(last) {
			last = f
		}
	}
	done := make(chan struct{})
	go func() { at.wg.Wait(); close(done) }()
	timer := time.NewTimer(time.Until(last.Add(wait)))
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
	case <-ctx.Done():
	}
	at.cancel()
	<-done
}

// fill records the attack in fs: attackers connected, closed within limit
// of their first byte, and the slowest close.
func (at *attack) fill(fs *results.FaultStats, limit time.Duration) {
	for _, x := range at.as {
		if x.first.IsZero() {
			continue
		}
		fs.Connected++
		if x.closed.IsZero() {
			continue
		}
		took := x.closed.Sub(x.first)
		fs.SlowestCloseNS = max(fs.SlowestCloseNS, int64(took))
		if took <= limit {
			fs.ClosedInTime++
		}
	}
}

// overloadTrial runs overload scenario sc's step st against a fresh
// server of arm a: probe, overload at 5×C (recorded), recovery at 0.5×C.
func overloadTrial(ctx context.Context, cfg Config, a *armState, sc *scenario.Scenario, st scenario.Step, id string) (results.Trial, *results.Step) {
	fs := &results.FaultStats{}
	t := results.Trial{Model: "open", Clients: st.Config.Clients, Batch: st.Config.Batch, KeepAlive: st.Config.KeepAlive, Kind: string(sc.Kind), Fault: fs}
	problem := faultProblem(sc, st, id)
	inst, err := cfg.Launcher.Start(ctx, a.Arm, sc.Server.Flags(), filepath.Join(cfg.Dir, "servers"))
	if err != nil {
		return t, problem("start: %v", err)
	}
	tally := &Tally{}

	// Capacity: 2xx/s of a short closed-loop run.
	pc := load.Config{Addr: inst.Addr(), Model: load.Closed, Clients: probeClients, Duration: probeDuration,
		Batch: st.Config.Batch, KeepAlive: true, Timeout: st.Config.Timeout, ClientPrefix: "f-" + id + "-p-"}
	pm := load.NewMetrics()
	pd, _ := load.Attack(ctx, pc, load.Tee(pm, tally))
	fs.CapacityRPS = pm.Summary(pd).Throughput()
	if fs.CapacityRPS <= 0 || ctx.Err() != nil {
		found := problem("the capacity probe got no 2xx answer in %v (%+v)", probeDuration, pm.Summary(pd).Counts)
		if p := stopAndAudit(ctx, cfg, inst, tally.Acked(), &t, problem); p != nil {
			found.Detail += "; " + p.Detail
		}
		return t, found
	}

	// Overload: the recorded phase. Latency is of 2xx answers only (ok),
	// timed from each request's actual send, so that what the server
	// accepts shows its bound: at 5x capacity every 503 closes its
	// connection and the generator, sharing the machine, falls behind its
	// schedule; timing from the intended send would measure that backlog
	// (the late sends are in Counts.Late). 503s, timeouts and connection
	// errors are in the counts.
	oc := st.Config
	oc.Addr, oc.Model, oc.Rate, oc.ClientPrefix = inst.Addr(), load.Open, scenario.OverloadFactor*fs.CapacityRPS, "f-"+id+"-o-"
	om, ok := load.NewMetrics(), newOKHist()
	start := time.Now()
	od, _ := load.Attack(ctx, oc, load.Tee(om, ok, tally))
	t, _ = load.NewTrial(oc, start, om.Summary(od))
	t.Kind, t.Fault = string(sc.Kind), fs
	ok.fill(&t)
	if od > 0 {
		fs.AchievedRPS = float64(t.Counts.Total()) / od.Seconds()
	}

	// Recovery: half the capacity; when does the last 503 come?
	rc := oc
	rc.Rate, rc.Duration, rc.ClientPrefix = scenario.RecoveryFactor*fs.CapacityRPS, scenario.RecoveryDuration, "f-"+id+"-r-"
	rr := &recoveryRec{start: time.Now()}
	_, _ = load.Attack(ctx, rc, load.Tee(rr, tally))
	fs.RecoveryNS, fs.Recovery503 = rr.last.Load(), rr.n503.Load()
	fs.AckedAll = tally.Acked()
	return t, stopAndAudit(ctx, cfg, inst, fs.AckedAll, &t, problem)
}

// okHist is an HDR histogram of the latency of 2xx answers only, from
// each request's actual send to the end of its answer.
type okHist struct {
	mu sync.Mutex
	h  *hdrhistogram.Histogram // guarded by mu
}

func newOKHist() *okHist { return &okHist{h: results.NewHDR()} }

// Add implements load.Recorder.
func (o *okHist) Add(r *load.Result) {
	if r.Class != load.Class2xx {
		return
	}
	v := int64(r.Latency)
	if !r.Sent.IsZero() {
		v = int64(r.Intended.Add(r.Latency).Sub(r.Sent))
	}
	v = min(v, results.HDRHighest)
	o.mu.Lock()
	_ = o.h.RecordValue(v)
	o.mu.Unlock()
}

// fill replaces t's latency (of every answer) with that of the 2xx answers.
func (o *okHist) fill(t *results.Trial) {
	o.mu.Lock()
	defer o.mu.Unlock()
	t.Latency = results.LatencyOf(o.h)
	t.HDR, _ = results.EncodeHDR(o.h)
}

// recoveryRec notes the 503s of the recovery phase: how many, and when the
// last one was answered (ns after start).
type recoveryRec struct {
	start time.Time
	n503  atomic.Int64
	last  atomic.Int64
}

// Add implements load.Recorder.
func (r *recoveryRec) Add(res *load.Result) {
	if res.Class != load.Class503 {
		return
	}
	r.n503.Add(1)
	at := int64(res.Intended.Add(res.Latency).Sub(r.start))
	for {
		cur := r.last.Load()
		if at <= cur || r.last.CompareAndSwap(cur, at) {
			return
		}
	}
}

// stopAndAudit SIGTERMs a fault trial's server and checks its data file
// against the acked metrics the trial got acknowledged (every line is one
// acknowledged metric: the trial's server got no other traffic). It sets
// t.Lost to the acknowledged metrics missing, and returns a problem when
// the stop was not clean or the file does not match.
func stopAndAudit(ctx context.Context, cfg Config, inst launch.Instance, acked int64, t *results.Trial, problem func(string, ...any) *results.Step) *results.Step {
	code, err := inst.Stop(ctx)
	var found *results.Step
	if err != nil || code != 0 {
		found = problem("graceful stop: exit code %d, %v", code, err)
	}
	file := inst.DataFile()
	if file == "" {
		return found
	}
	ist, lines, _ := Integrity(file, acked)
	t.Lost = max(0, acked-lines)
	if !ist.OK {
		if found == nil {
			return problem("integrity: %s", ist.Detail)
		}
		found.Detail += "; integrity: " + ist.Detail
	}
	if found == nil && !cfg.KeepData {
		_ = os.Remove(file)
	}
	return found
}
