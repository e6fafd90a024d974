package report

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	_ "embed"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/vgimg"

	"metricstream/harness/analysis"
	"metricstream/harness/results"
)

// Report is everything the page shows, laid out from one analysis.
type Report struct {
	RunID string
	// Title is the run's result in one sentence; Headlines are the
	// journey's steps in plain words (headline.go): the first screen.
	Title       string
	Headlines   []Headline
	Analysis    *analysis.Analysis
	Env         []KV
	Variants    []results.Variant
	Checks      []CheckView
	SLOs        SLOTable
	Summaries   []SummaryTable
	Comparisons []CompareTable
	Verdicts    []VerdictView
	Capacity    []CapacityView // the capacity table, in words
	Charts      []Chart
	Skipped     []Skipped
	Knees       []analysis.Knee
	Claims      []ClaimCheck
	Method      string
	Medians     []MedianTable // the page's medians, one table per scenario

	Steps       []StepView   // "What each step buys" (steps.go)
	SeedDesigns []SeedView   // the seed's designs, in words (seed.go)
	StageTables []StageTable // where the time goes, per scenario with stage costs
	USLRows     []USLRow     // one per client sweep and variant

	Replicas []string // the replica findings in words (faults.go)
	Faults   []string // the fault findings in words (faults.go)
}

// KV is one line of the environment table.
type KV struct{ Key, Value string }

// CheckView is one variant's verification and integrity result.
type CheckView struct {
	Variant  string
	Recorded bool
	results.Check
}

// SLOTable says, per cell and variant, how many trials met every SLO.
type SLOTable struct {
	Variants []string
	Rows     []SLORow
}

// SLORow is one cell of the SLO table.
type SLORow struct {
	Cell  string
	Cells []SLOCell
}

// SLOCell is one variant in one cell.
type SLOCell struct {
	Text  string // "pass 10/10", "fail 3/10: p99 <= 5ms", "no SLO", "-"
	Class string // "pass", "fail" or ""
}

// Build analyses run and lays out its report; it writes nothing. A caller
// that already holds the run's analysis (lab experiment, which printed its
// summary from it) calls BuildFrom instead: one analysis per run.
func Build(run *results.Run) (*Report, error) {
	a, err := analysis.Analyze(run)
	if err != nil {
		return nil, err
	}
	return BuildFrom(a), nil
}

// BuildFrom lays out the report of an analysis; it computes nothing of
// its own and writes nothing.
func BuildFrom(a *analysis.Analysis) *Report {
	run := a.Run
	rep := &Report{RunID: runID(run), Analysis: a, Summaries: summaryTables(a), Comparisons: compareTables(a),
		Verdicts: verdictViews(a), Method: methodText(a), Variants: run.Meta.Variants, Medians: medianTables(a),
		Title: titleSentence(a), Headlines: firstScreen(a)}
	rep.Env = environment(run)
	ix := indexTrials(a)
	rep.Checks = checks(run, ix.variants)
	rep.SLOs = sloTable(a)

	add := func(cs []Chart, sk []Skipped) {
		rep.Charts = append(rep.Charts, cs...)
		rep.Skipped = append(rep.Skipped, sk...)
	}
	heads := headlineCells(ix)
	add(journeyChart(a))
	add(stageBars(a), nil)
	add(journeyCharts(a, ix, heads))
	add(successCharts(ix))
	add(latencyCharts(ix))
	add(throughputCharts(a, ix))
	add(capacityCharts(a, ix))
	rep.Knees = a.Knees
	add(spectrumCharts(ix))
	rep.Claims = checkClaims(a, ix, heads)
	claimMechanisms(a, rep.Claims)
	rep.Steps, rep.StageTables, rep.USLRows = stepViews(a), stageTables(a), uslRows(a)
	rep.SeedDesigns = seedViews(a.SeedDesigns)
	rep.Capacity = capacityViews(a)
	rep.Replicas, rep.Faults = ReplicaLines(a), FaultLines(a)
	add(uslCharts(a))
	for i := range rep.Charts {
		rep.Charts[i].Width, rep.Charts[i].Height = rep.Charts[i].PixelSize()
	}
	return rep
}

// ChartsAt are the charts the page shows at place (Chart.Place).
func (r *Report) ChartsAt(place string) []Chart {
	var out []Chart
	for _, c := range r.Charts {
		if c.Place == place {
			out = append(out, c)
		}
	}
	return out
}

// pixels is the size in pixels of a length in vgimg's default 96 dpi.
func pixels(l vg.Length) int { return int(math.Round(float64(l/vg.Inch) * vgimg.DefaultDPI)) }

func runID(run *results.Run) string {
	if run.Meta.RunID != "" {
		return run.Meta.RunID
	}
	return filepath.Base(run.Dir)
}

// Write analyses run and writes its report into dir (see WriteFrom).
func Write(run *results.Run, dir string) (string, error) {
	a, err := analysis.Analyze(run)
	if err != nil {
		return "", err
	}
	return WriteFrom(a, dir)
}

