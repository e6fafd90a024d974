package experiment

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"metricstream/harness/launch"
	"metricstream/harness/load"
	"metricstream/harness/results"
	"metricstream/harness/scenario"
)

// Config is one experiment.
type Config struct {
	Arms      []launch.Arm
	Scenarios []*scenario.Scenario
	Count     int    // trials per (scenario, step, arm)
	Dir       string // the run directory, results/<run-id>
	Meta      results.Meta
	Launcher  launch.Launcher
	// Remote: the launch.Launcher drives a server running elsewhere; no data file,
	// so verification and integrity are reduced to HTTP (said in Meta.Notes).
	Remote bool
	// Pprof captures CPU, mutex and block profiles of each arm's server
	// during the first trial of each scenario step, into Dir/profiles.
	Pprof    bool
	Progress io.Writer // progress bar destination; nil for none
	Log      io.Writer // one line per pipeline event; nil for none
	Verify   VerifyOptions
	// KeepData keeps the servers' data files after a passing integrity
	// check (failed ones are always kept, next to the server logs).
	KeepData bool
	// Stages reads each server's /health "stages" snapshot before and
	// after every load trial and records the difference in Trial.Stages
	// (the launcher starts servers with -stages; see launch.ProcessLauncher).
	Stages bool
	// OnTrial, when set, sees each trial as it is recorded (tests, live output).
	OnTrial func(*results.Trial)
	// CPUs runs the whole schedule once per entry with every server pinned
	// to that many cores (cpus.go); empty: once, not limited.
	CPUs []int
	// Order orders the arms within each round (order.go): OrderRandom
	// ("" too), OrderBalanced or OrderFixed.
	Order string
	// Seed seeds the order and every trial's random source (a durability
	// trial's stop point); 0: drawn from the clock. Meta.OrderSeed records
	// it, so a run replays with the same seed.
	Seed uint64
	// Duet runs the two arms (exactly two) of every load round at the
	// same time (duet.go), counted per Window (default DefaultWindow).
	Duet   bool
	Window time.Duration
	// Stop, when set, makes the run sequential (sequential.go): rounds
	// over every cell, one after the other, until Stop says the run knows
	// enough, Budget (from the start of Run) would be overrun by one more
	// round, or MaxRounds ran; Count is then not used. OnRound, when set,
	// sees each round's report.
	Stop      StopRule
	Budget    time.Duration
	MaxRounds int
	OnRound   func(round int, report string)
}

// armState is an arm's progress through the pipeline.
type armState struct {
	launch.Arm
	check  results.Check
	failed bool
}

func (a *armState) fail(why string) {
	if !a.failed {
		a.failed = true
		a.check.Failed = why
	}
}

// Run runs the pipeline and writes the results into cfg.Dir. Failed arms are
// recorded in the checks and their trials left out; the run itself fails only
// when nothing could be measured at all or the results cannot be written.
func Run(ctx context.Context, cfg Config) (*results.Run, error) {
	if cfg.Count <= 0 {
		cfg.Count = 1
	}
	if len(cfg.Arms) == 0 || len(cfg.Scenarios) == 0 {
		return nil, fmt.Errorf("experiment: nothing to run (%d variants, %d scenarios)", len(cfg.Arms), len(cfg.Scenarios))
	}
	if _, err := ParseOrder(cfg.Order); err != nil {
		return nil, err
	}
	if cfg.Duet && len(cfg.Arms) != 2 {
		return nil, fmt.Errorf("experiment: a duet runs two variants at once, got %d", len(cfg.Arms))
	}
	if cfg.Stop != nil && len(cfg.CPUs) > 0 {
		return nil, fmt.Errorf("experiment: a sequential run (a stop rule) runs its rounds until it knows; it cannot also run one pass per -cpus count")
	}
	r := newRunner(cfg)
	if err := os.MkdirAll(r.serverDir, 0o755); err != nil {
		return nil, fmt.Errorf("experiment: %w", err)
	}
	r.verifyArms(ctx)
	if cfg.Stop != nil {
		r.sequential(ctx)
	} else if err := r.eachCPUs(ctx, func() {
		for _, group := range groupByServer(loadScenarios(cfg.Scenarios)) {
			if ctx.Err() != nil {
				break
			}
			r.measureGroup(ctx, group)
		}
		r.perTrialScenarios(ctx)
	}); err != nil {
		return nil, err
	}
	if r.bar != nil {
		_ = r.bar.Finish()
	}
	r.finish()
	if err := results.Write(r.run); err != nil {
		return nil, err
	}
	if ctx.Err() != nil {
		return r.run, fmt.Errorf("experiment: interrupted: %w (partial results in %s)", ctx.Err(), cfg.Dir)
	}
	return r.run, nil
}

