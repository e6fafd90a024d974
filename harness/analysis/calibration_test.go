package analysis

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"metricstream/harness/results"
	"metricstream/variants"
)

// The calibration of the paired analysis: thousands of synthetic
// experiments run through the same inference Analyze runs (paired: the
// rounds' effects, the family's weighted Holm, the verdicts), on trials
// with what a shared machine does to them: lognormal noise per trial, a
// drift of the machine across rounds (and within a round, so the second
// arm sees a little more of it), and an order effect (the arm that runs
// second measures 5% slower), the order drawn per round as the harness
// draws it. An A/A experiment must give a better/worse verdict in at most
// α of the runs (plus Monte Carlo error); a known +10% effect must lie in
// the 95% interval at least 93% of the time; the power is logged. The
// sequential compare, looking after every round, must keep its error rate
// too.

// simModel is one kind of synthetic experiment.
type simModel struct {
	cells, rounds int
	effect        float64 // B's throughput over A's (1: A/A); p99 moves by its inverse
	sigma         float64 // lognormal noise of a trial's throughput
	drift         float64 // the machine's drift across rounds: amplitude of its log
	order         float64 // what running second costs, as a share
}

// simRun draws one experiment: arms a and b (labels that make an A/A or
// a journey pair), m.rounds rounds in each of m.cells cells.
func simRun(r *rand.Rand, m simModel, a, b string, from int) *results.Run {
	run := &results.Run{Meta: results.Meta{Order: "random", Scenarios: make([]string, m.cells)}}
	for _, l := range []string{a, b} {
		base, _, _ := cutLabel(l)
		set, _ := variants.Parse(base)
		run.Meta.Variants = append(run.Meta.Variants, results.Variant{Label: l, Preset: base, Set: set})
	}
	for c := range m.cells {
		sc := "s" + strconv.Itoa(c)
		run.Meta.Scenarios[c] = sc
		level := 1000 * float64(c+1)
		walk := 0.0
		for k := from; k < from+m.rounds; k++ {
			walk += m.drift * 0.3 * r.NormFloat64()
			driftAt := func(pos int) float64 {
				return m.drift*math.Sin(2*math.Pi*(float64(k)+0.5*float64(pos))/7+float64(c)) + walk
			}
			aSecond := r.IntN(2) == 1
			for i, label := range []string{a, b} {
				pos := 0
				if (i == 0) == aSecond {
					pos = 1
				}
				f := math.Exp(driftAt(pos) + m.sigma*r.NormFloat64())
				if pos == 1 {
					f *= 1 - m.order
				}
				if i == 1 {
					f *= m.effect
				}
				run.Trials = append(run.Trials, results.Trial{Scenario: sc, Variant: label, Trial: k, Position: pos, Model: "closed",
					Throughput: level * f, SuccessPct: 100 - math.Round(10*math.Abs(0.3*r.NormFloat64()))/10,
					Latency: results.Latency{P99: int64(5e6 / f * math.Exp(0.1*r.NormFloat64()))},
					Counts:  results.Counts{Status2xx: 1000}, DurationNS: 5e8})
			}
		}
	}
	return run
}

func cutLabel(l string) (string, string, bool) {
	for i := range l {
		if l[i] == '#' {
			return l[:i], l[i+1:], true
		}
	}
	return l, "", false
}

// simAnalysis runs the analysis's inference on a synthetic run: what
// Analyze does after reading the benchmark lines (which it needs only for
// the unpaired medians, left out here).
func simAnalysis(run *results.Run) *Analysis {
	a := &Analysis{Run: run, samples: map[sampleKey]*Sample{}, better: map[string]int{}}
	a.ix = indexTrials(run)
	a.Variants, a.Cells = a.ix.variants, a.ix.cells
	a.UnitNames = []string{"success-%", "req/s", "p99-ns"}
	a.Pairs = choosePairs(run, a.Variants)
	a.paired()
	return a
}

// mcLimit is α plus three Monte Carlo standard errors over n runs.
func mcLimit(n int) float64 { return Alpha + 3*math.Sqrt(Alpha*(1-Alpha)/float64(n)) }

