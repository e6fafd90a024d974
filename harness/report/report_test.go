package report

import (
	"bytes"
	"fmt"
	"html"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"metricstream/harness/results"
)

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) || i < len(wl); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s differs at line %d (go test -update to accept):\n got: %s\nwant: %s", path, i+1, g, w)
			}
		}
	}
}

func TestGoldenHTML(t *testing.T) {
	run := fixture(t)
	rep, err := Build(run)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := rep.WriteHTML(&buf); err != nil {
		t.Fatal(err)
	}
	golden(t, "report.html.golden", buf.Bytes())

	// Deterministic: the same input gives the same page.
	rep2, err := Build(run)
	if err != nil {
		t.Fatal(err)
	}
	var buf2 bytes.Buffer
	if err := rep2.WriteHTML(&buf2); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), buf2.Bytes()) {
		t.Error("two builds of the same run differ")
	}
}

func TestGoldenCompareText(t *testing.T) {
	var buf bytes.Buffer
	if err := Compare(fixture(t), &buf); err != nil {
		t.Fatal(err)
	}
	golden(t, "compare.txt.golden", buf.Bytes())
}

// The page and `lab compare` print the same numbers: every formatted
// comparison row and verdict of the text appears on the page.
func TestCompareAgreesWithPage(t *testing.T) {
	rep, err := Build(fixture(t))
	if err != nil {
		t.Fatal(err)
	}
	var page, text bytes.Buffer
	if err := rep.WriteHTML(&page); err != nil {
		t.Fatal(err)
	}
	if err := rep.Analysis.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	p := html.UnescapeString(page.String())
	for _, ct := range rep.Comparisons {
		for _, r := range ct.Rows {
			for _, s := range []string{r.Old, r.New, r.Delta, r.P, r.PAdj} {
				if !strings.Contains(text.String(), s) || !strings.Contains(p, s) {
					t.Errorf("%q not in both the text and the page", s)
				}
			}
		}
	}
	for _, v := range rep.Verdicts {
		if !strings.Contains(text.String(), v.Text) || !strings.Contains(p, v.Text) {
			t.Errorf("verdict %q not in both", v.Text)
		}
	}
}

func findVerdict(t *testing.T, a *Analysis, newLabel, cell string) string {
	t.Helper()
	for _, v := range a.Verdicts {
		if v.New == newLabel && v.Cell.String() == cell {
			return v.Text
		}
	}
	t.Fatalf("no verdict for %s in %s", newLabel, cell)
	return ""
}

func TestVerdictWording(t *testing.T) {
	a, err := Analyze(fixture(t))
	if err != nil {
		t.Fatal(err)
	}
	if a.Source != results.BenchFile {
		t.Errorf("source = %q, want bench.txt", a.Source)
	}
	sig := findVerdict(t, a, "phase3", "seed-100x10")
	for _, want := range []string{"phase3 vs phase2 (parser fsm vs find), seed-100x10: ", "success +", "throughput +", "mean latency -", ", n=10)"} {
		if !strings.Contains(sig, want) {
			t.Errorf("significant verdict %q lacks %q", sig, want)
		}
	}
	aa := findVerdict(t, a, "phase3#2", "seed-100x10")
	if !strings.HasPrefix(aa, "phase3#2 vs phase3 (same build), seed-100x10: no significant difference (p=") {
		t.Errorf("A/A verdict = %q", aa)
	}
	few := findVerdict(t, a, "phase3", "ramp rate=4000")
	if want := "phase3 vs phase2 (parser fsm vs find), ramp rate=4000: too few trials to tell (n=3; need ≥ 6 per variant for a 95% confidence interval)"; few != want {
		t.Errorf("too-few verdict\n got %q\nwant %q", few, want)
	}

	// Exact wording on hand-made comparisons.
	p := Pair{Old: "phase2", New: "phase3", Diff: "parser fsm vs find"}
	cell := Cell{Scenario: "seed-100x10"}
	cs := []*Comparison{
		{Pair: p, Cell: cell, Unit: "req/s", Delta: 212.3, P: 0.0001, PAdj: 0.002, N1: 10, N2: 10, Tested: true},
		{Pair: p, Cell: cell, Unit: "p99-ns", Delta: -1, P: 0.3, PAdj: 0.9, N1: 10, N2: 10, Tested: true},
	}
	if got, want := verdictText(p, cell, cs), "phase3 vs phase2 (parser fsm vs find), seed-100x10: throughput +212% (p=0.002, n=10)"; got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	cs[0].PAdj = 0.41
	if got, want := verdictText(p, cell, cs), "phase3 vs phase2 (parser fsm vs find), seed-100x10: no significant difference (p=0.410, n=10)"; got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	few2 := []*Comparison{{Pair: p, Cell: cell, Unit: "req/s", N1: 3, N2: 3, PAdj: math.NaN()}}
	if got := verdictText(p, cell, few2); !strings.Contains(got, "too few trials to tell (n=3;") {
		t.Errorf("got %q", got)
	}
}

