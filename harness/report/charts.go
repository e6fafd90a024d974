package report

import (
	"fmt"
	"math"
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
	Line   bool // a line without point glyphs (a fitted curve)
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
	// Stacked, with Bars: the series stack along X in one horizontal bar
	// per category, the first category on top (stages-*.png).
	Stacked bool
	// YMin < YMax fixes the Y axis (success: 0-100%); else it fits the data.
	YMin, YMax float64
	// Panels, when set, are small multiples drawn side by side under the
	// chart's Title with one legend (each panel's Title heads it); the
	// chart's own Series are then unused.
	Panels []Chart
	// Width and Height are the PNG's size in pixels (set by Build).
	Width, Height int

	// Effects, when set, make the chart a forest plot (the journey
	// chart): one row per effect, top to bottom, its point with its 95%
	// interval as a whisker on a ratio axis (LogX: a log scale), a line at
	// no change, and each row's unresolved band shaded.
	Effects []Effect
	// BarLabels are written at the end of each category's bar.
	BarLabels []string
	// Place is where the page shows the chart: PlaceJourney (the first
	// screen), PlaceStages ("Where the time goes") or "" (the folded
	// charts).
	Place string
	// Rows sets the PNG's height for Effects and Horizontal charts: one
	// row per effect or bar (0: the standard height).
	Rows int
	// Untitled: the PNG draws no title (the page states it beside the chart).
	Untitled bool
}

// Where the page shows a chart (Chart.Place).
const (
	PlaceJourney = "journey"
	PlaceStages  = "stages"
)

// Effect is one row of a forest plot: a ratio new/old with its interval.
type Effect struct {
	Label          string  // the row's name on the Y axis
	X, Lo, Hi      float64 // the ratio and its interval; Lo, Hi NaN: none
	BandLo, BandHi float64 // the band the run could not resolve, as ratios; NaN: none
	Text           string  // written right of the row's whisker
	Class          string  // "better", "worse" or "" (not significant)
}

// AllSeries is every series the chart draws, over its panels.
func (c *Chart) AllSeries() []Series {
	var out []Series
	for _, p := range c.panels() {
		out = append(out, p.Series...)
	}
	return out
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

// loadGroup is a set of cells plotted along one load axis.
type loadGroup struct {
	name  string // for titles and file names
	key   string // "clients" or "rate"
	cells []analysis.Cell
}

// loadGroups returns the scenarios stepped by clients=N or rate=R, one
// group each. Different scenarios are never put on one axis: batch 1 and
// batch 10, keep-alive and a connection per request are not one sweep, and
// a line through them draws a shape that means nothing.
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
	return gs
}

