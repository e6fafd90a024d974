package main

import (
	"flag"
	"fmt"
	"io"

	"metricstream/harness/results"
	"metricstream/harness/scenario"
)

func init() {
	register(command{"merge", "DIR... -out DIR: merge one run's results from several generator hosts", runMerge})
}

func runMerge(stdout, stderr io.Writer, args []string) error {
	fs := flag.NewFlagSet("lab merge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "merged run `directory` (required)")
	fs.Usage = func() {
		fmt.Fprint(stderr, `usage: lab merge DIR... -out DIR

Merges the results of the same run id made by several generator hosts (lab
experiment -target HOST:PORT -run-id ID on each): for each (scenario, step,
variant, trial) the HDR histograms are merged exactly, counts, acknowledged
metrics and throughput are summed, and meta.json lists the hosts.

Example:

  lab merge hostA/results/ramp1 hostB/results/ramp1 -out results/ramp1-merged

Flags:
`)
		fs.PrintDefaults()
	}
	var dirs []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		dirs = append(dirs, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if *out == "" || len(dirs) == 0 {
		fs.Usage()
		return fmt.Errorf("merge: want DIR... -out DIR")
	}
	var runs []*results.Run
	for _, d := range dirs {
		r, err := results.Read(d)
		if err != nil {
			return fmt.Errorf("merge: %w", err)
		}
		runs = append(runs, r)
	}
	m, err := results.Merge(*out, runs, scenario.Remeasure)
	if err != nil {
		return err
	}
	if err := results.Write(m); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "merged %d runs (%d trials, hosts %v) into %s\n", len(runs), len(m.Trials), m.Meta.Hosts, *out)
	return nil
}
