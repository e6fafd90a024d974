package experiment

import (
	"context"

	"metricstream/harness/launch"
	"metricstream/harness/results"
	"metricstream/internal/stages"
)

// stageReading is one reading of every instance's stage counters.
type stageReading []*stages.Snapshot

// readStages reads the "stages" snapshot of each instance's /health; nil
// when stage timing is off for the run, or when any instance serves none
// (a trial's figures are all of its fleet or nothing).
func (r *runner) readStages(ctx context.Context, insts []launch.Instance) stageReading {
	if !r.cfg.Stages {
		return nil
	}
	var out stageReading
	for _, in := range insts {
		s, err := launch.ReadStages(ctx, in.Addr())
		if err != nil || s == nil {
			if err != nil {
				r.logf("stages: %s: %v", in.Addr(), err)
			}
			return nil
		}
		out = append(out, s)
	}
	return out
}

// stagesBetween is what the fleet's timers counted between two readings,
// summed over its instances; nil when either reading is missing or nothing
// was timed.
func stagesBetween(before, after stageReading) *stages.Snapshot {
	if len(before) == 0 || len(before) != len(after) {
		return nil
	}
	var sum *stages.Snapshot
	for i := range before {
		d := after[i].Sub(*before[i])
		if sum == nil {
			sum = &d
			continue
		}
		*sum = results.AddStages(sum, &d)
	}
	if sum == nil || sum.Sampled == 0 {
		return nil
	}
	return sum
}
