package report

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"metricstream/harness/results"
)

// capacityRun is a run of n variants × 6 capacity trials: variant v's
// searches find about 1000·(v+1) req/s.
func capacityRun(n int) *results.Run {
	run := &results.Run{Meta: results.Meta{RunID: "cap", Scenarios: []string{"capacity"}}}
	for v := range n {
		l := fmt.Sprintf("v%d", v)
		run.Meta.Variants = append(run.Meta.Variants, results.Variant{Label: l})
		for i := range 6 {
			c := 1000 * float64(v+1) * (1 + 0.01*float64(i))
			st := &results.CapacityStats{RPS: c, Failing: 1.04 * c, Converged: true, Objective: []string{"p99 <= 10ms"},
				Points: []results.CapacityPoint{{Offered: 1e5, Achieved: 1.3 * c, Probe: true}, {Offered: c, Achieved: c, Pass: true},
					{Offered: 1.4 * c, Achieved: 1.1 * c}, {Offered: 1.04 * c, Achieved: c}}}
			run.Trials = append(run.Trials, results.Trial{Scenario: "capacity", Variant: l, Trial: i, Kind: "capacity", Model: "open",
				OfferedRate: c, Throughput: c, SuccessPct: 100, Latency: results.Latency{P99: 5e6}, Capacity: st})
		}
	}
	return run
}

// The capacity scenario gets its knee chart (every variant drawn, each
// knee marked at its median capacity, at most six series a panel: eight
// variants split) and the page its capacity table with the 95% CI.
func TestCapacityChartAndTable(t *testing.T) {
	for _, n := range []int{6, 8} {
		run := capacityRun(n)
		rep := checkPage(t, run)
		var c *Chart
		for i := range rep.Charts {
			if rep.Charts[i].File == "capacity-capacity.png" {
				c = &rep.Charts[i]
			}
		}
		if c == nil {
			t.Fatalf("%d variants: no capacity chart among %d", n, len(rep.Charts))
		}
		if got := len(c.AllSeries()); got != n {
			t.Errorf("%d variants: %d series", n, got)
		}
		if (n > MaxSeriesPerPanel) != (len(c.Panels) > 1) {
			t.Errorf("%d variants in %d panels", n, len(c.Panels))
		}
		knees := 0
		for _, p := range c.panels() {
			for _, m := range p.Markers {
				if strings.HasPrefix(m.Label, "knee v") {
					knees++
				}
			}
		}
		if knees != n {
			t.Errorf("%d variants: %d knees marked", n, knees)
		}
		dir := t.TempDir()
		index, err := Write(run, dir)
		if err != nil {
			t.Fatal(err)
		}
		page, _ := os.ReadFile(index)
		if !strings.Contains(string(page), `id="capacity"`) || !strings.Contains(string(page), "[1.00k/s, 1.05k/s]") {
			t.Errorf("%d variants: the page lacks the capacity table", n)
		}
		if _, err := os.Stat(filepath.Join(dir, "capacity-capacity.png")); err != nil {
			t.Error(err)
		}
	}
}
