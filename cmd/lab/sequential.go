package main

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"

	"metricstream/harness/experiment"
	"metricstream/harness/results"
)

// The stop rule of lab compare -precision: after every round, for each
// chosen unit in each cell (scenario and step) both variants ran, the
// per-round log ratio B/A and its 95% interval; the run may stop when
// every interval's half-width is within the precision asked (the ratio
// known to within a factor 1 ± precision).
//
// Looking after every round needs intervals that hold at every look at
// once. This rule spends its 5% over the looks (Bonferroni: the look
// after round n, n >= 3, takes alpha/((n-2)(n-1)), and those sum to
// alpha over any number of looks), each a Student-t interval of the
// per-round log ratios: valid at every look whenever the t interval is
// valid at one (log ratios close to normal), and conservative. It is the
// measurement side's rule until the analysis's anytime-valid confidence
// sequence replaces it (sequentialRule is the one place to swap).
var sequentialRule = precisionRule

const seqAlpha = 0.05

// unitValue reads a unit of a trial for the paired comparison; ok is
// false where the trial has no such figure (a load unit of a capacity
// search, a censored capacity).
var unitValue = map[string]func(t *results.Trial) (float64, bool){
	"req/s": func(t *results.Trial) (float64, bool) { return t.Throughput, t.Kind == "" },
	"success-%": func(t *results.Trial) (float64, bool) {
		return t.SuccessPct, t.Kind == ""
	},
	"ns/op":    func(t *results.Trial) (float64, bool) { return t.Latency.Mean, t.Kind == "" },
	"p50-ns":   func(t *results.Trial) (float64, bool) { return float64(t.Latency.P50), t.Kind == "" },
	"p99-ns":   func(t *results.Trial) (float64, bool) { return float64(t.Latency.P99), t.Kind == "" },
	"p99.9-ns": func(t *results.Trial) (float64, bool) { return float64(t.Latency.P999), t.Kind == "" },
	"capacity-req/s": func(t *results.Trial) (float64, bool) {
		how, rps := t.Capacity.Censored()
		return rps, t.Capacity != nil && how == results.Exact
	},
}

// parseUnits checks a -units list.
func parseUnits(list string) ([]string, error) {
	var out []string
	for _, u := range strings.Split(list, ",") {
		u = strings.TrimSpace(u)
		if _, ok := unitValue[u]; !ok {
			known := slices.Sorted(maps.Keys(unitValue))
			return nil, fmt.Errorf("compare: -units: %q is not one of %s", u, strings.Join(known, ", "))
		}
		out = append(out, u)
	}
	return out, nil
}

// parsePrecision reads -precision: "3%" or "0.03".
func parsePrecision(s string) (float64, error) {
	pct := strings.HasSuffix(s, "%")
	v, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
	if pct {
		v /= 100
	}
	if err != nil || v <= 0 || v >= 1 || math.IsNaN(v) {
		return 0, fmt.Errorf("compare: -precision %q: want a share such as 3%% (0 < p < 100%%)", s)
	}
	return v, nil
}

// seqEffect is one cell and unit's paired effect so far.
type seqEffect struct {
	cell, unit string
	n          int
	est        float64 // the ratio B/A − 1
	lo, hi     float64 // its interval, same scale (NaN before 3 rounds)
	half       float64 // the interval's half-width on the log scale
}

// precisionRule stops when every cell's every unit is known within
// precision (see above); B and A are the run's two variants.
func precisionRule(precision float64, units []string) experiment.StopRule {
	return func(run *results.Run) (bool, string) {
		if len(run.Meta.Variants) != 2 {
			return false, "a precision compare needs two variants"
		}
		es := seqEffects(run, run.Meta.Variants[0].Label, run.Meta.Variants[1].Label, units)
		if len(es) == 0 {
			return false, "no cell has both variants' " + strings.Join(units, ", ") + " yet"
		}
		done := true
		var parts []string
		for _, e := range es {
			if e.n < 3 {
				done = false
				parts = append(parts, fmt.Sprintf("%s %s: %d rounds (an interval needs 3)", e.cell, e.unit, e.n))
				continue
			}
			within := math.Exp(e.half)-1 <= precision
			done = done && within
			parts = append(parts, fmt.Sprintf("%s %s %+.1f%% [%+.1f%%, %+.1f%%] ±%.1f%% after %d rounds", e.cell, e.unit, 100*e.est, 100*e.lo, 100*e.hi, 100*(math.Exp(e.half)-1), e.n))
		}
		return done, strings.Join(parts, "; ")
	}
}

// seqEffects pairs each cell's rounds (Trial.Trial) of variants a and b
// for each unit and gives the mean log ratio B/A with its interval at
// this look's level.
func seqEffects(run *results.Run, a, b string, units []string) []seqEffect {
	type key struct{ cell, unit string }
	type pair struct{ a, b float64 }
	rounds := map[key]map[int]*pair{}
	for i := range run.Trials {
		t := &run.Trials[i]
		if t.Variant != a && t.Variant != b {
			continue
		}
		cell := t.Scenario
		if t.Step != "" {
			cell += "/" + t.Step
		}
		for _, u := range units {
			v, ok := unitValue[u](t)
			if !ok || v <= 0 || math.IsNaN(v) {
				continue
			}
			k := key{cell, u}
			if rounds[k] == nil {
				rounds[k] = map[int]*pair{}
			}
			p := rounds[k][t.Trial]
			if p == nil {
				p = &pair{}
				rounds[k][t.Trial] = p
			}
			if t.Variant == a {
				p.a = v
			} else {
				p.b = v
			}
		}
	}
	var out []seqEffect
	for k, ps := range rounds {
		var logs []float64
		for _, p := range ps {
			if p.a > 0 && p.b > 0 {
				logs = append(logs, math.Log(p.b/p.a))
			}
		}
		if len(logs) == 0 {
			continue
		}
		e := seqEffect{cell: k.cell, unit: k.unit, n: len(logs), lo: math.NaN(), hi: math.NaN(), half: math.Inf(1)}
		m := stat.Mean(logs, nil)
		e.est = math.Exp(m) - 1
		if n := len(logs); n >= 3 {
			level := seqAlpha / float64((n-2)*(n-1))
			q := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(n - 1)}.Quantile(1 - level/2)
			e.half = q * stat.StdDev(logs, nil) / math.Sqrt(float64(n))
			e.lo, e.hi = math.Exp(m-e.half)-1, math.Exp(m+e.half)-1
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].cell != out[j].cell {
			return out[i].cell < out[j].cell
		}
		return out[i].unit < out[j].unit
	})
	return out
}
