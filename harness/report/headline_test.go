package report

import (
	"math"
	"strings"
	"testing"

	"metricstream/harness/analysis"
)

// One step, phrased: the figures are the step's paired effect, the words
// the report's, at most about 25 words; the stage clause only from the
// analysis's floor of timed requests (analysis.MinTimed) or more.
func TestHeadline(t *testing.T) {
	nan := math.NaN()
	sig := &analysis.Comparison{Unit: "req/s", Tested: true, PAdj: 0.011, Better: +1,
		Effect: analysis.Effect{Rounds: 10, Estimate: 201, Lo: 73.7, Hi: 412, MDE: 40}}
	none := &analysis.Comparison{Unit: "req/s", Tested: true, PAdj: 0.165, Better: +1,
		Effect: analysis.Effect{Rounds: 10, Estimate: 4.2, Lo: -3.1, Hi: 8.4, MDE: 9.5}}
	few := &analysis.Comparison{Unit: "req/s", Tested: false, PAdj: nan, Better: +1,
		Effect: analysis.Effect{Rounds: 3, Estimate: 12, Lo: math.Inf(-1), Hi: math.Inf(1), MDE: math.Inf(1)}}
	writer := analysis.StepEffect{Dimension: "writer", Old: "baseline", New: "phase2", OldVariant: "sync", NewVariant: "async", Unit: "req/s",
		Cell: analysis.Cell{Scenario: "fsync"}, Significant: true, Outcome: analysis.Better, Rounds: 10, Ratio: 3.01, Lo: 1.737, Hi: 5.12, RuledOut: 412, MDE: 40,
		Stages: []string{"write"}, OldShare: 0.985, NewShare: 0.30, OldStageNS: 1.2e6, NewStageNS: 3.4e5, Timed: 400, Cores: 2}
	// stage shares without their times (a run stored before they were
	// kept): the shares alone
	sharesOnly := writer
	sharesOnly.OldStageNS, sharesOnly.NewStageNS = nan, nan
	lock := analysis.StepEffect{Dimension: "lock", Old: "phase3", New: "phase4", OldVariant: "global", NewVariant: "pooled", Unit: "req/s",
		Cell: analysis.Cell{Scenario: "throughput"}, Outcome: analysis.NoDifference, Rounds: 10, Ratio: 1.042, Lo: 0.969, Hi: 1.084, RuledOut: 8.4, MDE: 9.5,
		Stages: []string{"rate_limit"}, OldShare: 0.02, NewShare: 0.01, Timed: 5000, Cores: 2}
	rough := writer
	rough.Timed = analysis.MinTimed - 1
	roughLock := lock
	roughLock.Timed = analysis.MinTimed - 1
	// an interval that excludes no change, not significant once
	// corrected over the family
	corrected := lock
	corrected.Ratio, corrected.Lo, corrected.Hi, corrected.RuledOut = 1.06, 1.01, 1.11, 11
	fewE := writer
	fewE.Significant, fewE.Outcome, fewE.Rounds, fewE.Ratio, fewE.Lo, fewE.Hi, fewE.RuledOut = false, analysis.TooFewTrials, 3, nan, nan, nan, nan
	noCell := writer
	noCell.Cell = analysis.Cell{}
	// 6 rounds cannot reach a threshold of 0.025: no effect could have
	// been significant, and the headline says so instead of the share
	unreached := corrected
	unreached.Rounds, unreached.MDE = 6, math.Inf(1)
	unreachedNull := lock
	unreachedNull.Rounds, unreachedNull.MDE = 6, math.Inf(1)
	thr := &analysis.Comparison{Unit: "req/s", Tested: true, PAdj: 0.31, Effect: analysis.Effect{Rounds: 6, Threshold: 0.025, MDE: math.Inf(1)}}
	capacity := lock
	capacity.Unit, capacity.Cell = analysis.CapacityUnit, analysis.Cell{Scenario: "capacity"}
	for _, c := range []struct {
		e     analysis.StepEffect
		r     analysis.StepRow
		want  string
		class string
	}{
		{writer, analysis.StepRow{Effect: sig},
			"async writer: +201% [+73.7%, +412%] req/s when every write is fsynced — the write stage fell from 1.20ms to 340µs a request (98% → 30% of its time)", "better"},
		{sharesOnly, analysis.StepRow{Effect: sig},
			"async writer: +201% [+73.7%, +412%] req/s when every write is fsynced — the write stage fell from 98% to 30% of a request", "better"},
		{lock, analysis.StepRow{Effect: none},
			"pooled lock: no effect larger than ±8.4% req/s at full keep-alive load — the rate_limit stage is 2.0% of a request on 2 cores", ""},
		{corrected, analysis.StepRow{Effect: none},
			"pooled lock: +6.0% [+1.0%, +11.0%] req/s at full keep-alive load, not significant over the run's family — the rate_limit stage is 2.0% of a request on 2 cores", ""},
		{unreached, analysis.StepRow{Effect: thr},
			"pooled lock: +6.0% [+1.0%, +11.0%] req/s at full keep-alive load, not significant: its 6 rounds cannot reach the run's threshold (7 can)", ""},
		{unreachedNull, analysis.StepRow{Effect: thr},
			"pooled lock: no effect larger than ±8.4% req/s at full keep-alive load — its 6 rounds cannot reach the run's threshold (7 can)", ""},
		{capacity, analysis.StepRow{Effect: none},
			"pooled lock: no effect larger than ±8.4% capacity at the highest rate meeting the SLOs — the rate_limit stage is 2.0% of a request on 2 cores", ""},
		{rough, analysis.StepRow{Effect: sig},
			"async writer: +201% [+73.7%, +412%] req/s when every write is fsynced", "better"},
		{roughLock, analysis.StepRow{Effect: none},
			"pooled lock: no effect larger than ±8.4% req/s at full keep-alive load", ""},
		{fewE, analysis.StepRow{Effect: few},
			"async writer: no figure when every write is fsynced — 3 paired rounds (a 95% interval needs 6)", ""},
		{noCell, analysis.StepRow{}, "async writer: not measured (no throughput of both baseline and phase2 in one scenario)", ""},
		{writer, analysis.StepRow{}, "async writer: no figure when every write is fsynced — no value of both baseline and phase2 there to pair", ""},
	} {
		h := headline(c.e, c.r)
		if h.Text != c.want || h.Class != c.class {
			t.Errorf("got  %q (%s)\nwant %q (%s)", h.Text, h.Class, c.want, c.class)
		}
		if n := len(strings.Fields(h.Text)); n > 30 {
			t.Errorf("%d words: %q", n, h.Text)
		}
	}
}

