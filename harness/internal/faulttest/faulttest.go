// Package faulttest builds the network-fault trials the analysis and
// report tests share: Redis behind added latency, Redis cut under both
// policies, and slow clients beside a fast load, with known figures.
package faulttest

import "metricstream/harness/results"

// RedisLatency is variant v's redis-latency trial with ms of added
// latency: 8 clients, p50 p50us µs (p99 twice it), admitted rps per second.
func RedisLatency(ms, p50us int64, rps float64) results.Trial {
	return results.Trial{Scenario: "redis-latency", Step: "latency=" + map[int64]string{0: "0", 1: "1", 5: "5"}[ms] + "ms", Variant: "v", Kind: "redis-latency",
		Clients: 8, Throughput: rps, Latency: results.Latency{P50: p50us * 1e3, P99: 2 * p50us * 1e3},
		Fault: &results.FaultStats{Net: &results.NetFault{RedisLatencyNS: ms * 1e6}}}
}

// RedisOutage is variant v's redis-outage trial: a 2 s cut under the
// fail-open policy or not, o the answers to requests sent during it,
// recovery rec ns after the restore (4 failed answers), goroutines g0
// before and g1 after, lost metrics.
func RedisOutage(step string, open bool, o results.Counts, rec int64, g0, g1 int, lost int64) results.Trial {
	return results.Trial{Scenario: "redis-outage", Step: step, Variant: "v", Kind: "redis-outage", Lost: lost,
		Fault: &results.FaultStats{Net: &results.NetFault{FailOpen: open, OutageNS: 2e9, Outage: &o, OutageP99NS: 3e6, RecoveryNS: rec, RecoveryFailed: 4, GoroutinesBefore: g0, GoroutinesAfter: g1}}}
}

// SlowClients is variant v's slow-clients trial with n slow clients (65
// KB/s, 1000-metric batches, 2n answered 2xx, their p99 1.8 s) beside the
// fast load, whose p99 is p99ms ms, and n ms when alone.
func SlowClients(n int, p99ms int64) results.Trial {
	return results.Trial{Scenario: "slow-clients", Step: map[int]string{0: "slow=0", 16: "slow=16"}[n], Variant: "v", Kind: "slow-clients",
		Latency: results.Latency{P99: p99ms * 1e6},
		Fault:   &results.FaultStats{Net: &results.NetFault{SlowClients: n, SlowKBps: 65, SlowBatch: 1000, Slow: &results.Counts{Status2xx: int64(2 * n)}, SlowP99NS: 18e8, UnloadedP99NS: int64(n) * 1e6}}}
}

// NetTrials are one trial of each network-fault cell: Redis at +0, +1 and
// +5 ms (p50 1, 2 and 6 ms; 4000, 2000 and 800 admitted per second), the
// cut kept closed (800 denied with 503, recovered in 0.5 s, goroutines
// 12 → 11) and failed open (10 of 800 denied, 3 s to recover, 8 goroutines
// left, 2 metrics lost), and 16 slow clients (fast p99 25 ms, 16 ms alone,
// 10 ms at slow=0).
func NetTrials() []results.Trial {
	return []results.Trial{
		RedisLatency(0, 1000, 4000), RedisLatency(1, 2000, 2000), RedisLatency(5, 6000, 800),
		RedisOutage("fail-open=false", false, results.Counts{Status503: 800}, 5e8, 12, 11, 0),
		RedisOutage("fail-open=true", true, results.Counts{Status2xx: 790, Status503: 10}, 3e9, 12, 20, 2),
		SlowClients(0, 10), SlowClients(16, 25),
	}
}
