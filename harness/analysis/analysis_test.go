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

// fixture is the small fixed run of harness/report's tests (regenerated
// there with go test -update), read as any run.
func fixture(t *testing.T) *results.Run {
	t.Helper()
	run, err := results.Read(filepath.Join("..", "report", "testdata", "run"))
	if err != nil {
		t.Fatal(err)
	}
	return run
}

func findVerdict(t *testing.T, a *Analysis, newLabel, cell string) Verdict {
	t.Helper()
	for _, v := range a.Verdicts {
		if v.New == newLabel && v.Cell.String() == cell {
			return v
		}
	}
	t.Fatalf("no verdict for %s in %s", newLabel, cell)
	return Verdict{}
}

// A verdict is values: the significant comparisons of its cell, or the
// one that says what the cell rules out (throughput or capacity first),
// or none when nothing could be tested; report/words.go phrases them.
func TestVerdicts(t *testing.T) {
	a, err := Analyze(fixture(t))
	if err != nil {
		t.Fatal(err)
	}
	if a.Source != results.BenchFile {
		t.Errorf("source = %q, want bench.txt", a.Source)
	}
	sig := findVerdict(t, a, "phase3", "seed-100x10")
	units := map[string]bool{}
	for _, c := range sig.Significant {
		units[c.Unit] = true
		if !c.Significant() || c.Cell != sig.Cell || c.Pair != sig.Pair {
			t.Errorf("verdict lists %+v", c)
		}
	}
	if !units["req/s"] || !units["success-%"] || sig.Null != nil || sig.TooFew() {
		t.Errorf("significant verdict %+v", sig)
	}
	aa := findVerdict(t, a, "phase3#2", "seed-100x10")
	if len(aa.Significant) != 0 || aa.Null == nil || aa.Null.Unit != "req/s" || aa.Null.Effect.Lo > 0 || aa.Null.Effect.Hi < 0 {
		t.Errorf("A/A verdict %+v", aa)
	}
	few := findVerdict(t, a, "phase3", "ramp rate=4000")
	if !few.TooFew() || few.Rounds != 3 {
		t.Errorf("too-few verdict %+v", few)
	}

	// On hand-made comparisons: throughput says what the cell rules out
	// even when another unit was tested first.
	p := Pair{Old: "phase2", New: "phase3"}
	cell := Cell{Scenario: "seed-100x10"}
	eff := func(est, lo, hi float64) Effect { return Effect{Rounds: 10, Estimate: est, Lo: lo, Hi: hi} }
	cs := []*Comparison{
		{Pair: p, Cell: cell, Unit: "p99-ns", Effect: eff(-1, -5, 3), PAdj: 0.9, Tested: true},
		{Pair: p, Cell: cell, Unit: "req/s", Effect: eff(212.3, 150, 290), PAdj: 0.002, Tested: true},
	}
	if v := verdictOf(p, cell, cs); len(v.Significant) != 1 || v.Significant[0] != cs[1] || v.Null != nil || v.Rounds != 10 {
		t.Errorf("verdict %+v", v)
	}
	cs[1].PAdj = 0.41
	if v := verdictOf(p, cell, cs); len(v.Significant) != 0 || v.Null != cs[1] {
		t.Errorf("verdict %+v, want throughput as its null", v)
	}
	few2 := []*Comparison{{Pair: p, Cell: cell, Unit: "req/s", Effect: Effect{Rounds: 3}, PAdj: math.NaN()}}
	if v := verdictOf(p, cell, few2); !v.TooFew() || v.Rounds != 3 {
		t.Errorf("verdict %+v", v)
	}
}

func TestTooFewTrialsHasNoCI(t *testing.T) {
	a, err := Analyze(fixture(t))
	if err != nil {
		t.Fatal(err)
	}
	s := a.Sample(Cell{"ramp", "rate=1000"}, "phase2", "req/s")
	if s == nil || s.Summary.HasCI || s.Summary.N != 3 || !math.IsInf(s.Summary.Lo, -1) {
		t.Fatalf("ramp sample = %+v", s)
	}
	s = a.Sample(Cell{"steps", "clients=50"}, "phase2", "req/s")
	if s == nil || !s.Summary.HasCI || s.Summary.N != 6 || !(s.Summary.Lo <= s.Summary.Center && s.Summary.Center <= s.Summary.Hi) {
		t.Fatalf("steps sample = %+v", s)
	}
}

