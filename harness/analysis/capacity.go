package analysis

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"metricstream/harness/results"
)

// CapacityUnit is the bench.txt unit of a capacity search's answer.
const CapacityUnit = "capacity-req/s"

// CapacityRow is one variant's capacity at SLO in one capacity cell: the
// median over its trials of the capacity each trial's search found, with
// the 95% confidence interval of that median (benchmath, as every other
// table), and how the searches ended.
type CapacityRow struct {
	Cell      Cell
	Variant   string
	Kind      string // "capacity", or "overload" (the search that set its C)
	Summary   Summary
	Objective []string // the SLO the points were held to
	Points    int      // points tried over all trials
	NotConv   int      // trials whose search did not converge to its tolerance
	AtMax     int      // trials that reached the search's ceiling (a lower bound)
	BelowMin  int      // trials in which no rate passed
}

// CI says the interval: "[9.8k/s, 10.4k/s]", or "none (n=3; need ≥ 6)".
func (r CapacityRow) CI() string {
	if !r.Summary.HasCI {
		return fmt.Sprintf("none (n=%d; need ≥ %d)", r.Summary.N, MinTrials)
	}
	return fmt.Sprintf("[%s, %s]", FormatValue(CapacityUnit, r.Summary.Lo), FormatValue(CapacityUnit, r.Summary.Hi))
}

// Median is the median capacity, formatted.
func (r CapacityRow) Median() string { return FormatValue(CapacityUnit, r.Summary.Center) }

// Searches says how the searches ended when not all converged: "2 of 6 not
// converged; 1 below the floor".
func (r CapacityRow) Searches() string {
	var parts []string
	if r.NotConv > 0 {
		parts = append(parts, fmt.Sprintf("%d not converged", r.NotConv))
	}
	if r.AtMax > 0 {
		parts = append(parts, fmt.Sprintf("%d at the ceiling (lower bound)", r.AtMax))
	}
	if r.BelowMin > 0 {
		parts = append(parts, fmt.Sprintf("%d: no rate passed", r.BelowMin))
	}
	if len(parts) == 0 {
		return "all converged"
	}
	return strings.Join(parts, "; ")
}

// CapacityRows are the capacity rows of every cell whose trials carry a
// capacity search, in cell and variant order.
func (a *Analysis) CapacityRows() []CapacityRow {
	var out []CapacityRow
	for _, c := range a.ix.cells {
		for _, v := range a.ix.variants {
			ts := a.ix.byCell[c][v]
			if len(ts) == 0 || ts[0].Capacity == nil {
				continue
			}
			r := CapacityRow{Cell: c, Variant: v, Kind: ts[0].Kind, Objective: ts[0].Capacity.Objective}
			vals := make([]float64, 0, len(ts))
			for _, t := range ts {
				k := t.Capacity
				if k == nil {
					continue
				}
				vals = append(vals, k.RPS)
				r.Points += len(k.Points)
				if !k.Converged {
					r.NotConv++
				}
				if k.AtMax {
					r.AtMax++
				}
				if k.BelowMin {
					r.BelowMin++
				}
			}
			if s := a.Sample(c, v, CapacityUnit); s != nil {
				r.Summary = s.Summary
			} else {
				r.Summary = Summary{N: len(vals), Center: Median(vals), Lo: math.Inf(-1), Hi: math.Inf(1),
					Note: "no " + CapacityUnit + " in the benchmark lines"}
			}
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

// CapacityLines are the capacity rows as the terminal summary prints them.
func (a *Analysis) CapacityLines() []string {
	var out []string
	for _, r := range a.CapacityRows() {
		out = append(out, fmt.Sprintf("%s %s: %s, 95%% CI %s (n=%d; %d points; %s)",
			r.Cell, r.Variant, r.Median(), r.CI(), r.Summary.N, r.Points, r.Searches()))
	}
	return out
}
