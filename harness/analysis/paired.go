package analysis

import (
	"math"
	"slices"
	"sort"

	"metricstream/harness/results"
)

// The unit of comparison is the round: every arm ran once in it, one after
// the other (in a random or balanced order, Meta.Order) or side by side
// (Meta.Duet), so whatever the machine did during the round it did to
// both. Per round the log ratio B/A of each unit; the effect is their
// Hodges-Lehmann estimate with the signed-rank interval (signedrank.go),
// the verdict the signed-rank test corrected over the run's family
// (family.go). The unpaired medians and Mann-Whitney p (benchstat's table)
// stay beside it, but decide nothing.

// MinRounds is the fewest rounds a paired effect is tested and given an
// interval from: with 5 the exact signed-rank test's smallest two-sided p
// is 2/32, above 5%, so no 95% interval exists.
const MinRounds = 6

// Power is the probability of detecting an effect that the minimum
// detectable effect (Effect.MDE) is stated at.
const Power = 0.8

// Effect is B against A over the rounds of one cell, in one unit.
type Effect struct {
	// Rounds counts the rounds the effect rests on: both arms ran, and
	// both values are measurements greater than 0.
	Rounds int
	// Rounds left out: one arm has no trial of that index (Missing), a
	// value is censored (Censored: a bound, never a number), or a value
	// is 0 or less, so no ratio (NonPositive).
	Missing, Censored, NonPositive int
	// LogRatios are log(B/A) per round, in round order; AFirst says for
	// each whether A ran before B in it (Trial.Position).
	LogRatios []float64
	AFirst    []bool
	// Estimate is the Hodges-Lehmann estimate of the log ratios as a
	// percent change of B against A; Lo and Hi its distribution-free
	// interval in percent (±Inf with fewer than MinRounds rounds), at
	// confidence Level (at least Confidence: the exact test's steps).
	Estimate, Lo, Hi, Level float64
	// P is the signed-rank test's two-sided p-value, unadjusted (NaN when
	// there is no round); Nonzero the rounds whose ratio is not 1.
	P       float64
	Nonzero int
	// Spread is the standard deviation of the log ratios (NaN below 2).
	Spread float64
	// MDE is the smallest change (percent) this run could have detected
	// with probability Power at the threshold its family set for it
	// (family.go fills it); +Inf when the rounds cannot reach the
	// threshold at all, NaN before the family is set.
	MDE float64
	// Threshold is the p the comparison must reach first in its family
	// (α times its weight; α outside the family), the one MDE is at.
	Threshold float64
	// RoundSeconds is the median machine time of one round: the arms'
	// trial durations summed (sequential) or the longer one (duet).
	RoundSeconds float64
	// Duet: the rounds ran both arms at once, and each round's req/s
	// ratio is the ratio of their 2xx over the windows both recorded.
	Duet bool
}

// HasInterval reports whether the effect has a finite interval.
func (e Effect) HasInterval() bool { return !math.IsInf(e.Lo, 0) && !math.IsInf(e.Hi, 0) }

// RuledOut is the largest change the interval leaves possible, in
// percent either way: a comparison that finds nothing rules out effects
// larger than this. NaN without an interval.
func (e Effect) RuledOut() float64 {
	if !e.HasInterval() {
		return math.NaN()
	}
	return math.Max(math.Abs(e.Lo), math.Abs(e.Hi))
}

// NoisePerMinute is the variance of the effect's log ratio times the
// machine minutes it took: Spread² per round × minutes per round. The
// variance of an effect from n rounds is Spread²/n and those rounds take
// n × RoundSeconds, so the product does not depend on n: the lower, the
// less machine time a given precision costs. It compares ways of running
// a comparison (sequential rounds against duet, trial lengths) on one
// machine. NaN without two rounds.
func (e Effect) NoisePerMinute() float64 {
	return e.Spread * e.Spread * e.RoundSeconds / 60
}

// pctOf turns a log ratio into a percent change.
func pctOf(x float64) float64 { return math.Expm1(x) * 100 }

// roundValue is unit's value in t and whether it is a measurement (not
// censored); false when t does not carry unit at all.
func roundValue(t *results.Trial, unit string) (v float64, censored, ok bool) {
	for _, u := range results.TrialUnits(t) {
		if u.Unit == unit {
			return u.Value, u.Censored, true
		}
	}
	return 0, false, false
}

// carries reports whether any of ts carries unit.
func carries(ts []*results.Trial, unit string) bool {
	for _, t := range ts {
		if _, _, ok := roundValue(t, unit); ok {
			return true
		}
	}
	return false
}

// byRound indexes ts by round (Trial.Trial), the first trial of each.
func byRound(ts []*results.Trial) map[int]*results.Trial {
	m := make(map[int]*results.Trial, len(ts))
	for _, t := range ts {
		if _, dup := m[t.Trial]; !dup {
			m[t.Trial] = t
		}
	}
	return m
}

