package report

import (
	"bytes"
	"html"
	"math"
	"os"
	"regexp"
	"strings"
	"testing"

	"metricstream/harness/analysis"
	"metricstream/harness/internal/stagetest"
	"metricstream/harness/results"
	"metricstream/harness/usl"
)

// rendered builds run's report and its page, unescaped.
func rendered(t *testing.T, run *results.Run) (*Report, string) {
	t.Helper()
	rep, err := Build(run)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := rep.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	return rep, html.UnescapeString(b.String())
}

// wordsOf is everything the report's words say about run: the terminal
// summary (unwrapped: one sentence a line, as it is phrased), the compare
// text, the step rows' cells and the stage tables' shares.
func wordsOf(t *testing.T, run *results.Run) string {
	t.Helper()
	rep, err := Build(run)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := writeSummary(&errWriter{w: &b, width: 1 << 20}, rep.Analysis, true); err != nil {
		t.Fatal(err)
	}
	if err := WriteText(&b, rep.Analysis); err != nil {
		t.Fatal(err)
	}
	for _, v := range rep.Steps {
		b.WriteString(strings.Join([]string{v.Cell, v.Effect, v.Capacity, v.Predicted, v.PredictedCPU, v.Reason}, "\n") + "\n")
	}
	for _, st := range rep.StageTables {
		b.WriteString(strings.Join(st.Sentences, "\n") + "\n")
	}
	return b.String()
}

// cpuBusyRun is stagetest's run with CPU figures, the machine busy.
func cpuBusyRun(busy float64) *results.Run { return stagetest.WithCPU(stagesRun(), busy) }

// "Bound" and "at most" appear only where one holds, with its assumption
// beside it: the Amdahl share of a request's own time (not throughput),
// GOMAXPROCS's requests on a CPU at once, X·S of a section one request
// holds at a time, the family's error rate, and a censored value's bound.
// Every prediction is called one.
func TestWordsBoundOnlyWhereOneHolds(t *testing.T) {
	allowed := []*regexp.Regexp{
		regexp.MustCompile(`can cut a request's time there by more than [0-9.]+% \(Amdahl, at this load; it does not bound throughput on shared CPUs`),
		regexp.MustCompile(`GOMAXPROCS [0-9]+(, server pinned to 1 CPU)?: at most [0-9]+ requests run on a CPU at once`),
		regexp.MustCompile(`busy at most [0-9.]+% of the time at .* \(X·S, Little's law: at most, as the stage's time includes its own wait, if one request holds it at a time\)`),
		regexp.MustCompile(`^ ?it does not bound throughput on shared CPUs, where removing one stage's work also shortens the other stages' waits\)`),
		regexp.MustCompile(`in the run is at most 5%`),
		regexp.MustCompile(`ended on a bound|a bound, not a capacity|counted with their bounds`),
	}
	for name, run := range map[string]*results.Run{"stages": stagesRun(), "cpu-bound": cpuBusyRun(0.97), "cpu to spare": cpuBusyRun(0.6), "fixture": fixture(t), "unreachable SLO": unreachableRun()} {
		words := wordsOf(t, run)
		// "CPU-bound" is a state of the machine, not a bound
		for _, clause := range regexp.MustCompile(`[^;\n]*(?:(?:^|[^-\w])bound|at most)[^;\n]*`).FindAllString(words, -1) {
			ok := false
			for _, re := range allowed {
				ok = ok || re.MatchString(clause)
			}
			if !ok {
				t.Errorf("%s: %q says bound or at most where none is allowed", name, clause)
			}
		}
		if strings.Contains(words, "a bound only") || strings.Contains(words, "can buy more than") {
			t.Errorf("%s: the old words are back:\n%s", name, words)
		}
		for _, line := range strings.Split(words, "\n") {
			if strings.Contains(line, "PREDICTED") || !strings.Contains(line, "per request;") {
				continue
			}
			if !strings.Contains(line, "prediction") && !strings.Contains(line, "the time moved") {
				t.Errorf("%s: a figure from stage costs or CPU time not called a prediction: %q", name, line)
			}
		}
	}
	// The CPU prediction says when its assumption does not hold.
	if w := wordsOf(t, cpuBusyRun(0.6)); !strings.Contains(w, "not CPU-bound, so its assumption, that the CPUs are the bottleneck, does not hold here") {
		t.Errorf("CPU prediction at 60%% busy does not say its assumption failed:\n%s", w)
	}
	if w := wordsOf(t, cpuBusyRun(0.97)); !strings.Contains(w, "CPU-bound, where it applies") || !strings.Contains(w, "CPU-bound, so only less CPU per answered request raises throughput") {
		t.Errorf("CPU-bound words missing:\n%s", w)
	}
}

