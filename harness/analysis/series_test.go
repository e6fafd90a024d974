package analysis

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"metricstream/harness/internal/stagetest"
	"metricstream/harness/results"
)

// hdrOf encodes a histogram of the values lo, lo+step, … below hi (ns).
func hdrOf(t *testing.T, lo, hi, step int64) string {
	t.Helper()
	h := results.NewHDR()
	for v := lo; v < hi; v += step {
		if err := h.RecordValue(v); err != nil {
			t.Fatal(err)
		}
	}
	s, err := results.EncodeHDR(h)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// seriesRun has a closed-loop sweep (clients=10, 100) and an open-loop
// cell of two variants with HDR histograms, and a capacity cell.
func seriesRun(t *testing.T) *results.Run {
	run := &results.Run{Meta: results.Meta{RunID: "series", Scenarios: []string{"sweep", "open", "capacity"},
		Variants: []results.Variant{{Label: "a"}, {Label: "b"}}}}
	for i := range 6 {
		for vi, v := range []string{"a", "b"} {
			for _, n := range []int{100, 10} { // out of order: the curve sorts by load
				run.Trials = append(run.Trials, results.Trial{Scenario: "sweep", Step: fmt.Sprintf("clients=%d", n),
					Variant: v, Trial: i, Model: "closed", Clients: n, SuccessPct: 100 - float64(n)/10,
					Throughput: float64(1000*n*(vi+1) + i), Latency: results.Latency{P50: 1e6, P99: int64(2e6 + 1000*i), P999: 3e6}})
			}
			// the first half of the trials 1..500 µs, the second 501..1000 µs:
			// merged, the variant has 1..1000 µs once each
			lo := int64(1000 + 500000*(i%2))
			run.Trials = append(run.Trials, results.Trial{Scenario: "open", Variant: v, Trial: i, Model: "open", Clients: 64,
				OfferedRate: 1000, Throughput: 1000, SuccessPct: 100, HDR: hdrOf(t, lo, lo+500000, 1000)})
			c := 1000.0 * float64(vi+1)
			run.Trials = append(run.Trials, results.Trial{Scenario: "capacity", Variant: v, Trial: i, Kind: "capacity", Model: "open",
				Throughput: c, SuccessPct: 100, Capacity: &results.CapacityStats{RPS: c, Converged: true, Points: []results.CapacityPoint{
					{Offered: 5 * c, Achieved: 2 * c, Probe: true},
					{Offered: c, Achieved: 0.99 * c, Pass: true},
					{Offered: 1.1 * c, Achieved: c},
					{Offered: 1.5 * c, Achieved: 1.2 * c}}}})
		}
	}
	return run
}

func TestSeriesLoadCurves(t *testing.T) {
	a, err := Analyze(seriesRun(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"a", "b"} {
		for _, unit := range LoadUnits {
			lc := a.Series.LoadCurveOf("sweep", v, unit)
			if lc == nil || lc.Key != "clients" || len(lc.Points) != 2 {
				t.Fatalf("%s %s: %+v", v, unit, lc)
			}
			for i, n := range []float64{10, 100} {
				want, _ := a.Center(Cell{"sweep", fmt.Sprintf("clients=%g", n)}, v, unit)
				if p := lc.Points[i]; p.X != n || p.Y != want {
					t.Errorf("%s %s point %d = %v, want (%v, %v): the table's median", v, unit, i, p, n, want)
				}
			}
		}
	}
	if a.Series.LoadCurveOf("open", "a", "req/s") != nil {
		t.Error("an unstepped scenario got a load curve")
	}
	if got := a.Series.Clients[Cell{"sweep", "clients=100"}]; got != 100 {
		t.Errorf("clients at clients=100: %d", got)
	}
	if _, ok := a.Series.Clients[Cell{Scenario: "open"}]; ok {
		t.Error("an open-loop cell has a client count")
	}
}

// The trials' histograms are merged exactly: the spectrum of the merge of
// two halves is the spectrum of the whole (1..1000 µs).
func TestSeriesSpectra(t *testing.T) {
	a, err := Analyze(seriesRun(t))
	if err != nil {
		t.Fatal(err)
	}
	sp := a.Series.SpectrumOf(Cell{Scenario: "open"}, "a")
	if sp == nil || sp.HDR == nil || sp.Count != 6*500 || sp.Bad != 0 {
		t.Fatalf("spectrum %+v", sp)
	}
	near := func(got, want float64) bool { return math.Abs(got-want) <= 0.01*want }
	for _, p := range sp.Points {
		switch p.X {
		case 2: // p50
			if !near(p.Y, 500e3) {
				t.Errorf("p50 = %v ns, want 500 µs", p.Y)
			}
		case 100: // p99
			if !near(p.Y, 990e3) {
				t.Errorf("p99 = %v ns, want 990 µs", p.Y)
			}
		}
	}
	for i := 1; i < len(sp.Points); i++ {
		if sp.Points[i].X <= sp.Points[i-1].X || sp.Points[i].Y < sp.Points[i-1].Y {
			t.Fatalf("spectrum not monotone at %d: %v", i, sp.Points[i-1:i+1])
		}
	}
	if last := sp.Points[len(sp.Points)-1].X; last > float64(sp.Count) || last < float64(sp.Count)/math.Pow(10, 1.0/SpectrumPerDecade) {
		t.Errorf("spectrum ends at %v for %d values", last, sp.Count)
	}
	if a.Series.SpectrumOf(Cell{"sweep", "clients=10"}, "a") != nil {
		t.Error("a cell without histograms got a spectrum")
	}
}

func TestSeriesCapacityCurves(t *testing.T) {
	a, err := Analyze(seriesRun(t))
	if err != nil {
		t.Fatal(err)
	}
	cc := a.Series.CapacityCurveOf(Cell{Scenario: "capacity"}, "b")
	if cc == nil {
		t.Fatal("no capacity curve")
	}
	// 2000 and 2200 share a bin (≤ 1.15 × 2000); 3000 is its own; the
	// probe is left out
	want := []XY{{2100, 1990}, {3000, 2400}}
	if len(cc.Bins) != len(want) {
		t.Fatalf("bins %v, want %v", cc.Bins, want)
	}
	for i := range want {
		if math.Abs(cc.Bins[i].X-want[i].X) > 1e-6 || math.Abs(cc.Bins[i].Y-want[i].Y) > 1e-6 {
			t.Errorf("bin %d = %v, want %v", i, cc.Bins[i], want[i])
		}
	}
	if !cc.HasKnee || cc.Knee.X != 2000 || math.Abs(cc.Knee.Y-1980) > 1e-6 {
		t.Errorf("knee %v (has %v), want (2000, 1980): the passing points' achieved rate", cc.Knee, cc.HasKnee)
	}
}

// Each journey step becomes its paired effect as a ratio with its
// signed-rank interval, what the interval rules out, the minimum
// detectable effect as the band, and the dimension's stage share before
// and after.
func TestSeriesStepEffects(t *testing.T) {
	a, err := Analyze(stagetest.Run())
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Series.Journey) != len(a.Steps) || len(a.Steps) != 2 {
		t.Fatalf("%d effects for %d steps", len(a.Series.Journey), len(a.Steps))
	}
	for i, e := range a.Series.Journey {
		r := a.Steps[i]
		if e.Dimension != r.Dimension || e.Old != r.Old || e.New != r.New || e.Cell != r.Cell {
			t.Errorf("effect %d %+v is not step %+v", i, e, r)
		}
		ef := r.Effect.Effect
		if want := 1 + ef.Estimate/100; e.Ratio != want || e.Unit != ThroughputUnit || e.Rounds != ef.Rounds {
			t.Errorf("%s ratio %v in %s over %d rounds, want the paired %v in req/s over %d", e.Dimension, e.Ratio, e.Unit, e.Rounds, want, ef.Rounds)
		}
		if e.Lo != 1+ef.Lo/100 || e.Hi != 1+ef.Hi/100 || !(e.Lo <= e.Ratio && e.Ratio <= e.Hi) {
			t.Errorf("%s: [%v, %v] around %v, want the signed-rank interval [%v%%, %v%%]", e.Dimension, e.Lo, e.Hi, e.Ratio, ef.Lo, ef.Hi)
		}
		same := func(x, y float64) bool { return x == y || math.IsNaN(x) && math.IsNaN(y) }
		if !same(e.MDE, ef.MDE) || !same(e.RuledOut, ef.RuledOut()) {
			t.Errorf("%s: band (MDE) %v, ruled out %v; want the effect's %v and %v", e.Dimension, e.MDE, e.RuledOut, ef.MDE, ef.RuledOut())
		}
	}
	p := a.Series.Journey[0]
	if p.Dimension != "parser" || p.OldVariant != "find" || p.NewVariant != "fsm" || strings.Join(p.Stages, ",") != "parse" {
		t.Fatalf("parser step %+v", p)
	}
	// phase2: parse 50 of 100 µs; phase3: 10 of 60 µs
	if math.Abs(p.OldShare-0.5) > 1e-9 || math.Abs(p.NewShare-10.0/60) > 1e-9 {
		t.Errorf("parse share %v → %v, want 0.5 → 0.167", p.OldShare, p.NewShare)
	}
	if p.OldStageNS != 50000 || p.NewStageNS != 10000 {
		t.Errorf("parse time per request %v → %v ns, want 50000 → 10000", p.OldStageNS, p.NewStageNS)
	}
	if l := a.Series.Journey[1]; l.OldVariant != "global" || l.NewVariant != "pooled" || l.Significant || math.Abs(l.RuledOut-3.03) > 0.01 || !(l.MDE > 0 && l.MDE < 10) {
		t.Errorf("lock step %+v, want not significant, ruling out 3.0%% either way ([-2.0%%, +3.0%%]), a finite MDE", l)
	}
}

// Each USL fit's chart points are the mean throughput per client count,
// one per level, sorted by clients.
func TestSeriesUSLMeans(t *testing.T) {
	a, err := Analyze(stagetest.Run())
	if err != nil {
		t.Fatal(err)
	}
	if len(a.USL) == 0 || len(a.Series.USL) != len(a.USL) {
		t.Fatalf("%d mean series for %d fits", len(a.Series.USL), len(a.USL))
	}
	for _, f := range a.USL {
		m := a.Series.USLMeansOf(f.Scenario, f.Variant)
		if m == nil {
			t.Fatalf("no means for %s %s", f.Scenario, f.Variant)
		}
		levels := map[float64][]float64{}
		for _, p := range f.Points {
			levels[p.N] = append(levels[p.N], p.X)
		}
		if len(m.Points) != len(levels) {
			t.Errorf("%s: %d points for %d levels", f.Variant, len(m.Points), len(levels))
		}
		for i, p := range m.Points {
			if i > 0 && p.X <= m.Points[i-1].X {
				t.Errorf("%s: levels out of order: %v", f.Variant, m.Points)
			}
			var sum float64
			for _, x := range levels[p.X] {
				sum += x
			}
			if want := sum / float64(len(levels[p.X])); math.Abs(p.Y-want) > 1e-9*want {
				t.Errorf("%s at %v clients: %v, want the mean %v", f.Variant, p.X, p.Y, want)
			}
		}
	}
}
