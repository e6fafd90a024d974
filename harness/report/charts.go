package report

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"metricstream/harness/analysis"
	"metricstream/harness/results"
	"metricstream/internal/fsname"
)

// Point is one plotted value.
type Point struct{ X, Y float64 }

// Series is one line (or one set of bars) of a chart. Color is the index of
// the variant in the run (the same variant has the same color on every
// chart); -1 draws grey. Dash picks a dash pattern (0 solid).
type Series struct {
	Name   string
	Points []Point
	Color  int
	Dash   int
}

// Marker is an annotated point, e.g. a saturation knee.
type Marker struct {
	Point
	Label string
	Color int
}

// Tick is a labelled axis tick.
type Tick struct {
	Value float64
	Label string
}

// Chart is the data one PNG draws, kept so tests (and readers) can check
// what was plotted without looking at pixels.
type Chart struct {
	File           string // PNG file name inside the report directory
	Title          string
	XLabel, YLabel string
	LogX, LogY     bool
	Bars           bool     // grouped bars; X of each point is a category index
	Categories     []string // bar chart categories
	XTicks         []Tick   // fixed X ticks (the percentile axis)
	Series         []Series
	Markers        []Marker
	Note           string // said under the chart on the page
}

// Skipped is a chart the run has no data for, and why.
type Skipped struct {
	Title, Reason string
}

// trialIndex groups a run's trials by cell and variant.
type trialIndex struct {
	a        *analysis.Analysis
	run      *results.Run
	cells    []analysis.Cell
	variants []string
	byCell   map[analysis.Cell]map[string][]*results.Trial
	color    map[string]int
}

// indexTrials is the charts' view of the analysis's trials: every cell
// and variant with trials, and a color per variant.
func indexTrials(a *analysis.Analysis) *trialIndex {
	ix := &trialIndex{a: a, run: a.Run, cells: a.TrialCells(), variants: a.TrialVariants(),
		byCell: map[analysis.Cell]map[string][]*results.Trial{}, color: map[string]int{}}
	for _, c := range ix.cells {
		ix.byCell[c] = map[string][]*results.Trial{}
		for _, v := range ix.variants {
			if ts := a.Trials(c, v); len(ts) > 0 {
				ix.byCell[c][v] = ts
			}
		}
	}
	// Colors follow the Analysis order so tables and charts agree.
	for i, v := range a.Variants {
		ix.color[v] = i
	}
	n := len(a.Variants)
	for _, v := range ix.variants {
		if _, ok := ix.color[v]; !ok {
			ix.color[v] = n
			n++
		}
	}
	return ix
}

// scenarios lists the scenarios in cell order.
func (ix *trialIndex) scenarios() []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range ix.cells {
		if !seen[c.Scenario] {
			seen[c.Scenario] = true
			out = append(out, c.Scenario)
		}
	}
	return out
}

func (ix *trialIndex) cellsOf(scenario string) []analysis.Cell {
	var out []analysis.Cell
	for _, c := range ix.cells {
		if c.Scenario == scenario {
			out = append(out, c)
		}
	}
	return out
}

// steppedBy returns the step key shared by all cells of a stepped scenario
// ("clients" or "rate"), or "" when the scenario is not stepped that way.
func (ix *trialIndex) steppedBy(scenario string) string {
	cells := ix.cellsOf(scenario)
	if len(cells) < 2 {
		return ""
	}
	key := ""
	for _, c := range cells {
		k, _, ok := analysis.StepValue(c.Step)
		if !ok || (key != "" && k != key) {
			return ""
		}
		key = k
	}
	return key
}

// loadAxis is the x value of a cell: its step's number for stepped
// scenarios, else the trials' clients (closed) or offered rate (open).
func cellX(c analysis.Cell, ts []*results.Trial, key string) float64 {
	if _, v, ok := analysis.StepValue(c.Step); ok && key != "" {
		return v
	}
	if key == "rate" {
		return analysis.MedianOf(ts, func(t *results.Trial) float64 { return t.OfferedRate })
	}
	return analysis.MedianOf(ts, func(t *results.Trial) float64 { return float64(t.Clients) })
}

// loadGroup is a set of cells plotted along one load axis.
type loadGroup struct {
	name  string // for titles and file names
	key   string // "clients" or "rate"
	cells []analysis.Cell
}

