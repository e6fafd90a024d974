package analysis

import "metricstream/harness/results"

// The network-fault kinds' findings (the trials come from
// harness/experiment/netfault.go): figures and verdicts as values; the
// words are harness/report's (report/faults.go).

// The kinds' baseline steps: the Redis latency cost is measured against
// latencyBase; slowClientsBase is the fast load alone, not a finding.
const (
	latencyBase     = "latency=0ms"
	slowClientsBase = "slow=0"
)

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

// RedisLatencyFinding is one variant in one redis-latency step: the
// admitted rate (2xx/s) and p50/p99 at the step's added latency and,
// against the same variant's latency=0ms step, what the added latency
// cost per request: the p50 grows by about one added latency per Redis
// round trip a request makes (one per rate-limit decision), so p50 growth
// / added latency is the round trips per request.
type RedisLatencyFinding struct {
	Cell    Cell
	Variant string
	Trials  int

	AddedNS                   int64   // latency added to every Redis answer
	AdmittedRPS, P50NS, P99NS float64 // medians over the trials
	Lost                      int64   // acknowledged metrics lost, worst over the trials
	NothingLost               bool

	// NoBase: latency was added but the run has no latency=0ms step to
	// compare with; the figures below are then 0, as they are for the
	// latency=0ms step itself.
	NoBase                     bool
	BaseP50NS, BaseAdmittedRPS float64 // the latency=0ms step's medians
	P50GrowthNS                float64 // P50NS - BaseP50NS
	P50PerAdded                float64 // P50GrowthNS / AddedNS
	// PerRequestNS is each client's time per request in the closed loop,
	// clients / admitted rate; BasePerRequestNS the latency=0ms step's.
	PerRequestNS, BasePerRequestNS float64
	PerRequestGrowthNS             float64 // PerRequestNS - BasePerRequestNS
	PerRequestPerAdded             float64 // PerRequestGrowthNS / AddedNS: the cost of one Redis round trip per decision
	// Slope is the least-squares slope of p50 over the added latency of
	// the variant's SlopeSteps steps (ns per ns: about the Redis round
	// trips per request, less the fixed cost of the link that the 0 ms
	// step already pays); SlopeSteps 0: fewer than two distinct steps.
	Slope      float64
	SlopeSteps int
}

func (a *Analysis) redisLatencyFinding(c Cell, v string, ts []*results.Trial) RedisLatencyFinding {
	f := RedisLatencyFinding{Cell: c, Variant: v, Trials: len(ts)}
	for _, t := range ts {
		if t.Fault != nil && t.Fault.Net != nil {
			f.AddedNS = t.Fault.Net.RedisLatencyNS
		}
	}
	f.AdmittedRPS = MedianOf(ts, func(t *results.Trial) float64 { return t.Throughput })
	f.P50NS, f.P99NS = medianP(ts, func(l results.Latency) int64 { return l.P50 }), medianP(ts, func(l results.Latency) int64 { return l.P99 })
	f.Lost = lostOf(ts)
	f.NothingLost = f.Lost == 0
	if f.AddedNS == 0 {
		return f
	}
	bs := a.ix.byCell[Cell{c.Scenario, latencyBase}][v]
	if len(bs) == 0 {
		f.NoBase = true
		return f
	}
	f.BaseP50NS = medianP(bs, func(l results.Latency) int64 { return l.P50 })
	f.BaseAdmittedRPS = MedianOf(bs, func(t *results.Trial) float64 { return t.Throughput })
	added := float64(f.AddedNS)
	f.P50GrowthNS = f.P50NS - f.BaseP50NS
	f.P50PerAdded = f.P50GrowthNS / added
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
	if k, ok := leastSquaresSlope(xs, ys); ok {
		f.Slope, f.SlopeSteps = k, len(xs)
	}
	// closed loop: each client's time per request is clients / admitted rate
	cl := float64(ts[0].Clients)
	f.PerRequestNS, f.BasePerRequestNS = 1e9*cl/max(f.AdmittedRPS, 1e-9), 1e9*cl/max(f.BaseAdmittedRPS, 1e-9)
	f.PerRequestGrowthNS = f.PerRequestNS - f.BasePerRequestNS
	f.PerRequestPerAdded = f.PerRequestGrowthNS / added
	return f
}

// RedisCutFinding is one variant in one redis-outage step: the answers to
// requests sent while Redis was cut (admitted against denied: the
// policy), the recovery after the restore (held to FaultRecoveryBound, as
// overload's: go-redis, after a pool's worth of failed dials, fails every
// dial at once and redials once a second until one succeeds, so up to
// ~1 s of failures after Redis is back is its design), the acknowledged
// metrics lost and the goroutines before and after.
type RedisCutFinding struct {
	Cell    Cell
	Variant string
	Trials  int

	OutageNS int64 // the longest cut over the trials
	FailOpen bool  // the variant's policy: admit while Redis is down (else deny)
	// Admitted, Denied, Denied503 and DeniedErrors (timeouts and
	// connection errors) count the answers to the requests sent during
	// the cut, summed over the trials.
	Admitted, Denied, Denied503, DeniedErrors int64
	OutageP99NS                               float64 // median p99 of those requests
	// PolicyKept: fail closed, 503s and no 2xx; fail open, 2xx and none
	// denied.
	PolicyKept bool

	RecoveryNS      int64 // worst time from the restore to the last failed answer
	RecoveryFailed  int64 // failed answers after the restores, summed
	RecoveredInTime bool  // RecoveryNS ≤ FaultRecoveryBound

	Lost        int64 // acknowledged metrics lost, worst over the trials
	NothingLost bool

	// GoroutinesMeasured: /health reported the goroutines before and after
	// in every trial. The medians before and after, the most left over in
	// a trial, and the verdict that none was.
	GoroutinesMeasured                bool
	GoroutinesBefore, GoroutinesAfter float64
	StuckGoroutines                   int
	NoneStuck                         bool
}