// A prediction from fewer timed requests than the floor is no figure:
// "too few timed requests (n)", and no agrees/disagrees.
func TestWordsTooFewTimed(t *testing.T) {
	run := stagesRun()
	for i := range run.Trials {
		if s := run.Trials[i].Stages; s != nil {
			c := *s
			c.Sampled = 2
			c.Every = 64
			for j := range c.Stages {
				c.Stages[j].Count = 2
				c.Stages[j].SumNS = s.Stages[j].SumNS / int64(s.Sampled) * 2
			}
			c = results.AddStages(&c)
			run.Trials[i].Stages = &c
		}
	}
	rep, err := Build(run)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range rep.Steps {
		if v.Predicted != "too few timed requests (20; a prediction needs ≥ 200)" {
			t.Errorf("%s predicted %q", v.Dimension, v.Predicted)
		}
	}
	if w := wordsOf(t, run); strings.Contains(w, "inside the measured interval") || strings.Contains(w, "outside the measured interval") {
		t.Errorf("agreement drawn from 20 timed requests:\n%s", w)
	}
}

// A non-significant step says first what its interval rules out and the
// smallest effect the run could have detected.
func TestWordsNullResult(t *testing.T) {
	rep, err := Build(stagesRun())
	if err != nil {
		t.Fatal(err)
	}
	lock := rep.Steps[1]
	if !strings.HasPrefix(lock.Reason, "no effect larger than 3.0% either way on throughput (95% interval [-2.0%, +3.0%], 10 rounds); the smallest effect this run could detect at 80% power: ±") {
		t.Errorf("lock reason %q", lock.Reason)
	}
	// a comparison whose rounds cannot reach its threshold says so
	e := analysis.Effect{Rounds: 6, Lo: -10, Hi: 12, MDE: math.Inf(1)}
	c := &analysis.Comparison{Unit: "req/s", Effect: e, Tested: true, PAdj: 1}
	if got := nullText(c); !strings.Contains(got, "no effect larger than 12.0% either way") || !strings.Contains(got, "could not detect an effect of any size: 6 rounds give p ≥ 0.031") {
		t.Errorf("null text %q", got)
	}
	// an interval that excludes 0 yet is not significant after the family
	c.Effect.Lo, c.Effect.Hi = 2, 9
	if got := nullText(c); !strings.Contains(got, "changed by +2.0% to +9.0%") || !strings.Contains(got, "not significant once corrected") {
		t.Errorf("null text %q", got)
	}
}

