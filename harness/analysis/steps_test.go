package analysis

import (
	"math"
	"slices"
	"testing"

	"metricstream/harness/internal/stagetest"
)

// The fixtures are harness/internal/stagetest's, shared with the report tests.
var (
	stageSnap = stagetest.Snap
	stepsRun  = stagetest.Run
)

func TestStepsRows(t *testing.T) {
	// big targets the parser here: the parser step is judged there
	run := stepsRun()
	run.Meta.Targets = map[string]string{"big": "parser"}
	pa, err := Analyze(run)
	if err != nil {
		t.Fatal(err)
	}
	parser := pa.Steps[0]
	if !parser.Significant() || len(parser.Reasons) != 0 || math.Abs(parser.Effect.Effect.Estimate-100) > 5 || !parser.Effect.Primary || !parser.Targeted || parser.Cell.Scenario != "big" {
		t.Errorf("parser step: significant %v, effect %v, reasons %v, cell %v; want significant ≈ +100%% in big with no reason", parser.Significant(), parser.Effect.Effect.Estimate, parser.Reasons, parser.Cell)
	}
	if lo, hi := parser.EffectLo(), parser.EffectHi(); math.IsNaN(lo) || lo > parser.Effect.Effect.Estimate || hi < parser.Effect.Effect.Estimate {
		t.Errorf("parser effect interval [%v, %v] does not hold its estimate %v", lo, hi, parser.Effect.Effect.Estimate)
	}
	// Amdahl from phase2's costs: request 100 µs, parse 50 → 10 µs: 60 µs, +66.7%.
	if parser.Prediction == nil || math.Abs(parser.Predicted-100*(100.0/60-1)) > 0.01 {
		t.Fatalf("parser prediction %v (%v), want +66.7%%", parser.Predicted, parser.Prediction)
	}
	if parser.Agreement != Disagrees || parser.Timed != 1000 {
		t.Errorf("measured ≈ +100%% against predicted +66.7%% from 1000 timed requests: agreement %v, timed %d", parser.Agreement, parser.Timed)
	}
	// no scenario targets the lock then: its primary cell is the run's
	// first untargeted load scenario's first cell, not big (the parser's)
	if lock := pa.Steps[1]; lock.Targeted || lock.Cell != (Cell{"sweep", "clients=1"}) {
		t.Errorf("untargeted lock step judged in %v (targeted %v), want sweep clients=1", lock.Cell, lock.Targeted)
	}

	a, err := Analyze(stepsRun())
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Steps) != 2 {
		t.Fatalf("%d step rows, want 2 (phase2→phase3, phase3→phase4)", len(a.Steps))
	}
	parser, lock := a.Steps[0], a.Steps[1]
	if parser.Dimension != "parser" || lock.Dimension != "lock" {
		t.Fatalf("dimensions %q %q, want parser lock", parser.Dimension, lock.Dimension)
	}
	// big targets the lock: the parser is judged in the first untargeted
	// load scenario, never in big, where it shows best
	if parser.Targeted || parser.Cell != (Cell{"sweep", "clients=1"}) || parser.Significant() {
		t.Errorf("parser cell %v targeted %v significant %v", parser.Cell, parser.Targeted, parser.Significant())
	}
	if lock.Significant() || !lock.Targeted || lock.Cell.Scenario != "big" {
		t.Errorf("lock step: significant %v targeted %v cell %v; want not significant, in the targeted scenario big", lock.Significant(), lock.Targeted, lock.Cell)
	}
	if want := []ReasonKind{ReasonNull, ReasonShare, ReasonSectionBusy, ReasonCores}; !slices.Equal(lock.Reasons, want) {
		t.Errorf("lock reasons %v, want %v", lock.Reasons, want)
	}
	if e := lock.Effect.Effect; !e.HasInterval() || e.Lo > 0 || e.Hi < 0 || math.IsNaN(e.MDE) || math.IsInf(e.MDE, 0) || e.RuledOut() > 5 {
		t.Errorf("lock effect %+v: want an interval around 0 ruling out effects beyond a few percent, and a finite MDE", e)
	}
	if math.Abs(lock.Share.Share-0.5/60) > 1e-9 || math.Abs(lock.Utilisation-0.01) > 0.001 {
		t.Errorf("lock share %v utilisation %v", lock.Share.Share, lock.Utilisation)
	}
	if lock.Predicted != 0 || lock.Agreement != Agrees {
		t.Errorf("lock prediction %v agreement %v; want 0, agreeing", lock.Predicted, lock.Agreement)
	}
	if lock.Capacity != nil {
		t.Errorf("capacity %+v without capacity-req/s", lock.Capacity)
	}
}

