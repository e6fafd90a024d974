package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"metricstream/harness/report"
	"metricstream/harness/results"
)

func init() {
	register(command{"report", "[-run DIR | -results DIR] [-out DIR] [-summary [-v]]: write reports/<run-id>/index.html and its PNG charts", runReport})
}

const reportUsage = `usage: lab report [-run DIR | -results DIR] [-out DIR] [-summary [-v]]

Builds the report of one run from its stored results (no server needed):
OUT/<run-id>/index.html plus one PNG per chart, and prints the page's path;
with -summary it first prints the run's terminal summary, as lab experiment
did. The same results give the same page. A stored run under docs/runs/
(trials.jsonl.gz) reads like any other.

Examples:

	lab report                              the latest run in results/
	lab report -run results/20260101-120000 one run
	lab report -run docs/runs/20261202-173139 -summary   a stored run, its summary too
	lab report -out /tmp/reports            somewhere else

Flags:
`

func runReport(stdout, stderr io.Writer, args []string) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, reportUsage)
		fs.PrintDefaults()
	}
	runDir := fs.String("run", "", "run directory (default: the latest run under -results)")
	resultsDir := fs.String("results", "results", "directory holding one directory per run")
	out := fs.String("out", "reports", "directory to write <run-id>/ into")
	summary := fs.Bool("summary", false, "print the run's terminal summary too")
	wide := fs.Bool("v", false, "with -summary: end it with its wide tables")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return fmt.Errorf("report: %w", err)
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return fmt.Errorf("report: unexpected arguments %q", fs.Args())
	}
	dir := *runDir
	if dir == "" {
		var err error
		if dir, err = report.Latest(*resultsDir); err != nil {
			return err
		}
	}
	run, err := results.Read(dir)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	var sw io.Writer
	if *summary {
		sw = stdout
	}
	_, index, err := publish(sw, run, *out, *wide)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, index)
	return nil
}
