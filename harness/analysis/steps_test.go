package analysis

import (
	"math"
	"strings"
	"testing"

	"metricstream/harness/internal/stagetest"
)

// The fixtures are harness/internal/stagetest's, shared with the report tests.
var (
	stageSnap = stagetest.Snap
	stepsRun  = stagetest.Run
)

func TestStepsRows(t *testing.T) {
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
	if !parser.Significant() || parser.Reason != "" || parser.Effect.Delta < 90 {
		t.Errorf("parser step: significant %v, delta %v, reason %q; want significant ≈ +100%% with no reason", parser.Significant(), parser.Effect.Delta, parser.Reason)
	}
	if math.IsNaN(parser.EffectLo) || parser.EffectLo > parser.Effect.Delta || parser.EffectHi < parser.Effect.Delta {
		t.Errorf("parser effect interval [%v, %v] does not hold its delta %v", parser.EffectLo, parser.EffectHi, parser.Effect.Delta)
	}
	// Amdahl from phase2's costs: request 100 µs, parse 50 → 10 µs: 60 µs, +66.7%.
	if parser.Prediction == nil || math.Abs(parser.Predicted-100*(100.0/60-1)) > 0.01 {
		t.Fatalf("parser prediction %v (%v), want +66.7%%", parser.Predicted, parser.Prediction)
	}
	if !parser.Disagree || !strings.Contains(parser.PredictedText(), "disagrees") {
		t.Errorf("measured ≈ +100%% against predicted +66.7%%: want the disagreement said, got %q", parser.PredictedText())
	}
	if parser.Timed != 600 || strings.Contains(parser.PredictedText(), "rough") {
		t.Errorf("parser's costs from %d timed requests, said %q; want 600, not rough", parser.Timed, parser.PredictedText())
	}
	if lock.Significant() || !lock.Targeted || lock.Cell.Scenario != "big" {
		t.Errorf("lock step: significant %v targeted %v cell %v; want not significant, in the targeted scenario big", lock.Significant(), lock.Targeted, lock.Cell)
	}
	for _, want := range []string{"no significant difference in big", "lock: 0.83% of request time here (rate_limit), so no lock variant can buy more than 0.83%",
		"its section is busy at most 1% of the time at 19.9k/s", "2 CPUs, GOMAXPROCS 2"} {
		if !strings.Contains(lock.Reason, want) {
			t.Errorf("lock reason %q lacks %q", lock.Reason, want)
		}
	}
	if lock.Predicted != 0 || lock.Disagree {
		t.Errorf("lock prediction %v disagree %v; want 0 and agreeing", lock.Predicted, lock.Disagree)
	}
	if lock.Capacity != nil || lock.CapacityText() != "not measured" {
		t.Errorf("capacity %q without capacity-req/s", lock.CapacityText())
	}
	if got := a.BoundSentences(); len(got) != 2 || !strings.HasPrefix(got[0], "parser: 50.0% of request time here (parse)") {
		t.Errorf("bound sentences %q", got)
	}
}

