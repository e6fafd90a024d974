package analysis

import (
	"math"
	"slices"
	"strings"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"metricstream/harness/results"
	"metricstream/internal/stages"
)

// Series is every series the report's charts draw, computed once by
// Analyze from the trials: a median per load step, the merged latency
// histograms and their percentile spectra, the capacity searches' points
// binned, and each journey step's effect as a ratio. The renderers select
// and lay these out; they compute no median, quantile or merge of their
// own, so a chart and a table of the same run can never disagree.
type Series struct {
	Load     []LoadCurve     // per load-stepped scenario, variant and unit
	Spectra  []Spectrum      // per cell and variant whose trials carry HDR histograms
	Capacity []CapacityCurve // per capacity cell and variant
	Journey  []StepEffect    // per journey step, in a.Steps order
	USL      []USLMeans      // per USL fit, in a.USL order
	// Clients is the median number of closed-loop clients of each cell's
	// trials (all variants together); open-loop cells are absent.
	Clients map[Cell]int
}

// XY is one point of a series.
type XY struct{ X, Y float64 }

// LoadUnits are the units a load curve is drawn in: what the success,
// latency and throughput charts plot against the load.
var LoadUnits = []string{"success-%", "p50-ns", "p99-ns", "p99.9-ns", "req/s"}

// trialValue reads unit off a trial: the fallback when the benchmark
// lines lack it.
func trialValue(unit string) func(*results.Trial) float64 {
	switch unit {
	case "success-%":
		return func(t *results.Trial) float64 { return t.SuccessPct }
	case "p50-ns":
		return func(t *results.Trial) float64 { return float64(t.Latency.P50) }
	case "p99-ns":
		return func(t *results.Trial) float64 { return float64(t.Latency.P99) }
	case "p99.9-ns":
		return func(t *results.Trial) float64 { return float64(t.Latency.P999) }
	}
	return func(t *results.Trial) float64 { return t.Throughput }
}

// LoadCurve is one variant's unit against the load of a scenario stepped
// by clients=N or rate=R: X the step's load, Y the median over the step's
// trials (the tables' median), sorted by X.
type LoadCurve struct {
	Scenario, Key, Variant, Unit string
	Points                       []XY
}

// Spectrum is one variant's latency in one cell: its trials' HDR
// histograms merged, and the percentile spectrum of the merge in wrk2's
// style, X = 1/(1−q) for quantile q (10 is p90, 100 is p99) at
// SpectrumPerDecade points per decade up to the data's resolution (X ≤
// the count) or p99.9999, Y = latency in ns.
type Spectrum struct {
	Cell    Cell
	Variant string
	Count   int64                   // requests in the merged histogram
	Bad     int                     // trial histograms that did not decode, left out
	HDR     *hdrhistogram.Histogram // the merge (nil when no trial had values)
	Points  []XY
}

// SpectrumPerDecade is how many points a spectrum has per "nine".
const SpectrumPerDecade = 10

// CapacityCurve is one variant's capacity searches in one cell: every
// judged point of every trial (the probe left out) binned by offered rate
// (bins CapacityBin wide; each bin's median offered and median achieved
// rate), and the knee: X the capacity row's median (over the searches
// that converged; none when half or more ended on a bound), Y the median
// achieved rate at the passing points within 5% of it (X where none).
type CapacityCurve struct {
	Cell    Cell
	Variant string
	Bins    []XY
	Knee    XY
	HasKnee bool // the row states a median capacity (not censored) above 0
}

// CapacityBin is the width of a capacity curve's offered-rate bins, as a
// ratio: the trials' searches try different rates, and a line through all
// their points in offered order zigzags between trials.
const CapacityBin = 1.15