// runner is one Run's schedule: which arm, which step, which trial, in
// what order.
type runner struct {
	cfg       Config
	run       *results.Run
	arms      []*armState
	bar       *progressbar.ProgressBar // nil without cfg.Progress
	host      string
	serverDir string
	cpus      int // the cores servers are pinned to now (0: not limited)
	order     orderer
	began     time.Time // when Run started: a sequential run's budget counts from it
}

func newRunner(cfg Config) *runner {
	host, _ := os.Hostname()
	r := &runner{cfg: cfg, host: host, serverDir: filepath.Join(cfg.Dir, "servers"), began: time.Now(),
		run: &results.Run{Dir: cfg.Dir, Meta: cfg.Meta}}
	r.run.Meta.Count = cfg.Count
	r.order.mode, _ = ParseOrder(cfg.Order)
	r.order.seed = cfg.Seed
	if r.order.seed == 0 {
		r.order.seed = uint64(time.Now().UnixNano())
	}
	r.run.Meta.Order, r.run.Meta.OrderSeed = r.order.mode, r.order.seed
	if cfg.Duet {
		r.run.Meta.Duet = true
		r.note(duetNote(cfg.Arms[0].Label, cfg.Arms[1].Label, cmp.Or(cfg.Window, DefaultWindow)))
	}
	for _, s := range cfg.Scenarios {
		r.run.Meta.Scenarios = append(r.run.Meta.Scenarios, s.Name)
		if n := r.rounds(s); n < cfg.Count && cfg.Stop == nil {
			r.note(fmt.Sprintf("rounds: the %s scenario ran %d rounds (its rounds cap), the others %d", s.Name, n, cfg.Count))
		}
		if cfg.Stages && s.Server.Stages != "" && !cfg.Remote {
			r.note("stages: the " + s.Name + " scenario's servers time " + s.Server.Stages + " of their requests (its server.stages), in place of the run's sample")
		}
		if s.Targets != "" {
			if r.run.Meta.Targets == nil {
				r.run.Meta.Targets = map[string]string{}
			}
			r.run.Meta.Targets[s.Name] = s.Targets
		}
	}
	for _, a := range cfg.Arms {
		r.arms = append(r.arms, &armState{Arm: a, check: results.Check{Variant: a.Label}})
		r.run.Meta.Variants = append(r.run.Meta.Variants, a.Variant())
	}
	if cfg.Remote {
		r.note("remote target: the server was not built or started here; verification is reduced to HTTP (health variant, valid batch acknowledged, invalid batch 400, rate limit informational) and integrity cannot be checked (the data file is not reachable)",
			"remote target: scenario server flags (rate_limit, workers, queue, fsync) could not be applied")
	}
	if cfg.Progress != nil && cfg.Stop == nil { // a sequential run does not know its rounds ahead
		total := 0
		for _, s := range cfg.Scenarios {
			total += len(s.LoadSteps()) * r.rounds(s) * len(r.arms) * max(len(cfg.CPUs), 1)
		}
		r.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(cfg.Progress),
			progressbar.OptionSetDescription("trials"),
			progressbar.OptionShowCount(),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish())
	}
	return r
}

func (r *runner) logf(format string, args ...any) {
	if r.cfg.Log != nil {
		fmt.Fprintf(r.cfg.Log, format+"\n", args...)
	}
}

func (r *runner) note(ns ...string) { r.run.Meta.Notes = append(r.run.Meta.Notes, ns...) }

// progress counts n trials done (or skipped), naming the last one.
func (r *runner) progress(n int, what string) {
	if r.bar == nil {
		return
	}
	if what != "" {
		r.bar.Describe(what)
	}
	_ = r.bar.Add(n)
}

