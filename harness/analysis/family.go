package analysis

import (
	"math"
	"slices"
	"sort"
)

// The family a run tests, and its correction. Every paired comparison of
// a verdict unit with at least MinRounds rounds is one hypothesis of ONE
// family: pairs × cells × verdict units, so the chance of any false
// "better" or "worse" in the whole run is held to Alpha, not the chance
// per cell. The correction is Holm's weighted step-down (Holm 1979): each
// hypothesis i holds a weight wᵢ (summing to 1); the one with the smallest
// pᵢ/wᵢ is rejected when pᵢ ≤ α·wᵢ/W (W: the weights not yet rejected),
// then the next, until one is not. It controls the familywise error for
// any weights fixed before the data are seen; equal weights are Holm's
// plain procedure.
//
// The weights are fixed by the run's plan, never by its numbers: each
// journey step's primary hypothesis (its primary cell, chosen from the
// scenarios' targets before the run, in its primary unit) shares half of
// α; every other hypothesis shares the other half (equal weights when the
// others are so few that one would outweigh a primary). A rejected
// hypothesis's weight passes on to the rest, so a step that shows
// strengthens the others. A comparison whose rounds differ in fewer than
// MinRounds rounds can never reach α and is left out (Tarone's argument:
// a hypothesis that cannot be rejected costs the family nothing).

// VerdictUnits are the units whose paired comparisons give verdicts and
// form the family: the lab's three headline figures (success rate,
// throughput, tail latency) and the capacity at SLO. The other units
// (mean, p50 and p99.9 latency, each kind's counts) are shown with their
// paired effects and intervals but give no verdict: they would add
// hypotheses that mostly repeat the headline ones (the mean and p50 move
// with throughput in a closed loop), diluting every threshold.
var VerdictUnits = []string{"success-%", ThroughputUnit, "p99-ns", CapacityUnit}

// PrimaryShare is the share of α the primary hypotheses hold together
// (when the run has primary and other hypotheses).
const PrimaryShare = 0.5

// IsVerdictUnit reports whether unit's comparisons give verdicts.
func IsVerdictUnit(unit string) bool { return slices.Contains(VerdictUnits, unit) }

// WeightedHolm returns the weighted Holm adjusted p-values of ps with
// weights ws (any positive scale; normalised here), in the order of ps:
// hypotheses ordered by p/w, the j-th adjusted to max over k ≤ j of
// min(1, p₍ₖ₎·W₍ₖ₎/w₍ₖ₎), W₍ₖ₎ the weights from k on. A hypothesis is
// rejected at α when its adjusted p is below α. Equal weights give Holm.
func WeightedHolm(ps, ws []float64) []float64 {
	m := len(ps)
	order := make([]int, m)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool {
		return ps[order[i]]/ws[order[i]] < ps[order[j]]/ws[order[j]]
	})
	rest := 0.0
	for _, w := range ws {
		rest += w
	}
	adj := make([]float64, m)
	run := 0.0
	for _, i := range order {
		run = math.Max(run, math.Min(1, ps[i]*rest/ws[i]))
		adj[i] = run
		rest -= ws[i]
	}
	return adj
}

// Holm returns the Holm-Bonferroni adjusted p-values of ps, in the order of
// ps: WeightedHolm with equal weights.
func Holm(ps []float64) []float64 {
	ws := make([]float64, len(ps))
	for i := range ws {
		ws[i] = 1
	}
	return WeightedHolm(ps, ws)
}

// RoundsFor is the fewest rounds whose exact signed-rank test can reach
// threshold: the smallest n with 2/2ⁿ ≤ threshold.
func RoundsFor(threshold float64) int {
	n := 1
	for minSignedRankP(n) > threshold && n < 64 {
		n++
	}
	return n
}

// FamilyPlan says what the run's family is: its size, how many of its
// hypotheses are primary, and the threshold each kind faces first.
type FamilyPlan struct {
	Size      int     // hypotheses tested (pairs × cells × verdict units with enough rounds)
	Primary   int     // of them, journey steps' primary hypotheses
	Pairs     int     // pairs with a hypothesis in the family
	Cells     int     // cells with a hypothesis in the family
	Units     int     // verdict units with a hypothesis in the family
	PrimaryW  float64 // the weight of one primary hypothesis (of 1)
	OtherW    float64 // the weight of one other hypothesis (of 1)
	Excluded  int     // comparisons of verdict units with too few rounds: shown, not tested
	Unmoved   int     // comparisons of verdict units whose rounds differ too rarely to ever reject: shown, not tested
	Described int     // comparisons of other units: effects shown, no verdict
}

// FirstThreshold is the p a hypothesis of weight w must reach when
// nothing else in the family is rejected: α·w.
func (f FamilyPlan) FirstThreshold(primary bool) float64 {
	if primary {
		return Alpha * f.PrimaryW
	}
	return Alpha * f.OtherW
}