func TestTooFewTrialsHasNoCI(t *testing.T) {
	a, err := Analyze(fixture(t))
	if err != nil {
		t.Fatal(err)
	}
	s := a.Sample(Cell{"ramp", "rate=1000"}, "phase2", "req/s")
	if s == nil || s.Summary.HasCI || s.Summary.N != 3 || !strings.Contains(s.Summary.Note, "no confidence interval possible with n=3") {
		t.Fatalf("ramp sample = %+v", s)
	}
	if got := FormatSummary("req/s", s.Summary); !strings.HasSuffix(got, "(n=3, no CI)") {
		t.Errorf("FormatSummary = %q", got)
	}
	s = a.Sample(Cell{"steps", "clients=50"}, "phase2", "req/s")
	if s == nil || !s.Summary.HasCI || s.Summary.N != 6 || !(s.Summary.Lo <= s.Summary.Center && s.Summary.Center <= s.Summary.Hi) {
		t.Fatalf("steps sample = %+v", s)
	}
	if got := FormatSummary("req/s", s.Summary); !strings.Contains(got, " ± ") {
		t.Errorf("FormatSummary = %q", got)
	}
}

func TestDirection(t *testing.T) {
	for unit, want := range map[string]int{
		"success-%": +1, "req/s": +1, "ns/op": -1, "p50-ns": -1, "p99-ns": -1, "p99.9-ns": -1,
		"p90-ns": -1, "B/op": -1, "MB/s": +1, "widgets": 0,
	} {
		if got := Direction(unit); got != want {
			t.Errorf("Direction(%q) = %d, want %d", unit, got, want)
		}
	}
	mk := func(unit string, delta float64) *Comparison {
		return &Comparison{Unit: unit, Delta: delta, Tested: true, PAdj: 0.001}
	}
	for _, tc := range []struct {
		c    *Comparison
		want string
	}{
		{mk("success-%", +5), "better"}, {mk("success-%", -5), "worse"},
		{mk("req/s", +5), "better"}, {mk("req/s", -5), "worse"},
		{mk("ns/op", -5), "better"}, {mk("ns/op", +5), "worse"},
		{mk("p99.9-ns", -5), "better"}, {mk("p99-ns", +5), "worse"},
		{mk("widgets", +5), "changed"},
		{&Comparison{Unit: "req/s", Delta: 50, Tested: true, PAdj: 0.2}, "~"},
		{&Comparison{Unit: "req/s", Delta: 50, PAdj: math.NaN()}, "too few trials"},
	} {
		if got := tc.c.Outcome(); got != tc.want {
			t.Errorf("%s %+v: outcome %q, want %q", tc.c.Unit, tc.c.Delta, got, tc.want)
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

func TestMinUTestP(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want float64
	}{{3, 0.1}, {6, 0.0021645021645021645}, {10, 2.0 / 184756}} {
		if got := minUTestP(tc.n, tc.n); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("minUTestP(%d) = %v, want %v", tc.n, got, tc.want)
		}
	}
}

func TestEmptyRun(t *testing.T) {
	run := &results.Run{Meta: results.Meta{RunID: "empty", Variants: []results.Variant{{Label: "baseline"}, {Label: "phase2"}}}}
	index, err := Write(run, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(index)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"no verification recorded", "No pair of variants to compare", "Charts not drawn"} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("empty run page lacks %q", want)
		}
	}
}