// The primary cell is chosen from the plan, never from the numbers: the
// scenario targeting the dimension even when another cell shows a larger
// effect; a bigger effect elsewhere is a secondary cell.
func TestPrimaryCellFromTargets(t *testing.T) {
	run := stepsRun()
	for i := range run.Trials {
		tr := &run.Trials[i]
		if tr.Scenario == "sweep" && tr.Variant == "phase4" && tr.Step == "clients=32" {
			tr.Throughput *= 1.5 + 0.01*float64(tr.Trial%3) // the lock step "shows" in the sweep
		}
	}
	a, err := Analyze(run)
	if err != nil {
		t.Fatal(err)
	}
	lock := a.Steps[1]
	if lock.Cell.Scenario != "big" || !lock.Targeted || lock.Significant() {
		t.Errorf("lock primary %v targeted %v significant %v; want big (targets lock), not significant", lock.Cell, lock.Targeted, lock.Significant())
	}
	var sec *Comparison
	for _, c := range lock.Secondary {
		if c.Cell.Step == "clients=32" {
			sec = c
		}
	}
	if sec == nil || sec.Primary || sec.Effect.Estimate < 40 || sec.Weight > lock.Effect.Weight {
		t.Errorf("secondary clients=32 %+v", sec)
	}
}

func TestStageCostsAndUSL(t *testing.T) {
	a, err := Analyze(stepsRun())
	if err != nil {
		t.Fatal(err)
	}
	sc := a.StageCostOf("big", "phase2")
	if sc == nil || sc.Trials != 10 || sc.Snapshot.Sampled != 1000 {
		t.Fatalf("phase2 big stage cost %+v", sc)
	}
	if b := sc.Bound("parser"); b == nil || math.Abs(b.Share-0.5) > 1e-9 {
		t.Errorf("parser bound %+v, want share 0.5", b)
	}
	if a.StageCostOf("sweep", "phase2") != nil {
		t.Error("stage costs for a scenario whose trials carry none")
	}
	if got := a.USLScenarios(); len(got) != 1 || got[0] != "sweep" {
		t.Fatalf("USL scenarios %q, want [sweep]", got)
	}
	if len(a.USL) != 3 {
		t.Fatalf("%d fits, want one per variant", len(a.USL))
	}
	f := a.USL[0].Fit
	if !f.OK() || math.Abs(f.Sigma-0.05) > 0.01 || math.Abs(f.Kappa-0.001) > 0.0005 || f.Points != 6 {
		t.Errorf("fit %+v, want σ≈0.05 κ≈0.001 over 6 levels", f)
	}
	iv := a.USL[0].Intervals
	if !a.USL[0].HasIntervals || !iv.Replicated || iv.SigmaLo > 0.05 || iv.SigmaHi < 0.05 || iv.KappaLo > 0.001 || iv.KappaHi < 0.001 {
		t.Errorf("bootstrap intervals %+v, want them around σ 0.05, κ 0.001", iv)
	}
}

// A stage holding more than one request on average (X·S ≥ 1, Little's
// law) is called saturated, not "busy more than 100% of the time".
func TestStepsSaturatedSection(t *testing.T) {
	run := stepsRun()
	for i := range run.Trials {
		if s := run.Trials[i].Stages; s != nil {
			for j := range s.Stages {
				if s.Stages[j].Stage == "rate_limit" {
					s.Stages[j].SumNS = 100000 * int64(s.Sampled) // 100 µs per request
				}
			}
		}
	}
	a, err := Analyze(run)
	if err != nil {
		t.Fatal(err)
	}
	lock := a.Steps[1]
	if math.Abs(lock.Utilisation-2) > 0.1 || !slices.Contains(lock.Reasons, ReasonSaturated) || slices.Contains(lock.Reasons, ReasonSectionBusy) {
		t.Errorf("utilisation %v, reasons %v", lock.Utilisation, lock.Reasons)
	}
}

// A step whose cell carries no stage costs (a per-trial kind such as
// capacity runs without them) takes them from the scenario of the same
// variants that has the most timed requests, and says where from.
func TestStepsStageFallback(t *testing.T) {
	run := stepsRun()
	run.Meta.Targets = map[string]string{"sweep": "lock"}
	a, err := Analyze(run)
	if err != nil {
		t.Fatal(err)
	}
	lock := a.Steps[1]
	if lock.Cell.Scenario != "sweep" || lock.StageScenario != "big" || lock.Share == nil {
		t.Fatalf("lock cell %v, stage scenario %q, share %v; want sweep, big, a share", lock.Cell, lock.StageScenario, lock.Share)
	}
	if !slices.Contains(lock.Reasons, ReasonStagesElsewhere) || !slices.Contains(lock.Reasons, ReasonShare) {
		t.Errorf("lock reasons %v", lock.Reasons)
	}
}

