package experiment

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"metricstream/harness/results"
)

// Summarize writes one row per (scenario, step, variant): medians over the
// trials of success rate, p99 and throughput, and how many trials met every
// SLO; then, for stepped scenarios, each variant's knee (the highest step
// whose trials met the SLO in a majority); then the failed variants.
func Summarize(w io.Writer, run *results.Run) error {
	type key struct {
		sc, step, v string
		durability  bool // a shutdown/crash cell: its steps are fsync policies, not loads
	}
	var order []key
	cells := map[key][]*results.Trial{}
	for i := range run.Trials {
		t := &run.Trials[i]
		k := key{t.Scenario, t.Step, t.Variant, t.Kind != ""}
		if _, ok := cells[k]; !ok {
			order = append(order, k)
		}
		cells[k] = append(cells[k], t)
	}
	sort.SliceStable(order, func(i, j int) bool {
		if order[i].sc != order[j].sc {
			return indexOf(run.Meta.Scenarios, order[i].sc) < indexOf(run.Meta.Scenarios, order[j].sc)
		}
		return false
	})
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SCENARIO\tSTEP\tVARIANT\tTRIALS\tSUCCESS\tP99\tREQ/S\tSLO MET\tLOST (max)")
	knee := map[[2]string]string{} // (scenario, variant) -> highest passing step
	for _, k := range order {
		ts := cells[k]
		var succ, p99, rps []float64
		pass := 0
		lost := "-" // durability cells: the most acknowledged metrics one trial lost
		if k.durability {
			var most int64
			for _, t := range ts {
				most = max(most, t.Lost)
			}
			lost = strconv.FormatInt(most, 10)
		}
		for _, t := range ts {
			succ = append(succ, t.SuccessPct)
			p99 = append(p99, float64(t.Latency.P99))
			rps = append(rps, t.Throughput)
			if allPass(t.SLO) {
				pass++
			}
		}
		step := k.step
		if step == "" {
			step = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%.2f%%\t%s\t%.0f\t%d/%d\t%s\n", k.sc, step, k.v, len(ts), median(succ), fmtNS(median(p99)), median(rps), pass, len(ts), lost)
		if k.step != "" && !k.durability && 2*pass > len(ts) {
			knee[[2]string{k.sc, k.v}] = k.step
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var kneeLines []string
	for _, k := range order {
		if k.step == "" || k.durability {
			continue
		}
		id := [2]string{k.sc, k.v}
		line := fmt.Sprintf("  %s %s: ", k.sc, k.v)
		if s, ok := knee[id]; ok {
			line += s
		} else {
			line += "no step met the SLO"
		}
		if !contains(kneeLines, line) {
			kneeLines = append(kneeLines, line)
		}
	}
	if len(kneeLines) > 0 {
		fmt.Fprintln(w, "Knee (highest step whose trials met every SLO, in a majority):")
		fmt.Fprintln(w, strings.Join(kneeLines, "\n"))
	}
	for _, c := range run.Checks {
		if c.Failed != "" {
			fmt.Fprintf(w, "FAILED %s (not measured): %s\n", c.Variant, c.Failed)
		}
	}
	return nil
}

func allPass(rs []results.SLOResult) bool {
	for _, r := range rs {
		if !r.Pass {
			return false
		}
	}
	return true
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	} else {
		return (s[n/2-1] + s[n/2]) / 2
	}
}

func fmtNS(ns float64) string {
	switch {
	case ns >= 1e9:
		return strconv.FormatFloat(ns/1e9, 'g', 3, 64) + "s"
	case ns >= 1e6:
		return strconv.FormatFloat(ns/1e6, 'g', 3, 64) + "ms"
	case ns >= 1e3:
		return strconv.FormatFloat(ns/1e3, 'g', 3, 64) + "µs"
	}
	return strconv.FormatFloat(ns, 'f', 0, 64) + "ns"
}

func indexOf(xs []string, x string) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return len(xs)
}

func contains(xs []string, x string) bool { return indexOf(xs, x) < len(xs) }
