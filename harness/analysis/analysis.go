package analysis

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchmath"
	"golang.org/x/perf/benchproc"

	"metricstream/harness/results"
)

// Confidence is the level of every confidence interval in a report.
const Confidence = 0.95

// Alpha is the familywise error rate the run's corrected p-values are held
// to: the chance of any false better/worse verdict in a run.
const Alpha = 0.05

// MinTrials is the fewest trials per cell for which benchmath.AssumeNothing
// gives a finite 95% confidence interval for the median. Comparisons with
// fewer trials on either side are reported but not tested.
const MinTrials = 6

// UnitLabel is how verdicts name unit ("throughput" for req/s).
func UnitLabel(unit string) string {
	for _, u := range results.AllUnits() {
		if u.Name == unit {
			return u.Label
		}
	}
	return unit
}

// knownBetter is the direction results.AllUnits gives unit: for runs whose
// bench.txt predates its "Unit … better=" lines.
func knownBetter(unit string) int {
	for _, u := range results.AllUnits() {
		if u.Name == unit {
			return betterOf(u.Better)
		}
	}
	return 0
}

func betterOf(v string) int {
	switch v {
	case "higher":
		return +1
	case "lower":
		return -1
	}
	return 0
}

// Direction reports which way unit improves, as the run's data says: +1
// when higher is better, -1 when lower is better, 0 when the data does not
// say (a unit without a "Unit <unit> better=…" line that the lab does not
// write either).
func (a *Analysis) Direction(unit string) int {
	if d, ok := a.better[unit]; ok {
		return d
	}
	return knownBetter(unit)
}

// Cell is one load condition: a scenario and, for stepped scenarios, its
// step ("clients=100", "rate=5000").
type Cell struct {
	Scenario string
	Step     string
}

func (c Cell) String() string {
	if c.Step == "" {
		return c.Scenario
	}
	return c.Scenario + " " + c.Step
}

// Summary is benchmath's summary of one sample: the median and, with enough
// trials, its confidence interval.
type Summary struct {
	N      int
	Center float64
	Lo, Hi float64
	MAD    float64 // median absolute deviation
	StdDev float64 // sample standard deviation; NaN when N < 2
	HasCI  bool    // false when N < MinTrials (or no sample): the interval is unbounded
}

// Sample is the measurements of one unit for one variant in one cell.
type Sample struct {
	Cell    Cell
	Variant string
	Unit    string
	Values  []float64 // ascending
	Summary Summary
	bm      *benchmath.Sample
}

// Pair is two variants compared: New against Old (its base).
type Pair struct {
	Old, New string
	Kind     string // "journey", "A/A" or "vs first"
}

// Diff lists the dimensions in which p's variants differ, in the lab's
// order; it is empty with known true for the same build, and empty with
// known false when either variant's set is unknown.
func (a *Analysis) Diff(p Pair) (diff []Change, known bool) {
	return setDiff(a.Run, p.Old, p.New)
}

// Change is one dimension two variants set differently: New in the new
// arm, Old in the old ("" where an arm does not set it: the lab's default,
// or, for Dim "server", the lab's own server against a reference server).
type Change struct {
	Dim, Old, New string
}

// Comparison is one unit of one cell compared between the variants of a
// Pair: paired over the rounds (Effect: what the verdict uses), and, as
// benchstat compares them, the two medians with a Mann-Whitney U test
// (described only: the rounds' pairing is what removes the machine's
// drift from the comparison).
type Comparison struct {
	Pair
	Cell     Cell
	Unit     string
	Old, New Summary // the medians over each arm's uncensored values (benchmath)
	Delta    float64 // percent change of the medians, new vs old (benchstat's delta)
	P        float64 // Mann-Whitney U p-value of the two samples, unadjusted (benchstat's p); NaN without both
	N1, N2   int     // values of Old and New
	Better   int     // the unit's direction: +1 higher is better, -1 lower, 0 unknown
	Warnings []string
	// Effect is the paired effect over the rounds.
	Effect Effect
	// Tested: a verdict unit with at least MinRounds rounds, so a
	// hypothesis of the run's family; Primary: a journey step's primary
	// hypothesis; Weight its share of the family's α; PAdj its p-value
	// adjusted over the family (weighted Holm), NaN when not tested.
	Tested  bool
	Primary bool
	Weight  float64
	PAdj    float64
}