// TestStepsCPUBound: where the server and the generator keep both CPUs
// busy, the lock step's reason says the machine was CPU-bound and gives
// the prediction from CPU per request beside Amdahl's.
func TestStepsCPUBound(t *testing.T) {
	run := stagetest.WithCPU(stepsRun(), 0)
	a, err := Analyze(run)
	if err != nil {
		t.Fatal(err)
	}
	u := a.StageCostOf("big", "phase3").CPU
	if u == nil || u.Trials != 10 || math.Abs(u.ServerCores-1.2) > 1e-9 || math.Abs(u.GenCores-0.78) > 1e-9 ||
		math.Abs(u.ServerNSPerReq-1.2e6) > 1e-3 || math.Abs(u.Busy(2)-0.99) > 1e-9 {
		t.Fatalf("phase3 CPU %+v, want 1.2 + 0.78 cores, 1.2 ms server CPU per request, 99%% busy", u)
	}
	lock := a.Steps[1]
	if !lock.CPUBound || math.Abs(lock.CPUPredicted-100*(1.98/1.96-1)) > 1e-6 {
		t.Fatalf("lock step CPU-bound %v, CPU prediction %v; want true, +1.02%%", lock.CPUBound, lock.CPUPredicted)
	}
	if !slices.Contains(lock.Reasons, ReasonMachine) || math.Abs(lock.CPUOld.NSPerReq()-1.98e6) > 1 {
		t.Errorf("lock reasons %v, CPU per request %v", lock.Reasons, lock.CPUOld.NSPerReq())
	}
	// The machine's own measure, where the trials took it, decides.
	for i := range run.Trials {
		if run.Trials[i].Scenario == "big" {
			run.Trials[i].MachineBusy = 0.85
		}
	}
	if a, _ = Analyze(run); a.Steps[1].CPUBound || a.Steps[1].CPUOld.MachineBusy != 0.85 {
		t.Errorf("machine 85%% busy: CPU-bound %v", a.Steps[1].CPUBound)
	}
	// CPU per request is per ANSWERED request: half the requests refused
	// doubles it.
	for i := range run.Trials {
		if tr := &run.Trials[i]; tr.Scenario == "big" {
			tr.Counts.Status503 = tr.Counts.Status2xx
			tr.Counts.Status2xx /= 2
		}
	}
	if a, _ = Analyze(run); math.Abs(a.StageCostOf("big", "phase3").CPU.ServerNSPerReq-2.4e6) > 1 {
		t.Errorf("server CPU per answered request %v, want 2.4ms", a.StageCostOf("big", "phase3").CPU.ServerNSPerReq)
	}
	// Without the generator's CPU there is no CPU figure, and nothing said.
	for i := range run.Trials {
		run.Trials[i].GeneratorCPUNS = 0
	}
	if a, _ = Analyze(run); a.Steps[1].CPUOld != nil || slices.Contains(a.Steps[1].Reasons, ReasonMachine) {
		t.Errorf("CPU figures without a generator reading: %+v, %v", a.Steps[1].CPUOld, a.Steps[1].Reasons)
	}
}

// TestMoved: the lock's stage falls 297µs and the metrics' record, the
// next lock on the path, rises 30µs: the time moved there. A rise under
// a twentieth of the fall, or no fall, says nothing.
func TestMoved(t *testing.T) {
	old := stageSnap(100, map[string]int64{"rate_limit": 300_000, "record": 300_000, "parse": 1000})
	nw := stageSnap(100, map[string]int64{"rate_limit": 3_000, "record": 330_000, "parse": 1000})
	m := moved(*old, *nw, "lock")
	if m == nil || m.Stage != "record" || m.Fell != 297_000 || m.Rose != 30_000 || m.RequestOld != 601_000 || m.RequestNew != 334_000 || !slices.Equal(m.Own, []string{"rate_limit"}) {
		t.Errorf("moved %+v", m)
	}
	small := stageSnap(100, map[string]int64{"rate_limit": 3_000, "record": 301_000, "parse": 1000})
	if got := moved(*old, *small, "lock"); got != nil {
		t.Errorf("a 1µs rise against a 297µs fall: %+v, want nothing", got)
	}
	// 1µs of a 601µs request: noise, whatever rose beside it
	tiny := stageSnap(100, map[string]int64{"rate_limit": 299_000, "record": 303_000, "parse": 1000})
	if got := moved(*old, *tiny, "lock"); got != nil {
		t.Errorf("a 1µs fall of a 601µs request: %+v, want nothing", got)
	}
	if got := moved(*nw, *old, "lock"); got != nil {
		t.Errorf("the lock's stage grew: %+v, want nothing", got)
	}
}

// Below MinTimed timed requests a stage-cost prediction is no figure:
// no predicted change, no agreement drawn, and the reason says so.
func TestStepsFewTimed(t *testing.T) {
	run := stepsRun()
	for i := range run.Trials {
		if s := run.Trials[i].Stages; s != nil {
			run.Trials[i].Stages = stageSnap(2, map[string]int64{"read_header": 40000, "parse": s.Stages[2].SumNS / int64(s.Sampled), "rate_limit": 500, "write": 9500})
		}
	}
	a, err := Analyze(run)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range a.Steps {
		if r.Timed != 20 || r.Agreement != TooFewTimed || !math.IsNaN(r.Predicted) {
			t.Errorf("%s: timed %d, agreement %v, predicted %v; want 20, TooFewTimed, NaN", r.Dimension, r.Timed, r.Agreement, r.Predicted)
		}
	}
	if lock := a.Steps[1]; !slices.Contains(lock.Reasons, ReasonFewTimed) {
		t.Errorf("lock reasons %v lack the timed-request floor", lock.Reasons)
	}
}
