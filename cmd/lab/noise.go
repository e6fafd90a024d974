package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"

	"metricstream/harness/experiment"
	"metricstream/harness/launch"
	"metricstream/harness/results"
	"metricstream/harness/scenario"
)

func init() {
	register(command{"noise", "A/A runs per scenario at a few trial lengths, sequential and duet: how wide an effect's interval gets per minute of machine time (lab noise -h)", runNoise})
}

const noiseUsage = `usage: lab noise [flags]

Measures where the noise of a comparison is, to choose trial lengths,
counts and the run's mode from data (Kalibera & Jones, "Rigorous
Benchmarking in Reasonable Time", 2013: spend repetitions where the
variance is). For each scenario, each trial length (a multiple of the
scenario's duration, or of its requests per client; a capacity search's
hold) and each mode (sequential rounds in random order; duet: both arms at
once), it runs an A/A experiment of the variant against itself for -count
rounds and reports, for the unit the scenario is compared on (req/s;
capacity-req/s for a capacity search, censored searches left out):

  paired s.d.    the standard deviation of the per-round log ratio B/A
  unpaired s.d.  the s.d. of log(unit) within an arm, pooled, times √2:
                 what an unpaired comparison of one trial each would see
  ±95%           the half-width of the 95% interval of the mean ratio
                 after these rounds (Student t)
  s/round        machine time per round: the run's wall time (servers'
                 start, verification, warm-up and stop included) over its
                 rounds
  var·min        paired s.d.² × minutes per round: the variance of the
                 effect estimate one minute of machine time leaves (lower
                 is better: compare lengths and modes on it)
  to ±5%         the rounds, and minutes, a ±5% interval would take

Each run is kept under -out/<id>/<scenario>-x<length>-<mode>/, and the
table in -out/<id>/noise.txt and noise.json. Timing measured on a machine
that other work shares is that machine's: the table starts with its load
average.

Examples:

  lab noise                                           the quick load scenarios and capacity, lengths 0.5,1,2, both modes
  lab noise -scenarios throughput,seed-100x10 -lengths 1,2 -count 8
  lab noise -modes sequential -stages 1/8

Flags:
`

type noiseRow struct {
	Scenario   string  `json:"scenario"`
	Unit       string  `json:"unit"`
	Length     float64 `json:"length"` // multiple of the scenario's trial length
	Trial      string  `json:"trial"`  // what one trial is at that length
	Mode       string  `json:"mode"`   // sequential | duet
	Rounds     int     `json:"rounds"` // with both arms' figures
	PairedSD   float64 `json:"paired_sd"`
	UnpairedSD float64 `json:"unpaired_sd"`
	HalfPct    float64 `json:"half_width_pct"`
	RoundSec   float64 `json:"seconds_per_round"`
	VarMin     float64 `json:"variance_minutes"`
	RoundsTo5  float64 `json:"rounds_to_5pct"`
	MinutesTo5 float64 `json:"minutes_to_5pct"`
	Dir        string  `json:"dir"`
	Note       string  `json:"note,omitempty"`
}

