package usl

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
)

// Intervals are bootstrap percentile intervals of a fit's parameters:
// the trials are resampled with replacement within each concurrency
// level (each level keeps its count of trials), each resample refitted
// (from beside the fit's own solution; from every start when that fails)
// and the central Level share of the refits kept, whatever share of the
// resample's variance each refit explains. Peak's upper end is +Inf when more than the upper tail of the
// refits have no peak (κ = 0 or σ ≥ 1: the curve only flattens), and a
// peak beyond PeakReach × MaxN counts as none: the sweep cannot place it.
type Intervals struct {
	Level              float64
	Draws              int // refits that converged
	Failed             int // resamples whose refit did not
	SigmaLo, SigmaHi   float64
	KappaLo, KappaHi   float64
	PeakLo, PeakHi     float64
	LambdaLo, LambdaHi float64
	Replicated         bool // some level has more than one trial: the resampling moves anything
}

// BootstrapDraws is the number of resamples Bootstrap draws.
const BootstrapDraws = 200

// Bootstrap resamples pts (one point per trial) BootstrapDraws times from
// a fixed seed and returns the parameters' intervals at level (e.g.
// 0.95); false when f carries no parameters.
func Bootstrap(pts []Point, f Fit, level float64, seed uint64) (Intervals, bool) {
	if !f.OK() || f.start == nil {
		return Intervals{}, false
	}
	byN := map[float64][]float64{}
	var ns []float64
	for _, p := range pts {
		if _, ok := byN[p.N]; !ok {
			ns = append(ns, p.N)
		}
		byN[p.N] = append(byN[p.N], p.X)
	}
	sort.Float64s(ns)
	iv := Intervals{Level: level}
	for _, n := range ns {
		iv.Replicated = iv.Replicated || len(byN[n]) > 1
	}
	rng := rand.New(rand.NewPCG(seed, 0x75736c))
	// from both sides of the fit's solution (at it, the line search has
	// nowhere to go and fails) and from one of FitPoints' own starts
	start := [][2]float64{{f.start[0] * 1.2, f.start[1] * 0.8}, {f.start[0] * 0.8, f.start[1] * 1.25}, starts[4]}
	var sig, kap, lam, peak []float64
	for range BootstrapDraws {
		var re []Point
		for _, n := range ns {
			xs := byN[n]
			for range xs {
				re = append(re, Point{N: n, X: xs[rng.IntN(len(xs))]})
			}
		}
		g := fit(re, nil, start)
		if g.found == nil {
			g = fit(re, nil, starts) // every start, as FitPoints
		}
		if g.found == nil {
			iv.Failed++
			continue
		}
		m := *g.found
		sig, kap, lam = append(sig, m.Sigma), append(kap, m.Kappa), append(lam, m.Lambda)
		pk := math.Inf(1)
		if n, ok := m.Peak(); ok && n <= PeakReach*f.MaxN {
			pk = n
		}
		peak = append(peak, pk)
	}
	iv.Draws = len(sig)
	if iv.Draws == 0 {
		return iv, false
	}
	tail := (1 - level) / 2
	iv.SigmaLo, iv.SigmaHi = percentiles(sig, tail)
	iv.KappaLo, iv.KappaHi = percentiles(kap, tail)
	iv.LambdaLo, iv.LambdaHi = percentiles(lam, tail)
	iv.PeakLo, iv.PeakHi = percentiles(peak, tail)
	return iv, true
}

// percentiles are the tail and 1 − tail empirical quantiles of xs (the
// nearest order statistics outward).
func percentiles(xs []float64, tail float64) (lo, hi float64) {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	i := int(math.Floor(tail * float64(n)))
	j := int(math.Ceil((1-tail)*float64(n))) - 1
	i, j = min(max(i, 0), n-1), min(max(j, 0), n-1)
	return s[i], s[j]
}
