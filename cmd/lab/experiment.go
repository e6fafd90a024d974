package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"metricstream/harness/experiment"
	"metricstream/harness/launch"
	"metricstream/harness/results"
	"metricstream/harness/scenario"
	"metricstream/internal/stages"
	"metricstream/variants"
)

func init() {
	register(command{"experiment", "build, verify and measure variants on scenarios (lab experiment -h)", runExperimentCmd})
}

const experimentUsage = `usage: lab experiment [flags]

Builds each variant, starts it on a free 127.0.0.1 port with its own data
file, verifies it (/health reports the variant; a valid batch is
acknowledged and lands in the file; invalid input gets 400; the 11th request
in a second gets 429), warms it up, runs every scenario step in -count
rounds (each round runs every variant once, in an order drawn afresh per
round: -order, -seed), stops it with SIGTERM and checks that every
acknowledged metric is a complete line in the file. A variant that fails
verification or integrity is reported as failed, not measured.

Results go to -out/<run-id>/ (meta.json, trials.jsonl, verify.json,
bench.txt, servers/, profiles/) and the report to -reports/<run-id>/
(index.html and PNG charts; lab report rebuilds it from the results). The
last line printed is the results directory.

-variant takes a list of presets or specs separated by '+' or spaces (specs
contain commas): "baseline+phase3", "baseline phase3",
"parser=find,writer=sync+optimized". The same variant twice is an A/A run
("phase3" and "phase3#2"). No -variant: the journey (baseline … phase6) on
the quick scenario set.

Examples:

  lab experiment                                     the journey, quick scenarios, 6 trials each
  lab experiment -variant baseline+phase6 -scenarios seed-100x10,large-batch -count 10
  lab experiment -variant "phase3 phase3" -scenarios seed-50x10        A/A run
  lab experiment -variant parser=find+parser=fsm -scenarios large-batch -pprof
  lab experiment -variant phase3+phase6 -cpus 1,2    each variant's 1 -> 2 core scaling
  lab experiment -target 10.0.0.5:8080 -scenarios rate-ramp -run-id ramp1   remote server
  lab experiment -variant seed-designs              the seed's five designs beside optimized: the seed-* scenarios, 1 trial each
  lab experiment -variant "lock=pooled lock=naive"   seed-naive only (a list naming a seed design defaults to its scenarios)

Flags:
`

// experimentFlags are shared by experiment and compare.
type experimentFlags struct {
	variants, scenarios, target, out, runID, dir string
	reports                                      string
	count                                        int
	cpus                                         string
	pprof, pin, quiet, keepData                  bool
	verbose                                      bool // -v: the summary's wide tables too
	stages                                       stages.Every
	countSet                                     bool // -count was given
	order                                        string
	seed                                         uint64
	duet                                         bool
	// a sequential run (lab compare -precision): the rule, what it asks,
	// and the budget
	stop     experiment.StopRule
	stopAsks string
	budget   time.Duration
}