// StepEffect is one journey step as the journey chart draws it: the
// paired effect in the step's primary cell as a ratio new/old with its
// 95% interval, what that interval rules out, the smallest effect the run
// could have detected (the band the chart shades), and the step's stage
// share before and after.
type StepEffect struct {
	Dimension              string  // "writer"
	Old, New               string  // variant labels
	OldVariant, NewVariant string  // the dimension's variants: "sync", "async"
	Cell                   Cell    // zero when the step has no comparison
	Unit                   string  // the effect's unit: req/s, or capacity-req/s in a capacity cell
	Targeted               bool    // Cell's scenario targets the dimension
	Outcome                Outcome // Comparison.Outcome; NoVerdict without a comparison
	Significant            bool
	// Rounds is how many paired rounds the effect rests on.
	Rounds int
	// Ratio is the paired effect (the Hodges-Lehmann estimate of the
	// rounds' log ratios) as new/old; Lo and Hi its signed-rank 95%
	// interval as ratios; NaN with fewer than MinRounds rounds.
	Ratio, Lo, Hi float64
	// RuledOut is the largest change, in percent either way, the
	// interval leaves possible (Effect.RuledOut; NaN without one).
	RuledOut float64
	// MDE is the smallest change, in percent either way, this run could
	// have detected at Power (Effect.MDE): the band of effects it could
	// not resolve. NaN when unknown, +Inf when its rounds cannot reach
	// the threshold its place in the family sets.
	MDE float64
	// Stages are the dimension's stages; OldShare and NewShare their share
	// of request time under Old and New in StageScenario (NaN unknown).
	// OldStageNS and NewStageNS are those stages' mean time per timed
	// request (NaN unknown): a share can hold still while the time it is a
	// share of falls.
	Stages                 []string
	StageScenario          string
	OldShare, NewShare     float64
	OldStageNS, NewStageNS float64
	// Timed is the fewer of the timed requests Old's and New's stage
	// costs come from (below MinTimed the shares are no figure).
	Timed uint64
	Cores int // the machine's CPUs
}

// USLMeans is one USL fit's measured throughput as its chart draws it:
// per client count, X the count and Y the mean 2xx/s over the trials
// there (the mean, as the fit's least squares weigh every trial alike),
// sorted by X.
type USLMeans struct {
	Scenario, Variant string
	Points            []XY
}

// uslMeans averages each USL fit's points per client count.
func (a *Analysis) uslMeans() []USLMeans {
	var out []USLMeans
	for _, f := range a.USL {
		sum, n := map[float64]float64{}, map[float64]int{}
		var xs []float64
		for _, p := range f.Points {
			if n[p.N] == 0 {
				xs = append(xs, p.N)
			}
			sum[p.N] += p.X
			n[p.N]++
		}
		slices.Sort(xs)
		m := USLMeans{Scenario: f.Scenario, Variant: f.Variant}
		for _, x := range xs {
			m.Points = append(m.Points, XY{x, sum[x] / float64(n[x])})
		}
		out = append(out, m)
	}
	return out
}

// USLMeansOf is the means of variant's fit in scenario, or nil.
func (s *Series) USLMeansOf(scenario, variant string) *USLMeans {
	return first(s.USL, func(m *USLMeans) bool { return m.Scenario == scenario && m.Variant == variant })
}

// series fills a.Series from the trials and the analysis's own figures.
func (a *Analysis) series() Series {
	s := Series{Clients: map[Cell]int{}}
	for _, c := range a.ix.cells {
		var all []*results.Trial
		open := false
		for _, v := range a.ix.variants {
			for _, t := range a.ix.byCell[c][v] {
				all = append(all, t)
				open = open || t.Model == "open"
			}
		}
		if len(all) > 0 && !open {
			s.Clients[c] = int(MedianOf(all, func(t *results.Trial) float64 { return float64(t.Clients) }))
		}
	}
	s.Load = a.loadCurves()
	s.Spectra = a.spectra()
	s.Capacity = a.capacityCurves()
	s.Journey = a.stepEffects()
	s.USL = a.uslMeans()
	return s
}

