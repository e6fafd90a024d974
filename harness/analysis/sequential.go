package analysis

import (
	"math"
	"slices"

	"metricstream/harness/results"
)

// A compare that runs until it knows (lab compare -precision): after every
// round the driver asks whether each chosen unit's interval is narrow
// enough. Looking after every round with an ordinary interval would make
// "stop when it excludes 0" find an effect in an A/A run far more often
// than 5% of the time; these intervals are confidence sequences (Howard,
// Ramdas, McAuliffe & Sekhon, "Time-uniform, nonparametric, nonasymptotic
// confidence sequences", Annals of Statistics 2021): with probability at
// least 1 − α they hold at every round at once, so the run may stop
// whenever it likes.
//
// The sequence is for the median of the per-round log ratio, and assumes
// nothing about its distribution beyond independent rounds with a common
// median (each round's order drawn afresh; a drift of the machine moves
// both arms of a round): at the true median m, each round's 1{d ≤ m} −
// 1/2 is a fair ±1/2 coin, so their sum S_t is 1/2-sub-Gaussian, and the
// two-sided normal-mixture boundary
//
//	|S_t| < √((t/4 + ρ) · log((t/4 + ρ) / (ρ α²)))
//
// holds for all t with probability 1 − α (the mixture martingale and
// Ville's inequality). Every m it does not exclude is in the sequence: an
// interval between two order statistics of the rounds' log ratios. The
// sequence is intersected over the rounds so far (still valid: all of
// them hold at once). α is split evenly (Bonferroni) over the effects one
// compare follows, so all of them hold together.

// SeqTarget is the round count the boundary's ρ is tuned for: the
// sequence is narrowest near it (the quick scenarios' per-round spread of
// 0.05-0.3 needs tens of rounds for ±3%).
const SeqTarget = 40

// MinSeqRounds is the fewest rounds a sequence is computed from.
const MinSeqRounds = 2

// SeqEffect is one effect of a sequential compare after the rounds so
// far: B against A in one cell and unit.
type SeqEffect struct {
	Cell   Cell
	Unit   string
	Rounds int
	// Estimate is the median per-round change in percent; Lo and Hi the
	// anytime-valid interval in percent (±Inf until the rounds exclude
	// the tails), at level 1 − Alpha (the compare's α over its effects).
	Estimate, Lo, Hi float64
	Alpha            float64
	// Censored counts rounds left out for a censored value on a side.
	Censored int
}

// HalfWidth is half the interval's width in percentage points (+Inf
// without an interval).
func (e SeqEffect) HalfWidth() float64 {
	if math.IsInf(e.Lo, 0) || math.IsInf(e.Hi, 0) {
		return math.Inf(1)
	}
	return (e.Hi - e.Lo) / 2
}

// Within reports whether the interval is within ±precision percent.
func (e SeqEffect) Within(precision float64) bool { return e.HalfWidth() <= precision }

// Excludes0 reports whether the interval excludes no change.
func (e SeqEffect) Excludes0() bool { return e.Lo > 0 || e.Hi < 0 }

// SequentialEffects are the anytime-valid effects of b against a in run:
// one per cell where both ran and unit (units nil: the cell's primary
// unit, the capacity at SLO in a capacity cell, else req/s), in cell
// order.
func SequentialEffects(run *results.Run, a, b string, units []string) []SeqEffect {
	ix := indexTrials(run)
	type job struct {
		cell Cell
		unit string
	}
	var jobs []job
	for _, c := range ix.cells {
		ta, tb := ix.byCell[c][a], ix.byCell[c][b]
		if len(ta) == 0 || len(tb) == 0 {
			continue
		}
		us := units
		if len(us) == 0 {
			us = []string{ThroughputUnit}
			if ta[0].Kind == "capacity" {
				us = []string{CapacityUnit}
			}
		}
		for _, u := range us {
			if carries(ta, u) && carries(tb, u) {
				jobs = append(jobs, job{c, u})
			}
		}
	}
	var out []SeqEffect
	for _, j := range jobs {
		alpha := Alpha / float64(len(jobs))
		e := SeqEffect{Cell: j.cell, Unit: j.unit, Alpha: alpha, Estimate: math.NaN(), Lo: math.Inf(-1), Hi: math.Inf(1)}
		pe := pairedRounds(ix.byCell[j.cell][a], ix.byCell[j.cell][b], j.unit, run.Meta.Duet)
		e.Rounds, e.Censored = pe.Rounds, pe.Censored
		if e.Rounds > 0 {
			e.Estimate = pctOf(Median(pe.LogRatios))
			lo, hi := medianSequence(pe.LogRatios, alpha)
			e.Lo, e.Hi = pctOf(lo), pctOf(hi)
		}
		out = append(out, e)
	}
	return out
}

