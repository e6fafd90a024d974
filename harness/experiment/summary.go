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

// cellKey is one summary cell.
type cellKey struct {
	sc, step, v string
	durability  bool // a shutdown/crash cell: its steps are fsync policies, not loads
}

// Summarize writes one row per (scenario, step, variant): medians over the
// trials of success rate, p99 and throughput, and how many trials met every
// SLO; then, for stepped scenarios, each variant's knee (the highest step
// whose trials met the SLO in a majority); then the failed variants.
func Summarize(w io.Writer, run *results.Run) error {
	var order []cellKey
	cells := map[cellKey][]*results.Trial{}
	for i := range run.Trials {
		t := &run.Trials[i]
		k := cellKey{t.Scenario, t.Step, t.Variant, t.Kind != ""}
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
	writeReplicas(w, order, cells)
	for _, c := range run.Checks {
		if c.Failed != "" {
			fmt.Fprintf(w, "FAILED %s (not measured): %s\n", c.Variant, c.Failed)
		}
	}
	return nil
}

// writeReplicas prints, for replica scenarios, what each variant's fleet
// admitted per client per second (median over the trials), and that rate
// as a multiple of the per-client limit each replica enforces: about the
// number of replicas for a limit kept per replica (the overshoot), 1× for
// one shared by the fleet.
func writeReplicas(w io.Writer, order []cellKey, cells map[cellKey][]*results.Trial) {
	var lines []string
	line, cur := "", ""
	for _, k := range order {
		ts := cells[k]
		t0 := ts[0]
		if t0.Replicas <= 1 || t0.Clients <= 0 {
			continue
		}
		var per []float64
		for _, t := range ts {
			per = append(per, t.Throughput/float64(t.Clients))
		}
		cell := k.sc
		if k.step != "" {
			cell += " " + k.step
		}
		if cell != cur {
			if line != "" {
				lines = append(lines, line)
			}
			cur = cell
			line = fmt.Sprintf("  %s, %d replicas", cell, t0.Replicas)
			if t0.RateLimit > 0 {
				line += fmt.Sprintf(" × %d/s per client", t0.RateLimit)
			}
			line += ":"
		} else {
			line += " ·"
		}
		m := median(per)
		line += fmt.Sprintf(" %s %.1f/s", k.v, m)
		if t0.RateLimit > 0 {
			line += fmt.Sprintf(" (%.2f×)", m/float64(t0.RateLimit))
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	if len(lines) > 0 {
		fmt.Fprintln(w, "Replicas (admitted 2xx per client per second over the fleet, median; × the per-replica rate limit):")
		fmt.Fprintln(w, strings.Join(lines, "\n"))
	}
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
