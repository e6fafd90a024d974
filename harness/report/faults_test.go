package report

import (
	"bytes"
	"html"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"metricstream/harness/internal/faulttest"
	"metricstream/harness/results"
)

// faultRun is a run with a cell of every fault kind that has a finding
// of its own, each beside its baseline step, and a replica cell.
func faultRun() *results.Run {
	sl := func(step string, p99 int64, f *results.FaultStats) results.Trial {
		return results.Trial{Scenario: "slowloris", Step: step, Variant: "v", Kind: "slowloris", Latency: results.Latency{P99: p99}, Fault: f}
	}
	run := &results.Run{Meta: results.Meta{Scenarios: []string{"slowloris", "overload", "unseen", "censored", "redis-latency", "redis-outage", "slow-clients", "replicas"},
		Variants: []results.Variant{{Label: "v"}, {Label: "window"}, {Label: "redis"}}}, Trials: []results.Trial{
		sl("slowloris=0", 1e6, &results.FaultStats{HeaderTimeoutNS: 1e9}),
		sl("slowloris=1000", 3e6, &results.FaultStats{HeaderTimeoutNS: 1e9, Attackers: 1000, Connected: 1000, ClosedInTime: 998, SlowestCloseNS: 2.5e9}),
		{Scenario: "overload", Variant: "v", Kind: "overload", OfferedRate: 5000, SentRate: 4900, Latency: results.Latency{P99: 4e6},
			Counts: results.Counts{Status2xx: 100, Status503: 300, Late: 40},
			Fault:  &results.FaultStats{CapacityRPS: 1000, AchievedRPS: 4900, RecoveryNS: 5e8, Recovery503: 3}},
		{Scenario: "unseen", Variant: "v", Kind: "overload", OfferedRate: 50000, SentRate: 9300, Counts: results.Counts{Status2xx: 9000, Late: 9000},
			Fault: &results.FaultStats{CapacityRPS: 10000, AchievedRPS: 40000}},
		{Scenario: "censored", Variant: "v", Kind: "overload", Lost: 3, Fault: &results.FaultStats{}},
	}}
	run.Trials = append(run.Trials, faulttest.NetTrials()...)
	for _, v := range []struct {
		label string
		rps   float64
	}{{"window", 570}, {"window", 580}, {"window", 560}, {"redis", 200}} {
		run.Trials = append(run.Trials, results.Trial{Scenario: "replicas", Variant: v.label, Clients: 20, Replicas: 3, RateLimit: 10, Throughput: v.rps})
	}
	return run
}

// The fault and replica findings in words, the same on the terminal and
// the page: each kind's figures and verdicts, its cases said as such (no
// base step, a censored capacity search, an overload the server never
// saw), the baseline steps not rows of their own.
func TestFaultAndReplicaLines(t *testing.T) {
	rep, err := Build(faultRun())
	require.NoError(t, err)
	faults := FaultLines(rep.Analysis)
	require.Len(t, faults, 10, "1 slowloris, 3 overload, 3 Redis latency, 2 Redis cut, 1 slow clients")
	txt := strings.Join(faults, "\n")
	for _, want := range []string{
		"slowloris slowloris=1000 v: closed within 1.00s+1s 998/1000 connected (1000 asked, 1 trials), slowest 2.50s: FAIL; honest p99 3.00ms vs 1.00ms unloaded = 3.00× (≤ 2×): FAIL",
		"overload v: capacity 1000/s (1 of 1 searches converged), offered 5000/s, sent 4900/s (4.90× capacity) (late 10%: latency is timed from each request's intended send); 503 share 75.0% (503s in every trial: yes); 2xx p99 4.00ms; recovery over the 1 trials with a converged search: last 503 500ms into it (≤ 2s): ok; lost 0: ok",
		"unseen v: capacity 10000/s (1 of 1 searches converged), offered 50000/s, sent 9300/s (0.93× capacity) (late 100%: latency is timed from each request's intended send); 503 share 0.0% (503s in every trial: no); 2xx p99 0.00ns; recovery over the 1 trials with a converged search: no 503 at 0.5× capacity (≤ 2s): ok; lost 0: ok; the server never saw the overload: the generator, sharing the machine, sent only 0.93× capacity, so this run cannot show what the executor does beyond it",
		"censored v: no capacity: the search of all 1 trials ended on a bound (no rate passed, or not converged), so no overload multiple and no recovery verdict; lost 3: FAIL",
		"redis-latency latency=0ms v: Redis +0.00ns per answer: admitted 4000/s, p50 1.00ms, p99 2.00ms; lost 0: ok",
		"redis-latency latency=5ms v: Redis +5.00ms per answer: admitted 800/s, p50 6.00ms, p99 12.0ms; lost 0: ok; vs +0: p50 +5.00ms (1.00× the added latency), time per request (clients / admitted) 10.0ms vs 2.00ms = +8.00ms (1.60×): the cost of one Redis round trip per decision; slope of p50 over the 3 steps: 1.00 ms per ms added (≈ Redis round trips per request)",
		"redis-outage fail-open=false v: Redis cut 2.00s: requests sent during it: 0 admitted, 800 denied (800 503, 0 timeout/conn error), p99 3.00ms (fail closed: denied while down): ok; recovery 500ms after the restore (4 failed answers, ≤ 2s): ok; lost 0: ok; goroutines 12 before, 11 after: ok",
		"redis-outage fail-open=true v: Redis cut 2.00s: requests sent during it: 790 admitted, 10 denied (10 503, 0 timeout/conn error), p99 3.00ms (fail open: admitted while down): FAIL; recovery 3.00s after the restore (4 failed answers, ≤ 2s): FAIL; lost 2: FAIL; goroutines 12 before, 20 after: FAIL",
		"slow-clients slow=16 v: 16 slow clients at 65 KB/s posting 1000-metric batches (32 answered 2xx, p99 1.80s); lost 0: ok; fast p99 25.0ms vs 16.0ms alone in the same trials = 1.56× (median of 1 paired ratios, ≤ 2×): ok (the slow=0 step's: 10.0ms, 2.50×)",
	} {
		assert.Contains(t, faults, want)
	}
	for _, base := range []string{"slowloris slowloris=0 v:", "slow-clients slow=0 v:"} {
		assert.NotContains(t, txt, base, "a baseline step is no row of its own")
	}
	replicas := ReplicaLines(rep.Analysis)
	assert.Equal(t, []string{"replicas, 3 replicas × 10/s per client: window 28.5/s (2.85×) · redis 10.0/s (1.00×)"}, replicas)

	// the page and the summary say the same lines
	assert.Equal(t, faults, rep.Faults)
	assert.Equal(t, replicas, rep.Replicas)
	var page, sum bytes.Buffer
	require.NoError(t, rep.WriteHTML(&page))
	require.NoError(t, Summary(&sum, rep.Analysis))
	p := html.UnescapeString(page.String())
	flat := strings.Join(strings.Fields(sum.String()), " ")
	assert.Contains(t, p, `id="faults"`)
	assert.Contains(t, p, "10 findings against the fault criteria")
	assert.Contains(t, p, `id="replicas"`)
	for _, l := range append(faults, replicas...) {
		assert.Contains(t, p, "<li>"+l+"</li>")
		assert.Contains(t, flat, l)
	}
}

