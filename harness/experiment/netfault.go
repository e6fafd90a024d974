package experiment

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"sync"
	"time"

	"metricstream/harness/load"
	"metricstream/harness/netfault"
	"metricstream/harness/results"
	"metricstream/harness/scenario"
	"metricstream/internal/redisproc"
)

// The network-fault kinds' runners: toxiproxy, in
// process (harness/netfault), between the server and Redis (redis-latency,
// redis-outage) or between some clients and the server (slow-clients).
// Like the other fault trials (faults.go) each starts a server of its own,
// SIGTERMs it after and checks its data file against what it acknowledged.
func init() {
	registerRunner(scenario.KindRedisLatency, redisLatencyTrial)
	registerRunner(scenario.KindRedisOutage, redisOutageTrial)
	registerRunner(scenario.KindSlowClients, slowClientsTrial)
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

func startFaultyRedis(tr *trial) (*faultyRedis, error) {
	id := tr.id
	dir, err := os.MkdirTemp(tr.serverDir(), "redis-"+id+"-")
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
func redisArm(tr *trial) error {
	if !armApplies(tr.sc, tr.arm.Arm) {
		return fmt.Errorf("a %s scenario measures the limiter's Redis link: run it with a limiter=redis variant (VARIANT=limiter=redis), not %s", tr.sc.Kind, tr.arm.Label)
	}
	return nil
}

// redisLatencyTrial: Redis behind st.Fault ms of added latency on every
// answer (one round trip per rate-limit decision), the scenario's
// closed-loop load recorded.
func redisLatencyTrial(tr *trial) error {
	st := tr.step
	lat := time.Duration(st.Fault) * time.Millisecond
	fs := &results.FaultStats{Net: &results.NetFault{RedisLatencyNS: int64(lat)}}
	tr.rec = results.Trial{Model: "closed", Clients: st.Config.Clients, Batch: st.Config.Batch, KeepAlive: true, Fault: fs}
	if err := redisArm(tr); err != nil {
		return notMeasured{err}
	}
	fr, err := startFaultyRedis(tr)
	if err != nil {
		return notMeasured{err}
	}
	defer fr.stop()
	if lat > 0 {
		if err := fr.link.Latency(netfault.Downstream, lat); err != nil {
			return err
		}
	}
	inst, err := tr.start("-redis-addr", fr.link.Addr())
	if err != nil {
		return tr.unmeasured("start: %v", err)
	}
	tally := &Tally{}
	lc := st.Config
	lc.Addr, lc.ClientPrefix = inst.Addr(), "f-"+tr.id+"-"
	tr.rec = tr.attack(lc, tally)
	tr.rec.Fault = fs
	return tr.audit(inst, tally.Acked())
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
func redisOutageTrial(tr *trial) error {
	ctx, st := tr.ctx, tr.step
	nf := &results.NetFault{FailOpen: st.Fault == 1, OutageNS: int64(scenario.OutageDuration), Outage: &results.Counts{}}
	fs := &results.FaultStats{Net: nf}
	tr.rec = results.Trial{Model: "open", Clients: st.Config.Clients, Batch: st.Config.Batch, KeepAlive: st.Config.KeepAlive, Fault: fs}
	if err := redisArm(tr); err != nil {
		return notMeasured{err}
	}
	fr, err := startFaultyRedis(tr)
	if err != nil {
		return notMeasured{err}
	}
	defer fr.stop()
	extra := []string{"-redis-addr", fr.link.Addr()}
	if nf.FailOpen {
		extra = append(extra, "-redis-fail-open")
	}
	inst, err := tr.start(extra...)
	if err != nil {
		return tr.unmeasured("start: %v", err)
	}
	nf.GoroutinesBefore = goroutines(ctx, inst.Addr())

	tally, rec := &Tally{}, &answers{}
	lc := st.Config
	lc.Addr, lc.ClientPrefix = inst.Addr(), "f-"+tr.id+"-"
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
	tr.rec = tr.attack(lc, tally, rec)
	<-done
	tr.rec.Fault = fs
	if cut.IsZero() || restored.IsZero() || restoreErr != nil {
		p := tr.problem("the outage did not run (cut %v, restored %v, %v)", !cut.IsZero(), !restored.IsZero(), restoreErr)
		return also(p, tr.audit(inst, tally.Acked()))
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
	return tr.audit(inst, tally.Acked())
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
func slowClientsTrial(tr *trial) error {
	ctx, st, id := tr.ctx, tr.step, tr.id
	n := int(st.Fault)
	nf := &results.NetFault{SlowClients: n, SlowKBps: scenario.SlowLinkKBps, SlowBatch: scenario.SlowBatch, Slow: &results.Counts{}}
	fs := &results.FaultStats{Net: nf}
	tr.rec = results.Trial{Model: "closed", Clients: st.Config.Clients, Batch: st.Config.Batch, KeepAlive: true, Fault: fs}
	inst, err := tr.start()
	if err != nil {
		return tr.unmeasured("start: %v", err)
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
		nf.UnloadedP99NS = tr.attack(uc, tally).Latency.P99
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
			_ = tr.audit(inst, tally.Acked())
			return err
		}
		defer link.Close()
		scfg := load.Config{Addr: link.Addr(), Model: load.Closed, Clients: n, Duration: slowHeadStart + st.Config.Duration,
			Batch: scenario.SlowBatch, KeepAlive: true, Timeout: slowTimeout, ClientPrefix: "f-" + id + "-slow-", Backoff: 100 * time.Millisecond}
		slowWG.Go(func() { slowTrial = tr.attack(scfg, tally) })
		select {
		case <-time.After(slowHeadStart):
		case <-ctx.Done():
		}
	}
	lc.ClientPrefix = "f-" + id + "-"
	tr.rec = tr.attack(lc, tally)
	tr.rec.Fault = fs
	slowWG.Wait()
	if n > 0 {
		*nf.Slow = slowTrial.Counts
		nf.SlowP99NS = int64(slowTrial.Latency.P99)
	}
	return tr.audit(inst, tally.Acked())
}
