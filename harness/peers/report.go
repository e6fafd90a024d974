package peers

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
)

// Print writes the analysis: per mode the medians of every arm (req/s,
// p99, server CPU per request, its share of a core, the tool's CPU per
// request), the ceiling and optimized against it and against fasthttp,
// where the gap goes, the other ratios, and the generator against wrk.
// Every ratio is paired by round with its 95% interval.
func Print(w io.Writer, res *Results, a *Analysis) {
	m := res.Meta
	fmt.Fprintf(w, "Medians over the runs that passed the gates: %d connections, %d client ids, limiter on at %d/s per client, %d rounds of %.0f s, arms in a random order per round (seed %d); %s; load average %s at the start, %s at the end.\n",
		m.Conns, m.Clients, m.Quota, m.Rounds, m.SecsPer, m.OrderSeed, m.Pinning, m.LoadStart, m.LoadEnd)
	fmt.Fprintln(w, "CPU per request is the target's own (utime + stime, /proc/PID/stat) over the run divided by the requests the tool counted; \"core\" is that CPU over the run's wall time.")
	fmt.Fprintln(w, "Ratios are paired: per round, the two figures measured in that round; estimate = geometric mean, [95% interval] = Student t on the log ratios over the rounds.")
	fmt.Fprintln(w, "A ratio \"by CPU\" is the inverse ratio of CPU per request (the throughput ratio two CPU-bound servers would show on one core).")
	for _, mode := range Modes {
		fmt.Fprintf(w, "\n== %s ==\n", modeTitle(mode))
		fmt.Fprintf(w, "  %-24s %11s %10s %14s %6s %12s %7s\n", "target/tool", "req/s", "p99", "server CPU/req", "core", "tool CPU/req", "passed")
		for _, c := range a.Cells {
			if c.Mode != mode {
				continue
			}
			fmt.Fprintf(w, "  %-24s %11s %10s %14s %6s %12s %3d/%-3d", c.Target+"/"+c.Tool, num(c.ReqPerS, "%.0f"),
				dur(c.P99NS), dur(c.CPUPerReq), pct(c.Busy), dur(c.ToolCPU), c.Passed, c.Runs)
			if c.Target == Optimized || c.Target == OptimizedSync {
				fmt.Fprintf(w, "  recorder dropped ≤ %d; data file writes/req %s", c.MaxDropped, num(c.FileWrites, "%.2f"))
			}
			if len(c.Excluded) > 0 {
				fmt.Fprintf(w, "  excluded: %s", strings.Join(c.Excluded, "; "))
			}
			fmt.Fprintln(w)
		}
		for _, c := range a.Ceilings {
			if c.Mode == mode {
				printCeiling(w, c)
			}
		}
		fmt.Fprintln(w, "  optimized against the other servers (wrk):")
		for _, r := range a.Ratios {
			if r.Mode == mode {
				printRatio(w, r)
			}
		}
		fmt.Fprintln(w, "  the lab's generator (loadtest) against wrk on the same target:")
		for _, r := range a.Generator {
			if r.Mode == mode {
				printRatio(w, r)
			}
		}
	}
}

func printCeiling(w io.Writer, c Ceiling) {
	if c.Why != "" {
		fmt.Fprintf(w, "  ceiling: none (%s)\n", c.Why)
		return
	}
	var parts []string
	for _, s := range c.Stages {
		parts = append(parts, fmt.Sprintf("%s %s", s.Name, dur(s.NS)))
	}
	fmt.Fprintf(w, "  ceiling (cost model, %d rounds): fasthttp-noop %s/req + the work optimized adds %s/req (%s; write at %s data file writes/req) = %s/req → %s req/s on one core\n",
		c.Rounds, dur(c.FastCPU), dur(Total(c.Stages)), strings.Join(parts, ", "), num(c.WritesPer, "%.2f"), dur(c.CPU), num(c.OneCore, "%.0f"))
	for _, r := range c.VsCeiling {
		printRatio(w, r)
	}
	for _, r := range c.VsFastHTTP {
		printRatio(w, r)
	}
	if c.GapNS <= 0 {
		fmt.Fprintf(w, "  gap: optimized costs %s/req, no more CPU than fasthttp-noop (%s)\n", dur(c.OptCPU), dur(c.FastCPU))
		return
	}
	var gp []string
	for _, s := range c.Gap {
		gp = append(gp, fmt.Sprintf("%s %s (%.0f%%)", s.Name, dur(s.NS), 100*s.NS/c.GapNS))
	}
	fmt.Fprintf(w, "  gap to fasthttp-noop: %s/req (optimized %s − fasthttp %s) = %s\n", dur(c.GapNS), dur(c.OptCPU), dur(c.FastCPU), strings.Join(gp, " + "))
}

func printRatio(w io.Writer, r NamedRatio) {
	by := "by req/s"
	if r.Unit == "CPU" {
		by = "by CPU  "
	}
	line := fmt.Sprintf("    %-34s %s  %s", r.Name, by, r.Ratio.String())
	if met := r.Met(); met != "" {
		line += "   " + met
	}
	fmt.Fprintln(w, line)
}

func modeTitle(m string) string {
	if m == Close {
		return "a new connection per request"
	}
	return "keep-alive"
}

// dur renders ns as a duration with 3 significant digits.
func dur(ns float64) string {
	switch {
	case math.IsNaN(ns):
		return "—"
	case math.Abs(ns) >= 1e6:
		return fmt.Sprintf("%.3g ms", ns/1e6)
	case math.Abs(ns) >= 1e3:
		return fmt.Sprintf("%.3g µs", ns/1e3)
	}
	return fmt.Sprintf("%.3g ns", ns)
}

func pct(x float64) string {
	if math.IsNaN(x) {
		return "—"
	}
	return fmt.Sprintf("%.0f%%", 100*x)
}

func num(x float64, format string) string {
	if math.IsNaN(x) {
		return "—"
	}
	return fmt.Sprintf(format, x)
}

func sortedKeys(m map[string]float64) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
