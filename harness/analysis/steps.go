package analysis

import (
	"math"
	"slices"
	"strings"

	"metricstream/internal/stages"
	"metricstream/variants"
)

// ThroughputUnit is the unit "What each step buys" states a step's effect
// in; its capacity change is in CapacityUnit (capacity.go).
const ThroughputUnit = "req/s"

// MinTimed is the fewest timed (stage-sampled) requests a stage-cost
// prediction is stated from. A prediction rests on the mean cost per
// request of a stage, whose relative standard error is CV/√n, CV the
// per-request coefficient of variation of that cost. Measured (a loaded
// 2-core machine; baseline, phase2, phase3 on large-batch, throughput and
// fsync, 8 trials each, once at -stages 1/64 and once timing every
// request: the extra spread of the 1/64 trials' means is the sampling's,
// CV²/n), the stages the journey's predictions use have per-request CVs of
// about 1.2 to 2.5 (fsync's write 1.2, the parse stage 1.4 to 2.4; a
// stage that waits, a queue, a lock, an fsync, is short for most requests
// and long for a few). 200 timed requests hold the error near 10-18%,
// the size of the effects the journey's later steps are about; the 1 to 6
// a large-batch or fsync cell gave at 1/64 leave it at 50-200%, a number
// with no meaning. Below the floor the prediction is not a figure.
const MinTimed = 200

// BusyCPUs is the share of the machine's CPUs at or above which a
// scenario counts as CPU-bound.
const BusyCPUs = 0.9

// StepRow is one journey step in "What each step buys": the one
// dimension it changes, its primary cell (chosen from the plan, before
// the run: PrimaryCell), the paired effect there with its interval, the
// capacity change, the two predictions beside it, and, where the effect
// is not significant, the measured reasons (Reasons, in the order they
// are said).
type StepRow struct {
	Dimension string   // the dimension(s) the step changes: "writer"
	Old, New  string   // variant labels
	Change    []Change // the dimensions the step changes, with both values
	// Cell is the step's primary cell; Targeted says its scenario targets
	// the dimension (otherwise the run has no such scenario and Cell is
	// the first scenario of the run: PrimaryCell).
	Cell     Cell
	Targeted bool
	// Effect is the paired comparison in Cell, in its primary unit
	// (throughput, or the capacity at SLO in a capacity cell); nil when
	// the pair has none.
	Effect *Comparison
	// Secondary are the pair's throughput comparisons in every other
	// cell: secondary, and said so; in the same family.
	Secondary []*Comparison
	// Capacity is the capacity at SLO (capacity-req/s) in the run's first
	// capacity cell; nil when the run did not search one. CapacityOld and
	// CapacityNew are the two arms' rows there (their medians, or how
	// their searches were censored).
	Capacity                 *Comparison
	CapacityOld, CapacityNew *CapacityRow
	// Share is the dimension's Amdahl share of the old variant's request
	// wall time in StageScenario (nil without stage costs): with its
	// stages at zero cost a request would spend (1 − Share) of its time
	// in the server. It bounds the dimension's own part of a request's
	// time, not throughput on shared CPUs, where removing one stage's
	// work also shortens the others' waits.
	Share *stages.Bound
	// Utilisation is X·S of the dimension's stage at the old variant's
	// throughput: by Little's law the mean number of requests in the
	// stage (NaN when unknown).
	Utilisation float64
	// Prediction is Amdahl's from Old's and New's stage costs (nil
	// without both); Predicted its throughput change in percent (NaN
	// when none, or from fewer than MinTimed timed requests). Agreement
	// says how it stands against the measured interval.
	Prediction *stages.Prediction
	Predicted  float64
	Agreement  Agreement
	// CPUOld and CPUNew are what Old and New burned in StageScenario's
	// trials (nil when unmeasured). CPUPredicted is the throughput change
	// predicted if the CPUs are the bottleneck: Old's server and generator
	// CPU per answered request over New's, in percent (NaN without both);
	// CPUBound says the machine was busy enough (BusyCPUs) for that
	// assumption to hold.
	CPUOld, CPUNew *CPUUse
	CPUPredicted   float64
	CPUBound       bool
	// Moved is where the time the step removed went (nil when nothing
	// grew by a twentieth of it).
	Moved *Moved
	// Timed is how many requests Old's stage costs rest on.
	Timed uint64
	// StageScenario is the scenario the stage figures come from: Cell's,
	// or, when Cell's trials carry no stage costs for both variants (a
	// per-trial kind such as capacity), the scenario whose stage costs of
	// Old rest on the most timed requests.
	StageScenario string
	// Machine: its CPUs, GOMAXPROCS, whether the server was pinned to one
	// CPU, and how many requests the server could run at once.
	NumCPU, GOMAXPROCS, ServerCores int
	Pinned                          bool
	// Reasons are why the effect is not significant, measured, in the
	// order the report says them (none when it is significant).
	Reasons []ReasonKind
}

