package experiment

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"metricstream/harness/launch"
	"metricstream/harness/load"
	"metricstream/harness/netfault"
	"metricstream/harness/results"
	"metricstream/harness/scenario"
	"metricstream/internal/redisproc"
)

// The network-fault kinds' runners (issue 10 item 7): toxiproxy, in
// process (harness/netfault), between the server and Redis (redis-latency,
// redis-outage) or between some clients and the server (slow-clients).
// Like the other fault trials (faults.go) each starts a server of its own,
// SIGTERMs it after and checks its data file against what it acknowledged.
func init() {
	registerRunner(scenario.KindRedisLatency, func(ctx context.Context, cfg Config, a *armState, sc *scenario.Scenario, st scenario.Step, id string, _ *rand.Rand) (results.Trial, *results.Step) {
		return redisLatencyTrial(ctx, cfg, a, sc, st, id)
	})
	registerRunner(scenario.KindRedisOutage, func(ctx context.Context, cfg Config, a *armState, sc *scenario.Scenario, st scenario.Step, id string, _ *rand.Rand) (results.Trial, *results.Step) {
		return redisOutageTrial(ctx, cfg, a, sc, st, id)
	})
	registerRunner(scenario.KindSlowClients, func(ctx context.Context, cfg Config, a *armState, sc *scenario.Scenario, st scenario.Step, id string, _ *rand.Rand) (results.Trial, *results.Step) {
		return slowClientsTrial(ctx, cfg, a, sc, st, id)
	})
}

const (
	goroutineSettle = 3 * time.Second        // the most the after-count waits to come back down
	slowTimeout     = 60 * time.Second       // per request of a slow client (~100 KB at 65 KB/s)
	slowHeadStart   = 500 * time.Millisecond // slow uploads under way before the fast load starts
)

// faultyRedis is a redis-server behind a toxiproxy link: the server under
// test is given the link's address.
type faultyRedis struct {
	redis *redisproc.Server
	link  *netfault.Link
	dir   string // the redis-server's working directory, removed at stop
}

func startFaultyRedis(cfg Config, id string) (*faultyRedis, error) {
	dir, err := os.MkdirTemp(filepath.Join(cfg.Dir, "servers"), "redis-"+id+"-")
	if err != nil {
		return nil, err
	}
	rs, err := redisproc.Run(dir)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("redis-server: %w", err)
	}
	l, err := netfault.New("redis-"+id, rs.Addr)
	if err != nil {
		rs.Stop()
		_ = os.RemoveAll(dir)
		return nil, err
	}
	return &faultyRedis{redis: rs, link: l, dir: dir}, nil
}

func (f *faultyRedis) stop() {
	f.link.Close()
	f.redis.Stop()
	_ = os.RemoveAll(f.dir)
}

// redisArm refuses a variant whose limiter does not use Redis: such a
// server would never cross the faulty link.
func redisArm(a *armState, sc *scenario.Scenario) error {
	if a.Arm.Set["limiter"] != "redis" {
		return fmt.Errorf("a %s scenario measures the limiter's Redis link: run it with a limiter=redis variant (VARIANT=limiter=redis), not %s", sc.Kind, a.Label)
	}
	return nil
}

// startBehind starts a server of arm a with sc's flags and extra, its data
// file under cfg.Dir/servers.
func startBehind(ctx context.Context, cfg Config, a *armState, sc *scenario.Scenario, extra ...string) (launch.Instance, error) {
	flags := append(slices.Clip(sc.Server.Flags()), extra...)
	return cfg.Launcher.Start(ctx, a.Arm, flags, filepath.Join(cfg.Dir, "servers"))
}

// redisLatencyTrial: Redis behind st.Fault ms of added latency on every
// answer (one round trip per rate-limit decision), the scenario's
// closed-loop load recorded.
func redisLatencyTrial(ctx context.Context, cfg Config, a *armState, sc *scenario.Scenario, st scenario.Step, id string) (results.Trial, *results.Step) {
	lat := time.Duration(st.Fault) * time.Millisecond
	fs := &results.FaultStats{Net: &results.NetFault{RedisLatencyNS: int64(lat)}}
	t := results.Trial{Model: "closed", Clients: st.Config.Clients, Batch: st.Config.Batch, KeepAlive: true, Kind: string(sc.Kind), Fault: fs}
	problem := faultProblem(sc, st, id)
	if err := redisArm(a, sc); err != nil {
		return t, problem("%v", err)
	}
	fr, err := startFaultyRedis(cfg, id)
	if err != nil {
		return t, problem("%v", err)
	}
	defer fr.stop()
	if lat > 0 {
		if err := fr.link.Latency(netfault.Downstream, lat); err != nil {
			return t, problem("%v", err)
		}
	}
	inst, err := startBehind(ctx, cfg, a, sc, "-redis-addr", fr.link.Addr())
	if err != nil {
		return t, problem("start: %v", err)
	}
	tally := &Tally{}
	lc := st.Config
	lc.Addr, lc.ClientPrefix = inst.Addr(), "f-"+id+"-"
	m := load.NewMetrics()
	start := time.Now()
	d, _ := load.Attack(ctx, lc, load.Tee(m, tally))
	t, _ = load.NewTrial(lc, start, m.Summary(d))
	t.Kind, t.Fault = string(sc.Kind), fs
	return t, stopAndAudit(ctx, cfg, inst, tally.Acked(), &t, problem)
}