// Significant reports whether the paired comparison rejects "no
// difference" at Alpha after the family's correction.
func (c *Comparison) Significant() bool { return c.Tested && c.PAdj < Alpha }

// Outcome is a comparison's conclusion as a value (harness/report says it
// in words).
type Outcome uint8

const (
	// NoVerdict: a unit outside the family, described, not tested.
	NoVerdict Outcome = iota
	// NoDifference: not significant, or rounds that differ too rarely to
	// test.
	NoDifference
	// CensoredOut: too few rounds left once the rounds with a censored
	// value are left out.
	CensoredOut
	// TooFewTrials: fewer than MinRounds paired rounds.
	TooFewTrials
	// Better and Worse: significant, by the unit's direction.
	Better
	Worse
	// Changed: significant, in a unit of unknown direction.
	Changed
)

// Decided reports whether o is a significant difference.
func (o Outcome) Decided() bool { return o == Better || o == Worse || o == Changed }

// Outcome is the comparison's conclusion: Better or Worse (by the unit's
// direction), Changed, NoDifference, CensoredOut, TooFewTrials or
// NoVerdict.
func (c *Comparison) Outcome() Outcome {
	switch {
	case !IsVerdictUnit(c.Unit):
		return NoVerdict
	case !c.Tested && c.Effect.Rounds >= MinRounds:
		return NoDifference
	case !c.Tested && c.Effect.Censored > 0 && c.Effect.Rounds+c.Effect.Censored >= MinRounds:
		return CensoredOut
	case !c.Tested:
		return TooFewTrials
	case !c.Significant():
		return NoDifference
	}
	d := c.Better
	switch {
	case d == 0 || c.Effect.Estimate == 0:
		return Changed
	case (c.Effect.Estimate > 0) == (d > 0):
		return Better
	}
	return Worse
}

// Verdict is the conclusion for one Pair in one Cell, as values (the
// report phrases it): the comparisons that are significant, or, with
// none, the one that says what the cell rules out.
type Verdict struct {
	Pair
	Cell Cell
	// Significant are the cell's significant comparisons, in unit order.
	Significant []*Comparison
	// Null is, when none is significant, the tested comparison that says
	// what the cell rules out: throughput or capacity at SLO where one was
	// tested, else the first tested; nil when none was tested.
	Null *Comparison
	// Rounds is the most paired rounds any comparison of the cell rests
	// on.
	Rounds int
}

// TooFew reports whether no comparison of the cell could be tested (too
// few paired rounds, or too few once censored rounds are left out).
func (v Verdict) TooFew() bool { return len(v.Significant) == 0 && v.Null == nil }

// Analysis is everything a report and `lab compare` print about a run's
// numbers.
type Analysis struct {
	Run         *results.Run
	Source      string   // where the benchmark lines came from
	Variants    []string // labels, in Meta order then sorted
	Cells       []Cell   // scenario order of Meta, steps numerically
	UnitNames   []string // Units order, then unknown units sorted
	Pairs       []Pair   // compared pairs
	Comparisons []Comparison
	Verdicts    []Verdict
	Plan        FamilyPlan   // the one family the verdicts are corrected over (family.go)
	Order       []OrderCheck // position in the round as a factor (order.go)
	Rows        []Row        // one per cell and variant with trials, medians over the trials
	Knees       []Knee       // one per stepped load scenario and variant
	SeedDesigns []Seed       // per seed-design scenario: what broke, at what load, beside the fix
	Failed      []Problem    // every variant that failed (not measured): Name empty, Detail why
	Problems    []Problem    // every check or trial of a measured variant that did not pass (verify.json)
	samples     map[sampleKey]*Sample
	ix          trialIndex
	better      map[string]int // unit -> direction, from the data's unit metadata

	Stages []StageCost // per scenario and variant with stage counters (stages.go)
	USL    []USLFit    // per closed-loop client sweep and variant (usl.go)
	Steps  []StepRow   // "What each step buys": one per journey step (steps.go)
	Series Series      // every series the charts draw (series.go)

	ReplicaFindings []ReplicaFinding // per replica cell and variant: admitted rate per client, × the limit (findings.go)
	FaultFindings   FaultFindings    // per fault kind, cell and variant: its criteria (docs/faults.md) as figures and verdicts
}