// newTrial is arm a's trial in round k of step st of sc, at place pos of
// the round; id is unique in the run. Its random source is a function of
// the run's seed, the cell, the round and the arm.
func (r *runner) newTrial(ctx context.Context, a *armState, sc *scenario.Scenario, st scenario.Step, k, pos int, id string) *trial {
	rng := cellRand(r.order.seed, fmt.Sprintf("trial %s %d %s", r.cell(sc, st), k, a.Label))
	return &trial{ctx: ctx, cfg: &r.cfg, arm: a, sc: sc, step: st, index: k, pos: pos, id: id, rng: rng}
}

// record completes tr's record (its identity and SLO verdicts), and
// appends it to the run.
func (r *runner) record(tr *trial) {
	t := tr.rec
	t.Scenario, t.Variant, t.Trial, t.Step, t.Host = tr.sc.Name, tr.arm.Label, tr.index, cpusStep(r.cpus, tr.step.Name), r.host
	t.Position = tr.pos
	t.CPUs = r.cpus
	t.SLO = scenario.EvalAll(tr.sc.SLOs(), &t)
	r.run.Trials = append(r.run.Trials, t)
	if r.cfg.OnTrial != nil {
		r.cfg.OnTrial(&r.run.Trials[len(r.run.Trials)-1])
	}
	r.progress(1, fmt.Sprintf("%s %s %s", tr.sc.Name, tr.step.Name, tr.arm.Label))
}

// verifyArms verifies each arm on its own instance, started with
// -rate-limit 10 so the 429 check holds whatever the scenarios use.
func (r *runner) verifyArms(ctx context.Context) {
	for _, a := range r.arms {
		if ctx.Err() != nil {
			return
		}
		r.logf("verify %s", a.Label)
		inst, err := r.cfg.Launcher.Start(ctx, a.Arm, []string{"-rate-limit", "10"}, r.serverDir)
		if err != nil {
			a.check.Steps = append(a.check.Steps, results.Step{Name: "start", Detail: err.Error()})
			a.fail("could not start for verification: " + err.Error())
			continue
		}
		tally := &Tally{}
		vo := r.cfg.Verify
		vo.RateLimit = !r.cfg.Remote
		steps := Verify(ctx, inst, a.Set, tally, vo)
		a.check.Steps = append(a.check.Steps, steps...)
		a.check.Verified = true
		for _, s := range steps {
			if !s.OK {
				a.check.Verified = false
				a.fail("verification failed: " + s.Name + ": " + s.Detail)
			}
		}
		stopAndCheck(ctx, r.cfg, a, []launch.Instance{inst}, tally, "verify")
	}
}

// measureGroup runs a group of load scenarios that share server flags (and
// replicas): every live arm's fleet runs at once, each on its own port(s),
// so that rounds (every arm once, in the round's order) cost no restarts.
func (r *runner) measureGroup(ctx context.Context, group []*scenario.Scenario) {
	fleets, ok := r.startGroup(ctx, group)
	if !ok {
		return
	}
	for _, sc := range group {
		r.measureScenario(ctx, sc, fleets)
	}
	r.stopGroup(ctx, group, fleets)
}

// startGroup starts every live arm's fleet for a group of load scenarios
// (their server flags and replicas); an arm that cannot start fails. It
// returns false, with a note, for a group a remote target cannot run.
func (r *runner) startGroup(ctx context.Context, group []*scenario.Scenario) (map[*armState]*fleet, bool) {
	flags := group[0].Server.Flags()
	replicas := max(group[0].Replicas, 1)
	if replicas > 1 && r.cfg.Remote {
		for _, sc := range group {
			r.note(fmt.Sprintf("remote target: the scenario %s needs %d replicas of each variant, which only a local run can start; skipped", sc.Name, replicas))
			r.progress(len(sc.LoadSteps())*r.rounds(sc)*len(r.arms), "")
		}
		return nil, false
	}
	fleets := map[*armState]*fleet{}
	for _, a := range r.arms {
		if a.failed {
			continue
		}
		f, err := startFleet(ctx, r.cfg.Launcher, a.Arm, flags, replicas, r.serverDir)
		if err != nil {
			a.check.Steps = append(a.check.Steps, results.Step{Name: "start", Detail: err.Error()})
			a.fail("could not start: " + err.Error())
			continue
		}
		r.logf("started %s on %s %s", a.Label, f.Describe(), strings.Join(flags, " "))
		fleets[a] = f
	}
	return fleets, true
}

