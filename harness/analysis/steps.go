package analysis

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"metricstream/internal/stages"
)

// ThroughputUnit is the unit "What each step buys" states a step's effect
// in; its capacity change is in CapacityUnit (capacity.go).
const ThroughputUnit = "req/s"

// StepRow is one journey step in "What each step buys": the one dimension
// it changes, the cell that shows it best, the effect there, the capacity
// change, and — where the effect is not significant — the measured reason.
// Beside the measured effect: the effect Amdahl predicts from the earlier
// variant's stage costs, the dimension's stage shrinking (or growing) to
// the new variant's cost.
type StepRow struct {
	Dimension string // the dimension(s) the step changes: "writer"
	Old, New  string // variant labels
	Change    string // "writer async vs sync"
	Cell      Cell   // the cell shown; zero when the pair has no throughput comparison
	// Targeted: Cell's scenario was written for this dimension (the run's
	// Meta.Targets); otherwise it is the cell with the largest significant
	// effect (or, with none, the smallest p).
	Targeted bool
	Effect   *Comparison // throughput in Cell; nil when none
	// EffectLo, EffectHi bound the change in percent, from the two medians'
	// 95% intervals (new.lo/old.hi − 1 … new.hi/old.lo − 1: conservative);
	// NaN without intervals.
	EffectLo, EffectHi float64
	Capacity           *Comparison // capacity at SLO (unit capacity-req/s), when the run measured it
	// Bound is the Amdahl bound of the dimension for Old in Cell's scenario
	// (nil without stage costs); Utilisation is X·S of its stage there: by
	// Little's law the mean number of requests in the stage, the section's
	// utilisation when below 1 and it is held one at a time (NaN when
	// unknown).
	Bound       *stages.Bound
	Utilisation float64
	// Prediction is Amdahl's prediction from Old's and New's stage costs in
	// Cell's scenario (nil without both); Predicted is its throughput change
	// in percent (NaN when none). Disagree: the prediction lies outside the
	// measured effect's interval.
	Prediction *stages.Prediction
	Predicted  float64
	Disagree   bool
	// CPUOld and CPUNew are what Old and New burned in StageScenario's
	// trials (nil when unmeasured). CPUPredicted is the throughput change
	// a CPU-bound machine predicts: Old's server and generator CPU per
	// request over New's, in percent (NaN without both); it holds where
	// the cores were busy (CPUBound), and there it is the better guide:
	// wall-time stage shares count waiting, which a saturated machine only
	// moves from one queue to another.
	CPUOld, CPUNew *CPUUse
	CPUPredicted   float64
	CPUBound       bool
	// Moved says where the time the step removed went, when another stage
	// grew by at least a twentieth of it in StageScenario: "rate_limit fell
	// 301µs per request; record rose 30.0µs; the request in the server
	// 660µs → 386µs". A wait removed from one lock queues at the next one,
	// or before the server reads the request at all; "" when nothing grew
	// so.
	Moved  string
	Cores  string // "2 CPUs, GOMAXPROCS 2"
	NumCPU int    // the machine's CPUs (Meta.NumCPU)
	// Timed is how many requests Old's stage costs in Cell's scenario come
	// from (0 without); below MinTimed the figures are rough, and said so.
	Timed uint64
	// StageScenario is the scenario the stage figures come from: Cell's,
	// or, when Cell's trials carry no stage costs for Old and New (a
	// per-trial kind such as capacity), the scenario whose stage costs of
	// Old rest on the most timed requests; said so in Reason.
	StageScenario string
	Reason        string // where not significant: the measured reason
}

// Significant reports whether the step's effect is significant.
func (r StepRow) Significant() bool { return r.Effect != nil && r.Effect.Significant() }

// EffectText is the effect with its interval and adjusted p:
// "+212% [+150%, +290%] p=0.002".
func (r StepRow) EffectText() string {
	if r.Effect == nil {
		return "-"
	}
	c := r.Effect
	s := FormatDelta(c.Delta)
	if !math.IsNaN(r.EffectLo) {
		s += fmt.Sprintf(" [%s, %s]", FormatDelta(r.EffectLo), FormatDelta(r.EffectHi))
	}
	if c.Tested {
		s += " p=" + FormatP(c.PAdj)
	}
	return s + " (" + c.Outcome() + ")"
}

// CapacityText is the capacity change: "9.1k → 12.3k req/s (+35%, p=0.002)".
func (r StepRow) CapacityText() string {
	c := r.Capacity
	if c == nil {
		return "not measured"
	}
	s := fmt.Sprintf("%s → %s (%s", FormatValue(c.Unit, c.Old.Center), FormatValue(c.Unit, c.New.Center), FormatDelta(c.Delta))
	if c.Tested {
		s += ", p=" + FormatP(c.PAdj)
	}
	s += ")"
	if c.Cell.Scenario != r.Cell.Scenario {
		s += " in " + c.Cell.String()
	}
	return s
}