// loadGroups returns the stepped scenarios (clients= or rate= steps) or,
// when there is none, the closed-loop single-step scenarios taken together
// along their client counts (when they have at least two).
func (ix *trialIndex) loadGroups(keys ...string) []loadGroup {
	var gs []loadGroup
	for _, s := range ix.scenarios() {
		k := ix.steppedBy(s)
		for _, want := range keys {
			if k == want {
				gs = append(gs, loadGroup{name: s, key: k, cells: ix.cellsOf(s)})
			}
		}
	}
	if len(gs) > 0 || !slices.Contains(keys, "clients") {
		return gs
	}
	var cells []analysis.Cell
	clients := map[float64]bool{}
	for _, c := range ix.cells {
		if c.Step != "" {
			continue
		}
		closed := true
		for _, ts := range ix.byCell[c] {
			for _, t := range ts {
				closed = closed && t.Model != "open"
			}
		}
		if !closed {
			continue
		}
		cells = append(cells, c)
		for _, ts := range ix.byCell[c] {
			clients[cellX(c, ts, "clients")] = true
		}
	}
	if len(clients) >= 2 {
		gs = append(gs, loadGroup{name: "closed-loop scenarios", key: "clients", cells: cells})
	}
	return gs
}

// cellValue is what a chart plots for variant v in cell c.
type cellValue func(c analysis.Cell, v string, ts []*results.Trial) float64

// median plots the analysis's median of unit (f over the trials where the
// benchmark lines lack it), scaled by 1/div.
func (ix *trialIndex) median(unit string, div float64, f func(*results.Trial) float64) cellValue {
	return func(c analysis.Cell, v string, ts []*results.Trial) float64 {
		return ix.a.CellMedian(c, v, unit, ts, f) / div
	}
}

// variantSeries builds one series per variant of y against the group's load
// axis, points sorted by x.
func (ix *trialIndex) variantSeries(g loadGroup, y cellValue, suffix string, dash int, dropNonPositive bool) []Series {
	var out []Series
	for _, v := range ix.variants {
		s := Series{Name: v + suffix, Color: ix.color[v], Dash: dash}
		for _, c := range g.cells {
			ts := ix.byCell[c][v]
			if len(ts) == 0 {
				continue
			}
			p := Point{cellX(c, ts, g.key), y(c, v, ts)}
			if math.IsNaN(p.Y) || (dropNonPositive && (p.Y <= 0 || p.X <= 0)) {
				continue
			}
			s.Points = append(s.Points, p)
		}
		sort.SliceStable(s.Points, func(i, j int) bool { return s.Points[i].X < s.Points[j].X })
		if len(s.Points) > 0 {
			out = append(out, s)
		}
	}
	return out
}

func axisLabel(key string) string {
	if key == "rate" {
		return "offered rate (requests/s)"
	}
	return "concurrent clients"
}

// fileName makes a safe, lower-case PNG name from parts.
func fileName(parts ...string) string {
	return strings.ToLower(fsname.Safe(strings.Join(parts, "-"))) + ".png"
}

// SuccessCharts plots success rate against clients, one series per variant.
func successCharts(ix *trialIndex) ([]Chart, []Skipped) {
	const title = "Success rate vs clients"
	gs := ix.loadGroups("clients")
	if len(gs) == 0 {
		return nil, []Skipped{{title, "the run has no closed-loop scenario stepped by clients=N, nor closed-loop scenarios with two or more client counts"}}
	}
	var cs []Chart
	for _, g := range gs {
		cs = append(cs, Chart{
			File:   fileName("success", g.name),
			Title:  title + " — " + g.name,
			XLabel: axisLabel(g.key),
			YLabel: "success (% of requests answered 2xx)",
			Series: ix.variantSeries(g, ix.median("success-%", 1, func(t *results.Trial) float64 { return t.SuccessPct }), "", 0, false),
			Note:   "Median over trials of each cell.",
		})
		cs[len(cs)-1].XTicks = loadTicks(cs[len(cs)-1].Series)
	}
	return cs, nil
}

// percentiles plotted by the latency charts.
var latencyPercentiles = []struct {
	name, unit string
	get        func(*results.Trial) float64
}{
	{"p50", "p50-ns", func(t *results.Trial) float64 { return float64(t.Latency.P50) }},
	{"p99", "p99-ns", func(t *results.Trial) float64 { return float64(t.Latency.P99) }},
	{"p99.9", "p99.9-ns", func(t *results.Trial) float64 { return float64(t.Latency.P999) }},
}

