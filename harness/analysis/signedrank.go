package analysis

import (
	"math"
	"slices"
	"sync"

	"gonum.org/v1/gonum/stat/distuv"
)

// The paired comparison's statistics: Wilcoxon's signed-rank test of the
// per-round log ratios, the Hodges-Lehmann estimate (the median of the
// Walsh averages) and its distribution-free interval (Tukey's: order
// statistics of the Walsh averages at the signed-rank test's critical
// value). They assume only that, with no effect, each round's log ratio is
// as likely to be positive as negative (symmetric about 0): the rounds'
// random or balanced order makes "ran first" a coin flip, and a drift of
// the machine between rounds moves both arms of a round together.

// exactMaxN is the most nonzero differences whose signed-rank null
// distribution is computed exactly; beyond it the normal approximation
// (with the tie correction) is within a fraction of a percent.
const exactMaxN = 100

// signedRankDist is the exact null distribution of twice the signed-rank
// statistic W+ (the sum of the ranks of the positive differences; doubled
// so midranks of ties are integers): P(2W+ = s) for s = 0 … 2·Σranks.
func signedRankDist(ranks2 []int) []float64 {
	total := 0
	for _, r := range ranks2 {
		total += r
	}
	p := make([]float64, total+1)
	p[0] = 1
	hi := 0
	for _, r := range ranks2 {
		// each rank is positive with probability 1/2, independently
		for s := hi; s >= 0; s-- {
			if p[s] == 0 {
				continue
			}
			p[s+r] += p[s] / 2
			p[s] /= 2
		}
		hi += r
	}
	return p
}

// untied caches the null distribution of 2W+ for n untied ranks (the
// interval's, and the test's without ties), by n.
var untied struct {
	sync.Mutex
	dist map[int][]float64
}

// untiedDist is signedRankDist of the ranks 1 … n.
func untiedDist(n int) []float64 {
	untied.Lock()
	defer untied.Unlock()
	if d, ok := untied.dist[n]; ok {
		return d
	}
	ranks2 := make([]int, n)
	for i := range ranks2 {
		ranks2[i] = 2 * (i + 1)
	}
	if untied.dist == nil {
		untied.dist = map[int][]float64{}
	}
	d := signedRankDist(ranks2)
	untied.dist[n] = d
	return d
}

// signedRankTest is Wilcoxon's two-sided signed-rank test of d against a
// center of 0: zero differences are dropped (Wilcoxon's convention), ties
// get midranks. It returns the p-value and the number of nonzero
// differences; p is 1 when none is nonzero.
func signedRankTest(d []float64) (p float64, n int) {
	var abs []float64
	var pos []bool
	for _, x := range d {
		if x != 0 && !math.IsNaN(x) {
			abs, pos = append(abs, math.Abs(x)), append(pos, x > 0)
		}
	}
	n = len(abs)
	if n == 0 {
		return 1, 0
	}
	ranks2 := midranks2(abs)
	w2 := 0 // 2W+
	for i, r := range ranks2 {
		if pos[i] {
			w2 += r
		}
	}
	if n <= exactMaxN {
		ties := false
		seen := make(map[int]bool, n)
		for _, r := range ranks2 {
			ties = ties || seen[r]
			seen[r] = true
		}
		var dist []float64
		if ties {
			dist = signedRankDist(ranks2)
		} else {
			dist = untiedDist(n)
		}
		var lo, hi float64 // P(2W+ ≤ w2), P(2W+ ≥ w2)
		for s, q := range dist {
			if s <= w2 {
				lo += q
			}
			if s >= w2 {
				hi += q
			}
		}
		return math.Min(1, 2*math.Min(lo, hi)), n
	}
	// normal approximation with the tie correction and a continuity
	// correction of 1/2 on W+
	var varSum float64
	for _, r := range ranks2 {
		varSum += float64(r) * float64(r) / 4
	}
	mean := 0.0
	for _, r := range ranks2 {
		mean += float64(r) / 4
	}
	sd := math.Sqrt(varSum / 4)
	w := float64(w2) / 2
	z := (math.Abs(w-mean) - 0.5) / sd
	if z < 0 {
		z = 0
	}
	return math.Min(1, 2*distuv.UnitNormal.Survival(z)), n
}

