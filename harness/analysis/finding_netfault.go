package analysis

import (
	"fmt"

	"metricstream/harness/results"
)

// The network-fault kinds' summary rows (the trials come
// from harness/experiment/netfault.go).
func init() {
	findings["redis-latency"] = (*Analysis).redisLatencyLine
	findings["redis-outage"] = func(_ *Analysis, c Cell, v string, ts []*results.Trial) string { return redisOutageLine(c, v, ts) }
	findings["slow-clients"] = (*Analysis).slowClientsLine
}

func medianP(ts []*results.Trial, f func(l results.Latency) int64) float64 {
	return MedianOf(ts, func(t *results.Trial) float64 { return float64(f(t.Latency)) })
}

func lostOf(ts []*results.Trial) int64 {
	var lost int64
	for _, t := range ts {
		lost = max(lost, t.Lost)
	}
	return lost
}

// redisLatencyLine: the admitted rate (2xx/s) and p50/p99 at this step's
// added latency and, against the same variant's latency=0ms step, what the
// added latency cost per request: the p50 grows by about one added
// latency per Redis round trip a request makes (one per rate-limit
// decision), so p50 growth / added latency is the round trips per request.
func (a *Analysis) redisLatencyLine(c Cell, v string, ts []*results.Trial) string {
	var added int64
	for _, t := range ts {
		if t.Fault != nil && t.Fault.Net != nil {
			added = t.Fault.Net.RedisLatencyNS
		}
	}
	adm := MedianOf(ts, func(t *results.Trial) float64 { return t.Throughput })
	p50, p99 := medianP(ts, func(l results.Latency) int64 { return l.P50 }), medianP(ts, func(l results.Latency) int64 { return l.P99 })
	lost := lostOf(ts)
	l := fmt.Sprintf("%s %s: Redis +%s per answer: admitted %.0f/s, p50 %s, p99 %s; lost %d: %s",
		c, v, FormatNS(float64(added)), adm, FormatNS(p50), FormatNS(p99), lost, okText(lost == 0))
	if added == 0 {
		return l
	}
	bs := a.ix.byCell[Cell{c.Scenario, "latency=0ms"}][v]
	if len(bs) == 0 {
		return l + " (no latency=0ms step to compare)"
	}
	b50 := medianP(bs, func(l results.Latency) int64 { return l.P50 })
	badm := MedianOf(bs, func(t *results.Trial) float64 { return t.Throughput })
	// The slope of p50 over every step's added latency (least squares):
	// the Redis round trips a request makes, less the fixed cost of the
	// link that the 0 ms step already pays.
	var xs, ys []float64
	for _, cc := range a.ix.cells {
		if cc.Scenario != c.Scenario {
			continue
		}
		if cts := a.ix.byCell[cc][v]; len(cts) > 0 && netOf(cts[0]) != nil {
			xs = append(xs, float64(netOf(cts[0]).RedisLatencyNS))
			ys = append(ys, medianP(cts, func(l results.Latency) int64 { return l.P50 }))
		}
	}
	slope := ""
	if k, ok := leastSquaresSlope(xs, ys); ok {
		slope = fmt.Sprintf("; slope of p50 over the %d steps: %.2f ms per ms added (≈ Redis round trips per request)", len(xs), k)
	}
	// closed loop: each client's time per request is clients / admitted rate
	cl := float64(ts[0].Clients)
	per, bper := 1e9*cl/max(adm, 1e-9), 1e9*cl/max(badm, 1e-9)
	return l + fmt.Sprintf("; vs +0: p50 +%s (%.2f× the added latency), time per request (clients / admitted) %s vs %s = +%s (%.2f×): the cost of one Redis round trip per decision",
		FormatNS(p50-b50), (p50-b50)/float64(added), FormatNS(per), FormatNS(bper), FormatNS(per-bper), (per-bper)/float64(added)) + slope
}