// PredictedText is Amdahl's prediction beside the measured effect.
func (r StepRow) PredictedText() string {
	if r.Prediction == nil {
		return "- (no stage costs)"
	}
	p := r.Prediction
	s := fmt.Sprintf("%s (%s: %s → %s per request)", FormatDelta(r.Predicted), strings.Join(stageList(stages.Owners[r.Dimension]).names(), "+"), FormatNS(p.StageNS), FormatNS(p.NewNS))
	if r.Timed < MinTimed {
		s += fmt.Sprintf(" [from only %d timed requests: rough]", r.Timed)
	}
	if r.Disagree {
		s += "; the measured effect disagrees beyond its interval: the gap is what Amdahl leaves out (queueing, contention, batching)"
	}
	if r.Moved != "" {
		s += "; the time moved: " + r.Moved
	}
	return s
}

// BusyCPUs is the share of the machine's CPUs at or above which a
// scenario counts as CPU-bound.
const BusyCPUs = 0.9

// CPUText is the prediction from server + generator CPU per request:
// "+8.6% (55.1µs → 50.7µs per request; the 2 CPUs 98.5% busy under
// phase3)", with ", a bound only: the machine had CPU to spare" where it
// was not CPU-bound; "-" without both variants' CPU figures.
func (r StepRow) CPUText() string {
	if r.CPUOld == nil || r.CPUNew == nil || math.IsNaN(r.CPUPredicted) {
		return "-"
	}
	s := fmt.Sprintf("%s (%s → %s per request; %s)", FormatDelta(r.CPUPredicted),
		FormatNS(r.CPUOld.NSPerReq()), FormatNS(r.CPUNew.NSPerReq()), r.busyText())
	if !r.CPUBound {
		s += ", a bound only: the machine had CPU to spare"
	}
	return s
}

func (r StepRow) busyText() string {
	return fmt.Sprintf("the %d CPUs %s busy under %s", r.cpus(), pctText(r.CPUOld.Busy(r.cpus())), r.Old)
}

func (r StepRow) cpus() int { return max(r.NumCPU, 1) }

// MinTimed is the fewest timed requests stage costs are stated from
// without a warning: the mean of fewer samples of a skewed cost is rough.
const MinTimed = 100

// steps fills a.Steps: one row per journey pair.
func (a *Analysis) steps() {
	cores := fmt.Sprintf("%d CPUs, GOMAXPROCS %d", a.Run.Meta.NumCPU, a.Run.Meta.GOMAXPROCS)
	if strings.Contains(a.Run.Meta.Pinning, "server=cpu0") {
		cores += ", server pinned to 1 CPU"
	}
	for _, p := range a.Pairs {
		if p.Kind != "journey" {
			continue
		}
		r := StepRow{Old: p.Old, New: p.New, Change: p.Diff, Dimension: a.stepDimension(p), Cores: cores, NumCPU: a.Run.Meta.NumCPU,
			EffectLo: math.NaN(), EffectHi: math.NaN(), Utilisation: math.NaN(), Predicted: math.NaN(), CPUPredicted: math.NaN()}
		r.Effect, r.Targeted = a.bestComparison(p, ThroughputUnit, r.Dimension, "")
		if r.Effect != nil {
			r.Cell = r.Effect.Cell
			r.EffectLo, r.EffectHi = effectInterval(r.Effect)
		}
		r.Capacity, _ = a.bestComparison(p, CapacityUnit, r.Dimension, r.Cell.Scenario)
		a.explain(&r)
		a.Steps = append(a.Steps, r)
	}
}

// stepDimension names the dimensions p changes, in the lab's order.
func (a *Analysis) stepDimension(p Pair) string {
	so, sn := variantSet(a.Run, p.Old), variantSet(a.Run, p.New)
	var dims []string
	for _, d := range stages.Dimensions {
		if so[d] != sn[d] {
			dims = append(dims, d)
		}
	}
	if len(dims) == 0 {
		return p.Diff
	}
	return strings.Join(dims, "+")
}

// bestComparison picks the comparison of unit for p that shows the step
// best: in a scenario targeting dim when the run has one (in scenario
// when given), the significant one with the largest change, else the one
// with the smallest adjusted p.
func (a *Analysis) bestComparison(p Pair, unit, dim, scenario string) (*Comparison, bool) {
	var all, targeted, same []*Comparison
	for i := range a.Comparisons {
		c := &a.Comparisons[i]
		if c.Pair != p || c.Unit != unit {
			continue
		}
		all = append(all, c)
		if a.Run.Meta.Targets[c.Cell.Scenario] == dim && dim != "" {
			targeted = append(targeted, c)
		}
		if c.Cell.Scenario == scenario && scenario != "" {
			same = append(same, c)
		}
	}
	switch {
	case len(same) > 0:
		return pickComparison(same), a.Run.Meta.Targets[scenario] == dim
	case len(targeted) > 0:
		return pickComparison(targeted), true
	}
	return pickComparison(all), false
}

