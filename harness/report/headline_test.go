package report

import (
	"math"
	"strings"
	"testing"

	"metricstream/harness/analysis"
)

// One step, phrased: the figures are the step's, the words the report's,
// at most about 25 words; the stage clause only from enough timed requests.
func TestHeadline(t *testing.T) {
	nan := math.NaN()
	sig := &analysis.Comparison{Delta: 201, Tested: true, PAdj: 0.011, Better: +1}
	none := &analysis.Comparison{Delta: 42, Tested: true, PAdj: 0.165, Better: +1}
	few := &analysis.Comparison{Delta: 12, Tested: false, N1: 3, N2: 3, PAdj: nan, Better: +1}
	writer := analysis.StepEffect{Dimension: "writer", Old: "baseline", New: "phase2", OldVariant: "sync", NewVariant: "async",
		Cell: analysis.Cell{Scenario: "fsync"}, Significant: true, Outcome: "better", Ratio: 3.01, Lo: 1.737, Hi: 5.12,
		Stages: []string{"write"}, OldShare: 0.985, NewShare: 0.30, Timed: 400, Cores: 2}
	lock := analysis.StepEffect{Dimension: "lock", Old: "phase3", New: "phase4", OldVariant: "global", NewVariant: "pooled",
		Cell: analysis.Cell{Scenario: "capacity"}, Outcome: "~", Ratio: 1.42, Lo: 0.727, Hi: 2.2, Unresolved: 73.65,
		Stages: []string{"rate_limit"}, OldShare: 0.02, NewShare: 0.01, Timed: 5000, Cores: 2}
	rough := writer
	rough.Timed = 54
	for _, c := range []struct {
		e     analysis.StepEffect
		r     analysis.StepRow
		want  string
		class string
	}{
		{writer, analysis.StepRow{Effect: sig, EffectLo: 73.7, EffectHi: 412},
			"async writer: +201% [+73.7%, +412%] req/s when every write is fsynced — the write stage fell from 98% to 30% of a request", "better"},
		{lock, analysis.StepRow{Effect: none, EffectLo: -27.3, EffectHi: 120},
			"pooled lock: no effect larger than ±120% at the highest rate meeting the SLOs — the rate_limit stage is 2.0% of a request on 2 cores", ""},
		{rough, analysis.StepRow{Effect: sig, EffectLo: 73.7, EffectHi: 412},
			"async writer: +201% [+73.7%, +412%] req/s when every write is fsynced", "better"},
		{writer, analysis.StepRow{Effect: few},
			"async writer: +12.0% req/s when every write is fsynced, too few trials to tell (n=3; a 95% interval needs 6)", ""},
		{writer, analysis.StepRow{}, "async writer: not measured (no throughput of both baseline and phase2 in one scenario)", ""},
	} {
		h := headline(c.e, c.r)
		if h.Text != c.want || h.Class != c.class {
			t.Errorf("got  %q (%s)\nwant %q (%s)", h.Text, h.Class, c.want, c.class)
		}
		if n := len(strings.Fields(h.Text)); n > 27 {
			t.Errorf("%d words: %q", n, h.Text)
		}
	}
}

func TestPlainPct(t *testing.T) {
	for in, want := range map[float64]string{98.5: "98%", 2.04: "2.0%", 0.019: "0.019%", 0.0912: "0.091%", 30: "30%"} {
		if got := plainPct(in); got != want {
			t.Errorf("plainPct(%v) = %q, want %q", in, got, want)
		}
	}
}

// A run with no journey step but the seed's designs lists what each design
// broke on its first screen.
func TestFirstScreenSeedDesigns(t *testing.T) {
	a := &analysis.Analysis{SeedDesigns: []analysis.Seed{{Scenario: "seed-naive", Headline: "lock:naive crashed after 99 requests"}}}
	hs := firstScreen(a)
	if len(hs) != 1 || hs[0].Text != "seed-naive: lock:naive crashed after 99 requests" {
		t.Errorf("first screen %+v", hs)
	}
}