// The title counts the steps by what the run can say of them, and says
// when its rounds could not make anything significant.
func TestTitleSentence(t *testing.T) {
	nan := math.NaN()
	step := func(sig bool, ratio, lo, hi float64) analysis.StepEffect {
		return analysis.StepEffect{Dimension: "writer", New: "phase2", NewVariant: "async", Unit: "req/s", Cell: analysis.Cell{Scenario: "fsync"},
			Significant: sig, Ratio: ratio, Lo: lo, Hi: hi, MDE: nan}
	}
	a := &analysis.Analysis{Steps: make([]analysis.StepRow, 4)}
	a.Series.Journey = []analysis.StepEffect{step(true, 3, 2, 4), step(false, 1.9, 1.1, 3), step(false, 1.02, 0.9, 1.1), step(true, 0.5, 0.4, 0.6)}
	if got, want := titleSentence(a), "Of 4 journey steps, 1 raised throughput, 1 lowered it, 1 changed throughput beyond its 95% interval, yet not significantly over the run's family and 1 had no effect this run could tell; the largest: async writer, +200% req/s when every write is fsynced."; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	a.Series.Journey[1].MDE, a.Series.Journey[1].Rounds = math.Inf(1), 6
	a.Steps[1].Effect = &analysis.Comparison{Effect: analysis.Effect{Rounds: 6, Threshold: 0.025}}
	if got := titleSentence(a); !strings.HasSuffix(got, "; 1 step had too few rounds to be significant at any size (6; 7 can).") {
		t.Errorf("got %q", got)
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
	a := &analysis.Analysis{SeedDesigns: []analysis.Seed{{Scenario: "seed-naive", Kind: "seed-naive", Headline: analysis.SeedHeadline{Kind: "seed-naive", NoSeedTrial: true}}}}
	hs := firstScreen(a)
	if len(hs) != 1 || hs[0].Text != "seed-naive: no trial of the seed's design in this run" {
		t.Errorf("first screen %+v", hs)
	}
}
