package report

import (
	"fmt"
	"strings"

	"metricstream/harness/analysis"
)

// The replica and fault findings in words: one line per replica cell
// (ReplicaLines) and one per fault finding (FaultLines), the same on the
// terminal and the page. Every figure and verdict is analysis's
// (harness/analysis/findings.go and the finding_*.go beside it).

// ReplicaLines phrases the replica findings of a: per replica cell, what
// each variant's fleet admitted per client per second, and × the limit.
func ReplicaLines(a *analysis.Analysis) []string {
	var out []string
	for i, f := range a.ReplicaFindings {
		if i == 0 || f.Cell != a.ReplicaFindings[i-1].Cell {
			line := fmt.Sprintf("%s, %d replicas", f.Cell, f.Replicas)
			if f.RateLimit > 0 {
				line += fmt.Sprintf(" × %d/s per client", f.RateLimit)
			}
			out = append(out, line+":")
		} else {
			out[len(out)-1] += " ·"
		}
		s := fmt.Sprintf(" %s %.1f/s", f.Variant, f.PerClientRPS)
		if f.RateLimit > 0 {
			s += fmt.Sprintf(" (%.2f×)", f.LimitMultiple)
		}
		out[len(out)-1] += s
	}
	return out
}

// FaultLines phrases the fault findings of a, kind by kind: slowloris,
// overload, Redis latency, Redis cut, slow clients.
func FaultLines(a *analysis.Analysis) []string {
	ff := &a.FaultFindings
	var out []string
	for _, f := range ff.Slowloris {
		out = append(out, slowlorisLine(f))
	}
	for _, f := range ff.Overload {
		out = append(out, overloadLine(f))
	}
	for _, f := range ff.RedisLatency {
		out = append(out, redisLatencyLine(f))
	}
	for _, f := range ff.RedisCut {
		out = append(out, redisCutLine(f))
	}
	for _, f := range ff.SlowClients {
		out = append(out, slowClientsLine(f))
	}
	return out
}

// p99Bound is the ratio bound as the lines write it: "2×".
func p99Bound() string { return fmt.Sprintf("%g×", analysis.FaultP99Bound) }

// lostText is the loss verdict: "lost 0: ok".
func lostText(lost int64, ok bool) string { return fmt.Sprintf("lost %d: %s", lost, verdict(ok)) }

func slowlorisLine(f analysis.SlowlorisFinding) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: closed within %s+%s %d/%d connected (%d asked, %d trials), slowest %s: %s",
		f.Cell, f.Variant, FormatNS(float64(f.HeaderTimeoutNS)), analysis.SlowlorisCloseGrace, f.ClosedInTime, f.Connected, f.Attackers, f.Trials,
		FormatNS(float64(f.SlowestCloseNS)), verdict(f.ClosedOK))
	if f.BaseP99NS > 0 {
		fmt.Fprintf(&b, "; honest p99 %s vs %s unloaded = %.2f× (≤ %s): %s",
			FormatNS(f.HonestP99NS), FormatNS(f.BaseP99NS), f.P99Ratio, p99Bound(), verdict(f.P99OK))
	} else {
		fmt.Fprintf(&b, "; honest p99 %s (no slowloris=0 step to compare)", FormatNS(f.HonestP99NS))
	}
	return b.String()
}

func overloadLine(f analysis.OverloadFinding) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: ", f.Cell, f.Variant)
	if f.Censored {
		fmt.Fprintf(&b, "no capacity: the search of all %d trials ended on a bound (no rate passed, or not converged), so no overload multiple and no recovery verdict; %s",
			f.Trials, lostText(f.Lost, f.NothingLost))
		return b.String()
	}
	fmt.Fprintf(&b, "capacity %.0f/s (%d of %d searches converged), offered %.0f/s", f.CapacityRPS, f.Converged, f.Trials, f.OfferedRPS)
	if f.SentRPS > 0 {
		fmt.Fprintf(&b, ", sent %.0f/s (%.2f× capacity)", f.SentRPS, f.SentMultiple)
	}
	all := "no"
	if f.All503 {
		all = "yes"
	}
	fmt.Fprintf(&b, " (late %.0f%%: latency is timed from each request's intended send); 503 share %.1f%% (503s in every trial: %s); 2xx p99 %s",
		f.LatePct, f.Refused503Pct, all, FormatNS(f.P99NS))
	rec := "last 503 " + FormatNS(float64(f.RecoveryNS)) + " into it"
	if f.NoLate503 {
		rec = "no 503 at 0.5× capacity"
	}
	fmt.Fprintf(&b, "; recovery over the %d trials with a converged search: %s (≤ %s): %s; %s",
		f.Judged, rec, analysis.FaultRecoveryBound, verdict(f.RecoveredInTime), lostText(f.Lost, f.NothingLost))
	if f.Unseen {
		fmt.Fprintf(&b, "; the server never saw the overload: the generator, sharing the machine, sent only %.2f× capacity, so this run cannot show what the executor does beyond it", f.SentMultiple)
	}
	return b.String()
}

