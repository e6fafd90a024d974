package analysis

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/montanaflynn/stats"

	"metricstream/harness/results"
)

// Descriptive statistics come from montanaflynn/stats; inference
// (confidence intervals, U tests) from golang.org/x/perf/benchmath.

// Median is the median of vs, NaN when vs is empty. It equals benchmath's
// AssumeNothing center, so the trial medians and the tables agree.
func Median(vs []float64) float64 {
	m, err := stats.Median(vs)
	if err != nil {
		return math.NaN()
	}
	return m
}

// MAD is the median absolute deviation of vs, NaN when vs is empty.
func MAD(vs []float64) float64 {
	m, err := stats.MedianAbsoluteDeviation(vs)
	if err != nil {
		return math.NaN()
	}
	return m
}

// StdDev is the sample standard deviation of vs, NaN with fewer than two values.
func StdDev(vs []float64) float64 {
	if len(vs) < 2 {
		return math.NaN()
	}
	s, err := stats.StandardDeviationSample(vs)
	if err != nil {
		return math.NaN()
	}
	return s
}

// MedianOf is the median of f over ts.
func MedianOf(ts []*results.Trial, f func(*results.Trial) float64) float64 {
	vs := make([]float64, 0, len(ts))
	for _, t := range ts {
		vs = append(vs, f(t))
	}
	return Median(vs)
}

// Row is one variant in one cell over its trials: what the terminal
// summary prints per line and the CSV holds.
type Row struct {
	Cell    Cell
	Variant string
	Kind    string // the trials' scenario kind; "" for load scenarios
	Trials  int
	Success float64 // median success-%
	// P99 is the median p99 (ns). With trials whose p99 is censored (more
	// than 1% of their requests timed out: their p99 is only at least the
	// recorded value), it is the median of every trial's recorded value,
	// and P99AtLeast says it is only a lower bound: half or more of the
	// trials are censored, or one is below that median. P99Censored counts
	// them.
	P99         float64
	P99AtLeast  bool
	P99Censored int
	Throughput  float64 // median 2xx/s
	Lost        int64   // most acknowledged metrics one trial lost (durability and fault kinds)
	SLO         SLOVerdict
}

// SLOVerdict is how many trials of a cell met every SLO of their scenario.
// The one SLO rule: a trial meets its SLOs when it carries at least one and
// every one passed; trials without SLOs are not counted.
type SLOVerdict struct {
	With   int      // trials that carry SLOs
	Pass   int      // of those, trials that met every one
	Failed []string // the expressions some trial failed, sorted
}

// Met reports whether every trial carrying SLOs met them (false when none did).
func (s SLOVerdict) Met() bool { return s.With > 0 && s.Pass == s.With }

func sloVerdict(ts []*results.Trial) SLOVerdict {
	var v SLOVerdict
	failed := map[string]bool{}
	for _, t := range ts {
		if len(t.SLO) == 0 {
			continue
		}
		v.With++
		ok := true
		for _, s := range t.SLO {
			if !s.Pass {
				ok = false
				failed[s.Expr] = true
			}
		}
		if ok {
			v.Pass++
		}
	}
	v.Failed = sortedKeys(failed)
	return v
}

// KneeSuccess is the success rate a step's median must reach to count
// toward a knee when its trials carry no SLO.
const KneeSuccess = 95.0

// Knee is the saturation knee of one variant in a scenario stepped by load
// (clients=N or rate=R): the highest step whose trials all met the
// scenario's SLOs, or whose median success reached KneeSuccess when the
// trials carry no SLO. This is the lab's one knee rule.
type Knee struct {
	Scenario string
	Variant  string
	Key      string  // "clients" or "rate"
	Step     string  // the knee step, "rate=4000"; "" when no step met the rule
	Value    float64 // the step's load; 0 when none
	Achieved float64 // median 2xx/s at the knee step
	// BySLO: the rule judged the steps by their SLOs (else by a median
	// success of at least KneeSuccess, the trials carrying none).
	BySLO bool
}

// meetsKneeRule reports whether the trials of one step meet the knee rule,
// and whether it judged them by their SLOs.
func meetsKneeRule(ts []*results.Trial) (ok, bySLO bool) {
	v := sloVerdict(ts)
	if v.With == 0 {
		return MedianOf(ts, func(t *results.Trial) float64 { return t.SuccessPct }) >= KneeSuccess, false
	}
	return v.Pass == len(ts), true
}

// trialIndex groups a run's trials by cell and variant.
type trialIndex struct {
	cells    []Cell
	variants []string
	byCell   map[Cell]map[string][]*results.Trial
}

func indexTrials(run *results.Run) trialIndex {
	ix := trialIndex{byCell: map[Cell]map[string][]*results.Trial{}}
	seen := map[string]bool{}
	for i := range run.Trials {
		t := &run.Trials[i]
		c := Cell{t.Scenario, t.Step}
		if ix.byCell[c] == nil {
			ix.byCell[c] = map[string][]*results.Trial{}
			ix.cells = append(ix.cells, c)
		}
		ix.byCell[c][t.Variant] = append(ix.byCell[c][t.Variant], t)
		seen[t.Variant] = true
	}
	ix.variants = orderVariants(run, seen)
	sortCells(ix.cells, scenarioRank(run))
	return ix
}

// TrialCells are the cells that have trials, in report order.
func (a *Analysis) TrialCells() []Cell { return a.ix.cells }

// TrialVariants are the variants that have trials, in report order.
func (a *Analysis) TrialVariants() []string { return a.ix.variants }

// Trials are variant's trials in cell.
func (a *Analysis) Trials(cell Cell, variant string) []*results.Trial {
	return a.ix.byCell[cell][variant]
}

