package analysis

import (
	"math"
	"strings"
	"testing"

	"metricstream/harness/results"
)

func capTrial(variant, step string, cpus int, rps float64, conv bool) results.Trial {
	return results.Trial{Scenario: "cap", Variant: variant, Step: step, CPUs: cpus, Kind: "capacity", Model: "open", OfferedRate: rps, Throughput: rps,
		Capacity: &results.CapacityStats{RPS: rps, Converged: conv, Objective: []string{"p99 <= 10ms"},
			Points: []results.CapacityPoint{{Offered: 200000, Achieved: rps * 1.2, Probe: true}, {Offered: rps, Achieved: rps, Pass: true}, {Offered: rps * 1.05, Achieved: rps, Pass: false}}}}
}

// The capacity table: the median over trials of each trial's capacity,
// its 95% CI from the bench lines' capacity-req/s (6 trials give one),
// the points tried and how the searches ended; the knee chart's points
// leave the probe out, sorted by offered rate.
func TestCapacityRows(t *testing.T) {
	run := &results.Run{Meta: results.Meta{Scenarios: []string{"cap"}, Variants: []results.Variant{{Label: "a"}, {Label: "b"}}}}
	for i, r := range []float64{1000, 1100, 1200, 1300, 1400, 1500} {
		run.Trials = append(run.Trials, capTrial("a", "", 0, r, i != 0), capTrial("b", "", 0, 2*r, true))
	}
	a, err := Analyze(run)
	if err != nil {
		t.Fatal(err)
	}
	rows := a.CapacityRows()
	if len(rows) != 2 || rows[0].Variant != "a" || rows[1].Variant != "b" {
		t.Fatalf("rows %+v", rows)
	}
	ra := rows[0]
	if ra.Summary.Center != 1250 || !ra.Summary.HasCI || ra.Summary.Lo > 1000 || ra.Summary.Hi < 1500 || ra.Points != 18 || ra.NotConv != 1 {
		t.Errorf("row a %+v", ra)
	}
	if ra.Searches() != "1 not converged" || rows[1].Searches() != "all converged" || !strings.HasPrefix(ra.CI(), "[") {
		t.Errorf("searches %q / %q, CI %q", ra.Searches(), rows[1].Searches(), ra.CI())
	}
	pts := a.CapacityPoints(Cell{Scenario: "cap"}, "a")
	if len(pts) != 12 || pts[0].Offered != 1000 || pts[0].Probe {
		t.Errorf("points %+v", pts)
	}
	// b doubles a: the journey comparison finds capacity better.
	found := false
	for _, c := range a.Comparisons {
		if c.Unit == CapacityUnit && c.Old == ra.Summary {
			found = c.Outcome() == "better"
		}
	}
	if !found {
		t.Errorf("no significant capacity comparison of b vs a: %+v", a.Comparisons)
	}
	if l := a.CapacityLines(); len(l) != 2 || !strings.Contains(l[0], "cap a: 1.25k/s, 95% CI [") {
		t.Errorf("lines %q", l)
	}
}

// -cpus cells (step cpus=N[/...]) give each variant's scaling: the
// medians per core count, their ratio and whether the U test rejects "no
// difference".
func TestScaling(t *testing.T) {
	run := &results.Run{Meta: results.Meta{Scenarios: []string{"cap", "load"}, Variants: []results.Variant{{Label: "a"}}}}
	for _, r := range []float64{1000, 1100, 1200, 1300, 1400, 1500} {
		run.Trials = append(run.Trials, capTrial("a", "cpus=1", 1, r, true), capTrial("a", "cpus=2", 2, 1.8*r, true),
			results.Trial{Scenario: "load", Variant: "a", Step: "cpus=1/clients=10", CPUs: 1, Throughput: r},
			results.Trial{Scenario: "load", Variant: "a", Step: "cpus=2/clients=10", CPUs: 2, Throughput: r})
	}
	a, err := Analyze(run)
	if err != nil {
		t.Fatal(err)
	}
	sc := a.Scaling()
	if len(sc) != 2 {
		t.Fatalf("scaling %+v", sc)
	}
	c, l := sc[0], sc[1]
	if c.Unit != CapacityUnit || math.Abs(c.Ratio-1.8) > 1e-9 || !c.Significant || c.Step != "" {
		t.Errorf("capacity scaling %+v", c)
	}
	if l.Unit != "req/s" || l.Step != "clients=10" || l.Ratio != 1 || l.Significant {
		t.Errorf("load scaling %+v", l)
	}
	if txt := c.Text(); !strings.HasPrefix(txt, "1 cpu 1.25k/s → 2 cpu 2.25k/s: ×1.80 (p=") {
		t.Errorf("text %q", txt)
	}
}