// Agreement is how a stage-cost prediction stands against the measured
// effect.
type Agreement int

const (
	// NoPrediction: no stage costs for both variants.
	NoPrediction Agreement = iota
	// TooFewTimed: stage costs from fewer than MinTimed timed requests:
	// no figure, no agreement drawn.
	TooFewTimed
	// Unjudged: no interval of the measured effect to judge it against.
	Unjudged
	// Agrees: the prediction lies inside the measured interval.
	Agrees
	// Disagrees: outside it; the gap is what Amdahl leaves out
	// (queueing, contention, batching, shared CPUs).
	Disagrees
)

// Moved is where the time a step removed went: its own stages fell by
// Fell per request, Stage rose by Rose, and the request's time in the
// server went from RequestOld to RequestNew.
type Moved struct {
	Own                    []string
	Fell                   float64
	Stage                  string
	Rose                   float64
	RequestOld, RequestNew float64
}

// ReasonKind is one measured reason a step's effect is not significant;
// the report phrases each from the row's figures.
type ReasonKind int

const (
	// ReasonNull: what the interval rules out (no effect larger than
	// RuledOut either way) and the smallest effect the run could detect
	// (Effect.Effect.MDE). Always first.
	ReasonNull ReasonKind = iota
	// ReasonNoComparison: the pair has no comparison in any cell.
	ReasonNoComparison
	// ReasonTooFewRounds: fewer than MinRounds paired rounds.
	ReasonTooFewRounds
	// ReasonStagesElsewhere: the stage figures come from StageScenario,
	// not Cell's scenario.
	ReasonStagesElsewhere
	// ReasonShare: the dimension's share of request wall time (Share).
	ReasonShare
	// ReasonFewTimed: stage costs from fewer than MinTimed timed requests.
	ReasonFewTimed
	// ReasonSaturated: X·S ≥ 1, requests queue for the stage.
	ReasonSaturated
	// ReasonSectionBusy: X·S < 1, the section busy at most that share.
	ReasonSectionBusy
	// ReasonNoStages: no stage costs recorded for Old.
	ReasonNoStages
	// ReasonMachine: how busy the CPUs were (CPUOld), and whether
	// CPU-bound.
	ReasonMachine
	// ReasonCores: how many requests the server could run at once
	// (ServerCores), against contention a lock, metrics or executor
	// variant removes.
	ReasonCores
)

// Significant reports whether the step's effect is significant.
func (r StepRow) Significant() bool { return r.Effect != nil && r.Effect.Significant() }

// EffectLo and EffectHi are the effect's interval in percent (NaN
// without one).
func (r StepRow) EffectLo() float64 { return r.interval(true) }

// EffectHi: see EffectLo.
func (r StepRow) EffectHi() float64 { return r.interval(false) }

func (r StepRow) interval(lo bool) float64 {
	if r.Effect == nil || !r.Effect.Effect.HasInterval() {
		return math.NaN()
	}
	if lo {
		return r.Effect.Effect.Lo
	}
	return r.Effect.Effect.Hi
}

// cpus is the machine's CPUs, at least one.
func (r StepRow) cpus() int { return max(r.NumCPU, 1) }

// CPUs is the machine's CPU count the row's busy shares are of.
func (r StepRow) CPUs() int { return r.cpus() }

// steps fills a.Steps: one row per journey pair.
func (a *Analysis) steps() {
	m := a.Run.Meta
	for _, p := range a.Pairs {
		if p.Kind != "journey" {
			continue
		}
		diff, _ := a.Diff(p) // a journey step's variants are in the run
		r := StepRow{Old: p.Old, New: p.New, Change: diff, Dimension: a.stepDimension(p),
			NumCPU: m.NumCPU, GOMAXPROCS: m.GOMAXPROCS, Pinned: strings.Contains(m.Pinning, "server=cpu0"), ServerCores: a.serverCores(),
			Utilisation: math.NaN(), Predicted: math.NaN(), CPUPredicted: math.NaN()}
		if pc, ok := a.PrimaryCell(p); ok {
			r.Cell, r.Targeted = pc.Cell, pc.Targeted
			r.Effect = a.comparison(p, pc.Cell, primaryUnit(a, pc.Cell))
		}
		for i := range a.Comparisons {
			c := &a.Comparisons[i]
			if c.Pair == p && c.Unit == ThroughputUnit && c.Cell != r.Cell {
				r.Secondary = append(r.Secondary, c)
			}
		}
		for i := range a.Comparisons {
			c := &a.Comparisons[i]
			if c.Pair == p && c.Unit == CapacityUnit && (r.Capacity == nil || c.Cell == r.Cell) {
				r.Capacity = c
			}
		}
		if r.Capacity != nil {
			for _, row := range a.CapacityRows() {
				switch {
				case row.Cell != r.Capacity.Cell:
				case row.Variant == p.Old:
					r.CapacityOld = &row
				case row.Variant == p.New:
					r.CapacityNew = &row
				}
			}
		}
		a.explain(&r)
		a.Steps = append(a.Steps, r)
	}
}