func TestCalibration(t *testing.T) {
	defer func(n int) { orderPermutations = n }(orderPermutations)
	orderPermutations = 100 // the order check is not what is calibrated here
	const sims = 1000
	noisy := simModel{cells: 3, rounds: 10, effect: 1, sigma: 0.15, drift: 0.3, order: 0.05}
	r := rand.New(rand.NewPCG(2026, 12))

	// A/A: no verdict beyond α.
	falsePos, orderFlags := 0, 0
	for range sims {
		a := simAnalysis(simRun(r, noisy, "phase3", "phase3#2", 0))
		for i := range a.Comparisons {
			if o := a.Comparisons[i].Outcome(); o == Better || o == Worse {
				falsePos++
				break
			}
		}
		for _, o := range a.Order {
			if o.Scope == "A/A" && o.Unit == "req/s" && o.Significant() {
				orderFlags++
			}
		}
	}
	if share := float64(falsePos) / sims; share > mcLimit(sims) {
		t.Errorf("A/A: %d of %d runs (%.1f%%) gave a verdict; α = %.0f%% (limit %.1f%% with Monte Carlo error)", falsePos, sims, 100*share, 100*Alpha, 100*mcLimit(sims))
	} else {
		t.Logf("A/A, %d cells × 3 units, %d rounds, noise σ=%.2f, drift %.2f, order effect %.0f%%: %d of %d runs gave a better/worse verdict (%.1f%%; α %.0f%%); the order check flagged the planted order effect in %d",
			noisy.cells, noisy.rounds, noisy.sigma, noisy.drift, 100*noisy.order, falsePos, sims, 100*float64(falsePos)/sims, 100*Alpha, orderFlags)
	}

	// A known +10% effect (a journey step): coverage and power.
	effect := noisy
	effect.effect = 1.10
	covered, cells, primaryHits, anyHits := 0, 0, 0, 0
	truth := 10.0
	for range sims {
		a := simAnalysis(simRun(r, effect, "phase2", "phase3", 0))
		hit := false
		for i := range a.Comparisons {
			c := &a.Comparisons[i]
			if c.Unit != "req/s" {
				continue
			}
			cells++
			if c.Effect.Lo <= truth && truth <= c.Effect.Hi {
				covered++
			}
			if c.Significant() {
				hit = true
				if c.Primary {
					primaryHits++
				}
			}
			if c.Outcome() == Worse {
				t.Errorf("a +10%% effect called worse: %+v", c.Effect)
			}
		}
		if hit {
			anyHits++
		}
	}
	if cov := float64(covered) / float64(cells); cov < 0.93 {
		t.Errorf("the 95%% interval covered the known +10%% in %.1f%% of %d cells, want ≥ 93%%", 100*cov, cells)
	} else {
		t.Logf("+10%%: the 95%% interval covered it in %.1f%% of %d cells; power: the primary cell significant in %.1f%% of runs, some cell in %.1f%%",
			100*float64(covered)/float64(cells), cells, 100*float64(primaryHits)/sims, 100*float64(anyHits)/sims)
	}
}

// The sequential compare looks after every round; its anytime-valid
// interval must exclude "no change" in at most α of A/A runs however
// many times it looks, where an ordinary interval checked after every
// round would do so far more often.
func TestCalibrationSequential(t *testing.T) {
	const sims, maxRounds = 1000, 30
	m := simModel{cells: 1, rounds: 1, effect: 1, sigma: 0.15, drift: 0.3, order: 0.05}
	r := rand.New(rand.NewPCG(7, 2026))
	rule := PrecisionRule("phase3", "phase3#2", []string{"req/s"}, 0)
	everExcluded, naiveExcluded := 0, 0
	for range sims {
		run := simRun(r, m, "phase3", "phase3#2", 0)
		hit, naive := false, false
		for k := 1; k < maxRounds; k++ {
			next := simRun(r, m, "phase3", "phase3#2", k)
			run.Trials = append(run.Trials, next.Trials...)
			_, es := rule(run)
			if len(es) == 1 && es[0].Excludes0() {
				hit = true
			}
			// what peeking at the fixed-n signed-rank interval would do
			if k+1 >= MinRounds && !naive {
				ix := indexTrials(run)
				pe := pairedRounds(ix.byCell[Cell{Scenario: "s0"}]["phase3"], ix.byCell[Cell{Scenario: "s0"}]["phase3#2"], "req/s", false)
				lo, hi, _ := signedRankCI(pe.LogRatios, Confidence)
				naive = lo > 0 || hi < 0
			}
		}
		if hit {
			everExcluded++
		}
		if naive {
			naiveExcluded++
		}
	}
	share := float64(everExcluded) / sims
	if share > mcLimit(sims) {
		t.Errorf("sequential A/A: %d of %d runs excluded no change at some look (%.1f%%), want ≤ α", everExcluded, sims, 100*share)
	}
	t.Logf("sequential A/A, looking after each of %d rounds: the anytime-valid interval excluded no change in %.1f%% of %d runs; the fixed-n 95%% interval, looked at as often, in %.1f%%",
		maxRounds, 100*share, sims, 100*float64(naiveExcluded)/sims)
}