// midranks2 are twice the ranks of xs (ascending; ties share the mean of
// their ranks), so that every midrank is an integer.
func midranks2(xs []float64) []int {
	idx := make([]int, len(xs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		switch {
		case xs[a] < xs[b]:
			return -1
		case xs[a] > xs[b]:
			return 1
		}
		return 0
	})
	r := make([]int, len(xs))
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && xs[idx[j]] == xs[idx[i]] {
			j++
		}
		// ranks i+1 … j share (i+1+j)/2; doubled: i+1+j
		for k := i; k < j; k++ {
			r[idx[k]] = i + 1 + j
		}
		i = j
	}
	return r
}

// walsh are the Walsh averages (d[i]+d[j])/2, i ≤ j, sorted.
func walsh(d []float64) []float64 {
	out := make([]float64, 0, len(d)*(len(d)+1)/2)
	for i := range d {
		for j := i; j < len(d); j++ {
			out = append(out, (d[i]+d[j])/2)
		}
	}
	slices.Sort(out)
	return out
}

// hodgesLehmann is the median of the Walsh averages of d: the estimate of
// the center of a symmetric distribution that goes with the signed-rank
// test (its breakdown point is 29%: one wild round moves it little).
func hodgesLehmann(d []float64) float64 {
	if len(d) == 0 {
		return math.NaN()
	}
	return Median(walsh(d))
}

// signedRankCI is the distribution-free interval for the center of d at
// confidence at least level: [W(c), W(M+1−c)] of the M sorted Walsh
// averages, c the largest count with P(W+ ≤ c−1) ≤ (1−level)/2 under the
// exact null distribution of n untied ranks (the normal approximation
// beyond exactMaxN). It returns the interval and its actual confidence
// (≥ level; 1 − 2/2ⁿ when c is 1), or ±Inf and 0 when n rounds cannot give
// one: with n = 5 the smallest two-sided tail is 2/32 > 5%.
func signedRankCI(d []float64, level float64) (lo, hi, conf float64) {
	n := len(d)
	if n == 0 {
		return math.Inf(-1), math.Inf(1), 0
	}
	tail := (1 - level) / 2
	ws := walsh(d)
	m := len(ws)
	var c int
	var cdf float64 // P(W+ ≤ c−1)
	if n <= exactMaxN {
		dist := untiedDist(n) // of 2W+: only even entries are nonzero
		acc := 0.0
		for k := 0; 2*k < len(dist); k++ {
			if acc+dist[2*k] > tail {
				break
			}
			acc += dist[2*k]
			c = k + 1
			cdf = acc
		}
	} else {
		mean := float64(m) / 2
		sd := math.Sqrt(float64(n) * float64(n+1) * float64(2*n+1) / 24)
		z := distuv.UnitNormal.Quantile(1 - tail)
		c = int(math.Floor(mean - z*sd))
		cdf = distuv.UnitNormal.CDF((float64(c) - 0.5 - mean) / sd)
	}
	if c < 1 {
		return math.Inf(-1), math.Inf(1), 0
	}
	return ws[c-1], ws[m-c], 1 - 2*cdf
}

// minSignedRankP is the smallest two-sided p the exact signed-rank test can
// give with n nonzero differences: 2/2ⁿ.
func minSignedRankP(n int) float64 {
	return math.Min(1, 2*math.Pow(2, -float64(n)))
}

// minDetectable is the smallest shift of the center (in the units of d)
// that the signed-rank test at two-sided level a detects with probability
// power, from the spread sd of n paired differences: the t-based sample
// size formula, with n scaled by the signed-rank test's efficiency against
// the t test for normal data (3/π). +Inf when the exact test cannot reach
// a with n differences at all (2/2ⁿ > a), whatever the effect.
func minDetectable(sd float64, n int, a, power float64) float64 {
	if n < 2 || minSignedRankP(n) > a || math.IsNaN(sd) {
		return math.Inf(1)
	}
	df := float64(n - 1)
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}
	return (t.Quantile(1-a/2) + t.Quantile(power)) * sd / math.Sqrt(float64(n)*3/math.Pi)
}
