package experiment

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"metricstream/harness/load"
	"metricstream/harness/results"
	"metricstream/harness/scenario"
	"metricstream/internal/clip"
)

// Config is one experiment.
type Config struct {
	Arms      []Arm
	Scenarios []*scenario.Scenario
	Count     int    // trials per (scenario, step, arm)
	Dir       string // the run directory, results/<run-id>
	Meta      results.Meta
	Launcher  Launcher
	// Remote: the Launcher drives a server running elsewhere; no data file,
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
	// OnTrial, when set, sees each trial as it is recorded (tests, live output).
	OnTrial func(*results.Trial)
}

// armState is an arm's progress through the pipeline.
type armState struct {
	Arm
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
	host, _ := os.Hostname()
	serverDir := filepath.Join(cfg.Dir, "servers")
	if err := os.MkdirAll(serverDir, 0o755); err != nil {
		return nil, fmt.Errorf("experiment: %w", err)
	}
	logf := func(format string, args ...any) {
		if cfg.Log != nil {
			fmt.Fprintf(cfg.Log, format+"\n", args...)
		}
	}
	run := &results.Run{Dir: cfg.Dir, Meta: cfg.Meta}
	run.Meta.Count = cfg.Count
	for _, s := range cfg.Scenarios {
		run.Meta.Scenarios = append(run.Meta.Scenarios, s.Name)
	}
	arms := make([]*armState, len(cfg.Arms))
	for i, a := range cfg.Arms {
		arms[i] = &armState{Arm: a, check: results.Check{Variant: a.Label}}
		run.Meta.Variants = append(run.Meta.Variants, a.Variant())
	}
	if cfg.Remote {
		run.Meta.Notes = append(run.Meta.Notes,
			"remote target: the server was not built or started here; verification is reduced to HTTP (health variant, valid batch acknowledged, invalid batch 400, rate limit informational) and integrity cannot be checked (the data file is not reachable)",
			"remote target: scenario server flags (rate_limit, workers, queue, fsync) could not be applied")
	}

	total := 0
	for _, s := range cfg.Scenarios {
		total += len(s.LoadSteps()) * cfg.Count * len(arms)
	}
	var bar *progressbar.ProgressBar
	if cfg.Progress != nil {
		bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(cfg.Progress),
			progressbar.OptionSetDescription("trials"),
			progressbar.OptionShowCount(),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish())
	}

	// Verify each arm on its own instance, started with -rate-limit 10 so
	// the 429 check holds whatever the scenarios use.
	for _, a := range arms {
		if ctx.Err() != nil {
			break
		}
		logf("verify %s", a.Label)
		flags := []string{"-rate-limit", "10"}
		inst, err := cfg.Launcher.Start(ctx, a.Arm, flags, serverDir)
		if err != nil {
			a.check.Steps = append(a.check.Steps, results.Step{Name: "start", Detail: err.Error()})
			a.fail("could not start for verification: " + err.Error())
			continue
		}
		tally := &Tally{}
		vo := cfg.Verify
		vo.RateLimit = !cfg.Remote
		steps := Verify(ctx, inst, a.Set, tally, vo)
		a.check.Steps = append(a.check.Steps, steps...)
		a.check.Verified = true
		for _, s := range steps {
			if !s.OK {
				a.check.Verified = false
				a.fail("verification failed: " + s.Name + ": " + s.Detail)
			}
		}
		stopAndCheck(ctx, cfg, a, []Instance{inst}, tally, "verify")
	}

	// Measure: scenarios grouped by the server flags (and replicas) they
	// need; within a group every live arm runs at once, each on its own
	// port(s), so that interleaving (A B A B) costs no restarts.
	for _, group := range groupByServer(loadScenarios(cfg.Scenarios)) {
		if ctx.Err() != nil {
			break
		}
		flags := group[0].Server.Flags()
		replicas := max(group[0].Replicas, 1)
		if replicas > 1 && cfg.Remote {
			for _, sc := range group {
				run.Meta.Notes = append(run.Meta.Notes, fmt.Sprintf("remote target: the scenario %s needs %d replicas of each variant, which only a local run can start; skipped", sc.Name, replicas))
				if bar != nil {
					_ = bar.Add(len(sc.LoadSteps()) * cfg.Count * len(arms))
				}
			}
			continue
		}
		fleets := map[*armState]*fleet{}
		for _, a := range arms {
			if a.failed {
				continue
			}
			f, err := startFleet(ctx, cfg.Launcher, a.Arm, flags, replicas, serverDir)
			if err != nil {
				a.check.Steps = append(a.check.Steps, results.Step{Name: "start", Detail: err.Error()})
				a.fail("could not start: " + err.Error())
				continue
			}
			logf("started %s on %s %s", a.Label, f.describe(), strings.Join(flags, " "))
			fleets[a] = f
		}
		for _, sc := range group {
			steps := sc.LoadSteps()
			slos := sc.SLOs()
			// Warm-up: the first step, unrecorded, for at least sc.Warmup.
			if w := sc.WarmupDuration(); w > 0 {
				for _, a := range arms {
					if f := fleets[a]; f != nil && !a.failed {
						logf("warm up %s on %s", a.Label, sc.Name)
						warmup(ctx, steps[0].Config, f.addrs(), w, f.tally, fmt.Sprintf("w-%s-%s-", sc.Name, safe(a.Label)))
					}
				}
			}
			for si, st := range steps {
				for k := 0; k < cfg.Count; k++ {
					for _, a := range arms {
						f := fleets[a]
						if f == nil || a.failed || ctx.Err() != nil {
							if bar != nil {
								_ = bar.Add(1)
							}
							continue
						}
						var prof func()
						// replicas: the first one's profiles stand for the fleet
						if pp := f.insts[0].PprofAddr(); cfg.Pprof && k == 0 && pp != "" {
							prof = capture(ctx, pp, filepath.Join(cfg.Dir, "profiles"), profName(sc.Name, st.Name, a.Label), expected(st.Config))
						}
						t := trial(ctx, st, f.addrs(), f.tally, fmt.Sprintf("t%d-%d-%d-%s-", si, k, len(run.Trials), safe(a.Label)))
						if prof != nil {
							prof()
						}
						t.Scenario, t.Variant, t.Trial, t.Step, t.Host = sc.Name, a.Label, k, st.Name, host
						if replicas > 1 && sc.Server.RateLimit != nil {
							t.RateLimit = *sc.Server.RateLimit
						}
						t.SLO = scenario.EvalAll(slos, &t)
						run.Trials = append(run.Trials, t)
						if cfg.OnTrial != nil {
							cfg.OnTrial(&run.Trials[len(run.Trials)-1])
						}
						if bar != nil {
							bar.Describe(fmt.Sprintf("%s %s %s", sc.Name, st.Name, a.Label))
							_ = bar.Add(1)
						}
					}
				}
			}
		}
		for _, a := range arms {
			if f := fleets[a]; f != nil {
				f.stop(ctx, cfg, a, strings.Join(names(group), ","))
			}
		}
	}
	// Durability and faults: each trial is its own cycle (load → stop →
	// restart, or a slowloris or overload run) on a server of its own, so
	// there is no shared server; arms still interleave.
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	for _, sc := range cfg.Scenarios {
		if !sc.PerTrial() {
			continue
		}
		if cfg.Remote {
			run.Meta.Notes = append(run.Meta.Notes, "remote target: the "+sc.Kind+" scenario "+sc.Name+" needs to start and stop a server of its own per trial, which only a local run can do; skipped")
			continue
		}
		for _, st := range sc.LoadSteps() {
			for k := 0; k < cfg.Count; k++ {
				for _, a := range arms {
					if a.failed || ctx.Err() != nil {
						if bar != nil {
							_ = bar.Add(1)
						}
						continue
					}
					logf("%s %s %s trial %d", sc.Kind, st.Name, a.Label, k)
					t, problem := perTrial(ctx, cfg, a, sc, st, fmt.Sprintf("d%d", len(run.Trials)), rng)
					t.Scenario, t.Variant, t.Trial, t.Step, t.Host = sc.Name, a.Label, k, st.Name, host
					t.SLO = scenario.EvalAll(sc.SLOs(), &t)
					run.Trials = append(run.Trials, t)
					if problem != nil {
						a.check.Steps = append(a.check.Steps, *problem)
						logf("%s: %s", problem.Name, problem.Detail)
					}
					if cfg.OnTrial != nil {
						cfg.OnTrial(&run.Trials[len(run.Trials)-1])
					}
					if bar != nil {
						bar.Describe(fmt.Sprintf("%s %s %s", sc.Name, st.Name, a.Label))
						_ = bar.Add(1)
					}
				}
			}
		}
	}
	if bar != nil {
		_ = bar.Finish()
	}

	// Failed arms are reported, not measured.
	failed := map[string]bool{}
	for _, a := range arms {
		a.check.Intact = !a.failed && a.check.Acked == a.check.Lines && a.check.Partial == 0
		if cfg.Remote {
			a.check.Intact = !a.failed
		}
		if a.failed {
			failed[a.Label] = true
			logf("FAILED %s: %s", a.Label, a.check.Failed)
		}
		run.Checks = append(run.Checks, a.check)
	}
	kept := run.Trials[:0]
	for _, t := range run.Trials {
		if !failed[t.Variant] {
			kept = append(kept, t)
		}
	}
	run.Trials = kept
	if err := results.Write(run); err != nil {
		return nil, err
	}
	if ctx.Err() != nil {
		return run, fmt.Errorf("experiment: interrupted: %w (partial results in %s)", ctx.Err(), cfg.Dir)
	}
	return run, nil
}