// The cases a finding states without its base: a slowloris step with no
// slowloris=0 step, a Redis latency step with no latency=0ms step, slow
// clients without the fast load measured alone or a slow=0 step, a cut
// whose goroutines /health did not report.
func TestFaultLinesWithoutBase(t *testing.T) {
	run := &results.Run{Meta: results.Meta{Scenarios: []string{"slowloris", "redis-latency", "redis-outage", "slow-clients"}}, Trials: []results.Trial{
		{Scenario: "slowloris", Step: "slowloris=10", Variant: "v", Kind: "slowloris", Latency: results.Latency{P99: 2e6},
			Fault: &results.FaultStats{HeaderTimeoutNS: 5e8, Attackers: 10, Connected: 10, ClosedInTime: 10, SlowestCloseNS: 6e8}},
		{Scenario: "redis-latency", Step: "latency=1ms", Variant: "v", Kind: "redis-latency", Clients: 4, Throughput: 100, Latency: results.Latency{P50: 2e6, P99: 3e6},
			Fault: &results.FaultStats{Net: &results.NetFault{RedisLatencyNS: 1e6}}},
		{Scenario: "redis-outage", Step: "fail-open=false", Variant: "v", Kind: "redis-outage",
			Fault: &results.FaultStats{Net: &results.NetFault{OutageNS: 2e9, Outage: &results.Counts{Status503: 5, Timeout: 2}, RecoveryNS: 1e9}}},
		{Scenario: "slow-clients", Step: "slow=4", Variant: "v", Kind: "slow-clients", Latency: results.Latency{P99: 7e6},
			Fault: &results.FaultStats{Net: &results.NetFault{SlowClients: 4, SlowKBps: 8, SlowBatch: 100, SlowP99NS: 1e9}}},
	}}
	rep, err := Build(run)
	require.NoError(t, err)
	assert.Equal(t, []string{
		"slowloris slowloris=10 v: closed within 500ms+1s 10/10 connected (10 asked, 1 trials), slowest 600ms: ok; honest p99 2.00ms (no slowloris=0 step to compare)",
		"redis-latency latency=1ms v: Redis +1.00ms per answer: admitted 100/s, p50 2.00ms, p99 3.00ms; lost 0: ok (no latency=0ms step to compare)",
		"redis-outage fail-open=false v: Redis cut 2.00s: requests sent during it: 0 admitted, 7 denied (5 503, 2 timeout/conn error), p99 0.00ns (fail closed: denied while down): ok; recovery 1.00s after the restore (0 failed answers, ≤ 2s): ok; lost 0: ok; goroutines not reported by /health",
		"slow-clients slow=4 v: 4 slow clients at 8 KB/s posting 100-metric batches (0 answered 2xx, p99 1.00s); lost 0: ok; fast p99 7.00ms",
	}, FaultLines(rep.Analysis))
	assert.Empty(t, ReplicaLines(rep.Analysis))
}