func TestPairs(t *testing.T) {
	a, err := Analyze(fixture(t))
	if err != nil {
		t.Fatal(err)
	}
	want := []Pair{
		{Old: "phase2", New: "phase3", Kind: "journey", Diff: "parser fsm vs find"},
		{Old: "phase3", New: "phase3#2", Kind: "A/A", Diff: "same build"},
	}
	if len(a.Pairs) != len(want) {
		t.Fatalf("pairs = %+v", a.Pairs)
	}
	for i := range want {
		if a.Pairs[i] != want[i] {
			t.Errorf("pair %d = %+v, want %+v", i, a.Pairs[i], want[i])
		}
	}
	// Comparisons with 3 trials are not in the Holm family.
	n := 0
	for _, c := range a.Comparisons {
		if c.Cell.Scenario == "ramp" && c.Tested {
			t.Errorf("ramp comparison tested: %+v", c)
		}
		if c.Tested {
			n++
		}
	}
	if n != a.Tested || n != 2*4*6 {
		t.Errorf("tested = %d (a.Tested %d), want 48", n, a.Tested)
	}
	// One Holm family per cell and unit: the 2 pairs of the run, and every
	// adjusted p is Holm over its own family only.
	if a.Family != 2 {
		t.Errorf("largest family = %d, want 2 (one family per cell and unit)", a.Family)
	}
	for _, cell := range a.Cells {
		for _, unit := range a.UnitNames {
			var ps, got []float64
			for _, c := range a.Comparisons {
				if c.Tested && c.Unit == unit && c.Cell == cell {
					ps, got = append(ps, c.P), append(got, c.PAdj)
				}
			}
			for i, want := range Holm(ps) {
				if got[i] != want {
					t.Errorf("%v %s comparison %d: PAdj %g, want %g (Holm within the family)", cell, unit, i, got[i], want)
				}
			}
		}
	}
}