// answer is one request's outcome on the clock, for the outage phases.
type answer struct {
	sent, end time.Time
	class     load.Class
}

// answers records every request's send and end.
type answers struct {
	mu sync.Mutex
	as []answer // guarded by mu
}

// Add implements load.Recorder.
func (r *answers) Add(res *load.Result) {
	sent := res.Sent
	if sent.IsZero() {
		sent = res.Intended
	}
	r.mu.Lock()
	r.as = append(r.as, answer{sent: sent, end: res.Intended.Add(res.Latency), class: res.Class})
	r.mu.Unlock()
}

// addClass counts one outcome of class c into n.
func addClass(n *results.Counts, c load.Class) {
	switch c {
	case load.Class2xx:
		n.Status2xx++
	case load.Class400:
		n.Status400++
	case load.Class429:
		n.Status429++
	case load.Class503:
		n.Status503++
	case load.ClassTimeout:
		n.Timeout++
	case load.ClassConnError:
		n.ConnError++
	default:
		n.Other++
	}
}

// redisOutageTrial: the scenario's open-loop load; in its middle Redis is
// cut (the link stops listening and closes every connection) for
// scenario.OutageDuration, then restored. st.Fault 1 runs the server with
// -redis-fail-open.
func redisOutageTrial(ctx context.Context, cfg Config, a *armState, sc *scenario.Scenario, st scenario.Step, id string) (results.Trial, *results.Step) {
	nf := &results.NetFault{FailOpen: st.Fault == 1, OutageNS: int64(scenario.OutageDuration), Outage: &results.Counts{}}
	fs := &results.FaultStats{Net: nf}
	t := results.Trial{Model: "open", Clients: st.Config.Clients, Batch: st.Config.Batch, KeepAlive: st.Config.KeepAlive, Kind: string(sc.Kind), Fault: fs}
	problem := faultProblem(sc, st, id)
	if err := redisArm(a, sc); err != nil {
		return t, problem("%v", err)
	}
	fr, err := startFaultyRedis(cfg, id)
	if err != nil {
		return t, problem("%v", err)
	}
	defer fr.stop()
	extra := []string{"-redis-addr", fr.link.Addr()}
	if nf.FailOpen {
		extra = append(extra, "-redis-fail-open")
	}
	inst, err := startBehind(ctx, cfg, a, sc, extra...)
	if err != nil {
		return t, problem("start: %v", err)
	}
	nf.GoroutinesBefore = goroutines(ctx, inst.Addr())

	tally, rec := &Tally{}, &answers{}
	lc := st.Config
	lc.Addr, lc.ClientPrefix = inst.Addr(), "f-"+id+"-"
	var cut, restoring, restored time.Time
	var restoreErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		select {
		case <-time.After((lc.Duration - scenario.OutageDuration) / 2):
		case <-ctx.Done():
			return
		}
		fr.link.Cut()
		cut = time.Now() // every connection to Redis is closed from here
		select {
		case <-time.After(scenario.OutageDuration):
		case <-ctx.Done():
		}
		restoring = time.Now()
		restoreErr = fr.link.Restore()
		restored = time.Now()
	}()
	m := load.NewMetrics()
	start := time.Now()
	d, _ := load.Attack(ctx, lc, load.Tee(m, tally, rec))
	<-done
	t, _ = load.NewTrial(lc, start, m.Summary(d))
	t.Kind, t.Fault = string(sc.Kind), fs
	if cut.IsZero() || restored.IsZero() || restoreErr != nil {
		p := problem("the outage did not run (cut %v, restored %v, %v)", !cut.IsZero(), !restored.IsZero(), restoreErr)
		if q := stopAndAudit(ctx, cfg, inst, tally.Acked(), &t, problem); q != nil {
			p.Detail += "; " + q.Detail
		}
		return t, p
	}
	// The outage: from the cut having closed every connection to the
	// restore starting (requests sent while the link comes back count
	// toward the recovery).
	nf.OutageNS = int64(restoring.Sub(cut))
	var during []int64
	for _, an := range rec.as {
		switch {
		case !an.sent.Before(cut) && an.sent.Before(restoring):
			addClass(nf.Outage, an.class)
			if an.class != load.ClassTimeout && an.class != load.ClassConnError {
				during = append(during, int64(an.end.Sub(an.sent)))
			}
		case !an.sent.Before(restoring) && an.class != load.Class2xx:
			nf.RecoveryFailed++
			nf.RecoveryNS = max(nf.RecoveryNS, int64(an.end.Sub(restoring)))
		}
	}
	if len(during) > 0 {
		slices.Sort(during)
		nf.OutageP99NS = during[(len(during)*99+99)/100-1]
	}
	nf.GoroutinesAfter = settledGoroutines(ctx, inst.Addr(), nf.GoroutinesBefore)
	return t, stopAndAudit(ctx, cfg, inst, tally.Acked(), &t, problem)
}

