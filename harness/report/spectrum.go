package report

import (
	"fmt"
	"math"
)

// spectrumFrom is where the drawn spectrum starts: p50 (x = 2). Below the
// median the curve only adds the single fastest request (p0), which
// stretched the log latency axis down by a decade of empty space.
const spectrumFrom = 2

// spectrumTicks labels the percentile axis from p50 up to max, with 75%
// and 95% between p50 and p99 so the body of the distribution is not one
// unlabelled stretch.
func spectrumTicks(max float64) []Tick {
	labels := []Tick{{2, "50%"}, {4, "75%"}, {10, "90%"}, {20, "95%"}, {100, "99%"}, {1e3, "99.9%"},
		{1e4, "99.99%"}, {1e5, "99.999%"}, {1e6, "99.9999%"}}
	var ts []Tick
	for _, t := range labels {
		if t.Value > max*1.0001 {
			break
		}
		ts = append(ts, t)
	}
	return ts
}

// spectrumCharts draws, per scenario, the percentile spectrum of each
// variant from its HDR histograms merged across trials. Stepped scenarios
// use their highest step.
func spectrumCharts(ix *trialIndex) ([]Chart, []Skipped) {
	const title = "Latency percentile spectrum"
	var cs []Chart
	var sk []Skipped
	for _, s := range ix.scenarios() {
		cells := ix.cellsOf(s)
		cell := cells[len(cells)-1]
		c := Chart{
			File:   fileName("spectrum", cell.String()),
			Title:  title + " — " + cell.String(),
			XLabel: "percentile",
			YLabel: "latency (ms)",
			LogX:   true,
			Note:   "HDR histograms merged across all trials of each variant; latency from the intended send time in open-loop scenarios. Curves start at p50; each decade right on the percentile axis (1/(1−q), log scale) is one more nine; colour and dash tell the variants apart.",
		}
		if len(cells) > 1 {
			c.Note += " Highest step of the scenario."
		}
		var bad int
		maxX := 0.0
		for _, v := range ix.variants {
			sp := ix.a.Series.SpectrumOf(cell, v)
			if sp == nil {
				continue
			}
			bad += sp.Bad
			var keep []Point
			for _, p := range sp.Points {
				if p.Y > 0 && p.X >= spectrumFrom*0.99 {
					keep = append(keep, Point{p.X, p.Y / 1e6}) // ms
					maxX = math.Max(maxX, p.X)
				}
			}
			if len(keep) > 0 {
				c.Series = append(c.Series, Series{Name: fmt.Sprintf("%s (n=%d)", v, sp.Count), Color: ix.color[v], Dash: ix.color[v], Points: keep})
			}
		}
		if bad > 0 {
			c.Note += fmt.Sprintf(" %d trial histograms did not decode and were left out.", bad)
		}
		if len(c.Series) == 0 || maxX < 10 {
			sk = append(sk, Skipped{title + " — " + cell.String(), "no trial of this cell carries an HDR histogram with enough values"})
			continue
		}
		c.LogY = spansDecade(c.Series)
		c.XTicks = spectrumTicks(maxX)
		cs = append(cs, splitPanels(c))
	}
	if len(ix.scenarios()) == 0 {
		sk = append(sk, Skipped{title, "the run has no trials"})
	}
	return cs, sk
}
