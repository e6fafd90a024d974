package report

import (
	"fmt"
	"strings"

	"metricstream/harness/analysis"
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
			cc := a.Series.CapacityCurveOf(c, r.Variant)
			if cc == nil || len(cc.Bins) == 0 {
				continue
			}
			for _, b := range cc.Bins {
				s.Points = append(s.Points, Point{b.X, b.Y})
			}
			ch.Series = append(ch.Series, s)
			if cc.HasKnee {
				ch.Markers = addMarker(ch.Markers, Marker{Point{cc.Knee.X, cc.Knee.Y}, "knee " + r.Variant, ix.color[r.Variant]})
			}
			notes = append(notes, capacityLine(r))
		}
		if len(ch.Series) == 0 {
			continue
		}
		ch.Note = fmt.Sprintf("Every judged point of every trial's search (the probe left out), binned by offered rate (bins %.0f%% wide; the line joins each bin's median offered and median achieved rate); ", 100*(analysis.CapacityBin-1)) +
			"knee = the variant's capacity at SLO (" + strings.Join(rs[0].Objective, ", ") + "), the median over the searches that converged (a search that ended on a bound is counted, never a capacity): " + strings.Join(notes, "; ") + "."
		setLoadAxis(&ch)
		cs = append(cs, splitPanels(ch))
	}
	return cs, nil
}