func runNoise(stdout, stderr io.Writer, args []string) error {
	fs := flag.NewFlagSet("lab noise", flag.ContinueOnError)
	fs.SetOutput(stderr)
	variant := fs.String("variant", "phase6", "the `variant` run against itself")
	scs := fs.String("scenarios", "", "comma-separated scenario `names` (default: the quick set)")
	lengths := fs.String("lengths", "0.5,1,2", "trial `lengths` as multiples of each scenario's own")
	modes := fs.String("modes", "sequential,duet", "`modes`: sequential (rounds in random order), duet (both arms at once; load scenarios only)")
	count := fs.Int("count", 6, "rounds per run")
	out := fs.String("out", "results", "results `directory`")
	id := fs.String("run-id", "", "`id` of the set of runs (default noise-<start time>)")
	dir := fs.String("scenario-dir", "", "scenario `directory` (default: scenarios/ in the module root)")
	st := experimentFlags{}
	st.stages = 64
	fs.Var(&st.stages, "stages", "stage-timing `sample` of the servers (\"1/64\", \"all\", \"off\")")
	fs.Usage = func() { fmt.Fprint(stderr, noiseUsage); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 || *count < 3 {
		return fmt.Errorf("noise: want flags only and -count >= 3")
	}
	ls, err := parseLengths(*lengths)
	if err != nil {
		return err
	}
	ms := strings.Split(*modes, ",")
	for _, m := range ms {
		if m != "sequential" && m != "duet" {
			return fmt.Errorf("noise: -modes: %q is not sequential or duet", m)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cwd, _ := os.Getwd()
	root, err := launch.ModuleRoot(cwd)
	if err != nil {
		return err
	}
	if *dir == "" {
		*dir = filepath.Join(root, "scenarios")
	}
	all, err := scenario.LoadDir(*dir)
	if err != nil {
		return err
	}
	chosen, err := scenario.Select(all, *scs)
	if err != nil {
		return err
	}
	if *id == "" {
		*id = "noise-" + time.Now().Format("20060102-150405")
	}
	base := filepath.Join(*out, *id)
	if err := os.MkdirAll(base, 0o755); err != nil {
		return err
	}
	st.variants = *variant + "+" + *variant
	var cfg experiment.Config
	cleanup, err := setLauncher(ctx, &st, &cfg, root, nil, nil)
	defer cleanup()
	if err != nil {
		return err
	}
	load0 := loadAvg()
	fmt.Fprintf(stdout, "lab noise: %s against itself, %d rounds a run; load average at the start %s\n", *variant, *count, load0)
	var rows []noiseRow
	for _, sc := range chosen {
		unit := "req/s"
		if sc.Kind == scenario.KindCapacity {
			unit = "capacity-req/s"
		} else if sc.PerTrial() {
			fmt.Fprintf(stdout, "%s: a %s scenario has no rate to compare; skipped\n", sc.Name, sc.Kind)
			continue
		}
		for _, l := range ls {
			scaled, trial := scaleScenario(sc, l)
			for _, mode := range ms {
				if mode == "duet" && sc.PerTrial() {
					continue // a capacity search adapts its rates to its arm: no duet
				}
				if ctx.Err() != nil {
					return ctx.Err()
				}
				name := fmt.Sprintf("%s-x%g-%s", sc.Name, l, mode)
				c := cfg
				c.Scenarios, c.Count, c.Dir, c.Duet, c.Seed = []*scenario.Scenario{scaled}, *count, filepath.Join(base, name), mode == "duet", 0
				c.Meta = experiment.Environment(root)
				c.Meta.RunID, c.Stages = name, st.stages != 0
				c.Meta.Stages = st.stages.String()
				began := time.Now()
				run, err := experiment.Run(ctx, c)
				if err != nil {
					return err
				}
				row := noiseOf(run, unit, time.Since(began))
				row.Scenario, row.Length, row.Trial, row.Mode, row.Dir = sc.Name, l, trial, mode, c.Dir
				rows = append(rows, row)
				if row.Rounds < 2 {
					fmt.Fprintf(stdout, "%-12s x%-4g %-10s %d rounds with both arms' figure: no spread; %.1f s a round\n", sc.Name, l, mode, row.Rounds, row.RoundSec)
					continue
				}
				fmt.Fprintf(stdout, "%-12s x%-4g %-10s paired s.d. %.3f, unpaired %.3f, ±%.1f%% after %d rounds, %.1f s a round\n",
					sc.Name, l, mode, row.PairedSD, row.UnpairedSD, row.HalfPct, row.Rounds, row.RoundSec)
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "lab noise %s: %s against itself, %d rounds a run; load average %s at the start, %s at the end\n\n", *id, *variant, *count, load0, loadAvg())
	writeNoise(&b, rows)
	fmt.Fprint(stdout, "\n"+b.String())
	if err := os.WriteFile(filepath.Join(base, "noise.txt"), []byte(b.String()), 0o644); err != nil {
		return err
	}
	j, _ := json.MarshalIndent(rows, "", "  ")
	if err := os.WriteFile(filepath.Join(base, "noise.json"), append(j, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Fprintln(stdout, base)
	return nil
}

// parseLengths reads -lengths: positive multiples.
func parseLengths(s string) ([]float64, error) {
	var out []float64
	for _, p := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || v <= 0 || math.IsInf(v, 0) {
			return nil, fmt.Errorf("noise: -lengths %q: each a multiple > 0", s)
		}
		out = append(out, v)
	}
	return out, nil
}

// scaleScenario is sc with its trial l times as long: its duration (a
// closed or open load's, a capacity search's hold and its requests a
// point), or its requests per client; and what a trial then is.
func scaleScenario(sc *scenario.Scenario, l float64) (*scenario.Scenario, string) {
	c := *sc
	if c.Capacity != nil {
		p := *c.Capacity
		p.MinRequests = int(math.Round(float64(p.MinRequests) * l))
		c.Capacity = &p
	}
	if d, err := time.ParseDuration(sc.Duration); err == nil && d > 0 {
		c.Duration = time.Duration(float64(d) * l).Round(time.Millisecond).String()
		if sc.Kind == scenario.KindCapacity {
			return &c, "points held " + c.Duration
		}
		return &c, c.Duration
	}
	c.Requests = max(1, int(math.Round(float64(sc.Requests)*l)))
	return &c, fmt.Sprintf("%d × %d requests", c.Clients, c.Requests)
}

// noiseOf reads an A/A run: the per-round log ratios of unit, the spread
// within each arm, and what they cost.
func noiseOf(run *results.Run, unit string, took time.Duration) noiseRow {
	row := noiseRow{Unit: unit}
	if len(run.Meta.Variants) != 2 {
		row.Note = "a variant failed"
		return row
	}
	a, b := run.Meta.Variants[0].Label, run.Meta.Variants[1].Label
	byRound := map[int][2]float64{}
	var within [2][]float64
	for i := range run.Trials {
		t := &run.Trials[i]
		v, ok := unitValue[unit](t)
		if !ok || v <= 0 {
			continue
		}
		arm := 0
		if t.Variant == b {
			arm = 1
		} else if t.Variant != a {
			continue
		}
		p := byRound[t.Trial]
		p[arm] = v
		byRound[t.Trial] = p
		within[arm] = append(within[arm], math.Log(v))
	}
	var logs []float64
	for _, p := range byRound {
		if p[0] > 0 && p[1] > 0 {
			logs = append(logs, math.Log(p[1]/p[0]))
		}
	}
	row.Rounds = len(logs)
	row.RoundSec = took.Seconds() / float64(max(run.Meta.Count, 1))
	if n := len(logs); n >= 2 {
		row.PairedSD = stat.StdDev(logs, nil)
		q := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(n - 1)}.Quantile(0.975)
		row.HalfPct = 100 * (math.Exp(q*row.PairedSD/math.Sqrt(float64(n))) - 1)
		row.VarMin = row.PairedSD * row.PairedSD * row.RoundSec / 60
		row.RoundsTo5 = math.Ceil(math.Pow(1.96*row.PairedSD/math.Log(1.05), 2))
		row.MinutesTo5 = row.RoundsTo5 * row.RoundSec / 60
	}
	if len(within[0]) >= 2 && len(within[1]) >= 2 {
		v0, v1 := stat.Variance(within[0], nil), stat.Variance(within[1], nil)
		n0, n1 := float64(len(within[0])-1), float64(len(within[1])-1)
		row.UnpairedSD = math.Sqrt(2 * (n0*v0 + n1*v1) / (n0 + n1))
	}
	if row.Rounds < run.Meta.Count {
		row.Note = fmt.Sprintf("%d of %d rounds had both arms' figure (censored or failed trials left out)", row.Rounds, run.Meta.Count)
	}
	return row
}

func writeNoise(w io.Writer, rows []noiseRow) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "scenario\tunit\tlength\ttrial\tmode\trounds\tpaired s.d.\tunpaired s.d.\t±95%\ts/round\tvar·min\tto ±5%")
	for _, r := range rows {
		if r.Rounds < 2 { // no spread from fewer than two rounds: no figure, not a zero
			fmt.Fprintf(tw, "%s\t%s\tx%g\t%s\t%s\t%d\t-\t-\t-\t%.1f\t-\t-\n", r.Scenario, r.Unit, r.Length, r.Trial, r.Mode, r.Rounds, r.RoundSec)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\tx%g\t%s\t%s\t%d\t%.3f\t%.3f\t±%.1f%%\t%.1f\t%.2g\t%.0f rounds, %.1f min\n",
			r.Scenario, r.Unit, r.Length, r.Trial, r.Mode, r.Rounds, r.PairedSD, r.UnpairedSD, r.HalfPct, r.RoundSec, r.VarMin, r.RoundsTo5, r.MinutesTo5)
	}
	_ = tw.Flush()
	for _, r := range rows {
		if r.Note != "" {
			fmt.Fprintf(w, "%s x%g %s: %s\n", r.Scenario, r.Length, r.Mode, r.Note)
		}
	}
}

// loadAvg is /proc/loadavg's three averages ("?" where there is none).
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if err != nil || len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// unitValue reads a unit of a trial for the paired comparison; ok is
// false where the trial has no such figure (a load unit of a capacity
// search, a censored capacity).
var unitValue = map[string]func(t *results.Trial) (float64, bool){
	"req/s": func(t *results.Trial) (float64, bool) { return t.Throughput, t.Kind == "" },
	"success-%": func(t *results.Trial) (float64, bool) {
		return t.SuccessPct, t.Kind == ""
	},
	"ns/op":    func(t *results.Trial) (float64, bool) { return t.Latency.Mean, t.Kind == "" },
	"p50-ns":   func(t *results.Trial) (float64, bool) { return float64(t.Latency.P50), t.Kind == "" },
	"p99-ns":   func(t *results.Trial) (float64, bool) { return float64(t.Latency.P99), t.Kind == "" },
	"p99.9-ns": func(t *results.Trial) (float64, bool) { return float64(t.Latency.P999), t.Kind == "" },
	"capacity-req/s": func(t *results.Trial) (float64, bool) {
		how, rps := t.Capacity.Censored()
		return rps, t.Capacity != nil && how == results.Exact
	},
}
