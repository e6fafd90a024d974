package report

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"metricstream/harness/analysis"
	"metricstream/harness/results"
	"metricstream/harness/usl"
	"metricstream/internal/stages"
	"metricstream/variants"
)

// stageSnap is n timed requests whose stages cost ns each (by name).
func stageSnap(n uint64, ns map[string]int64) *stages.Snapshot {
	s := &stages.Snapshot{Every: 64, Sampled: n}
	for i := stages.Stage(0); i < stages.NumStages; i++ {
		s.Stages = append(s.Stages, stages.StageStat{Stage: i.String(), Count: n, SumNS: ns[i.String()] * int64(n)})
	}
	d := results.AddStages(s)
	return &d
}

// stagesRun: phase2 → phase3 → phase4 with stage counters in "big" (the
// parser step doubles throughput, the lock step changes nothing) and a
// closed-loop client sweep following a USL curve.
func stagesRun() *results.Run {
	run := &results.Run{Meta: results.Meta{RunID: "stages-test", NumCPU: 2, GOMAXPROCS: 2, Scenarios: []string{"big", "sweep"}, Count: 6}}
	presets := []string{"phase2", "phase3", "phase4"}
	for _, p := range presets {
		for _, pr := range variants.Presets {
			if pr.Name == p {
				run.Meta.Variants = append(run.Meta.Variants, results.Variant{Label: p, Preset: p, Set: pr.Set})
			}
		}
	}
	rate := map[string]float64{"phase2": 10000, "phase3": 20000, "phase4": 20000}
	parse := map[string]int64{"phase2": 50000, "phase3": 10000, "phase4": 10000}
	m := usl.Model{Lambda: 1000, Sigma: 0.05, Kappa: 0.001}
	for k := 0; k < 6; k++ {
		for _, v := range presets {
			run.Trials = append(run.Trials, results.Trial{Scenario: "big", Variant: v, Trial: k, Model: "closed", Clients: 50,
				Throughput: rate[v] * (1 + 0.01*float64((k*7+len(v))%5-2)), SuccessPct: 100, Counts: results.Counts{Status2xx: 1000},
				Stages: stageSnap(100, map[string]int64{"read_header": 40000, "parse": parse[v], "rate_limit": 500, "write": 9500})})
			for _, n := range []int{1, 2, 4, 8, 16, 32} {
				run.Trials = append(run.Trials, results.Trial{Scenario: "sweep", Variant: v, Trial: k, Step: "clients=" + strconv.Itoa(n), Model: "closed",
					Clients: n, Throughput: m.Throughput(float64(n)) * (1 + 0.002*float64(k%3-1)), SuccessPct: 100, Counts: results.Counts{Status2xx: 1000}})
			}
		}
	}
	return run
}

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
	page := string(b)
	h2 := regexp.MustCompile(`<h2 id="([a-z]+)"`).FindAllStringSubmatch(page, -1)
	if len(h2) == 0 || h2[0][1] != "steps" {
		t.Fatalf("first section %v, want steps", h2)
	}
	order := strings.Index(page, `id="steps"`) < strings.Index(page, `id="details"`) && strings.Index(page, `id="details"`) < strings.Index(page, `id="environment"`)
	if !order {
		t.Error("details (environment) must follow the findings")
	}
	steps := page[strings.Index(page, `id="steps"`):strings.Index(page, `id="stages"`)]
	if n := strings.Count(steps, "<tr><td>"); n != 2 {
		t.Errorf("steps section has %d rows, want 2 (parser, lock)", n)
	}
	for _, want := range []string{"phase3 vs phase2 (parser fsm vs find)", "lock: 0.83% of request time here (rate_limit), so no lock variant can buy more than 0.83%", "measured effect disagrees"} {
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
	cs, _ := stagesCharts(a)
	if len(cs) != 1 || cs[0].File != "stages-big.png" || !cs[0].Stacked || len(cs[0].Categories) != 3 || len(cs[0].Series) != 6 {
		t.Fatalf("stage charts %+v", cs)
	}
	var total float64
	for _, s := range cs[0].Series {
		total += s.Points[0].Y
	}
	if total != 100 { // phase2: 40 + 50 + 0.5 + 9.5 µs
		t.Errorf("phase2's bar totals %v µs, want 100", total)
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
	for _, want := range []string{"What each step buys", "lock, why not significant: no significant difference in big", "Amdahl bounds", "USL fits"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("terminal summary lacks %q:\n%s", want, buf.String())
		}
	}
}
