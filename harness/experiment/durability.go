package experiment

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"metricstream/harness/launch"
	"metricstream/harness/load"
	"metricstream/harness/results"
	"metricstream/harness/scenario"
)

// Durability experiments (scenario kinds "shutdown" and "crash"): load a
// server with metrics that each carry a unique name, stop it at a random
// point of the load (SIGTERM, or SIGKILL for a crash), restart it on the
// same data file, stop it cleanly, and count the acknowledged metrics that
// are missing from the file. One trial is one such cycle, so the report
// shows each variant's loss next to its latency, per fsync policy.

func init() {
	registerRunner(scenario.KindShutdown, durabilityTrial)
	registerRunner(scenario.KindCrash, durabilityTrial)
}

// killer is implemented by instances the harness can SIGKILL.
type killer interface {
	Kill() error
}

// durabilityTrial runs one load → stop → restart → check cycle of step
// tr.step for its arm. The problem it returns is one the cycle found (a
// restart that failed, a file left unreadable, acknowledged metrics lost on
// a graceful stop), or nil.
func durabilityTrial(tr *trial) error {
	ctx, sc, st, id := tr.ctx, tr.sc, tr.step, tr.id
	data := filepath.Join(tr.serverDir(), "durability-"+launch.SafeName(id)+".jsonl")
	extra := []string{"-data", data} // the last -data wins over the launcher's own
	if st.Fsync != "" {
		extra = append(extra, "-fsync", st.Fsync)
	}
	tr.rec = results.Trial{Model: "closed", Clients: st.Config.Clients, Batch: st.Config.Batch, KeepAlive: true}
	t := &tr.rec
	inst, err := tr.start(extra...)
	if err != nil {
		return tr.unmeasured("start: %v", err)
	}

	// Load, then stop at a random point between 30% and 70% of the duration.
	acks := newAckLog(st.Config.Batch)
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	began := time.Now()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = load.Attack(lctx, durabilityLoad(inst.Addr(), st.Config, id), acks)
	}()
	at := time.Duration(float64(st.Config.Duration) * (0.3 + 0.4*tr.rng.Float64()))
	select {
	case <-time.After(at):
	case <-ctx.Done():
	}
	acks.stopping.Store(true)
	t.Start, t.DurationNS = began, int64(time.Since(began))
	var stopErr error
	code := 0
	if sc.Kind == scenario.KindCrash {
		k, ok := inst.(killer)
		if !ok {
			cancel()
			<-done
			_, _ = inst.Stop(ctx)
			return tr.problem("this launcher cannot SIGKILL its servers")
		}
		stopErr = k.Kill()
	} else {
		code, stopErr = inst.Stop(ctx)
	}
	cancel()
	<-done
	acks.fill(t)

	var found error
	if sc.Kind == scenario.KindShutdown && (stopErr != nil || code != 0) {
		found = tr.problem("graceful stop under load: exit code %d, %v", code, stopErr)
	}
	if torn, err := tornTail(data); err == nil && torn {
		t.Torn = 1
	}

	// Restart on the same file: it must come up (repairing a torn line) and
	// stop cleanly.
	inst2, err := tr.start(extra...)
	if err != nil {
		return tr.problem("restart on the crashed file: %v", err)
	}
	code, err = inst2.Stop(ctx)
	t.RestartOK = err == nil && code == 0
	if !t.RestartOK {
		found = tr.problem("restart: stop gave exit code %d, %v", code, err)
	}
	present, partial, err := readNames(data, id)
	if err != nil || partial > 0 {
		return tr.problem("after restart the file is not whole: %d partial lines, %v", partial, err)
	}
	t.Lost = acks.lost(present)
	if sc.Kind == scenario.KindShutdown && t.Lost > 0 && found == nil {
		found = tr.problem("SIGTERM lost %d acknowledged metrics", t.Lost)
	}
	if !tr.cfg.KeepData && found == nil {
		_ = os.Remove(data)
	}
	return found
}

// durabilityLoad is the closed-loop keep-alive load of a durability
// trial against addr: every metric named "<id>.<client>.<seq>.<i>" by a
// body hook, so the file tells which acknowledged metrics it kept. It runs
// until its context is cancelled (the Duration only bounds it); after a
// connection error (the server is being stopped) a client backs off 5ms.
func durabilityLoad(addr string, step load.Config, id string) load.Config {
	return load.Config{Addr: addr, Model: load.Closed, Clients: step.Clients, Batch: step.Batch, KeepAlive: true,
		Timeout: step.Timeout, Duration: step.Duration + time.Minute, Backoff: 5 * time.Millisecond,
		ClientPrefix: "durability-" + id + "-",
		Body: func(buf []byte, c int, seq int64) []byte {
			buf = append(buf, `{"metrics":[`...)
			for i := 0; i < max(step.Batch, 1); i++ {
				if i > 0 {
					buf = append(buf, ',')
				}
				buf = fmt.Appendf(buf, `{"name":"%s.%d.%d.%d","value":%d}`, id, c, seq, i, i)
			}
			return append(buf, "]}"...)
		}}
}

// ackLog records a durability load: which requests (client, seq) were
// acknowledged 200, whenever they were, and the outcomes (counts, 2xx
// latency) of those that ended before the stop signal: an error after it
// is the experiment's doing, not the server's.
type ackLog struct {
	batch    int
	stopping atomic.Bool
	counts   *load.Metrics
	ok       *okHist

	mu    sync.Mutex
	acked map[[2]int64]bool // guarded by mu
}

func newAckLog(batch int) *ackLog {
	return &ackLog{batch: max(batch, 1), counts: load.NewMetrics(), ok: newOKHist(), acked: map[[2]int64]bool{}}
}

// Add implements load.Recorder.
func (l *ackLog) Add(r *load.Result) {
	if r.Status == 200 {
		l.mu.Lock()
		l.acked[[2]int64{int64(r.Client), r.Seq}] = true
		l.mu.Unlock()
	}
	if !l.stopping.Load() {
		l.counts.Add(r)
		l.ok.Add(r)
	}
}

// fill writes the counted outcomes into t (whose DurationNS is the time to
// the stop signal) and the metrics acknowledged at any time.
func (l *ackLog) fill(t *results.Trial) {
	s := l.counts.Summary(time.Duration(t.DurationNS))
	t.Counts, t.SuccessPct, t.Throughput = s.Counts, s.Counts.SuccessPct(), s.Throughput()
	l.ok.fill(t)
	l.mu.Lock()
	t.Acked = int64(len(l.acked) * l.batch)
	l.mu.Unlock()
}

// lost counts acknowledged metrics whose names are not in present.
func (l *ackLog) lost(present map[[3]int]bool) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	var n int64
	for k := range l.acked {
		for i := 0; i < l.batch; i++ {
			if !present[[3]int{int(k[0]), int(k[1]), i}] {
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