// stopGroup stops a group's fleets and checks their integrity.
func (r *runner) stopGroup(ctx context.Context, group []*scenario.Scenario, fleets map[*armState]*fleet) {
	for _, a := range r.arms {
		if f := fleets[a]; f != nil {
			f.stop(ctx, r.cfg, a, strings.Join(names(group), ","))
		}
	}
}

// measureRound runs round k of step st (the scenario's si-th) of load
// scenario sc: a duet (both arms at once) or the arms one after the other.
func (r *runner) measureRound(ctx context.Context, sc *scenario.Scenario, si int, st scenario.Step, k int, fleets map[*armState]*fleet) {
	if r.cfg.Duet {
		r.duetRound(ctx, sc, si, st, k, fleets)
		return
	}
	r.loadRound(ctx, sc, si, st, k, fleets)
}

// rounds is how many rounds sc gets: Count, or its own cap where lower.
func (r *runner) rounds(sc *scenario.Scenario) int {
	if sc.Rounds > 0 && sc.Rounds < r.cfg.Count {
		return sc.Rounds
	}
	return r.cfg.Count
}

// measureScenario warms each fleet up on the scenario's first step, then
// runs every step Count rounds; in each round every arm runs once, in the
// round's order.
func (r *runner) measureScenario(ctx context.Context, sc *scenario.Scenario, fleets map[*armState]*fleet) {
	r.warmup(ctx, sc, fleets)
	for si, st := range sc.LoadSteps() {
		for k := 0; k < r.rounds(sc); k++ {
			r.measureRound(ctx, sc, si, st, k, fleets)
		}
	}
}

// warmup runs sc's first step on every live arm's fleet, unrecorded but
// tallied, for the scenario's warm-up.
func (r *runner) warmup(ctx context.Context, sc *scenario.Scenario, fleets map[*armState]*fleet) {
	w := sc.WarmupDuration()
	if w <= 0 {
		return
	}
	first := sc.LoadSteps()[0]
	for _, a := range r.arms {
		if f := fleets[a]; f != nil && !a.failed && ctx.Err() == nil {
			r.logf("warm up %s on %s", a.Label, sc.Name)
			warmup(ctx, first.Config, f.Addrs(), w, f.tally, fmt.Sprintf("w-%s-%s-", sc.Name, launch.SafeName(a.Label)))
		}
	}
}

// loadRound runs round k of step st (the scenario's si-th) of load
// scenario sc on the arms' fleets.
func (r *runner) loadRound(ctx context.Context, sc *scenario.Scenario, si int, st scenario.Step, k int, fleets map[*armState]*fleet) {
	r.round(ctx, sc, st, k, func(a *armState) bool { return fleets[a] != nil }, func(a *armState, pos int) {
		tr := r.newTrial(ctx, a, sc, st, k, pos, fmt.Sprintf("t%d-%d-%d-%s", si, k, len(r.run.Trials), safe(a)))
		r.loadTrial(tr, fleets[a])
		r.record(tr)
	})
}

// safe is a's label as a file-name-safe string.
func safe(a *armState) string { return launch.SafeName(a.Label) }

// cell names one (scenario, step) of the current -cpus pass: the unit
// whose rounds are ordered.
func (r *runner) cell(sc *scenario.Scenario, st scenario.Step) string {
	return sc.Name + "/" + cpusStep(r.cpus, st.Name)
}

// round runs round k of step st of sc: every arm that has not failed and
// can (runs) once, in the round's order (r.order), each given its place
// among those that ran (0: first). An arm that cannot run counts as done
// for the progress bar.
func (r *runner) round(ctx context.Context, sc *scenario.Scenario, st scenario.Step, k int, can func(*armState) bool, run func(a *armState, pos int)) {
	pos := 0
	for _, i := range r.order.order(r.cell(sc, st), k, len(r.arms)) {
		a := r.arms[i]
		if a.failed || ctx.Err() != nil || !can(a) {
			r.progress(1, "")
			continue
		}
		run(a, pos)
		pos++
	}
}