// pairedEffect computes unit's paired effect of nw against old from their
// trials in one cell; duet says the run ran its arms side by side.
func pairedEffect(old, nw []*results.Trial, unit string, duet bool) Effect {
	e := pairedRounds(old, nw, unit, duet)
	if e.Rounds == 0 {
		return e
	}
	e.Estimate = pctOf(hodgesLehmann(e.LogRatios))
	e.P, e.Nonzero = signedRankTest(e.LogRatios)
	e.Spread = StdDev(e.LogRatios)
	if e.Rounds >= MinRounds {
		lo, hi, lvl := signedRankCI(e.LogRatios, Confidence)
		if lvl > 0 {
			e.Lo, e.Hi, e.Level = pctOf(lo), pctOf(hi), lvl
		}
	}
	return e
}

// pairedRounds collects the rounds of a paired effect: their log ratios,
// orders and machine time, and the rounds left out; no statistic yet.
func pairedRounds(old, nw []*results.Trial, unit string, duet bool) Effect {
	e := Effect{Estimate: math.NaN(), Lo: math.Inf(-1), Hi: math.Inf(1), P: math.NaN(), Spread: math.NaN(), MDE: math.NaN(), RoundSeconds: math.NaN()}
	ro, rn := byRound(old), byRound(nw)
	rounds := make([]int, 0, len(ro))
	for k := range ro {
		rounds = append(rounds, k)
	}
	for k := range rn {
		if _, ok := ro[k]; !ok {
			e.Missing++
		}
	}
	slices.Sort(rounds)
	var secs []float64
	for _, k := range rounds {
		a, b := ro[k], rn[k]
		if b == nil {
			e.Missing++
			continue
		}
		d, status := roundRatio(a, b, unit, duet)
		switch status {
		case roundCensored:
			e.Censored++
			continue
		case roundNonPositive:
			e.NonPositive++
			continue
		case roundMissing:
			e.Missing++
			continue
		}
		e.LogRatios = append(e.LogRatios, d)
		e.AFirst = append(e.AFirst, a.Position < b.Position)
		if duet && a.DuetWith != "" {
			e.Duet = true
			secs = append(secs, float64(max(a.DurationNS, b.DurationNS))/1e9)
		} else {
			secs = append(secs, float64(a.DurationNS+b.DurationNS)/1e9)
		}
	}
	e.Rounds = len(e.LogRatios)
	if e.Rounds > 0 {
		e.RoundSeconds = Median(secs)
	}
	return e
}

type roundStatus int

const (
	roundOK roundStatus = iota
	roundMissing
	roundCensored
	roundNonPositive
)

// roundRatio is one round's log(B/A) of unit. In a duet run the req/s
// ratio is that of the two arms' 2xx summed over the windows both
// recorded (aligned by start): both arms' figures come from the same
// moments of the machine.
func roundRatio(a, b *results.Trial, unit string, duet bool) (float64, roundStatus) {
	// A closed loop of a fixed request count (Trial.Requests) ends when
	// its clients are done, the faster arm first: each arm's own rate over
	// its own send window is its figure (one round, side by side, still
	// paired). A trial of a fixed duration is compared window by window; a
	// trial shorter than two shared windows falls back to the own rates
	// too.
	if duet && unit == ThroughputUnit && a.Requests == 0 && b.Requests == 0 && len(a.Windows) > 0 && len(b.Windows) > 0 {
		if sa, sb, ok := alignedSums(a.Windows, b.Windows); ok {
			if sa <= 0 || sb <= 0 {
				return 0, roundNonPositive
			}
			return math.Log(sb / sa), roundOK
		}
	}
	va, ca, oka := roundValue(a, unit)
	vb, cb, okb := roundValue(b, unit)
	switch {
	case !oka || !okb:
		return 0, roundMissing
	case ca || cb:
		return 0, roundCensored
	case !(va > 0) || !(vb > 0) || math.IsInf(va, 0) || math.IsInf(vb, 0):
		return 0, roundNonPositive
	}
	return math.Log(vb / va), roundOK
}

// alignedSums sums the 2xx of the windows that start at the same offset
// in both arms while both were still sending: a window where an arm sent
// nothing is past its end (a closed loop of fixed requests ends when its
// clients are done, the faster arm first), and counting the slower arm's
// tail against the faster one's silence would make every round's totals
// equal, a ratio of 1 that measures the request count, not the arms. The
// last such window is left out too: the arm that ended in it ended part
// way through. False when fewer than two such windows were shared.
func alignedSums(a, b []results.Window) (sa, sb float64, ok bool) {
	type pair struct{ a, b results.Window }
	at := make(map[int64]results.Window, len(a))
	for _, w := range a {
		at[w.StartNS] = w
	}
	var both []pair
	for _, w := range b {
		if x, found := at[w.StartNS]; found && x.Sent > 0 && w.Sent > 0 {
			both = append(both, pair{x, w})
		}
	}
	sort.Slice(both, func(i, j int) bool { return both[i].a.StartNS < both[j].a.StartNS })
	if len(both) < 2 {
		return 0, 0, false
	}
	both = both[:len(both)-1]
	for _, p := range both {
		sa += float64(p.a.Status2xx)
		sb += float64(p.b.Status2xx)
		ok = true
	}
	return sa, sb, ok
}
