package report

import (
	"fmt"
	"math"
	"strings"

	"metricstream/harness/analysis"
	"metricstream/harness/results"
	"metricstream/harness/usl"
	"metricstream/internal/stages"
	"metricstream/variants"
)

// The words of the report: every sentence the page, the summary and `lab
// compare` say about a finding is phrased here, from the analysis's
// values (its kinds, figures and units). The analysis computes; this file
// chooses how to say it. Two rules hold every sentence to the maths:
//
//   - A figure computed from stage costs or CPU time is a prediction, and
//     is called one, with the assumption it rests on beside it.
//   - "Bound" and "at most" appear only where one holds, with its
//     assumption: the Amdahl share bounds a dimension's own part of a
//     request's time in the server (not throughput when CPUs are shared:
//     removing one stage's work also shortens the others' waits);
//     GOMAXPROCS bounds the requests running on a CPU at once; X·S bounds
//     a section's utilisation when one request holds it at a time.

// intervalText is "[−5.2%, +8.1%]", or "" without an interval.
func intervalText(lo, hi float64) string {
	if math.IsNaN(lo) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		return ""
	}
	return "[" + FormatDelta(lo) + ", " + FormatDelta(hi) + "]"
}

// methodText is how the numbers were obtained, for the page and the text:
// the paired comparison, the family and its correction, what the verdict
// units are, the resolution the rounds allow, and the order check.
func methodText(a *analysis.Analysis) string {
	f := a.Plan
	var b strings.Builder
	fmt.Fprintf(&b, "Comparisons are paired by round (every arm ran once per round; the verdicts use this): "+
		"per round the log ratio B/A of each unit, the effect its Hodges-Lehmann estimate with a distribution-free %.0f%% interval "+
		"(Wilcoxon signed-rank, exact; at least %d rounds), tested with the signed-rank test. ", analysis.Confidence*100, analysis.MinRounds)
	if a.Run.Meta.Duet {
		b.WriteString("This is a duet run: both arms ran at once, and each round's throughput ratio is that of their 2xx summed over the windows both recorded. ")
	}
	fmt.Fprintf(&b, "Verdict units: %s; the others are shown with their paired effects and give no verdict. ", unitList(analysis.VerdictUnits))
	switch {
	case f.Size == 0:
		b.WriteString("The run tests no hypothesis (no pair has enough rounds in a verdict unit). ")
	case f.PrimaryW == f.OtherW:
		fmt.Fprintf(&b, "Correction over the whole family the run tests: %d hypotheses (%d pairs × %d cells × %d verdict units, where the rounds allow a test), "+
			"Holm's step-down at α=%.2f, every hypothesis weighing the same: the chance of any false better/worse in the run is at most %.0f%%. ",
			f.Size, f.Pairs, f.Cells, f.Units, analysis.Alpha, analysis.Alpha*100)
	default:
		fmt.Fprintf(&b, "Correction over the whole family the run tests: %d hypotheses (%d pairs × %d cells × %d verdict units, where the rounds allow a test), "+
			"weighted Holm step-down at α=%.2f: the journey steps' primary hypotheses, %d (each step's primary cell, chosen from the scenarios' targets before the run), "+
			"share %.0f%% of α (each first faces p < %s), the other %d share the rest (each first faces p < %s), and a rejected hypothesis passes its share on; "+
			"the chance of any false better/worse in the run is at most %.0f%%. ",
			f.Size, f.Pairs, f.Cells, f.Units, analysis.Alpha, f.Primary, analysis.PrimaryShare*100, FormatP(f.FirstThreshold(true)),
			f.Size-f.Primary, FormatP(f.FirstThreshold(false)), analysis.Alpha*100)
	}
	if f.Excluded > 0 {
		fmt.Fprintf(&b, "%d comparisons with fewer than %d rounds are shown, not tested. ", f.Excluded, analysis.MinRounds)
	}
	if f.Unmoved > 0 {
		fmt.Fprintf(&b, "%d comparisons whose rounds differ in fewer than %d rounds (success at 100%% in both arms, round after round) could never reach significance and hold no share of α. ",
			f.Unmoved, analysis.MinRounds)
	}
	if r, ok := a.Resolution(); ok && !r.Reachable() {
		fmt.Fprintf(&b, "A comparison with %d rounds can give p no smaller than %s, above the %s the family's heaviest hypothesis must reach first: "+
			"comparisons with %d rounds cannot be significant in this run; %d rounds can. ", r.Rounds, g2(r.MinP), g2(r.Threshold), r.Rounds, r.Needed)
	}
	b.WriteString("A non-significant comparison states what its interval rules out and the smallest effect the run could have detected at 80% power. " +
		"Benchstat's unpaired table (medians with their intervals, Mann-Whitney p) is beside it for reference (`go tool benchstat -col /variant bench.txt`); it decides nothing. ")
	b.WriteString("Censored values (a capacity search that never passed or did not converge, a p99 with more than 1% of requests timed out) are counted, never averaged.")
	if s := orderText(a); s != "" {
		b.WriteString(" " + s)
	}
	return b.String()
}

func g2(p float64) string { return fmt.Sprintf("%.2g", p) }

