package report

import (
	"bytes"
	"fmt"
	"html"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"metricstream/harness/analysis"
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
	if err := Compare(&buf, fixture(t)); err != nil {
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
	if err := WriteText(&text, rep.Analysis); err != nil {
		t.Fatal(err)
	}
	p := html.UnescapeString(page.String())
	for _, ct := range rep.Comparisons {
		for _, r := range ct.Rows {
			for _, s := range []string{r.Old, r.New, r.Delta, r.P, r.PAdj} {
				// the page's tables say "no CI" once, not in every cell
				if !strings.Contains(text.String(), s) || !strings.Contains(p, pageValue(s)) {
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
	return analysis.Median(vs)
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
		if b := img.Bounds(); b.Dx() != c.Width || b.Dy() != c.Height {
			t.Errorf("%s: %v", c.File, b)
		}
		if !bytes.Contains(page, []byte(`src="`+c.File+`"`)) {
			t.Errorf("page does not link %s", c.File)
		}
		if (len(c.AllSeries()) == 0 && len(c.Effects) == 0) || c.Title == "" {
			t.Errorf("%s: incomplete chart %+v", c.File, c)
		}
		for _, p := range c.panels() {
			if p.XLabel == "" || p.YLabel == "" {
				t.Errorf("%s: panel %q without axis labels", c.File, p.Title)
			}
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

	// Latency: one panel per percentile, 3 variants each; p99.9 ≥ p99 ≥ p50.
	lc := chartByFile(t, rep, "latency-steps.png")
	if len(lc.Panels) != 3 || len(lc.Series) != 0 {
		t.Fatalf("latency panels: %d (series outside panels %d)", len(lc.Panels), len(lc.Series))
	}
	byName := map[string]Series{}
	for _, p := range lc.Panels {
		if len(p.Series) != 3 {
			t.Errorf("latency panel %s: %d series", p.Title, len(p.Series))
		}
		for _, s := range p.Series {
			byName[s.Name+" "+p.Title] = s
		}
	}
	for _, v := range []string{"phase2", "phase3", "phase3#2"} {
		p50, p99, p999 := byName[v+" p50"], byName[v+" p99"], byName[v+" p99.9"]
		if len(p50.Points) != 3 || len(p99.Points) != 3 || len(p999.Points) != 3 {
			t.Fatalf("%s: points %d %d %d", v, len(p50.Points), len(p99.Points), len(p999.Points))
		}
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
	logY := false
	for _, p := range rl.Panels {
		logY = logY || p.LogY
	}
	if !logY {
		t.Error("ramp latency spans decades but no panel is on a log scale")
	}

	// Throughput: knees from the SLOs (phase2 saturates at 2500 req/s).
	tc := chartByFile(t, rep, "throughput-ramp.png")
	knees := map[string]float64{}
	for _, k := range rep.Analysis.KneesOf("ramp") {
		knees[k.Variant] = k.Value
	}
	if knees["phase2"] != 2000 || knees["phase3"] != 4000 {
		t.Errorf("knees = %v", knees)
	}
	if len(tc.Markers) != 2 || tc.Series[len(tc.Series)-1].Name != "achieved = offered" {
		t.Errorf("throughput chart markers %v, series %v", tc.Markers, tc.Series)
	}

	// Spectrum: x = 1/(1-q) from p50 (x = 2), latency non-decreasing, one
	// per variant, no glyph on its dense points.
	sp := chartByFile(t, rep, "spectrum-seed-100x10.png")
	if len(sp.Series) != 3 || !sp.LogX || len(sp.XTicks) < 5 || sp.XTicks[0].Label != "50%" || sp.XTicks[4].Label != "99%" {
		t.Fatalf("spectrum: %+v", sp)
	}
	for _, s := range sp.Series {
		if x := s.Points[0].X; x < 1.99 || x > 2.01 || !strings.Contains(s.Name, "(n=4000)") {
			t.Errorf("%s starts at %v", s.Name, s.Points[0])
		}
		if len(s.Points) <= markerMaxPoints {
			t.Errorf("%s: %d points, drawn with a glyph on each", s.Name, len(s.Points))
		}
		for i := 1; i < len(s.Points); i++ {
			if s.Points[i].Y < s.Points[i-1].Y || s.Points[i].X <= s.Points[i-1].X {
				t.Errorf("%s: not monotone at %d", s.Name, i)
			}
		}
	}

	// Journey at seed-100x10: phase2, phase3 bars; the seed's own 80% for
	// phase3 at 100 clients beside ours; its "2-3x phase2's throughput" is
	// no seed figure: no bar, the note gives the factor this run measured.
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
	p3 := trialMedian(run, "seed-100x10", "", "phase3", func(tr *results.Trial) float64 { return tr.Throughput })
	if len(jt.Series) != 1 {
		t.Errorf("journey throughput draws %d series; the seed has no absolute throughput figure", len(jt.Series))
	}
	if want := fmt.Sprintf("this run: %.2f× phase2", p3/base); !strings.Contains(jt.Note, want) {
		t.Errorf("journey throughput note %q lacks %q", jt.Note, want)
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
	if len(rep.Analysis.Pairs) != 1 || diffText(rep.Analysis.Diff(rep.Analysis.Pairs[0])) != "parser fsm vs find" || rep.Analysis.Pairs[0].Kind != "vs first" {
		t.Errorf("pairs = %+v", rep.Analysis.Pairs)
	}
	if rep.Analysis.Source != "trials (no bench.txt)" {
		t.Errorf("source = %q", rep.Analysis.Source)
	}
}

// The terminal summary, `lab compare` and the page render one analysis:
// from the same fixture they state the same medians, knees, SLO verdicts
// and comparison verdicts.
func TestTextAndHTMLAgree(t *testing.T) {
	rep, err := Build(fixture(t))
	if err != nil {
		t.Fatal(err)
	}
	a := rep.Analysis
	var page, text bytes.Buffer
	if err := rep.WriteHTML(&page); err != nil {
		t.Fatal(err)
	}
	if err := Summary(&text, a); err != nil {
		t.Fatal(err)
	}
	if err := WriteText(&text, a); err != nil {
		t.Fatal(err)
	}
	p, txt := html.UnescapeString(page.String()), text.String()
	both := func(what, s string) {
		t.Helper()
		if !strings.Contains(txt, s) || !strings.Contains(p, s) {
			t.Errorf("%s %q not in both the text and the page", what, s)
		}
	}
	if len(a.Knees) == 0 || len(a.Verdicts) == 0 || len(a.Rows) == 0 {
		t.Fatalf("fixture gives %d knees, %d verdicts, %d rows: nothing to compare", len(a.Knees), len(a.Verdicts), len(a.Rows))
	}
	// the first screen's sentences: the result and one headline per step,
	// wrapped in the terminal, so compared word by word
	words := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	pw, tw := words(p), words(txt)
	hs := headlines(a)
	if len(hs) != len(a.Steps) || len(hs) == 0 {
		t.Fatalf("%d headlines for %d steps", len(hs), len(a.Steps))
	}
	for _, s := range append([]string{rep.Title}, func() (out []string) {
		for _, h := range hs {
			out = append(out, h.Text)
		}
		return out
	}()...) {
		if !strings.Contains(pw, words(s)) || !strings.Contains(tw, words(s)) {
			t.Errorf("%q not in both the summary and the page", s)
		}
	}
	for _, k := range a.Knees {
		both("knee", kneeText(k))
		if !strings.Contains(txt, k.Scenario+" "+k.Variant+": "+kneeText(k)) {
			t.Errorf("text lacks the knee line of %s %s", k.Scenario, k.Variant)
		}
	}
	for _, v := range verdictViews(a) {
		both("verdict", v.Text)
	}
	for _, r := range a.Rows {
		both("SLO verdict", sloText(r.SLO))
		// The summary's medians are the page's medians (its tables add the CI).
		for _, m := range []struct {
			unit string
			v    float64
		}{{"success-%", r.Success}, {"p99-ns", r.P99}, {"req/s", r.Throughput}} {
			s := FormatValue(m.unit, m.v)
			if m.unit == "p99-ns" && a.Censored(r.Cell, r.Variant, m.unit) > 0 {
				// some trial's p99 is only a bound: the summary says the
				// median of every trial (≥ when it is a bound), the page's
				// table the median of the measured ones
				if r.P99AtLeast && !strings.Contains(txt, "≥ "+s) {
					t.Errorf("summary lacks the censored p99 ≥ %s of %s %s", s, r.Cell, r.Variant)
				}
				continue
			}
			if !strings.Contains(txt, s) {
				t.Errorf("summary lacks %s median %s of %s %s", m.unit, s, r.Cell, r.Variant)
			}
			if got := pageMedian(rep, m.unit, r.Cell.String(), r.Variant); !strings.HasPrefix(got, s) {
				t.Errorf("%s %s %s: page median %q, summary %q", r.Cell, r.Variant, m.unit, got, s)
			}
		}
	}
}

// pageMedian is the formatted median the page's table of cell's scenario
// gives variant for unit.
func pageMedian(rep *Report, unit, cell, variant string) string {
	for _, mt := range rep.Medians {
		for _, row := range mt.Rows {
			if row.Cell != cell || row.Variant != variant {
				continue
			}
			for i, u := range mt.Units {
				if u.Name == unit {
					return row.Values[i]
				}
			}
		}
	}
	return ""
}
