package report

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"metricstream/harness/analysis"
)

// journeyChart is the first screen's chart: each journey step's paired
// effect in its primary cell, a point (the Hodges-Lehmann estimate of the
// rounds' ratios) with its 95% interval as a whisker, a line at no
// change, the band of effects the run could not resolve (± the step's
// minimum detectable effect) shaded, on a log scale where the effects
// span a factor of ten or more: journey-effects.png.
func journeyChart(a *analysis.Analysis) ([]Chart, []Skipped) {
	const title = "The journey: each step's effect on throughput"
	c := Chart{File: "journey-effects.png", Title: title, XLabel: "req/s, new vs old (paired by round; 0 = no change)", YLabel: "step",
		Place: PlaceJourney, Untitled: true}
	lo, hi := 1.0, 1.0
	var unresolved []float64 // per effect, in percent
	capacity := false        // a step judged by its capacity at SLO
	for _, e := range a.Series.Journey {
		if math.IsNaN(e.Ratio) || e.Ratio <= 0 {
			continue
		}
		ef := Effect{Label: e.Dimension, X: e.Ratio, Lo: e.Lo, Hi: e.Hi, BandLo: math.NaN(), BandHi: math.NaN(),
			Text: FormatDelta((e.Ratio - 1) * 100)}
		if e.OldVariant != "" {
			ef.Label = e.Dimension + ": " + e.OldVariant + " → " + e.NewVariant
		}
		if e.Unit != analysis.ThroughputUnit {
			ef.Text += " " + analysis.UnitLabel(e.Unit)
			capacity = true
		}
		switch {
		case e.Significant && e.Ratio > 1:
			ef.Class = "better"
		case e.Significant:
			ef.Class = "worse"
		default:
			ef.Text += " (not significant)"
		}
		for _, v := range []float64{ef.X, ef.Lo, ef.Hi} {
			if v > 0 && !math.IsNaN(v) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
		c.Effects = append(c.Effects, ef)
		unresolved = append(unresolved, e.MDE)
	}
	if len(c.Effects) == 0 {
		return nil, []Skipped{{title, "the run has no journey step with a throughput comparison"}}
	}
	c.Rows = len(c.Effects)
	c.LogX = hi/lo >= 10
	// the band: effects within ± the minimum detectable effect of none, on
	// a log axis as ratios 1/(1+u) … 1+u (a fall of more than 100% does
	// not exist; a halving is as far from none as a doubling); a step whose
	// rounds could detect no effect at all (MDE +Inf) has no band to draw,
	// its headline says so
	bands, blind := false, 0
	for i, pct := range unresolved {
		if math.IsInf(pct, 1) {
			blind++
		}
		if math.IsNaN(pct) || math.IsInf(pct, 0) {
			continue
		}
		u := pct / 100
		ef := &c.Effects[i]
		ef.BandLo, ef.BandHi = math.Max(1-u, 0), 1+u
		if c.LogX {
			ef.BandLo = 1 / (1 + u)
		}
		bands = true
	}
	c.Note = "Each row is one journey step in its primary cell: the point is the paired change of req/s (the Hodges-Lehmann estimate of the rounds' ratios), the whisker its 95% signed-rank interval."
	if capacity {
		c.Note += " A step whose primary cell is a capacity search is its change of the capacity at SLO, and says so."
	}
	if bands {
		c.Note += fmt.Sprintf(" Shaded: ± the step's minimum detectable effect, the smallest change this run could have detected with %.0f%% power at its threshold in the run's family; a change inside it can hide in the noise.", analysis.Power*100)
	}
	if blind > 0 {
		c.Note += fmt.Sprintf(" %d of the %d steps have no band: their rounds could not detect an effect of any size at their threshold in the run's family (their headlines say how many rounds can).", blind, len(c.Effects))
	}
	if c.LogX {
		c.Note += " The axis is a ratio on a log scale: the effects span more than a factor of ten."
	}
	return []Chart{c}, nil
}

// effectColors are a forest plot's row colours by class.
var effectColors = map[string]color.Color{
	"better": color.RGBA{0x3b, 0x8a, 0x3e, 0xff},
	"worse":  color.RGBA{0xc2, 0x3b, 0x3b, 0xff},
	"":       color.Gray{Y: 0x70},
}

// addEffects draws c.Effects as a forest plot, the first effect on top.
func addEffects(p *plot.Plot, c *Chart) error {
	n := len(c.Effects)
	fail := func(err error) error { return fmt.Errorf("report: chart %s: %w", c.File, err) }
	lo, hi := 1.0, 1.0
	names := make([]string, n)
	for i, e := range c.Effects {
		y := float64(n - 1 - i)
		names[n-1-i] = e.Label
		for _, v := range []float64{e.X, e.Lo, e.Hi, e.BandLo, e.BandHi} {
			if v > 0 && !math.IsNaN(v) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
		if !math.IsNaN(e.BandLo) {
			bl := math.Max(e.BandLo, 1e-3)
			band, err := plotter.NewPolygon(plotter.XYs{{X: bl, Y: y - 0.42}, {X: e.BandHi, Y: y - 0.42}, {X: e.BandHi, Y: y + 0.42}, {X: bl, Y: y + 0.42}})
			if err != nil {
				return fail(err)
			}
			band.Color = color.RGBA{0xe4, 0xea, 0xf2, 0xff}
			band.LineStyle.Width = 0
			p.Add(band)
		}
	}
	zero, err := plotter.NewLine(plotter.XYs{{X: 1, Y: -0.5}, {X: 1, Y: float64(n) - 0.5}})
	if err != nil {
		return fail(err)
	}
	zero.Color, zero.Width, zero.Dashes = color.Gray{Y: 0x40}, vg.Points(1.5), seriesDash(2)
	p.Add(zero)
	var tx plotter.XYs
	var texts []string
	for i, e := range c.Effects {
		y := float64(n - 1 - i)
		col := effectColors[e.Class]
		end := e.X
		if !math.IsNaN(e.Lo) && !math.IsNaN(e.Hi) {
			l, err := plotter.NewLine(plotter.XYs{{X: math.Max(e.Lo, 1e-3), Y: y}, {X: e.Hi, Y: y}})
			if err != nil {
				return fail(err)
			}
			l.Color, l.Width = col, vg.Points(3)
			caps, err := plotter.NewScatter(plotter.XYs{{X: math.Max(e.Lo, 1e-3), Y: y}, {X: e.Hi, Y: y}})
			if err != nil {
				return fail(err)
			}
			caps.GlyphStyle = draw.GlyphStyle{Color: col, Radius: vg.Points(7), Shape: barGlyph{}}
			p.Add(l, caps)
			end = math.Max(end, e.Hi)
		}
		pt, err := plotter.NewScatter(plotter.XYs{{X: e.X, Y: y}})
		if err != nil {
			return fail(err)
		}
		pt.GlyphStyle = draw.GlyphStyle{Color: col, Radius: vg.Points(6), Shape: draw.CircleGlyph{}}
		p.Add(pt)
		tx = append(tx, plotter.XY{X: end, Y: y})
		texts = append(texts, e.Text)
	}
	l, err := plotter.NewLabels(plotter.XYLabels{XYs: tx, Labels: texts})
	if err != nil {
		return fail(err)
	}
	for i := range l.TextStyle {
		l.TextStyle[i].Font.Size = vg.Points(labelSize)
		l.TextStyle[i].XAlign, l.TextStyle[i].YAlign = draw.XLeft, draw.YCenter
		l.TextStyle[i].Color = effectColors[c.Effects[i].Class]
	}
	l.Offset = vg.Point{X: vg.Points(9)}
	p.Add(l)
	p.NominalY(names...)
	p.Y.Min, p.Y.Max = -0.6, float64(n)-0.4
	p.Y.Label.Text = "" // the rows name themselves
	if c.LogX {
		p.X.Scale = plot.LogScale{}
		p.X.Min, p.X.Max = lo/1.3, hi*3.2 // room right of the whiskers for their text
	} else {
		span := hi - lo
		p.X.Min, p.X.Max = math.Max(lo-0.1*span, 0), hi+0.45*span
	}
	p.X.Tick.Marker = effectTicks{log: c.LogX}
	return nil
}

// barGlyph is a short vertical bar: a whisker's cap.
type barGlyph struct{}

func (barGlyph) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	c.SetLineStyle(draw.LineStyle{Color: sty.Color, Width: vg.Points(2.5)})
	var p vg.Path
	p.Move(vg.Point{X: pt.X, Y: pt.Y - sty.Radius})
	p.Line(vg.Point{X: pt.X, Y: pt.Y + sty.Radius})
	c.Stroke(p)
}

// effectTicks label a ratio axis as percent changes ("−50%", "0",
// "+100%"): at 1-2-5 ratios on a log scale, at gonum's default ticks on a
// linear one.
type effectTicks struct{ log bool }

func (t effectTicks) Ticks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	if t.log {
		ts = readableLogTicks{}.Ticks(lo, hi)
	} else {
		ts = plot.DefaultTicks{}.Ticks(lo, hi)
	}
	for i := range ts {
		if ts[i].Label != "" {
			ts[i].Label = changeLabel(ts[i].Value)
		}
	}
	return ts
}

// changeLabel is ratio r as a percent change: "0" at 1, "+100%" at 2.
func changeLabel(r float64) string {
	d := (r - 1) * 100
	switch {
	case math.Abs(d) < 1e-9:
		return "0"
	case math.Abs(d-math.Round(d)) < 1e-6: // a round tick: "-50%", not "-50.0%"
		return fmt.Sprintf("%+.0f%%", d)
	}
	return FormatDelta(d)
}
