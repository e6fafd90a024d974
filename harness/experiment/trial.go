package experiment

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"time"

	"metricstream/harness/launch"
	"metricstream/harness/load"
	"metricstream/harness/results"
	"metricstream/harness/scenario"
)

// trial is one trial: one arm, in one step of one scenario, in one round.
// Everything a runner needs travels in it (the context, the run's
// configuration, the arm, the scenario and its step, the round and the
// arm's place in it, an id unique in the run, a random source), and the
// runner leaves what it measured in rec. Its methods are what every kind
// does the same way: start the trial's server, run a load (attack), meter
// it, stop the server and audit its data file.
type trial struct {
	ctx  context.Context
	cfg  *Config
	arm  *armState
	sc   *scenario.Scenario
	step scenario.Step
	// index numbers the rounds of the (scenario, step): results.Trial.Trial.
	index int
	// pos is the arm's place in its round (0: first): results.Trial.Position.
	pos int
	// id is unique in the run: client ids, data files and problems carry it.
	id  string
	rng *rand.Rand
	// rec is what the trial measured; the runner fills it, the schedule
	// adds its identity (runner.record).
	rec results.Trial
	// windows, when set, counts the trial's load per short window (a
	// duet: duet.go).
	windows *load.Windows
}

// trialRunner runs one trial of a per-trial scenario kind (scenario.KindSpec
// PerTrial): its own server cycle. It fills tr.rec; the error it returns is
// a problem the trial found (a server that did not start or stop cleanly,
// a data file that does not match), listed under the arm's check. The
// trial is recorded either way.
type trialRunner func(tr *trial) error

// serverDir is where the trial's servers keep their logs and data files.
func (tr *trial) serverDir() string { return filepath.Join(tr.cfg.Dir, "servers") }

// start starts the trial's server: its arm with the scenario's flags, then
// extra (a later flag wins over an earlier one).
func (tr *trial) start(extra ...string) (launch.Instance, error) {
	flags := append(slices.Clip(tr.sc.Server.Flags()), extra...)
	return tr.cfg.Launcher.Start(tr.ctx, tr.arm.Arm, flags, tr.serverDir())
}

// problem is a problem the trial found, as its runner returns it.
func (tr *trial) problem(format string, args ...any) error {
	return fmt.Errorf(format, args...)
}

// notMeasured is a problem that stopped a trial before it measured
// anything (its server did not start, Redis could not be set up): the
// trial is left out of the run, not recorded as zeros.
type notMeasured struct{ error }

func (e notMeasured) Unwrap() error { return e.error }

// unmeasured is a problem that stopped the trial before it measured.
func (tr *trial) unmeasured(format string, args ...any) error {
	return notMeasured{fmt.Errorf(format, args...)}
}

// problemStep is a trial's problem as a step of the arm's check: named
// "<kind> <step> (<id>)", with the cell and the trial apart.
func (tr *trial) problemStep(detail string) *results.Step {
	cell := string(tr.sc.Kind)
	if tr.step.Name != "" {
		cell += " " + tr.step.Name
	}
	return &results.Step{Name: cell + " (" + tr.id + ")", Detail: detail, Cell: cell, Trial: tr.id}
}

// also is err with more appended ("err; more"); either may be nil.
func also(err, more error) error {
	switch {
	case err == nil:
		return more
	case more == nil:
		return err
	}
	return errors.New(err.Error() + "; " + more.Error())
}

// attack runs load c (its Addr set) with every result counted for the
// trial's record and handed to recs too (a Tally, a phase's recorder), and
// returns the record: counts, latency, rates over the send window.
func (tr *trial) attack(c load.Config, recs ...load.Recorder) results.Trial {
	m := load.NewMetrics()
	recs = append([]load.Recorder{m}, recs...)
	if tr.windows != nil {
		recs = append(recs, tr.windows)
	}
	start := time.Now()
	d, _ := load.Attack(tr.ctx, c, load.Tee(recs...)) // errors are in the counts
	t, _ := load.NewTrial(c, start, m.Summary(d))
	return t
}

// meter starts measuring what the trial's load costs besides its answers
// (stage counters read by read, generator CPU, and the machine's busy
// share where the servers run on this machine); its stop records them in
// a trial.
func (tr *trial) meter(read func() stageReading) *trialMeter {
	return startMeter(read, !tr.cfg.Remote)
}

// audit SIGTERMs the trial's server and checks its data file against the
// acked metrics the trial got acknowledged (every line is one acknowledged
// metric: the trial's server got no other traffic). It sets rec.Lost to
// the acknowledged metrics missing, and returns a problem when the stop
// was not clean or the file does not match. A file that passed is removed
// unless the run keeps data.
func (tr *trial) audit(inst launch.Instance, acked int64) error {
	code, err := inst.Stop(tr.ctx)
	var found error
	if err != nil || code != 0 {
		found = tr.problem("graceful stop: exit code %d, %v", code, err)
	}
	file := inst.DataFile()
	if file == "" {
		return found
	}
	ist, lines, _ := Integrity(file, acked)
	tr.rec.Lost = max(0, acked-lines)
	if !ist.OK {
		return also(found, tr.problem("integrity: %s", ist.Detail))
	}
	if found == nil && !tr.cfg.KeepData {
		_ = os.Remove(file)
	}
	return found
}