type sampleKey struct {
	cell          Cell
	variant, unit string
}

// Sample returns the sample of unit for variant in cell, or nil.
func (a *Analysis) Sample(cell Cell, variant, unit string) *Sample {
	return a.samples[sampleKey{cell, variant, unit}]
}

// Center is the median of unit for variant in cell, as the tables state it.
func (a *Analysis) Center(cell Cell, variant, unit string) (float64, bool) {
	s := a.Sample(cell, variant, unit)
	if s == nil {
		return math.NaN(), false
	}
	return s.Summary.Center, true
}

// benchData returns the run's benchmark lines: bench.txt when it exists,
// else results.BenchText of the trials.
func benchData(run *results.Run) ([]byte, string, error) {
	if run.Dir != "" {
		p := filepath.Join(run.Dir, results.BenchFile)
		b, err := os.ReadFile(p)
		if err == nil {
			return b, results.BenchFile, nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			return nil, "", fmt.Errorf("analysis: %w", err)
		}
	}
	return []byte(results.BenchText(run)), "trials (no " + results.BenchFile + ")", nil
}

// Analyze reads a run's benchmark lines and computes every summary,
// comparison and verdict of its report.
func Analyze(run *results.Run) (*Analysis, error) {
	data, source, err := benchData(run)
	if err != nil {
		return nil, err
	}
	a := &Analysis{Run: run, Source: source, samples: map[sampleKey]*Sample{}, better: map[string]int{}}

	filter, err := benchproc.NewFilter(".name:Scenario")
	if err != nil {
		return nil, fmt.Errorf("analysis: %w", err)
	}
	var pp benchproc.ProjectionParser
	colBy, err := pp.Parse("/variant", filter)
	if err != nil {
		return nil, fmt.Errorf("analysis: %w", err)
	}
	// .fullname after /variant excludes the variant: a row is a cell.
	rowBy, err := pp.Parse(".fullname", filter)
	if err != nil {
		return nil, fmt.Errorf("analysis: %w", err)
	}
	variantField := colBy.Fields()[0]

	cells := map[benchproc.Key]Cell{}
	values := map[sampleKey][]float64{}
	seenVariant := map[string]bool{}
	seenUnit := map[string]bool{}
	r := benchfmt.NewReader(bytes.NewReader(data), source)
	for r.Scan() {
		res, ok := r.Result().(*benchfmt.Result)
		if !ok {
			continue // syntax errors and unit metadata: not ours to judge
		}
		if match, _ := filter.Apply(res); !match {
			continue
		}
		row := rowBy.Project(res)
		cell, ok := cells[row]
		if !ok {
			cell = cellOf(res.Name)
			cells[row] = cell
		}
		variant := colBy.Project(res).Get(variantField)
		if variant == "" {
			continue
		}
		seenVariant[variant] = true
		for _, v := range res.Values {
			unit, val := v.OrigUnit, v.OrigValue
			if unit == "" {
				unit, val = v.Unit, v.Value
			}
			seenUnit[unit] = true
			k := sampleKey{cell, variant, unit}
			values[k] = append(values[k], val)
		}
	}
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("analysis: %w", err)
	}
	for unit := range seenUnit {
		if m := r.Units().Get(unit, "better"); m != nil {
			a.better[unit] = betterOf(m.Value)
		}
	}

	a.ix = indexTrials(run)
	dropCensored(a.ix, values)

	a.Variants = orderVariants(run, seenVariant)
	a.Cells = orderCells(run, cells)
	for _, u := range results.AllUnits() {
		if seenUnit[u.Name] {
			a.UnitNames = append(a.UnitNames, u.Name)
			delete(seenUnit, u.Name)
		}
	}
	a.UnitNames = append(a.UnitNames, sortedKeys(seenUnit)...)

	thresholds := benchmath.DefaultThresholds
	thresholds.CompareAlpha = Alpha
	for k, vs := range values {
		bm := benchmath.NewSample(vs, &thresholds)
		a.samples[k] = &Sample{Cell: k.cell, Variant: k.variant, Unit: k.unit, Values: bm.Values, Summary: summarize(bm), bm: bm}
	}

	a.Pairs = choosePairs(run, a.Variants)
	a.paired()
	a.trialRows()
	a.knees()
	a.replicas()
	a.faults()
	a.stageCosts()
	a.uslFits()
	a.steps()
	a.seedDesigns()
	a.Series = a.series()
	for _, c := range run.Checks {
		if c.Failed != "" {
			a.Failed = append(a.Failed, Problem{Variant: c.Variant, Detail: c.Failed})
			continue
		}
		for _, s := range c.Steps {
			if !s.OK {
				a.Problems = append(a.Problems, Problem{Variant: c.Variant, Name: s.Name, Detail: s.Detail, Cell: s.Cell, Trial: s.Trial})
			}
		}
	}
	return a, nil
}