func (f *experimentFlags) register(fs *flag.FlagSet, withVariant bool) {
	if withVariant {
		fs.StringVar(&f.variants, "variant", "", "variant `list`: presets or specs separated by '+' or spaces (default: the journey)")
	}
	fs.StringVar(&f.scenarios, "scenarios", "", "comma-separated scenario `names`, a set (\"quick\", the default; \"full\": the full capacity search, sweeps and one scenario per dimension) or \"all\"")
	fs.IntVar(&f.count, "count", 10, "rounds per scenario step: each variant runs once a round (a scenario's \"rounds\" may cap it); 9 is the fewest with which a journey step can pass the run's family correction")
	fs.BoolVar(&f.pprof, "pprof", false, "capture CPU, mutex and block profiles of one trial per scenario step into the run's profiles/")
	f.stages = 64
	fs.Var(&f.stages, "stages", "time each server's request stages on a `sample` of requests (\"1/64\", \"all\" or \"off\"; -stages on the server) and record each trial's stage costs")
	fs.BoolVar(&f.pin, "pin", false, "pin servers to cpu0 and the generator to cpu1 (taskset)")
	fs.StringVar(&f.cpus, "cpus", "", "comma-separated core `counts` (e.g. 1,2): run the schedule once per count with servers pinned to cores 0..N-1 and GOMAXPROCS=N; trials are named cpus=N")
	fs.StringVar(&f.target, "target", "", "drive a server already running at `HOST:PORT` (no build, start or integrity check)")
	fs.StringVar(&f.out, "out", "results", "results `directory`")
	fs.StringVar(&f.runID, "run-id", "", "run `id` (default: the start time); give the same id on several hosts to merge them")
	fs.StringVar(&f.dir, "scenario-dir", "", "scenario `directory` (default: scenarios/ in the module root)")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress bar or pipeline log")
	fs.BoolVar(&f.keepData, "keep-data", false, "keep the servers' data files after a passing integrity check")
	fs.StringVar(&f.reports, "reports", "reports", "write the run's report (lab report) under this `directory`; empty: no report")
	fs.BoolVar(&f.verbose, "v", false, "end the summary with its wide tables (the full steps table, the Amdahl shares, USL fits)")
	fs.StringVar(&f.order, "order", experiment.OrderRandom, "order of the variants within each round: \"random\" (a fresh permutation per round), \"balanced\" (each variant in each place equally often; ABBA for two) or \"fixed\" (as listed)")
	fs.BoolVar(&f.duet, "duet", f.duet, "two variants only: run both at the same time in every load round, each with the whole load, and count both per 50 ms window from one start (each gets about half the machine; per-trial kinds stay sequential)")
	fs.Uint64Var(&f.seed, "seed", 0, "`seed` of the round orders and of every trial's random choices (default: from the clock; printed, so a run can be replayed)")
}

