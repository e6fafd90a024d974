package experiment

import (
	"fmt"

	"metricstream/harness/results"
	"metricstream/harness/scenario"
)

// runners holds each per-trial kind's runner; the kind's file registers it
// from init (durability.go: shutdown, crash; slowloris.go; overload.go;
// capacity.go; netfault.go; seed_<kind>.go).
var runners = map[scenario.Kind]trialRunner{}

func registerRunner(k scenario.Kind, r trialRunner) {
	if _, dup := runners[k]; dup {
		panic("experiment: runner for kind " + string(k) + " registered twice")
	}
	runners[k] = r
}

// perTrial runs one trial of a per-trial scenario with its kind's runner
// and returns the problem it found as a step of the arm's check (nil when
// none). tr.rec holds what it measured, its Kind set.
func perTrial(tr *trial) *results.Step {
	run, ok := runners[tr.sc.Kind]
	var err error
	if ok {
		err = run(tr)
	} else {
		err = fmt.Errorf("no runner is registered for the scenario kind %q", tr.sc.Kind)
	}
	tr.rec.Kind = string(tr.sc.Kind)
	if err == nil {
		return nil
	}
	return &results.Step{Name: tr.problemName(), Detail: err.Error()}
}
