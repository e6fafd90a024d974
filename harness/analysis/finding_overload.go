package analysis

import (
	"fmt"

	"metricstream/harness/results"
)

func init() {
	findings["overload"] = func(_ *Analysis, c Cell, v string, ts []*results.Trial) string { return overloadLine(c, v, ts) }
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
	rec := "last 503 " + FormatNS(float64(recovery)) + " into it"
	if recovery == 0 {
		rec = "no 503 at 0.5× capacity"
	}
	line := fmt.Sprintf("%s %s: capacity %.0f/s, offered %.0f/s, achieved %.0f/s (late %.0f%%: the generator fell behind its schedule; 2xx latency is timed from each actual send); 503 share %.1f%% (503s in every trial: %s); 2xx p99 %s; recovery: %s (≤ 2s): %s; lost %d: %s",
		c, v, Median(capa), Median(offered), Median(achieved), Median(late), Median(share), yes[all503], FormatNS(Median(p99)),
		rec, okText(recovery <= 2e9), lost, okText(lost == 0))
	if ca, ac := Median(capa), Median(achieved); ca > 0 && ac < 1.5*ca {
		line += fmt.Sprintf("; the server never saw the overload: the generator, sharing the machine, sent only %.2f× capacity, so this run cannot show what the executor does beyond it", ac/ca)
	}
	return line
}
