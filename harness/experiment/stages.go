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

// trialMeter measures what a trial's load cost besides its answers: the
// servers' stage counters and CPU (read before and after), the load
// generator's CPU (this process's), and, where the servers run on this
// machine, the machine's busy share.
type trialMeter struct {
	read   func() stageReading
	before stageReading
	gen    int64
	busy   busyMeter
	local  bool
}

// startMeter takes the readings before a trial; read reads the servers'
// stage counters.
func startMeter(read func() stageReading, local bool) *trialMeter {
	return &trialMeter{read: read, before: read(), gen: stages.ProcessCPU(), busy: startBusy(), local: local}
}

// stop takes the readings after the trial and records the differences in
// t: GeneratorCPUNS, MachineBusy (local servers only) and Stages.
func (m *trialMeter) stop(t *results.Trial) {
	t.GeneratorCPUNS = stages.ProcessCPU() - m.gen
	if m.local {
		t.MachineBusy = m.busy.stop()
	}
	t.Stages = stagesBetween(m.before, m.read())
}
