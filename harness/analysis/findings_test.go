package analysis

import (
	"slices"
	"strings"
	"testing"

	"metricstream/harness/results"
)

// The analysis reads a replica cell's admitted rate per client against the
// per-replica limit.
func TestSummarizeReplicas(t *testing.T) {
	run := &results.Run{Meta: results.Meta{Scenarios: []string{"replicas"}, Variants: []results.Variant{{Label: "window"}, {Label: "redis"}}}}
	for _, v := range []struct {
		label string
		rps   float64
	}{{"window", 570}, {"window", 580}, {"window", 560}, {"redis", 200}} {
		run.Trials = append(run.Trials, results.Trial{Scenario: "replicas", Variant: v.label, Clients: 20, Replicas: 3, RateLimit: 10, Throughput: v.rps})
	}
	a, err := Analyze(run)
	if err != nil {
		t.Fatal(err)
	}
	if want := "replicas, 3 replicas × 10/s per client: window 28.5/s (2.85×) · redis 10.0/s (1.00×)"; !slices.Contains(a.Replicas, want) {
		t.Fatalf("replicas %q\nlack %q", a.Replicas, want)
	}
}

// The analysis states each fault criterion: slowloris closes and the p99
// ratio to the unloaded step; overload capacity, 503 share, recovery, loss.
func TestSummarizeFaults(t *testing.T) {
	sl := func(step string, p99 int64, f *results.FaultStats) results.Trial {
		return results.Trial{Scenario: "slowloris", Step: step, Variant: "v", Kind: "slowloris", Latency: results.Latency{P99: p99}, Fault: f}
	}
	run := &results.Run{Meta: results.Meta{Scenarios: []string{"slowloris", "overload"}}, Trials: []results.Trial{
		sl("slowloris=0", 1e6, &results.FaultStats{HeaderTimeoutNS: 1e9}),
		sl("slowloris=1000", 3e6, &results.FaultStats{HeaderTimeoutNS: 1e9, Attackers: 1000, Connected: 1000, ClosedInTime: 998, SlowestCloseNS: 2.5e9}),
		{Scenario: "overload", Variant: "v", Kind: "overload", OfferedRate: 5000, SentRate: 4900, Latency: results.Latency{P99: 4e6},
			Counts: results.Counts{Status2xx: 100, Status503: 300, Late: 40},
			Fault:  &results.FaultStats{CapacityRPS: 1000, AchievedRPS: 4900, RecoveryNS: 5e8, Recovery503: 3}},
	}}
	a, err := Analyze(run)
	if err != nil {
		t.Fatal(err)
	}
	out := strings.Join(a.Faults, "\n")
	for _, want := range []string{
		"slowloris slowloris=1000 v: closed within 1.00s+1s 998/1000 connected (1000 asked, 1 trials), slowest 2.50s: FAIL",
		"honest p99 3.00ms vs 1.00ms unloaded = 3.00× (≤ 2×): FAIL",
		"overload v: capacity 1000/s (1 of 1 searches converged), offered 5000/s, sent 4900/s (4.90× capacity) (late 10%: latency is timed from each request's intended send); 503 share 75.0% (503s in every trial: yes); 2xx p99 4.00ms; recovery over the 1 trials with a converged search: last 503 500ms into it (≤ 2s): ok; lost 0: ok",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("faults lack %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "slowloris slowloris=0 v:") {
		t.Errorf("the unloaded step is the baseline, not a fault line:\n%s", out)
	}
	line := results.BenchLine(&run.Trials[1])
	if !strings.HasSuffix(line, " 0 lost-metrics 2 hostile-late") {
		t.Errorf("bench line %q", line)
	}
	if line := results.BenchLine(&run.Trials[2]); !strings.HasSuffix(line, " 0 lost-metrics 500000000 recovery-ns 1000 capacity-req/s") {
		t.Errorf("bench line %q", line)
	}
}

// An overload the generator could not send (it SENT about the capacity,
// not 5× it) is said to be one the server never saw; the completion rate
// is not what decides.
func TestOverloadNeverSeen(t *testing.T) {
	tr := &results.Trial{Scenario: "overload", Variant: "v", Kind: "overload", OfferedRate: 50000, SentRate: 9300, Counts: results.Counts{Status2xx: 9000, Late: 9000},
		Fault: &results.FaultStats{CapacityRPS: 10000, AchievedRPS: 40000}}
	got := overloadLine(Cell{Scenario: "overload"}, "v", []*results.Trial{tr})
	if want := "; the server never saw the overload: the generator, sharing the machine, sent only 0.93× capacity"; !strings.Contains(got, want) {
		t.Errorf("%q\nlacks %q", got, want)
	}
	tr.SentRate, tr.Fault.AchievedRPS = 40000, 9300
	if got := overloadLine(Cell{Scenario: "overload"}, "v", []*results.Trial{tr}); strings.Contains(got, "never saw") || !strings.Contains(got, "sent 40000/s (4.00× capacity)") {
		t.Errorf("4× capacity sent, yet %q", got)
	}
}

// An overload trial whose search never passed (capacity 0 in runs older
// than Trial.Capacity, or a censored Trial.Capacity) has no capacity, no
// multiple and no recovery verdict; bench.txt carries neither a capacity
// nor a recovery for it.
func TestOverloadCensoredSearch(t *testing.T) {
	old := results.Trial{Scenario: "overload", Variant: "v", Kind: "overload", OfferedRate: 0,
		Fault: &results.FaultStats{CapacityRPS: 0, RecoveryNS: 0}}
	below := results.Trial{Scenario: "overload", Variant: "v", Kind: "overload", Trial: 1,
		Capacity: &results.CapacityStats{BelowMin: true, Points: []results.CapacityPoint{{Offered: 2000}, {Offered: 1000}}},
		Fault:    &results.FaultStats{}}
	for _, tr := range []results.Trial{old, below} {
		line := overloadLine(Cell{Scenario: "overload"}, "v", []*results.Trial{&tr})
		if !strings.Contains(line, "no capacity: the search of all 1 trials ended on a bound") || strings.Contains(line, "recovery") && !strings.Contains(line, "no recovery verdict") {
			t.Errorf("censored overload line %q", line)
		}
		if b := results.BenchLine(&tr); strings.Contains(b, "capacity-req/s") || strings.Contains(b, "recovery-ns") {
			t.Errorf("bench line %q", b)
		}
	}
	if c, bound := results.SearchOf(&below); c != results.Below || bound != 1000 {
		t.Errorf("below: %v %v", c, bound)
	}
}
