package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"metricstream/harness/report"
	"metricstream/harness/results"
)

func init() {
	register(command{"compare", "-a X -b Y: run two variants interleaved and print their comparison", runCompare})
}

const compareUsage = `usage: lab compare -a VARIANT -b VARIANT [flags]

Runs lab experiment with the two variants in rounds (each round runs both,
in an order drawn afresh per round: -order, -seed), then prints
the comparison the report shows, as text: per unit the medians with 95%
confidence intervals (golang.org/x/perf/benchmath), B against A with the
change, the Mann-Whitney p-value and its Holm-Bonferroni adjustment, and a
verdict line per scenario ("~" means no significant difference). The report
page of the run (written too) shows the same numbers. -a X -b X is an A/A
run. ` + "`go tool benchstat -col /variant`" + ` on the run's bench.txt gives
benchstat's own table of the same trials.

Examples:

  lab compare -a baseline -b phase2 -scenarios seed-100x10
  lab compare -a phase3 -b phase3 -scenarios seed-50x10 -count 10     A/A

Flags:
`

func runCompare(stdout, stderr io.Writer, args []string) error {
	fs := flag.NewFlagSet("lab compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f experimentFlags
	f.register(fs, false)
	a := fs.String("a", "", "variant A (preset or spec)")
	b := fs.String("b", "", "variant B (preset or spec)")
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
	dir, err := experimentRun(stdout, stderr, f)
	if err != nil {
		return err
	}
	run, err := results.Read(dir)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout)
	if err := report.Compare(stdout, run); err != nil {
		return err
	}
	index, err := writeReport(dir, f.reports)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nresults: %s\n", dir)
	if index != "" {
		fmt.Fprintf(stdout, "report:  %s\n", index)
	}
	fmt.Fprintf(stdout, "benchstat: go tool benchstat -col /variant %s\n%s\n", filepath.Join(dir, "bench.txt"), dir)
	return nil
}