// The page and the compare text state the correction, its family and its
// size.
func TestWordsFamilyStated(t *testing.T) {
	for _, tc := range []struct {
		run  *results.Run
		size int
		want []string
	}{
		// stagetest: the two steps' primaries, and success at 100% everywhere
		{stagesRun(), 2, []string{"Correction over the whole family the run tests: 2 hypotheses (2 pairs × 1 cells × 1 verdict units", "Holm's step-down at α=0.05",
			"26 comparisons whose rounds differ in fewer than 6 rounds"}},
		// the fixture: one journey step's primary beside the A/A pair's and the secondary cells
		{fixture(t), 0, []string{"Correction over the whole family the run tests: ", "weighted Holm step-down at α=0.05", "the journey steps' primary hypotheses, 1 (each step's primary cell"}},
	} {
		rep, p := rendered(t, tc.run)
		var text bytes.Buffer
		if err := WriteText(&text, rep.Analysis); err != nil {
			t.Fatal(err)
		}
		txt := strings.Join(strings.Fields(text.String()), " ") // unwrapped
		for _, want := range tc.want {
			if !strings.Contains(p, want) || !strings.Contains(txt, want) {
				t.Errorf("page or text lacks %q", want)
			}
		}
		if f := rep.Analysis.Plan; tc.size > 0 && f.Size != tc.size {
			t.Errorf("plan %+v, want %d hypotheses", f, tc.size)
		}
	}
}

// An A/A run in random order shows its order check on the page: an
// order effect built into the data (the arm that ran second measures 8%
// lower) is found; a run without one is not flagged; a fixed-order run
// says the check is not possible.
func TestWordsOrderCheck(t *testing.T) {
	mk := func(order string, penalty float64) *results.Run {
		run := &results.Run{Meta: results.Meta{RunID: "aa", Scenarios: []string{"s1", "s2"}, Order: order,
			Variants: []results.Variant{{Label: "phase3", Preset: "phase3"}, {Label: "phase3#2", Preset: "phase3"}}}}
		for _, sc := range []string{"s1", "s2"} {
			for k := 0; k < 12; k++ {
				first := k%2 == 0
				if k%4 >= 2 {
					first = !first
				}
				for i, v := range []string{"phase3", "phase3#2"} {
					pos := i
					if !first {
						pos = 1 - i
					}
					x := 1000 * (1 + 0.002*float64((k*5+i*3)%7-3))
					if pos == 1 {
						x *= 1 - penalty
					}
					run.Trials = append(run.Trials, results.Trial{Scenario: sc, Variant: v, Trial: k, Position: pos, Model: "closed",
						Throughput: x, SuccessPct: 100, Counts: results.Counts{Status2xx: 100}, Latency: results.Latency{P99: int64(1e6 / x * 1e3)}})
				}
			}
		}
		return run
	}
	page := func(run *results.Run) string {
		_, p := rendered(t, run)
		return p
	}
	if p := page(mk("random", 0.08)); !strings.Contains(p, "Order check (position in the round as a factor; arms in random order per round): A/A, throughput: of a pair, the arm that ran later in the round measured -8.") ||
		!strings.Contains(p, "ORDER EFFECT") {
		t.Errorf("order effect not shown:\n%s", p[strings.Index(p, "Order check"):][:400])
	}
	if p := page(mk("random", 0)); !strings.Contains(p, "A/A, throughput: of a pair, the arm that ran later in the round measured") || strings.Contains(p, "ORDER EFFECT") {
		t.Errorf("no order effect, yet:\n%s", p[strings.Index(p, "Order check"):][:400])
	}
	if p := page(mk("", 0)); !strings.Contains(p, "Order check: not possible: this run's arms ran in the same order in every round") {
		t.Error("fixed order: check not said impossible")
	}
}

// unreachableRun is a capacity run with an SLO no rate meets (p99 ≤ 10µs):
// every search of both arms ends Below the lowest rate tried.
func unreachableRun() *results.Run {
	run := &results.Run{Meta: results.Meta{RunID: "slo", Scenarios: []string{"capacity"}, Order: "random",
		Variants: []results.Variant{{Label: "phase5", Preset: "phase5"}, {Label: "phase6", Preset: "phase6"}}}}
	for k := 0; k < 6; k++ {
		for i, v := range []string{"phase5", "phase6"} {
			pts := []results.CapacityPoint{{Offered: 8000, Achieved: 7900, Probe: true}, {Offered: 4000, Achieved: 3990, P99: 2e6}, {Offered: 2000, Achieved: 2000, P99: 1e6}, {Offered: 1000, Achieved: 1000, P99: 5e5}}
			run.Trials = append(run.Trials, results.Trial{Scenario: "capacity", Variant: v, Trial: k, Position: (k + i) % 2, Kind: "capacity", Model: "open",
				OfferedRate: 1000, Throughput: 1000, SuccessPct: 100, Counts: results.Counts{Status2xx: 800}, Latency: results.Latency{P99: 5e5},
				Capacity: &results.CapacityStats{BelowMin: true, Objective: []string{"p99 <= 10us"}, Points: pts}})
		}
	}
	return run
}