// dropCensored takes, for every cell, variant and unit whose trials hold a
// censored value (results.TrialUnits), the sample from the trials'
// uncensored values instead of the benchmark lines: bench.txt written
// before BenchLine left censored values out holds them as numbers (a
// search that never passed as 0 req/s). Samples without a censored value
// stay exactly the lines benchstat reads.
func dropCensored(ix trialIndex, values map[sampleKey][]float64) {
	for _, c := range ix.cells {
		for v, ts := range ix.byCell[c] {
			exact := map[string][]float64{}
			censored := map[string]bool{}
			for _, t := range ts {
				for _, u := range results.TrialUnits(t) {
					if u.Censored {
						censored[u.Unit] = true
					} else {
						exact[u.Unit] = append(exact[u.Unit], u.Value)
					}
				}
			}
			for unit := range censored {
				k := sampleKey{c, v, unit}
				if _, inBench := values[k]; !inBench {
					continue
				}
				if len(exact[unit]) == 0 {
					delete(values, k)
				} else {
					values[k] = exact[unit]
				}
			}
		}
	}
}

func summarize(s *benchmath.Sample) Summary {
	sum := benchmath.AssumeNothing.Summary(s, Confidence)
	out := Summary{N: len(s.Values), Center: sum.Center, Lo: sum.Lo, Hi: sum.Hi, MAD: MAD(s.Values), StdDev: StdDev(s.Values)}
	out.HasCI = !math.IsInf(sum.Lo, 0) && !math.IsInf(sum.Hi, 0) && out.N >= MinTrials
	return out
}

// compare fills Comparisons: for every pair, cell and unit either arm
// carries, the unpaired medians (benchstat's view) and the paired effect
// over the rounds.
func (a *Analysis) compare() {
	for _, p := range a.Pairs {
		for _, cell := range a.Cells {
			to, tn := a.ix.byCell[cell][p.Old], a.ix.byCell[cell][p.New]
			for _, unit := range a.UnitNames {
				so, sn := a.Sample(cell, p.Old, unit), a.Sample(cell, p.New, unit)
				paired := len(to) > 0 && len(tn) > 0 && carries(to, unit) && carries(tn, unit)
				if (so == nil || sn == nil) && !paired {
					continue
				}
				c := Comparison{Pair: p, Cell: cell, Unit: unit, Old: summaryOf(so), New: summaryOf(sn),
					P: math.NaN(), PAdj: math.NaN(), Better: a.Direction(unit), Delta: math.NaN()}
				if so != nil && sn != nil {
					c.N1, c.N2 = len(so.Values), len(sn.Values)
					c.Delta = pctDelta(so.Summary.Center, sn.Summary.Center)
					bc := benchmath.AssumeNothing.Compare(so.bm, sn.bm)
					c.P = bc.P
					for _, w := range bc.Warnings {
						c.Warnings = append(c.Warnings, w.Error())
					}
				}
				if paired {
					c.Effect = pairedEffect(to, tn, unit, a.Run.Meta.Duet)
				} else {
					c.Effect = pairedEffect(nil, nil, unit, false)
				}
				a.Comparisons = append(a.Comparisons, c)
			}
		}
	}
}

// paired computes every comparison, the family and its correction, the
// verdicts and the order checks: the inference of the run, from its
// trials (Pairs, Cells, UnitNames and the trial index set).
func (a *Analysis) paired() {
	a.compare()
	a.setFamily()
	a.verdicts()
	a.orderChecks()
}

// verdicts fills Verdicts: one per pair and cell.
func (a *Analysis) verdicts() {
	for _, p := range a.Pairs {
		for _, cell := range a.Cells {
			var cs []*Comparison
			for i := range a.Comparisons {
				c := &a.Comparisons[i]
				if c.Pair == p && c.Cell == cell {
					cs = append(cs, c)
				}
			}
			if len(cs) > 0 {
				a.Verdicts = append(a.Verdicts, verdictOf(p, cell, cs))
			}
		}
	}
}

