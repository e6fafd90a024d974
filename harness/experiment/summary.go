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
	writeFaults(w, order, cells)
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

// writeFaults prints the RELIABILITY.md criteria of fault cells. Slowloris:
// attackers closed within header timeout + 1 s (summed over the trials) and
// the slowest close, then the honest p99 (median over trials) beside the
// same variant's slowloris=0 p99, as a ratio held to 2×. Overload: the
// measured capacity C, the offered and achieved rates (and the share sent
// late: their latency from the intended time includes the generator's own
// backlog), the 503 share, the 2xx p99, the recovery (last 503 after the
// overload, held to 2 s) and the acknowledged metrics lost.
func writeFaults(w io.Writer, order []cellKey, cells map[cellKey][]*results.Trial) {
	unloaded := map[[2]string]float64{} // (scenario, variant) -> median p99 at slowloris=0
	for _, k := range order {
		if ts := cells[k]; ts[0].Kind == "slowloris" && k.step == "slowloris=0" {
			unloaded[[2]string{k.sc, k.v}] = median(p99s(ts))
		}
	}
	verdict := func(ok bool) string {
		if ok {
			return "ok"
		}
		return "FAIL"
	}
	var lines []string
	for _, k := range order {
		ts := cells[k]
		switch ts[0].Kind {
		case "slowloris":
			if k.step == "slowloris=0" {
				continue
			}
			var asked, conn, inTime int
			var slowest, ht int64
			for _, t := range ts {
				if f := t.Fault; f != nil {
					asked += f.Attackers
					conn += f.Connected
					inTime += f.ClosedInTime
					slowest = max(slowest, f.SlowestCloseNS)
					ht = f.HeaderTimeoutNS
				}
			}
			limit := float64(ht) + 1e9
			l := fmt.Sprintf("  %s %s %s: closed within %s+1s %d/%d connected (%d asked, %d trials), slowest %s: %s",
				k.sc, k.step, k.v, fmtNS(float64(ht)), inTime, conn, asked, len(ts), fmtNS(float64(slowest)), verdict(inTime == conn && conn == asked && float64(slowest) <= limit))
			p99 := median(p99s(ts))
			if base, ok := unloaded[[2]string{k.sc, k.v}]; ok && base > 0 {
				l += fmt.Sprintf("; honest p99 %s vs %s unloaded = %.2f× (≤ 2×): %s", fmtNS(p99), fmtNS(base), p99/base, verdict(p99 <= 2*base))
			} else {
				l += fmt.Sprintf("; honest p99 %s (no slowloris=0 step to compare)", fmtNS(p99))
			}
			lines = append(lines, l)
		case "overload":
			var capa, offered, achieved, share, late, p99 []float64
			var recovery, lost int64
			all503 := true
			for _, t := range ts {
				if n := t.Counts.Total(); n > 0 {
					share = append(share, 100*float64(t.Counts.Status503)/float64(n))
					late = append(late, 100*float64(t.Counts.Late)/float64(n))
				}
				all503 = all503 && t.Counts.Status503 > 0
				p99 = append(p99, float64(t.Latency.P99))
				offered = append(offered, t.OfferedRate)
				lost = max(lost, t.Lost)
				if f := t.Fault; f != nil {
					capa = append(capa, f.CapacityRPS)
					achieved = append(achieved, f.AchievedRPS)
					recovery = max(recovery, f.RecoveryNS)
				}
			}
			lines = append(lines, fmt.Sprintf("  %s %s: capacity %.0f/s, offered %.0f/s, achieved %.0f/s (late %.0f%%: the generator fell behind its schedule; 2xx latency is timed from each actual send); 503 share %.1f%% (503s in every trial: %s); 2xx p99 %s; recovery %s (≤ 2s): %s; lost %d: %s",
				k.sc, k.v, median(capa), median(offered), median(achieved), median(late), median(share), map[bool]string{true: "yes", false: "no"}[all503], fmtNS(median(p99)),
				fmtNS(float64(recovery)), verdict(recovery <= 2e9), lost, verdict(lost == 0)))
		}
	}
	if len(lines) > 0 {
		fmt.Fprintln(w, "Faults (RELIABILITY.md criteria; medians over trials, worst case for closes, recovery and loss):")
		fmt.Fprintln(w, strings.Join(lines, "\n"))
	}
}

func p99s(ts []*results.Trial) []float64 {
	var out []float64
	for _, t := range ts {
		out = append(out, float64(t.Latency.P99))
	}
	return out
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