// With an unreachable SLO every search ends below the lowest rate tried:
// no capacity of 0 anywhere (bench.txt, summary, compare, page); the
// summary and the page say "below" the rate with the count of censored
// searches.
func TestWordsUnreachableSLO(t *testing.T) {
	run := unreachableRun()
	if b := results.BenchText(run); regexp.MustCompile(` [0-9.e+]+ capacity-req/s`).MatchString(b) {
		t.Errorf("bench.txt carries a capacity:\n%s", b)
	}
	words := wordsOf(t, run)
	rep, p := rendered(t, run)
	for _, want := range []string{"capacity phase5: no capacity figure: 6 of 6 searches ended on a bound (0 of 6 converged; 6 below 1.00k/s (no rate passed)"} {
		if !strings.Contains(words, want) {
			t.Errorf("summary lacks %q:\n%s", want, words)
		}
	}
	if !strings.Contains(p, "6 below 1.00k/s (no rate passed)") {
		t.Error("page lacks the censored count and bound")
	}
	for _, zero := range []string{"0.00/s", " 0/s", "0.00k/s"} {
		if strings.Contains(words, zero) || strings.Contains(p, zero) {
			t.Errorf("a capacity of 0 is stated (%q)", zero)
		}
	}
	for _, c := range rep.Analysis.Comparisons {
		if c.Unit == analysis.CapacityUnit && (c.Tested || c.Effect.Rounds != 0 || c.Effect.Censored != 6) {
			t.Errorf("censored capacities compared: %+v", c)
		}
	}
}

// The seed-design section's words: the crash with its reason and load,
// the loss beside the corrected variant's.
func TestWordsSeedDesigns(t *testing.T) {
	run := &results.Run{Meta: results.Meta{Variants: []results.Variant{{Label: "optimized"}, {Label: "lock:naive[seed_design]"}, {Label: "metrics:spsc[seed_design]"}}}}
	add := func(sc, step, v string, clients int, s *results.SeedStats, kind string) {
		run.Trials = append(run.Trials, results.Trial{Scenario: sc, Step: step, Variant: v, Clients: clients, Kind: kind, Seed: s, Model: "closed"})
	}
	add("seed-naive", "clients=100", "optimized", 100, &results.SeedStats{Requests: 5000, FreshIDs: 5000}, "seed-naive")
	add("seed-naive", "clients=100", "lock:naive[seed_design]", 100, &results.SeedStats{SeedDesign: true, Crashed: true, CrashReason: "concurrent map writes", Requests: 3670}, "seed-naive")
	add("seed-spsc", "clients=32", "optimized", 32, &results.SeedStats{IDs: 1, Offered: 3000, Flushed: 3000}, "seed-spsc")
	add("seed-spsc", "clients=32", "metrics:spsc[seed_design]", 32, &results.SeedStats{SeedDesign: true, IDs: 1, Offered: 3000, Flushed: 2990, Lost: 10, Torn: 2}, "seed-spsc")
	rep, p := rendered(t, run)
	n, s := rep.SeedDesigns[0], rep.SeedDesigns[1]
	if !strings.Contains(n.Headline, "crashed after 3670 requests at 100 clients: concurrent map writes") || !strings.Contains(n.Headline, "did not crash") {
		t.Errorf("naive headline %q", n.Headline)
	}
	if !strings.Contains(s.Headline, "10 of 3000 lost (0.333%), 2 torn") || !strings.Contains(s.Headline, "0 of 3000 lost (0%)") {
		t.Errorf("spsc headline %q", s.Headline)
	}
	if !strings.Contains(p, n.Headline) || !strings.Contains(p, n.Rows[1].Text) {
		t.Error("the page lacks the seed section's words")
	}
}