// comparison is p's comparison of unit in cell, or nil.
func (a *Analysis) comparison(p Pair, cell Cell, unit string) *Comparison {
	for i := range a.Comparisons {
		if c := &a.Comparisons[i]; c.Pair == p && c.Cell == cell && c.Unit == unit {
			return c
		}
	}
	return nil
}

// stepDimension names the dimensions p changes, in the lab's order.
func (a *Analysis) stepDimension(p Pair) string {
	so, sn := variantSet(a.Run, p.Old), variantSet(a.Run, p.New)
	var dims []string
	for _, d := range variants.Dimensions {
		if so[d.Name] != sn[d.Name] {
			dims = append(dims, d.Name)
		}
	}
	diff, _ := a.Diff(p)
	for _, c := range diff {
		if !slices.Contains(dims, c.Dim) {
			dims = append(dims, c.Dim)
		}
	}
	return strings.Join(dims, "+")
}

// explain fills the stage figures of r and, where its effect is not
// significant, the measured reasons.
func (a *Analysis) explain(r *StepRow) {
	r.StageScenario = r.Cell.Scenario
	oldCost, newCost := a.StageCostOf(r.Cell.Scenario, r.Old), a.StageCostOf(r.Cell.Scenario, r.New)
	if oldCost.Bound(r.Dimension) == nil || newCost == nil {
		if sc := a.stageFallback(r.Old, r.New, r.Dimension); sc != "" {
			r.StageScenario = sc
			oldCost, newCost = a.StageCostOf(sc, r.Old), a.StageCostOf(sc, r.New)
		}
	}
	if b := oldCost.Bound(r.Dimension); b != nil {
		r.Share = b
		r.Timed = oldCost.Snapshot.Sampled
		if r.Effect != nil && r.Effect.Unit == ThroughputUnit && r.Effect.Old.Center > 0 {
			r.Utilisation = Utilisation(*b, r.Effect.Old.Center)
		}
		if newCost != nil {
			r.Moved = moved(oldCost.Snapshot, newCost.Snapshot, r.Dimension)
			if pr, err := stages.PredictSwap(oldCost.Snapshot, newCost.Snapshot, r.Dimension); err == nil {
				r.Prediction = &pr
				switch {
				case r.Timed < MinTimed || newCost.Snapshot.Sampled < MinTimed:
					r.Agreement = TooFewTimed
				default:
					r.Predicted = (pr.Speedup - 1) * 100
					r.Agreement = Unjudged
					if lo, hi := r.EffectLo(), r.EffectHi(); !math.IsNaN(lo) {
						r.Agreement = Agrees
						if r.Predicted < lo || r.Predicted > hi {
							r.Agreement = Disagrees
						}
					}
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
	var why []ReasonKind
	switch {
	case r.Effect == nil:
		why = append(why, ReasonNoComparison)
	case !r.Effect.Tested:
		why = append(why, ReasonTooFewRounds)
	default:
		why = append(why, ReasonNull)
	}
	if r.Share != nil {
		if r.StageScenario != r.Cell.Scenario {
			why = append(why, ReasonStagesElsewhere)
		}
		why = append(why, ReasonShare)
		if r.Timed < MinTimed {
			why = append(why, ReasonFewTimed)
		}
		switch u := r.Utilisation; {
		case math.IsNaN(u):
		case u >= 1:
			why = append(why, ReasonSaturated)
		default:
			why = append(why, ReasonSectionBusy)
		}
	} else if r.Effect != nil {
		why = append(why, ReasonNoStages)
	}
	if r.CPUOld != nil {
		why = append(why, ReasonMachine)
	}
	why = append(why, ReasonCores)
	r.Reasons = why
}

// moved is where the time dim's stages lost went between old and nw: the
// other stage that grew most per request, when dim's stages fell by at
// least a twentieth of the request and it grew by at least a twentieth of
// that; nil otherwise.
func moved(old, nw stages.Snapshot, dim string) *Moved {
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
		return nil
	}
	return &Moved{Own: stageList(stages.Owners[dim]).names(), Fell: fell, Stage: at, Rose: rose, RequestOld: old.MeanNS, RequestNew: nw.MeanNS}
}

// stageFallback is the scenario whose stage costs of old (with nw's
// beside them) rest on the most timed requests and give dim's share; ""
// when no scenario has them.
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