// perTrialScenarios runs the durability, fault, capacity and seed-design
// scenarios: each trial is its own cycle (load → stop → restart, a search,
// a fault) on a server of its own, so there is no shared server; each
// round still runs every arm once, in the round's order.
func (r *runner) perTrialScenarios(ctx context.Context) {
	for _, sc := range r.cfg.Scenarios {
		if !sc.PerTrial() {
			continue
		}
		if r.cfg.Remote {
			r.note("remote target: the " + string(sc.Kind) + " scenario " + sc.Name + " needs to start and stop a server of its own per trial, which only a local run can do; skipped")
			continue
		}
		if skipped := r.notApplying(sc); skipped != "" {
			r.note(skipped)
			r.logf("%s", skipped)
		}
		for _, st := range sc.LoadSteps() {
			for k := 0; k < r.rounds(sc); k++ {
				r.perTrialRound(ctx, sc, st, k)
			}
		}
	}
}

// perTrialRound runs round k of step st of per-trial scenario sc.
func (r *runner) perTrialRound(ctx context.Context, sc *scenario.Scenario, st scenario.Step, k int) {
	applies := func(a *armState) bool { return armApplies(sc, a.Arm) }
	r.round(ctx, sc, st, k, applies, func(a *armState, pos int) {
		r.logf("%s %s %s trial %d", sc.Kind, st.Name, a.Label, k)
		tr := r.newTrial(ctx, a, sc, st, k, pos, fmt.Sprintf("d%d", len(r.run.Trials)))
		problem, measured := perTrial(tr)
		if problem != nil {
			a.check.Steps = append(a.check.Steps, *problem)
			r.logf("%s: %s", problem.Name, problem.Detail)
		}
		if !measured {
			r.progress(1, "")
			return
		}
		r.record(tr)
	})
}

// finish records every arm's check and leaves failed arms' trials out:
// failed arms are reported, not measured.
func (r *runner) finish() {
	for _, a := range r.arms {
		a.check.Intact = !a.failed && a.check.Acked == a.check.Lines && a.check.Partial == 0
		if r.cfg.Remote {
			a.check.Intact = !a.failed
		}
		if a.failed {
			r.logf("FAILED %s: %s", a.Label, a.check.Failed)
		}
		r.run.Checks = append(r.run.Checks, a.check)
	}
	r.run.Trials = r.measured()
}

// measured is the trials of the arms that have not failed.
func (r *runner) measured() []results.Trial {
	var kept []results.Trial
	for _, t := range r.run.Trials {
		if !r.failed(t.Variant) {
			kept = append(kept, t)
		}
	}
	return kept
}

// failed says whether the arm labelled label has failed.
func (r *runner) failed(label string) bool {
	for _, a := range r.arms {
		if a.Label == label {
			return a.failed
		}
	}
	return false
}

// stopAndCheck stops insts (one server, or a fleet of replicas) with
// SIGTERM and checks integrity: the metrics tally counted as acknowledged
// by any of them against the complete lines of all their data files.
func stopAndCheck(ctx context.Context, cfg Config, a *armState, insts []launch.Instance, tally *Tally, what string) {
	var files []string
	for i, inst := range insts {
		name := "sigterm (" + what + ")"
		if len(insts) > 1 {
			name = fmt.Sprintf("sigterm (%s, replica %d/%d)", what, i+1, len(insts))
		}
		code, err := inst.Stop(ctx)
		st := results.Step{Name: name, OK: err == nil && code == 0, Detail: fmt.Sprintf("exit code %d", code)}
		if err != nil {
			st.Detail = err.Error()
		}
		a.check.Steps = append(a.check.Steps, st)
		if code != 0 {
			a.check.ExitCode = code
		}
		if !st.OK {
			a.fail("graceful stop failed (" + what + "): " + st.Detail)
		}
		if inst.DataFile() != "" {
			files = append(files, inst.DataFile())
		}
	}
	acked := tally.Acked()
	a.check.Acked += acked
	if cfg.Remote || len(files) == 0 {
		a.check.Steps = append(a.check.Steps, results.Step{Name: "integrity (" + what + ")", OK: true,
			Detail: fmt.Sprintf("acknowledged %d metrics; not checkable remotely (data file not reachable)", acked)})
		return
	}
	ist, lines, partial := integrityOver(files, acked)
	ist.Name += " (" + what + ")"
	a.check.Steps = append(a.check.Steps, ist)
	a.check.Lines += lines
	a.check.Partial += partial
	if !ist.OK {
		a.fail("integrity failed (" + what + "): " + ist.Detail)
	} else if !cfg.KeepData {
		for _, f := range files {
			_ = os.Remove(f) // checked; raw server data is not a result
		}
	}
}