// The sequential compare's stop rule says where each effect stands and
// stops only when every one is within the precision.
func TestStopRule(t *testing.T) {
	run := stagesRun()
	rule := StopRule("phase3", "phase4", []string{"req/s"}, 3)
	done, report := rule(run)
	if done || !strings.Contains(report, "throughput in big: ") || !strings.Contains(report, "after 10 rounds (anytime-valid 95% interval") {
		t.Errorf("after 10 rounds: done %v\n%s", done, report)
	}
	if done, _ := StopRule("phase3", "phase4", []string{"req/s"}, 1000)(run); done {
		t.Error("10 rounds of the median sequence have no finite interval yet, so no precision is met")
	}
	if _, report := StopRule("nope", "phase4", nil, 3)(run); !strings.Contains(report, "no paired round") {
		t.Errorf("no arm: %q", report)
	}
	if os.Getenv("SHOW_WORDS") != "" {
		t.Log(report)
	}
}

// The verdict lines, phrased from the analysis's typed verdicts: the
// significant units with their paired intervals; an A/A cell's "no effect
// larger than"; a cell with too few rounds.
func TestWordsVerdicts(t *testing.T) {
	a, err := analysis.Analyze(fixture(t))
	if err != nil {
		t.Fatal(err)
	}
	find := func(newLabel, cell string) string {
		t.Helper()
		for _, v := range a.Verdicts {
			if v.New == newLabel && v.Cell.String() == cell {
				return verdictText(v, diffText(a.Diff(v.Pair)))
			}
		}
		t.Fatalf("no verdict for %s in %s", newLabel, cell)
		return ""
	}
	sig := find("phase3", "seed-100x10")
	for _, want := range []string{"phase3 vs phase2 (parser fsm vs find), seed-100x10: ", "success +", "throughput +", " rounds)", "] (p="} {
		if !strings.Contains(sig, want) {
			t.Errorf("significant verdict %q lacks %q", sig, want)
		}
	}
	if aa := find("phase3#2", "seed-100x10"); !strings.HasPrefix(aa, "phase3#2 vs phase3 (same build), seed-100x10: no significant difference; throughput: no effect larger than ") {
		t.Errorf("A/A verdict = %q", aa)
	}
	if few, want := find("phase3", "ramp rate=4000"), "phase3 vs phase2 (parser fsm vs find), ramp rate=4000: too few trials to tell (3 paired rounds; need ≥ 6 for a 95% interval)"; few != want {
		t.Errorf("too-few verdict\n got %q\nwant %q", few, want)
	}

	// Exact wording on hand-made verdicts.
	p := analysis.Pair{Old: "phase2", New: "phase3"}
	cell := analysis.Cell{Scenario: "seed-100x10"}
	eff := func(est, lo, hi float64) analysis.Effect {
		return analysis.Effect{Rounds: 10, Estimate: est, Lo: lo, Hi: hi}
	}
	c := &analysis.Comparison{Pair: p, Cell: cell, Unit: "req/s", Effect: eff(212.3, 150, 290), PAdj: 0.002, Tested: true}
	for _, tc := range []struct {
		v    analysis.Verdict
		want string
	}{
		{analysis.Verdict{Pair: p, Cell: cell, Significant: []*analysis.Comparison{c}, Rounds: 10},
			"phase3 vs phase2 (parser fsm vs find), seed-100x10: throughput +212% [+150%, +290%] (p=0.002, 10 rounds)"},
		{analysis.Verdict{Pair: p, Cell: cell, Null: &analysis.Comparison{Unit: "req/s", Effect: eff(2, -4.1, 8.1), PAdj: 0.41, Tested: true}, Rounds: 10},
			"phase3 vs phase2 (parser fsm vs find), seed-100x10: no significant difference; throughput: no effect larger than 8.1% either way (p=0.410, 10 rounds)"},
		{analysis.Verdict{Pair: p, Cell: cell, Null: &analysis.Comparison{Unit: "req/s", Effect: eff(6, 1, 11), PAdj: 0.2, Tested: true}, Rounds: 10},
			"phase3 vs phase2 (parser fsm vs find), seed-100x10: no significant difference once corrected over the run's family; throughput [+1.0%, +11.0%] (p=0.200, 10 rounds)"},
		{analysis.Verdict{Pair: p, Cell: cell, Rounds: 3},
			"phase3 vs phase2 (parser fsm vs find), seed-100x10: too few trials to tell (3 paired rounds; need ≥ 6 for a 95% interval)"},
	} {
		if got := verdictText(tc.v, "parser fsm vs find"); got != tc.want {
			t.Errorf("got  %q\nwant %q", got, tc.want)
		}
	}
}