// setFamily marks the tested comparisons, weighs them and adjusts their
// p-values over the one family, and fills each one's minimum detectable
// effect at the threshold its weight sets it.
func (a *Analysis) setFamily() {
	primary := map[primaryKey]bool{}
	for _, p := range a.Pairs {
		if p.Kind != "journey" {
			continue
		}
		if c, ok := a.PrimaryCell(p); ok {
			primary[primaryKey{p, c.Cell, primaryUnit(a, c.Cell)}] = true
		}
	}
	var idx []int
	pairs, cells, units := map[Pair]bool{}, map[Cell]bool{}, map[string]bool{}
	f := FamilyPlan{}
	for i := range a.Comparisons {
		c := &a.Comparisons[i]
		switch {
		case !IsVerdictUnit(c.Unit):
			f.Described++
			continue
		case c.Effect.Rounds < MinRounds:
			f.Excluded++
			continue
		case c.Effect.Nonzero < MinRounds:
			// Fewer rounds differ than the exact test needs to reach α
			// even alone (2/2ⁿ > α): it can never be rejected, so it
			// holds no weight (success at 100% in both arms, round
			// after round). Leaving it out changes no error rate.
			f.Unmoved++
			continue
		}
		c.Tested = true
		c.Primary = primary[primaryKey{c.Pair, c.Cell, c.Unit}]
		idx = append(idx, i)
		pairs[c.Pair], cells[c.Cell], units[c.Unit] = true, true, true
		if c.Primary {
			f.Primary++
		}
	}
	f.Size, f.Pairs, f.Cells, f.Units = len(idx), len(pairs), len(cells), len(units)
	switch {
	case f.Size == 0:
	case f.Primary == 0 || f.Primary == f.Size || (1-PrimaryShare)/float64(f.Size-f.Primary) >= PrimaryShare/float64(f.Primary):
		// no primaries, nothing else, or so few others that the split
		// would weigh one of them above a primary: Holm's equal weights
		f.PrimaryW, f.OtherW = 1/float64(f.Size), 1/float64(f.Size)
	default:
		f.PrimaryW = PrimaryShare / float64(f.Primary)
		f.OtherW = (1 - PrimaryShare) / float64(f.Size-f.Primary)
	}
	ps, ws := make([]float64, len(idx)), make([]float64, len(idx))
	for j, i := range idx {
		c := &a.Comparisons[i]
		ps[j], c.Weight = c.Effect.P, f.OtherW
		if c.Primary {
			c.Weight = f.PrimaryW
		}
		ws[j] = c.Weight
	}
	for j, adj := range WeightedHolm(ps, ws) {
		a.Comparisons[idx[j]].PAdj = adj
	}
	for i := range a.Comparisons {
		c := &a.Comparisons[i]
		e := &c.Effect
		if e.Rounds < 2 {
			continue
		}
		// A comparison outside the family is described at the threshold
		// an other hypothesis of the family faces (α alone when the
		// family is empty): what this run could have shown in it.
		thr := Alpha
		switch {
		case c.Tested:
			thr = Alpha * c.Weight
		case f.Size > 0:
			thr = f.FirstThreshold(false)
		}
		e.Threshold = thr
		if e.Spread > 0 {
			e.MDE = pctOf(minDetectable(e.Spread, e.Rounds, thr, Power))
		}
	}
	a.Plan = f
}

type primaryKey struct {
	Pair
	Cell
	unit string
}

// primaryUnit is the unit a cell's primary hypothesis is stated in: the
// capacity at SLO where the cell's trials searched one, else throughput.
func primaryUnit(a *Analysis, c Cell) string {
	for _, ts := range a.ix.byCell[c] {
		if len(ts) > 0 && ts[0].Kind == "capacity" {
			return CapacityUnit
		}
	}
	return ThroughputUnit
}

// PrimaryChoice is how a step's primary cell was chosen.
type PrimaryChoice struct {
	Cell     Cell
	Targeted bool // the cell's scenario targets the step's dimension (Meta.Targets)
}

// PrimaryCell is the cell a pair's step is judged in, chosen from the
// run's plan before any number is seen: the first cell (in report order)
// of the first scenario of the run (Meta.Scenarios order) whose targets
// name the step's dimension; when none does, the first cell of the run's
// first load scenario that targets no dimension (a per-trial kind such as
// a capacity search, the noisiest figure and often censored, or a
// scenario built for another dimension, would judge the step by what it
// was not built for), else of its first scenario; always one in which
// both arms have trials with a throughput. False when the pair has no
// such cell.
func (a *Analysis) PrimaryCell(p Pair) (PrimaryChoice, bool) {
	dim := a.stepDimension(p)
	has := func(c Cell) bool {
		return carries(a.ix.byCell[c][p.Old], ThroughputUnit) && carries(a.ix.byCell[c][p.New], ThroughputUnit)
	}
	if dim != "" {
		for _, c := range a.ix.cells {
			if a.Run.Meta.Targets[c.Scenario] == dim && has(c) {
				return PrimaryChoice{Cell: c, Targeted: true}, true
			}
		}
	}
	for _, c := range a.ix.cells {
		if a.Run.Meta.Targets[c.Scenario] == "" && has(c) && a.ix.byCell[c][p.Old][0].Kind == "" {
			return PrimaryChoice{Cell: c}, true
		}
	}
	for _, c := range a.ix.cells {
		if has(c) {
			return PrimaryChoice{Cell: c}, true
		}
	}
	return PrimaryChoice{}, false
}
