package analysis

import "math"

// Resolution is what the run's rounds can resolve under its family: the
// fewest rounds any tested comparison had, the smallest two-sided p the
// exact signed-rank test can give with them, the threshold a primary (or,
// without primaries, any) hypothesis must reach first, and the fewest
// rounds that reach it. The report states it beside the method.
type Resolution struct {
	Rounds    int     // fewest rounds of a tested comparison
	MinP      float64 // 2/2^Rounds
	Threshold float64 // α·w of the family's heaviest hypothesis
	Needed    int     // fewest rounds with MinP ≤ Threshold
}

// Reachable reports whether the fewest rounds can reach the threshold.
func (r Resolution) Reachable() bool { return r.MinP <= r.Threshold }

// Resolution is the run's, or false when it tested nothing.
func (a *Analysis) Resolution() (Resolution, bool) {
	if a.Plan.Size == 0 {
		return Resolution{}, false
	}
	n := 0
	for _, c := range a.Comparisons {
		if c.Tested && (n == 0 || c.Effect.Rounds < n) {
			n = c.Effect.Rounds
		}
	}
	thr := Alpha * math.Max(a.Plan.PrimaryW, a.Plan.OtherW)
	return Resolution{Rounds: n, MinP: minSignedRankP(n), Threshold: thr, Needed: RoundsFor(thr)}, true
}
