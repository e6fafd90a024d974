package analysis

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/perf/benchmath"
)

// ScalingRow is one variant's scaling with the cores its server was pinned
// to (lab experiment -cpus): for one scenario and step, the median of Unit
// (capacity-req/s where the trials searched a capacity, else req/s) at each
// core count, and the ratio of the last to the first.
type ScalingRow struct {
	Scenario, Step, Variant, Unit string
	CPUs                          []int
	Medians                       []float64
	// Ratio is Medians[last] / Medians[0] (NaN when either is missing or
	// the first is 0); Significant says whether the comparison of the two
	// samples rejects "no difference" (Mann-Whitney U, unadjusted p < Alpha,
	// with at least MinTrials trials each).
	Ratio       float64
	P           float64
	Significant bool
}

// cpusOf splits a step "cpus=2/rate=4000" into 2 and "rate=4000".
func cpusOf(step string) (int, string, bool) {
	head, rest, _ := strings.Cut(step, "/")
	k, v, ok := strings.Cut(head, "=")
	if !ok || k != "cpus" {
		return 0, step, false
	}
	n, err := strconv.Atoi(v)
	return n, rest, err == nil
}

// Scaling lists every variant's scaling with cores, for each scenario step
// the run measured at two or more core counts (empty without -cpus).
func (a *Analysis) Scaling() []ScalingRow {
	type key struct{ scenario, step string }
	var keys []key
	counts := map[key][]int{}
	cellOfN := map[key]map[int]Cell{}
	for _, c := range a.ix.cells {
		n, rest, ok := cpusOf(c.Step)
		if !ok {
			continue
		}
		k := key{c.Scenario, rest}
		if _, seen := counts[k]; !seen {
			keys = append(keys, k)
			cellOfN[k] = map[int]Cell{}
		}
		if !slices.Contains(counts[k], n) {
			counts[k] = append(counts[k], n)
		}
		cellOfN[k][n] = c
	}
	var out []ScalingRow
	for _, k := range keys {
		ns := counts[k]
		if len(ns) < 2 {
			continue
		}
		slices.Sort(ns)
		for _, v := range a.ix.variants {
			unit := "req/s"
			if a.Sample(cellOfN[k][ns[0]], v, CapacityUnit) != nil {
				unit = CapacityUnit
			}
			r := ScalingRow{Scenario: k.scenario, Step: k.step, Variant: v, Unit: unit, CPUs: ns, Ratio: nanValue(), P: nanValue()}
			have := 0
			for _, n := range ns {
				m, ok := a.Center(cellOfN[k][n], v, unit)
				if ok {
					have++
				}
				r.Medians = append(r.Medians, m)
			}
			if have == 0 {
				continue
			}
			first, last := r.Medians[0], r.Medians[len(r.Medians)-1]
			if first > 0 && last == last {
				r.Ratio = last / first
			}
			so, sn := a.Sample(cellOfN[k][ns[0]], v, unit), a.Sample(cellOfN[k][ns[len(ns)-1]], v, unit)
			if so != nil && sn != nil {
				r.P = compareP(so, sn)
				r.Significant = len(so.Values) >= MinTrials && len(sn.Values) >= MinTrials && r.P < Alpha
			}
			out = append(out, r)
		}
	}
	return out
}

func nanValue() float64 { return math.NaN() }

// compareP is the Mann-Whitney U p-value of two samples (benchmath).
func compareP(old, new *Sample) float64 {
	return benchmath.AssumeNothing.Compare(old.bm, new.bm).P
}