// Direction is data: the "Unit <unit> better=…" lines of bench.txt, else
// results.AllUnits for the lab's own units; units neither names have no
// direction, whatever their suffix.
func TestDirection(t *testing.T) {
	dir := t.TempDir()
	run := &results.Run{Dir: dir, Meta: results.Meta{RunID: "dir", Variants: []results.Variant{{Label: "a"}}}}
	bench := "goos: linux\nUnit widgets better=higher\nUnit req/s better=lower\n" +
		"BenchmarkScenario/scenario=s/variant=a 1 10 widgets 5 req/s 3 gadgets 7 MB/s 100 p99-ns\n"
	if err := os.WriteFile(filepath.Join(dir, results.BenchFile), []byte(bench), 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := Analyze(run)
	if err != nil {
		t.Fatal(err)
	}
	for unit, want := range map[string]int{
		"widgets": +1,           // from its Unit line
		"req/s":   -1,           // the data overrides the lab's table
		"p99-ns":  -1,           // no Unit line: results.AllUnits
		"gadgets": 0, "MB/s": 0, // neither: unknown, not guessed from "/s"
	} {
		if got := a.Direction(unit); got != want {
			t.Errorf("Direction(%q) = %d, want %d", unit, got, want)
		}
	}
	// What results.Write stores carries a Unit line for every lab unit.
	text := results.BenchText(&results.Run{})
	for _, u := range results.AllUnits() {
		if line := "Unit " + u.Name + " better=" + u.Better + "\n"; !strings.Contains(text, line) {
			t.Errorf("BenchText lacks %q", line)
		}
	}
	better := map[string]int{"success-%": +1, "req/s": +1, "ns/op": -1, "p50-ns": -1, "p99-ns": -1, "p99.9-ns": -1}
	mk := func(unit string, delta float64) *Comparison {
		return &Comparison{Unit: unit, Effect: Effect{Estimate: delta}, Tested: IsVerdictUnit(unit), PAdj: 0.001, Better: better[unit]}
	}
	for _, tc := range []struct {
		c    *Comparison
		want Outcome
	}{
		{mk("success-%", +5), Better}, {mk("success-%", -5), Worse},
		{mk("req/s", +5), Better}, {mk("req/s", -5), Worse},
		{mk("p99-ns", -5), Better}, {mk("p99-ns", +5), Worse},
		// outside the verdict units: described, no verdict
		{mk("ns/op", -5), NoVerdict}, {mk("p99.9-ns", -5), NoVerdict}, {mk("widgets", +5), NoVerdict},
		{&Comparison{Unit: "req/s", Effect: Effect{Estimate: 50}, Tested: true, PAdj: 0.2, Better: +1}, NoDifference},
		{&Comparison{Unit: "req/s", Effect: Effect{Estimate: 50}, PAdj: math.NaN()}, TooFewTrials},
		{&Comparison{Unit: CapacityUnit, Effect: Effect{Estimate: 5}, Tested: true, PAdj: 0.001}, Changed},
		{&Comparison{Unit: CapacityUnit, Effect: Effect{Rounds: 2, Censored: 6}, PAdj: math.NaN()}, CensoredOut},
	} {
		if got := tc.c.Outcome(); got != tc.want {
			t.Errorf("%s %+v: outcome %d, want %d", tc.c.Unit, tc.c.Delta, got, tc.want)
		}
	}
}

func TestHolm(t *testing.T) {
	for _, tc := range []struct{ p, want []float64 }{
		// Sorted 0.01, 0.03, 0.04 -> 3×0.01, 2×0.03, max(0.06, 1×0.04).
		{[]float64{0.01, 0.04, 0.03}, []float64{0.03, 0.06, 0.06}},
		{[]float64{0.5, 0.001}, []float64{0.5, 0.002}},
		{[]float64{0.9, 0.8, 0.7}, []float64{1, 1, 1}},
		{nil, []float64{}},
	} {
		got := Holm(tc.p)
		if len(got) != len(tc.want) {
			t.Fatalf("Holm(%v) = %v", tc.p, got)
		}
		for i := range got {
			if math.Abs(got[i]-tc.want[i]) > 1e-12 {
				t.Errorf("Holm(%v) = %v, want %v", tc.p, got, tc.want)
				break
			}
		}
	}
	// At α=0.05 only the first of the example is rejected.
	adj := Holm([]float64{0.01, 0.04, 0.03})
	if !(adj[0] < Alpha && adj[1] >= Alpha && adj[2] >= Alpha) {
		t.Errorf("rejections wrong: %v", adj)
	}
}

func TestPairs(t *testing.T) {
	a, err := Analyze(fixture(t))
	if err != nil {
		t.Fatal(err)
	}
	want := []Pair{
		{Old: "phase2", New: "phase3", Kind: "journey"},
		{Old: "phase3", New: "phase3#2", Kind: "A/A"},
	}
	wantDiff := [][]Change{{{Dim: "parser", Old: "find", New: "fsm"}}, nil}
	if len(a.Pairs) != len(want) {
		t.Fatalf("pairs = %+v", a.Pairs)
	}
	for i := range want {
		if a.Pairs[i] != want[i] {
			t.Errorf("pair %d = %+v, want %+v", i, a.Pairs[i], want[i])
		}
		if d, known := a.Diff(want[i]); !known || !slices.Equal(d, wantDiff[i]) {
			t.Errorf("pair %d differs in %+v (known %v), want %+v", i, d, known, wantDiff[i])
		}
	}
	// Comparisons with 3 rounds are not in the family.
	n := 0
	for _, c := range a.Comparisons {
		if c.Cell.Scenario == "ramp" && c.Tested {
			t.Errorf("ramp comparison tested: %+v", c)
		}
		if c.Tested != (IsVerdictUnit(c.Unit) && c.Effect.Rounds >= MinRounds && c.Effect.Nonzero >= MinRounds) {
			t.Errorf("%v %s: tested %v with %d rounds", c.Cell, c.Unit, c.Tested, c.Effect.Rounds)
		}
		if c.Tested {
			n++
		}
	}
	// ONE family over the run: every tested comparison, all pairs, cells
	// and verdict units, adjusted together by weighted Holm.
	if n != a.Plan.Size || n == 0 {
		t.Errorf("tested = %d, family %d", n, a.Plan.Size)
	}
	var ps, ws, got []float64
	for _, c := range a.Comparisons {
		if c.Tested {
			ps, ws, got = append(ps, c.Effect.P), append(ws, c.Weight), append(got, c.PAdj)
		}
	}
	for i, want := range WeightedHolm(ps, ws) {
		if got[i] != want {
			t.Errorf("comparison %d: PAdj %g, want %g (weighted Holm over the whole family)", i, got[i], want)
		}
	}
	// The journey step's primary hypothesis (seed-100x10, the run's first
	// scenario, as no scenario targets the parser) holds half of α.
	prim := 0
	for _, c := range a.Comparisons {
		if c.Primary {
			prim++
			if c.Pair.Kind != "journey" || c.Cell.Scenario != "seed-100x10" || c.Unit != "req/s" || math.Abs(c.Weight-PrimaryShare) > 1e-12 {
				t.Errorf("primary %+v", c)
			}
		}
	}
	if prim != 1 || a.Plan.Primary != 1 {
		t.Errorf("%d primaries (plan %d), want 1", prim, a.Plan.Primary)
	}
}

func TestSetDiffReference(t *testing.T) {
	run := &results.Run{Meta: results.Meta{Variants: []results.Variant{
		{Label: "reference", Set: map[string]string{"server": "reference"}},
		{Label: "optimized", Set: map[string]string{"parser": "fsm", "writer": "async"}},
		{Label: "phase2", Set: map[string]string{"parser": "find", "writer": "async"}},
	}}}
	if got, known := setDiff(run, "reference", "optimized"); !known || !slices.Equal(got, []Change{{Dim: "server", Old: "reference"}}) {
		t.Errorf("optimized vs reference: %+v", got)
	}
	if got, known := setDiff(run, "phase2", "optimized"); !known || !slices.Equal(got, []Change{{Dim: "parser", Old: "find", New: "fsm"}}) {
		t.Errorf("optimized vs phase2: %+v", got)
	}
	if _, known := setDiff(run, "phase2", "nosuch"); known {
		t.Error("a variant not in the run: known")
	}
}
