package report

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"metricstream/harness/analysis"
	"metricstream/internal/stages"
	"metricstream/variants"
)

// stageSegment is one segment of a stage bar: a dimension's own stages
// (what its variants can change), or the stages no dimension owns
// ("shared", listed in the chart's note).
type stageSegment struct {
	name   string
	stages []string
}

// stageSegments are the stage bars' segments: the stages every variant
// shares in one, then each dimension's own stages, in the order of
// variants.Dimensions (a stage two dimensions share, like rate_limit of
// lock and limiter, goes to the first).
func stageSegments() []stageSegment {
	owned := map[string]bool{}
	var dims []stageSegment
	for _, d := range variants.Dimensions {
		var own []string
		for _, st := range stages.Owners[d.Name] {
			if !owned[st.String()] {
				owned[st.String()] = true
				own = append(own, st.String())
			}
		}
		if len(own) > 0 {
			dims = append(dims, stageSegment{strings.Join(own, "+") + " (" + d.Name + ")", own})
		}
	}
	shared := stageSegment{name: "shared"}
	for i := stages.Stage(0); i < stages.NumStages; i++ {
		if !owned[i.String()] {
			shared.stages = append(shared.stages, i.String())
		}
	}
	return append([]stageSegment{shared}, dims...)
}

// primaryStageScenarios are the scenarios the journey's steps take their
// stage costs from, in step order, each with the dimensions it serves;
// with no journey step, every scenario with stage costs.
func primaryStageScenarios(a *analysis.Analysis) (scs []string, dims map[string][]string) {
	dims = map[string][]string{}
	for _, e := range a.Series.Journey {
		sc := e.StageScenario
		if sc == "" || a.StageCostOf(sc, e.Old) == nil {
			continue
		}
		if _, ok := dims[sc]; !ok {
			scs = append(scs, sc)
		}
		dims[sc] = append(dims[sc], e.Dimension)
	}
	if len(scs) == 0 {
		scs = a.StageScenarios()
	}
	return scs, dims
}

// stageBars draws, for each primary scenario, one horizontal bar per
// variant of its request time in the server split by stage, as shares of
// the request (stages-<scenario>.png): what a step's headline says fell or
// rose is a segment here. The tables behind them are on the page, folded.
func stageBars(a *analysis.Analysis) []Chart {
	var out []Chart
	scs, dims := primaryStageScenarios(a)
	segs := stageSegments()
	for _, sc := range scs {
		var vs []string
		for _, v := range a.Variants {
			if a.StageCostOf(sc, v) != nil {
				vs = append(vs, v)
			}
		}
		title := "Where the time goes: " + sc
		if ds := dims[sc]; len(ds) > 0 {
			title += " (the " + joinAnd(slices.Compact(ds)) + " step" + plural(len(slices.Compact(ds))) + ")"
		}
		c := Chart{File: fileName("stages", sc), Title: title, XLabel: "share of the request's time in the server (%)",
			YLabel: "variant", Bars: true, Stacked: true, Categories: vs, Place: PlaceStages, Rows: len(vs), Untitled: true,
			Note: "Each bar is one variant's mean time inside the server per timed request (written at its end), split by stage: wall time, waits included. " +
				"A dimension's segment is what its variants can change; shared is the same code in every variant (" + strings.Join(segs[0].stages, ", ") + "). " +
				fmt.Sprintf("A bar from fewer than %d timed requests says so: the floor the headlines and predictions hold stage figures to.", analysis.MinTimed)}
		for _, v := range vs {
			snap := a.StageCostOf(sc, v).Snapshot
			label := FormatNS(snap.MeanNS)
			if snap.Sampled < analysis.MinTimed {
				label += fmt.Sprintf(" (too few timed requests: %d)", snap.Sampled)
			}
			c.BarLabels = append(c.BarLabels, label)
		}
		for si, seg := range segs {
			s := Series{Name: seg.name, Color: si - 1} // the shared segment grey
			for j, v := range vs {
				snap := a.StageCostOf(sc, v).Snapshot
				share := 0.0
				for _, st := range seg.stages {
					x, _ := snap.Get(st)
					share += x.Share
				}
				s.Points = append(s.Points, Point{X: float64(j), Y: 100 * share})
			}
			c.Series = append(c.Series, s)
		}
		out = append(out, c)
	}
	return out
}

// addStacked draws c's series as horizontal bars stacked along X, one bar
// per category, the first category on top, each bar's label at its end.
func addStacked(p *plot.Plot, c *Chart, legends *legendSet) error {
	n := len(c.Categories)
	var below *plotter.BarChart
	totals := make([]float64, n)
	for _, s := range c.Series {
		vals := make(plotter.Values, n)
		for _, pt := range s.Points {
			if i := int(pt.X); i >= 0 && i < n && !math.IsNaN(pt.Y) {
				vals[n-1-i] = pt.Y // the first category on top
				totals[n-1-i] += pt.Y
			}
		}
		b, err := plotter.NewBarChart(vals, vg.Points(20))
		if err != nil {
			return fmt.Errorf("report: chart %s: %w", c.File, err)
		}
		b.Horizontal = true
		b.Color = seriesColor(s.Color)
		b.LineStyle.Width = 0
		if below != nil {
			b.StackOn(below)
		}
		below = b
		p.Add(b)
		legends.add(s.Name, b)
	}
	names := make([]string, n)
	for i, cat := range c.Categories {
		names[n-1-i] = cat
	}
	p.NominalY(names...)
	p.Y.Label.Text = "" // the bars name themselves
	top := 0.0
	for _, t := range totals {
		top = math.Max(top, t)
	}
	if len(c.BarLabels) == n {
		var xy plotter.XYs
		var labels []string
		for i, l := range c.BarLabels {
			xy = append(xy, plotter.XY{X: totals[n-1-i], Y: float64(n - 1 - i)})
			labels = append(labels, l)
		}
		l, err := plotter.NewLabels(plotter.XYLabels{XYs: xy, Labels: labels})
		if err != nil {
			return fmt.Errorf("report: chart %s: %w", c.File, err)
		}
		for i := range l.TextStyle {
			l.TextStyle[i].Font.Size = vg.Points(tickSize)
			l.TextStyle[i].XAlign, l.TextStyle[i].YAlign = draw.XLeft, draw.YCenter
		}
		l.Offset = vg.Point{X: vg.Points(5)}
		p.Add(l)
	}
	p.Y.Min, p.Y.Max = -0.6, float64(n)-0.4
	p.X.Min, p.X.Max = 0, top*1.22 // room for the labels
	p.X.Tick.Marker = plot.ConstantTicks(percentTicks(top))
	return nil
}

// percentTicks labels a 0-100% axis every 20%.
func percentTicks(top float64) []plot.Tick {
	var ts []plot.Tick
	for v := 0.0; v <= top+1e-9; v += 20 {
		ts = append(ts, plot.Tick{Value: v, Label: fmt.Sprintf("%.0f%%", v)})
	}
	return ts
}