// A capacity row in words: its median and interval from the converged
// searches only, and how every search ended, with its bound.
func TestWordsCapacityRow(t *testing.T) {
	r := analysis.CapacityRow{Trials: 7, Exact: 6, Bracket: 1, BracketLo: 1000, BracketHi: 1050,
		Summary: analysis.Summary{Center: 1350, Lo: 1200, Hi: 1500, HasCI: true, N: 6}}
	if got := capacitySearches(r); got != "6 of 7 converged; 1 between 1.00k/s and 1.05k/s (not converged)" {
		t.Errorf("searches %q", got)
	}
	if m, ci := capacityMedianText(r), capacityCI(r); m != "1.35k/s" || ci != "[1.20k/s, 1.50k/s]" {
		t.Errorf("median %q, CI %q", m, ci)
	}
	below := analysis.CapacityRow{Trials: 6, Below: 4, BelowBound: 1000, AtLeast: 2, AtLeastBound: 90000, GeneratorLimited: 1}
	if got := capacitySearches(below); got != "0 of 6 converged; 4 below 1.00k/s (no rate passed); 2 at least 90.0k/s (the SLO held at the ceiling); 1 generator-limited" {
		t.Errorf("searches %q", got)
	}
	if m, ci := capacityMedianText(below), capacityCI(below); m != "-" || ci != "none (no median)" {
		t.Errorf("censored row: median %q, CI %q", m, ci)
	}
	half := analysis.CapacityRow{Cell: analysis.Cell{Scenario: "capacity"}, Variant: "phase3", Trials: 6, Exact: 3, Bracket: 3, BracketLo: 58900, BracketHi: 77800,
		Points: 36, MedianLo: 60000, MedianHi: 64500}
	if got, want := capacityLine(half), "capacity phase3: no capacity figure: 3 of 6 searches ended on a bound; the median of all 6 lies between 60.0k/s and 64.5k/s (3 of 6 converged; 3 between 58.9k/s and 77.8k/s (not converged); 36 points)"; got != want {
		t.Errorf("line\n got %q\nwant %q", got, want)
	}
	open := analysis.CapacityRow{Trials: 6, Exact: 4, AtLeast: 2, AtLeastBound: 90000, MedianLo: 41000, MedianHi: math.Inf(1)}
	if got := capacityAllText(open); got != "the median of all 6 is at least 41.0k/s" {
		t.Errorf("open-ended %q", got)
	}
	below.MedianHi = 1000 // four below 1000, two at least 90000
	if got := capacityAllText(below); got != "the median of all 6 is below 1.00k/s" {
		t.Errorf("mostly below the floor: %q", got)
	}
	if got := capacityAllText(analysis.CapacityRow{Trials: 6, Below: 6, BelowBound: 1000, MedianHi: 1000}); got != "" {
		t.Errorf("every search below the floor: %q, want nothing beyond the searches", got)
	}
	few := analysis.CapacityRow{Trials: 3, Exact: 3, Summary: analysis.Summary{Center: 1000, N: 3}}
	if ci := capacityCI(few); ci != "none (n=3; need ≥ 6)" {
		t.Errorf("CI %q", ci)
	}
}