// PrecisionRule is the stop rule of lab compare -precision: after a
// round, the anytime-valid effects of b against a (SequentialEffects)
// and whether every one of them is within ±precision percent (false
// while there is none).
func PrecisionRule(a, b string, units []string, precision float64) func(run *results.Run) (done bool, effects []SeqEffect) {
	return func(run *results.Run) (bool, []SeqEffect) {
		es := SequentialEffects(run, a, b, units)
		done := len(es) > 0
		for _, e := range es {
			done = done && e.Within(precision)
		}
		return done, es
	}
}

// seqRho is the normal mixture's ρ (in units of the intrinsic time t/4)
// that makes the boundary narrowest at SeqTarget rounds for level alpha.
func seqRho(alpha float64) float64 {
	v := float64(SeqTarget) / 4
	best, bestU := 0.0, math.Inf(1)
	for r := 0.01; r <= 100; r *= 1.05 {
		if u := mixtureBoundary(v, r*v, alpha); u < bestU {
			best, bestU = r*v, u
		}
	}
	return best
}

// mixtureBoundary is the two-sided normal-mixture boundary at intrinsic
// time v: √((v + ρ) log((v + ρ)/(ρ α²))).
func mixtureBoundary(v, rho, alpha float64) float64 {
	return math.Sqrt((v + rho) * math.Log((v+rho)/(rho*alpha*alpha)))
}

// medianSequence is the confidence sequence for the median of d after
// each of its rounds, intersected over them: the interval after the last.
func medianSequence(d []float64, alpha float64) (lo, hi float64) {
	rho := seqRho(alpha)
	lo, hi = math.Inf(-1), math.Inf(1)
	sorted := make([]float64, 0, len(d))
	var last [2]float64
	for t, x := range d {
		i, _ := slices.BinarySearch(sorted, x)
		sorted = slices.Insert(sorted, i, x)
		if t+1 < MinSeqRounds {
			continue
		}
		l, h := medianCS(sorted, rho, alpha)
		last = [2]float64{l, h}
		lo, hi = math.Max(lo, l), math.Min(hi, h)
	}
	if lo > hi {
		// disjoint intervals: the sequence missed somewhere (probability
		// at most α); the last one alone is still a 1 − α interval
		return last[0], last[1]
	}
	return lo, hi
}

// medianCS is the sequence at one time, from the rounds' log ratios
// sorted: the medians m with t/2 − u < #{d ≤ m} < t/2 + u, an interval
// [d₍ₖ₁₎, d₍ₖ₂₊₁₎) of order statistics (taken closed).
func medianCS(sorted []float64, rho, alpha float64) (lo, hi float64) {
	t := float64(len(sorted))
	u := mixtureBoundary(t/4, rho, alpha)
	k1 := int(math.Floor(t/2-u)) + 1
	k2 := int(math.Ceil(t/2+u)) - 1
	lo, hi = math.Inf(-1), math.Inf(1)
	if k1 >= 1 && k1 <= len(sorted) {
		lo = sorted[k1-1]
	}
	if k2+1 >= 1 && k2+1 <= len(sorted) {
		hi = sorted[k2]
	}
	return lo, hi
}