func runExperimentCmd(stdout, stderr io.Writer, args []string) error {
	fs := flag.NewFlagSet("lab experiment", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f experimentFlags
	f.register(fs, true)
	fs.Usage = func() { fmt.Fprint(stderr, experimentUsage); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("experiment: unexpected argument %q (variant lists go in -variant)", fs.Arg(0))
	}
	fs.Visit(func(fl *flag.Flag) { f.countSet = f.countSet || fl.Name == "count" })
	if f.pin && os.Getenv("LAB_PINNED") == "" {
		return reexecPinned(stdout, stderr, "experiment", args)
	}
	run, err := experimentRun(stdout, stderr, f)
	if run == nil {
		return err
	}
	// one analysis of the run for the summary and the page
	_, index, perr := publish(stdout, run, f.reports, f.verbose)
	if err != nil {
		return err
	}
	if perr != nil {
		return perr
	}
	fmt.Fprintf(stdout, "\nresults: %s\n", run.Dir)
	if index != "" {
		fmt.Fprintf(stdout, "report:  %s\n", index)
	}
	fmt.Fprintf(stdout, "compare: go tool benchstat -col /variant %s\n%s\n", filepath.Join(run.Dir, "bench.txt"), run.Dir)
	return nil
}

// experimentRun runs the pipeline for f and returns its run (with the
// error, when one stopped it part way) or nil and why it never started.
// It renders nothing: the caller publishes the run's one analysis.
func experimentRun(stdout, stderr io.Writer, f experimentFlags) (*results.Run, error) {
	if f.count < 1 {
		return nil, fmt.Errorf("experiment: -count must be >= 1, got %d", f.count)
	}
	order, err := experiment.ParseOrder(f.order)
	if err != nil {
		return nil, err
	}
	if f.seed == 0 {
		f.seed = uint64(time.Now().UnixNano())
	}
	// The servers' cap on ids per address is lifted by the launcher
	// (launch.MaxIDsPerAddr, passed as -max-ids-per-addr).
	cpus, err := parseCPUs(f.cpus)
	if err != nil {
		return nil, err
	}
	if len(cpus) > 0 && (f.pin || f.target != "") {
		return nil, fmt.Errorf("experiment: -cpus pins the servers it starts to cores 0..N-1; it cannot be combined with -pin or -target")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cwd, _ := os.Getwd()
	root, rootErr := launch.ModuleRoot(cwd)
	dir := f.dir
	if dir == "" {
		if rootErr != nil {
			return nil, rootErr
		}
		dir = filepath.Join(root, "scenarios")
	}
	all, err := scenario.LoadDir(dir)
	if err != nil {
		return nil, err
	}
	scs, err := scenario.Select(all, f.scenarios)
	if err != nil {
		return nil, err
	}
	if sd := seedDefault(f, all); sd != nil {
		scs = sd
		if !f.countSet {
			f.count = seedCount
		}
	}
	if f.runID == "" {
		f.runID = time.Now().Format("20060102-150405")
	}
	runDir := filepath.Join(f.out, f.runID)
	if _, err := os.Stat(filepath.Join(runDir, "meta.json")); err == nil {
		return nil, fmt.Errorf("experiment: %s already holds a run; choose another -run-id or -out", runDir)
	}
	if err := os.MkdirAll(runDir, 0o755); err != nil {
		return nil, fmt.Errorf("experiment: %w", err)
	}
	var log io.Writer
	var progress io.Writer
	if !f.quiet {
		log = stderr
		if isTTY(stderr) {
			progress = stderr
		}
	}
	meta := experiment.Environment(root)
	meta.RunID = f.runID
	if f.pin {
		meta.Pinning = "server=cpu0 generator=cpu1 (taskset)"
	}
	if len(cpus) > 0 {
		meta.Pinning = "per pass: server=cpus 0..N-1 (taskset) with GOMAXPROCS=N for N in " + f.cpus + "; generator unpinned"
		meta.Notes = append(meta.Notes, "-cpus "+f.cpus+": the schedule ran once per core count, one pass after the other (not interleaved across core counts); trials are named cpus=N")
	}
	cfg := experiment.Config{Scenarios: scs, Count: f.count, Dir: runDir, Meta: meta, Pprof: f.pprof, Progress: progress, Log: log, KeepData: f.keepData, CPUs: cpus,
		Order: order, Seed: f.seed, Duet: f.duet, Stop: f.stop, Budget: f.budget}
	if f.stop != nil {
		cfg.Meta.Stop = &results.StopInfo{Rule: f.stopAsks}
		cfg.OnRound = func(k int, report string) { fmt.Fprintf(stdout, "round %d: %s\n", k, report) }
		fmt.Fprintf(stdout, "sequential: rounds until %s, or the budget of %v\n", f.stopAsks, f.budget)
	}
	fmt.Fprintf(stdout, "order: %s within each round, seed %d (-seed %d replays it)\n", order, f.seed, f.seed)
	if f.duet {
		fmt.Fprintln(stdout, "duet: both variants run at the same time in every load round, so each gets about half the machine: compare their ratio, not their absolute figures with a sequential run's")
	}
	cleanup, err := setLauncher(ctx, &f, &cfg, root, rootErr, log)
	defer cleanup()
	if err != nil {
		return nil, err
	}
	if f.stages != 0 {
		cfg.Stages = true
		cfg.Meta.Stages = f.stages.String()
		cfg.Meta.Notes = append(cfg.Meta.Notes, "stages: servers time their request stages on 1 request in "+strconv.FormatUint(uint64(f.stages), 10)+" (-stages "+f.stages.String()+"); each load trial records the difference of /health's stage counters before and after it")
	}
	if f.pprof && !cfg.Remote {
		cfg.Meta.Notes = append(cfg.Meta.Notes, "profiles: CPU, mutex and block (the server's -pprof turns mutex and block profiling on) of the first trial of each scenario step, in profiles/")
	}
	run, err := experiment.Run(ctx, cfg)
	if pl, ok := cfg.Launcher.(*launch.ProcessLauncher); ok && run != nil && len(pl.NoStages) > 0 {
		// the binary predates the server's -stages: measured without it
		run.Meta.Notes = append(run.Meta.Notes, "stages: not timed for "+strings.Join(pl.NoStages, ", ")+" (the server binary has no -stages flag)")
		if werr := results.Write(run); werr != nil && err == nil {
			err = werr
		}
	}
	return run, err
}

// setLauncher gives cfg its arms and launcher: the running server of
// -target, or the variants built into a temporary directory that cleanup
// removes.
func setLauncher(ctx context.Context, f *experimentFlags, cfg *experiment.Config, root string, rootErr error, log io.Writer) (cleanup func(), err error) {
	cleanup = func() {}
	if f.target != "" {
		cfg.Remote = true
		cfg.Meta.Target = f.target
		cfg.Launcher = launch.RemoteLauncher{Addr: f.target}
		if f.pin {
			return cleanup, fmt.Errorf("experiment: -pin pins local servers; with -target only the generator could be pinned")
		}
		if f.variants == "" {
			set, err := remoteVariant(ctx, f.target)
			if err != nil {
				return cleanup, err
			}
			f.variants = set.String()
		}
		if cfg.Arms, err = launch.ParseArms(f.variants); err != nil {
			return cleanup, err
		}
		if len(cfg.Arms) != 1 {
			return cleanup, fmt.Errorf("experiment: -target drives one running server: give one variant, got %d", len(cfg.Arms))
		}
		return cleanup, nil
	}
	if rootErr != nil {
		return cleanup, rootErr
	}
	if cfg.Arms, err = launch.ParseArms(f.variants); err != nil {
		return cleanup, err
	}
	bin, err := os.MkdirTemp("", "lab-bin-")
	if err != nil {
		return cleanup, fmt.Errorf("experiment: %w", err)
	}
	cleanup = func() { os.RemoveAll(bin) }
	pl, err := launch.Build(ctx, root, bin, cfg.Arms, func(s string) {
		if log != nil {
			fmt.Fprintln(log, s)
		}
	})
	if err != nil {
		return cleanup, err
	}
	pl.Pin, pl.Pprof, pl.Stages = f.pin, f.pprof, f.stages
	cfg.Launcher = pl
	return cleanup, nil
}

// remoteVariant asks a running server which variant it is.
func remoteVariant(ctx context.Context, addr string) (variants.Set, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", "http://"+addr+"/health", nil)
	if err != nil {
		return nil, fmt.Errorf("experiment: target %q: %w", addr, err)
	}
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("experiment: target: %w", err)
	}
	defer resp.Body.Close()
	var h struct {
		Variant map[string]string `json:"variant"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&h); err != nil || len(h.Variant) == 0 {
		return nil, fmt.Errorf("experiment: target %s: /health does not name its variant (give -variant)", addr)
	}
	var parts []string
	for _, d := range variants.Dimensions {
		if v := h.Variant[d.Name]; v != "" {
			parts = append(parts, d.Name+"="+v)
		}
	}
	return variants.Parse(strings.Join(parts, ","))
}

// reexecPinned runs this command again under `taskset -c 1`, so the
// generator stays off the servers' cpu0.
func reexecPinned(stdout, stderr io.Writer, sub string, args []string) error {
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("%s: -pin: %w", sub, err)
	}
	cmd := exec.Command("taskset", append([]string{"-c", "1", self, sub}, args...)...)
	cmd.Env = append(os.Environ(), "LAB_PINNED=1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, stdout, stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: pinned run: %w", sub, err)
	}
	return nil
}

func isTTY(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// parseCPUs reads -cpus: a comma-separated list of distinct core counts,
// each 1..runtime.NumCPU().
func parseCPUs(list string) ([]int, error) {
	list = strings.TrimSpace(list)
	if list == "" {
		return nil, nil
	}
	var out []int
	for _, p := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 1 || n > runtime.NumCPU() {
			return nil, fmt.Errorf("experiment: -cpus %q: each entry must be a core count 1..%d", list, runtime.NumCPU())
		}
		if slices.Contains(out, n) {
			return nil, fmt.Errorf("experiment: -cpus %q: %d given twice", list, n)
		}
		out = append(out, n)
	}
	return out, nil
}