// loadCurves are the median of every LoadUnits unit per step of every
// scenario stepped by clients or rate, per variant with trials there.
func (a *Analysis) loadCurves() []LoadCurve {
	var out []LoadCurve
	for _, sc := range scenariosOf(a.ix.cells) {
		key := a.SteppedBy(sc)
		if key != "clients" && key != "rate" {
			continue
		}
		for _, v := range a.ix.variants {
			for _, unit := range LoadUnits {
				lc := LoadCurve{Scenario: sc, Key: key, Variant: v, Unit: unit}
				for _, c := range a.ix.cells {
					ts := a.ix.byCell[c][v]
					if c.Scenario != sc || len(ts) == 0 {
						continue
					}
					_, x, _ := StepValue(c.Step)
					y := a.CellMedian(c, v, unit, ts, trialValue(unit))
					if !math.IsNaN(y) {
						lc.Points = append(lc.Points, XY{x, y})
					}
				}
				if len(lc.Points) > 0 {
					out = append(out, lc)
				}
			}
		}
	}
	return out
}

// LoadCurveOf is variant's curve of unit in scenario, or nil.
func (s *Series) LoadCurveOf(scenario, variant, unit string) *LoadCurve {
	return first(s.Load, func(c *LoadCurve) bool { return c.Scenario == scenario && c.Variant == variant && c.Unit == unit })
}

// first is the first element of xs that match accepts, or nil.
func first[T any](xs []T, match func(*T) bool) *T {
	for i := range xs {
		if match(&xs[i]) {
			return &xs[i]
		}
	}
	return nil
}

// spectra merges each cell's and variant's histograms and takes their
// spectrum.
func (a *Analysis) spectra() []Spectrum {
	var out []Spectrum
	for _, c := range a.ix.cells {
		for _, v := range a.ix.variants {
			h, bad := mergeHDR(a.ix.byCell[c][v])
			if h == nil && bad == 0 {
				continue
			}
			sp := Spectrum{Cell: c, Variant: v, Bad: bad, HDR: h}
			if h != nil {
				sp.Count = h.TotalCount()
				sp.Points = spectrumOf(h)
			}
			out = append(out, sp)
		}
	}
	return out
}

// SpectrumOf is variant's spectrum in cell, or nil.
func (s *Series) SpectrumOf(c Cell, variant string) *Spectrum {
	return first(s.Spectra, func(sp *Spectrum) bool { return sp.Cell == c && sp.Variant == variant })
}

// mergeHDR merges the histograms of ts (in the first one's geometry); nil
// when none has a value. Trials whose histogram does not decode are
// counted in bad.
func mergeHDR(ts []*results.Trial) (h *hdrhistogram.Histogram, bad int) {
	for _, t := range ts {
		if t.HDR == "" {
			continue
		}
		th, err := results.DecodeHDR(t.HDR)
		if err != nil {
			bad++
			continue
		}
		if h == nil {
			h = hdrhistogram.New(th.LowestTrackableValue(), th.HighestTrackableValue(), int(th.SignificantFigures()))
		}
		h.Merge(th)
	}
	if h != nil && h.TotalCount() == 0 {
		h = nil
	}
	return h, bad
}

// spectrumOf is h's percentile spectrum (see Spectrum).
func spectrumOf(h *hdrhistogram.Histogram) []XY {
	var pts []XY
	total := float64(h.TotalCount())
	for k := 0; ; k++ {
		x := math.Pow(10, float64(k)/SpectrumPerDecade)
		if x > total || x > 1e6 {
			break
		}
		pts = append(pts, XY{x, float64(h.ValueAtQuantile((1 - 1/x) * 100))})
	}
	return pts
}

