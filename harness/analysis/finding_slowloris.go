package analysis

import (
	"fmt"

	"metricstream/harness/results"
)

func init() { findings["slowloris"] = (*Analysis).slowlorisLine }

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