func pickComparison(cs []*Comparison) *Comparison {
	if len(cs) == 0 {
		return nil
	}
	s := append([]*Comparison(nil), cs...)
	sort.SliceStable(s, func(i, j int) bool {
		a, b := s[i], s[j]
		if a.Significant() != b.Significant() {
			return a.Significant()
		}
		if a.Significant() {
			return math.Abs(a.Delta) > math.Abs(b.Delta)
		}
		pa, pb := a.PAdj, b.PAdj
		if math.IsNaN(pa) {
			pa = 2
		}
		if math.IsNaN(pb) {
			pb = 2
		}
		return pa < pb
	})
	return s[0]
}

// effectInterval bounds the percent change from the medians' intervals.
func effectInterval(c *Comparison) (lo, hi float64) {
	if !c.Old.HasCI || !c.New.HasCI || c.Old.Lo <= 0 || c.Old.Hi <= 0 {
		return math.NaN(), math.NaN()
	}
	return (c.New.Lo/c.Old.Hi - 1) * 100, (c.New.Hi/c.Old.Lo - 1) * 100
}

// explain fills the stage figures of r and, where its effect is not
// significant, the measured reason.
func (a *Analysis) explain(r *StepRow) {
	var why []string
	r.StageScenario = r.Cell.Scenario
	oldCost, newCost := a.StageCostOf(r.Cell.Scenario, r.Old), a.StageCostOf(r.Cell.Scenario, r.New)
	if oldCost.Bound(r.Dimension) == nil {
		if sc := a.stageFallback(r.Old, r.New, r.Dimension); sc != "" {
			r.StageScenario = sc
			oldCost, newCost = a.StageCostOf(sc, r.Old), a.StageCostOf(sc, r.New)
		}
	}
	if b := oldCost.Bound(r.Dimension); b != nil {
		r.Bound = b
		r.Timed = oldCost.Snapshot.Sampled
		if r.Effect != nil && r.Effect.Old.Center > 0 {
			r.Utilisation = Utilisation(*b, r.Effect.Old.Center)
		}
		if newCost != nil {
			r.Moved = movedText(oldCost.Snapshot, newCost.Snapshot, r.Dimension)
			if pr, err := stages.PredictSwap(oldCost.Snapshot, newCost.Snapshot, r.Dimension); err == nil {
				r.Prediction = &pr
				r.Predicted = (pr.Speedup - 1) * 100
				if !math.IsNaN(r.EffectLo) && (r.Predicted < r.EffectLo || r.Predicted > r.EffectHi) {
					r.Disagree = true
				}
			}
		}
	}
	if r.StageScenario != "" {
		r.CPUOld, r.CPUNew = a.StageCostOf(r.StageScenario, r.Old).cpu(), a.StageCostOf(r.StageScenario, r.New).cpu()
	}
	if r.CPUOld != nil && r.CPUNew != nil && r.CPUNew.NSPerReq() > 0 {
		r.CPUPredicted = (r.CPUOld.NSPerReq()/r.CPUNew.NSPerReq() - 1) * 100
		r.CPUBound = r.CPUOld.Busy(r.cpus()) >= BusyCPUs
	}
	if r.Significant() {
		return
	}
	switch {
	case r.Effect == nil:
		why = append(why, "no throughput comparison of "+r.New+" and "+r.Old+" in this run")
	case !r.Effect.Tested:
		why = append(why, fmt.Sprintf("too few trials to test (n=%s; need ≥ %d)", FormatN(r.Effect.N1, r.Effect.N2), MinTrials))
	default:
		why = append(why, fmt.Sprintf("no significant difference in %s (p=%s)", r.Cell, FormatP(r.Effect.PAdj)))
	}
	if r.Bound != nil {
		if r.StageScenario != r.Cell.Scenario {
			why = append(why, "stage costs from "+r.StageScenario+" (no stage costs in "+r.Cell.Scenario+")")
		}
		why = append(why, r.Bound.Sentence())
		if r.Timed < MinTimed {
			why = append(why, fmt.Sprintf("(stage costs from only %d timed requests: rough; a short scenario needs a higher -stages rate)", r.Timed))
		}
		switch u := r.Utilisation; {
		case math.IsNaN(u):
		case u >= 1:
			why = append(why, fmt.Sprintf("%.3g requests are in its stage at once on average at %s (X·S, Little's law): a section held one at a time is saturated, requests queue for it",
				u, FormatValue(ThroughputUnit, r.Effect.Old.Center)))
		default:
			why = append(why, fmt.Sprintf("its section is busy at most %s of the time at %s (X·S, Little's law; the stage includes its own wait)",
				pctText(u), FormatValue(ThroughputUnit, r.Effect.Old.Center)))
		}
	} else if r.Effect != nil {
		why = append(why, "no stage costs recorded for "+r.Old+" in "+r.Cell.Scenario+" (server without -stages), so its share is unmeasured")
	}
	if c := r.CPUOld; c != nil {
		t := fmt.Sprintf("the server kept %.2f and the load generator %.2f of the %d CPUs busy (%s) in %s", c.ServerCores, c.GenCores, r.cpus(), pctText(c.Busy(r.cpus())), r.StageScenario)
		if !math.IsNaN(c.MachineBusy) {
			t = fmt.Sprintf("the machine's %d CPUs were %s busy in %s (the server %.2f CPUs, the load generator %.2f, the kernel's own threads and other work the rest)", r.cpus(), pctText(c.MachineBusy), r.StageScenario, c.ServerCores, c.GenCores)
		}
		if r.CPUBound {
			t += ": CPU-bound, so only less CPU per request raises throughput (the prediction from CPU per request), and a wait a variant removes from one stage is a wait moved to the CPUs' run queue"
		}
		why = append(why, t)
	}
	switch r.Dimension {
	case "lock", "metrics", "executor":
		why = append(why, fmt.Sprintf("%s: at most %d requests run at once, so contention a %s variant removes needs more cores to show",
			r.Cores, a.serverCores(), r.Dimension))
	default:
		why = append(why, r.Cores)
	}
	r.Reason = strings.Join(why, "; ")
}