// capacityCurves bins every capacity row's searched points.
func (a *Analysis) capacityCurves() []CapacityCurve {
	var out []CapacityCurve
	for _, r := range a.CapacityRows() {
		pts := a.CapacityPoints(r.Cell, r.Variant)
		cc := CapacityCurve{Cell: r.Cell, Variant: r.Variant, Bins: binned(pts)}
		if center := r.Summary.Center; r.HasMedian() && center > 0 {
			cc.HasKnee = true
			var ys []float64
			for _, p := range pts {
				if p.Pass && math.Abs(p.Offered-center) <= 0.05*center {
					ys = append(ys, p.Achieved)
				}
			}
			cc.Knee = XY{center, center} // achieved ≈ offered at a passing point
			if len(ys) > 0 {
				cc.Knee.Y = Median(ys)
			}
		}
		out = append(out, cc)
	}
	return out
}

// CapacityCurveOf is variant's capacity curve in cell, or nil.
func (s *Series) CapacityCurveOf(c Cell, variant string) *CapacityCurve {
	return first(s.Capacity, func(cc *CapacityCurve) bool { return cc.Cell == c && cc.Variant == variant })
}

// binned groups points (sorted by offered rate) into bins CapacityBin
// wide: each bin's median offered and median achieved rate.
func binned(pts []results.CapacityPoint) []XY {
	var out []XY
	for i := 0; i < len(pts); {
		j := i
		var xs, ys []float64
		for j < len(pts) && pts[j].Offered <= pts[i].Offered*CapacityBin {
			xs, ys = append(xs, pts[j].Offered), append(ys, pts[j].Achieved)
			j++
		}
		out = append(out, XY{Median(xs), Median(ys)})
		i = j
	}
	return out
}

// stepEffects turns each journey step into the journey chart's row.
func (a *Analysis) stepEffects() []StepEffect {
	var out []StepEffect
	for _, r := range a.Steps {
		e := StepEffect{Dimension: r.Dimension, Old: r.Old, New: r.New, Cell: r.Cell, Targeted: r.Targeted,
			Ratio: math.NaN(), Lo: math.NaN(), Hi: math.NaN(), RuledOut: math.NaN(), MDE: math.NaN(),
			OldShare: math.NaN(), NewShare: math.NaN(), OldStageNS: math.NaN(), NewStageNS: math.NaN(), StageScenario: r.StageScenario, Cores: a.Run.Meta.NumCPU}
		so, sn := variantSet(a.Run, r.Old), variantSet(a.Run, r.New)
		var ov, nv []string
		for _, d := range strings.Split(r.Dimension, "+") {
			ov, nv = append(ov, so[d]), append(nv, sn[d])
			e.Stages = append(e.Stages, stageList(stages.Owners[d]).names()...)
		}
		e.OldVariant, e.NewVariant = strings.Join(ov, "+"), strings.Join(nv, "+")
		if c := r.Effect; c != nil {
			ef := c.Effect
			e.Unit, e.Outcome, e.Significant, e.Rounds = c.Unit, c.Outcome(), c.Significant(), ef.Rounds
			e.MDE = ef.MDE
			// a figure from fewer rounds than an interval needs is none
			if ef.Rounds >= MinRounds && !math.IsNaN(ef.Estimate) {
				e.Ratio = 1 + ef.Estimate/100
			}
			if ef.HasInterval() {
				e.Lo, e.Hi = 1+ef.Lo/100, 1+ef.Hi/100
				e.RuledOut = ef.RuledOut()
			}
		}
		oldCost, newCost := a.StageCostOf(r.StageScenario, r.Old), a.StageCostOf(r.StageScenario, r.New)
		if b := oldCost.Bound(r.Dimension); b != nil {
			e.OldShare, e.OldStageNS = b.Share, b.PerRequestNS
			e.Timed = oldCost.Snapshot.Sampled
		}
		if b := newCost.Bound(r.Dimension); b != nil {
			e.NewShare, e.NewStageNS = b.Share, b.PerRequestNS
			e.Timed = min(e.Timed, newCost.Snapshot.Sampled)
		}
		out = append(out, e)
	}
	return out
}