func redisCutFinding(c Cell, v string, ts []*results.Trial) RedisCutFinding {
	f := RedisCutFinding{Cell: c, Variant: v, Trials: len(ts), GoroutinesMeasured: true}
	var out results.Counts
	var before, after, p99 []float64
	for _, t := range ts {
		n := netOf(t)
		if n == nil {
			continue
		}
		f.FailOpen = n.FailOpen
		if n.Outage != nil {
			out = out.Add(*n.Outage)
		}
		p99 = append(p99, float64(n.OutageP99NS))
		f.RecoveryNS, f.OutageNS = max(f.RecoveryNS, n.RecoveryNS), max(f.OutageNS, n.OutageNS)
		f.RecoveryFailed += n.RecoveryFailed
		before, after = append(before, float64(n.GoroutinesBefore)), append(after, float64(n.GoroutinesAfter))
		f.StuckGoroutines = max(f.StuckGoroutines, n.StuckGoroutines())
		f.GoroutinesMeasured = f.GoroutinesMeasured && n.GoroutinesBefore > 0 && n.GoroutinesAfter > 0
	}
	f.Admitted, f.Denied = out.Status2xx, out.Total()-out.Status2xx
	f.Denied503, f.DeniedErrors = out.Status503, out.Timeout+out.ConnError
	f.OutageP99NS = Median(p99)
	if f.FailOpen {
		f.PolicyKept = out.Status2xx > 0 && f.Denied == 0
	} else {
		f.PolicyKept = out.Status503 > 0 && out.Status2xx == 0
	}
	f.RecoveredInTime = f.RecoveryNS <= int64(FaultRecoveryBound)
	f.Lost = lostOf(ts)
	f.NothingLost = f.Lost == 0
	f.GoroutinesBefore, f.GoroutinesAfter = Median(before), Median(after)
	f.NoneStuck = f.StuckGoroutines == 0
	return f
}

// SlowClientsFinding is one variant in one slow-clients step: the fast
// clients' p99 against the p99 of the same fast load run alone just
// before it in the same trial (the median of the per-trial ratios, held
// to FaultP99Bound: each pair is measured minutes apart at most, so drift
// in the machine's load cancels), beside the same variant's slow=0 p99
// for reference, and what the slow clients got through.
type SlowClientsFinding struct {
	Cell    Cell
	Variant string
	Trials  int

	// The slow clients: how many, at what upload rate, posting batches of
	// how many metrics; the 2xx they got (summed) and their p99 (median).
	SlowClients, SlowKBps, SlowBatch int
	SlowAnswered                     int64
	SlowP99NS                        float64
	Lost                             int64 // acknowledged metrics lost, worst over the trials
	NothingLost                      bool

	P99NS float64 // the fast clients' median p99
	// Paired counts the trials that measured the fast load alone; over
	// them, AloneP99NS is the median p99 alone and PairedRatio the median
	// of the per-trial ratios P99 / P99 alone, and P99OK says it is
	// within FaultP99Bound (false when Paired is 0).
	Paired      int
	AloneP99NS  float64
	PairedRatio float64
	P99OK       bool
	// BaseP99NS is the median p99 of the same variant's slow=0 step, for
	// reference (0: none); BaseRatio is P99NS / BaseP99NS.
	BaseP99NS, BaseRatio float64
}

func (a *Analysis) slowClientsFinding(c Cell, v string, ts []*results.Trial) SlowClientsFinding {
	f := SlowClientsFinding{Cell: c, Variant: v, Trials: len(ts)}
	var slow results.Counts
	var sp99, ratios, alone []float64
	for _, t := range ts {
		if nf := netOf(t); nf != nil {
			if nf.UnloadedP99NS > 0 {
				ratios = append(ratios, float64(t.Latency.P99)/float64(nf.UnloadedP99NS))
				alone = append(alone, float64(nf.UnloadedP99NS))
			}
			f.SlowClients, f.SlowKBps, f.SlowBatch = nf.SlowClients, nf.SlowKBps, nf.SlowBatch
			if nf.Slow != nil {
				slow = slow.Add(*nf.Slow)
			}
			sp99 = append(sp99, float64(nf.SlowP99NS))
		}
	}
	f.SlowAnswered, f.SlowP99NS = slow.Status2xx, Median(sp99)
	f.P99NS = medianP(ts, func(l results.Latency) int64 { return l.P99 })
	f.Lost = lostOf(ts)
	f.NothingLost = f.Lost == 0
	if f.Paired = len(ratios); f.Paired > 0 {
		f.AloneP99NS, f.PairedRatio = Median(alone), Median(ratios)
		f.P99OK = f.PairedRatio <= FaultP99Bound
	}
	if bs := a.ix.byCell[Cell{c.Scenario, slowClientsBase}][v]; len(bs) > 0 {
		f.BaseP99NS = medianP(bs, func(l results.Latency) int64 { return l.P99 })
		if f.BaseP99NS > 0 {
			f.BaseRatio = f.P99NS / f.BaseP99NS
		}
	}
	return f
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