// Knees, SLO verdicts, scaling rows and outcomes in words: the figures are
// the analysis's values, the sentence the report's.
func TestWordsValues(t *testing.T) {
	for _, tc := range []struct {
		k    analysis.Knee
		want string
	}{
		{analysis.Knee{Step: "rate=4000", Achieved: 3980, BySLO: true}, "rate=4000 (3.98k/s achieved; SLOs)"},
		{analysis.Knee{Step: "clients=50", Achieved: 12500}, "clients=50 (12.5k/s achieved; ≥ 95% success)"},
		{analysis.Knee{BySLO: true}, "no step met the SLOs"},
		{analysis.Knee{}, "no step had ≥ 95% success"},
	} {
		if got := kneeText(tc.k); got != tc.want {
			t.Errorf("knee %+v: %q, want %q", tc.k, got, tc.want)
		}
	}
	for _, tc := range []struct {
		s           analysis.SLOVerdict
		text, class string
	}{
		{analysis.SLOVerdict{}, "no SLO", ""},
		{analysis.SLOVerdict{With: 6, Pass: 6}, "pass 6/6", "pass"},
		{analysis.SLOVerdict{With: 6, Pass: 3, Failed: []string{"p99 <= 5ms", "success >= 99%"}}, "fail 3/6: p99 <= 5ms; success >= 99%", "fail"},
	} {
		if got, class := sloText(tc.s), sloClass(tc.s); got != tc.text || class != tc.class {
			t.Errorf("SLO %+v: %q (%q), want %q (%q)", tc.s, got, class, tc.text, tc.class)
		}
	}
	r := analysis.ScalingRow{Unit: analysis.CapacityUnit, CPUs: []int{1, 2}, Medians: []float64{1250, 2250}, Ratio: 1.8, P: 0.002, Significant: true}
	if got := scalingText(r); got != "1 cpu 1.25k/s → 2 cpu 2.25k/s: ×1.80 (p=0.002)" {
		t.Errorf("scaling %q", got)
	}
	r.P, r.Significant = 0.3, false
	if got := scalingText(r); got != "1 cpu 1.25k/s → 2 cpu 2.25k/s: ×1.80 (p=0.300, not significant)" {
		t.Errorf("scaling %q", got)
	}
	r.Ratio, r.Medians[0] = math.NaN(), math.NaN()
	if got := scalingText(r); got != "1 cpu - → 2 cpu 2.25k/s" {
		t.Errorf("scaling without a first median %q", got)
	}
	for _, tc := range []struct {
		diff  []analysis.Change
		known bool
		want  string
	}{
		{nil, false, ""},
		{nil, true, "same build"},
		{[]analysis.Change{{Dim: "server", Old: "reference"}}, true, "lab server vs reference server"},
		{[]analysis.Change{{Dim: "server", New: "fasthttp"}}, true, "fasthttp server vs lab server"},
		{[]analysis.Change{{Dim: "parser", Old: "find", New: "fsm"}, {Dim: "extra", New: "on"}}, true, "parser fsm vs find, extra on vs none"},
	} {
		if got := diffText(tc.diff, tc.known); got != tc.want {
			t.Errorf("diff %+v: %q, want %q", tc.diff, got, tc.want)
		}
	}
	m := usl.Model{Lambda: 5000, Sigma: 0.1}
	for _, tc := range []struct {
		f    usl.Fit
		want string
	}{
		{usl.Fit{Verdict: usl.Refused, Why: usl.TooFewPoints, Points: 4}, "4 concurrency level(s); a fit of 3 parameters needs at least 5"},
		{usl.Fit{Verdict: usl.Refused, Why: usl.LowR2, R2: 0.14}, "the law explains 14% of the variance (R² 0.14 < 0.90): these points are not a USL curve"},
		{usl.Fit{Verdict: usl.Refused, Why: usl.LowR2, R2: -0.3}, "the law explains none of the variance (R² -0.30 < 0.90): these points are not a USL curve"},
		{usl.Fit{Verdict: usl.Refused, Why: usl.InvalidPoint, Bad: usl.Point{N: 0, X: 10}}, "invalid point N=0 X=10: N must be ≥ 1 and X finite and > 0"},
		{usl.Fit{Verdict: usl.Contention, Why: usl.Flattening, Model: m, MaxN: 64, Efficiency: m.Efficiency(64)}, "contention: 14% of linear at N=64, flattening toward λ/σ≈5e+04 (σ=0.1)"},
		{usl.Fit{Verdict: usl.Coherency, Why: usl.PeakPlaced, Model: usl.Model{Lambda: 1000, Sigma: 0.05, Kappa: 0.001}, PeakN: 30.8, PeakX: 9040}, "peaks at N≈31 (X≈9.04e+03); beyond it more concurrency lowers throughput (κ=0.001)"},
	} {
		if got := uslReason(tc.f); got != tc.want {
			t.Errorf("USL %s: %q, want %q", tc.f.Why, got, tc.want)
		}
	}
	words := map[string]bool{}
	for o := analysis.NoVerdict; o <= analysis.Changed; o++ {
		words[OutcomeWord(o)] = true
	}
	if len(words) != 7 {
		t.Errorf("outcome words %v: want 7 distinct", words)
	}
}

