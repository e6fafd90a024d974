package analysis

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"metricstream/harness/results"
)

// The analysis reads a replica cell's admitted rate per client against the
// per-replica limit, one finding per variant.
func TestSummarizeReplicas(t *testing.T) {
	run := &results.Run{Meta: results.Meta{Scenarios: []string{"replicas"}, Variants: []results.Variant{{Label: "window"}, {Label: "redis"}}}}
	for _, v := range []struct {
		label string
		rps   float64
	}{{"window", 570}, {"window", 580}, {"window", 560}, {"redis", 200}} {
		run.Trials = append(run.Trials, results.Trial{Scenario: "replicas", Variant: v.label, Clients: 20, Replicas: 3, RateLimit: 10, Throughput: v.rps})
	}
	run.Trials = append(run.Trials, results.Trial{Scenario: "single", Variant: "window", Clients: 20, Throughput: 100}) // one server: no replica finding
	a, err := Analyze(run)
	require.NoError(t, err)
	c := Cell{Scenario: "replicas"}
	assert.Equal(t, []ReplicaFinding{
		{Cell: c, Variant: "window", Replicas: 3, RateLimit: 10, PerClientRPS: 28.5, LimitMultiple: 2.85},
		{Cell: c, Variant: "redis", Replicas: 3, RateLimit: 10, PerClientRPS: 10, LimitMultiple: 1},
	}, a.ReplicaFindings)
}

// The analysis judges each fault criterion: slowloris closes and the p99
// ratio to the unloaded step (a baseline, not a finding); overload
// capacity, sent multiple, 503 share, recovery, loss.
func TestSummarizeFaults(t *testing.T) {
	sl := func(step string, p99 int64, f *results.FaultStats) results.Trial {
		return results.Trial{Scenario: "slowloris", Step: step, Variant: "v", Kind: "slowloris", Latency: results.Latency{P99: p99}, Fault: f}
	}
	run := &results.Run{Meta: results.Meta{Scenarios: []string{"slowloris", "overload"}}, Trials: []results.Trial{
		sl("slowloris=0", 1e6, &results.FaultStats{HeaderTimeoutNS: 1e9}),
		sl("slowloris=1000", 3e6, &results.FaultStats{HeaderTimeoutNS: 1e9, Attackers: 1000, Connected: 1000, ClosedInTime: 998, SlowestCloseNS: 2.5e9}),
		sl("slowloris=10", 1.5e6, &results.FaultStats{HeaderTimeoutNS: 1e9, Attackers: 10, Connected: 10, ClosedInTime: 10, SlowestCloseNS: 2e9}),
		{Scenario: "overload", Variant: "v", Kind: "overload", OfferedRate: 5000, SentRate: 4900, Latency: results.Latency{P99: 4e6},
			Counts: results.Counts{Status2xx: 100, Status503: 300, Late: 40},
			Fault:  &results.FaultStats{CapacityRPS: 1000, AchievedRPS: 4900, RecoveryNS: 5e8, Recovery503: 3}},
	}}
	a, err := Analyze(run)
	require.NoError(t, err)
	f := a.FaultFindings
	require.Len(t, f.Slowloris, 2, "slowloris=0 is the baseline, not a finding")
	assert.Equal(t, SlowlorisFinding{Cell: Cell{"slowloris", "slowloris=10"}, Variant: "v", Trials: 1, Attackers: 10, Connected: 10, ClosedInTime: 10,
		HeaderTimeoutNS: 1e9, SlowestCloseNS: 2e9, HonestP99NS: 1.5e6, BaseP99NS: 1e6, P99Ratio: 1.5, ClosedOK: true, P99OK: true}, f.Slowloris[0],
		"closed at exactly the header timeout + 1 s, p99 1.5× the unloaded: both held")
	assert.Equal(t, SlowlorisFinding{Cell: Cell{"slowloris", "slowloris=1000"}, Variant: "v", Trials: 1, Attackers: 1000, Connected: 1000, ClosedInTime: 998,
		HeaderTimeoutNS: 1e9, SlowestCloseNS: 2.5e9, HonestP99NS: 3e6, BaseP99NS: 1e6, P99Ratio: 3}, f.Slowloris[1],
		"two closed late, p99 3× the unloaded: neither held")

	require.Len(t, f.Overload, 1)
	assert.Equal(t, OverloadFinding{Cell: Cell{Scenario: "overload"}, Variant: "v", Trials: 1, Converged: 1, CapacityRPS: 1000,
		OfferedRPS: 5000, SentRPS: 4900, SentMultiple: 4.9, LatePct: 10, Refused503Pct: 75, All503: true, P99NS: 4e6,
		Judged: 1, RecoveryNS: 5e8, RecoveredInTime: true, NothingLost: true}, f.Overload[0])
	assert.Empty(t, f.RedisLatency)
	assert.Empty(t, f.RedisCut)
	assert.Empty(t, f.SlowClients)

	line := results.BenchLine(&run.Trials[1])
	if !strings.HasSuffix(line, " 0 lost-metrics 2 hostile-late") {
		t.Errorf("bench line %q", line)
	}
	if line := results.BenchLine(&run.Trials[3]); !strings.HasSuffix(line, " 0 lost-metrics 500000000 recovery-ns 1000 capacity-req/s") {
		t.Errorf("bench line %q", line)
	}
}

