package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"metricstream/harness/experiment"
	"metricstream/harness/report"
	"metricstream/harness/results"
)

func init() {
	register(command{"compare", "-a X -b Y: run two variants in rounds (a duet by default) and print their comparison", runCompare})
}

const compareUsage = `usage: lab compare -a VARIANT -b VARIANT [flags]

Runs lab experiment with the two variants in rounds, by default as a duet
(both at the same time in every load round, each with the scenario's whole
load, counted per 50 ms window from one start; each gets about half the
machine, so the ratio is the figure, not the absolute rates; -duet=false:
one after the other, in an order drawn afresh per round: -order, -seed;
capacity, fault and durability scenarios always run one after the other),
then prints the comparison the report shows, as text: per unit the medians with 95%
confidence intervals (golang.org/x/perf/benchmath), B against A paired by
round (the Hodges-Lehmann estimate of the per-round log ratio with its
exact signed-rank 95% interval and p, corrected by weighted Holm over the
run's whole family), benchstat's unpaired change and Mann-Whitney p beside
it, and a verdict line per scenario; a comparison without a verdict says
what its interval rules out ("no effect larger than X% either way"). The report
page of the run (written too) shows the same numbers. -a X -b X is an A/A
run. ` + "`go tool benchstat -col /variant`" + ` on the run's bench.txt gives
benchstat's own table of the same trials.

Examples:

  lab compare -a baseline -b phase2 -scenarios seed-100x10
  lab compare -a phase3 -b phase3 -scenarios seed-50x10 -count 10     A/A
  lab compare -a phase3 -b phase4 -scenarios throughput -precision 3% -budget 5m
                                     rounds until req/s is known within ±3% (or 5 minutes)
  lab compare -a phase3 -b phase4 -scenarios throughput -duet=false     sequential rounds instead of a duet

With -precision the rounds are not counted ahead: after every round the
95% anytime-valid interval (a confidence sequence) of B/A of each -units
in each scenario is computed from the per-round ratios: it holds at every
look at once, so looking each round does not raise the false-positive
rate (harness/analysis's calibration test checks it), and the run
stops when every interval is within the precision, or before a round would
overrun the budget; it prints each round's intervals and which ended it.

Flags:
`

// compareDuet is lab compare's default mode: duet (both variants at once
// in every load round) or sequential rounds (-duet=false). Chosen by `lab
// noise` on this 2-core machine, loaded by other work (load average 4-10;
// run noise1, 6 rounds a configuration): at each quick scenario's own trial
// length the per-round log ratio's s.d. was 0.134 duet vs 0.325
// sequential (throughput), 0.156 vs 0.301 (seed-100x10), 0.115 vs 0.250
// (seed-50x10), and the variance per minute of machine time 3-10x lower
// in duet. Re-measure on an idle machine (lab noise) before trusting it
// there: with two cores, the two arms of a duet also contend with each
// other.
const compareDuet = true

func runCompare(stdout, stderr io.Writer, args []string) error {
	fs := flag.NewFlagSet("lab compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f := experimentFlags{duet: compareDuet}
	f.register(fs, false)
	a := fs.String("a", "", "variant A (preset or spec)")
	b := fs.String("b", "", "variant B (preset or spec)")
	precision := fs.String("precision", "", "run rounds until the 95% interval of B/A of each -units in each scenario is within this `share` (e.g. 3%), or the -budget is spent; -count is then not used")
	budget := fs.Duration("budget", 10*time.Minute, "with -precision: stop before a round would overrun this much time")
	units := fs.String("units", "req/s", "with -precision: the comma-separated `units` whose interval must be within it")
	fs.Usage = func() { fmt.Fprint(stderr, compareUsage); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *a == "" || *b == "" || fs.NArg() != 0 {
		fs.Usage()
		return fmt.Errorf("compare: want -a VARIANT -b VARIANT")
	}
	if f.pin && os.Getenv("LAB_PINNED") == "" {
		return reexecPinned(stdout, stderr, "compare", args)
	}
	f.variants = *a + "+" + *b
	if *precision != "" {
		p, err := parsePrecision(*precision)
		if err != nil {
			return err
		}
		us, err := parseUnits(*units)
		if err != nil {
			return err
		}
		f.stop, f.budget = sequentialRule(p, us), *budget
		f.stopAsks = fmt.Sprintf("the 95%% interval of B/A of %s in every scenario is within ±%g%%", strings.Join(us, ", "), 100*p)
	}
	run, err := experimentRun(stdout, stderr, f)
	if run == nil {
		return err
	}
	// one analysis of the run for the summary, the comparison and the page
	an, index, perr := publish(stdout, run, f.reports, f.verbose)
	if err != nil {
		return err
	}
	if perr != nil {
		return perr
	}
	fmt.Fprintln(stdout)
	if err := report.WriteText(stdout, an); err != nil {
		return err
	}
	if st := run.Meta.Stop; st != nil {
		fmt.Fprintf(stdout, "\n%s\n  %s\n", stopLine(st), st.Report)
	}
	dir := run.Dir
	fmt.Fprintf(stdout, "\nresults: %s\n", dir)
	if index != "" {
		fmt.Fprintf(stdout, "report:  %s\n", index)
	}
	fmt.Fprintf(stdout, "benchstat: go tool benchstat -col /variant %s\n%s\n", filepath.Join(dir, "bench.txt"), dir)
	return nil
}

// stopLine says how a sequential compare ended.
func stopLine(st *results.StopInfo) string {
	took := time.Duration(st.ElapsedNS).Round(time.Second)
	switch st.Reason {
	case experiment.StoppedByRule:
		return fmt.Sprintf("stopped: precision reached after %d rounds (%v): %s", st.Rounds, took, st.Rule)
	case experiment.StoppedByBudget:
		return fmt.Sprintf("stopped: the budget of %v would not fit another round, after %d rounds (%v); precision not reached (%s)", time.Duration(st.BudgetNS), st.Rounds, took, st.Rule)
	case experiment.StoppedAtMax:
		return fmt.Sprintf("stopped: the most rounds allowed (%d) ran (%v); precision not reached (%s)", st.Rounds, took, st.Rule)
	}
	return fmt.Sprintf("stopped: %s after %d rounds (%v)", st.Reason, st.Rounds, took)
}