// A summary as benchstat states it: the median ± the interval's half-width
// as a share of it, or the median and why there is no interval.
func TestFormatSummary(t *testing.T) {
	if got := FormatSummary("req/s", analysis.Summary{N: 3, Center: 1500, Lo: math.Inf(-1), Hi: math.Inf(1)}); got != "1.50k/s (n=3, no CI)" {
		t.Errorf("no CI: %q", got)
	}
	if got := FormatSummary("p99-ns", analysis.Summary{N: 6, Center: 2.1e6, Lo: 2.0e6, Hi: 2.163e6, HasCI: true}); got != "2.10ms ± 5%" {
		t.Errorf("with CI: %q", got)
	}
	for _, tc := range []struct {
		f    func(float64) string
		v    float64
		want string
	}{
		{FormatNS, 999.4, "999ns"}, {FormatNS, 999.6, "1.00µs"}, {FormatNS, 4.85e6, "4.85ms"}, {FormatNS, 1.5e9, "1.50s"},
		{FormatSI, 12500, "12.5k"}, {FormatDelta, 212.3, "+212%"}, {FormatDelta, -3.44, "-3.4%"}, {FormatPct, math.Inf(1), "∞"},
		{FormatP, 0.0004, "0.0004"}, {FormatP, 0.0123, "0.012"},
	} {
		if got := tc.f(tc.v); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.v, got, tc.want)
		}
	}
}

// Problems of one step's trials are said once, with their count.
func TestProblemLines(t *testing.T) {
	trial := func(v, cell, id, detail string) analysis.Problem {
		return analysis.Problem{Variant: v, Name: cell + " (" + id + ")", Cell: cell, Trial: id, Detail: detail}
	}
	got := problemLines([]analysis.Problem{
		trial("u", "disk-full", "d1", "lost 5"), trial("o", "crash", "d2", "exit code 2"),
		trial("u", "disk-full", "d3", "lost 6"), trial("u", "disk-full", "d5", "lost 7"),
		trial("u", "disk-full", "d7", "lost 8"), {Variant: "o", Name: "rate-limit", Detail: "no 429"}})
	want := []string{"u: disk-full: 4 trials (d1, d3, d5, …), the first: lost 5", "o: crash (d2): exit code 2", "o: rate-limit: no 429"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
