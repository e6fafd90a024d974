package peers

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// Level is the confidence level of every interval the peers report.
const Level = 0.95

// Ratio is a paired ratio over rounds: each round contributes A/B from the
// two figures measured in that round, and the estimate is their geometric
// mean with a Student t interval on the log ratios (mean of ln(A/B) ±
// t(0.975, n−1)·s/√n, exponentiated). Log ratios make the interval
// symmetric in A/B and B/A; pairing within a round takes out the drift a
// shared machine puts into both figures alike.
type Ratio struct {
	N      int       // rounds where both sides passed
	Est    float64   // geometric mean of the per-round ratios
	Lo, Hi float64   // the 95% interval; NaN when N < 2
	Rounds []float64 // the per-round ratios, in round order
	// Why says why there is no figure (N == 0) or no interval (N == 1).
	Why string
}

// NewRatio computes a Ratio from per-round ratios (non-positive or
// non-finite ones are a caller's bug and panic: a ratio comes only from
// passing runs with figures).
func NewRatio(rs []float64) Ratio {
	r := Ratio{N: len(rs), Rounds: rs, Est: math.NaN(), Lo: math.NaN(), Hi: math.NaN()}
	if r.N == 0 {
		r.Why = "no round with both sides passing"
		return r
	}
	logs := make([]float64, len(rs))
	for i, v := range rs {
		if !(v > 0) || math.IsInf(v, 0) {
			panic(fmt.Sprintf("peers: ratio %v in round %d", v, i))
		}
		logs[i] = math.Log(v)
	}
	mean := stat.Mean(logs, nil)
	r.Est = math.Exp(mean)
	if r.N < 2 {
		r.Why = "one round: no interval"
		return r
	}
	se := stat.StdDev(logs, nil) / math.Sqrt(float64(r.N))
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(r.N - 1)}.Quantile(1 - (1-Level)/2)
	r.Lo, r.Hi = math.Exp(mean-t*se), math.Exp(mean+t*se)
	return r
}

// HasInterval reports whether the ratio has a 95% interval.
func (r Ratio) HasInterval() bool { return r.N >= 2 && !math.IsNaN(r.Lo) }

// AtLeast reports whether the whole interval lies at or above x: the
// ratio meets a target x with its lower end included.
func (r Ratio) AtLeast(x float64) bool { return r.HasInterval() && r.Lo >= x }

// String is "0.93× [0.88, 0.98] n=6", or the reason there is none.
func (r Ratio) String() string {
	switch {
	case r.N == 0:
		return "no ratio: " + r.Why
	case !r.HasInterval():
		return fmt.Sprintf("%.2f× (n=%d: %s)", r.Est, r.N, r.Why)
	}
	return fmt.Sprintf("%.2f× [%.2f, %.2f] n=%d", r.Est, r.Lo, r.Hi, r.N)
}

// median of vs (NaN for none); vs is not modified.
func median(vs []float64) float64 {
	if len(vs) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), vs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