// loadTrial runs tr's load step against fleet f (one server, or replicas
// whose every client spreads its requests over all of them), metered
// (stage counters, CPU; profiled in a step's first round under -pprof),
// into tr.rec.
func (r *runner) loadTrial(tr *trial, f *fleet) {
	ctx, sc, st := tr.ctx, tr.sc, tr.step
	var prof func()
	// replicas: the first one's profiles stand for the fleet
	if pp := f.Insts[0].PprofAddr(); r.cfg.Pprof && tr.index == 0 && pp != "" {
		prof = launch.CaptureProfiles(ctx, pp, filepath.Join(r.cfg.Dir, "profiles"), profName(sc.Name, st.Name, tr.arm.Label), expected(st.Config))
	}
	m := tr.meter(func() stageReading { return r.readStages(ctx, f.Insts) })
	c := st.Config
	c.ClientPrefix = tr.id + "-"
	target(&c, f.Addrs())
	tr.rec = tr.attack(c, f.tally)
	if n := len(f.Addrs()); n > 1 {
		tr.rec.Replicas = n
		if sc.Server.RateLimit != nil {
			tr.rec.RateLimit = *sc.Server.RateLimit
		}
	}
	m.stop(&tr.rec)
	if prof != nil {
		prof()
	}
}

// target points cfg at addrs: Addr alone for one server, Addrs for replicas.
func target(cfg *load.Config, addrs []string) {
	cfg.Addr, cfg.Addrs = addrs[0], nil
	if len(addrs) > 1 {
		cfg.Addrs = addrs
	}
}

// warmup runs the step's load, unrecorded but tallied, for at least w.
func warmup(ctx context.Context, cfg load.Config, addrs []string, w time.Duration, tally *Tally, prefix string) {
	target(&cfg, addrs)
	if cfg.Model == load.Open {
		cfg.Duration = w
		cfg.ClientPrefix = prefix
		_, _ = load.Attack(ctx, cfg, tally)
		return
	}
	end := time.Now().Add(w)
	for i := 0; ctx.Err() == nil && (i == 0 || time.Now().Before(end)); i++ {
		c := cfg
		c.ClientPrefix = fmt.Sprintf("%s%d-", prefix, i)
		if c.Requests == 0 {
			c.Duration = w
		}
		_, _ = load.Attack(ctx, c, tally)
	}
}

// loadScenarios are the scenarios of kind load (not per-trial kinds).
func loadScenarios(scs []*scenario.Scenario) []*scenario.Scenario {
	var out []*scenario.Scenario
	for _, s := range scs {
		if !s.PerTrial() {
			out = append(out, s)
		}
	}
	return out
}

// groupByServer groups scenarios that can share servers: equal server flags
// and equal replicas (a replica scenario never shares with a single-server
// one, so the latter keep their grouping whatever replica scenarios run).
func groupByServer(scs []*scenario.Scenario) [][]*scenario.Scenario {
	var keys []string
	groups := map[string][]*scenario.Scenario{}
	for _, s := range scs {
		k := s.Server.Key()
		if s.Replicas > 1 {
			k += fmt.Sprintf(" | replicas %d", s.Replicas)
		}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], s)
	}
	var out [][]*scenario.Scenario
	for _, k := range keys {
		out = append(out, groups[k])
	}
	return out
}

func names(scs []*scenario.Scenario) []string {
	var n []string
	for _, s := range scs {
		n = append(n, s.Name)
	}
	return n
}

// expected estimates how long a step runs, for the CPU profile's length.
func expected(c load.Config) time.Duration {
	if c.Duration > 0 {
		return c.Duration
	}
	return time.Second
}

func profName(sc, step, label string) string {
	n := sc
	if step != "" {
		n += "_" + step
	}
	return launch.SafeName(n + "_" + label)
}