// unitList names units: "success, throughput, p99 latency and capacity at SLO".
func unitList(units []string) string {
	var names []string
	for _, u := range units {
		names = append(names, analysis.UnitLabel(u))
	}
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// orderText states the order checks: "Order check (position in the round
// as a factor; arms in random order per round): A/A, throughput: of a
// pair, the arm that ran later in the round measured +1.2% (p=0.41; 6
// pair-cells, 36 rounds): no order effect found; …".
func orderText(a *analysis.Analysis) string {
	if len(a.Order) == 0 {
		return ""
	}
	if a.Order[0].Fixed {
		return "Order check: not possible: this run's arms ran in the same order in every round (a run older than randomised order), so running first or second is one with the arm; an A/A difference may be the order's."
	}
	var parts []string
	for _, o := range a.Order {
		p := fmt.Sprintf("%s, %s: ", o.Scope, analysis.UnitLabel(o.Unit))
		switch {
		case !o.Tested():
			p += "no pair ran in both orders"
		default:
			p += fmt.Sprintf("of a pair, the arm that ran later in the round measured %s (p=%s; %d pair-cells, %d rounds): ", FormatDelta(o.Second), FormatP(o.P), o.Strata, o.Rounds)
			if o.Significant() {
				p += "an ORDER EFFECT: running later changes what is measured, and the random order spreads it into every paired effect's noise"
			} else {
				p += "no order effect found"
			}
		}
		parts = append(parts, p)
	}
	return fmt.Sprintf("Order check (position in the round as a factor; arms in %s order per round): %s.", orderName(a.Run.Meta.Order), strings.Join(parts, "; "))
}

func orderName(o string) string {
	if o == "" {
		return "fixed"
	}
	return o
}

// nullText says what a non-significant paired comparison rules out: "no
// effect larger than 8.1% either way (95% interval [−5.2%, +8.1%], 6
// rounds); the smallest effect this run could detect at 80% power: ±25%".
func nullText(c *analysis.Comparison) string {
	e := c.Effect
	if !e.HasInterval() {
		return fmt.Sprintf("%d paired round%s: no 95%% interval (need ≥ %d)", e.Rounds, plural(e.Rounds), analysis.MinRounds)
	}
	if e.Lo > 0 || e.Hi < 0 {
		return fmt.Sprintf("%s changed by %s to %s (95%% interval, %d rounds), yet not significant once corrected over the run's family (p=%s); %s",
			analysis.UnitLabel(c.Unit), FormatDelta(e.Lo), FormatDelta(e.Hi), e.Rounds, FormatP(c.PAdj), mdeText(e))
	}
	s := fmt.Sprintf("no effect larger than %s either way on %s (95%% interval %s, %d rounds)",
		FormatPct(e.RuledOut()), analysis.UnitLabel(c.Unit), intervalText(e.Lo, e.Hi), e.Rounds)
	return s + "; " + mdeText(e)
}

// mdeText is the smallest effect the run could detect at 80% power.
func mdeText(e analysis.Effect) string {
	switch {
	case math.IsNaN(e.MDE):
		return "no spread between rounds to size the smallest detectable effect from"
	case math.IsInf(e.MDE, 1):
		return fmt.Sprintf("this run could not detect an effect of any size: %d rounds give p ≥ %s, above the %s its place in the family sets (%d rounds can reach it)",
			e.Rounds, g2(2*math.Pow(2, -float64(e.Rounds))), g2(e.Threshold), analysis.RoundsFor(e.Threshold))
	}
	return fmt.Sprintf("the smallest effect this run could detect at %.0f%% power: ±%s", analysis.Power*100, FormatPct(e.MDE))
}

// effectText is a paired comparison's effect with its interval and
// family-adjusted p: "+212% [+150%, +290%] p=0.002 (better)".
func effectText(c *analysis.Comparison) string {
	if c == nil {
		return "-"
	}
	e := c.Effect
	switch o := OutcomeWord(c.Outcome()); {
	case e.Rounds == 0 && e.Censored > 0:
		return fmt.Sprintf("no figure: every round has a censored value (%d)", e.Censored)
	case e.Rounds == 0:
		return "no paired rounds"
	case e.Rounds < analysis.MinRounds:
		// a figure from fewer rounds than an interval needs is none
		return fmt.Sprintf("no figure: %d paired round%s (%s)", e.Rounds, plural(e.Rounds), o)
	}
	s := FormatDelta(e.Estimate)
	if iv := intervalText(e.Lo, e.Hi); iv != "" {
		s += " " + iv
	}
	if c.Tested {
		s += " p=" + FormatP(c.PAdj)
	}
	return s + " (" + OutcomeWord(c.Outcome()) + ")"
}

// OutcomeWord says a comparison's outcome as the tables print it: "better",
// "worse", "changed", "~", "censored", "too few trials" or "no verdict".
// It is also the CSS class of the page's cell.
func OutcomeWord(o analysis.Outcome) string {
	switch o {
	case analysis.Better:
		return "better"
	case analysis.Worse:
		return "worse"
	case analysis.Changed:
		return "changed"
	case analysis.NoDifference:
		return "~"
	case analysis.CensoredOut:
		return "censored"
	case analysis.TooFewTrials:
		return "too few trials"
	}
	return "no verdict"
}

// stepCellText names a step's primary cell: "large-batch (primary:
// targets parser)" or "seed-100x10 (primary: no scenario of the run
// targets lock; its first untargeted load scenario)".
func stepCellText(r analysis.StepRow) string {
	if r.Effect == nil {
		return "-"
	}
	if r.Targeted {
		return r.Cell.String() + " (primary: targets " + r.Dimension + ")"
	}
	return r.Cell.String() + " (primary: no scenario of the run targets " + r.Dimension + "; its first untargeted load scenario)"
}

// secondaryText lists a step's secondary cells where the effect is
// significant: "secondary: throughput +20% [+10%, +31%] in seed-100x10".
func secondaryText(r analysis.StepRow) string {
	var parts []string
	for _, c := range r.Secondary {
		if c.Significant() {
			parts = append(parts, fmt.Sprintf("%s %s in %s", FormatDelta(c.Effect.Estimate), intervalText(c.Effect.Lo, c.Effect.Hi), c.Cell))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "secondary cells, significant: " + strings.Join(parts, "; ")
}

// capacityStepText is a step's capacity change: "9.1k → 12.3k/s: +35%
// [+20%, +51%] p=0.002 (better)", with the rounds a censored search left
// out.
func capacityStepText(r analysis.StepRow) string {
	c := r.Capacity
	if c == nil {
		return "not measured"
	}
	s := fmt.Sprintf("%s → %s", capacityMedian(r.CapacityOld), capacityMedian(r.CapacityNew))
	e := c.Effect
	if n := e.Censored; n > 0 && e.Rounds < analysis.MinRounds {
		// too few rounds left for a paired figure: say why, once
		s += fmt.Sprintf(" (no paired effect: %d of %d rounds had a censored search, a bound and not a capacity)", n, n+e.Rounds+e.Missing+e.NonPositive)
	} else {
		s += ": " + effectText(c)
		if n > 0 {
			s += fmt.Sprintf("; %d round%s left out (a censored search: a bound, not a capacity)", n, plural(n))
		}
	}
	if c.Cell.Scenario != r.Cell.Scenario {
		s += " in " + c.Cell.String()
	}
	return s
}

// capacityMedian is an arm's capacity as its row states it: the median
// of the converged searches, or "censored" when half or more ended on a
// bound.
func capacityMedian(r *analysis.CapacityRow) string {
	if r == nil || !r.HasMedian() {
		return "censored"
	}
	return capacityMedianText(*r)
}

// capacityMedianText is a row's median capacity, formatted, or "-"
// without one.
func capacityMedianText(r analysis.CapacityRow) string {
	if !r.HasMedian() {
		return "-"
	}
	return FormatValue(analysis.CapacityUnit, r.Summary.Center)
}

// capacityCI says a row's interval: "[9.8k/s, 10.4k/s]", "none (n=3;
// need ≥ 6)", or "none (no median)".
func capacityCI(r analysis.CapacityRow) string {
	switch {
	case !r.HasMedian():
		return "none (no median)"
	case !r.Summary.HasCI:
		return fmt.Sprintf("none (n=%d; need ≥ %d)", r.Summary.N, analysis.MinTrials)
	}
	return intervalOf(analysis.CapacityUnit, r.Summary.Lo, r.Summary.Hi)
}

func intervalOf(unit string, lo, hi float64) string {
	return "[" + FormatValue(unit, lo) + ", " + FormatValue(unit, hi) + "]"
}

// capacitySearches says how a row's searches ended: "6 of 6 converged",
// or "4 of 6 converged; 2 below 1.00k/s (no rate passed)".
func capacitySearches(r analysis.CapacityRow) string {
	v := func(x float64) string { return FormatValue(analysis.CapacityUnit, x) }
	parts := []string{fmt.Sprintf("%d of %d converged", r.Exact, r.Trials)}
	if r.Below > 0 {
		parts = append(parts, fmt.Sprintf("%d below %s (no rate passed)", r.Below, v(r.BelowBound)))
	}
	if r.AtLeast > 0 {
		parts = append(parts, fmt.Sprintf("%d at least %s (the SLO held at the ceiling)", r.AtLeast, v(r.AtLeastBound)))
	}
	if r.Bracket > 0 {
		parts = append(parts, fmt.Sprintf("%d between %s and %s (not converged)", r.Bracket, v(r.BracketLo), v(r.BracketHi)))
	}
	if r.GeneratorLimited > 0 {
		parts = append(parts, fmt.Sprintf("%d generator-limited", r.GeneratorLimited))
	}
	return strings.Join(parts, "; ")
}

// CapacityView is one capacity row as the page's table states it.
type CapacityView struct {
	Cell                             analysis.Cell
	Variant, SLO, Median, CI, Search string
	Trials, Points                   int
}

// capacityViews are the analysis's capacity rows in words.
func capacityViews(a *analysis.Analysis) []CapacityView {
	var out []CapacityView
	for _, r := range a.CapacityRows() {
		search := capacitySearches(r)
		if all := capacityAllText(r); all != "" {
			search += "; " + all
		}
		out = append(out, CapacityView{Cell: r.Cell, Variant: r.Variant, SLO: strings.Join(r.Objective, ", "), Median: capacityMedianText(r),
			CI: capacityCI(r), Search: search, Trials: r.Trials, Points: r.Points})
	}
	return out
}

// predictedText is Amdahl's prediction beside the measured effect.
func predictedText(r analysis.StepRow) string {
	p := r.Prediction
	if p == nil {
		return "- (no stage costs)"
	}
	own := strings.Join(stageNames(r.Dimension), "+")
	if r.Agreement == analysis.TooFewTimed {
		return fmt.Sprintf("too few timed requests (%d; a prediction needs ≥ %d)", r.Timed, analysis.MinTimed)
	}
	s := fmt.Sprintf("prediction %s (%s: %s → %s per request)", FormatDelta(r.Predicted), own, FormatNS(p.StageNS), FormatNS(p.NewNS))
	switch r.Agreement {
	case analysis.Agrees:
		s += "; inside the measured interval"
	case analysis.Disagrees:
		s += "; outside the measured interval: the gap is what Amdahl's model leaves out (queueing, contention, batching, CPUs shared with the generator)"
	case analysis.Unjudged:
		s += "; no measured interval to judge it by"
	}
	if m := r.Moved; m != nil {
		s += "; the time moved: " + movedText(m)
	}
	return s
}

func movedText(m *analysis.Moved) string {
	return fmt.Sprintf("%s fell %s per request; %s rose %s; the request in the server %s → %s",
		strings.Join(m.Own, "+"), FormatNS(m.Fell), m.Stage, FormatNS(m.Rose), FormatNS(m.RequestOld), FormatNS(m.RequestNew))
}

func stageNames(dim string) []string {
	var out []string
	for _, d := range strings.Split(dim, "+") {
		for _, s := range stages.Owners[d] {
			out = append(out, s.String())
		}
	}
	return out
}

// cpuText is the prediction from server + generator CPU per answered
// request, with the assumption it rests on and whether the run met it.
func cpuText(r analysis.StepRow) string {
	if r.CPUOld == nil || r.CPUNew == nil || math.IsNaN(r.CPUPredicted) {
		return "-"
	}
	s := fmt.Sprintf("prediction %s (%s → %s CPU per answered request; ", FormatDelta(r.CPUPredicted),
		FormatNS(r.CPUOld.NSPerReq()), FormatNS(r.CPUNew.NSPerReq()))
	busy := fmt.Sprintf("the %d CPUs %s busy under %s", r.CPUs(), sharePct(r.CPUOld.Busy(r.CPUs())), r.Old)
	if r.CPUBound {
		return s + busy + ": CPU-bound, where it applies)"
	}
	return s + busy + ": not CPU-bound, so its assumption, that the CPUs are the bottleneck, does not hold here)"
}

// shareText is a dimension's Amdahl share as a bound on the request's own
// time in the server, with what it does not bound: "lock: rate_limit is
// 1.3% of phase3's request time in the server, so no lock variant can cut
// a request's time there by more than 1.3% (Amdahl; it does not bound
// throughput on shared CPUs, where removing one stage's work also
// shortens the other stages' waits)".
func shareText(b *stages.Bound, variant string) string {
	return fmt.Sprintf("%s: %s is %s of %s's request time in the server, so no %s variant can cut a request's time there by more than %s "+
		"(Amdahl, at this load; it does not bound throughput on shared CPUs, where removing one stage's work also shortens the other stages' waits)",
		b.Dimension, strings.Join(b.Stages, "+"), sharePct(b.Share), variant, b.Dimension, sharePct(b.Share))
}

// reasonTexts phrase a step's reasons, in the analysis's order: the null
// result first, then the mechanisms.
func reasonTexts(r analysis.StepRow) []string {
	var out []string
	for _, k := range r.Reasons {
		if s := reasonText(r, k); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func reasonText(r analysis.StepRow, k analysis.ReasonKind) string {
	x := FormatValue(analysis.ThroughputUnit, math.NaN())
	if r.Effect != nil {
		x = FormatValue(analysis.ThroughputUnit, r.Effect.Old.Center)
	}
	switch k {
	case analysis.ReasonNull:
		return nullText(r.Effect)
	case analysis.ReasonNoComparison:
		return "no throughput comparison of " + r.New + " and " + r.Old + " in this run"
	case analysis.ReasonTooFewRounds:
		return fmt.Sprintf("too few paired rounds to test (%d; need ≥ %d)", r.Effect.Effect.Rounds, analysis.MinRounds)
	case analysis.ReasonStagesElsewhere:
		return "stage costs from " + r.StageScenario + " (no stage costs of both variants in " + r.Cell.Scenario + ")"
	case analysis.ReasonShare:
		return shareText(r.Share, r.Old)
	case analysis.ReasonFewTimed:
		return fmt.Sprintf("stage costs from only %d timed requests, below the %d a prediction needs (a short scenario needs a higher -stages rate)", r.Timed, analysis.MinTimed)
	case analysis.ReasonSaturated:
		return fmt.Sprintf("%.3g requests are in its stage at once on average at %s (X·S, Little's law): a section held one at a time is saturated, requests queue for it", r.Utilisation, x)
	case analysis.ReasonSectionBusy:
		return fmt.Sprintf("its section is busy at most %s of the time at %s (X·S, Little's law: at most, as the stage's time includes its own wait, if one request holds it at a time)", sharePct(r.Utilisation), x)
	case analysis.ReasonNoStages:
		return "no stage costs recorded for " + r.Old + " in " + r.Cell.Scenario + " (server without -stages), so its share is unmeasured"
	case analysis.ReasonMachine:
		c := r.CPUOld
		t := fmt.Sprintf("the server kept %.2f and the load generator %.2f of the %d CPUs busy (%s) in %s", c.ServerCores, c.GenCores, r.CPUs(), sharePct(c.Busy(r.CPUs())), r.StageScenario)
		if !math.IsNaN(c.MachineBusy) {
			t = fmt.Sprintf("the machine's %d CPUs were %s busy in %s (the server %.2f CPUs, the load generator %.2f, the kernel's own threads and other work the rest)", r.CPUs(), sharePct(c.MachineBusy), r.StageScenario, c.ServerCores, c.GenCores)
		}
		if r.CPUBound {
			t += ": CPU-bound, so only less CPU per answered request raises throughput, and a wait a variant removes from one stage moves to the CPUs' run queue"
		}
		return t
	case analysis.ReasonCores:
		cores := fmt.Sprintf("%d CPUs, GOMAXPROCS %d", r.NumCPU, r.GOMAXPROCS)
		if r.Pinned {
			cores += ", server pinned to 1 CPU"
		}
		if d, ok := variants.Lookup(r.Dimension); ok && d.Shared {
			return fmt.Sprintf("%s: at most %d requests run on a CPU at once, so contention %s %s variant removes needs more cores to show", cores, r.ServerCores, article(r.Dimension), r.Dimension)
		}
		return cores
	}
	return ""
}

// stepReason joins a step's reasons as the table's cell says them.
func stepReason(r analysis.StepRow) string {
	s := strings.Join(reasonTexts(r), "; ")
	if sec := secondaryText(r); sec != "" {
		if s != "" {
			s += "; "
		}
		s += sec
	}
	return s
}

// seedText is one seed-design trial as a sentence.
func seedText(t *results.Trial) string {
	s := t.Seed
	if s == nil {
		return "no seed-design measurement recorded"
	}
	switch t.Kind {
	case "seed-naive":
		if s.Crashed {
			return fmt.Sprintf("crashed after %d requests at %d clients: %s", s.Requests, t.Clients, s.CrashReason)
		}
		return fmt.Sprintf("did not crash at %d clients: %d requests answered in %s, each a fresh client id (success %.1f%%)",
			t.Clients, s.Requests, FormatNS(float64(t.DurationNS)), t.SuccessPct)
	case "seed-spsc":
		return fmt.Sprintf("%d clients on %d client id(s): offered %d events, flushed %d, lost %d (%s), torn %d, overrun %d",
			t.Clients, s.IDs, s.Offered, s.Flushed, s.Lost, lossPct(s), s.Torn, s.Overrun)
	case "seed-thread":
		return fmt.Sprintf("%d clients: %d OS threads, RSS %s (most sampled), thread peak %d, over cap %d; p99 %s, success %.1f%%",
			t.Clients, s.OSThreads, FormatBytes(s.RSSBytes), s.ThreadPeak, s.ThreadOverCap, FormatNS(float64(t.Latency.P99)), t.SuccessPct)
	case "seed-unbounded":
		first, last := int64(0), int64(0)
		depth := 0
		if n := len(s.Samples); n > 0 {
			first, last = s.Samples[0].RSSBytes, s.Samples[n-1].RSSBytes
			for _, x := range s.Samples {
				depth = max(depth, x.QueueDepth)
			}
		}
		return fmt.Sprintf("RSS %s → %s over %s (peak %s; %d samples), most batches queued %d, peak queued bytes %s; acknowledged %d metrics, %d lost on SIGTERM; 2xx %d, 503 %d",
			FormatBytes(first), FormatBytes(last), FormatNS(float64(t.DurationNS)), FormatBytes(s.RSSBytes), len(s.Samples), depth,
			FormatBytes(s.PeakQueueBytes), t.Acked, t.Lost, t.Counts.Status2xx, t.Counts.Status503)
	case "seed-careless":
		var in, wrong, garbage, refused int
		for _, r := range s.Careless {
			in += r.Inputs
			wrong += r.Wrong
			garbage += r.Garbage
			refused += r.Refused
		}
		return fmt.Sprintf("%d inputs: %d wrong value, %d accepted garbage, %d refused valid input", in, wrong, garbage, refused)
	}
	return ""
}

func lossPct(s *results.SeedStats) string {
	if s.Offered == 0 {
		return "no events"
	}
	return fmt.Sprintf("%.3g%%", 100*float64(s.Lost)/float64(s.Offered))
}

func lossLine(t *results.Trial) string {
	return fmt.Sprintf("%d of %d lost (%s), %d torn", t.Seed.Lost, t.Seed.Offered, lossPct(t.Seed), t.Seed.Torn)
}

// fixText is the corrected variant's trial at the headline's step.
func fixText(h analysis.SeedHeadline, none string) string {
	switch {
	case h.Fix == nil:
		return none
	case h.Fix.Kind == "seed-spsc":
		return lossLine(h.Fix)
	}
	return seedText(h.Fix)
}

// seedHeadlineText says what broke and at what load, beside the
// corrected variant.
func seedHeadlineText(h analysis.SeedHeadline) string {
	if h.NoSeedTrial {
		return "no trial of the seed's design in this run"
	}
	fixVar := h.FixVariant
	if fixVar == "" {
		fixVar = "the corrected variant"
	}
	t := h.Seed
	switch h.Kind {
	case "seed-naive":
		if h.Broke {
			return fmt.Sprintf("%s %s; %d of %d trials crashed (%s, same load: %s)", t.Variant, seedText(t), h.Crashed, h.SeedTrials, fixVar, fixText(h, "no crash"))
		}
		return fmt.Sprintf("%s did not crash at up to %d clients (%d requests at that step, every one a fresh client id); Go's map-write check fires only when two inserts overlap, and an insert is a sliver of a request",
			t.Variant, t.Clients, t.Seed.Requests)
	case "seed-spsc":
		if !h.Broke {
			return fmt.Sprintf("%s lost no event at up to %d clients", t.Variant, t.Clients)
		}
		return fmt.Sprintf("%s loses events from %d clients on one id: %s; %s at the same load: %s", t.Variant, t.Clients, lossLine(t), fixVar, fixText(h, "not run"))
	case "seed-thread":
		return fmt.Sprintf("%s at %d clients: %d OS threads, RSS %s, p99 %s; %s: %s", t.Variant, t.Clients, t.Seed.OSThreads, FormatBytes(t.Seed.RSSBytes),
			FormatNS(float64(t.Latency.P99)), fixVar, fixText(h, "not run"))
	}
	return fmt.Sprintf("%s: %s; %s: %s", t.Variant, seedText(t), fixVar, fixText(h, "not run"))
}

// VerdictView is one verdict in words: Text the line, TooFew when no
// comparison of the cell could be tested, Decided when one is significant.
type VerdictView struct {
	Text            string
	TooFew, Decided bool
}

// verdictViews phrases the analysis's verdicts.
func verdictViews(a *analysis.Analysis) []VerdictView {
	var out []VerdictView
	for _, v := range a.Verdicts {
		out = append(out, VerdictView{Text: verdictText(v, diffText(a.Diff(v.Pair))), TooFew: v.TooFew(), Decided: len(v.Significant) > 0})
	}
	return out
}

// verdictText is the one-line verdict of a pair in a cell, e.g. "phase3
// vs phase2 (parser fsm vs find), seed-100x10: throughput +212% [+150%,
// +290%] (p=0.002, 10 rounds)"; with nothing significant, what the
// throughput (or capacity) interval rules out. diff is how the variants
// differ (diffText).
func verdictText(v analysis.Verdict, diff string) string {
	head := v.New + " vs " + v.Old
	if diff != "" {
		head += " (" + diff + ")"
	}
	head += ", " + v.Cell.String() + ": "
	if len(v.Significant) > 0 {
		var sig []string
		for _, c := range v.Significant {
			sig = append(sig, fmt.Sprintf("%s %s %s (p=%s, %d rounds)", analysis.UnitLabel(c.Unit), FormatDelta(c.Effect.Estimate),
				intervalText(c.Effect.Lo, c.Effect.Hi), FormatP(c.PAdj), c.Effect.Rounds))
		}
		return head + strings.Join(sig, ", ")
	}
	if v.Null == nil {
		return head + fmt.Sprintf("%s (%d paired rounds; need ≥ %d for a 95%% interval)", tooFew, v.Rounds, analysis.MinRounds)
	}
	c, e := v.Null, v.Null.Effect
	if e.Lo > 0 || e.Hi < 0 {
		return head + fmt.Sprintf("no significant difference once corrected over the run's family; %s %s (p=%s, %d rounds)",
			analysis.UnitLabel(c.Unit), intervalText(e.Lo, e.Hi), FormatP(c.PAdj), e.Rounds)
	}
	return head + fmt.Sprintf("no significant difference; %s: no effect larger than %s either way (p=%s, %d rounds)",
		analysis.UnitLabel(c.Unit), FormatPct(e.RuledOut()), FormatP(c.PAdj), e.Rounds)
}

// capacityLines are the capacity rows as the terminal summary prints
// them: the median and interval of the searches that ended on a number,
// and those that ended on a bound, counted with the bound.
func capacityLines(a *analysis.Analysis) []string {
	var out []string
	for _, r := range a.CapacityRows() {
		out = append(out, capacityLine(r))
	}
	return out
}

func capacityLine(r analysis.CapacityRow) string {
	head := fmt.Sprintf("%s %s: ", r.Cell, r.Variant)
	all := capacityAllText(r)
	if all != "" {
		all = "; " + all
	}
	if !r.HasMedian() {
		return head + fmt.Sprintf("no capacity figure: %d of %d searches ended on a bound%s (%s; %d points)", r.Censored(), r.Trials, all, capacitySearches(r), r.Points)
	}
	return head + fmt.Sprintf("%s, 95%% CI %s (median of the %d converged searches of %d%s; %d points; %s)",
		capacityMedianText(r), capacityCI(r), r.Exact, r.Trials, all, r.Points, capacitySearches(r))
}

// capacityAllText says where the median of all a row's searches lies
// when some ended on a bound: "the median of all 6 lies between 58.9k/s
// and 70.1k/s", "… is at least 40.0k/s", "… is below 2.00k/s"; "" when
// every search converged.
func capacityAllText(r analysis.CapacityRow) string {
	if r.Censored() == 0 || r.Trials == 0 || r.Below == r.Trials || r.AtLeast == r.Trials {
		return "" // none censored, or all on one side of one bound: the searches say it
	}
	v := func(x float64) string { return FormatValue(analysis.CapacityUnit, x) }
	head := fmt.Sprintf("the median of all %d ", r.Trials)
	switch {
	case r.Bounded() && r.MedianLo == r.MedianHi:
		return head + "is " + v(r.MedianLo) + " whatever the censored searches' capacities"
	case r.Bounded():
		return head + "lies between " + v(r.MedianLo) + " and " + v(r.MedianHi)
	case r.MedianLo > 0:
		return head + "is at least " + v(r.MedianLo)
	case !math.IsInf(r.MedianHi, 0) && !math.IsNaN(r.MedianHi):
		return head + "is below " + v(r.MedianHi)
	}
	return ""
}

// seqText is one sequential effect after the rounds so far: "throughput
// in throughput: +5.1% [+2.3%, +8.0%] after 24 rounds (anytime-valid,
// α=0.05 over 1 effects): within ±3%".
func seqText(e analysis.SeqEffect, precision float64, effects int) string {
	s := fmt.Sprintf("%s in %s: ", analysis.UnitLabel(e.Unit), e.Cell)
	if e.Rounds == 0 {
		return s + "no paired round yet"
	}
	s += FormatDelta(e.Estimate)
	if iv := intervalText(e.Lo, e.Hi); iv != "" {
		s += " " + iv
	} else {
		s += " [no interval yet]"
	}
	s += fmt.Sprintf(" after %d rounds (anytime-valid %.0f%% interval of the median per-round change; α split over %d effects)", e.Rounds, 100*(1-analysis.Alpha), effects)
	if e.Censored > 0 {
		s += fmt.Sprintf(", %d censored rounds left out", e.Censored)
	}
	switch {
	case e.Within(precision):
		s += fmt.Sprintf(": within ±%s", FormatPct(precision))
	default:
		s += fmt.Sprintf(": ±%s, not yet within ±%s", FormatPct(e.HalfWidth()), FormatPct(precision))
	}
	if e.Excludes0() {
		s += "; excludes no change"
	}
	return s
}

// StopRule is lab compare -precision's stop rule: after each round, the
// anytime-valid effects of b against a in units (nil: each cell's primary
// unit) and whether every one is within ±precision percent, with a line
// per effect saying where it stands. Looking after every round keeps its
// error rate (analysis.SequentialEffects).
func StopRule(a, b string, units []string, precision float64) func(run *results.Run) (done bool, report string) {
	rule := analysis.PrecisionRule(a, b, units, precision)
	return func(run *results.Run) (bool, string) {
		done, es := rule(run)
		var lines []string
		for _, e := range es {
			lines = append(lines, seqText(e, precision, len(es)))
		}
		if len(lines) == 0 {
			return false, "no paired round of " + b + " and " + a + " yet"
		}
		return done, strings.Join(lines, "\n")
	}
}

// p99Text is a row's median p99, "≥ 2.00s (4/6: >1% timed out)" when it
// is only a lower bound (4 of its 6 trials had more than 1% of their
// requests time out).
func p99Text(r analysis.Row) string {
	v := FormatValue("p99-ns", r.P99)
	if r.P99AtLeast {
		return fmt.Sprintf("≥ %s (%d/%d: >1%% timed out)", v, r.P99Censored, r.Trials)
	}
	return v
}

// article is "an" before a word that starts with a vowel, else "a".
func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}

// sloText says an SLO verdict: "pass 6/6", "fail 3/6: p99 <= 5ms" or
// "no SLO".
func sloText(s analysis.SLOVerdict) string {
	switch {
	case s.With == 0:
		return "no SLO"
	case s.Met():
		return fmt.Sprintf("pass %d/%d", s.Pass, s.With)
	}
	return fmt.Sprintf("fail %d/%d: %s", s.Pass, s.With, strings.Join(s.Failed, "; "))
}

// sloClass is "pass", "fail" or "" (no SLO), for the page's styles.
func sloClass(s analysis.SLOVerdict) string {
	switch {
	case s.With == 0:
		return ""
	case s.Met():
		return "pass"
	}
	return "fail"
}

// kneeRule names the knee rule that judged k's steps.
func kneeRule(k analysis.Knee) string {
	if k.BySLO {
		return "SLOs"
	}
	return fmt.Sprintf("≥ %.0f%% success", analysis.KneeSuccess)
}

// kneeText says a knee: "rate=4000 (3.98k/s achieved; SLOs)", "no step
// met the SLOs" or "no step had ≥ 95% success".
func kneeText(k analysis.Knee) string {
	switch {
	case k.Step == "" && k.BySLO:
		return "no step met the SLOs"
	case k.Step == "":
		return "no step had " + kneeRule(k)
	}
	return fmt.Sprintf("%s (%s/s achieved; %s)", k.Step, FormatSI(k.Achieved), kneeRule(k))
}

// betterText says the direction of unit in the run a: "higher is better",
// "lower is better" or "direction unknown".
func betterText(a *analysis.Analysis, unit string) string {
	switch a.Direction(unit) {
	case +1:
		return "higher is better"
	case -1:
		return "lower is better"
	}
	return "direction unknown"
}

// scalingText says a scaling row's medians and ratio: "1 cpu 4.2k/s → 2
// cpu 7.9k/s: ×1.88 (p=0.002)".
func scalingText(r analysis.ScalingRow) string {
	var parts []string
	for i, n := range r.CPUs {
		parts = append(parts, fmt.Sprintf("%d cpu %s", n, FormatValue(r.Unit, r.Medians[i])))
	}
	s := strings.Join(parts, " → ")
	if !math.IsNaN(r.Ratio) {
		s += fmt.Sprintf(": ×%.2f", r.Ratio)
		if !math.IsNaN(r.P) {
			s += " (p=" + FormatP(r.P)
			if !r.Significant {
				s += ", not significant"
			}
			s += ")"
		}
	}
	return s
}

// ScalingLines are a's scaling rows as the terminal summary prints them.
func ScalingLines(a *analysis.Analysis) []string {
	var out []string
	for _, r := range a.Scaling() {
		c := r.Scenario
		if r.Step != "" {
			c += " " + r.Step
		}
		out = append(out, fmt.Sprintf("%s %s (%s): %s", c, r.Variant, analysis.UnitLabel(r.Unit), scalingText(r)))
	}
	return out
}

// diffText says how two variants differ, dimension by dimension: "parser
// fsm vs find, writer async vs sync"; "same build" when they do not; ""
// when unknown. Against a reference server: "lab server vs reference
// server".
func diffText(diff []analysis.Change, known bool) string {
	if !known {
		return ""
	}
	if len(diff) == 0 {
		return "same build"
	}
	var parts []string
	for _, c := range diff {
		if c.Dim == "server" && (c.Old == "" || c.New == "") {
			parts = append(parts, orWord(c.New, "lab")+" server vs "+orWord(c.Old, "lab")+" server")
			continue
		}
		parts = append(parts, c.Dim+" "+orWord(c.New, "none")+" vs "+orWord(c.Old, "none"))
	}
	return strings.Join(parts, ", ")
}

// changeText is diffText of a list known to be complete.
func changeText(diff []analysis.Change) string { return diffText(diff, len(diff) > 0) }

func orWord(s, none string) string {
	if s == "" {
		return none
	}
	return s
}

// uslReason says a USL fit's case with its figures: why it was refused, or
// the shape of its verdict.
func uslReason(f usl.Fit) string {
	switch f.Why {
	case usl.InvalidPoint:
		return fmt.Sprintf("invalid point N=%v X=%v: N must be ≥ 1 and X finite and > 0", f.Bad.N, f.Bad.X)
	case usl.TooFewPoints:
		return fmt.Sprintf("%d concurrency level(s); a fit of 3 parameters needs at least %d", f.Points, usl.MinPoints)
	case usl.NoVariation:
		return "throughput does not vary with concurrency: R² is undefined"
	case usl.NotConverged:
		return fmt.Sprintf("the fit did not converge from any of %d starts (%s)", f.Starts, f.Err)
	case usl.NoModel:
		return "the fit converged to no usable model (λ, σ or κ not finite, or λ ≤ 0)"
	case usl.LowR2:
		explains := "none"
		if f.R2 > 0 {
			explains = fmt.Sprintf("%.0f%%", 100*f.R2)
		}
		return fmt.Sprintf("the law explains %s of the variance (R² %.2f < %.2f): these points are not a USL curve", explains, f.R2, usl.MinR2)
	case usl.PeakPlaced:
		return fmt.Sprintf("peaks at N≈%.0f (X≈%.3g); beyond it more concurrency lowers throughput (κ=%.2g)", f.PeakN, f.PeakX, f.Kappa)
	case usl.NearLinear:
		return fmt.Sprintf("scales near linearly: %.0f%% of linear at N=%.0f (σ=%.2g, κ=%.2g)", 100*f.Efficiency, f.MaxN, f.Sigma, f.Kappa)
	case usl.Flattening:
		return fmt.Sprintf("contention: %.0f%% of linear at N=%.0f, flattening toward λ/σ≈%.3g (σ=%.2g)", 100*f.Efficiency, f.MaxN, f.Lambda/f.Sigma, f.Sigma)
	case usl.PeakBeyond:
		return fmt.Sprintf("contention: %.0f%% of linear at N=%.0f (σ=%.2g, κ=%.2g); a peak, if the law holds beyond the sweep, lies beyond N=%.0f (%.1f× the largest level measured): not placed",
			100*f.Efficiency, f.MaxN, f.Sigma, f.Kappa, usl.PeakReach*f.MaxN, usl.PeakReach)
	}
	return string(f.Verdict)
}

// problemLines says the problems, one line per variant and check: "optimized:
// crash (d3): exit code 2", or, when several trials of one step share it,
// "writer:unbounded: disk-full: 10 trials (d1, d3, …), the first: …".
func problemLines(ps []analysis.Problem) []string {
	type group struct {
		p   analysis.Problem // the first
		ids []string
	}
	var gs []*group
	at := map[[2]string]*group{}
	for _, p := range ps {
		k := [2]string{p.Variant, p.Name}
		if p.Trial != "" {
			k[1] = p.Cell // a trial's problem groups with its step's others
		}
		if g := at[k]; g != nil {
			g.ids = append(g.ids, p.Trial)
			continue
		}
		g := &group{p: p, ids: []string{p.Trial}}
		at[k] = g
		gs = append(gs, g)
	}
	var out []string
	for _, g := range gs {
		if len(g.ids) == 1 {
			out = append(out, g.p.Variant+": "+g.p.Name+": "+g.p.Detail)
			continue
		}
		ids := g.ids
		if len(ids) > 3 {
			ids = append(ids[:3:3], "…")
		}
		out = append(out, fmt.Sprintf("%s: %s: %d trials (%s), the first: %s", g.p.Variant, g.p.Cell, len(g.ids), strings.Join(ids, ", "), g.p.Detail))
	}
	return out
}
