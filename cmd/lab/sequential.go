package main

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"metricstream/harness/experiment"
	"metricstream/harness/report"
	"metricstream/harness/results"
)

// The stop rule of lab compare -precision: after every round, for each
// chosen unit in each cell (scenario and step) both variants ran, the
// effect of B against A from the paired rounds so far and its 95%
// anytime-valid confidence sequence (analysis.SequentialEffects: a
// normal-mixture boundary on the per-round log ratios, its 5% split over
// the cells and units, so that looking after every round does not raise
// the chance of an interval that misses; the calibration test in
// harness/analysis checks it). The run stops when every interval's
// half-width is within the precision asked.
func sequentialRule(precision float64, units []string) experiment.StopRule {
	return func(run *results.Run) (bool, string) {
		if len(run.Meta.Variants) != 2 {
			return false, "a precision compare needs two variants"
		}
		a, b := run.Meta.Variants[0].Label, run.Meta.Variants[1].Label
		return report.StopRule(a, b, units, 100*precision)(run)
	}
}

// seqUnits are the units a precision compare can ask for: each has a
// paired effect in the analysis.
var seqUnits = []string{"req/s", "success-%", "ns/op", "p50-ns", "p99-ns", "p99.9-ns", "capacity-req/s"}

// parseUnits checks a -units list.
func parseUnits(list string) ([]string, error) {
	var out []string
	for _, u := range strings.Split(list, ",") {
		u = strings.TrimSpace(u)
		if !slices.Contains(seqUnits, u) {
			return nil, fmt.Errorf("compare: -units: %q is not one of %s", u, strings.Join(seqUnits, ", "))
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
