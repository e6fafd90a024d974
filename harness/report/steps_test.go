package report

import (
	"bytes"
	"html"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"metricstream/harness/analysis"
	"metricstream/harness/internal/stagetest"
)

// stagesRun is harness/internal/stagetest's run, shared with the
// analysis tests.
var stagesRun = stagetest.Run

// The page opens with the steps section, states the stage costs and the
// USL fits, and every chart it references exists and decodes, the stacked
// stage bars and the USL panels among them.
func TestStepsStagesUSLPage(t *testing.T) {
	dir := t.TempDir()
	index, err := Write(stagesRun(), dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(index)
	if err != nil {
		t.Fatal(err)
	}
	page := html.UnescapeString(string(b))
	// the first screen (result, journey chart, headlines), then where the
	// time goes, then the folded sections, the environment last
	var at []int
	for _, id := range []string{`id="result"`, `src="journey-effects.png"`, `id="headlines"`, `id="stages"`, `id="steps"`, `id="details"`, `id="environment"`} {
		i := strings.Index(page, id)
		if i < 0 || (len(at) > 0 && i < at[len(at)-1]) {
			t.Fatalf("%s missing or out of order", id)
		}
		at = append(at, i)
	}
	steps := page[strings.Index(page, `id="steps"`):strings.Index(page, `id="verdicts"`)]
	if n := strings.Count(steps, "<tr><td>"); n != 2 {
		t.Errorf("steps section has %d rows, want 2 (parser, lock)", n)
	}
	for _, want := range []string{"phase3 vs phase2 (parser fsm vs find)", "lock: rate_limit is 0.83% of phase3's request time in the server, so no lock variant can cut a request's time there by more than 0.83%",
		"outside the measured interval", "big (primary: targets lock)", "no effect larger than 3.0% either way on throughput"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for _, want := range []string{`id="stages"`, `id="usl"`, `<img src="stages-big.png"`, `<img src="usl-sweep.png"`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if !regexp.MustCompile(`<td>(linear|contention-limited|coherency-limited): `).MatchString(page) {
		t.Error("no USL fit with parameters on the page")
	}
	for _, m := range regexp.MustCompile(`<img src="([^"]+)"`).FindAllStringSubmatch(page, -1) {
		f, err := os.ReadFile(filepath.Join(dir, m[1]))
		if err != nil {
			t.Errorf("page references %s: %v", m[1], err)
			continue
		}
		if _, err := png.Decode(bytes.NewReader(f)); err != nil {
			t.Errorf("%s does not decode: %v", m[1], err)
		}
	}
}

// The stage chart stacks one series per stage over one bar per variant;
// the USL chart has at most 6 series per panel, the fitted curves drawn
// as lines.
func TestStagesAndUSLCharts(t *testing.T) {
	if out := os.Getenv("STAGES_CHART_DIR"); out != "" { // to look at them
		if _, err := Write(stagesRun(), out); err != nil {
			t.Fatal(err)
		}
	}
	a, err := analysis.Analyze(stagesRun())
	if err != nil {
		t.Fatal(err)
	}
	cs := stageBars(a)
	if len(cs) != 1 || cs[0].File != "stages-big.png" || !cs[0].Stacked || len(cs[0].Categories) != 3 || len(cs[0].Series) != 6 {
		t.Fatalf("stage charts %+v", cs)
	}
	var total float64
	for _, s := range cs[0].Series {
		total += s.Points[0].Y
		if s.Name == "parse (parser)" && math.Abs(s.Points[0].Y-50) > 1e-9 {
			t.Errorf("phase2's parse segment %v%%, want 50%% (50 of 100 µs)", s.Points[0].Y)
		}
	}
	if math.Abs(total-100) > 1e-9 { // phase2: 40 + 50 + 0.5 + 9.5 µs, the whole request
		t.Errorf("phase2's bar totals %v%%, want 100%%", total)
	}
	us, sk := uslCharts(a)
	if len(us) != 1 || len(sk) != 0 || us[0].File != "usl-sweep.png" {
		t.Fatalf("USL charts %+v skipped %v", us, sk)
	}
	if n := len(us[0].AllSeries()); n != 6 {
		t.Errorf("%d series, want 3 variants × (points, curve)", n)
	}
	if !us[0].Series[1].Line || us[0].Series[0].Line {
		t.Error("the fitted curve must be a line and the points not")
	}
	var buf bytes.Buffer
	if err := Summary(&buf, a); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"What each step buys", "lock, why not significant: no effect larger than 3.0% either way on throughput (95% interval [-2.0%, +3.0%], 10 rounds)",
		"Amdahl shares", "USL fits", "σ 0.05 [0.0497, 0.0503]"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("terminal summary lacks %q:\n%s", want, buf.String())
		}
	}
}
