package analysis

import (
	"fmt"

	"metricstream/harness/results"
)

func init() {
	findings["overload"] = func(_ *Analysis, c Cell, v string, ts []*results.Trial) string { return overloadLine(c, v, ts) }
}

// overloadLine: the measured capacity C (the median over the trials whose
// search ended on a point estimate; a censored search is counted, never a
// capacity), the offered rate and the rate the generator actually sent (a
// multiple of C), the 503 share, the 2xx p99, the recovery (last 503 after
// the overload, held to 2 s: judged only over trials whose C was a
// measurement, since half a capacity that is only a bound is no known
// load) and the acknowledged metrics lost.
func overloadLine(c Cell, v string, ts []*results.Trial) string {
	var capa, offered, sent, share, late, p99 []float64
	var recovery, lost int64
	judged := 0
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
		if t.SentRate > 0 {
			sent = append(sent, t.SentRate)
		}
		cens, bound := results.SearchOf(t)
		if cens != results.Exact {
			continue
		}
		capa = append(capa, bound)
		if f := t.Fault; f != nil {
			judged++
			recovery = max(recovery, f.RecoveryNS)
		}
	}
	yes := map[bool]string{true: "yes", false: "no"}
	head := fmt.Sprintf("%s %s: ", c, v)
	if len(capa) == 0 {
		return head + fmt.Sprintf("no capacity: the search of all %d trials ended on a bound (no rate passed, or not converged), so no overload multiple and no recovery verdict; lost %d: %s",
			len(ts), lost, okText(lost == 0))
	}
	ca := Median(capa)
	line := head + fmt.Sprintf("capacity %.0f/s (%d of %d searches converged), offered %.0f/s", ca, len(capa), len(ts), Median(offered))
	if len(sent) > 0 {
		line += fmt.Sprintf(", sent %.0f/s (%.2f× capacity)", Median(sent), Median(sent)/ca)
	}
	line += fmt.Sprintf(" (late %.0f%%: latency is timed from each request's intended send); 503 share %.1f%% (503s in every trial: %s); 2xx p99 %s",
		Median(late), Median(share), yes[all503], FormatNS(Median(p99)))
	rec := "last 503 " + FormatNS(float64(recovery)) + " into it"
	if recovery == 0 {
		rec = "no 503 at 0.5× capacity"
	}
	line += fmt.Sprintf("; recovery over the %d trials with a converged search: %s (≤ 2s): %s; lost %d: %s", judged, rec, okText(recovery <= 2e9), lost, okText(lost == 0))
	if len(sent) > 0 && Median(sent) < 1.5*ca {
		line += fmt.Sprintf("; the server never saw the overload: the generator, sharing the machine, sent only %.2f× capacity, so this run cannot show what the executor does beyond it", Median(sent)/ca)
	}
	return line
}
