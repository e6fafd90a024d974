package analysis

import "metricstream/harness/results"

// OverloadSeen is the least multiple of the capacity the generator must
// have sent for the server to have seen the overload: below it the
// generator, sharing the machine, could not send one, and the run cannot
// show what the executor does beyond the capacity.
const OverloadSeen = 1.5

// OverloadFinding is one variant in one overload cell: the measured
// capacity C (the median over the trials whose search ended on a point
// estimate; a censored search is counted, never a capacity), the offered
// rate and the rate the generator actually sent (a multiple of C), the
// 503 share, the 2xx p99, the recovery (last 503 after the overload, held
// to FaultRecoveryBound: judged only over trials whose C was a
// measurement, since half a capacity that is only a bound is no known
// load) and the acknowledged metrics lost.
type OverloadFinding struct {
	Cell    Cell
	Variant string
	Trials  int

	// Censored: the search of every trial ended on a bound (no rate
	// passed, or not converged), so there is no capacity, no overload
	// multiple and no recovery verdict.
	Censored    bool
	Converged   int     // trials whose search ended on a point estimate
	CapacityRPS float64 // median over the converged searches; 0 when Censored

	OfferedRPS   float64 // median over the trials
	SentRPS      float64 // median over the trials that recorded it; 0: none did
	SentMultiple float64 // SentRPS / CapacityRPS; 0 without either

	// LatePct and Refused503Pct are medians of each trial's share of late
	// requests (latency is timed from each request's intended send) and
	// of 503s among its answers.
	LatePct, Refused503Pct float64
	All503                 bool    // 503s in every trial
	P99NS                  float64 // median 2xx p99

	// Judged counts the converged trials with a fault record: the
	// recovery is theirs. RecoveryNS is their worst time of the last 503
	// into the half-capacity load after the overload; NoLate503 says
	// there was none at all.
	Judged     int
	RecoveryNS int64
	NoLate503  bool
	Lost       int64 // acknowledged metrics lost, worst over the trials

	// Verdicts: recovered within FaultRecoveryBound (no verdict when
	// Censored); nothing lost; Unseen: the generator sent under
	// OverloadSeen× the capacity, so the server never saw the overload.
	RecoveredInTime, NothingLost, Unseen bool
}

func overloadFinding(c Cell, v string, ts []*results.Trial) OverloadFinding {
	f := OverloadFinding{Cell: c, Variant: v, Trials: len(ts), All503: true}
	var capa, offered, sent, share, late, p99 []float64
	for _, t := range ts {
		if n := t.Counts.Total(); n > 0 {
			share = append(share, 100*float64(t.Counts.Status503)/float64(n))
			late = append(late, 100*float64(t.Counts.Late)/float64(n))
		}
		f.All503 = f.All503 && t.Counts.Status503 > 0
		p99 = append(p99, float64(t.Latency.P99))
		offered = append(offered, t.OfferedRate)
		f.Lost = max(f.Lost, t.Lost)
		if t.SentRate > 0 {
			sent = append(sent, t.SentRate)
		}
		cens, bound := results.SearchOf(t)
		if cens != results.Exact {
			continue
		}
		capa = append(capa, bound)
		if ft := t.Fault; ft != nil {
			f.Judged++
			f.RecoveryNS = max(f.RecoveryNS, ft.RecoveryNS)
		}
	}
	f.NothingLost = f.Lost == 0
	f.Converged, f.Censored = len(capa), len(capa) == 0
	f.OfferedRPS, f.LatePct, f.Refused503Pct, f.P99NS = Median(offered), Median(late), Median(share), Median(p99)
	if len(sent) > 0 {
		f.SentRPS = Median(sent)
	}
	if f.Censored {
		return f
	}
	f.CapacityRPS = Median(capa)
	f.NoLate503 = f.RecoveryNS == 0
	f.RecoveredInTime = f.RecoveryNS <= int64(FaultRecoveryBound)
	if f.SentRPS > 0 {
		f.SentMultiple = f.SentRPS / f.CapacityRPS
		f.Unseen = f.SentRPS < OverloadSeen*f.CapacityRPS
	}
	return f
}
