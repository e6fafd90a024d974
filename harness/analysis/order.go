package analysis

import (
	"math"
	"math/rand/v2"
)

// The order check: position in the round as a factor. If running second
// (or last) changes what a trial measures (a warmer cache, a machine
// still busy with the previous arm's drain), a fixed order turns that
// into an effect of the arm: an A/A run then finds the second arm worse.
// With the order random or balanced per round, each pair's rounds split
// into those where A ran first and those where B did; without an order
// effect the log ratio B/A does not depend on which (its distribution is
// the same in both groups), so the check tests that.

// orderPermutations is the number of relabellings the order check's
// permutation test draws (from a fixed seed: the check is reproducible);
// a p-value of 1/4001 is the smallest it states.
var orderPermutations = 4000

// OrderCheck is the order check over one set of pairs in one unit.
type OrderCheck struct {
	Scope string // "A/A" (the run's A/A pairs) or "all pairs"
	Unit  string
	// Fixed: the run's arms ran in the same order every round
	// (Meta.Order empty: runs older than the field), so order is one with
	// the arm and cannot be checked.
	Fixed bool
	// Strata are the (pair, cell) groups with rounds in both orders;
	// Rounds the rounds in them.
	Strata, Rounds int
	// Second is how much running later in the round (second of the
	// pair's two arms) changes the unit, in percent (positive: the arm
	// that ran later measured higher), pooled over
	// the strata: half the weighted mean difference of the log ratios
	// between the rounds where A ran first and those where B did.
	Second float64
	// P is the two-sided p-value of a permutation test of that
	// difference, relabelling which arm ran first within each stratum.
	P float64
}

// Tested reports whether the check had rounds in both orders to test.
func (o OrderCheck) Tested() bool { return !o.Fixed && o.Strata > 0 }

// Significant reports whether the order effect is significant at Alpha.
func (o OrderCheck) Significant() bool { return o.Tested() && o.P < Alpha }

// orderChecks fills a.Order: for the A/A pairs (when the run has any)
// and for all pairs, in throughput and p99 latency.
func (a *Analysis) orderChecks() {
	scopes := []struct {
		name string
		keep func(Pair) bool
	}{
		{"A/A", func(p Pair) bool { return p.Kind == "A/A" }},
		{"all pairs", func(Pair) bool { return true }},
	}
	hasAA := false
	for _, p := range a.Pairs {
		hasAA = hasAA || p.Kind == "A/A"
	}
	for _, sc := range scopes {
		if sc.name == "A/A" && !hasAA {
			continue
		}
		for _, unit := range []string{ThroughputUnit, "p99-ns"} {
			var strata []orderStratum
			any := false
			for i := range a.Comparisons {
				c := &a.Comparisons[i]
				if c.Unit != unit || !sc.keep(c.Pair) || c.Effect.Rounds == 0 {
					continue
				}
				any = true
				strata = append(strata, orderStratum{d: c.Effect.LogRatios, aFirst: c.Effect.AFirst})
			}
			if !any {
				continue
			}
			o := checkOrder(strata)
			o.Scope, o.Unit, o.Fixed = sc.name, unit, a.Run.Meta.Order == ""
			a.Order = append(a.Order, o)
		}
	}
}

type orderStratum struct {
	d      []float64
	aFirst []bool
}

// checkOrder is the stratified permutation test: the statistic is Σ w·Δ
// over the strata with rounds in both orders, Δ the mean log ratio where
// A ran first minus where B did, w = n₁n₂/(n₁+n₂) (each Δ weighted by its
// precision); the order labels are permuted within each stratum.
func checkOrder(strata []orderStratum) OrderCheck {
	var use []orderStratum
	o := OrderCheck{Second: math.NaN(), P: math.NaN()}
	for _, s := range strata {
		n1 := 0
		for _, f := range s.aFirst {
			if f {
				n1++
			}
		}
		if n1 == 0 || n1 == len(s.aFirst) {
			continue
		}
		use = append(use, s)
		o.Rounds += len(s.d)
	}
	o.Strata = len(use)
	if o.Strata == 0 {
		return o
	}
	stat := func(labels [][]bool) (t, wsum float64) {
		for i, s := range use {
			var m1, m2 float64
			var n1, n2 int
			for j, x := range s.d {
				if labels[i][j] {
					m1 += x
					n1++
				} else {
					m2 += x
					n2++
				}
			}
			w := float64(n1*n2) / float64(n1+n2)
			t += w * (m1/float64(n1) - m2/float64(n2))
			wsum += w
		}
		return t, wsum
	}
	labels := make([][]bool, len(use))
	for i, s := range use {
		labels[i] = append([]bool(nil), s.aFirst...)
	}
	t0, wsum := stat(labels)
	o.Second = pctOf(t0 / wsum / 2)
	rng := rand.New(rand.NewPCG(0x6f72646572, 1))
	hits := 0
	for range orderPermutations {
		for i := range labels {
			rng.Shuffle(len(labels[i]), func(x, y int) { labels[i][x], labels[i][y] = labels[i][y], labels[i][x] })
		}
		if t, _ := stat(labels); math.Abs(t) >= math.Abs(t0)-1e-12 {
			hits++
		}
	}
	o.P = float64(hits+1) / float64(orderPermutations+1)
	return o
}
