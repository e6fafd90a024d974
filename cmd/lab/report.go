package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"metricstream/harness/report"
	"metricstream/harness/results"
)

func init() {
	register(command{"report", "[-run DIR | -results DIR] [-out DIR]: write reports/<run-id>/index.html and its PNG charts", runReport})
}

const reportUsage = `usage: lab report [-run DIR | -results DIR] [-out DIR]

Builds the report of one run from its stored results (no server needed):
OUT/<run-id>/index.html plus one PNG per chart, and prints the page's path.
The same results give the same page.

Examples:

	lab report                              the latest run in results/
	lab report -run results/20260101-120000 one run
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
	id := run.Meta.RunID
	if id == "" {
		id = filepath.Base(filepath.Clean(dir))
	}
	index, err := report.Write(run, filepath.Join(*out, filepath.Base(id)))
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, index)
	return nil
}
