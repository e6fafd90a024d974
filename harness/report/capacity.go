package report

import (
	"fmt"
	"math"
	"strings"

	"metricstream/harness/analysis"
	"metricstream/harness/results"
)

// capacityCharts draws, for every cell with capacity searches, achieved
// (2xx/s) against offered rate over every judged point of every trial's
// search, one line per variant (its points binned by offered rate), with
// each variant's capacity (the median over the searches that converged,
// the capacity table's number; none when half or more ended on a bound)
// marked as its knee. No y = x line: it would be a seventh series
// beside the journey's six (a passing point lies on it by definition, so
// the markers say the same). More than MaxSeriesPerPanel variants become
// small multiples (splitPanels).
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
		ch := Chart{
			File:   fileName("capacity", c.String()),
			Title:  title + " — " + c.String(),
			XLabel: "offered (requests/s)",
			YLabel: "achieved (2xx responses/s)",
		}
		var notes []string
		for _, r := range rs {
			s := Series{Name: r.Variant, Color: ix.color[r.Variant]}
			var kneeY []float64
			pts := a.CapacityPoints(c, r.Variant)
			for _, p := range pts {
				if p.Pass && math.Abs(p.Offered-r.Summary.Center) <= 0.05*r.Summary.Center {
					kneeY = append(kneeY, p.Achieved)
				}
			}
			s.Points = binned(pts)
			if len(s.Points) == 0 {
				continue
			}
			ch.Series = append(ch.Series, s)
			if r.HasMedian() && r.Summary.Center > 0 {
				y := r.Summary.Center // achieved ≈ offered at a passing point
				if len(kneeY) > 0 {
					y = analysis.Median(kneeY)
				}
				ch.Markers = addMarker(ch.Markers, Marker{Point{r.Summary.Center, y}, "knee " + r.Variant, ix.color[r.Variant]})
			}
			notes = append(notes, capacityLine(r))
		}
		if len(ch.Series) == 0 {
			continue
		}
		ch.Note = fmt.Sprintf("Every judged point of every trial's search (the probe left out), binned by offered rate (bins %.0f%% wide; the line joins each bin's median offered and median achieved rate); ", 100*(binRatio-1)) +
			"knee = the variant's capacity at SLO (" + strings.Join(rs[0].Objective, ", ") + "), the median over the searches that converged (a search that ended on a bound is counted, never a capacity): " + strings.Join(notes, "; ") + "."
		setLoadAxis(&ch)
		cs = append(cs, splitPanels(ch))
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
