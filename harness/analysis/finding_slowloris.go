package analysis

import (
	"time"

	"metricstream/harness/results"
)

// SlowlorisCloseGrace is how long past the header timeout the server may
// take to close an attacker's connection.
const SlowlorisCloseGrace = time.Second

// slowlorisBase is the slowloris kind's step without attackers: the
// baseline of the honest p99, not a finding.
const slowlorisBase = "slowloris=0"

// SlowlorisFinding is one variant in one slowloris step: the attackers
// closed within the header timeout + SlowlorisCloseGrace (summed over the
// trials) and the slowest close, then the honest clients' p99 (median over
// the trials) beside the same variant's slowloris=0 p99, as a ratio held
// to FaultP99Bound.
type SlowlorisFinding struct {
	Cell    Cell
	Variant string
	Trials  int
	// Attackers, Connected and ClosedInTime are summed over the trials:
	// the attackers asked for, those that connected, and those the
	// server closed within HeaderTimeoutNS + SlowlorisCloseGrace.
	Attackers, Connected, ClosedInTime int
	HeaderTimeoutNS                    int64
	SlowestCloseNS                     int64 // worst over the trials

	HonestP99NS float64 // median p99 of the honest clients
	// BaseP99NS is the median p99 of the same variant's slowloris=0
	// step; 0: the run has no such step, nothing to compare.
	BaseP99NS float64
	P99Ratio  float64 // HonestP99NS / BaseP99NS; 0 without a base

	// Verdicts: every attacker asked for connected and was closed in
	// time, the slowest within the limit; the honest p99 within
	// FaultP99Bound× the base (false without one).
	ClosedOK, P99OK bool
}

func (a *Analysis) slowlorisFinding(c Cell, v string, ts []*results.Trial) SlowlorisFinding {
	f := SlowlorisFinding{Cell: c, Variant: v, Trials: len(ts)}
	for _, t := range ts {
		if ft := t.Fault; ft != nil {
			f.Attackers += ft.Attackers
			f.Connected += ft.Connected
			f.ClosedInTime += ft.ClosedInTime
			f.SlowestCloseNS = max(f.SlowestCloseNS, ft.SlowestCloseNS)
			f.HeaderTimeoutNS = ft.HeaderTimeoutNS
		}
	}
	limit := float64(f.HeaderTimeoutNS) + float64(SlowlorisCloseGrace)
	f.ClosedOK = f.ClosedInTime == f.Connected && f.Connected == f.Attackers && float64(f.SlowestCloseNS) <= limit
	f.HonestP99NS = MedianOf(ts, func(t *results.Trial) float64 { return float64(t.Latency.P99) })
	if bs := a.ix.byCell[Cell{c.Scenario, slowlorisBase}][v]; len(bs) > 0 {
		f.BaseP99NS = MedianOf(bs, func(t *results.Trial) float64 { return float64(t.Latency.P99) })
	}
	if f.BaseP99NS > 0 {
		f.P99Ratio = f.HonestP99NS / f.BaseP99NS
		f.P99OK = f.HonestP99NS <= FaultP99Bound*f.BaseP99NS
	}
	return f
}
