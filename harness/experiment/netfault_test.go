package experiment

import (
	"strings"
	"testing"
	"time"

	"metricstream/harness/results"
)

// netOfTrial fails t when tr is not a network-fault trial of kind.
func netOfTrial(t *testing.T, tr results.Trial, kind string) *results.NetFault {
	t.Helper()
	if tr.Kind != kind || tr.Fault == nil || tr.Fault.Net == nil {
		t.Fatalf("%s trial: kind %q fault %+v", kind, tr.Kind, tr.Fault)
	}
	return tr.Fault.Net
}

// Redis behind a toxiproxy link with 0 and 20 ms of added latency, a real
// limiter=redis server: every request is admitted and acknowledged, and
// with 20 ms added no request is answered in under 20 ms (each decision
// is one Redis round trip through the link).
func TestRedisLatencyRealServer(t *testing.T) {
	sc := parseScenario(t, "rl", `{"name":"rl","about":"t","kind":"redis-latency","model":"closed","clients":2,"duration":"400ms","steps":[0,20],"server":{"rate_limit":100000}}`)
	run := runBuilt(t, "limiter=redis", sc)
	noProblems(t, run, "redis-latency")
	if len(run.Trials) != 2 {
		t.Fatalf("%d trials, want 2", len(run.Trials))
	}
	for i, tr := range run.Trials {
		n := netOfTrial(t, tr, "redis-latency")
		want := []time.Duration{0, 20 * time.Millisecond}[i]
		if n.RedisLatencyNS != int64(want) || tr.Step != []string{"latency=0ms", "latency=20ms"}[i] {
			t.Errorf("trial %d: step %q latency %v, want %v", i, tr.Step, time.Duration(n.RedisLatencyNS), want)
		}
		if tr.Counts.Status2xx == 0 || tr.Counts.Total() != tr.Counts.Status2xx || tr.Lost != 0 || tr.Acked == 0 {
			t.Errorf("trial %d: counts %+v acked %d lost %d", i, tr.Counts, tr.Acked, tr.Lost)
		}
		if want > 0 && time.Duration(tr.Latency.P50) < want {
			t.Errorf("trial %d: p50 %v with %v added to every Redis answer", i, time.Duration(tr.Latency.P50), want)
		}
	}
}

// Redis cut for 2 s in a 4 s open-loop run, then restored: failing closed
// the requests sent during the cut get 503 and none is admitted; failing
// open every one is admitted; after the restore requests are admitted
// again; nothing acknowledged is lost and the server's goroutines come
// back to their count before the outage.
func TestRedisOutageRealServer(t *testing.T) {
	sc := parseScenario(t, "ro", `{"name":"ro","about":"t","kind":"redis-outage","model":"open","clients":8,"rate":50,"duration":"4s","server":{"rate_limit":100000}}`)
	run := runBuilt(t, "limiter=redis", sc)
	noProblems(t, run, "redis-outage")
	if len(run.Trials) != 2 {
		t.Fatalf("%d trials, want 2", len(run.Trials))
	}
	for i, tr := range run.Trials {
		n := netOfTrial(t, tr, "redis-outage")
		o := n.Outage
		if o == nil || n.OutageNS < int64(1900*time.Millisecond) {
			t.Fatalf("trial %d: outage %v counts %+v", i, time.Duration(n.OutageNS), o)
		}
		if n.FailOpen != (i == 1) {
			t.Errorf("trial %d (%s): fail-open %v", i, tr.Step, n.FailOpen)
		}
		if n.FailOpen && (o.Status2xx == 0 || o.Total() != o.Status2xx) {
			t.Errorf("fail open: during the outage %+v, want all admitted", *o)
		}
		if !n.FailOpen && (o.Status503 == 0 || o.Status2xx != 0) {
			t.Errorf("fail closed: during the outage %+v, want 503s and none admitted", *o)
		}
		if n.RecoveryNS > int64(2*time.Second) {
			t.Errorf("trial %d: failed answers until %v after the restore (%d)", i, time.Duration(n.RecoveryNS), n.RecoveryFailed)
		}
		if tr.Lost != 0 || tr.Acked == 0 {
			t.Errorf("trial %d: acked %d lost %d", i, tr.Acked, tr.Lost)
		}
		if n.GoroutinesBefore <= 0 || n.GoroutinesAfter <= 0 || n.StuckGoroutines() != 0 {
			t.Errorf("trial %d: goroutines %d before, %d after", i, n.GoroutinesBefore, n.GoroutinesAfter)
		}
	}
	var bench strings.Builder
	for i := range run.Trials {
		bench.WriteString(results.BenchLine(&run.Trials[i]) + "\n")
	}
	for _, u := range []string{" lost-metrics", " outage-recovery-ns", " stuck-goroutines"} {
		if !strings.Contains(bench.String(), u) {
			t.Errorf("bench lines lack%s:\n%s", u, bench.String())
		}
	}
}

