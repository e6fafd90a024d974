package analysis

import (
	"strings"
	"testing"

	"metricstream/harness/results"
)

// The network-fault rows: the Redis latency cost against the 0 ms step and
// the slope over the steps; the outage policy, recovery, loss and
// goroutines; the fast clients' p99 against the slow=0 step.
func TestSummarizeNetFaults(t *testing.T) {
	rl := func(ms int64, p50 int64, rps float64) results.Trial {
		return results.Trial{Scenario: "redis-latency", Step: "latency=" + map[int64]string{0: "0", 1: "1", 5: "5"}[ms] + "ms", Variant: "v", Kind: "redis-latency",
			Clients: 8, Throughput: rps, Latency: results.Latency{P50: p50 * 1e3, P99: 2 * p50 * 1e3},
			Fault: &results.FaultStats{Net: &results.NetFault{RedisLatencyNS: ms * 1e6}}}
	}
	ro := func(step string, open bool, o results.Counts, rec int64, g0, g1 int, lost int64) results.Trial {
		return results.Trial{Scenario: "redis-outage", Step: step, Variant: "v", Kind: "redis-outage", Lost: lost,
			Fault: &results.FaultStats{Net: &results.NetFault{FailOpen: open, OutageNS: 2e9, Outage: &o, OutageP99NS: 3e6, RecoveryNS: rec, RecoveryFailed: 4, GoroutinesBefore: g0, GoroutinesAfter: g1}}}
	}
	sc := func(n int, p99 int64) results.Trial {
		return results.Trial{Scenario: "slow-clients", Step: map[int]string{0: "slow=0", 16: "slow=16"}[n], Variant: "v", Kind: "slow-clients",
			Latency: results.Latency{P99: p99 * 1e6},
			Fault:   &results.FaultStats{Net: &results.NetFault{SlowClients: n, SlowKBps: 65, SlowBatch: 1000, Slow: &results.Counts{Status2xx: int64(2 * n)}, SlowP99NS: 18e8, UnloadedP99NS: int64(n) * 1e6}}}
	}
	run := &results.Run{Meta: results.Meta{Scenarios: []string{"redis-latency", "redis-outage", "slow-clients"}}, Trials: []results.Trial{
		rl(0, 1000, 4000), rl(1, 2000, 2000), rl(5, 6000, 800),
		ro("fail-open=false", false, results.Counts{Status503: 800}, 5e8, 12, 11, 0),
		ro("fail-open=true", true, results.Counts{Status2xx: 790, Status503: 10}, 3e9, 12, 20, 2),
		sc(0, 10), sc(16, 25),
	}}
	a, err := Analyze(run)
	if err != nil {
		t.Fatal(err)
	}
	out := strings.Join(a.Faults, "\n")
	for _, want := range []string{
		"redis-latency latency=0ms v: Redis +0.00ns per answer: admitted 4000/s, p50 1.00ms, p99 2.00ms; lost 0: ok",
		"redis-latency latency=5ms v: Redis +5.00ms per answer: admitted 800/s, p50 6.00ms, p99 12.0ms; lost 0: ok; vs +0: p50 +5.00ms (1.00× the added latency), time per request (clients / admitted) 10.0ms vs 2.00ms = +8.00ms (1.60×)",
		"slope of p50 over the 3 steps: 1.00 ms per ms added",
		"redis-outage fail-open=false v: Redis cut 2.00s: requests sent during it: 0 admitted, 800 denied (800 503, 0 timeout/conn error), p99 3.00ms (fail closed: denied while down): ok; recovery 500ms after the restore (4 failed answers, ≤ 2s): ok; lost 0: ok; goroutines 12 before, 11 after: ok",
		"redis-outage fail-open=true v: Redis cut 2.00s: requests sent during it: 790 admitted, 10 denied (10 503, 0 timeout/conn error), p99 3.00ms (fail open: admitted while down): FAIL; recovery 3.00s after the restore (4 failed answers, ≤ 2s): FAIL; lost 2: FAIL; goroutines 12 before, 20 after: FAIL",
		"slow-clients slow=16 v: 16 slow clients at 65 KB/s posting 1000-metric batches (32 answered 2xx, p99 1.80s); lost 0: ok; fast p99 25.0ms vs 16.0ms alone in the same trials = 1.56× (median of 1 paired ratios, ≤ 2×): ok (the slow=0 step's: 10.0ms, 2.50×)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("faults lack %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "slow-clients slow=0 v:") {
		t.Errorf("slow=0 is the baseline, not a row:\n%s", out)
	}
	if l := results.BenchLine(&run.Trials[4]); !strings.Contains(l, " 2 lost-metrics 3e+09 outage-recovery-ns 8 stuck-goroutines") && !strings.Contains(l, " 2 lost-metrics 3000000000 outage-recovery-ns 8 stuck-goroutines") {
		t.Errorf("bench line %q", l)
	}
}
