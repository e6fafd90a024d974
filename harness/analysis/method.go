package analysis

import (
	"fmt"
	"math"
	"strconv"
)

// Method says how the numbers were obtained, for the page and the text.
func (a *Analysis) Method() string {
	return fmt.Sprintf("Medians with %.0f%% confidence intervals (benchmath, assuming nothing about the distribution; "+
		"an interval needs ≥ %d trials per cell). Comparisons: Mann-Whitney U test; p-values adjusted with Holm-Bonferroni "+
		"within each family of comparisons of one scenario step and one unit (the pairs one table compares; %d tested in all) and judged at α=%.2f (comparisons with fewer than %d trials on a side are shown but not tested). "+
		"Delta is the change of the median, new vs old; better/worse follows the unit: success-%% and req/s higher is better, ns/op and *-ns lower is better.",
		Confidence*100, MinTrials, a.Tested, Alpha, MinTrials)
}

// minUTestP is the smallest two-sided p-value the Mann-Whitney U test can
// give for samples of n1 and n2 distinct values: 2 / C(n1+n2, n1).
func minUTestP(n1, n2 int) float64 {
	c := 1.0
	for i := 1; i <= n1; i++ {
		c = c * float64(n2+i) / float64(i)
	}
	return math.Min(1, 2/c)
}

// Power warns when the trial count leaves the corrected test little
// chance: the smallest p a cell can reach against the first Holm threshold
// α/m.
func (a *Analysis) Power() string {
	if a.Tested == 0 {
		return ""
	}
	n := 0
	for _, c := range a.Comparisons {
		if c.Tested && (n == 0 || min(c.N1, c.N2) < n) {
			n = min(c.N1, c.N2)
		}
	}
	minP := minUTestP(n, n)
	first := Alpha / float64(a.Family)
	if minP <= first {
		return ""
	}
	return fmt.Sprintf("With %d trials per variant the smallest p-value the U test can give is %s, above %s (α/%d, the first Holm threshold): "+
		"such cells reach significance only when many other comparisons do. %d trials per cell allow p down to %s.",
		n, g2(minP), g2(first), a.Family, 10, g2(minUTestP(10, 10)))
}

func g2(p float64) string { return strconv.FormatFloat(p, 'g', 2, 64) }
