package analysis

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"metricstream/harness/internal/faulttest"
	"metricstream/harness/results"
)

// The network-fault findings: the Redis latency cost against the 0 ms
// step and the slope over the steps; the outage policy, recovery, loss
// and goroutines; the fast clients' p99 against the same load alone and
// the slow=0 step.
func TestSummarizeNetFaults(t *testing.T) {
	run := &results.Run{Meta: results.Meta{Scenarios: []string{"redis-latency", "redis-outage", "slow-clients"}}, Trials: faulttest.NetTrials()}
	a, err := Analyze(run)
	require.NoError(t, err)
	f := a.FaultFindings

	require.Len(t, f.RedisLatency, 3)
	assert.Equal(t, RedisLatencyFinding{Cell: Cell{"redis-latency", "latency=0ms"}, Variant: "v", Trials: 1,
		AdmittedRPS: 4000, P50NS: 1e6, P99NS: 2e6, NothingLost: true}, f.RedisLatency[0], "the 0 ms step is the base: no comparison of its own")
	five := f.RedisLatency[2]
	assert.Equal(t, int64(5e6), five.AddedNS)
	assert.Equal(t, [3]float64{800, 6e6, 12e6}, [3]float64{five.AdmittedRPS, five.P50NS, five.P99NS})
	assert.False(t, five.NoBase)
	assert.Equal(t, [2]float64{1e6, 4000}, [2]float64{five.BaseP50NS, five.BaseAdmittedRPS})
	assert.Equal(t, 5e6, five.P50GrowthNS)
	assert.InDelta(t, 1, five.P50PerAdded, 1e-12)
	// 8 clients: 8 / 800 per second is 10 ms a request, 8 / 4000 is 2 ms
	assert.InDelta(t, 10e6, five.PerRequestNS, 1e-3)
	assert.InDelta(t, 2e6, five.BasePerRequestNS, 1e-3)
	assert.InDelta(t, 8e6, five.PerRequestGrowthNS, 1e-3)
	assert.InDelta(t, 1.6, five.PerRequestPerAdded, 1e-9)
	assert.Equal(t, 3, five.SlopeSteps)
	assert.InDelta(t, 1, five.Slope, 1e-9, "p50 = 1 ms + the added latency on every step")

	require.Len(t, f.RedisCut, 2)
	assert.Equal(t, RedisCutFinding{Cell: Cell{"redis-outage", "fail-open=false"}, Variant: "v", Trials: 1, OutageNS: 2e9,
		Denied: 800, Denied503: 800, OutageP99NS: 3e6, PolicyKept: true, RecoveryNS: 5e8, RecoveryFailed: 4, RecoveredInTime: true,
		NothingLost: true, GoroutinesMeasured: true, GoroutinesBefore: 12, GoroutinesAfter: 11, NoneStuck: true}, f.RedisCut[0])
	assert.Equal(t, RedisCutFinding{Cell: Cell{"redis-outage", "fail-open=true"}, Variant: "v", Trials: 1, OutageNS: 2e9, FailOpen: true,
		Admitted: 790, Denied: 10, Denied503: 10, OutageP99NS: 3e6, RecoveryNS: 3e9, RecoveryFailed: 4, Lost: 2,
		GoroutinesMeasured: true, GoroutinesBefore: 12, GoroutinesAfter: 20, StuckGoroutines: 8}, f.RedisCut[1],
		"fail open yet 10 denied, recovery 3 s, 2 lost, 8 goroutines left: every verdict fails")

	require.Len(t, f.SlowClients, 1, "slow=0 is the baseline, not a finding")
	assert.Equal(t, SlowClientsFinding{Cell: Cell{"slow-clients", "slow=16"}, Variant: "v", Trials: 1, SlowClients: 16, SlowKBps: 65, SlowBatch: 1000,
		SlowAnswered: 32, SlowP99NS: 18e8, NothingLost: true, P99NS: 25e6, Paired: 1, AloneP99NS: 16e6, PairedRatio: 25.0 / 16, P99OK: true,
		BaseP99NS: 10e6, BaseRatio: 2.5}, f.SlowClients[0], "25 ms beside 16 ms alone: 1.56×, held; 2.5× the slow=0 step only for reference")
	assert.Empty(t, f.Slowloris)
	assert.Empty(t, f.Overload)
	if l := results.BenchLine(&run.Trials[4]); !strings.Contains(l, " 2 lost-metrics 3e+09 outage-recovery-ns 8 stuck-goroutines") && !strings.Contains(l, " 2 lost-metrics 3000000000 outage-recovery-ns 8 stuck-goroutines") {
		t.Errorf("bench line %q", l)
	}
}