// stopAndCheck stops insts (one server, or a fleet of replicas) with
// SIGTERM and checks integrity: the metrics tally counted as acknowledged
// by any of them against the complete lines of all their data files.
func stopAndCheck(ctx context.Context, cfg Config, a *armState, insts []Instance, tally *Tally, what string) {
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

// trial runs one load step against addrs (one server, or replicas whose
// every client spreads its requests over all of them) and records it.
func trial(ctx context.Context, st scenario.Step, addrs []string, tally *Tally, prefix string) results.Trial {
	cfg := st.Config
	cfg.ClientPrefix = prefix
	target(&cfg, addrs)
	m := load.NewMetrics()
	start := time.Now()
	d, err := load.Attack(ctx, cfg, load.Tee(m, tally))
	t, ferr := load.NewTrial(cfg, start, m.Summary(d))
	if err == nil {
		err = ferr
	}
	_ = err // errors are in the counts (conn errors, timeouts) or ctx's, handled by the caller
	if len(addrs) > 1 {
		t.Replicas = len(addrs)
	}
	return t
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
	return safe(n + "_" + label)
}

// capture fetches CPU, mutex and block profiles from a pprof endpoint over
// d (at least 1s) into dir/<name>-{cpu,mutex,block}.pprof; the returned func
// waits for them. Mutex and block profiles hold samples only if the server
// set runtime.SetMutexProfileFraction / SetBlockProfileRate.
func capture(ctx context.Context, addr, dir, name string, d time.Duration) func() {
	secs := int(d.Round(time.Second) / time.Second)
	if secs < 1 {
		secs = 1
	}
	_ = os.MkdirAll(dir, 0o755)
	var wg sync.WaitGroup
	for _, kind := range []string{"profile", "mutex", "block"} {
		wg.Go(func() {
			file := map[string]string{"profile": "cpu", "mutex": "mutex", "block": "block"}[kind]
			url := fmt.Sprintf("http://%s/debug/pprof/%s?seconds=%d", addr, kind, secs)
			c := &http.Client{Timeout: time.Duration(secs+10) * time.Second}
			req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
			resp, err := c.Do(req)
			if err != nil {
				return
			}
			defer resp.Body.Close()
			if resp.StatusCode != 200 {
				return
			}
			f, err := os.Create(filepath.Join(dir, name+"-"+file+".pprof"))
			if err != nil {
				return
			}
			_, _ = io.Copy(f, resp.Body)
			f.Close()
		})
	}
	return wg.Wait
}

// remote is a server running elsewhere.
type remote struct{ addr string }

func (r remote) Addr() string                          { return r.addr }
func (r remote) DataFile() string                      { return "" }
func (r remote) PprofAddr() string                     { return "" }
func (r remote) Stop(ctx context.Context) (int, error) { return 0, nil }

// RemoteLauncher drives a server already running at addr: Start returns it
// as it is (flags cannot be applied).
type RemoteLauncher struct{ Addr string }

// Start implements Launcher.
func (l RemoteLauncher) Start(ctx context.Context, arm Arm, flags []string, dir string) (Instance, error) {
	if _, _, err := net.SplitHostPort(l.Addr); err != nil {
		return nil, fmt.Errorf("experiment: target %q is not HOST:PORT", clip.String(l.Addr))
	}
	if err := waitHealthy(ctx, l.Addr, 5*time.Second, nil); err != nil {
		return nil, fmt.Errorf("experiment: target %s: %v", l.Addr, err)
	}
	return remote{l.Addr}, nil
}