// movedText is where the time dim's stages lost went between old and nw:
// the other stage that grew most per request, when dim's stages fell by
// at least a twentieth of the request and it grew by at least a twentieth
// of that, and the request's time in the server before and after.
func movedText(old, nw stages.Snapshot, dim string) string {
	own := map[string]bool{}
	for _, st := range stages.Owners[dim] {
		own[st.String()] = true
	}
	fell, rose, at := 0.0, 0.0, ""
	for _, o := range old.Stages {
		n, _ := nw.Get(o.Stage)
		if own[o.Stage] {
			fell += o.PerRequestNS - n.PerRequestNS
		} else if d := n.PerRequestNS - o.PerRequestNS; d > rose {
			rose, at = d, o.Stage
		}
	}
	// a fall under a twentieth of the request is noise, not a move
	if fell < old.MeanNS/20 || fell <= 0 || rose < fell/20 {
		return ""
	}
	names := stageList(stages.Owners[dim]).names()
	return fmt.Sprintf("%s fell %s per request; %s rose %s; the request in the server %s → %s",
		strings.Join(names, "+"), FormatNS(fell), at, FormatNS(rose), FormatNS(old.MeanNS), FormatNS(nw.MeanNS))
}

func pctText(f float64) string {
	switch p := 100 * f; {
	case p < 1:
		return fmt.Sprintf("%.2g%%", p)
	default:
		return fmt.Sprintf("%.1f%%", p)
	}
}

// BoundSentences are one Amdahl sentence per dimension, from the first
// scenario with stage costs of each journey step's old variant (the
// variant the step starts from).
func (a *Analysis) BoundSentences() []string {
	var out []string
	for _, r := range a.Steps {
		if r.Bound != nil {
			out = append(out, r.Bound.Sentence()+" ("+r.Old+", "+r.StageScenario+")")
		}
	}
	return out
}

// stageFallback is the scenario whose stage costs of old (with nw's
// beside them when there are) rest on the most timed requests and bound
// dim; "" when no scenario has them.
func (a *Analysis) stageFallback(old, nw, dim string) string {
	best, most := "", uint64(0)
	for _, sc := range a.StageScenarios() {
		c := a.StageCostOf(sc, old)
		if c == nil || c.Bound(dim) == nil || a.StageCostOf(sc, nw) == nil {
			continue
		}
		if c.Snapshot.Sampled > most {
			best, most = sc, c.Snapshot.Sampled
		}
	}
	return best
}

// serverCores is how many requests the server could run at once: its
// CPUs, one when it was pinned to one.
func (a *Analysis) serverCores() int {
	if strings.Contains(a.Run.Meta.Pinning, "server=cpu0") {
		return 1
	}
	return max(1, min(a.Run.Meta.NumCPU, a.Run.Meta.GOMAXPROCS))
}