func redisLatencyLine(f analysis.RedisLatencyFinding) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: Redis +%s per answer: admitted %.0f/s, p50 %s, p99 %s; %s",
		f.Cell, f.Variant, FormatNS(float64(f.AddedNS)), f.AdmittedRPS, FormatNS(f.P50NS), FormatNS(f.P99NS), lostText(f.Lost, f.NothingLost))
	switch {
	case f.AddedNS == 0:
	case f.NoBase:
		b.WriteString(" (no latency=0ms step to compare)")
	default:
		fmt.Fprintf(&b, "; vs +0: p50 +%s (%.2f× the added latency), time per request (clients / admitted) %s vs %s = +%s (%.2f×): the cost of one Redis round trip per decision",
			FormatNS(f.P50GrowthNS), f.P50PerAdded, FormatNS(f.PerRequestNS), FormatNS(f.BasePerRequestNS),
			FormatNS(f.PerRequestGrowthNS), f.PerRequestPerAdded)
		if f.SlopeSteps > 0 {
			fmt.Fprintf(&b, "; slope of p50 over the %d steps: %.2f ms per ms added (≈ Redis round trips per request)", f.SlopeSteps, f.Slope)
		}
	}
	return b.String()
}

func redisCutLine(f analysis.RedisCutFinding) string {
	policy := "fail closed: denied while down"
	if f.FailOpen {
		policy = "fail open: admitted while down"
	}
	g := "goroutines not reported by /health"
	if f.GoroutinesMeasured {
		g = fmt.Sprintf("goroutines %.0f before, %.0f after: %s", f.GoroutinesBefore, f.GoroutinesAfter, verdict(f.NoneStuck))
	}
	return fmt.Sprintf("%s %s: Redis cut %s: requests sent during it: %d admitted, %d denied (%d 503, %d timeout/conn error), p99 %s (%s): %s; recovery %s after the restore (%d failed answers, ≤ %s): %s; %s; %s",
		f.Cell, f.Variant, FormatNS(float64(f.OutageNS)), f.Admitted, f.Denied, f.Denied503, f.DeniedErrors, FormatNS(f.OutageP99NS), policy, verdict(f.PolicyKept),
		FormatNS(float64(f.RecoveryNS)), f.RecoveryFailed, analysis.FaultRecoveryBound, verdict(f.RecoveredInTime), lostText(f.Lost, f.NothingLost), g)
}

func slowClientsLine(f analysis.SlowClientsFinding) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %d slow clients at %d KB/s posting %d-metric batches (%d answered 2xx, p99 %s); %s",
		f.Cell, f.Variant, f.SlowClients, f.SlowKBps, f.SlowBatch, f.SlowAnswered, FormatNS(f.SlowP99NS), lostText(f.Lost, f.NothingLost))
	if f.Paired > 0 {
		fmt.Fprintf(&b, "; fast p99 %s vs %s alone in the same trials = %.2f× (median of %d paired ratios, ≤ %s): %s",
			FormatNS(f.P99NS), FormatNS(f.AloneP99NS), f.PairedRatio, f.Paired, p99Bound(), verdict(f.P99OK))
	} else {
		fmt.Fprintf(&b, "; fast p99 %s", FormatNS(f.P99NS))
	}
	if f.BaseP99NS > 0 {
		fmt.Fprintf(&b, " (the slow=0 step's: %s, %.2f×)", FormatNS(f.BaseP99NS), f.BaseRatio)
	}
	return b.String()
}
