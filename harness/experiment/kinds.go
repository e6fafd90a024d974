package experiment

import (
	"errors"
	"fmt"
	"strings"

	"metricstream/harness/launch"

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
//
// measured is false when the problem stopped the trial before it measured
// anything (notMeasured): such a trial is not recorded.
func perTrial(tr *trial) (problem *results.Step, measured bool) {
	run, ok := runners[tr.sc.Kind]
	var err error
	if ok {
		err = run(tr)
	} else {
		err = fmt.Errorf("no runner is registered for the scenario kind %q", tr.sc.Kind)
	}
	tr.rec.Kind = string(tr.sc.Kind)
	if err == nil {
		return nil, true
	}
	var nm notMeasured
	measured = !errors.As(err, &nm)
	detail := err.Error()
	if !measured {
		detail += " (not measured: the trial is left out of the run)"
	}
	return tr.problemStep(detail), measured
}

// armApplies reports whether per-trial scenario sc runs on arm a: a seed
// design's scenario on the arms seedApplies names; a Redis fault scenario
// on the arms whose limiter keeps its counters in Redis (any other server
// never crosses the faulty link, so its trial would measure nothing);
// every other kind on every arm.
func armApplies(sc *scenario.Scenario, a launch.Arm) bool {
	if redisKind(sc.Kind) {
		return !a.Reference && a.Set["limiter"] == "redis"
	}
	return seedApplies(sc, a)
}

func redisKind(k scenario.Kind) bool {
	return k == scenario.KindRedisLatency || k == scenario.KindRedisOutage
}

// notApplying says which arms per-trial scenario sc skips, and why, for
// the run's notes and log; "" when it runs on every arm. A seed design's
// scenario skips the other dimensions' seed designs by design, so only
// the Redis kinds are said.
func (r *runner) notApplying(sc *scenario.Scenario) string {
	if !redisKind(sc.Kind) {
		return ""
	}
	var skipped []string
	for _, a := range r.arms {
		if !armApplies(sc, a.Arm) {
			skipped = append(skipped, a.Label)
		}
	}
	if len(skipped) == 0 {
		return ""
	}
	what := "skipped for " + strings.Join(skipped, ", ")
	if len(skipped) == len(r.arms) {
		what = "not run: no variant of the run has limiter=redis (VARIANT=limiter=redis)"
	}
	return fmt.Sprintf("%s: a %s scenario measures the limiter's Redis link; %s", sc.Name, sc.Kind, what)
}