func TestLatest(t *testing.T) {
	dir := t.TempDir()
	for _, id := range []string{"20260101-000000", "20260102-000000", "zz-not-a-run"} {
		if err := os.MkdirAll(filepath.Join(dir, id), 0o755); err != nil {
			t.Fatal(err)
		}
		if id != "zz-not-a-run" {
			if err := os.WriteFile(filepath.Join(dir, id, results.MetaFile), []byte("{}"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	got, err := Latest(dir)
	if err != nil || got != filepath.Join(dir, "20260102-000000") {
		t.Errorf("Latest = %q, %v", got, err)
	}
	if _, err := Latest(t.TempDir()); err == nil || !strings.HasPrefix(err.Error(), "report: ") {
		t.Errorf("empty results dir: err = %v", err)
	}
}

func chartByFile(t *testing.T, rep *Report, file string) *Chart {
	t.Helper()
	for i := range rep.Charts {
		if rep.Charts[i].File == file {
			return &rep.Charts[i]
		}
	}
	var files []string
	for _, c := range rep.Charts {
		files = append(files, c.File)
	}
	t.Fatalf("no chart %s; have %v", file, files)
	return nil
}

func trialMedian(run *results.Run, scenario, step, variant string, f func(*results.Trial) float64) float64 {
	var vs []float64
	for i := range run.Trials {
		tr := &run.Trials[i]
		if tr.Scenario == scenario && tr.Step == step && tr.Variant == variant {
			vs = append(vs, f(tr))
		}
	}
	return median(vs)
}

func TestCharts(t *testing.T) {
	run := fixture(t)
	dir := t.TempDir()
	index, err := Write(run, dir)
	if err != nil {
		t.Fatal(err)
	}
	if index != filepath.Join(dir, "index.html") {
		t.Errorf("index = %s", index)
	}
	rep, err := Build(run)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Skipped) != 0 {
		t.Errorf("skipped charts: %+v", rep.Skipped)
	}
	page, err := os.ReadFile(index)
	if err != nil {
		t.Fatal(err)
	}
	// Every chart is a decodable PNG linked relatively from the page.
	for _, c := range rep.Charts {
		f, err := os.Open(filepath.Join(dir, c.File))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", c.File, err)
		}
		if b := img.Bounds(); b.Dx() != rep.ImgWidth || b.Dy() != rep.ImgHeight {
			t.Errorf("%s: %v", c.File, b)
		}
		if !bytes.Contains(page, []byte(`src="`+c.File+`"`)) {
			t.Errorf("page does not link %s", c.File)
		}
		if len(c.Series) == 0 || c.Title == "" || c.XLabel == "" || c.YLabel == "" {
			t.Errorf("%s: incomplete chart %+v", c.File, c)
		}
	}
	if bytes.Contains(page, []byte("http://")) || bytes.Contains(page, []byte("https://")) || bytes.Contains(page, []byte("<script")) {
		t.Error("page is not self-contained")
	}

	// Success vs clients: one series per variant, medians at 10, 50, 100.
	sc := chartByFile(t, rep, "success-steps.png")
	if len(sc.Series) != 3 {
		t.Fatalf("success series: %+v", sc.Series)
	}
	for _, s := range sc.Series {
		if len(s.Points) != 3 {
			t.Fatalf("%s: %v", s.Name, s.Points)
		}
		for i, clients := range []float64{10, 50, 100} {
			want := trialMedian(run, "steps", fmt.Sprintf("clients=%g", clients), s.Name, func(tr *results.Trial) float64 { return tr.SuccessPct })
			if s.Points[i].X != clients || s.Points[i].Y != want {
				t.Errorf("%s point %d = %v, want (%v, %v)", s.Name, i, s.Points[i], clients, want)
			}
		}
	}

	// Latency: 3 variants × 3 percentiles; p99.9 ≥ p99 ≥ p50.
	lc := chartByFile(t, rep, "latency-steps.png")
	if len(lc.Series) != 9 {
		t.Fatalf("latency series: %d", len(lc.Series))
	}
	byName := map[string]Series{}
	for _, s := range lc.Series {
		byName[s.Name] = s
	}
	for _, v := range []string{"phase2", "phase3", "phase3#2"} {
		p50, p99, p999 := byName[v+" p50"], byName[v+" p99"], byName[v+" p99.9"]
		for i := range p50.Points {
			if !(p50.Points[i].Y <= p99.Points[i].Y && p99.Points[i].Y <= p999.Points[i].Y) {
				t.Errorf("%s: percentiles out of order at %v", v, p50.Points[i].X)
			}
		}
		want := trialMedian(run, "steps", "clients=100", v, func(tr *results.Trial) float64 { return float64(tr.Latency.P99) }) / 1e6
		if got := p99.Points[2].Y; got != want {
			t.Errorf("%s p99 at 100 clients = %v, want %v", v, got, want)
		}
	}
	rl := chartByFile(t, rep, "latency-ramp.png")
	if !rl.LogY {
		t.Error("ramp latency spans decades but is not on a log scale")
	}

	// Throughput: knees from the SLOs (phase2 saturates at 2500 req/s).
	tc := chartByFile(t, rep, "throughput-ramp.png")
	knees := map[string]float64{}
	for _, k := range rep.Knees["ramp"] {
		knees[k.Variant] = k.Rate
	}
	if knees["phase2"] != 2000 || knees["phase3"] != 4000 {
		t.Errorf("knees = %v", knees)
	}
	if len(tc.Markers) != 2 || tc.Series[len(tc.Series)-1].Name != "achieved = offered" {
		t.Errorf("throughput chart markers %v, series %v", tc.Markers, tc.Series)
	}

	// Spectrum: x = 1/(1-q) from 1, latency non-decreasing, one per variant.
	sp := chartByFile(t, rep, "spectrum-seed-100x10.png")
	if len(sp.Series) != 3 || !sp.LogX || len(sp.XTicks) < 3 || sp.XTicks[2].Label != "99%" {
		t.Fatalf("spectrum: %+v", sp)
	}
	for _, s := range sp.Series {
		if s.Points[0].X != 1 || !strings.Contains(s.Name, "(n=4000)") {
			t.Errorf("%s starts at %v", s.Name, s.Points[0])
		}
		for i := 1; i < len(s.Points); i++ {
			if s.Points[i].Y < s.Points[i-1].Y || s.Points[i].X <= s.Points[i-1].X {
				t.Errorf("%s: not monotone at %d", s.Name, i)
			}
		}
	}

	// Journey at seed-100x10: phase2, phase3 bars; the seed claims 80% for
	// phase3 at 100 clients and 2-3x phase2's throughput.
	js := chartByFile(t, rep, "journey-success-seed-100x10.png")
	if strings.Join(js.Categories, ",") != "phase2,phase3" || len(js.Series) != 2 {
		t.Fatalf("journey: %+v", js)
	}
	if seed := js.Series[1].Points; len(seed) != 1 || seed[0] != (Point{1, 80}) {
		t.Errorf("seed success claim points = %v", seed)
	}
	ours := js.Series[0].Points
	if want := trialMedian(run, "seed-100x10", "", "phase3", func(tr *results.Trial) float64 { return tr.SuccessPct }); ours[1].Y != want {
		t.Errorf("journey phase3 success = %v, want %v", ours[1].Y, want)
	}
	jt := chartByFile(t, rep, "journey-throughput-seed-100x10.png")
	base := trialMedian(run, "seed-100x10", "", "phase2", func(tr *results.Trial) float64 { return tr.Throughput })
	if seed := jt.Series[1].Points; len(seed) != 1 || seed[0] != (Point{1, 2 * base}) {
		t.Errorf("seed throughput claim points = %v (phase2 %v)", seed, base)
	}
}

// A run without the data for a chart says why instead of drawing it.
func TestChartsDegrade(t *testing.T) {
	run := &results.Run{Meta: results.Meta{RunID: "r1", Scenarios: []string{"one"},
		Variants: []results.Variant{{Label: "parser=find"}, {Label: "parser=fsm"}}}}
	for i := 0; i < 2; i++ {
		for _, v := range []string{"parser=find", "parser=fsm"} {
			run.Trials = append(run.Trials, results.Trial{Scenario: "one", Variant: v, Trial: i, Model: "closed", Clients: 10,
				SuccessPct: 100, Throughput: 1000, Latency: results.Latency{Mean: 1e6, P50: 1e6, P99: 2e6, P999: 3e6}})
		}
	}
	dir := t.TempDir()
	if _, err := Write(run, dir); err != nil {
		t.Fatal(err)
	}
	rep, err := Build(run)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Charts) != 0 {
		t.Errorf("charts drawn without data: %+v", rep.Charts)
	}
	var titles []string
	for _, s := range rep.Skipped {
		titles = append(titles, s.Title)
		if s.Reason == "" {
			t.Errorf("%s skipped without a reason", s.Title)
		}
	}
	got := strings.Join(titles, "|")
	for _, want := range []string{"The journey", "Success rate vs clients", "Latency percentiles vs load", "Achieved vs offered throughput", "Latency percentile spectrum"} {
		if !strings.Contains(got, want) {
			t.Errorf("no skip notice for %q in %q", want, got)
		}
	}
	if len(rep.Analysis.Pairs) != 1 || rep.Analysis.Pairs[0].Diff != "parser fsm vs find" || rep.Analysis.Pairs[0].Kind != "vs first" {
		t.Errorf("pairs = %+v", rep.Analysis.Pairs)
	}
	if rep.Analysis.Source != "trials (no bench.txt)" {
		t.Errorf("source = %q", rep.Analysis.Source)
	}
}

func TestSetDiffReference(t *testing.T) {
	run := &results.Run{Meta: results.Meta{Variants: []results.Variant{
		{Label: "reference", Set: map[string]string{"server": "reference"}},
		{Label: "optimized", Set: map[string]string{"parser": "fsm", "writer": "async"}},
		{Label: "phase2", Set: map[string]string{"parser": "find", "writer": "async"}},
	}}}
	if got := setDiff(run, "reference", "optimized"); got != "lab server vs reference server" {
		t.Errorf("optimized vs reference: %q", got)
	}
	if got := setDiff(run, "phase2", "optimized"); got != "parser fsm vs find" {
		t.Errorf("optimized vs phase2: %q", got)
	}
}