// goroutines is the server's goroutine count from GET /health (-1 when it
// does not say: a server without the field, or no answer).
func goroutines(ctx context.Context, addr string) int {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/health", nil)
	if err != nil {
		return -1
	}
	req.Close = true // no idle connection (and its server goroutine) left behind
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	var h struct {
		Goroutines *int `json:"goroutines"`
	}
	if json.NewDecoder(resp.Body).Decode(&h) != nil || h.Goroutines == nil {
		return -1
	}
	return *h.Goroutines
}

// settledGoroutines polls the count until it is back at before (the
// load's connections take a moment to be closed on the server's side) or
// goroutineSettle has passed, and returns the last count.
func settledGoroutines(ctx context.Context, addr string, before int) int {
	deadline := time.Now().Add(goroutineSettle)
	for {
		n := goroutines(ctx, addr)
		if n < 0 || n <= before || time.Now().After(deadline) || ctx.Err() != nil {
			return n
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// slowClientsTrial: st.Fault slow clients, each through a toxiproxy link
// capped at scenario.SlowLinkKBps upstream, post scenario.SlowBatch-metric
// batches (closed loop, keep-alive) while the scenario's fast clients run
// directly; the trial records the fast load. With slow clients the fast
// load first runs alone for the same duration (UnloadedP99NS). The slow
// clients start
// slowHeadStart earlier and run until the fast load is done, then finish
// the upload under way (never cancelled: an answer the generator did not
// read would be acknowledged metrics the tally misses).
func slowClientsTrial(ctx context.Context, cfg Config, a *armState, sc *scenario.Scenario, st scenario.Step, id string) (results.Trial, *results.Step) {
	n := int(st.Fault)
	nf := &results.NetFault{SlowClients: n, SlowKBps: scenario.SlowLinkKBps, SlowBatch: scenario.SlowBatch, Slow: &results.Counts{}}
	fs := &results.FaultStats{Net: nf}
	t := results.Trial{Model: "closed", Clients: st.Config.Clients, Batch: st.Config.Batch, KeepAlive: true, Kind: string(sc.Kind), Fault: fs}
	problem := faultProblem(sc, st, id)
	inst, err := startBehind(ctx, cfg, a, sc)
	if err != nil {
		return t, problem("start: %v", err)
	}
	tally := &Tally{}
	lc := st.Config
	lc.Addr = inst.Addr()
	if n > 0 {
		// The same fast load alone first, in the same trial: the unloaded
		// p99 this trial's is compared with, measured next to it in time
		// (on a shared machine the load drifts between steps).
		uc := lc
		uc.ClientPrefix = "f-" + id + "-alone-"
		um := load.NewMetrics()
		u0 := time.Now()
		ud, _ := load.Attack(ctx, uc, load.Tee(um, tally))
		ut, _ := load.NewTrial(uc, u0, um.Summary(ud))
		nf.UnloadedP99NS = ut.Latency.P99
	}
	var slowWG sync.WaitGroup
	var slowTrial results.Trial
	if n > 0 {
		link, err := netfault.New("slow-"+id, inst.Addr())
		if err == nil {
			if err = link.Bandwidth(netfault.Upstream, scenario.SlowLinkKBps); err != nil {
				link.Close()
			}
		}
		if err != nil {
			p := problem("%v", err)
			_ = stopAndAudit(ctx, cfg, inst, tally.Acked(), &t, problem)
			return t, p
		}
		defer link.Close()
		scfg := load.Config{Addr: link.Addr(), Model: load.Closed, Clients: n, Duration: slowHeadStart + st.Config.Duration,
			Batch: scenario.SlowBatch, KeepAlive: true, Timeout: slowTimeout, ClientPrefix: "f-" + id + "-slow-", Backoff: 100 * time.Millisecond}
		slowWG.Go(func() {
			sm := load.NewMetrics()
			s0 := time.Now()
			sd, _ := load.Attack(ctx, scfg, load.Tee(sm, tally))
			slowTrial, _ = load.NewTrial(scfg, s0, sm.Summary(sd))
		})
		select {
		case <-time.After(slowHeadStart):
		case <-ctx.Done():
		}
	}
	lc.ClientPrefix = "f-" + id + "-"
	m := load.NewMetrics()
	start := time.Now()
	d, _ := load.Attack(ctx, lc, load.Tee(m, tally))
	t, _ = load.NewTrial(lc, start, m.Summary(d))
	t.Kind, t.Fault = string(sc.Kind), fs
	slowWG.Wait()
	if n > 0 {
		*nf.Slow = slowTrial.Counts
		nf.SlowP99NS = int64(slowTrial.Latency.P99)
	}
	return t, stopAndAudit(ctx, cfg, inst, tally.Acked(), &t, problem)
}