// Two slow clients, each on its own 65 KB/s toxiproxy link posting
// 1,000-metric batches (~100 KB: more than 1.4 s each), beside two fast
// clients: the fast load is recorded, the slow uploads are answered 2xx
// and take as long as the link makes them, nothing is lost (noProblems:
// the file holds every metric acknowledged, the slow batches' included).
func TestSlowClientsRealServer(t *testing.T) {
	sc := parseScenario(t, "sc", `{"name":"sc","about":"t","kind":"slow-clients","model":"closed","clients":2,"duration":"500ms","steps":[0,2],"server":{"rate_limit":0}}`)
	run := runBuilt(t, "optimized", sc)
	noProblems(t, run, "slow-clients")
	if len(run.Trials) != 2 {
		t.Fatalf("%d trials, want 2", len(run.Trials))
	}
	for i, tr := range run.Trials {
		n := netOfTrial(t, tr, "slow-clients")
		if tr.Counts.Status2xx == 0 || tr.Counts.Total() != tr.Counts.Status2xx || tr.Lost != 0 || tr.Batch != 1 {
			t.Errorf("trial %d fast: counts %+v batch %d lost %d", i, tr.Counts, tr.Batch, tr.Lost)
		}
		if i == 0 {
			if n.SlowClients != 0 || n.Slow.Total() != 0 || n.UnloadedP99NS != 0 {
				t.Errorf("slow=0: %+v", n)
			}
			continue
		}
		if n.SlowClients != 2 || n.SlowBatch != 1000 || n.Slow.Status2xx < 2 || n.Slow.Total() != n.Slow.Status2xx {
			t.Errorf("slow=2: %+v counts %+v", n, n.Slow)
		}
		if n.UnloadedP99NS <= 0 {
			t.Errorf("slow=2: no unloaded p99 of the fast load alone")
		}
		if n.SlowP99NS < int64(1400*time.Millisecond) {
			t.Errorf("a ~100 KB upload at 65 KB/s took %v", time.Duration(n.SlowP99NS))
		}
	}
}

// A redis kind refuses a variant whose limiter never crosses the link.
func TestRedisKindsNeedRedisLimiter(t *testing.T) {
	sc := parseScenario(t, "rl", `{"name":"rl","about":"t","kind":"redis-latency","model":"closed","clients":2,"duration":"400ms","steps":[0],"server":{"rate_limit":10}}`)
	as := arms(t, "optimized+limiter=redis")
	if err := redisArm(&trial{arm: &armState{Arm: as[0]}, sc: sc}); err == nil || !strings.Contains(err.Error(), "limiter=redis") {
		t.Errorf("optimized: %v", err)
	}
	if err := redisArm(&trial{arm: &armState{Arm: as[1]}, sc: sc}); err != nil {
		t.Errorf("limiter=redis: %v", err)
	}
}