// variantSeries is one series per variant of the analysis's load curve
// of unit in the group's scenario (divided by div: ns to ms), points
// sorted by load; dash < 0 gives each variant its own dash.
func (ix *trialIndex) variantSeries(g loadGroup, unit string, div float64, dash int, dropNonPositive bool) []Series {
	var out []Series
	for _, v := range ix.variants {
		lc := ix.a.Series.LoadCurveOf(g.name, v, unit)
		if lc == nil {
			continue
		}
		s := Series{Name: v, Color: ix.color[v], Dash: dash}
		if dash < 0 { // a dash per variant, as well as a colour
			s.Dash = ix.color[v]
		}
		for _, p := range lc.Points {
			pt := Point{p.X, p.Y / div}
			if dropNonPositive && (pt.Y <= 0 || pt.X <= 0) {
				continue
			}
			s.Points = append(s.Points, pt)
		}
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

// successCharts plots, per scenario stepped by clients, the success rate
// against clients, one series per variant, on a fixed 0-100% axis (a flat
// line at 100% reads as "all answered", not as noise magnified).
func successCharts(ix *trialIndex) ([]Chart, []Skipped) {
	const title = "Success rate vs clients"
	gs := ix.loadGroups("clients")
	if len(gs) == 0 {
		return nil, []Skipped{{title, "the run has no closed-loop scenario stepped by clients=N (different scenarios are not drawn on one axis)"}}
	}
	var cs []Chart
	for _, g := range gs {
		c := Chart{
			File:   fileName("success", g.name),
			Title:  title + " — " + g.name,
			XLabel: axisLabel(g.key),
			YLabel: "answered 2xx (%)",
			YMin:   0, YMax: 100,
			Series: ix.variantSeries(g, "success-%", 1, -1, false),
			Note:   "Median over trials of each step.",
		}
		full := true
		for _, s := range c.Series {
			for _, p := range s.Points {
				full = full && p.Y >= 99.95
			}
		}
		if full {
			c.Note += " Every variant answered ≥ 99.95% 2xx at every step: the lines lie on each other at 100%."
		}
		setLoadAxis(&c)
		cs = append(cs, splitPanels(c))
	}
	return cs, nil
}

// setLoadAxis puts a load axis on a log scale when it spans a factor of
// ten or more (client sweeps double), labelled at the steps.
func setLoadAxis(c *Chart) {
	lo, hi := math.Inf(1), 0.0
	for _, s := range c.AllSeries() {
		for _, p := range s.Points {
			lo, hi = math.Min(lo, p.X), math.Max(hi, p.X)
		}
	}
	c.LogX = lo > 0 && hi/lo >= 10
	c.XTicks = loadTicks(c.AllSeries())
	for i := range c.Panels {
		c.Panels[i].LogX, c.Panels[i].XTicks = c.LogX, c.XTicks
	}
}

// splitPanels turns a chart of more than MaxSeriesPerPanel series into
// small multiples of at most that many each (reference lines, Color < 0,
// repeated in every panel), titled by the variants they hold.
func splitPanels(c Chart) Chart {
	if len(c.Series) <= MaxSeriesPerPanel {
		return c
	}
	var refs, data []Series
	for _, s := range c.Series {
		if s.Color < 0 {
			refs = append(refs, s)
		} else {
			data = append(data, s)
		}
	}
	per := max(MaxSeriesPerPanel-len(refs), 1)
	for i := 0; i < len(data); i += per {
		p := c
		p.Panels, p.Markers, p.File, p.Note = nil, nil, "", ""
		chunk := data[i:min(i+per, len(data))]
		p.Title = chunk[0].Name + " … " + chunk[len(chunk)-1].Name
		p.Series = append(append([]Series{}, chunk...), refs...)
		for _, m := range c.Markers {
			for _, s := range chunk {
				if s.Color == m.Color {
					p.Markers = append(p.Markers, m)
					break
				}
			}
		}
		c.Panels = append(c.Panels, p)
	}
	c.Series, c.Markers = nil, nil
	return c
}

// percentiles plotted by the latency charts.
var latencyPercentiles = []struct{ name, unit string }{{"p50", "p50-ns"}, {"p99", "p99-ns"}, {"p99.9", "p99.9-ns"}}

// latencyCharts plots, per scenario stepped by clients or rate, p50, p99
// and p99.9 (ms) against the load as small multiples: one panel per
// percentile, one series (colour) per variant, at most MaxSeriesPerPanel
// a panel (more variants make more rows of panels).
func latencyCharts(ix *trialIndex) ([]Chart, []Skipped) {
	const title = "Latency vs load"
	gs := ix.loadGroups("clients", "rate")
	if len(gs) == 0 {
		return nil, []Skipped{{"Latency percentiles vs load", "the run has no scenario stepped by clients=N or rate=R (different scenarios are not drawn on one axis)"}}
	}
	var cs []Chart
	for _, g := range gs {
		c := Chart{
			File:  fileName("latency", g.name),
			Title: title + " — " + g.name,
			Note:  "Median over trials of each trial's percentile; one panel per percentile, each on its own scale.",
		}
		for _, pc := range latencyPercentiles {
			p := Chart{Title: pc.name, XLabel: axisLabel(g.key), YLabel: pc.name + " latency (ms)",
				Series: ix.variantSeries(g, pc.unit, 1e6, -1, true)}
			if len(p.Series) == 0 {
				continue
			}
			p.LogY = spansDecade(p.Series)
			if sp := splitPanels(p); len(sp.Panels) > 0 {
				for _, q := range sp.Panels {
					q.Title = pc.name + ": " + q.Title
					c.Panels = append(c.Panels, q)
				}
			} else {
				c.Panels = append(c.Panels, p)
			}
		}
		if len(c.Panels) == 0 {
			continue
		}
		setLoadAxis(&c)
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

// loadTicksAll is every distinct X of the series, sorted.
func loadTicksAll(ss []Series) []float64 {
	seen := map[float64]bool{}
	var xs []float64
	for _, s := range ss {
		for _, p := range s.Points {
			if !seen[p.X] {
				seen[p.X] = true
				xs = append(xs, p.X)
			}
		}
	}
	sort.Float64s(xs)
	return xs
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
// within markerNear of it, so labels do not print over each other (a
// label is about a tenth of a chart's width: knees a few percent apart
// would overlap).
func addMarker(ms []Marker, m Marker) []Marker {
	for i := range ms {
		if math.Abs(ms[i].X-m.X) <= markerNear*math.Abs(m.X) && math.Abs(ms[i].Y-m.Y) <= markerNear*math.Abs(m.Y) {
			ms[i].Label += ", " + strings.TrimPrefix(m.Label, "knee ")
			return ms
		}
	}
	return append(ms, m)
}

// markerNear is how close (relative, in x and in y) two markers are for
// addMarker to print one label naming both.
const markerNear = 0.08

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
			Series: ix.variantSeries(g, "req/s", 1, -1, false),
		}
		// y = x through every step, so it stays the diagonal on a log X axis
		var ref []Point
		for _, t := range loadTicksAll(c.Series) {
			ref = append(ref, Point{t, t})
		}
		if len(ref) > 0 {
			c.Series = append(c.Series, Series{Name: "achieved = offered", Color: -1, Dash: 1, Points: ref})
		}
		var notes []string
		for _, k := range a.KneesOf(g.name) {
			if k.Step != "" {
				c.Markers = addMarker(c.Markers, Marker{Point{k.Value, k.Achieved}, "knee " + k.Variant, ix.color[k.Variant]})
			}
			notes = append(notes, k.Variant+": knee "+kneeText(k))
		}
		setLoadAxis(&c)
		c = splitPanels(c)
		c.Note = fmt.Sprintf("Median over trials. Knee = highest offered rate whose trials all meet the scenario's SLOs (≥ %.0f%% success where trials carry no SLO). ", analysis.KneeSuccess) + strings.Join(notes, "; ") + "."
		cs = append(cs, c)
	}
	return cs, nil
}