// summaryOf is s's summary, or an empty one when every value was
// censored (no sample).
func summaryOf(s *Sample) Summary {
	if s == nil {
		return Summary{Center: math.NaN(), Lo: math.Inf(-1), Hi: math.Inf(1), MAD: math.NaN(), StdDev: math.NaN()}
	}
	return s.Summary
}

func pctDelta(old, new float64) float64 {
	switch {
	case old == new:
		return 0
	case old == 0:
		return math.Inf(int(math.Copysign(1, new)))
	}
	return (new - old) / math.Abs(old) * 100
}

// verdictOf is the verdict of a pair in a cell from its comparisons.
func verdictOf(p Pair, cell Cell, cs []*Comparison) Verdict {
	v := Verdict{Pair: p, Cell: cell}
	for _, c := range cs {
		v.Rounds = max(v.Rounds, c.Effect.Rounds)
		if !c.Tested {
			continue
		}
		if c.Significant() {
			v.Significant = append(v.Significant, c)
			continue
		}
		if v.Null == nil || (c.Unit == CapacityUnit || c.Unit == ThroughputUnit) && v.Null.Unit != CapacityUnit {
			v.Null = c
		}
	}
	if len(v.Significant) > 0 {
		v.Null = nil
	}
	return v
}

// cellOf reads the scenario and step of a name
// BenchmarkScenario/scenario=<s>[/<step>...]/variant=<label>.
func cellOf(n benchfmt.Name) Cell {
	_, parts := n.Parts()
	var c Cell
	var step []string
	for _, p := range parts {
		s := strings.TrimPrefix(string(p), "/")
		k, v, _ := strings.Cut(s, "=")
		switch k {
		case "scenario":
			c.Scenario = v
		case "variant":
		default:
			step = append(step, s)
		}
	}
	c.Step = strings.Join(step, "/")
	return c
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// orderVariants lists labels in Meta.Variants order, then any others sorted.
func orderVariants(run *results.Run, seen map[string]bool) []string {
	var out []string
	done := map[string]bool{}
	for _, v := range run.Meta.Variants {
		if seen[v.Label] && !done[v.Label] {
			out = append(out, v.Label)
			done[v.Label] = true
		}
	}
	for _, l := range sortedKeys(seen) {
		if !done[l] {
			out = append(out, l)
		}
	}
	return out
}

func orderCells(run *results.Run, m map[benchproc.Key]Cell) []Cell {
	rank := map[string]int{}
	for i, s := range run.Meta.Scenarios {
		if _, ok := rank[s]; !ok {
			rank[s] = i
		}
	}
	var cells []Cell
	seen := map[Cell]bool{}
	for _, c := range m {
		if !seen[c] {
			seen[c] = true
			cells = append(cells, c)
		}
	}
	sortCells(cells, rank)
	return cells
}

func sortCells(cells []Cell, rank map[string]int) {
	sort.Slice(cells, func(i, j int) bool {
		a, b := cells[i], cells[j]
		if a.Scenario != b.Scenario {
			ra, oka := rank[a.Scenario]
			rb, okb := rank[b.Scenario]
			switch {
			case oka && okb:
				return ra < rb
			case oka != okb:
				return oka
			}
			return a.Scenario < b.Scenario
		}
		return stepLess(a.Step, b.Step)
	})
}

// stepLess orders steps by key, then numerically by value: clients=50 before
// clients=100.
func stepLess(a, b string) bool {
	ka, va, _ := strings.Cut(a, "=")
	kb, vb, _ := strings.Cut(b, "=")
	if ka != kb {
		return ka < kb
	}
	fa, ea := strconv.ParseFloat(va, 64)
	fb, eb := strconv.ParseFloat(vb, 64)
	if ea == nil && eb == nil && fa != fb {
		return fa < fb
	}
	return a < b
}

// Problem is one thing the experiment's checks found wrong with a variant:
// the check or trial (Name, e.g. "redis-latency latency=1ms (d14)"; for a
// trial also its Cell and Trial apart) and what it found (Detail), as the
// experiment wrote them in verify.json.
type Problem struct {
	Variant, Name, Detail string
	Cell, Trial           string
}
