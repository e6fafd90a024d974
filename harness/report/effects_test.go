package report

import (
	"math"
	"strings"
	"testing"

	"metricstream/harness/analysis"
)

// The journey chart draws each step's paired effect with its interval as
// the whisker and ± its minimum detectable effect as the shaded band; a
// step whose rounds could detect nothing at its threshold has no band,
// and the note says why; a step with no figure is not drawn.
func TestJourneyChartBandIsTheMDE(t *testing.T) {
	nan := math.NaN()
	a := &analysis.Analysis{}
	a.Series.Journey = []analysis.StepEffect{
		{Dimension: "writer", OldVariant: "sync", NewVariant: "async", Unit: "req/s", Significant: true, Ratio: 2.5, Lo: 2.1, Hi: 3, MDE: 12},
		{Dimension: "lock", OldVariant: "global", NewVariant: "pooled", Unit: "req/s", Ratio: 1.02, Lo: 0.95, Hi: 1.1, MDE: math.Inf(1)},
		{Dimension: "metrics", Unit: "req/s", Ratio: nan, Lo: nan, Hi: nan, MDE: nan},
	}
	cs, sk := journeyChart(a)
	if len(cs) != 1 || len(sk) != 0 {
		t.Fatalf("charts %+v, skipped %v", cs, sk)
	}
	c := cs[0]
	if len(c.Effects) != 2 || c.LogX {
		t.Fatalf("effects %+v (log %v), want writer and lock on a linear axis", c.Effects, c.LogX)
	}
	w, l := c.Effects[0], c.Effects[1]
	if w.X != 2.5 || w.Lo != 2.1 || w.Hi != 3 || math.Abs(w.BandLo-0.88) > 1e-12 || math.Abs(w.BandHi-1.12) > 1e-12 || w.Class != "better" {
		t.Errorf("writer %+v, want its whisker [2.1, 3] and the band 1 ± 12%%", w)
	}
	if !math.IsNaN(l.BandLo) || !math.IsNaN(l.BandHi) || !strings.Contains(l.Text, "not significant") {
		t.Errorf("lock %+v: no band for an infinite MDE", l)
	}
	for _, want := range []string{"Shaded: ± the step's minimum detectable effect", "1 of the 2 steps have no band"} {
		if !strings.Contains(c.Note, want) {
			t.Errorf("note lacks %q: %s", want, c.Note)
		}
	}
	// on a log axis the band is symmetric in ratio: 1/(1+u) … 1+u
	a.Series.Journey[0].Ratio, a.Series.Journey[0].Lo, a.Series.Journey[0].Hi = 20, 12, 30
	cs, _ = journeyChart(a)
	if w := cs[0].Effects[0]; !cs[0].LogX || math.Abs(w.BandLo-1/1.12) > 1e-12 || math.Abs(w.BandHi-1.12) > 1e-12 {
		t.Errorf("log axis %v, band [%v, %v], want [1/1.12, 1.12]", cs[0].LogX, w.BandLo, w.BandHi)
	}
}
