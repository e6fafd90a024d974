package analysis

import (
	"metricstream/harness/usl"
)

// USLFit is a Universal Scalability Law fit of one variant over one
// closed-loop scenario stepped by clients: every trial a point (clients,
// 2xx/s).
type USLFit struct {
	Scenario, Variant string
	Points            []usl.Point
	Fit               usl.Fit
	// Intervals are the 95% bootstrap intervals of σ, κ, λ and the peak,
	// resampling the trials within each level; HasIntervals is false for
	// a refused fit.
	Intervals    usl.Intervals
	HasIntervals bool
}

// uslSeed seeds the fits' bootstrap: a report rebuilt from the same run
// states the same intervals.
const uslSeed = 0x75736c

// uslFits fits every closed-loop client sweep, per variant.
func (a *Analysis) uslFits() {
	for _, sc := range scenariosOf(a.ix.cells) {
		if a.SteppedBy(sc) != "clients" {
			continue
		}
		for _, v := range a.ix.variants {
			var pts []usl.Point
			closed := true
			for _, c := range a.ix.cells {
				if c.Scenario != sc {
					continue
				}
				for _, t := range a.ix.byCell[c][v] {
					if t.Model != "closed" {
						closed = false
					}
					if t.Clients > 0 && t.Throughput > 0 {
						pts = append(pts, usl.Point{N: float64(t.Clients), X: t.Throughput})
					}
				}
			}
			if !closed || len(pts) == 0 {
				continue
			}
			f := USLFit{Scenario: sc, Variant: v, Points: pts, Fit: usl.FitPoints(pts)}
			f.Intervals, f.HasIntervals = usl.Bootstrap(pts, f.Fit, Confidence, uslSeed)
			a.USL = append(a.USL, f)
		}
	}
}

// USLScenarios are the scenarios with fits, in report order.
func (a *Analysis) USLScenarios() []string {
	var out []string
	seen := map[string]bool{}
	for _, f := range a.USL {
		if !seen[f.Scenario] {
			seen[f.Scenario] = true
			out = append(out, f.Scenario)
		}
	}
	return out
}