// latencyCharts plots p50, p99 and p99.9 (ms) against clients or offered
// rate: color is the variant, dash the percentile.
func latencyCharts(ix *trialIndex) ([]Chart, []Skipped) {
	const title = "Latency percentiles vs load"
	gs := ix.loadGroups("clients", "rate")
	if len(gs) == 0 {
		return nil, []Skipped{{title, "the run has no scenario stepped by clients=N or rate=R, nor closed-loop scenarios with two or more client counts"}}
	}
	var cs []Chart
	for _, g := range gs {
		c := Chart{
			File:   fileName("latency", g.name),
			Title:  title + " — " + g.name,
			XLabel: axisLabel(g.key),
			YLabel: "latency (ms)",
			Note:   "Median over trials of each trial's percentile; solid p50, dashed p99, dotted p99.9.",
		}
		for i, pc := range latencyPercentiles {
			c.Series = append(c.Series, ix.variantSeries(g, ix.median(pc.unit, 1e6, pc.get), " "+pc.name, i, true)...)
		}
		sort.SliceStable(c.Series, func(i, j int) bool { return c.Series[i].Color < c.Series[j].Color })
		c.LogY = spansDecade(c.Series)
		c.XTicks = loadTicks(c.Series)
		cs = append(cs, c)
	}
	return cs, nil
}

// loadTicks labels the X axis at the load steps themselves (when there are
// few enough to read).
func loadTicks(ss []Series) []Tick {
	seen := map[float64]bool{}
	var xs []float64
	for _, s := range ss {
		if s.Color < 0 {
			continue
		}
		for _, p := range s.Points {
			if !seen[p.X] {
				seen[p.X] = true
				xs = append(xs, p.X)
			}
		}
	}
	if len(xs) > 12 {
		return nil
	}
	sort.Float64s(xs)
	ts := make([]Tick, len(xs))
	for i, x := range xs {
		ts[i] = Tick{x, strconv.FormatFloat(x, 'g', -1, 64)}
	}
	return ts
}

// spansDecade reports whether the Y values span a factor of 10 or more.
func spansDecade(ss []Series) bool {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range ss {
		for _, p := range s.Points {
			lo, hi = math.Min(lo, p.Y), math.Max(hi, p.Y)
		}
	}
	return lo > 0 && hi/lo >= 10
}

// addMarker adds m, or names its variant on an existing marker at a point
// within 1% of it, so labels do not print over each other.
func addMarker(ms []Marker, m Marker) []Marker {
	for i := range ms {
		if math.Abs(ms[i].X-m.X) <= 0.01*math.Abs(m.X) && math.Abs(ms[i].Y-m.Y) <= 0.01*math.Abs(m.Y) {
			ms[i].Label += ", " + strings.TrimPrefix(m.Label, "knee ")
			return ms
		}
	}
	return append(ms, m)
}

// throughputCharts plots achieved against offered throughput for open-loop
// scenarios with rate steps, with y = x for reference and each variant's
// knee (the analysis's) marked.
func throughputCharts(a *analysis.Analysis, ix *trialIndex) ([]Chart, []Skipped) {
	const title = "Achieved vs offered throughput"
	gs := ix.loadGroups("rate")
	if len(gs) == 0 {
		return nil, []Skipped{{title, "the run has no open-loop scenario stepped by rate=R"}}
	}
	var cs []Chart
	for _, g := range gs {
		c := Chart{
			File:   fileName("throughput", g.name),
			Title:  title + " — " + g.name,
			XLabel: "offered (requests/s)",
			YLabel: "achieved (2xx responses/s)",
			Series: ix.variantSeries(g, ix.median("req/s", 1, func(t *results.Trial) float64 { return t.Throughput }), "", 0, false),
		}
		var lo, hi float64 = math.Inf(1), 0
		for _, s := range c.Series {
			for _, p := range s.Points {
				lo, hi = math.Min(lo, p.X), math.Max(hi, p.X)
			}
		}
		if hi > 0 {
			c.Series = append(c.Series, Series{Name: "achieved = offered", Color: -1, Dash: 1, Points: []Point{{lo, lo}, {hi, hi}}})
		}
		var notes []string
		for _, k := range a.KneesOf(g.name) {
			if k.Step != "" {
				c.Markers = addMarker(c.Markers, Marker{Point{k.Value, k.Achieved}, "knee " + k.Variant, ix.color[k.Variant]})
			}
			notes = append(notes, k.Variant+": knee "+k.Text())
		}
		c.XTicks = loadTicks(c.Series)
		c.Note = fmt.Sprintf("Median over trials. Knee = highest offered rate whose trials all meet the scenario's SLOs (≥ %.0f%% success where trials carry no SLO). ", analysis.KneeSuccess) + strings.Join(notes, "; ") + "."
		cs = append(cs, c)
	}
	return cs, nil
}