func TestStageCostsAndUSL(t *testing.T) {
	a, err := Analyze(stepsRun())
	if err != nil {
		t.Fatal(err)
	}
	sc := a.StageCostOf("big", "phase2")
	if sc == nil || sc.Trials != 6 || sc.Snapshot.Sampled != 600 {
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
	if math.Abs(lock.Utilisation-2) > 0.1 || !strings.Contains(lock.Reason, "requests are in its stage at once on average") || strings.Contains(lock.Reason, "busy at most") {
		t.Errorf("utilisation %v, reason %q", lock.Utilisation, lock.Reason)
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
	if lock.Cell.Scenario != "sweep" || lock.StageScenario != "big" || lock.Bound == nil {
		t.Fatalf("lock cell %v, stage scenario %q, bound %v; want sweep, big, a bound", lock.Cell, lock.StageScenario, lock.Bound)
	}
	for _, want := range []string{"stage costs from big (no stage costs in sweep)", "lock: 0.83% of request time here (rate_limit)"} {
		if !strings.Contains(lock.Reason, want) {
			t.Errorf("lock reason %q lacks %q", lock.Reason, want)
		}
	}
	if got := a.BoundSentences(); len(got) != 2 || !strings.HasSuffix(got[1], "(phase3, big)") {
		t.Errorf("bound sentences %q; want the lock one from phase3 in big", got)
	}
}

// TestStepsCPUBound: where the server and the generator keep both CPUs
// busy, the lock step's reason says the machine was CPU-bound and gives
// the prediction from CPU per request beside Amdahl's.
func TestStepsCPUBound(t *testing.T) {
	run := stepsRun()
	cpu := map[string][2]int64{"phase2": {1_300_000_000, 700_000_000}, "phase3": {1_200_000_000, 780_000_000}, "phase4": {1_180_000_000, 780_000_000}}
	for i := range run.Trials {
		tr := &run.Trials[i]
		if tr.Scenario != "big" {
			continue
		}
		c := cpu[tr.Variant]
		s := *tr.Stages
		s.CPUNS = c[0]
		tr.Stages, tr.GeneratorCPUNS, tr.DurationNS = &s, c[1], 1e9
	}
	a, err := Analyze(run)
	if err != nil {
		t.Fatal(err)
	}
	u := a.StageCostOf("big", "phase3").CPU
	if u == nil || u.Trials != 6 || math.Abs(u.ServerCores-1.2) > 1e-9 || math.Abs(u.GenCores-0.78) > 1e-9 ||
		math.Abs(u.ServerNSPerReq-1.2e6) > 1e-3 || math.Abs(u.Busy(2)-0.99) > 1e-9 {
		t.Fatalf("phase3 CPU %+v, want 1.2 + 0.78 cores, 1.2 ms server CPU per request, 99%% busy", u)
	}
	lock := a.Steps[1]
	if !lock.CPUBound || math.Abs(lock.CPUPredicted-100*(1.98/1.96-1)) > 1e-6 {
		t.Fatalf("lock step CPU-bound %v, CPU prediction %v; want true, +1.02%%", lock.CPUBound, lock.CPUPredicted)
	}
	for _, want := range []string{"the server kept 1.20 and the load generator 0.78 of the 2 CPUs busy (99.0%) in big: CPU-bound"} {
		if !strings.Contains(lock.Reason, want) {
			t.Errorf("lock reason %q lacks %q", lock.Reason, want)
		}
	}
	if got, want := lock.CPUText(), "+1.0% (1.98ms → 1.96ms per request; the 2 CPUs 99.0% busy under phase3)"; got != want {
		t.Errorf("CPU prediction %q, want %q", got, want)
	}
	// The machine's own measure, where the trials took it, decides.
	for i := range run.Trials {
		if run.Trials[i].Scenario == "big" {
			run.Trials[i].MachineBusy = 0.85
		}
	}
	if a, _ = Analyze(run); a.Steps[1].CPUBound || !strings.Contains(a.Steps[1].Reason, "the machine's 2 CPUs were 85.0% busy in big (the server 1.20 CPUs, the load generator 0.78") {
		t.Errorf("machine 85%% busy: CPU-bound %v, reason %q", a.Steps[1].CPUBound, a.Steps[1].Reason)
	}
	// Without the generator's CPU there is no CPU figure, and nothing said.
	for i := range run.Trials {
		run.Trials[i].GeneratorCPUNS = 0
	}
	if a, _ = Analyze(run); a.Steps[1].CPUOld != nil || strings.Contains(a.Steps[1].Reason, "CPUs busy") {
		t.Errorf("CPU figures without a generator reading: %+v, %q", a.Steps[1].CPUOld, a.Steps[1].Reason)
	}
}

// TestMovedText: the lock's stage falls 297µs and the metrics' record,
// the next lock on the path, rises 30µs: the time moved there. A rise
// under a twentieth of the fall, or no fall, says nothing.
func TestMovedText(t *testing.T) {
	old := stageSnap(100, map[string]int64{"rate_limit": 300_000, "record": 300_000, "parse": 1000})
	nw := stageSnap(100, map[string]int64{"rate_limit": 3_000, "record": 330_000, "parse": 1000})
	if got, want := movedText(*old, *nw, "lock"), "rate_limit fell 297µs per request; record rose 30.0µs; the request in the server 601µs → 334µs"; got != want {
		t.Errorf("moved %q, want %q", got, want)
	}
	small := stageSnap(100, map[string]int64{"rate_limit": 3_000, "record": 301_000, "parse": 1000})
	if got := movedText(*old, *small, "lock"); got != "" {
		t.Errorf("a 1µs rise against a 297µs fall: %q, want nothing", got)
	}
	// 1µs of a 601µs request: noise, whatever rose beside it
	tiny := stageSnap(100, map[string]int64{"rate_limit": 299_000, "record": 303_000, "parse": 1000})
	if got := movedText(*old, *tiny, "lock"); got != "" {
		t.Errorf("a 1µs fall of a 601µs request: %q, want nothing", got)
	}
	if got := movedText(*nw, *old, "lock"); got != "" {
		t.Errorf("the lock's stage grew: %q, want nothing", got)
	}
}
