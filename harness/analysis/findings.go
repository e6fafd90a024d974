package analysis

import (
	"fmt"

	"metricstream/harness/results"
)

// replicas fills Replicas: for each replica cell, what each variant's
// fleet admitted per client per second (median over the trials), and that
// rate as a multiple of the per-client limit each replica enforces: about
// the number of replicas for a limit kept per replica (the overshoot), 1×
// for one shared by the fleet.
func (a *Analysis) replicas() {
	for _, c := range a.ix.cells {
		line := ""
		for _, v := range a.ix.variants {
			ts := a.ix.byCell[c][v]
			if len(ts) == 0 || ts[0].Replicas <= 1 || ts[0].Clients <= 0 {
				continue
			}
			t0 := ts[0]
			if line == "" {
				line = fmt.Sprintf("%s, %d replicas", c, t0.Replicas)
				if t0.RateLimit > 0 {
					line += fmt.Sprintf(" × %d/s per client", t0.RateLimit)
				}
				line += ":"
			} else {
				line += " ·"
			}
			m := MedianOf(ts, func(t *results.Trial) float64 { return t.Throughput / float64(t.Clients) })
			line += fmt.Sprintf(" %s %.1f/s", v, m)
			if t0.RateLimit > 0 {
				line += fmt.Sprintf(" (%.2f×)", m/float64(t0.RateLimit))
			}
		}
		if line != "" {
			a.Replicas = append(a.Replicas, line)
		}
	}
}

func okText(ok bool) string {
	if ok {
		return "ok"
	}
	return "FAIL"
}

// finding is a kind's summary row: the line of variant v's trials ts in
// cell c, or "" for none.
type finding func(a *Analysis, c Cell, v string, ts []*results.Trial) string

// findings holds each scenario kind's summary row (Trial.Kind); a new kind
// with a verdict of its own adds its entry here.
var findings = map[string]finding{
	"slowloris": (*Analysis).slowlorisLine,
	"overload":  func(_ *Analysis, c Cell, v string, ts []*results.Trial) string { return overloadLine(c, v, ts) },
}

// faults fills Faults with the rows of the kinds that have one: the
// RELIABILITY.md criteria of fault cells (slowlorisLine, overloadLine).
func (a *Analysis) faults() {
	for _, c := range a.ix.cells {
		for _, v := range a.ix.variants {
			ts := a.ix.byCell[c][v]
			if len(ts) == 0 {
				continue
			}
			if f := findings[ts[0].Kind]; f != nil {
				if line := f(a, c, v, ts); line != "" {
					a.Faults = append(a.Faults, line)
				}
			}
		}
	}
}

// slowlorisLine: attackers closed within header timeout + 1 s (summed over
// the trials) and the slowest close, then the honest p99 (median over
// trials) beside the same variant's slowloris=0 p99, as a ratio held to 2×.
// The slowloris=0 step is the baseline, not a row.
func (a *Analysis) slowlorisLine(c Cell, v string, ts []*results.Trial) string {
	if c.Step == "slowloris=0" {
		return ""
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
	l := fmt.Sprintf("%s %s: closed within %s+1s %d/%d connected (%d asked, %d trials), slowest %s: %s",
		c, v, FormatNS(float64(ht)), inTime, conn, asked, len(ts), FormatNS(float64(slowest)),
		okText(inTime == conn && conn == asked && float64(slowest) <= limit))
	p99 := MedianOf(ts, func(t *results.Trial) float64 { return float64(t.Latency.P99) })
	var base float64
	if bs := a.ix.byCell[Cell{c.Scenario, "slowloris=0"}][v]; len(bs) > 0 {
		base = MedianOf(bs, func(t *results.Trial) float64 { return float64(t.Latency.P99) })
	}
	if base > 0 {
		return l + fmt.Sprintf("; honest p99 %s vs %s unloaded = %.2f× (≤ 2×): %s", FormatNS(p99), FormatNS(base), p99/base, okText(p99 <= 2*base))
	}
	return l + fmt.Sprintf("; honest p99 %s (no slowloris=0 step to compare)", FormatNS(p99))
}

// overloadLine: the measured capacity C, the offered and achieved rates
// (and the share sent late: their latency from the intended time includes
// the generator's own backlog), the 503 share, the 2xx p99, the recovery
// (last 503 after the overload, held to 2 s) and the acknowledged metrics
// lost.
func overloadLine(c Cell, v string, ts []*results.Trial) string {
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
	yes := map[bool]string{true: "yes", false: "no"}
	return fmt.Sprintf("%s %s: capacity %.0f/s, offered %.0f/s, achieved %.0f/s (late %.0f%%: the generator fell behind its schedule; 2xx latency is timed from each actual send); 503 share %.1f%% (503s in every trial: %s); 2xx p99 %s; recovery %s (≤ 2s): %s; lost %d: %s",
		c, v, Median(capa), Median(offered), Median(achieved), Median(late), Median(share), yes[all503], FormatNS(Median(p99)),
		FormatNS(float64(recovery)), okText(recovery <= 2e9), lost, okText(lost == 0))
}
