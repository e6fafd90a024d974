package analysis

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"metricstream/harness/results"
)

func capTrial(variant, step string, cpus int, rps float64, conv bool) results.Trial {
	return results.Trial{Scenario: "cap", Variant: variant, Step: step, CPUs: cpus, Kind: "capacity", Model: "open", OfferedRate: rps, Throughput: rps,
		Capacity: &results.CapacityStats{RPS: rps, Failing: rps * 1.05, Converged: conv, Objective: []string{"p99 <= 10ms"},
			Points: []results.CapacityPoint{{Offered: 200000, Achieved: rps * 1.2, Probe: true}, {Offered: rps, Achieved: rps, Pass: true}, {Offered: rps * 1.05, Achieved: rps, Pass: false}}}}
}

// capRun is a run of a and b, one capacity trial each per round.
func capRun(a, b []results.Trial) *results.Run {
	run := &results.Run{Meta: results.Meta{Scenarios: []string{"cap"}, Variants: []results.Variant{{Label: "a"}, {Label: "b"}}, Order: "random"}}
	for i := range a {
		a[i].Trial, b[i].Trial = i, i
		a[i].Position, b[i].Position = i%2, 1-i%2
		run.Trials = append(run.Trials, a[i], b[i])
	}
	return run
}

// The capacity table: the median over the trials whose search converged,
// its 95% CI from the bench lines' capacity-req/s, the points tried and
// how the searches ended; a search that did not converge is a bracket,
// counted, not a capacity. The knee chart's points leave the probe out,
// sorted by offered rate.
func TestCapacityRows(t *testing.T) {
	var ta, tb []results.Trial
	for i, r := range []float64{1000, 1100, 1200, 1300, 1400, 1500, 1600} {
		ta, tb = append(ta, capTrial("a", "", 0, r, i != 0)), append(tb, capTrial("b", "", 0, 2*r, true))
	}
	a, err := Analyze(capRun(ta, tb))
	if err != nil {
		t.Fatal(err)
	}
	rows := a.CapacityRows()
	if len(rows) != 2 || rows[0].Variant != "a" || rows[1].Variant != "b" {
		t.Fatalf("rows %+v", rows)
	}
	ra := rows[0]
	if ra.Summary.Center != 1350 || ra.Summary.N != 6 || !ra.Summary.HasCI || ra.Points != 21 || ra.Exact != 6 || ra.Bracket != 1 ||
		ra.BracketLo != 1000 || ra.BracketHi != 1050 || !ra.HasMedian() {
		t.Errorf("row a %+v", ra)
	}
	if rb := rows[1]; rb.Exact != 7 || rb.Trials != 7 || rb.Censored() != 0 || !rb.HasMedian() || rb.MedianLo != 2600 || rb.MedianHi != 2600 {
		t.Errorf("row b %+v", rb)
	}
	// a's bracket [1000, 1050] sits below its other six either way: the
	// median of all seven is 1300 at both ends
	if ra.MedianLo != 1300 || ra.MedianHi != 1300 || !ra.Bounded() {
		t.Errorf("row a median bounds [%v, %v]", ra.MedianLo, ra.MedianHi)
	}
	pts := a.CapacityPoints(Cell{Scenario: "cap"}, "a")
	if len(pts) != 14 || pts[0].Offered != 1000 || pts[0].Probe {
		t.Errorf("points %+v", pts)
	}
	// b doubles a: the paired comparison finds capacity better, over the
	// 6 rounds whose searches both converged.
	var c *Comparison
	for i := range a.Comparisons {
		if a.Comparisons[i].Unit == CapacityUnit {
			c = &a.Comparisons[i]
		}
	}
	if c == nil || c.Effect.Rounds != 6 || c.Effect.Censored != 1 || math.Abs(c.Effect.Estimate-100) > 1e-9 || c.Old.N != 6 {
		t.Fatalf("capacity comparison %+v", c)
	}
	// the bracket's 1000 is nowhere among the numbers
	if slices.Contains(a.Sample(Cell{Scenario: "cap"}, "a", CapacityUnit).Values, 1000) {
		t.Error("a bracketed search's RPS entered the capacity sample")
	}
	if line := results.BenchLine(&ta[0]); strings.Contains(line, "capacity-req/s") {
		t.Errorf("bench line of a bracketed search %q carries a capacity", line)
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
	if len(c.CPUs) != 2 || c.CPUs[0] != 1 || c.CPUs[1] != 2 || math.Abs(c.Medians[0]-1250) > 1e-9 || math.Abs(c.Medians[1]-2250) > 1e-9 {
		t.Errorf("capacity scaling medians %v at %v cpus, want 1250 and 2250 at 1 and 2", c.Medians, c.CPUs)
	}
}

// bench.txt written before BenchLine left censored values out holds a
// search that never passed as "0 capacity-req/s": the analysis takes the
// sample from the trials instead, so the 0 is in no median.
func TestOldBenchTextCensored(t *testing.T) {
	var ta, tb []results.Trial
	for _, r := range []float64{1000, 1100, 1200, 1300, 1400, 1500, 1600} {
		ta, tb = append(ta, capTrial("a", "", 0, r, true)), append(tb, capTrial("b", "", 0, 2*r, true))
	}
	ta[0].Capacity.RPS, ta[0].Capacity.BelowMin = 0, true
	run := capRun(ta, tb)
	run.Dir = t.TempDir()
	// the failed search's line as BenchLine wrote it before: with a 0
	old := strings.Replace(results.BenchText(run), "0 lost-metrics\n", "0 lost-metrics 0 capacity-req/s\n", 1)
	if err := os.WriteFile(filepath.Join(run.Dir, results.BenchFile), []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(old, " 0 capacity-req/s") {
		t.Fatal("the old bench text has no fake 0")
	}
	a, err := Analyze(run)
	if err != nil {
		t.Fatal(err)
	}
	s := a.Sample(Cell{Scenario: "cap"}, "a", CapacityUnit)
	if s == nil || s.Summary.N != 6 || slices.Contains(s.Values, 0) {
		t.Errorf("capacity sample %+v: the old 0 is in it", s)
	}
}

// With half the searches censored there is no median figure, but the
// median of all of them is bounded: each censored search at the low and at
// the high end of what it established. A search that held the SLO at the
// ceiling leaves the upper bound open.
func TestCapacityMedianBounds(t *testing.T) {
	var ta, tb []results.Trial
	for i, r := range []float64{1000, 1100, 1200, 1300, 1400, 1500} {
		x := capTrial("a", "", 0, r, i%2 == 0) // 1100, 1300, 1500 bracketed up to 1.05×
		ta = append(ta, x)
		y := capTrial("b", "", 0, r, true)
		if i >= 3 {
			y.Capacity.AtMax = true // at least 1400, 1500 and 1600... the SLO held at the ceiling
			y.Capacity.Converged = false
		}
		tb = append(tb, y)
	}
	a, err := Analyze(capRun(ta, tb))
	if err != nil {
		t.Fatal(err)
	}
	rows := a.CapacityRows()
	ra, rb := rows[0], rows[1]
	if ra.HasMedian() || ra.Bracket != 3 {
		t.Fatalf("row a %+v: want 3 brackets and no median figure", ra)
	}
	// low ends: 1000 1100 1200 1300 1400 1500 -> 1250; high ends: 1000
	// 1155 1200 1365 1400 1575 -> (1200+1365)/2
	if math.Abs(ra.MedianLo-1250) > 1e-9 || math.Abs(ra.MedianHi-(1200+1300*1.05)/2) > 1e-9 || !ra.Bounded() {
		t.Errorf("row a median bounds [%v, %v]", ra.MedianLo, ra.MedianHi)
	}
	if rb.AtLeast != 3 || rb.HasMedian() || !math.IsInf(rb.MedianHi, 1) || rb.Bounded() {
		t.Errorf("row b %+v: want 3 at-least searches, an open upper bound", rb)
	}
}