// redisOutageLine: the answers to requests sent while Redis was cut
// (admitted against denied: the policy), the recovery after the restore
// (held to 2 s, as overload's: go-redis, after a pool's worth of failed
// dials, fails every dial at once and redials once a second until one
// succeeds, so up to ~1 s of failures after Redis is back is its design), the acknowledged metrics lost and the goroutines before
// and after.
func redisOutageLine(c Cell, v string, ts []*results.Trial) string {
	var out results.Counts
	var rec, outage int64
	var failed int64
	var before, after, p99 []float64
	stuck := 0
	failOpen, measured := false, true
	for _, t := range ts {
		n := netOf(t)
		if n == nil {
			continue
		}
		failOpen = n.FailOpen
		if n.Outage != nil {
			out = out.Add(*n.Outage)
		}
		p99 = append(p99, float64(n.OutageP99NS))
		rec, outage, failed = max(rec, n.RecoveryNS), max(outage, n.OutageNS), failed+n.RecoveryFailed
		before, after = append(before, float64(n.GoroutinesBefore)), append(after, float64(n.GoroutinesAfter))
		stuck = max(stuck, n.StuckGoroutines())
		measured = measured && n.GoroutinesBefore > 0 && n.GoroutinesAfter > 0
	}
	denied := out.Total() - out.Status2xx
	policy := "fail closed: denied while down"
	policyOK := out.Status503 > 0 && out.Status2xx == 0
	if failOpen {
		policy, policyOK = "fail open: admitted while down", out.Status2xx > 0 && denied == 0
	}
	lost := lostOf(ts)
	g := fmt.Sprintf("goroutines %.0f before, %.0f after: %s", Median(before), Median(after), okText(stuck == 0))
	if !measured {
		g = "goroutines not reported by /health"
	}
	return fmt.Sprintf("%s %s: Redis cut %s: requests sent during it: %d admitted, %d denied (%d 503, %d timeout/conn error), p99 %s (%s): %s; recovery %s after the restore (%d failed answers, ≤ 2s): %s; lost %d: %s; %s",
		c, v, FormatNS(float64(outage)), out.Status2xx, denied, out.Status503, out.Timeout+out.ConnError, FormatNS(Median(p99)), policy, okText(policyOK),
		FormatNS(float64(rec)), failed, okText(rec <= 2e9), lost, okText(lost == 0), g)
}

// slowClientsLine: the fast clients' p99 against the p99 of the same fast
// load run alone just before it in the same trial (the median of the
// per-trial ratios, held to 2×: each pair is measured minutes apart at
// most, so drift in the machine's load cancels), beside the same variant's
// slow=0 p99 for reference, and what the slow clients got through.
func (a *Analysis) slowClientsLine(c Cell, v string, ts []*results.Trial) string {
	if c.Step == "slow=0" {
		return ""
	}
	var slow results.Counts
	var n, kbps, batch int
	var sp99, ratios, alone []float64
	for _, t := range ts {
		if nf := netOf(t); nf != nil {
			if nf.UnloadedP99NS > 0 {
				ratios = append(ratios, float64(t.Latency.P99)/float64(nf.UnloadedP99NS))
				alone = append(alone, float64(nf.UnloadedP99NS))
			}
			n, kbps, batch = nf.SlowClients, nf.SlowKBps, nf.SlowBatch
			if nf.Slow != nil {
				slow = slow.Add(*nf.Slow)
			}
			sp99 = append(sp99, float64(nf.SlowP99NS))
		}
	}
	p99 := medianP(ts, func(l results.Latency) int64 { return l.P99 })
	lost := lostOf(ts)
	l := fmt.Sprintf("%s %s: %d slow clients at %d KB/s posting %d-metric batches (%d answered 2xx, p99 %s); lost %d: %s",
		c, v, n, kbps, batch, slow.Status2xx, FormatNS(Median(sp99)), lost, okText(lost == 0))
	if len(ratios) > 0 {
		r := Median(ratios)
		l += fmt.Sprintf("; fast p99 %s vs %s alone in the same trials = %.2f× (median of %d paired ratios, ≤ 2×): %s", FormatNS(p99), FormatNS(Median(alone)), r, len(ratios), okText(r <= 2))
	} else {
		l += fmt.Sprintf("; fast p99 %s", FormatNS(p99))
	}
	if bs := a.ix.byCell[Cell{c.Scenario, "slow=0"}][v]; len(bs) > 0 {
		base := medianP(bs, func(l results.Latency) int64 { return l.P99 })
		l += fmt.Sprintf(" (the slow=0 step's: %s, %.2f×)", FormatNS(base), p99/base)
	}
	return l
}

// netOf is t's network-fault record, or nil.
func netOf(t *results.Trial) *results.NetFault {
	if t.Fault == nil {
		return nil
	}
	return t.Fault.Net
}

// leastSquaresSlope is the slope of the least-squares line through
// (xs, ys); false with fewer than two distinct xs.
func leastSquaresSlope(xs, ys []float64) (float64, bool) {
	if len(xs) < 2 {
		return 0, false
	}
	var mx, my float64
	for i := range xs {
		mx, my = mx+xs[i], my+ys[i]
	}
	mx, my = mx/float64(len(xs)), my/float64(len(xs))
	var sxy, sxx float64
	for i := range xs {
		sxy += (xs[i] - mx) * (ys[i] - my)
		sxx += (xs[i] - mx) * (xs[i] - mx)
	}
	if sxx == 0 {
		return 0, false
	}
	return sxy / sxx, true
}
