package results

import (
	"strings"
	"testing"
)

func search(c CapacityStats) *Trial {
	c.Points = append([]CapacityPoint{{Offered: 9000, Probe: true}}, c.Points...)
	return &Trial{Scenario: "capacity", Variant: "v", Kind: "capacity", Capacity: &c}
}

// Each way a capacity search can end, read as what it is: a number only
// when it converged; bench.txt writes capacity-req/s only then.
func TestCapacityCensoring(t *testing.T) {
	pts := []CapacityPoint{{Offered: 4000}, {Offered: 2000}, {Offered: 1000}}
	for _, tc := range []struct {
		name  string
		tr    *Trial
		want  Censoring
		bound float64
	}{
		{"converged", search(CapacityStats{RPS: 5000, Failing: 5200, Converged: true, Points: pts}), Exact, 5000},
		{"no rate passed", search(CapacityStats{BelowMin: true, Points: pts}), Below, 1000},
		{"0 without the flag", search(CapacityStats{RPS: 0, Points: pts}), Below, 1000},
		{"ceiling", search(CapacityStats{RPS: 90000, AtMax: true, Converged: true, Points: pts}), AtLeast, 90000},
		{"not converged", search(CapacityStats{RPS: 3000, Failing: 4000, Points: pts}), Bracket, 3000},
		{"overload, search stored", &Trial{Kind: "overload", Fault: &FaultStats{CapacityRPS: 0}, Capacity: &CapacityStats{BelowMin: true, Points: pts}}, Below, 1000},
		{"overload, capacity 0 only", &Trial{Kind: "overload", Fault: &FaultStats{CapacityRPS: 0}}, Below, 0},
		{"overload, capacity only", &Trial{Kind: "overload", Fault: &FaultStats{CapacityRPS: 7000, RecoveryNS: 1e8}}, Exact, 7000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, b := SearchOf(tc.tr)
			if c != tc.want || b != tc.bound {
				t.Errorf("SearchOf = %q %v, want %q %v", c, b, tc.want, tc.bound)
			}
			line := BenchLine(tc.tr)
			hasCap := strings.Contains(line, "capacity-req/s")
			if hasCap != (tc.want == Exact) {
				t.Errorf("bench line %q: capacity written %v, want %v", line, hasCap, tc.want == Exact)
			}
			if tc.tr.Kind == "overload" && strings.Contains(line, "recovery-ns") != (tc.want == Exact) {
				t.Errorf("bench line %q: a recovery measured at half a censored capacity", line)
			}
			if strings.Contains(line, " 0 capacity-req/s") {
				t.Errorf("bench line %q states a capacity of 0", line)
			}
		})
	}
}

// A latency quantile q is censored when more than 1 − q of the requests
// timed out (they enter the histogram at the timeout: the quantile is at
// least that); the mean when any did. BenchLine leaves censored values
// out and keeps the others as before.
func TestLatencyCensoring(t *testing.T) {
	tr := &Trial{Scenario: "s", Variant: "v", SuccessPct: 98, Throughput: 4100,
		Latency: Latency{Mean: 2.1e6, P50: 1e6, P99: 2e9, P999: 2e9}, Counts: Counts{Status2xx: 980, Timeout: 20}}
	got := map[string]bool{}
	for _, u := range TrialUnits(tr) {
		got[u.Unit] = u.Censored
	}
	want := map[string]bool{"ns/op": true, "success-%": false, "p50-ns": false, "p99-ns": true, "p99.9-ns": true, "req/s": false}
	for u, w := range want {
		if got[u] != w {
			t.Errorf("%s censored %v, want %v (2%% timed out)", u, got[u], w)
		}
	}
	if line := BenchLine(tr); line != "BenchmarkScenario/scenario=s/variant=v 1 98 success-% 1000000 p50-ns 4100 req/s" {
		t.Errorf("bench line %q", line)
	}
	tr.Counts = Counts{Status2xx: 1000}
	if line := BenchLine(tr); line != "BenchmarkScenario/scenario=s/variant=v 1 2.1e+06 ns/op 98 success-% 1000000 p50-ns 2000000000 p99-ns 2000000000 p99.9-ns 4100 req/s" {
		t.Errorf("bench line without timeouts %q", line)
	}
	// 0.5% timed out: p99 is a measurement, p99.9 is not
	tr.Counts = Counts{Status2xx: 995, Timeout: 5}
	for _, u := range TrialUnits(tr) {
		if (u.Unit == "p99-ns" && u.Censored) || (u.Unit == "p99.9-ns" && !u.Censored) {
			t.Errorf("0.5%% timed out: %s censored %v", u.Unit, u.Censored)
		}
	}
}
