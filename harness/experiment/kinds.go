package experiment

import (
	"context"
	"fmt"
	"math/rand/v2"

	"metricstream/harness/results"
	"metricstream/harness/scenario"
)

// trialRunner runs one trial of a per-trial scenario kind (scenario.KindSpec
// PerTrial): its own server cycle for arm a, step st of sc. The returned
// step is a problem the trial found, or nil; the trial is recorded either
// way.
type trialRunner func(ctx context.Context, cfg Config, a *armState, sc *scenario.Scenario, st scenario.Step, id string, rng *rand.Rand) (results.Trial, *results.Step)

// runners holds each per-trial kind's runner; the kind's file registers it
// from init (durability.go: shutdown, crash; slowloris.go; overload.go).
var runners = map[scenario.Kind]trialRunner{}

func registerRunner(k scenario.Kind, r trialRunner) {
	if _, dup := runners[k]; dup {
		panic("experiment: runner for kind " + string(k) + " registered twice")
	}
	runners[k] = r
}

// perTrial runs one trial of a per-trial scenario with its kind's runner.
func perTrial(ctx context.Context, cfg Config, a *armState, sc *scenario.Scenario, st scenario.Step, id string, rng *rand.Rand) (results.Trial, *results.Step) {
	run, ok := runners[sc.Kind]
	if !ok {
		return results.Trial{Kind: string(sc.Kind)}, &results.Step{Name: string(sc.Kind) + " " + st.Name + " (" + id + ")",
			Detail: fmt.Sprintf("no runner is registered for the scenario kind %q", sc.Kind)}
	}
	return run(ctx, cfg, a, sc, st, id, rng)
}
