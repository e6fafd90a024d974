package report

import (
	"fmt"
	"math"
	"strings"

	"metricstream/harness/analysis"
	"metricstream/harness/results"
)

// maxSeries is the most variants one chart panel draws; more become small
// multiples (several panels of the same axes).
const maxSeries = 6

// capacityCharts draws, for every cell with capacity searches, achieved
// (2xx/s) against offered rate over every judged point of every trial's
// search, one line per variant (its points sorted by offered rate), with
// y = x for reference and each variant's capacity (the median over trials,
// the capacity table's number) marked as its knee. More than maxSeries
// variants are drawn as small multiples: panels of at most maxSeries.
func capacityCharts(a *analysis.Analysis, ix *trialIndex) ([]Chart, []Skipped) {
	const title = "Capacity at SLO: achieved vs offered"
	rows := a.CapacityRows()
	if len(rows) == 0 {
		return nil, nil // a run without a capacity search has no knee to draw
	}
	byCell := map[analysis.Cell][]analysis.CapacityRow{}
	var cells []analysis.Cell
	for _, r := range rows {
		if _, ok := byCell[r.Cell]; !ok {
			cells = append(cells, r.Cell)
		}
		byCell[r.Cell] = append(byCell[r.Cell], r)
	}
	var cs []Chart
	for _, c := range cells {
		rs := byCell[c]
		panels := (len(rs) + maxSeries - 1) / maxSeries
		for pi := 0; pi < panels; pi++ {
			part := rs[pi*maxSeries : min(len(rs), (pi+1)*maxSeries)]
			ch := Chart{
				File:   fileName("capacity", c.String()),
				Title:  title + " — " + c.String(),
				XLabel: "offered (requests/s)",
				YLabel: "achieved (2xx responses/s)",
			}
			if panels > 1 {
				ch.File = fileName("capacity", c.String(), fmt.Sprint(pi+1))
				ch.Title += fmt.Sprintf(" (%d of %d)", pi+1, panels)
			}
			lo, hi := math.Inf(1), 0.0
			var notes []string
			for _, r := range part {
				s := Series{Name: r.Variant, Color: ix.color[r.Variant]}
				var kneeY []float64
				pts := a.CapacityPoints(c, r.Variant)
				for _, p := range pts {
					lo, hi = math.Min(lo, p.Offered), math.Max(hi, p.Offered)
					if p.Pass && math.Abs(p.Offered-r.Summary.Center) <= 0.05*r.Summary.Center {
						kneeY = append(kneeY, p.Achieved)
					}
				}
				s.Points = binned(pts)
				if len(s.Points) == 0 {
					continue
				}
				ch.Series = append(ch.Series, s)
				if r.Summary.Center > 0 {
					y := r.Summary.Center // achieved ≈ offered at a passing point
					if len(kneeY) > 0 {
						y = analysis.Median(kneeY)
					}
					ch.Markers = addMarker(ch.Markers, Marker{Point{r.Summary.Center, y}, "knee " + r.Variant, ix.color[r.Variant]})
				}
				notes = append(notes, fmt.Sprintf("%s %s (95%% CI %s)", r.Variant, r.Median(), r.CI()))
			}
			if len(ch.Series) == 0 {
				continue
			}
			if hi > 0 {
				ch.Series = append(ch.Series, Series{Name: "achieved = offered", Color: -1, Dash: 1, Points: []Point{{lo, lo}, {hi, hi}}})
			}
			ch.Note = fmt.Sprintf("Every judged point of every trial's search (the probe left out), binned by offered rate (bins %.0f%% wide; the line joins each bin's median offered and median achieved rate); ", 100*(binRatio-1)) +
				"knee = the variant's capacity at SLO (" + strings.Join(part[0].Objective, ", ") + "), the median over trials: " + strings.Join(notes, "; ") + "."
			cs = append(cs, ch)
		}
	}
	return cs, nil
}

// binRatio is the width of the knee chart's offered-rate bins: the trials'
// searches try different rates, and a line through all their points in
// offered order zigzags between trials.
const binRatio = 1.15

// binned groups points (sorted by offered rate) into bins binRatio wide
// and returns each bin's median offered and median achieved rate.
func binned(pts []results.CapacityPoint) []Point {
	var out []Point
	for i := 0; i < len(pts); {
		j := i
		var xs, ys []float64
		for j < len(pts) && pts[j].Offered <= pts[i].Offered*binRatio {
			xs, ys = append(xs, pts[j].Offered), append(ys, pts[j].Achieved)
			j++
		}
		out = append(out, Point{analysis.Median(xs), analysis.Median(ys)})
		i = j
	}
	return out
}
