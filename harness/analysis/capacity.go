package analysis

import (
	"math"
	"slices"

	"metricstream/harness/results"
)

// CapacityUnit is the bench.txt unit of a capacity search's answer.
const CapacityUnit = "capacity-req/s"

// CapacityRow is one variant's capacity at SLO in one capacity cell: the
// median over the trials whose search ended on a point estimate, with the
// 95% confidence interval of that median (benchmath, as every other
// table), and the searches that ended on a bound instead, counted with
// their bounds. A censored search never enters the median or the
// interval: "no rate passed down to 1,000 req/s" is not 0 req/s, and "the
// SLO held up to the ceiling" is not the ceiling.
type CapacityRow struct {
	Cell      Cell
	Variant   string
	Kind      string   // "capacity", or "overload" (the search that set its C)
	Summary   Summary  // of the Exact searches only
	Objective []string // the SLO the points were held to
	Points    int      // points tried over all trials
	Trials    int      // trials with a search
	Exact     int      // searches that converged to a point estimate
	// Below: searches in which no rate passed (the capacity is below the
	// lowest rate tried, BelowBound: the largest such rate over the
	// trials, so "below BelowBound" holds for each); AtLeast: searches
	// that reached the ceiling (the capacity is at least AtLeastBound:
	// the smallest over the trials); Bracket: searches that stopped
	// before converging, each capacity in its [RPS, Failing]
	// (BracketLo: the lowest RPS, BracketHi: the highest Failing).
	Below, AtLeast, Bracket int
	BelowBound              float64
	AtLeastBound            float64
	BracketLo, BracketHi    float64
	// GeneratorLimited counts trials whose point the generator could not
	// send on schedule (Trial.GeneratorLimited).
	GeneratorLimited int
	// MedianLo and MedianHi bound the median of every search, the
	// censored ones included: the median with each censored search at the
	// low end of what it established (0 below a bound, the bound for "at
	// least", the passing rate of a bracket), and at the high end (the
	// bound, +Inf, the failing rate). The true median of the searches lies
	// between them, whatever the censored capacities were; no censored
	// value is turned into a number. Equal to the median when every
	// search converged.
	MedianLo, MedianHi float64
}

// Bounded reports whether the row's censored searches leave the median of
// all its searches between two finite rates (MedianLo > 0 and MedianHi
// finite).
func (r CapacityRow) Bounded() bool {
	return r.Trials > 0 && r.MedianLo > 0 && !math.IsInf(r.MedianHi, 0) && !math.IsNaN(r.MedianHi)
}

// Censored is how many of the row's searches ended on a bound.
func (r CapacityRow) Censored() int { return r.Below + r.AtLeast + r.Bracket }

// HasMedian reports whether the row states a median: more than half of
// its searches ended on a point estimate (with half or more censored,
// the median of the trials is itself only a bound).
func (r CapacityRow) HasMedian() bool { return r.Exact > 0 && 2*r.Exact > r.Trials }

// CapacityRows are the capacity rows of every cell whose trials carry a
// capacity search (a capacity trial, or an overload trial's search for
// its C), in cell and variant order.
func (a *Analysis) CapacityRows() []CapacityRow {
	var out []CapacityRow
	for _, c := range a.ix.cells {
		for _, v := range a.ix.variants {
			ts := a.ix.byCell[c][v]
			if len(ts) == 0 || (ts[0].Capacity == nil && ts[0].Kind != "overload") {
				continue
			}
			r := CapacityRow{Cell: c, Variant: v, Kind: ts[0].Kind}
			var vals, los, his []float64
			for _, t := range ts {
				if t.Capacity == nil && t.Kind != "overload" {
					continue
				}
				r.Trials++
				if k := t.Capacity; k != nil {
					r.Points += len(k.Points)
					if r.Objective == nil {
						r.Objective = k.Objective
					}
				}
				if t.GeneratorLimited {
					r.GeneratorLimited++
				}
				cens, bound := results.SearchOf(t)
				switch cens {
				case results.Exact:
					r.Exact++
					vals = append(vals, bound)
					los, his = append(los, bound), append(his, bound)
				case results.Below:
					r.Below++
					r.BelowBound = math.Max(r.BelowBound, bound)
					los, his = append(los, 0), append(his, bound)
				case results.AtLeast:
					if r.AtLeast == 0 || bound < r.AtLeastBound {
						r.AtLeastBound = bound
					}
					r.AtLeast++
					los, his = append(los, bound), append(his, math.Inf(1))
				case results.Bracket:
					if r.Bracket == 0 || bound < r.BracketLo {
						r.BracketLo = bound
					}
					r.BracketHi = math.Max(r.BracketHi, t.Capacity.Failing)
					r.Bracket++
					los, his = append(los, bound), append(his, t.Capacity.Failing)
				}
			}
			if s := a.Sample(c, v, CapacityUnit); s != nil && s.Summary.N == len(vals) {
				r.Summary = s.Summary
			} else {
				r.Summary = Summary{N: len(vals), Center: Median(vals), Lo: math.Inf(-1), Hi: math.Inf(1)}
			}
			r.MedianLo, r.MedianHi = Median(los), Median(his) // +Inf stays +Inf
			out = append(out, r)
		}
	}
	return out
}

// CapacityPoints are the full (judged) points of variant's searches in
// cell over all its trials, sorted by offered rate: what the knee chart
// draws.
func (a *Analysis) CapacityPoints(c Cell, variant string) []results.CapacityPoint {
	var out []results.CapacityPoint
	for _, t := range a.ix.byCell[c][variant] {
		if t.Capacity == nil {
			continue
		}
		for _, p := range t.Capacity.Points {
			if !p.Probe {
				out = append(out, p)
			}
		}
	}
	slices.SortFunc(out, func(x, y results.CapacityPoint) int {
		switch {
		case x.Offered < y.Offered:
			return -1
		case x.Offered > y.Offered:
			return 1
		}
		return 0
	})
	return out
}