// WriteFrom writes the report of an analysis into dir (created if
// needed): index.html, one PNG per chart, medians.csv and
// hgrm/<cell>_<variant>.hgrm. It returns the path of index.html. A chart
// that cannot be drawn is listed on the page as skipped, with the error.
func WriteFrom(a *analysis.Analysis, dir string) (string, error) {
	rep := BuildFrom(a)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("report: %w", err)
	}
	var drawn []Chart
	for i := range rep.Charts {
		c := &rep.Charts[i]
		png, err := RenderPNG(c)
		if err != nil {
			rep.Skipped = append(rep.Skipped, Skipped{c.Title, err.Error()})
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, c.File), png, 0o644); err != nil {
			return "", fmt.Errorf("report: %w", err)
		}
		drawn = append(drawn, *c)
	}
	rep.Charts = drawn
	if err := writeData(dir, rep.Analysis); err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := rep.WriteHTML(&buf); err != nil {
		return "", err
	}
	index := filepath.Join(dir, "index.html")
	if err := os.WriteFile(index, buf.Bytes(), 0o644); err != nil {
		return "", fmt.Errorf("report: %w", err)
	}
	return index, nil
}

//go:embed page.html.tmpl
var pageText string

var page = template.Must(template.New("page").Funcs(template.FuncMap{
	"join":       strings.Join,
	"value":      pageValue,
	"diskRows":   diskRows,
	"diskTally":  diskTally,
	"diskFailed": diskFailed,
	"knee":       kneeText,
}).Parse(pageText))

// WriteHTML renders the page. Charts are linked by their File names,
// relative to the page.
func (r *Report) WriteHTML(w io.Writer) error {
	if err := page.Execute(w, r); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

func environment(run *results.Run) []KV {
	m := run.Meta
	date := "-"
	if !m.Date.IsZero() {
		date = m.Date.UTC().Format(time.RFC3339)
	}
	kv := []KV{
		{"run", runID(run)},
		{"date", date},
		{"machine", strings.TrimSpace(fmt.Sprintf("%s/%s, %d CPUs, %s", m.GOOS, m.GOARCH, m.NumCPU, m.CPUModel))},
		{"kernel", m.Kernel},
		{"Go", m.GoVersion},
		{"GOMAXPROCS", strconv.Itoa(m.GOMAXPROCS)},
		{"pinning", m.Pinning},
		{"commit", m.Commit},
		{"trials per cell", strconv.Itoa(m.Count)},
	}
	if m.Target != "" {
		kv = append(kv, KV{"target", m.Target})
	}
	if len(m.Hosts) > 0 {
		kv = append(kv, KV{"generator hosts", strings.Join(m.Hosts, ", ")})
	}
	for _, n := range m.Notes {
		kv = append(kv, KV{"note", n})
	}
	for i := range kv {
		if kv[i].Value == "" {
			kv[i].Value = "-"
		}
	}
	return kv
}

func checks(run *results.Run, trialVariants []string) []CheckView {
	by := map[string]results.Check{}
	for _, c := range run.Checks {
		by[c.Variant] = c
	}
	var labels []string
	seen := map[string]bool{}
	for _, v := range run.Meta.Variants {
		if !seen[v.Label] {
			seen[v.Label] = true
			labels = append(labels, v.Label)
		}
	}
	var extra []string
	for _, v := range trialVariants {
		if !seen[v] {
			seen[v] = true
			extra = append(extra, v)
		}
	}
	for v := range by {
		if !seen[v] {
			seen[v] = true
			extra = append(extra, v)
		}
	}
	sort.Strings(extra)
	labels = append(labels, extra...)
	var out []CheckView
	for _, l := range labels {
		c, ok := by[l]
		if !ok {
			c = results.Check{Variant: l}
		}
		out = append(out, CheckView{Variant: l, Recorded: ok, Check: c})
	}
	return out
}

// sloTable lays out the analysis's SLO verdicts: a row per cell, a column
// per variant.
func sloTable(a *analysis.Analysis) SLOTable {
	t := SLOTable{Variants: a.TrialVariants()}
	for _, c := range a.TrialCells() {
		row := SLORow{Cell: c.String()}
		for _, v := range t.Variants {
			r := a.Row(c, v)
			if r == nil {
				row.Cells = append(row.Cells, SLOCell{Text: "-"})
				continue
			}
			row.Cells = append(row.Cells, SLOCell{Text: sloText(r.SLO), Class: sloClass(r.SLO)})
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// Latest returns the directory of the latest run under resultsDir: the run
// directories (those holding meta.json) sorted by name, which is a
// timestamp-like run id, last one wins.
func Latest(resultsDir string) (string, error) {
	es, err := os.ReadDir(resultsDir)
	if err != nil {
		return "", fmt.Errorf("report: %w", err)
	}
	var runs []string
	for _, e := range es {
		if !e.IsDir() {
			continue
		}
		if _, err := os.Stat(filepath.Join(resultsDir, e.Name(), results.MetaFile)); err == nil {
			runs = append(runs, e.Name())
		}
	}
	if len(runs) == 0 {
		return "", errors.New("report: no run in " + resultsDir + " (no directory with " + results.MetaFile + "); run `lab experiment` first")
	}
	sort.Strings(runs)
	return filepath.Join(resultsDir, runs[len(runs)-1]), nil
}
