package experiment

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"sync/atomic"
	"time"

	"metricstream/harness/load"
	"metricstream/harness/results"
	"metricstream/harness/scenario"
)

// The overload kind's runner (see faults.go for what fault trials share).
func init() {
	registerRunner(scenario.KindOverload, func(ctx context.Context, cfg Config, a *armState, sc *scenario.Scenario, st scenario.Step, id string, _ *rand.Rand) (results.Trial, *results.Step) {
		return overloadTrial(ctx, cfg, a, sc, st, id)
	})
}

// Overload phases.
const (
	probeClients  = 4           // closed-loop clients of the capacity probe
	probeDuration = time.Second // length of the probe
)

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