// SteppedBy returns the step key shared by all cells of a scenario stepped
// by load ("clients" or "rate"), or "" when it is not stepped that way.
func (a *Analysis) SteppedBy(scenario string) string {
	key, n := "", 0
	for _, c := range a.ix.cells {
		if c.Scenario != scenario {
			continue
		}
		n++
		k, _, ok := StepValue(c.Step)
		if !ok || (key != "" && k != key) {
			return ""
		}
		key = k
	}
	if n < 2 {
		return ""
	}
	return key
}

// trialRows computes one Row per cell and variant.
func (a *Analysis) trialRows() {
	for _, c := range a.ix.cells {
		for _, v := range a.ix.variants {
			ts := a.ix.byCell[c][v]
			if len(ts) == 0 {
				continue
			}
			r := Row{Cell: c, Variant: v, Kind: ts[0].Kind, Trials: len(ts), SLO: sloVerdict(ts),
				Success:    a.CellMedian(c, v, "success-%", ts, func(t *results.Trial) float64 { return t.SuccessPct }),
				P99:        a.CellMedian(c, v, "p99-ns", ts, func(t *results.Trial) float64 { return float64(t.Latency.P99) }),
				Throughput: a.CellMedian(c, v, "req/s", ts, func(t *results.Trial) float64 { return t.Throughput })}
			for _, t := range ts {
				r.Lost = max(r.Lost, t.Lost)
			}
			if m, n, atLeast := censoredMedian(ts, "p99-ns"); n > 0 {
				r.P99, r.P99Censored, r.P99AtLeast = m, n, atLeast
			}
			a.Rows = append(a.Rows, r)
		}
	}
}

// censoredMedian is the median of unit's recorded values over ts when
// some are censored from above (a latency whose true value is at least
// the recorded one): the number censored, and whether the median is only
// a lower bound (half or more censored, or a censored value below it).
// n is 0 when none is censored.
func censoredMedian(ts []*results.Trial, unit string) (m float64, n int, atLeast bool) {
	var all, cens []float64
	for _, t := range ts {
		v, c, ok := roundValue(t, unit)
		if !ok {
			continue
		}
		all = append(all, v)
		if c {
			cens = append(cens, v)
		}
	}
	if len(cens) == 0 {
		return 0, 0, false
	}
	m = Median(all)
	atLeast = 2*len(cens) >= len(all)
	for _, v := range cens {
		atLeast = atLeast || v < m
	}
	return m, len(cens), atLeast
}

// Censored counts variant's trials in cell whose value of unit is
// censored (results.TrialUnits): left out of the unit's sample, so a
// table stating that sample's median must say how many it leaves out.
func (a *Analysis) Censored(cell Cell, variant, unit string) int {
	n := 0
	for _, t := range a.ix.byCell[cell][variant] {
		if _, c, ok := roundValue(t, unit); ok && c {
			n++
		}
	}
	return n
}

// CellMedian is the median of unit for variant v in cell c as the tables
// state it (the sample of the benchmark lines), else the median of f over
// ts: rows and charts state the tables' numbers.
func (a *Analysis) CellMedian(c Cell, v, unit string, ts []*results.Trial, f func(*results.Trial) float64) float64 {
	if m, ok := a.Center(c, v, unit); ok {
		return m
	}
	return MedianOf(ts, f)
}

// Row returns variant's row in cell, or nil.
func (a *Analysis) Row(cell Cell, variant string) *Row {
	for i := range a.Rows {
		if r := &a.Rows[i]; r.Cell == cell && r.Variant == variant {
			return r
		}
	}
	return nil
}

// knees applies the knee rule to every load scenario stepped by clients or
// rate, for every variant measured in it.
func (a *Analysis) knees() {
	var scenarios []string
	for _, c := range a.ix.cells {
		if !slices.Contains(scenarios, c.Scenario) {
			scenarios = append(scenarios, c.Scenario)
		}
	}
	for _, s := range scenarios {
		key := a.SteppedBy(s)
		if key != "clients" && key != "rate" {
			continue
		}
		for _, v := range a.ix.variants {
			k := Knee{Scenario: s, Variant: v, Key: key}
			judged := false
			for _, c := range a.ix.cells {
				ts := a.ix.byCell[c][v]
				if c.Scenario != s || len(ts) == 0 || ts[0].Kind != "" {
					continue
				}
				ok, bySLO := meetsKneeRule(ts)
				k.BySLO, judged = bySLO, true
				if _, x, _ := StepValue(c.Step); ok && x > k.Value {
					k.Step, k.Value = c.Step, x
					k.Achieved = a.CellMedian(c, v, "req/s", ts, func(t *results.Trial) float64 { return t.Throughput })
				}
			}
			if judged {
				a.Knees = append(a.Knees, k)
			}
		}
	}
}

// KneesOf are the knees of scenario, in variant order.
func (a *Analysis) KneesOf(scenario string) []Knee {
	var out []Knee
	for _, k := range a.Knees {
		if k.Scenario == scenario {
			out = append(out, k)
		}
	}
	return out
}

func scenarioRank(run *results.Run) map[string]int {
	rank := map[string]int{}
	for i, s := range run.Meta.Scenarios {
		if _, ok := rank[s]; !ok {
			rank[s] = i
		}
	}
	return rank
}

// StepValue returns the key and numeric value of a step "clients=100".
func StepValue(step string) (string, float64, bool) {
	k, v, ok := strings.Cut(step, "=")
	if !ok {
		return "", 0, false
	}
	f, err := strconv.ParseFloat(v, 64)
	return k, f, err == nil
}