// An overload the generator could not send (it SENT about the capacity,
// not 5× it) is one the server never saw; the completion rate is not what
// decides. A recovery past 2 s fails; no 503 at all is said as such.
func TestOverloadNeverSeen(t *testing.T) {
	tr := &results.Trial{Scenario: "overload", Variant: "v", Kind: "overload", OfferedRate: 50000, SentRate: 9300, Counts: results.Counts{Status2xx: 9000, Late: 9000},
		Fault: &results.FaultStats{CapacityRPS: 10000, AchievedRPS: 40000}}
	f := overloadFinding(Cell{Scenario: "overload"}, "v", []*results.Trial{tr})
	assert.True(t, f.Unseen)
	assert.InDelta(t, 0.93, f.SentMultiple, 1e-12)
	assert.True(t, f.NoLate503 && f.RecoveredInTime && !f.All503, "%+v", f)
	tr.SentRate, tr.Fault.AchievedRPS, tr.Fault.RecoveryNS = 40000, 9300, 2.5e9
	f = overloadFinding(Cell{Scenario: "overload"}, "v", []*results.Trial{tr})
	assert.False(t, f.Unseen, "4× capacity sent")
	assert.Equal(t, 40000.0, f.SentRPS)
	assert.Equal(t, 4.0, f.SentMultiple)
	assert.False(t, f.NoLate503 || f.RecoveredInTime, "a last 503 2.5 s in: %+v", f)
}

// An overload trial whose search never passed (capacity 0 in runs older
// than Trial.Capacity, or a censored Trial.Capacity) has no capacity, no
// multiple and no recovery verdict; bench.txt carries neither a capacity
// nor a recovery for it.
func TestOverloadCensoredSearch(t *testing.T) {
	old := results.Trial{Scenario: "overload", Variant: "v", Kind: "overload", OfferedRate: 0,
		Fault: &results.FaultStats{CapacityRPS: 0, RecoveryNS: 0}}
	below := results.Trial{Scenario: "overload", Variant: "v", Kind: "overload", Trial: 1, Lost: 2, SentRate: 900,
		Capacity: &results.CapacityStats{BelowMin: true, Points: []results.CapacityPoint{{Offered: 2000}, {Offered: 1000}}},
		Fault:    &results.FaultStats{}}
	for _, tr := range []results.Trial{old, below} {
		f := overloadFinding(Cell{Scenario: "overload"}, "v", []*results.Trial{&tr})
		if !f.Censored || f.Converged != 0 || f.CapacityRPS != 0 || f.SentMultiple != 0 || f.Judged != 0 || f.RecoveredInTime || f.Unseen || f.NothingLost != (tr.Lost == 0) {
			t.Errorf("censored overload finding %+v", f)
		}
		if b := results.BenchLine(&tr); strings.Contains(b, "capacity-req/s") || strings.Contains(b, "recovery-ns") {
			t.Errorf("bench line %q", b)
		}
	}
	if c, bound := results.SearchOf(&below); c != results.Below || bound != 1000 {
		t.Errorf("below: %v %v", c, bound)
	}
}
